/*
 * Per-layer time of the three conv kernels (Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter) on wasm
 * for every conv shape of the `small` DGPose models (64x64, batch 8, maxChannels 64), best of `reps`
 * calls each, with GFLOP/s. Times are process CPU time (1 thread: close to the unloaded wall time on a
 * shared machine; with more threads they add up). Shows where a training step's conv time goes, layer by layer.
 *
 *   pnpm --filter @dgpose/core exec tsx bench/conv-shapes.bench.ts [-- --reps 5 --threads 1]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index';

const args = process.argv.slice(2);
const opt = (n: string, d: number): number => (args.includes(`--${n}`) ? Number(args[args.indexOf(`--${n}`) + 1]) : d);
const REPS = opt('reps', 5);
const THREADS = opt('threads', 1);
const N = 8;

type Pad = [[0, 0], [number, number], [number, number], [0, 0]];
interface Shape {
  name: string;
  /** input [N,H,W,C] */
  x: [number, number, number, number];
  k: number;
  o: number;
  s: number;
  p: number;
}
// encoders (pose 28 ch, appearance 31, D 31, q(y|x) 3), D's stride-1 tail, decoder deconvs as their
// forward-conv equivalents (a deconv's forward is Conv2DBackpropInput of this conv), the output conv
export const SMALL_SHAPES: Shape[] = [
  { name: 'enc1 pose 28->16', x: [N, 64, 64, 28], k: 4, o: 16, s: 2, p: 1 },
  { name: 'enc1 app/D 31->16', x: [N, 64, 64, 31], k: 4, o: 16, s: 2, p: 1 },
  { name: 'enc1 q(y|x) 3->16', x: [N, 64, 64, 3], k: 4, o: 16, s: 2, p: 1 },
  { name: 'enc2 16->32', x: [N, 32, 32, 16], k: 4, o: 32, s: 2, p: 1 },
  { name: 'enc3 32->64', x: [N, 16, 16, 32], k: 4, o: 64, s: 2, p: 1 },
  { name: 'enc4 64->64', x: [N, 8, 8, 64], k: 4, o: 64, s: 2, p: 1 },
  { name: 'D3 32->32', x: [N, 16, 16, 32], k: 4, o: 32, s: 2, p: 1 },
  { name: 'D s1 32->32', x: [N, 8, 8, 32], k: 4, o: 32, s: 1, p: 1 },
  { name: 'D out 32->1', x: [N, 7, 7, 32], k: 4, o: 1, s: 1, p: 1 },
  { name: 'dec4 (deconv 128->64)', x: [N, 8, 8, 64], k: 4, o: 128, s: 2, p: 1 },
  { name: 'dec3 (deconv 160->32)', x: [N, 16, 16, 32], k: 4, o: 160, s: 2, p: 1 },
  { name: 'dec2 (deconv 96->16)', x: [N, 32, 32, 16], k: 4, o: 96, s: 2, p: 1 },
  { name: 'dec1 (deconv 64->16)', x: [N, 64, 64, 16], k: 4, o: 64, s: 2, p: 1 },
  { name: 'out 3x3 20->3', x: [N, 64, 64, 20], k: 3, o: 3, s: 1, p: 1 },
];

function best(f: () => tf.Tensor): number {
  let b = Infinity;
  for (let i = 0; i < REPS + 1; i++) {
    const c0 = process.cpuUsage();
    const y = f();
    y.dataSync();
    const c = process.cpuUsage(c0);
    const dt = (c.user + c.system) / 1000;
    y.dispose();
    if (i > 0) b = Math.min(b, dt);
  }
  return b;
}

async function main(): Promise<void> {
  const be = await initBackend({ prefer: ['wasm'], threads: THREADS, log: () => undefined });
  console.log(`${be.backend}, ${be.threads} thread(s); best of ${REPS}; ms (GFLOP/s)\n`);
  console.log('| layer | GFLOP | Conv2D | BackpropInput | BackpropFilter |\n| --- | --- | --- | --- | --- |');
  const tot = [0, 0, 0];
  for (const s of SMALL_SHAPES) {
    const pad: Pad = [
      [0, 0],
      [s.p, s.p],
      [s.p, s.p],
      [0, 0],
    ];
    const x = tf.randomNormal(s.x) as tf.Tensor4D;
    const w = tf.randomNormal([s.k, s.k, s.x[3], s.o]) as tf.Tensor4D;
    const y = tf.conv2d(x, w, s.s, pad);
    const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
    const gflop = (2 * y.size * s.k * s.k * s.x[3]) / 1e9;
    const attrs = { strides: [s.s, s.s], pad, dataFormat: 'NHWC', dimRoundingMode: undefined, dilations: [1, 1] };
    const t = [
      best(() => tf.conv2d(x, w, s.s, pad)),
      best(
        () =>
          tf
            .engine()
            .runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: s.x } as never) as tf.Tensor,
      ),
      best(
        () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
            ...attrs,
            filterShape: [s.k, s.k, s.x[3], s.o],
          } as never) as tf.Tensor,
      ),
    ];
    t.forEach((v, i) => (tot[i] += v));
    console.log(
      `| ${s.name} | ${gflop.toFixed(3)} | ${t.map((v) => `${v.toFixed(2)} (${((gflop / v) * 1000).toFixed(0)})`).join(' | ')} |`,
    );
    tf.dispose([x, w, y, dy]);
  }
  console.log(`| total | | ${tot.map((v) => v.toFixed(1)).join(' | ')} |`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
