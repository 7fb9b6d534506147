import type * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';

/**
 * Reads a scalar loss (awaiting its data, never disposing it) and returns its value; throws
 * `DGPoseError('E_LOSS_NAN')` naming the term when it is NaN or ±Infinity. Trainers call it before they
 * apply an optimizer update, so a diverged step never touches the weights.
 * @param name the loss term, e.g. `"kl"` (reported as the error's `argument`)
 * @param loss a tensor with exactly one element
 */
export async function assertFiniteLoss(name: string, loss: tf.Tensor): Promise<number> {
  if (loss.size !== 1) {
    throw new DGPoseError('E_SHAPE', `loss term ${name} must have one element`, {
      argument: name,
      expected: [],
      got: [...loss.shape],
    });
  }
  const v = (await loss.data())[0];
  checkFiniteLosses({ [name]: v });
  return v;
}

/**
 * Throws `DGPoseError('E_LOSS_NAN')` when any value of `record` is NaN or ±Infinity. The message and
 * `details.argument` name the first bad term; `details.got` lists every bad term with its value.
 * @param record plain numbers, e.g. `{ kl: 1.2, l1: 0.3 }`
 */
export function checkFiniteLosses(record: Readonly<Record<string, number>>): void {
  const bad = Object.entries(record).filter(([, v]) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad.length === 0) return;
  const got = Object.fromEntries(bad.map(([k, v]) => [k, String(v)]));
  throw new DGPoseError('E_LOSS_NAN', `loss term ${bad[0][0]} is ${String(bad[0][1])}`, {
    argument: bad[0][0],
    expected: 'finite numbers',
    got,
  });
}
