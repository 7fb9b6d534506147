// Gradients (training only) come from @tensorflow/tfjs-layers, an optional peer that core's
// initBackend imports when installed; see core's gradients.ts. Nothing here imports it.
export { Module } from './module';
export type { ModuleOutput } from './module';
export {
  normalInit,
  glorotUniformInit,
  heNormalInit,
  zerosInit,
  onesInit,
  constantInit,
  resolveInit,
  resolveRng,
  initTensor,
} from './init';
export type { LayerRng, RandomArgs, Fans, InitFn, Initializer } from './init';
export { Conv2d, conv2d } from './conv2d';
export type { Conv2dArgs, Conv2dPadding } from './conv2d';
export { Conv2dTranspose, conv2dTranspose } from './conv2d-transpose';
export type { Conv2dTransposeArgs } from './conv2d-transpose';
export { Dense, dense } from './dense';
export type { DenseArgs } from './dense';
export { BatchNorm, batchNorm } from './batch-norm';
export type { BatchNormArgs } from './batch-norm';
export { InstanceNorm, instanceNorm } from './instance-norm';
export type { InstanceNormArgs } from './instance-norm';
export { Activation, activation, applyActivation, ACTIVATION_NAMES } from './activation';
export type { ActivationName, ActivationSpec } from './activation';
export { Dropout, dropout } from './dropout';
export type { DropoutArgs } from './dropout';
export { Upsample, upsample, UpsampleConv, upsampleConv } from './upsample';
export type { UpsampleArgs, UpsampleConvArgs, UpsampleMode } from './upsample';
export {
  EncoderBlock,
  encoderBlock,
  DecoderBlock,
  decoderBlock,
  ResidualBlock,
  residualBlock,
  makeNorm,
} from './blocks';
export type {
  EncoderBlockArgs,
  DecoderBlockArgs,
  DecoderUpsample,
  ResidualBlockArgs,
  NormKind,
  NormOptions,
} from './blocks';
export { Sequential, sequential, Flatten, flatten, Reshape, reshape } from './sequential';
export type { ReshapeArgs } from './sequential';
export {
  applyAct,
  freezeConv,
  freezeDeconv,
  freezeDense,
  fusable,
  normAffine,
  runConv,
  runDeconv,
  splitDeconvConstant,
  runDense,
} from './frozen-ops';
export type { Act, FrozenConv, FrozenDeconv, FrozenDeconvConstant, FrozenDense } from './frozen-ops';
export { PreparedCache } from './prepared-cache';
export { toNamedArrays, checkNamedArrays, loadNamedArrays, encodeModuleWeights, decodeModuleWeights } from './weights';
