/*
 * Where tfjs-wasm inference time goes, and what the prepared path of @dgpose/models saves (issue 12): the
 * same Conditional model, batch 1, 64 px, calls interleaved in one process so that all see the same load:
 *
 *   modules      the generator's module calls in eval mode with the tensor pose maps (the verbs before issue 12)
 *   prepared     the model's own calls: FrozenGenerator (folded norms, prepared transposed-conv filters, z broadcast
 *                without Tile) and, in the verbs, pose maps drawn in JS (models' frozen.ts, pose-maps-array.ts)
 *   onnxruntime  the engine of this package on the same weights (the reference of the 3x target)
 *
 *   pnpm --filter @dgpose/onnx exec tsx bench/tfjs-paths.bench.ts [-- --reps 40 --model conditional-small-64]
 *
 * Per row: best wall time and the median of the process CPU time per call (this box is shared: CPU time is
 * what a call costs, wall time what it waited too). Rows: transfer (verb), decode (z and normalised coords in,
 * image tensor read back; the engine's decodeArrays), and the parts of a decode.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { initBackend } from '@dgpose/core';
import { loadPretrained } from '@dgpose/zoo/node';
import type { ConditionalDGPose, RgbImage } from '@dgpose/models';
import type { Pose } from '@dgpose/core';
import { createSyntheticDataset } from '@dgpose/datasets';
import { exportOnnx, createOnnxEngine } from '../src/node';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const REPS = Number(opt('reps', '40'));
const MODEL = opt('model', 'conditional-small-64');

type Stat = { wall: number[]; cpu: number[] };
const best = (v: number[]): number => Math.min(...v);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Runs every function once per round, `REPS` rounds after 3 warm-up rounds. */
async function interleaved(fns: Record<string, () => Promise<unknown>>): Promise<Record<string, Stat>> {
  const out: Record<string, Stat> = {};
  for (const k of Object.keys(fns)) out[k] = { wall: [], cpu: [] };
  for (let i = 0; i < REPS + 3; i++) {
    for (const [k, f] of Object.entries(fns)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await f();
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (i >= 3) {
        out[k].wall.push(wall);
        out[k].cpu.push((c.user + c.system) / 1000);
      }
    }
  }
  return out;
}

