import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dgpose/core';
import { gaussianHeatmaps, limbMaps } from '@dgpose/mapper';
import { maxAbsDiff } from '@dgpose/test-utils';
import { poseMapsArray } from './pose-maps-array';

describe('poseMapsArray: the pose maps of the verbs, drawn in plain JS', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'], log: () => undefined });
  });

  it.each([64, 32])(
    'equals gaussianHeatmaps ⊕ limbMaps within 2e-6 (%i px, batch 2, missing joints, limbs at the border)',
    (S) => {
      const J = 18;
      const n = 2;
      const coords = Float32Array.from({ length: n * 2 * J }, (_, i) => 0.9 * Math.sin(1.7 * i + 0.3));
      coords[2 * J + 8] = -1; // row 1, joint 4 on the left border
      const visible = Float32Array.from({ length: n * J }, (_, i) => (i % 7 === 3 ? 0 : 1));
      const got = poseMapsArray(coords, visible, n, { size: S, joints: J, sigma: 1.5, parts: true });
      const want = tf.tidy(() => {
        const c = tf.tensor2d(coords, [n, 2 * J]);
        const v = tf.tensor2d(visible, [n, J]);
        return tf.concat(
          [
            gaussianHeatmaps(c, v, { width: S, height: S, sigma: 1.5, coords: 'normalized', joints: J }),
            limbMaps(c, v, { width: S, height: S, joints: J }),
          ],
          3,
        );
      });
      expect(want.shape).toEqual([n, S, S, J + 10]);
      expect(got.length).toBe(want.size);
      expect(maxAbsDiff(got, want)).toBeLessThan(2e-6);
      // not trivially equal: both have ink, and the hidden joints have none
      expect(got.reduce((a, b) => Math.max(a, b), 0)).toBeGreaterThan(0.5);
      const ch3 = Array.from({ length: S * S }, (_, p) => got[p * (J + 10) + 3]);
      expect(Math.max(...ch3)).toBe(0);
      want.dispose();
    },
  );

  it('parts: false gives the joint heatmaps alone', () => {
    const coords = new Float32Array(36);
    const got = poseMapsArray(coords, new Float32Array(18).fill(1), 1, {
      size: 16,
      joints: 18,
      sigma: 1,
      parts: false,
    });
    expect(got.length).toBe(16 * 16 * 18);
  });
});
