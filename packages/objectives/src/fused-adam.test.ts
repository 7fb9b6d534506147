import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastKernels } from '@dgpose/core';
import { seededFloats, useBackend } from '@dgpose/test-utils';
import { FusedAdamOptimizer, fusedAdam } from './fused-adam';

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

/** Runs `steps` updates of two variables with `opt` from fixed gradients; returns weights and state. */
async function run(opt: tf.Optimizer, steps: number, tag: string) {
  const a = tf.variable(tf.tensor2d(seededFloats(12, 1), [3, 4]), true, `${tag}/a`);
  const b = tf.variable(tf.tensor1d(seededFloats(5, 2)), true, `${tag}/b`);
  for (let s = 0; s < steps; s++) {
    const ga = tf.tensor2d(seededFloats(12, 10 + s, -3, 3), [3, 4]);
    const gb = tf.tensor1d(seededFloats(5, 20 + s, -1e-3, 1e-3));
    opt.applyGradients({ [a.name]: ga, [b.name]: gb });
    tf.dispose([ga, gb]);
  }
  const weights = [bits(await a.data()), bits(await b.data())];
  const state = await Promise.all(
    (await opt.getWeights()).map(async (w) => [w.name.replace(tag, ''), bits(await w.tensor.data())]),
  );
  const acc = opt as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  const accs = [bits(await acc.accBeta1.data()), bits(await acc.accBeta2.data())];
  tf.dispose([a, b]);
  return { weights, state, accs };
}

describe.each(['wasm', 'cpu'] as const)('fusedAdam on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    await registerFastKernels();
  });

  test('bit for bit tf.train.adam over 7 steps: weights, m/v slots, iterations and accBeta', async () => {
    const stockOpt = tf.train.adam(1e-3, 0.5, 0.999);
    const fusedOpt = fusedAdam(1e-3, 0.5, 0.999);
    expect(fusedOpt).toBeInstanceOf(FusedAdamOptimizer);
    // the optimizers keep their slots (and getWeights' iteration scalars): the same count on both sides
    const n0 = tf.memory().numTensors;
    const stock = await run(stockOpt, 7, 'stock');
    const n1 = tf.memory().numTensors;
    const fused = await run(fusedOpt, 7, 'fused');
    expect(tf.memory().numTensors - n1).toBe(n1 - n0);
    expect(fused).toEqual(stock);
    stockOpt.dispose();
    fusedOpt.dispose();
  });

  test("disposing after two steps leaves what the stock optimizer leaves (getWeights outputs, the caller's)", async () => {
    const left = async (make: () => tf.Optimizer, tag: string) => {
      const n0 = tf.memory().numTensors;
      const opt = make();
      await run(opt, 2, tag);
      opt.dispose();
      return tf.memory().numTensors - n0;
    };
    const stock = await left(() => tf.train.adam(1e-3, 0.5, 0.999), 'ls');
    expect(await left(() => fusedAdam(1e-3, 0.5, 0.999), 'lf')).toBe(stock);
    expect(stock).toBeLessThanOrEqual(3);
  });

  test('a restored optimizer continues as the stock one does (setWeights)', async () => {
    const src = fusedAdam(2e-4, 0.9, 0.999);
    const first = await run(src, 3, 'r');
    const state = await src.getWeights();
    const a = fusedAdam(2e-4, 0.9, 0.999);
    const b = tf.train.adam(2e-4, 0.9, 0.999);
    await a.setWeights(state.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
    await b.setWeights(state.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
    expect(first.weights.length).toBe(2);
    expect(await run(a, 2, 'r')).toEqual(await run(b, 2, 'r'));
    [src, a, b].forEach((o) => o.dispose());
  });
});
