/*
 * @dgpose/mapper/node: everything of the main entry plus the shipped learned-mapper weights, read from
 * the package's own `weights/` folder (Node only).
 *
 * The folder is found from this file's directory: `src/` in the workspace, `dist/` once built; both sit
 * beside `weights/`. `__dirname` is native in the CJS build and in tests, and tsup's `shims` provide it
 * in the ESM build, so one source works in both.
 */
import * as path from 'node:path';
import { DGPoseError, type WeightsManifest } from '@dgpose/core';
import { loadWeights } from '@dgpose/core/node';
import { type Mapper, MAPPER_WEIGHTS_KIND, createMapper, mapperConfigFromManifest } from './learned/mapper';

export * from './index';

/** Names of the shipped learned mappers (COCO-18 at 64 and 128 px). */
export const PRETRAINED_MAPPERS = Object.freeze(['coco18-64', 'coco18-128'] as const);
/** A shipped learned mapper. */
export type PretrainedMapperName = (typeof PRETRAINED_MAPPERS)[number];

/** Folder of a shipped mapper's weights (`model.json` + shards) inside the installed package. */
export function pretrainedMapperDir(name: PretrainedMapperName): string {
  if (!(PRETRAINED_MAPPERS as readonly string[]).includes(name)) {
    throw new DGPoseError('E_ARG', 'unknown pretrained mapper', {
      argument: 'name',
      expected: [...PRETRAINED_MAPPERS],
      got: name,
    });
  }
  return path.resolve(__dirname, '..', 'weights', name);
}

/**
 * Loads a shipped learned mapper, frozen (sizes and sha256 checked by core's loadWeights; E_IO when
 * the files are absent). Its manifest's `config` records how it was trained and its validation error:
 * see {@link readPretrainedMapperManifest}.
 */
export async function loadPretrainedMapper(name: PretrainedMapperName): Promise<Mapper> {
  const { arrays, manifest } = await loadWeights(pretrainedMapperDir(name), { kind: MAPPER_WEIGHTS_KIND });
  return createMapper({ weights: arrays, config: mapperConfigFromManifest(manifest) });
}

/** The manifest of a shipped mapper (config, training command, validation MSE and peak error). */
export async function readPretrainedMapperManifest(name: PretrainedMapperName): Promise<WeightsManifest> {
  const { manifest } = await loadWeights(pretrainedMapperDir(name), { kind: MAPPER_WEIGHTS_KIND });
  return manifest;
}
