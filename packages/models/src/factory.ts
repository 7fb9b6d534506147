/* Factories and the universal weights loader. */
import { DGPoseError, type NamedArrays, type WeightsManifest, decodeWeights } from '@dgpose/core';
import {
  type Mapper,
  type MapperConfig,
  type MapperSource,
  MapperNetwork,
  createMapper,
  mapperFromNetwork,
  validateMapperConfig,
} from '@dgpose/mapper';
import { MODEL_FORMAT_VERSION, validateConditionalConfig, validateSemiConfig } from './config';
import { ConditionalDGPose, createConditionalDGPose } from './conditional';
import { SemiDGPose } from './semi';
import type {
  ConditionalConfig,
  ConfigOverrides,
  CreateSemiOptions,
  ModelKind,
  ModelWeightsKind,
  PresetName,
  SemiConfig,
} from './types';

export { createConditionalDGPose };

export const WEIGHTS_KINDS: Readonly<Record<ModelKind, ModelWeightsKind>> = Object.freeze({
  conditional: 'dgpose-conditional',
  semi: 'dgpose-semi',
});

/** Options of {@link createSemiDGPose} in the universal entry (the node entry loads shipped mappers itself). */
export interface CreateSemiDGPoseOptions extends CreateSemiOptions {
  /** The learned mapper: a Mapper (owned by the model from now on: disposed with it) or its weights. Needed when mapper = 'learned'. */
  mapperSource?: Mapper | MapperSource;
}

function isMapper(m: unknown): m is Mapper {
  return !!m && typeof m === 'object' && 'network' in m && typeof (m as Mapper).map === 'function';
}

function checkMapper(mapper: Mapper, c: SemiConfig): void {
  const mc = mapper.config;
  if (mc.height !== c.imageSize || mc.width !== c.imageSize || mc.skeleton !== c.skeleton) {
    throw new DGPoseError('E_CONFIG', "the learned mapper does not render this model's frames", {
      argument: 'mapperSource',
      expected: { height: c.imageSize, width: c.imageSize, skeleton: c.skeleton },
      got: { height: mc.height, width: mc.width, skeleton: mc.skeleton },
    });
  }
}

/** A new Semi-DGPose model (random weights from the seed; the learned mapper, when used, frozen). */
export async function createSemiDGPose(opts: CreateSemiDGPoseOptions = {}): Promise<SemiDGPose> {
  const partial: ConfigOverrides<SemiConfig> = { ...(opts.config ?? {}) };
  if (opts.seed !== undefined) partial.seed = opts.seed;
  if (opts.mapper !== undefined) partial.mapper = opts.mapper;
  const config = validateSemiConfig(partial, opts.preset);
  let mapper: Mapper | null = null;
  if (config.mapper === 'learned') {
    if (!opts.mapperSource) {
      throw new DGPoseError(
        'E_ARG',
        `mapper 'learned' needs mapperSource (the weights of ${config.mapperName}); in Node, @dgpose/models/node loads the shipped ones`,
        {
          argument: 'mapperSource',
          expected: 'a Mapper or { manifest, shards }',
          got: 'undefined',
        },
      );
    }
    mapper = isMapper(opts.mapperSource) ? opts.mapperSource : await createMapper(opts.mapperSource);
    try {
      checkMapper(mapper, config);
    } catch (e) {
      if (!isMapper(opts.mapperSource)) mapper.dispose();
      throw e;
    }
  }
  return new SemiDGPose(config, mapper);
}

export type AnyDGPoseModel = ConditionalDGPose | SemiDGPose;

