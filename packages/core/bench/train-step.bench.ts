/*
 * Training-step time of the reference conditional VAE-GAN (bench/cvae-gan.ts) at 64x64, batch 8,
 * on each available backend: tensorflow (if installed), cpu (one step, or skipped when too slow),
 * wasm with 1 thread and wasm with 2 threads. Prints the median of the timed steps after warm-up,
 * GFLOP/s (FLOPs counted as in shared/design/tfjs-backends.md §3) and a tf.profile kernel
 * breakdown of one wasm step.
 *
 *   pnpm --filter @dgpose/core bench [-- --steps 5 --warmup 2 --size 64 --batch 8 --no-cpu]
 */
import * as tf from '@tensorflow/tfjs-core';
import * as os from 'node:os';
import { initBackend, shutdownBackend, isDGPoseError } from '../src/index';
import { buildCvaeGan, makeBatch, type CvaeGan } from './cvae-gan';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const STEPS = opt('steps', 5);
const WARMUP = opt('warmup', 2);
const SIZE = opt('size', 64);
const BATCH = opt('batch', 8);
const CPU_LIMIT_S = 60;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);

interface Row {
  backend: string;
  forwardMs?: number;
  stepMs?: number;
  bestMs?: number;
  /** Process CPU time (all threads) per step: on a loaded machine, 1 thread's CPU time is close to its unloaded wall time. */
  cpuMs?: number;
  steps?: number;
  note?: string;
}
const rows: Row[] = [];
let flops = { step: 0, forward: 0 };
let contention = 1;

async function timeSteps(
  model: CvaeGan,
  warmup: number,
  steps: number,
): Promise<{ times: number[]; cpuTimes: number[]; before: number; after: number }> {
  const batch = makeBatch(model.config);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let before = tf.memory().numTensors;
  for (let i = 0; i < warmup + steps; i++) {
    if (i === warmup) before = tf.memory().numTensors; // Adam creates its moments at step 1
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { lossG, lossD } = await model.trainStep(batch);
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (!Number.isFinite(lossG) || !Number.isFinite(lossD)) throw new Error(`non-finite loss at step ${i}`);
    if (i >= warmup) {
      times.push(dt);
      cpuTimes.push((c.user + c.system) / 1000);
    }
  }
  const after = tf.memory().numTensors;
  tf.dispose([batch.img, batch.pose, batch.eps]);
  return { times, cpuTimes, before, after };
}

async function timeForward(model: CvaeGan, n: number): Promise<number> {
  const batch = makeBatch(model.config);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await model.forward(batch);
    times.push(performance.now() - t0);
  }
  tf.dispose([batch.img, batch.pose, batch.eps]);
  return median(times.slice(n > 2 ? 1 : 0));
}

async function profileStep(model: CvaeGan): Promise<void> {
  const batch = makeBatch(model.config);
  const info = await tf.profile(async () => {
    await model.trainStep(batch);
  });
  tf.dispose([batch.img, batch.pose, batch.eps]);
  const byName = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byName.set(k.name, e);
    total += ms;
  }
  const sorted = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
  console.log(
    `\nkernel-time breakdown of one wasm step (tf.profile; ${info.kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels):`,
  );
  console.log('| kernel | calls | ms | share |\n| --- | --- | --- | --- |');
  let rest = 0;
  let restCalls = 0;
  sorted.forEach(([name, e], i) => {
    if (i < 10) console.log(`| ${name} | ${e.calls} | ${e.ms.toFixed(1)} | ${((100 * e.ms) / total).toFixed(0)}% |`);
    else {
      rest += e.ms;
      restCalls += e.calls;
    }
  });
  if (restCalls)
    console.log(
      `| ${sorted.length - 10} others | ${restCalls} | ${rest.toFixed(1)} | ${((100 * rest) / total).toFixed(0)}% |`,
    );
}

