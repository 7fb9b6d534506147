/* Config of the learned mapper (docs/paper-notes.md §5.3, proposal B). */
import {
  type DGPoseError,
  type SkeletonName,
  checkBoolean,
  checkError,
  checkInt,
  checkNumber,
  getSkeleton,
} from '@dgpose/core';

/** Architecture and target of a learned mapper. Stored in every weights manifest. */
export interface MapperConfig {
  /** Skeleton whose joints are rendered: one output channel per joint, in its order. */
  skeleton: SkeletonName;
  /** Output height in pixels; a multiple of 2^upsamples. */
  height: number;
  /** Output width in pixels; a multiple of 2^upsamples. */
  width: number;
  /** σ (pixels) of the analytic Gaussians the mapper is trained to reproduce. */
  sigma: number;
  /** Number of [deconv k4 s2 p1, BN, ReLU] stages; the dense layer feeds a (height/2^n) x (width/2^n) grid. */
  upsamples: number;
  /** Channels of that first grid; each stage halves them, down to `minChannels`. */
  baseChannels: number;
  /** Floor of the channel halving. */
  minChannels: number;
  /** Kernel of the last conv (stride 1, 'same') that maps to the J joint channels: 1 or 3. */
  outKernel: number;
  /** Initial bias of the last conv: sigmoid(bias) is the starting background level (-4 -> 0.018). */
  outBiasInit: number;
  /**
   * false: proposal B as written, Dense(2J -> ...) renders all J channels from the whole pose vector.
   * true: the same stack with input 2 and output 1, applied to every joint with shared weights
   * (channel j then depends on joint j only); it learns far faster (J samples per pose).
   */
  perJoint: boolean;
}

/**
 * The 64-px COCO-18 mapper: per joint, a 4x4x64 grid and 4 stages (64->32->16->8->4 channels).
 * Per-joint because proposal B as written (Dense(2J -> 4·4·128), 253k parameters) had not left the
 * all-zero plateau (validation peak error 14 px) after 300 steps, while the per-joint stack had
 * halved its loss by then; the shipped weights had to train in about 10 minutes on one core.
 */
export const DEFAULT_MAPPER_CONFIG: Readonly<MapperConfig> = Object.freeze({
  skeleton: 'coco18',
  height: 64,
  width: 64,
  sigma: 1.5,
  upsamples: 4,
  baseChannels: 64,
  minChannels: 4,
  outKernel: 1,
  outBiasInit: -4,
  perJoint: true,
});

/** Named presets: the two shipped mappers and a tiny one for tests. */
export const MAPPER_PRESETS: Readonly<Record<'coco18-64' | 'coco18-128' | 'tiny', Readonly<MapperConfig>>> =
  Object.freeze({
    'coco18-64': DEFAULT_MAPPER_CONFIG,
    'coco18-128': Object.freeze({ ...DEFAULT_MAPPER_CONFIG, height: 128, width: 128, sigma: 3, upsamples: 5 }),
    /** Proposal B as written (all joints from the whole vector), small enough for tests. */
    tiny: Object.freeze({
      ...DEFAULT_MAPPER_CONFIG,
      height: 16,
      width: 16,
      sigma: 1.5,
      upsamples: 2,
      baseChannels: 16,
      minChannels: 8,
      perJoint: false,
    }),
  });

/** A preset name. */
export type MapperPresetName = keyof typeof MAPPER_PRESETS;

const bad = (field: string, expected: unknown, got: unknown): DGPoseError =>
  checkError(field, expected, got, { where: 'mapper config' });

/**
 * Fills defaults (from `preset`, default 'coco18-64') and validates; throws E_CONFIG on a bad value
 * (E_SKELETON for an unknown skeleton). Unknown keys are an error too, so a typo never passes silently.
 */
export function validateMapperConfig(
  partial: Partial<MapperConfig> = {},
  preset: MapperPresetName = 'coco18-64',
): MapperConfig {
  if (!Object.prototype.hasOwnProperty.call(MAPPER_PRESETS, preset))
    throw bad('preset', Object.keys(MAPPER_PRESETS), preset);
  const base = MAPPER_PRESETS[preset];
  for (const k of Object.keys(partial ?? {})) if (!(k in base)) throw bad(k, Object.keys(base), `unknown key ${k}`);
  const c: MapperConfig = { ...base, ...partial };
  getSkeleton(c.skeleton, 'config.skeleton');
  const int = (k: keyof MapperConfig, min: number, max = Infinity): number =>
    checkInt(k, c[k], { min, max }, { where: 'mapper config' });
  int('upsamples', 1, 8);
  int('height', 2);
  int('width', 2);
  int('baseChannels', 1, 4096);
  int('minChannels', 1, 4096);
  const f = 2 ** c.upsamples;
  if (c.height % f !== 0 || c.width % f !== 0)
    throw bad('height/width', `multiples of 2^upsamples = ${f}`, [c.height, c.width]);
  checkNumber('sigma', c.sigma, (v) => v > 0, '> 0', { where: 'mapper config' });
  if (c.outKernel !== 1 && c.outKernel !== 3) throw bad('outKernel', [1, 3], c.outKernel);
  if (!Number.isFinite(c.outBiasInit)) throw bad('outBiasInit', 'a finite number', c.outBiasInit);
  checkBoolean('perJoint', c.perJoint, { where: 'mapper config' });
  return c;
}

/** Looks up a preset by name (E_CONFIG listing the names otherwise). */
export function mapperPreset(name: string): MapperConfig {
  if (!Object.prototype.hasOwnProperty.call(MAPPER_PRESETS, name))
    throw bad('preset', Object.keys(MAPPER_PRESETS), name);
  return { ...MAPPER_PRESETS[name as MapperPresetName] };
}
