import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers gradients
import { TEST_BACKENDS, useBackend, expectNoLeak, expectDGPoseError } from '@dgpose/test-utils';
import { LIMB_PARTS, limbMaps } from './limb-maps';
import { pixelToNormalized } from './coords';

/** The formula of limb-maps.ts written as a plain loop over pixels and segments. */
function loopMaps(px: number[], vis: number[], S: number): Float32Array {
  const P = LIMB_PARTS.length;
  const out = new Float32Array(S * S * P);
  for (let r = 0; r < S; r++)
    for (let u = 0; u < S; u++)
      LIMB_PARTS.forEach((part, p) => {
        let best = 0;
        const s = (part.sigma64 * S) / 64;
        for (const [a, b] of part.segments) {
          if (!vis[a] || !vis[b]) continue;
          const [ax, ay, bx, by] = [px[2 * a], px[2 * a + 1], px[2 * b], px[2 * b + 1]];
          const dx = bx - ax;
          const dy = by - ay;
          const t = Math.min(1, Math.max(0, ((u - ax) * dx + (r - ay) * dy) / (dx * dx + dy * dy + 1e-6)));
          const d2 = (u - ax - t * dx) ** 2 + (r - ay - t * dy) ** 2;
          best = Math.max(best, Math.exp(-d2 / (2 * s * s)));
        }
        out[(r * S + u) * P + p] = best;
      });
  return out;
}

/** A standing COCO-18 figure in a 32 px frame (pixels). */
const FIGURE = [
  16, 5, 16, 8, 12, 9, 11, 13, 10, 17, 20, 9, 21, 13, 22, 17, 14, 17, 14, 22, 14, 27, 18, 17, 18, 22, 18, 27, 15, 4, 17,
  4, 14, 5, 18, 5,
];

describe.each(TEST_BACKENDS)('limbMaps on %s', (backend) => {
  beforeAll(async () => useBackend(backend));

  it('matches the per-pixel formula, zeroes parts with a missing joint, and leaks nothing', async () => {
    const S = 32;
    const vis = Array(18).fill(1);
    vis[4] = 0; // right wrist missing: the right forearm disappears
    const coords = tf.tensor2d([FIGURE.map((v) => pixelToNormalized(v, S))]);
    const visible = tf.tensor2d([vis]);
    const maps = await expectNoLeak(() => limbMaps(coords, visible, { width: S, height: S, joints: 18 }), {
      allowed: 1,
    }); // the result
    expect(maps.shape).toEqual([1, S, S, LIMB_PARTS.length]);
    const got = await maps.data();
    const want = loopMaps(FIGURE, vis, S);
    let maxErr = 0;
    for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
    expect(maxErr).toBeLessThan(1e-4);
    const fore = LIMB_PARTS.findIndex((p) => p.name === 'rForearm');
    let foreSum = 0;
    for (let i = 0; i < S * S; i++) foreSum += got[i * LIMB_PARTS.length + fore];
    const torsoAtCentre = got[(13 * S + 16) * LIMB_PARTS.length + LIMB_PARTS.findIndex((p) => p.name === 'torso')];
    expect(foreSum).toBe(0);
    expect(torsoAtCentre).toBeGreaterThan(0.5);
    tf.dispose([coords, visible, maps]);
  });

  it('is differentiable in the coordinates (a part mask follows its joints)', () => {
    const S = 32;
    const coords = tf.tensor2d([FIGURE.map((v) => pixelToNormalized(v, S))]);
    const g = tf.grad((c: tf.Tensor) =>
      tf.sum(
        tf.slice(
          limbMaps(c as tf.Tensor2D, null, { width: S, height: S, joints: 18 }),
          [0, 0, 20, 2],
          [1, S, S - 20, 1],
        ),
      ),
    )(coords);
    const d = g.dataSync();
    // pulling the right elbow (joint 3) to the right moves the right upper arm into the right-hand region
    expect(d[6]).toBeGreaterThan(0);
    expect(Array.from(d).every(Number.isFinite)).toBe(true);
    tf.dispose([coords, g]);
  });

  it('refuses a frame too small and a skeleton without 18 joints', () => {
    const c = tf.zeros([1, 36]) as tf.Tensor2D;
    expectDGPoseError(() => limbMaps(c, null, { width: 1, height: 32, joints: 18 }), 'E_ARG');
    expectDGPoseError(
      () => limbMaps(tf.zeros([1, 34]) as tf.Tensor2D, null, { width: 32, height: 32, joints: 17 }),
      'E_JOINTS',
    );
    expectDGPoseError(
      () => limbMaps(tf.zeros([1, 30]) as tf.Tensor2D, null, { width: 32, height: 32, joints: 18 }),
      'E_SHAPE',
    );
    c.dispose();
  });
});
