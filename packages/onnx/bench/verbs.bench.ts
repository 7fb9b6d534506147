/*
 * tfjs (wasm) against onnxruntime-node, per verb, batch 1, on the zoo's 64 px models.
 *
 *   pnpm --filter @dgpose/onnx bench [-- --reps 30 --warmup 5 --threads 1 --models conditional-small-64,semi-small-64-25]
 *   (--weights-root DIR: the zoo weights from DIR/<name>, e.g. a commit's copy while the zoo's own are rewritten)
 *
 * Per verb: best and median wall time and the median process CPU time of `reps` calls after `warmup` (on a
 * shared machine the wall medians mostly measure waiting for a core; the CPU time is what a call costs). Rows:
 *   transfer / reconstruct / generate / estimatePose   the task-level verbs (plain images and poses in and out)
 *   decode only                                        tfjs decodeTensors + data() | engine decodeArrays
 *   raw session: decoder                               onnxruntime's session.run on the decoder graph alone
 * The engine's overhead over onnxruntime itself is decode only / raw session. Threads: tfjs wasm and
 * onnxruntime (intra-op) both get `threads`.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { initBackend } from '@dgpose/core';
import { loadPretrained } from '@dgpose/zoo/node';
import type { AnyDGPoseModel, RgbImage, SemiDGPose } from '@dgpose/models';
import type { Pose } from '@dgpose/core';
import { exportOnnx, exportOnnxToDir, loadOnnxModel } from '../src/node';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const REPS = Number(opt('reps', '30'));
const WARMUP = Number(opt('warmup', '5'));
const THREADS = Number(opt('threads', '1'));
const MODELS = opt('models', 'conditional-small-64,semi-small-64-25').split(',');
const WEIGHTS_ROOT = opt('weights-root', '');
const zooOpts = WEIGHTS_ROOT ? { weightsRoot: WEIGHTS_ROOT } : {};

async function time(fn: () => Promise<unknown>): Promise<{ best: number; median: number; cpu: number }> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const ts: number[] = [];
  const cs: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  ts.sort((a, b) => a - b);
  cs.sort((a, b) => a - b);
  return { best: ts[0], median: ts[Math.floor(ts.length / 2)], cpu: cs[Math.floor(cs.length / 2)] };
}

const ms = (v: number): string => `${v.toFixed(2)} ms`.padStart(10);

async function main(): Promise<void> {
  const be = await initBackend({ prefer: ['wasm'], threads: THREADS, log: () => undefined });
  console.log(
    `tfjs ${be.backend} (${THREADS} thread), onnxruntime-node ${ort.env.versions.node} (intraOpNumThreads ${THREADS}, graph optimisation 'all'), batch 1, best / median of ${REPS} after ${WARMUP} warm-up`,
  );
  const sessionOptions = { graphOptimizationLevel: 'all' as const, intraOpNumThreads: THREADS, interOpNumThreads: 1 };
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'dgpose-onnx-bench-'));
  try {
    for (const name of MODELS) {
      const tfm = (await loadPretrained(name, zooOpts)) as AnyDGPoseModel;
      const dir = path.join(tmp, name);
      const t0 = performance.now();
      await exportOnnxToDir(tfm, dir);
      const exportMs = performance.now() - t0;
      const onx = await loadOnnxModel(dir, { sessionOptions });
      const semi = tfm.kind === 'semi' ? (tfm as SemiDGPose) : null;
      const sampler = semi ?? ((await loadPretrained('semi-small-64-25', zooOpts)) as SemiDGPose);
      const people: RgbImage[] = await sampler.generate(undefined, 2, { seed: 5 });
      const poses: Pose[] = await sampler.estimatePose(people);
      if (!semi) sampler.dispose();
      const a = [people[0]];
      const pa = [poses[0]];
      const pb = [poses[1]];
      const S = tfm.config.imageSize;
      const d = tfm.config.latentDim;
      const J = tfm.joints;
      const z = new Float32Array(d).fill(0.1);
      const coords = new Float32Array(2 * J).map((_, i) => 0.4 * Math.sin(i));
      const raw = await ort.InferenceSession.create(
        (await exportOnnx(tfm, { graphs: ['decoder'] })).files['decoder.onnx'],
        sessionOptions,
      );
      const feeds = {
        z: new ort.Tensor('float32', z, [1, d]),
        pose: new ort.Tensor('float32', coords, [1, 2 * J]),
        visible: new ort.Tensor('float32', new Float32Array(J).fill(1), [1, J]),
      };
      const rows: [string, () => Promise<unknown>, (() => Promise<unknown>) | null][] = [
        ['transfer', () => tfm.transfer(a, pa, pb), () => onx.transfer(a, pa, pb)],
        ['reconstruct', () => tfm.reconstruct(a, pa), () => onx.reconstruct(a, pa)],
        ['generate', () => tfm.generate(pb[0], 1, { seed: 1 }), () => onx.generate(pb[0], 1, { seed: 1 })],
      ];
      if (semi) rows.push(['estimatePose', () => semi.estimatePose(a), () => onx.estimatePose(a)]);
      rows.push([
        'decode only',
        async () => {
          const zt = tf.tensor2d(z, [1, d]);
          const pt = tf.tensor2d(coords, [1, 2 * J]);
          const out = tfm.decodeTensors(zt, pt);
          await out.data();
          tf.dispose([zt, pt, out]);
        },
        () => onx.decodeArrays(z, coords),
      ]);
      rows.push(['raw session: decoder', () => raw.run(feeds), null]);
      console.log(`\n${name} (${S} px, export ${exportMs.toFixed(0)} ms)`);
      console.log(
        `${'verb'.padEnd(22)}${'tfjs best'.padStart(12)}${'tfjs median'.padStart(13)}${'tfjs CPU'.padStart(12)}${'ort best'.padStart(12)}${'ort median'.padStart(12)}${'ort CPU'.padStart(12)}  speed-up (best, CPU)`,
      );
      for (const [verb, f, g] of rows) {
        // the raw-session row has one column: onnxruntime itself
        const t = g ? await time(f) : null;
        const o = await time(g ?? f);
        const speedUp = t ? `${(t.best / o.best).toFixed(1)}x, ${(t.cpu / o.cpu).toFixed(1)}x` : '';
        console.log(
          `${verb.padEnd(22)}${t ? ms(t.best).padStart(12) : ''.padStart(12)}${t ? ms(t.median).padStart(13) : ''.padStart(13)}${t ? ms(t.cpu).padStart(12) : ''.padStart(12)}${ms(o.best).padStart(12)}${ms(o.median).padStart(12)}${ms(o.cpu).padStart(12)}  ${speedUp}`,
        );
      }
      await raw.release();
      await onx.dispose();
      tfm.dispose();
    }
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
