// @dgpose/zoo/node: everything of the main entry plus loading from disk (Node only).
export * from './index';
export { createMoveNet, MOVENET_DIR_ENV } from './movenet-node';
export type { CreateMoveNetOptions } from './movenet-node';
export { loadPretrained, readPretrainedBytes, pretrainedDir } from './pretrained-node';
export type { LoadPretrainedOptions } from './pretrained-node';