async function main(): Promise<void> {
  await initBackend({ prefer: ['wasm'], threads: 1, log: () => undefined });
  const m = (await loadPretrained(MODEL)) as unknown as ConditionalDGPose;
  if (m.kind !== 'conditional') throw new Error(`${MODEL} is not a Conditional model`);
  // the module path, as the verbs ran it before the prepared path (protected members reached on purpose)
  const mm = m as unknown as {
    heatmaps(c: tf.Tensor2D, v: tf.Tensor2D | null): tf.Tensor4D;
    withEval<T>(f: () => T): T;
  };
  const onx = await createOnnxEngine(await exportOnnx(m), {
    ort,
    sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
  });
  const ds = createSyntheticDataset({ seed: 0, split: 'test', size: 64 });
  const a = ds.getSync(0);
  const b = ds.getSync(1);
  const img: RgbImage[] = [a.image];
  const pa: Pose[] = [a.pose];
  const pb: Pose[] = [b.pose];
  const J = m.joints;
  const d = m.config.latentDim;
  const z = new Float32Array(d).map((_, i) => 0.3 * Math.cos(i));
  const coords = new Float32Array(2 * J).map((_, i) => 0.4 * Math.sin(i));
  const vis = new Float32Array(J).fill(1);

  const moduleDecode = async (): Promise<void> => {
    const zt = tf.tensor2d(z, [1, d]);
    const ct = tf.tensor2d(coords, [1, 2 * J]);
    const out = mm.withEval(() => tf.tidy(() => m.net.call({ z: zt, heat: mm.heatmaps(ct, null) })));
    await out.data();
    tf.dispose([zt, ct, out]);
  };
  const preparedDecode = async (): Promise<void> => {
    const zt = tf.tensor2d(z, [1, d]);
    const ct = tf.tensor2d(coords, [1, 2 * J]);
    const out = m.decodeTensors(zt, ct);
    await out.data();
    tf.dispose([zt, ct, out]);
  };
  const x = tf.tensor4d(
    Float32Array.from(a.image.data, (v) => v / 127.5 - 1),
    [1, 64, 64, 3],
  );
  const moduleTransfer = async (): Promise<void> => {
    // the old drawWith: pose tensors, tensor pose maps, module calls, image read back
    const src = tf.tensor2d(coords, [1, 2 * J]);
    const tgt = tf.tensor2d(
      coords.map((v) => -v),
      [1, 2 * J],
    );
    const out = mm.withEval(() =>
      tf.tidy(() => {
        const q = m.net.appearanceEncoder.call({ x, heat: mm.heatmaps(src, null) });
        return m.net.call({ z: q.mu, heat: mm.heatmaps(tgt, null) });
      }),
    );
    await out.data();
    tf.dispose([src, tgt, out]);
  };

  console.log(
    `${MODEL}, batch 1, 64 px; tfjs wasm 1 thread; onnxruntime-node ${ort.env.versions.node} 1 intra-op thread, optimisation 'all'; ${REPS} interleaved rounds`,
  );
  const rows = await interleaved({
    'transfer: modules + tensor maps (before)': moduleTransfer,
    'transfer: verb, prepared (after)': () => m.transfer(img, pa, pb),
    'transfer: onnxruntime engine': () => onx.transfer(img, pa, pb),
    'decode: modules (before)': moduleDecode,
    'decode: decodeTensors, prepared (after)': preparedDecode,
    'decode: onnxruntime decodeArrays': () => onx.decodeArrays(z, coords, vis),
  });
  console.log(`${'path'.padEnd(44)}${'wall best'.padStart(11)}${'cpu median'.padStart(12)}`);
  for (const [k, s] of Object.entries(rows))
    console.log(`${k.padEnd(44)}${best(s.wall).toFixed(2).padStart(8)} ms${median(s.cpu).toFixed(2).padStart(9)} ms`);
  const ratio = (p: string, q: string): string =>
    `${(best(rows[p].wall) / best(rows[q].wall)).toFixed(1)}x (CPU ${(median(rows[p].cpu) / median(rows[q].cpu)).toFixed(1)}x)`;
  console.log(
    `\ntfjs / onnxruntime, transfer: before ${ratio('transfer: modules + tensor maps (before)', 'transfer: onnxruntime engine')}, after ${ratio('transfer: verb, prepared (after)', 'transfer: onnxruntime engine')}`,
  );
  console.log(
    `tfjs / onnxruntime, decode:   before ${ratio('decode: modules (before)', 'decode: onnxruntime decodeArrays')}, after ${ratio('decode: decodeTensors, prepared (after)', 'decode: onnxruntime decodeArrays')}`,
  );

  // the parts of a decode on the prepared path (where the rest goes)
  const zt = tf.tensor2d(z, [1, d]);
  const ct = tf.tensor2d(coords, [1, 2 * J]);
  const heat = mm.heatmaps(ct, null);
  const f = (
    m as unknown as {
      frozen: { decode(z: tf.Tensor, h: tf.Tensor): tf.Tensor; poseFeatures(h: tf.Tensor): tf.Tensor[] };
    }
  ).frozen;
  const parts = await interleaved({
    'pose maps, tensor ops (heatmaps())': async () => tf.dispose(mm.heatmaps(ct, null)),
    'E_y, prepared': async () => tf.dispose(tf.tidy(() => f.poseFeatures(heat))),
    'E_y + decoder, prepared (maps given)': async () => {
      const o = tf.tidy(() => f.decode(zt, heat));
      await o.data();
      o.dispose();
    },
  });
  console.log('\nparts of a decode (prepared path)');
  for (const [k, s] of Object.entries(parts))
    console.log(`${k.padEnd(44)}${best(s.wall).toFixed(2).padStart(8)} ms${median(s.cpu).toFixed(2).padStart(9)} ms`);
  tf.dispose([zt, ct, heat, x]);
  await onx.dispose();
  m.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