/** Reads and checks the model part of a manifest: kind, format version, config (E_WEIGHTS_MISMATCH / E_WEIGHTS_VERSION / E_CONFIG). */
export function modelInfoFromManifest(
  manifest: WeightsManifest,
  expect: { kind?: ModelKind; preset?: PresetName } = {},
): { kind: ModelKind; config: ConditionalConfig | SemiConfig; mapper: unknown } {
  const kinds = Object.values(WEIGHTS_KINDS) as string[];
  if (!manifest || typeof manifest !== 'object' || !kinds.includes(manifest.kind as string)) {
    throw new DGPoseError('E_WEIGHTS_MISMATCH', 'these weights are not a DGPose model', {
      argument: 'manifest.kind',
      expected: kinds,
      got: manifest?.kind ?? 'none',
    });
  }
  const kind: ModelKind = manifest.kind === WEIGHTS_KINDS.semi ? 'semi' : 'conditional';
  if (expect.kind !== undefined && expect.kind !== kind) {
    throw new DGPoseError('E_WEIGHTS_MISMATCH', `expected ${expect.kind} weights`, {
      argument: 'kind',
      expected: WEIGHTS_KINDS[expect.kind],
      got: manifest.kind,
    });
  }
  const cfg = manifest.config as { modelFormatVersion?: unknown; model?: unknown; mapper?: unknown } | undefined;
  const version = cfg?.modelFormatVersion;
  if (!cfg || (version !== MODEL_FORMAT_VERSION && version !== 1)) {
    throw new DGPoseError('E_WEIGHTS_VERSION', 'model weights of another format version', {
      argument: 'config.modelFormatVersion',
      expected: [1, MODEL_FORMAT_VERSION],
      got: version ?? 'none',
    });
  }
  if (!cfg.model || typeof cfg.model !== 'object')
    throw new DGPoseError('E_WEIGHTS_CORRUPT', 'the manifest has no model config', {
      argument: 'config.model',
      got: cfg.model,
    });
  // Version 1 predates latentInjection and partAppearance: its networks had z at the bottleneck only and no part masks.
  const model = (
    version === 1 ? { latentInjection: 'bottleneck', partAppearance: false, ...(cfg.model as object) } : cfg.model
  ) as Partial<SemiConfig>;
  if (expect.preset !== undefined && model.preset !== expect.preset) {
    throw new DGPoseError('E_WEIGHTS_MISMATCH', `expected weights of preset ${expect.preset}`, {
      argument: 'preset',
      expected: expect.preset,
      got: model.preset,
    });
  }
  const config =
    kind === 'semi'
      ? validateSemiConfig(model as ConfigOverrides<SemiConfig>)
      : validateConditionalConfig(model as ConfigOverrides<ConditionalConfig>);
  return { kind, config, mapper: cfg.mapper ?? null };
}

/** Builds a model from decoded arrays + its manifest (shared by the universal and the node loaders). */
export async function modelFromArrays(
  arrays: NamedArrays,
  manifest: WeightsManifest,
  expect: { kind?: ModelKind; preset?: PresetName } = {},
): Promise<AnyDGPoseModel> {
  const info = modelInfoFromManifest(manifest, expect);
  let model: AnyDGPoseModel;
  if (info.kind === 'semi') {
    const c = info.config as SemiConfig;
    let mapper: Mapper | null = null;
    if (c.mapper === 'learned') {
      if (!info.mapper || typeof info.mapper !== 'object')
        throw new DGPoseError('E_WEIGHTS_CORRUPT', 'Semi weights with a learned mapper lack its config', {
          argument: 'config.mapper',
        });
      // an object of unknown fields: validateMapperConfig checks each one (E_ARG naming it)
      mapper = mapperFromNetwork(new MapperNetwork(validateMapperConfig(info.mapper as Partial<MapperConfig>)));
    }
    model = new SemiDGPose(c, mapper);
  } else {
    model = new ConditionalDGPose(info.config as ConditionalConfig);
  }
  try {
    model.loadArrays(arrays);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * A model from exported weights (`exportWeights()`), in any environment: checks sizes and sha256 (core's
 * decodeWeights), the kind ('dgpose-conditional' | 'dgpose-semi'), the model format version and, with
 * `expect`, the kind and preset; E_WEIGHTS_MISMATCH / E_WEIGHTS_VERSION name expected and got.
 */
export async function loadModelFromWeights(
  src: { manifest: WeightsManifest; shards: (Uint8Array | ArrayBuffer)[] },
  expect: { kind?: ModelKind; preset?: PresetName } = {},
): Promise<AnyDGPoseModel> {
  if (!src || typeof src !== 'object' || !src.manifest)
    throw new DGPoseError('E_ARG', 'loadModelFromWeights needs { manifest, shards }', { argument: 'src' });
  modelInfoFromManifest(src.manifest, expect);
  const arrays = await decodeWeights(src.manifest, src.shards, { kind: src.manifest.kind });
  return modelFromArrays(arrays, src.manifest, expect);
}
