import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dgpose/core';
import { expectNoLeak, maxAbsDiff } from '@dgpose/test-utils';
import { type ConditionalDGPose, createConditionalDGPose } from './conditional';
import { createSemiDGPose } from './factory';
import { BaseModel } from './model';
import { POSE_MAPS_KERNEL, poseMapsKernel } from './pose-maps-kernel';
import type { ConditionalConfig, ConfigOverrides } from './types';

/** The protected members the tensor-op path (before DGPosePoseMaps) is built from. */
type Internals = {
  withEval<T>(f: () => T): T;
  infer: {
    encode(x: tf.Tensor, heat: tf.Tensor): { mu: tf.Tensor2D; logvar: tf.Tensor2D };
    decode(z: tf.Tensor, heat: tf.Tensor): tf.Tensor4D;
  };
};

/** Poses [n,2J] with a limb crossing the border and a missing joint in the first and last row. */
function poses(n: number, J: number): { coords: tf.Tensor2D; visible: tf.Tensor2D } {
  const c = Float32Array.from({ length: n * 2 * J }, (_, i) => 0.8 * Math.sin(1.3 * i + 0.2));
  c[6] = -1; // row 0, joint 3 (right elbow) on the left border
  const v = new Float32Array(n * J).fill(1);
  v[5] = 0; // row 0: left shoulder missing (a joint map and its limbs go)
  v[(n - 1) * J + 9] = 0; // last row: right knee missing
  return { coords: tf.tensor2d(c, [n, 2 * J]), visible: tf.tensor2d(v, [n, J]) };
}

