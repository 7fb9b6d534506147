/*
 * SSIM throughput on 256x256 RGB uint8 pairs, both conventions, beside scikit-image's on the same
 * machine (timed in a child /usr/bin/python3 when it has skimage). Run: pnpm --filter @dgpose/metrics bench
 * The two are timed in alternating rounds and the best round of each is kept, so that load from other
 * processes on a shared machine penalises neither side more than the other.
 * Options (env): BENCH_SECONDS (per measurement, default 1), BENCH_ROUNDS (default 3),
 * PYTHON (default /usr/bin/python3).
 */
import { execFileSync } from 'node:child_process';
import { psnr, type RawImage, ssim } from '../src/index';
import { makeRng } from '../src/__fixtures__/synthetic';

const H = 256;
const W = 256;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

function pair(seed: number): [RawImage, RawImage] {
  const r = makeRng(seed);
  const a = new Uint8Array(H * W * 3);
  const b = new Uint8Array(H * W * 3);
  for (let i = 0; i < a.length; i++) {
    const v = (((i / 3) | 0) % W) + (r() >>> 26);
    a[i] = v & 255;
    b[i] = Math.min(255, Math.max(0, a[i] + (r() % 41) - 20));
  }
  return [
    { data: a, width: W, height: H, channels: 3 },
    { data: b, width: W, height: H, channels: 3 },
  ];
}

function rate(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn(); // warm-up (JIT)
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < SECONDS * 1000) {
    fn();
    n++;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

const PY = `
import sys, time, numpy as np
from skimage.metrics import structural_similarity as ssim, peak_signal_noise_ratio as psnr
secs = float(sys.argv[1])
rng = np.random.default_rng(0)
a = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
b = np.clip(a.astype(int) + rng.integers(-20, 21, a.shape), 0, 255).astype(np.uint8)
def rate(fn):
    for _ in range(2): fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < secs:
        fn(); n += 1
    return n / (time.perf_counter() - t0)
wang = rate(lambda: ssim(a, b, channel_axis=-1, data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False))
pg2 = rate(lambda: ssim(a, b, channel_axis=-1, data_range=255))
p = rate(lambda: psnr(a, b, data_range=255))
import skimage
print('%s %f %f %f' % (skimage.__version__, wang, pg2, p))
`;

function skimageRates(): { version: string; wang: number; pg2: number; psnr: number } | null {
  try {
    const out = execFileSync(PYTHON, ['-c', PY, String(SECONDS)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    const [version, wang, pg2, p] = out.split(' ');
    return { version, wang: Number(wang), pg2: Number(pg2), psnr: Number(p) };
  } catch (e) {
    console.log(`scikit-image not timed (${PYTHON} without skimage?): ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

const [a, b] = pair(1);
const KEYS = ['wang', 'pg2', 'psnr'] as const;
const ours: Record<(typeof KEYS)[number], number> = { wang: 0, pg2: 0, psnr: 0 };
let sk: { version: string; wang: number; pg2: number; psnr: number } | null = null;
let skOk = true;
for (let round = 0; round < ROUNDS; round++) {
  ours.wang = Math.max(
    ours.wang,
    rate(() => ssim(a, b, { dataRange: 255, convention: 'wang' })),
  );
  ours.pg2 = Math.max(
    ours.pg2,
    rate(() => ssim(a, b, { dataRange: 255, convention: 'pg2' })),
  );
  ours.psnr = Math.max(
    ours.psnr,
    rate(() => psnr(a, b, { dataRange: 255 })),
  );
  if (skOk) {
    const r = skimageRates();
    if (r === null) skOk = false;
    else
      sk = sk
        ? {
            version: r.version,
            wang: Math.max(sk.wang, r.wang),
            pg2: Math.max(sk.pg2, r.pg2),
            psnr: Math.max(sk.psnr, r.psnr),
          }
        : r;
  }
}
console.log(
  `256x256x3 uint8 pairs per second, best of ${ROUNDS} rounds of ${SECONDS} s (node ${process.version}, single thread)`,
);
console.log('metric        @dgpose/metrics   scikit-image' + (sk ? ` ${sk.version}` : '') + '   speed-up');
for (const k of KEYS) {
  const label = k === 'psnr' ? 'psnr' : `ssim ${k}`;
  const theirs = sk ? sk[k] : NaN;
  console.log(
    `${label.padEnd(14)}${ours[k].toFixed(1).padStart(15)}   ${(sk ? theirs.toFixed(1) : 'n/a').padStart(12)}   ${sk ? `${(ours[k] / theirs).toFixed(2)}x` : ''}`,
  );
}
