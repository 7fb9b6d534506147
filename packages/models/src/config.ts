/*
 * Typed, validated configs and named presets of Conditional-DGPose and Semi-DGPose (CONVENTIONS.md §8).
 * The paper's layer sizes, latent size and loss weights were not found (docs/paper-notes.md §9); the values
 * here follow the peer code named beside each field or are proposals (README: "Presets").
 */
import { type DGPoseError, checkError, checkKnownKeys, checkNumber, getSkeleton, isSeed } from '@dgpose/core';
import type { ConditionalConfig, ConfigOverrides, PresetName, SemiConfig } from './types';

/**
 * Version of the model weights layout written into every manifest (`config.modelFormatVersion`). 2 added
 * `latentInjection` and `partAppearance`; version-1 weights still load (as 'bottleneck', no parts).
 */
export const MODEL_FORMAT_VERSION = 2;
export const PRESET_NAMES: readonly PresetName[] = Object.freeze(['tiny', 'small', 'paper'] as const);

const f = <T>(o: T): Readonly<T> => Object.freeze(o);

/** Conditional-DGPose presets: tiny (tests, 32 px), small (64 px, 2 CPU cores), paper (256 px, GPU). */
export const CONDITIONAL_PRESETS: Readonly<Record<PresetName, Readonly<ConditionalConfig>>> = f({
  tiny: f({
    preset: 'tiny' as const,
    imageSize: 32,
    skeleton: 'coco18' as const,
    baseChannels: 8,
    maxChannels: 32,
    bottleneckSize: 4,
    latentDim: 8,
    heatmapSigma: 1,
    latentInjection: 'every-scale' as const,
    partAppearance: true,
    prior: 'standard' as const,
    discriminator: f({ baseChannels: 8, maxChannels: 32, downLayers: 2 }),
    lossWeights: f({ l1: 100, kl: 0.005, adv: 1, l1Mask: 0 }),
    klWarmupSteps: 20,
    lr: 2e-4,
    lrD: 2e-4,
    beta1: 0.5,
    beta2: 0.999,
    seed: 1,
  }),
  small: f({
    preset: 'small' as const,
    imageSize: 64,
    skeleton: 'coco18' as const,
    baseChannels: 16,
    maxChannels: 64,
    bottleneckSize: 4,
    latentDim: 32,
    heatmapSigma: 1.5,
    latentInjection: 'every-scale' as const,
    partAppearance: true,
    prior: 'standard' as const,
    // D capped at 32 channels: ~20 % faster steps on 2 CPU cores than 64, same 64-px receptive field
    discriminator: f({ baseChannels: 16, maxChannels: 32, downLayers: 3 }),
    lossWeights: f({ l1: 100, kl: 0.005, adv: 1, l1Mask: 0 }),
    klWarmupSteps: 500,
    lr: 2e-4,
    lrD: 2e-4,
    beta1: 0.5,
    beta2: 0.999,
    seed: 1,
  }),
  paper: f({
    preset: 'paper' as const,
    imageSize: 256,
    skeleton: 'coco18' as const,
    baseChannels: 64,
    maxChannels: 512,
    bottleneckSize: 4,
    latentDim: 64,
    heatmapSigma: 6,
    latentInjection: 'every-scale' as const,
    partAppearance: true,
    prior: 'standard' as const,
    discriminator: f({ baseChannels: 64, maxChannels: 512, downLayers: 3 }),
    lossWeights: f({ l1: 100, kl: 0.005, adv: 1, l1Mask: 0 }),
    klWarmupSteps: 10000,
    lr: 2e-4,
    lrD: 2e-4,
    beta1: 0.5,
    beta2: 0.999,
    seed: 1,
  }),
});