describe.each(['wasm', 'cpu'] as const)('DGPosePoseMaps: tensor-level pose maps as one kernel (%s)', (backend) => {
  beforeAll(async () => {
    const r = await initBackend({ prefer: [backend], log: () => undefined });
    expect(r.backend).toBe(backend);
  });

  const cases: [string, ConfigOverrides<ConditionalConfig>][] = [
    ['tiny (parts)', {}],
    ['no parts, learned prior', { partAppearance: false, prior: 'learned', lossWeights: { adv: 0 } }],
  ];

  it.each(cases)(
    'decodeTensors and encodeTensors equal the tensor-op path within 1e-5: %s, batch 3',
    async (_, config) => {
      const m: ConditionalDGPose = await createConditionalDGPose({ preset: 'tiny', config });
      const mi = m as unknown as Internals;
      const S = m.config.imageSize;
      const { coords, visible } = poses(3, m.joints);
      const z = tf.randomNormal([3, m.config.latentDim], 0, 1, 'float32', 7) as tf.Tensor2D;
      const x = tf.randomUniform([3, S, S, 3], -1, 1, 'float32', 8) as tf.Tensor4D;
      // the new path draws the maps in the kernel: heatmaps() (the tensor ops) is not called
      const spy = jest.spyOn(BaseModel.prototype, 'heatmaps');
      const got = m.decodeTensors(z, coords, visible);
      const gotAll = m.decodeTensors(z, coords); // visible omitted: every joint visible
      const q = m.encodeTensors(x, coords, visible);
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      const [want, wantAll, qMu, qLogvar] = mi.withEval(() =>
        tf.tidy(() => {
          const w = mi.infer.decode(z, m.heatmaps(coords, visible));
          const wa = mi.infer.decode(z, m.heatmaps(coords, null));
          const qq = mi.infer.encode(x, m.heatmaps(coords, visible));
          return [w, wa, qq.mu, qq.logvar];
        }),
      );
      expect(got.shape).toEqual([3, S, S, 3]);
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
      expect(maxAbsDiff(gotAll, wantAll)).toBeLessThan(1e-5);
      expect(maxAbsDiff(q.mu, qMu)).toBeLessThan(1e-5);
      expect(maxAbsDiff(q.logvar, qLogvar)).toBeLessThan(1e-5);
      expect(maxAbsDiff(got, gotAll)).toBeGreaterThan(1e-3); // the missing joints changed the image
      expect(tf.getKernel(POSE_MAPS_KERNEL, backend)).toBeDefined();
      tf.dispose([coords, visible, z, x, got, gotAll, q.mu, q.logvar, want, wantAll, qMu, qLogvar]);
      m.dispose();
    },
  );

  it('the maps equal heatmaps() within 2e-6; int32 visible is read as float', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny' });
    const { coords, visible } = poses(2, m.joints);
    const a = { size: m.config.imageSize, joints: m.joints, sigma: m.config.heatmapSigma, parts: true };
    const vi = tf.cast(visible, 'int32') as tf.Tensor2D;
    const got = poseMapsKernel(coords, vi, a) as tf.Tensor4D;
    const want = m.heatmaps(coords, visible);
    expect(got.shape).toEqual(want.shape);
    expect(maxAbsDiff(got, want)).toBeLessThan(2e-6);
    tf.dispose([coords, visible, vi, got, want]);
    m.dispose();
  });

  it('jointMaps false: the part masks alone (the last P channels); Semi decodes with them equal the tensor ops', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny' });
    const { coords, visible } = poses(2, m.joints);
    const a = { size: m.config.imageSize, joints: m.joints, sigma: m.config.heatmapSigma, parts: true };
    const all = poseMapsKernel(coords, visible, a) as tf.Tensor4D;
    const parts = poseMapsKernel(coords, visible, { ...a, jointMaps: false }) as tf.Tensor4D;
    const P = all.shape[3] - m.joints;
    expect(parts.shape).toEqual([2, a.size, a.size, P]);
    const tail = tf.slice(all, [0, 0, 0, m.joints], [-1, -1, -1, P]);
    expect(maxAbsDiff(parts, tail)).toBe(0);
    tf.dispose([all, parts, tail]);
    m.dispose();

    // Semi (learned joint maps from its mapper, part masks by the kernel) against heatmaps()'s tensor ops
    const semi = await createSemiDGPose({ preset: 'tiny' });
    const si = semi as unknown as Internals;
    const z = tf.randomNormal([2, semi.config.latentDim], 0, 1, 'float32', 9) as tf.Tensor2D;
    const spy = jest.spyOn(BaseModel.prototype, 'heatmaps');
    const got = semi.decodeTensors(z, coords, visible);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    const want = si.withEval(() => tf.tidy(() => si.infer.decode(z, semi.heatmaps(coords, visible))));
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
    await expectNoLeak(() => semi.decodeTensors(z, coords, visible).dispose());
    tf.dispose([coords, visible, z, got, want]);
    semi.dispose();
  });

  it('leaks nothing: decodeTensors, encodeTensors and the kernel leave tf.memory().numTensors unchanged', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny' });
    const { coords, visible } = poses(2, m.joints);
    const z = tf.zeros([2, m.config.latentDim]) as tf.Tensor2D;
    const x = tf.zeros([2, m.config.imageSize, m.config.imageSize, 3]) as tf.Tensor4D;
    const a = { size: m.config.imageSize, joints: m.joints, sigma: m.config.heatmapSigma, parts: true };
    m.decodeTensors(z, coords).dispose(); // first call: registration and preparation done
    await expectNoLeak(() => m.decodeTensors(z, coords, visible).dispose());
    await expectNoLeak(() => m.decodeTensors(z, coords).dispose());
    await expectNoLeak(() => tf.dispose(Object.values(m.encodeTensors(x, coords, visible))));
    await expectNoLeak(() => (poseMapsKernel(coords, null, a) as tf.Tensor).dispose());
    tf.dispose([coords, visible, z, x]);
    m.dispose();
  });

  it('under a gradient tape the tensor ops run: decodeTensors stays differentiable in the poses', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny' });
    const mi = m as unknown as Internals;
    const { coords, visible } = poses(1, m.joints);
    const z = tf.randomNormal([1, m.config.latentDim], 0, 1, 'float32', 3) as tf.Tensor2D;
    const [g, gRef] = tf.tidy(() => [
      tf.grad((p: tf.Tensor) => tf.sum(m.decodeTensors(z, p as tf.Tensor2D, visible)))(coords),
      tf.grad((p: tf.Tensor) => tf.sum(mi.withEval(() => mi.infer.decode(z, m.heatmaps(p as tf.Tensor2D, visible)))))(
        coords,
      ),
    ]);
    const norm = tf.sum(tf.abs(g));
    expect((await norm.data())[0]).toBeGreaterThan(0);
    expect(maxAbsDiff(g, gRef)).toBeLessThan(1e-5);
    tf.dispose([coords, visible, z, g, gRef, norm]);
    m.dispose();
  });
});
