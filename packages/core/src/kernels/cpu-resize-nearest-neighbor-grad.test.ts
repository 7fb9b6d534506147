import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { registerCpuResizeNearestNeighborGrad } from './cpu-resize-nearest-neighbor-grad';

interface Case {
  x: [number, number, number, number];
  size: [number, number];
  alignCorners: boolean;
  halfPixelCenters: boolean;
}
const CASES: Case[] = [
  { x: [3, 4, 4, 2], size: [8, 8], alignCorners: false, halfPixelCenters: false },
  { x: [2, 5, 3, 3], size: [10, 7], alignCorners: false, halfPixelCenters: true },
  { x: [2, 5, 5, 1], size: [9, 9], alignCorners: true, halfPixelCenters: false },
  { x: [3, 8, 6, 2], size: [3, 4], alignCorners: false, halfPixelCenters: false }, // downsampling
  { x: [2, 7, 7, 2], size: [4, 11], alignCorners: true, halfPixelCenters: false },
];

/**
 * Independent reference: run the forward resize on an image of flat indices to learn which source
 * element every output element reads, then scatter-add dy there (the definition of the gradient).
 */
async function reference(c: Case, dy: Float32Array): Promise<Float32Array> {
  const n = c.x.reduce((a, b) => a * b);
  const idx = tf.tensor4d(
    Float32Array.from({ length: n }, (_, i) => i),
    c.x,
  );
  const src = tf.image.resizeNearestNeighbor(idx, c.size, c.alignCorners, c.halfPixelCenters);
  const s = await src.data();
  tf.dispose([idx, src]);
  const out = new Float32Array(n);
  for (let i = 0; i < s.length; i++) out[s[i]] += dy[i];
  return out;
}

describe('cpu ResizeNearestNeighborGrad (tfjs-cpu 4.22.0 is wrong at batch > 1)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    expect(registerCpuResizeNearestNeighborGrad(tf)).toBe(true);
  });

  test.each(CASES.map((c) => [JSON.stringify(c), c] as const))(
    'matches the scatter-add reference %s',
    async (_l, c) => {
      const dyv = seededFloats(c.x[0] * c.size[0] * c.size[1] * c.x[3], 5);
      const ref = await reference(c, dyv);
      await expectNoLeak(async () => {
        const x = tf.tensor4d(
          seededFloats(
            c.x.reduce((a, b) => a * b),
            6,
          ),
          c.x,
        );
        const dy = tf.tensor4d(dyv, [c.x[0], c.size[0], c.size[1], c.x[3]]);
        // through the public gradient, as training uses it
        const g = tf.grad((t: tf.Tensor) =>
          tf.sum(
            tf.mul(tf.image.resizeNearestNeighbor(t as tf.Tensor4D, c.size, c.alignCorners, c.halfPixelCenters), dy),
          ),
        )(x);
        expectTensorsClose(await g.data(), ref, { atol: 1e-5, rtol: 1e-5 });
        tf.dispose([x, dy, g]);
      });
    },
  );

  test('agrees with the wasm kernel at batch 3', async () => {
    const c = CASES[0];
    const dyv = seededFloats(c.x[0] * c.size[0] * c.size[1] * c.x[3], 8);
    const attrs = { alignCorners: false, halfPixelCenters: false };
    const run = async () => {
      const images = tf.zeros(c.x);
      const dy = tf.tensor4d(dyv, [c.x[0], c.size[0], c.size[1], c.x[3]]);
      const g = tf.engine().runKernel('ResizeNearestNeighborGrad', { images, dy }, attrs) as tf.Tensor;
      const v = await g.data();
      tf.dispose([images, dy, g]);
      return v;
    };
    const cpu = await run();
    await useBackend('wasm');
    const wasm = await run();
    await useBackend('cpu');
    expectTensorsClose(cpu, wasm, { atol: 1e-6, rtol: 1e-6 });
  });
});
