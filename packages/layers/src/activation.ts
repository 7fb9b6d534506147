import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, checkNumberIn } from '@dgpose/core';
import { Module } from './module';

export type ActivationName = 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid' | 'elu' | 'identity';
export const ACTIVATION_NAMES: readonly ActivationName[] = Object.freeze([
  'relu',
  'leakyRelu',
  'tanh',
  'sigmoid',
  'elu',
  'identity',
] as const);

/** An activation: a name, or `{ kind: 'leakyRelu', alpha }` (alpha default 0.2, as pix2pix/ClothNet). */
export type ActivationSpec = ActivationName | { kind: ActivationName; alpha?: number };

interface Resolved {
  kind: ActivationName;
  alpha: number;
}

export function resolveActivation(spec: ActivationSpec, argument = 'activation'): Resolved {
  const kind = typeof spec === 'string' ? spec : spec?.kind;
  if (!(ACTIVATION_NAMES as readonly string[]).includes(kind as string)) {
    throw new DGPoseError('E_CONFIG', 'unknown activation', { argument, expected: ACTIVATION_NAMES, got: kind });
  }
  const alpha =
    typeof spec === 'string' || spec.alpha === undefined
      ? 0.2
      : checkNumberIn(`${argument}.alpha`, spec.alpha, 0, Infinity, { hiOpen: true }, { where: 'activation' });
  return { kind, alpha };
}

/**
 * Applies an activation (pure; caller owns the result). Ranges: relu [0, ∞), leakyRelu ℝ
 * (x·alpha below 0), tanh (−1, 1), sigmoid (0, 1), elu (−1, ∞), identity returns a clone.
 */
export function applyActivation(x: tf.Tensor, spec: ActivationSpec): tf.Tensor {
  const { kind, alpha } = resolveActivation(spec);
  switch (kind) {
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, alpha);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    case 'identity':
      return tf.clone(x);
  }
}

/** Parameter-free activation layer, for use in `sequential`. */
export class Activation extends Module {
  readonly spec: { kind: ActivationName; alpha: number };
  constructor(spec: ActivationSpec) {
    super('activation');
    this.spec = resolveActivation(spec);
  }
  call(x: tf.Tensor): tf.Tensor {
    return applyActivation(x, this.spec);
  }
}

/** Factory for {@link Activation}: `activation('relu')`, `activation({ kind: 'leakyRelu', alpha: 0.2 })`. */
export function activation(spec: ActivationSpec): Activation {
  return new Activation(spec);
}
