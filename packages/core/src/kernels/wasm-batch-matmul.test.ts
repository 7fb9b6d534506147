import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { registerWasmBatchMatMul } from './wasm-batch-matmul';
import { isOurs } from './types';

// [a shape, b shape, transposeA, transposeB]: both strategies (small and large operands), ranks 2
// and 3, and a broadcast batch
const CASES: [number[], number[], boolean, boolean][] = [
  [[3, 40], [3, 7], true, false], // dW = xᵀ·dy: transposes A
  [[3, 7], [40, 7], false, true], // dx = dy·Wᵀ with a large W: computes (W·dyᵀ)ᵀ
  [[40, 7], [3, 7], false, true], // large A: transposes B
  [[7, 3], [5, 7], true, true],
  [[2, 6, 4], [2, 6, 5], true, false],
  [[2, 4, 6], [1, 5, 6], false, true], // broadcast batch
  [[3, 5], [5, 4], false, false], // untouched path
];

describe('wasm BatchMatMul without transpose flags', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    expect(registerWasmBatchMatMul(tf)).toBe(true);
    expect(isOurs(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc)).toBe(true);
  });

  test.each(CASES.map((c) => [JSON.stringify(c), ...c] as const))('%s equals cpu', async (_l, as, bs, ta, tb) => {
    const run = () =>
      tf.tidy(() =>
        tf.matMul(
          tf.tensor(
            seededFloats(
              as.reduce((x, y) => x * y),
              1,
            ),
            as,
          ),
          tf.tensor(
            seededFloats(
              bs.reduce((x, y) => x * y),
              2,
            ),
            bs,
          ),
          ta,
          tb,
        ),
      );
    await useBackend('cpu');
    const c = run();
    const ref = await c.data();
    const shape = c.shape;
    c.dispose();
    await useBackend('wasm');
    await expectNoLeak(async () => {
      const w = run();
      expect(w.shape).toEqual(shape);
      expectTensorsClose(await w.data(), ref, { atol: 1e-5, rtol: 1e-5 });
      w.dispose();
    });
  });
});
