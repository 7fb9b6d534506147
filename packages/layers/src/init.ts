import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, createRng } from '@dgpose/core';

/**
 * The part of core's `Rng` that initialisers and dropout use. Any `createRng(seed)` result fits.
 * Layers never make their own random numbers: everything comes from core's seeded RNG, drawn in JS,
 * so the same seed gives bit-identical weights on every backend.
 */
export interface LayerRng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  normal(): number;
}

/** Where a layer's random numbers come from: an RNG (shared across layers, drawn in order) or a seed. */
export interface RandomArgs {
  /** RNG to draw initial weights from (takes precedence over `seed`). */
  rng?: LayerRng;
  /** Seed for a fresh `createRng(seed)` from @dgpose/core, when no `rng` is given. */
  seed?: number;
}

/** Fan-in / fan-out of a weight tensor, as Keras/PyTorch compute them. */
export interface Fans {
  fanIn: number;
  fanOut: number;
}

/** Fills a weight of `shape` (with fans `fans`) with numbers drawn from `rng`. */
export type InitFn = (shape: readonly number[], fans: Fans, rng: LayerRng) => Float32Array;

/**
 * Initialiser spec. Strings: `'zeros'`, `'ones'`, `'glorotUniform'`, `'heNormal'`, `'normal'` (N(0, 0.02));
 * or an `InitFn` from `normalInit(...)` etc.
 */
export type Initializer = 'zeros' | 'ones' | 'normal' | 'glorotUniform' | 'heNormal' | InitFn;

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** N(mean, std²), default N(0, 0.02²): the pix2pix / ClothNet init (docs/paper-notes.md §4.3). */
export function normalInit(opts: { mean?: number; std?: number } = {}): InitFn {
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 0.02;
  if (!Number.isFinite(mean) || !(std >= 0) || !Number.isFinite(std)) {
    throw new DGPoseError('E_CONFIG', 'normalInit: bad mean/std', {
      expected: 'finite mean, std >= 0',
      got: { mean, std },
    });
  }
  return (shape, _fans, rng) => {
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i++) out[i] = mean + std * rng.normal();
    return out;
  };
}

/** Glorot/Xavier uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio 2010; Keras default). */
export function glorotUniformInit(): InitFn {
  return (shape, fans, rng) => {
    const limit = Math.sqrt(6 / Math.max(1, fans.fanIn + fans.fanOut));
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
    return out;
  };
}

/** He/Kaiming normal: N(0, 2 / fanIn), untruncated as PyTorch's `kaiming_normal_` (He et al. 2015). */
export function heNormalInit(): InitFn {
  return (shape, fans, rng) => {
    const std = Math.sqrt(2 / Math.max(1, fans.fanIn));
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
    return out;
  };
}

/** Constant `value` (draws nothing from the RNG). */
export function constantInit(value: number): InitFn {
  return (shape) => new Float32Array(size(shape)).fill(value);
}

/** All zeros. */
export function zerosInit(): InitFn {
  return constantInit(0);
}

/** All ones. */
export function onesInit(): InitFn {
  return constantInit(1);
}

/** Resolves an `Initializer` spec to its function; E_CONFIG on an unknown name. */
export function resolveInit(spec: Initializer, argument = 'init'): InitFn {
  if (typeof spec === 'function') return spec;
  switch (spec) {
    case 'zeros':
      return zerosInit();
    case 'ones':
      return onesInit();
    case 'normal':
      return normalInit();
    case 'glorotUniform':
      return glorotUniformInit();
    case 'heNormal':
      return heNormalInit();
    default:
      throw new DGPoseError('E_CONFIG', 'unknown initializer', {
        argument,
        expected: ['zeros', 'ones', 'normal', 'glorotUniform', 'heNormal', 'a function'],
        got: spec,
      });
  }
}

/** Fans of a conv kernel [kh, kw, in, out] (or a transposed one [kh, kw, out, in] with `transposed`). */
export function convFans(kh: number, kw: number, inC: number, outC: number): Fans {
  return { fanIn: kh * kw * inC, fanOut: kh * kw * outC };
}

/** Builds a float32 tensor of `shape` initialised by `spec`. */
export function initTensor(
  spec: Initializer,
  shape: readonly number[],
  fans: Fans,
  rng: LayerRng,
  argument?: string,
): tf.Tensor {
  const values = resolveInit(spec, argument)(shape, fans, rng);
  return tf.tensor(values, [...shape], 'float32');
}

/**
 * For layers whose default initialisers are constant (norms): `args.rng`/`args.seed` when given, else
 * an RNG that throws E_CONFIG if an initialiser actually draws from it.
 */
export function optionalRng(args: RandomArgs, where: string): LayerRng {
  if (args.rng !== undefined || args.seed !== undefined) return resolveRng(args, where);
  const fail = (): never => {
    throw new DGPoseError('E_CONFIG', `${where}: a random initialiser needs rng or seed`, {
      argument: 'rng',
      expected: 'rng or seed',
      got: 'neither',
    });
  };
  return { next: fail, normal: fail };
}

/** The RNG a layer draws from: `args.rng`, else `createRng(args.seed)`; E_CONFIG when neither is given. */
export function resolveRng(args: RandomArgs, where: string): LayerRng {
  if (args.rng !== undefined) {
    if (typeof args.rng.next !== 'function' || typeof args.rng.normal !== 'function') {
      throw new DGPoseError('E_CONFIG', `${where}: rng must have next() and normal()`, {
        argument: 'rng',
        expected: '{ next(): number; normal(): number }',
        got: { next: typeof args.rng.next, normal: typeof args.rng.normal },
      });
    }
    return args.rng;
  }
  if (args.seed !== undefined) {
    if (!Number.isInteger(args.seed)) {
      throw new DGPoseError('E_CONFIG', `${where}: seed must be an integer`, {
        argument: 'seed',
        expected: 'an integer',
        got: args.seed,
      });
    }
    return createRng(args.seed);
  }
  throw new DGPoseError('E_CONFIG', `${where}: pass rng or seed so that the initial weights are reproducible`, {
    argument: 'rng',
    expected: 'an Rng from createRng(seed), or a seed',
    got: 'neither',
  });
}
