// Parity of every zoo model: tfjs (wasm backend) and onnxruntime-node on the exported graphs agree within 1e-4
// on fixed inputs, for every graph (encoder, decoder, pose maps; Semi: q(y|x) and the learned mapper).
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { useBackend } from '@dgpose/test-utils';
import { ZOO_NAMES } from '@dgpose/zoo';
import { loadPretrained } from '@dgpose/zoo/node';
import type { SemiDGPose } from '@dgpose/models';
import { exportOnnx } from './export';
import { fixedInputs, maxDiff } from './testing/fixtures';

const MODELS = ZOO_NAMES.filter((n) => /^(conditional|semi|supervised)-/.test(n));
const TOL = 1e-4;

beforeAll(async () => {
  await useBackend('wasm');
});

it('covers every generative zoo model', () => {
  expect(MODELS).toEqual(
    expect.arrayContaining([
      'conditional-small-64',
      'conditional-small-64-noadv',
      'semi-small-64-25',
      'supervised-small-64-25',
    ]),
  );
});

describe.each(MODELS)('%s', (name) => {
  it(`tfjs and onnxruntime agree within ${TOL}`, async () => {
    const t0 = Date.now();
    const model = (await loadPretrained(name)) as unknown as SemiDGPose;
    const exp = await exportOnnx(model);
    const { imageSize: S, latentDim: d } = model.config;
    const J = model.joints;
    const n = 2;
    const f = fixedInputs(n, S, J, d);
    const x = tf.tensor4d(f.images, [n, S, S, 3]);
    const p = tf.tensor2d(f.poses, [n, 2 * J]);
    const v = tf.tensor2d(f.visible, [n, J]);
    const z = tf.tensor2d(f.z, [n, d]);
    const T = (a: Float32Array, dims: number[]): ort.Tensor => new ort.Tensor('float32', a, dims);
    const session = (g: string): Promise<ort.InferenceSession> =>
      ort.InferenceSession.create(exp.files[`${g}.onnx`], { graphOptimizationLevel: 'all' });
    const diffs: Record<string, number> = {};
    try {
      const enc = await session('encoder');
      const q = model.encodeTensors(x, p, v);
      const r = await enc.run({
        image: T(f.images, [n, S, S, 3]),
        pose: T(f.poses, [n, 2 * J]),
        visible: T(f.visible, [n, J]),
      });
      diffs.z_mu = maxDiff(await q.mu.data(), r.z_mu.data as Float32Array);
      diffs.z_logvar = maxDiff(await q.logvar.data(), r.z_logvar.data as Float32Array);
      tf.dispose([q.mu, q.logvar]);
      await enc.release();

      const dec = await session('decoder');
      const img = model.decodeTensors(z, p, v);
      const r2 = await dec.run({ z: T(f.z, [n, d]), pose: T(f.poses, [n, 2 * J]), visible: T(f.visible, [n, J]) });
      expect(r2.image.dims).toEqual([n, S, S, 3]);
      diffs.image = maxDiff(await img.data(), r2.image.data as Float32Array);
      img.dispose();
      await dec.release();

      const pm = await session('pose-maps');
      const heat = tf.tidy(() => model.heatmaps(p, v));
      const r3 = await pm.run({ pose: T(f.poses, [n, 2 * J]), visible: T(f.visible, [n, J]) });
      diffs.pose_maps = maxDiff(await heat.data(), r3.pose_maps.data as Float32Array);
      heat.dispose();
      await pm.release();

      if (model.kind === 'semi') {
        const pe = await session('pose-estimator');
        const e = model.estimatePoseTensors(x);
        const r4 = await pe.run({ image: T(f.images, [n, S, S, 3]) });
        diffs.pose_mu = maxDiff(await e.mu.data(), r4.pose_mu.data as Float32Array);
        diffs.pose_logvar = maxDiff(await e.logvar.data(), r4.pose_logvar.data as Float32Array);
        tf.dispose([e.mu, e.logvar]);
        await pe.release();
        if (model.mapper) {
          const mp = await session('mapper');
          const h = model.mapper.map(p, v, { coords: 'normalized' });
          const r5 = await mp.run({ pose: T(f.poses, [n, 2 * J]), visible: T(f.visible, [n, J]) });
          diffs.heatmaps = maxDiff(await h.data(), r5.heatmaps.data as Float32Array);
          h.dispose();
          await mp.release();
        }
      }
    } finally {
      tf.dispose([x, p, v, z]);
      model.dispose();
    }
    for (const [k, dv] of Object.entries(diffs)) expect([k, dv <= TOL]).toEqual([k, true]);
    expect(Object.keys(diffs).length).toBeGreaterThanOrEqual(model.kind === 'semi' ? 6 : 4);
    // eslint-disable-next-line no-console -- opt-in diagnostics
    if (process.env.DGPOSE_ONNX_VERBOSE) console.log(name, diffs, `${Date.now() - t0} ms`);
  }, 60000);
});
