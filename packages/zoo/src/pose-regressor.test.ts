import * as tf from '@tensorflow/tfjs-core';
import { isDGPoseError } from '@dgpose/core';
import { expectNoLeak, seededFloats, TEST_BACKENDS, useBackend } from '@dgpose/test-utils';
import {
  createPoseRegressor,
  imagesToTensor,
  loadPoseRegressorFromWeights,
  poseRegressorLoss,
  REGRESSOR_JOINTS,
  validatePoseRegressorConfig,
  type RgbImage,
} from './index';

const TINY = { imageSize: 16, channels: [4, 8], hidden: 8 };

function noise(w: number, h: number, seed: number): RgbImage {
  const f = seededFloats(w * h * 3, seed, 0, 256);
  return { data: Uint8Array.from(f, (v) => Math.floor(v)), width: w, height: h, channels: 3 };
}

describe('pose regressor config', () => {
  it('fills defaults and names bad fields', () => {
    expect(validatePoseRegressorConfig().imageSize).toBe(64);
    expect(() => validatePoseRegressorConfig({ imageSize: 60 })).toThrow(/imageSize/);
    expect(() => validatePoseRegressorConfig({ channels: [] })).toThrow(/channels/);
    expect(() => validatePoseRegressorConfig({ visibilityThreshold: -1 })).toThrow(/visibilityThreshold/);
    expect(() => validatePoseRegressorConfig({ bogus: 1 } as never)).toThrow(/bogus/);
  });
});

describe.each(TEST_BACKENDS)('pose regressor on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('loss: L1 over present joints + 0.1 x BCE, against a hand computation', async () => {
    const J = REGRESSOR_JOINTS;
    const out = seededFloats(2 * 3 * J, 1);
    const coords = seededFloats(2 * 2 * J, 2);
    const vis = Float32Array.from({ length: 2 * J }, (_, i) => (i % 3 === 0 ? 0 : 1));
    let l1 = 0;
    let n = 0;
    let bce = 0;
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < J; j++) {
        const v = vis[b * J + j];
        for (let a = 0; a < 2; a++) {
          l1 += v * Math.abs(out[b * 3 * J + 2 * j + a] - coords[b * 2 * J + 2 * j + a]);
          n += v;
        }
        const p = 1 / (1 + Math.exp(-out[b * 3 * J + 2 * J + j]));
        bce += -(v * Math.log(p) + (1 - v) * Math.log(1 - p));
      }
    }
    const expected = l1 / n + (0.1 * bce) / (2 * J);
    const t = [tf.tensor2d(out, [2, 3 * J]), tf.tensor2d(coords, [2, 2 * J]), tf.tensor2d(vis, [2, J])] as const;
    const loss = await expectNoLeak(
      () => {
        const r = poseRegressorLoss(t[0], t[1], t[2]);
        tf.dispose([r.coord, r.vis]);
        return r.total;
      },
      { allowed: 1 },
    );
    expect((await loss.data())[0]).toBeCloseTo(expected, 4);
    tf.dispose([loss, ...t]);
  });

  it("estimate: one COCO-18 pose per image in that image's pixels, no leaks; export/import round trip", async () => {
    const reg = createPoseRegressor({ ...TINY, visibilityThreshold: 0 });
    reg.net.eval();
    const images = [noise(16, 16, 1), noise(32, 24, 2)];
    const poses = await expectNoLeak(() => reg.estimate(images));
    expect(poses).toHaveLength(2);
    for (const p of poses) {
      expect(p.skeleton).toBe('coco18');
      expect(p.keypoints).toHaveLength(18);
      for (const k of p.keypoints)
        expect(k && Number.isFinite(k.x) && Number.isFinite(k.y) && k.score! >= 0 && k.score! <= 1).toBe(true);
    }
    const bytes = await reg.exportWeights();
    const again = await loadPoseRegressorFromWeights(bytes, { visibilityThreshold: 0 });
    expect(again.config).toEqual(reg.config);
    expect(await again.estimate(images)).toEqual(poses);
    // a 2x larger image of the same content maps to 2x coordinates (centres onto centres)
    const t = imagesToTensor([images[0]], 16);
    const { coords } = reg.predictTensors(t);
    const c = await coords.data();
    tf.dispose([t, coords]);
    const px = ((c[0] + 1) * 15) / 2;
    expect(poses[0].keypoints[0]!.x).toBeCloseTo(px, 4);
    expect(poses[1].keypoints[0]!.x).not.toBeCloseTo(px, 1);
    const before = tf.memory().numTensors;
    again.dispose();
    reg.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
    await expect(reg.estimate(images)).rejects.toThrow(/disposed/);
  });

  it('refuses wrong shapes and other weights', async () => {
    const reg = createPoseRegressor(TINY);
    const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    expect(() => reg.predictTensors(x)).toThrow(/wrong shape/);
    x.dispose();
    await expect(reg.estimate([{ data: new Uint8Array(5), width: 2, height: 2, channels: 3 }])).rejects.toThrow(
      /length/,
    );
    const bytes = await reg.exportWeights();
    reg.dispose();
    const err = await loadPoseRegressorFromWeights({
      manifest: { ...bytes.manifest, kind: 'other' },
      shards: bytes.shards,
    }).catch((e: unknown) => e);
    expect(isDGPoseError(err, 'E_WEIGHTS_MISMATCH')).toBe(true);
  });
});