async function run(
  label: string,
  prefer: ('tensorflow' | 'wasm' | 'cpu')[],
  threads: number,
  mode: 'full' | 'single',
): Promise<void> {
  let init;
  try {
    init = await initBackend({ prefer, threads, log: (m) => console.log(m) });
  } catch (e) {
    const attempts = isDGPoseError(e) ? (e.details.got as { module?: string; reason?: string }[]) : [];
    const why = attempts.map((a) => (a.reason ?? '').slice(0, 110)).join('; ');
    rows.push({ backend: label, note: `unavailable: ${why || String(e)}` });
    return;
  }
  if (init.threads !== threads && init.backend === 'wasm') {
    rows.push({
      backend: label,
      note: `got ${init.threads} thread(s): ${init.attempts.map((a) => a.reason).join('; ')}`,
    });
    await shutdownBackend();
    return;
  }
  let calib = '';
  if (init.backend === 'wasm' && threads === 1) {
    // Contention probe: matMul 1024³ took 45.6 ms (1 thread, unloaded) on this machine type
    // (shared/design/tfjs-backends.md §1); its CPU time now says how much a busy box inflates CPU time.
    const a = tf.randomNormal([1024, 1024]) as tf.Tensor2D;
    const cpu: number[] = [];
    for (let i = 0; i < 6; i++) {
      const c0 = process.cpuUsage();
      const o = tf.matMul(a, a);
      await o.data();
      o.dispose();
      const c = process.cpuUsage(c0);
      if (i > 0) cpu.push((c.user + c.system) / 1000);
    }
    a.dispose();
    contention = median(cpu) / 45.6;
    calib = `; matMul 1024³ CPU time ${median(cpu).toFixed(1)} ms = ${contention.toFixed(2)}x the unloaded reference`;
  }
  const model = buildCvaeGan({ size: SIZE, batch: BATCH });
  flops = { step: model.stepFlops, forward: model.forwardFlops };
  try {
    if (mode === 'single') {
      const fwd = await timeForward(model, 1);
      // a step costs about 3x the generator forward plus the discriminator work; skip if hopeless
      if ((fwd * (model.stepFlops / model.forwardFlops)) / 1000 > CPU_LIMIT_S) {
        rows.push({
          backend: label,
          forwardMs: fwd,
          note: `step skipped: estimated > ${CPU_LIMIT_S} s from the forward pass`,
        });
      } else {
        const [t] = (await timeSteps(model, 0, 1)).times;
        rows.push({ backend: label, forwardMs: fwd, stepMs: t, steps: 1, note: 'a single step, no warm-up' });
      }
    } else {
      const fwd = await timeForward(model, 4);
      const { times, cpuTimes, before, after } = await timeSteps(model, WARMUP, STEPS);
      rows.push({
        backend: label,
        forwardMs: fwd,
        stepMs: median(times),
        bestMs: Math.min(...times),
        cpuMs: median(cpuTimes),
        steps: times.length,
        note:
          `steps ${times.map((t) => t.toFixed(0)).join(', ')} ms; live tensors ${before} -> ${after} over the timed steps` +
          (calib ? `${calib}; est. unloaded step ≈ CPU time / that = ${fmt(median(cpuTimes) / contention)}` : ''),
      });
      if (init.backend === 'wasm') await profileStep(model);
    }
  } finally {
    model.dispose();
    if (init.backend === 'wasm') await shutdownBackend();
  }
}

async function main() {
  tf.enableProdMode();
  console.log(
    `train-step bench: cVAE-GAN ${SIZE}x${SIZE}, batch ${BATCH}; ${os.cpus().length} cpus (${os.cpus()[0]?.model}), load avg ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; node ${process.version}`,
  );
  await run('tensorflow', ['tensorflow'], 1, 'full');
  if (!args.includes('--no-cpu')) await run('cpu (dgpose kernels)', ['cpu'], 1, 'single');
  await run('wasm, 1 thread', ['wasm'], 1, 'full');
  await run('wasm, 2 threads', ['wasm'], 2, 'full');

  console.log(
    `\nFLOPs per training step: ${(flops.step / 1e9).toFixed(2)} G (generator forward ${(flops.forward / 1e9).toFixed(2)} G)`,
  );
  console.log(
    '\n| backend | G forward | fwd GFLOP/s | train step (median) | step GFLOP/s | best step | CPU time/step | note |\n| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of rows) {
    const gf = (f: number, ms?: number) => (ms ? (f / 1e6 / ms).toFixed(1) : '–');
    console.log(
      `| ${r.backend} | ${r.forwardMs ? fmt(r.forwardMs) : '–'} | ${gf(flops.forward, r.forwardMs)} | ${r.stepMs ? `**${fmt(r.stepMs)}**` : '–'} | ${gf(flops.step, r.stepMs)} | ${r.bestMs ? fmt(r.bestMs) : '–'} | ${r.cpuMs ? fmt(r.cpuMs) : '–'} | ${r.note ?? ''} |`,
    );
  }
  await shutdownBackend();
}

main().catch(async (e) => {
  console.error(e);
  await shutdownBackend();
  process.exit(1);
});
