/*
 * tf.train.adam whose update runs as one kernel per variable (@dgpose/core's `DGPoseAdam`, registered
 * on wasm and cpu by initBackend / registerFastKernels) instead of 14: bit for bit the same values, the
 * same state (m and v slots, accBeta1/accBeta2, iterations), so checkpoints and bit-exact resume are
 * unchanged. On a backend without the kernel it is the stock AdamOptimizer.
 */
import * as tf from '@tensorflow/tfjs-core';

/** @dgpose/core's fused Adam kernel (core/src/kernels/adam.ts). */
export const ADAM_KERNEL = 'DGPoseAdam';

interface Slot {
  originalName: string;
  variable: tf.Variable;
}
/** The private fields of tfjs 4.22.0's AdamOptimizer this subclass shares (checked on use). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  incrementIterations(): void;
}

type Grads = Parameters<tf.AdamOptimizer['applyGradients']>[0];
type NamedTensor = { name: string; tensor: tf.Tensor };

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Grads): void {
    if (!tf.getKernel(ADAM_KERNEL, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    if (!(self.accBeta1 instanceof tf.Variable) || !Array.isArray(self.accumulatedFirstMoment)) {
      throw new Error(
        'tfjs AdamOptimizer internals changed (accBeta1, accumulatedFirstMoment): FusedAdamOptimizer needs updating',
      );
    }
    const list = Array.isArray(variableGradients);
    const names = list ? (variableGradients as NamedTensor[]).map((v) => v.name) : Object.keys(variableGradients);
    // c = 1 − β^(t+1) as the float32 `sub(1, accBeta)` of the stock optimizer gives it
    const c1 = Math.fround(1 - self.accBeta1.dataSync()[0]);
    const c2 = Math.fround(1 - self.accBeta2.dataSync()[0]);
    const attrs = {
      beta1: self.beta1,
      beta2: self.beta2,
      epsilon: self.epsilon,
      learningRate: self.learningRate,
      c1,
      c2,
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (self.accumulatedFirstMoment[i] == null) {
          self.accumulatedFirstMoment[i] = {
            originalName: `${name}/m`,
            variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
        }
        if (self.accumulatedSecondMoment[i] == null) {
          self.accumulatedSecondMoment[i] = {
            originalName: `${name}/v`,
            variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
        }
        const g = list
          ? (variableGradients as NamedTensor[])[i].tensor
          : (variableGradients as tf.NamedTensorMap)[name];
        if (g == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const [w2, m2, v2] = tf.engine().runKernel(ADAM_KERNEL, { value, m, v, g }, attrs as never) as tf.Tensor[];
        m.assign(m2);
        v.assign(v2);
        value.assign(w2);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

/** As tf.train.adam (epsilon: the backend's), with the fused update where the kernel is registered. */
export function fusedAdam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): tf.AdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