/** Semi-DGPose presets: the Conditional networks plus q(y|x) and the mapper; no discriminator by default. */
export const SEMI_PRESETS: Readonly<Record<PresetName, Readonly<SemiConfig>>> = f({
  tiny: f({
    ...CONDITIONAL_PRESETS.tiny,
    lossWeights: f({ l1: 100, kl: 0.005, adv: 0, l1Mask: 0, pose: 1, klPose: 1, poseRecon: 1 }),
    mapper: 'analytic' as const,
    mapperName: 'none',
    supervision: 1,
    poseLogvarMin: -7,
    supervisedOnly: false,
  }),
  small: f({
    ...CONDITIONAL_PRESETS.small,
    lossWeights: f({ l1: 100, kl: 0.005, adv: 0, l1Mask: 0, pose: 1, klPose: 1, poseRecon: 1 }),
    mapper: 'learned' as const,
    mapperName: 'coco18-64',
    supervision: 1,
    poseLogvarMin: -7,
    supervisedOnly: false,
  }),
  paper: f({
    ...CONDITIONAL_PRESETS.paper,
    lossWeights: f({ l1: 100, kl: 0.005, adv: 0, l1Mask: 0, pose: 1, klPose: 1, poseRecon: 1 }),
    // no learned mapper exists at 256 px: the analytic renderer (docs/paper-notes.md §5.3 proposal A)
    mapper: 'analytic' as const,
    mapperName: 'none',
    supervision: 1,
    poseLogvarMin: -7,
    supervisedOnly: false,
  }),
});

function bad(argument: string, expected: unknown, got: unknown, message = `bad config value ${argument}`): DGPoseError {
  return checkError(argument, expected, got, { message });
}

function presetOf(name: unknown): PresetName {
  if (typeof name !== 'string' || !(PRESET_NAMES as readonly string[]).includes(name)) {
    throw bad('preset', [...PRESET_NAMES], name, 'unknown preset');
  }
  return name as PresetName;
}

const isPow2 = (n: number): boolean => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;

const num = (argument: string, v: unknown, ok: (x: number) => boolean, expected: string): number =>
  checkNumber(argument, v, ok, expected, { message: `bad config value ${argument}` });

function validateCommon(c: ConditionalConfig | SemiConfig): void {
  num('imageSize', c.imageSize, (v) => isPow2(v) && v >= 16 && v <= 1024, 'a power of two in [16, 1024]');
  num(
    'bottleneckSize',
    c.bottleneckSize,
    (v) => isPow2(v) && v <= c.imageSize / 2,
    `a power of two <= imageSize/2 (${c.imageSize / 2})`,
  );
  try {
    getSkeleton(c.skeleton);
  } catch (e) {
    throw bad('skeleton', 'a skeleton name of @dgpose/core', c.skeleton);
  }
  num('baseChannels', c.baseChannels, (v) => Number.isInteger(v) && v >= 1 && v <= 4096, 'an integer in [1, 4096]');
  num(
    'maxChannels',
    c.maxChannels,
    (v) => Number.isInteger(v) && v >= c.baseChannels && v <= 4096,
    `an integer in [baseChannels, 4096]`,
  );
  num('latentDim', c.latentDim, (v) => Number.isInteger(v) && v >= 1 && v <= 4096, 'an integer in [1, 4096]');
  num('heatmapSigma', c.heatmapSigma, (v) => v > 0, '> 0 (pixels)');
  if (c.prior !== 'standard' && c.prior !== 'learned') throw bad('prior', ['standard', 'learned'], c.prior);
  if (c.lossWeights.l1Mask > 0 && !c.partAppearance)
    throw bad(
      'lossWeights.l1Mask',
      '0 unless partAppearance is on (the mask is drawn from its part masks)',
      c.lossWeights.l1Mask,
    );
  if (typeof c.partAppearance !== 'boolean') throw bad('partAppearance', 'true or false', c.partAppearance);
  if (c.partAppearance && getSkeleton(c.skeleton).joints.length < 18)
    throw bad('partAppearance', 'a COCO-18 skeleton (the part masks are drawn from its joints)', c.skeleton);
  if (c.latentInjection !== 'bottleneck' && c.latentInjection !== 'every-scale')
    throw bad('latentInjection', ['bottleneck', 'every-scale'], c.latentInjection);
  const d = c.discriminator;
  num(
    'discriminator.baseChannels',
    d.baseChannels,
    (v) => Number.isInteger(v) && v >= 1 && v <= 4096,
    'an integer in [1, 4096]',
  );
  num(
    'discriminator.maxChannels',
    d.maxChannels,
    (v) => Number.isInteger(v) && v >= d.baseChannels,
    'an integer >= discriminator.baseChannels',
  );
  num(
    'discriminator.downLayers',
    d.downLayers,
    (v) => Number.isInteger(v) && v >= 1 && c.imageSize / 2 ** v >= 4,
    `an integer >= 1 leaving >= 4 px (imageSize ${c.imageSize})`,
  );
  for (const [k, v] of Object.entries(c.lossWeights)) num(`lossWeights.${k}`, v, (x) => x >= 0, '>= 0');
  num('lossWeights.l1', c.lossWeights.l1, (x) => x > 0, '> 0');
  num('klWarmupSteps', c.klWarmupSteps, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  num('lr', c.lr, (v) => v > 0, '> 0');
  num('lrD', c.lrD, (v) => v > 0, '> 0');
  num('beta1', c.beta1, (v) => v >= 0 && v < 1, 'in [0, 1)');
  num('beta2', c.beta2, (v) => v >= 0 && v < 1, 'in [0, 1)');
  // seed + 1 seeds the discriminator, so both must be seeds (core's isSeed: safe integers).
  num('seed', c.seed, (v) => isSeed(v) && isSeed(v + 1), 'a safe integer below 2^53 - 1');
}

function merge<C extends ConditionalConfig | SemiConfig>(base: Readonly<C>, partial: ConfigOverrides<C>): C {
  checkKnownKeys(partial, base);
  checkKnownKeys(partial.lossWeights, base.lossWeights, { prefix: 'lossWeights.' });
  checkKnownKeys(partial.discriminator, base.discriminator, { prefix: 'discriminator.' });
  return {
    ...base,
    ...partial,
    lossWeights: { ...base.lossWeights, ...(partial.lossWeights ?? {}) },
    discriminator: { ...base.discriminator, ...(partial.discriminator ?? {}) },
  } as C;
}

/**
 * Fills defaults from the preset (`partial.preset`, else `preset`, default 'small') and validates;
 * throws E_CONFIG naming the bad key (unknown keys included).
 */
export function validateConditionalConfig(
  partial: ConfigOverrides<ConditionalConfig> = {},
  preset?: PresetName,
): ConditionalConfig {
  const name = presetOf(partial.preset ?? preset ?? 'small');
  const c = merge(CONDITIONAL_PRESETS[name], { ...partial, preset: name });
  validateCommon(c);
  return c;
}

/** As {@link validateConditionalConfig}, for Semi-DGPose. */
export function validateSemiConfig(partial: ConfigOverrides<SemiConfig> = {}, preset?: PresetName): SemiConfig {
  const name = presetOf(partial.preset ?? preset ?? 'small');
  const c = merge(SEMI_PRESETS[name], { ...partial, preset: name });
  validateCommon(c);
  if (c.mapper !== 'learned' && c.mapper !== 'analytic') throw bad('mapper', ['learned', 'analytic'], c.mapper);
  if (typeof c.mapperName !== 'string' || c.mapperName === '')
    throw bad('mapperName', 'a mapper name, e.g. coco18-64', c.mapperName);
  num('supervision', c.supervision, (v) => v > 0 && v <= 1, 'in (0, 1]');
  num('poseLogvarMin', c.poseLogvarMin, (v) => v < 0, '< 0');
  num('lossWeights.poseRecon', c.lossWeights.poseRecon, (v) => v >= 0 && v <= 1, 'in [0, 1]');
  if (typeof c.supervisedOnly !== 'boolean') throw bad('supervisedOnly', 'true or false', c.supervisedOnly);
  return c;
}

/** Channels of encoder scale i (1-based: i = 1 is the first stride-2 conv): min(base·2^(i−1), max). */
export function scaleChannels(c: Pick<ConditionalConfig, 'baseChannels' | 'maxChannels'>, i: number): number {
  return Math.min(c.baseChannels * 2 ** (i - 1), c.maxChannels);
}

/** Number of stride-2 scales from imageSize down to bottleneckSize. */
export function numScales(c: Pick<ConditionalConfig, 'imageSize' | 'bottleneckSize'>): number {
  return Math.round(Math.log2(c.imageSize / c.bottleneckSize));
}
