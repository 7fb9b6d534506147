import type { RgbImage } from '@dgpose/core';
import { expectDGPoseError } from '@dgpose/test-utils';
import type { RawImage } from './image';
import { applyMask, maskedL1, maskedPsnr, maskedSsim } from './masked';
import { mse, psnr, psnrBatch } from './psnr';
import { SSIM_CONVENTIONS, type SsimConvention, ssim, ssimBatch, ssimMap } from './ssim';
import { batchStats } from './stats';
import { makeMask, makePair, makeRng } from './__fixtures__/synthetic';

const img = (data: number[] | Float64Array | Uint8Array, height: number, width: number, channels = 1): RawImage => ({
  data: data instanceof Float64Array || data instanceof Uint8Array ? data : Float64Array.from(data),
  height,
  width,
  channels,
});
const constant = (v: number, h: number, w: number, c = 1): RawImage =>
  img(new Float64Array(h * w * c).fill(v), h, w, c);
function noise(seed: number, h: number, w: number, c: number): RawImage {
  const r = makeRng(seed);
  return img(
    Uint8Array.from({ length: h * w * c }, () => r() >>> 24),
    h,
    w,
    c,
  );
}

/** Brute-force SSIM: every window summed directly with scipy 'reflect' indices (independent of the fast path). */
function bruteSsimMap(
  a: RawImage,
  b: RawImage,
  convention: SsimConvention,
  R: number,
): { map: Float64Array; mssim: number } {
  const spec = SSIM_CONVENTIONS[convention];
  const r = (spec.winSize - 1) / 2;
  const g = Array.from({ length: spec.winSize }, (_, k) =>
    spec.sigma ? Math.exp(-((k - r) ** 2) / (2 * spec.sigma ** 2)) : 1,
  );
  const gs = g.reduce((s, v) => s + v, 0);
  const w = g.map((v) => v / gs);
  const refl = (i: number, n: number): number => (i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i);
  const { height: H, width: W, channels: C } = a;
  const N = spec.winSize ** 2;
  const cov = spec.sampleCovariance ? N / (N - 1) : 1;
  const C1 = (0.01 * R) ** 2;
  const C2 = (0.03 * R) ** 2;
  const map = new Float64Array(H * W * C);
  const means: number[] = [];
  for (let c = 0; c < C; c++) {
    let tot = 0;
    let n = 0;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        let mx = 0,
          my = 0,
          mxx = 0,
          myy = 0,
          mxy = 0;
        for (let u = -r; u <= r; u++) {
          for (let v = -r; v <= r; v++) {
            const k = w[u + r] * w[v + r];
            const p = (refl(i + u, H) * W + refl(j + v, W)) * C + c;
            const x = a.data[p];
            const y = b.data[p];
            mx += k * x;
            my += k * y;
            mxx += k * x * x;
            myy += k * y * y;
            mxy += k * x * y;
          }
        }
        const vx = cov * (mxx - mx * mx);
        const vy = cov * (myy - my * my);
        const vxy = cov * (mxy - mx * my);
        const s = ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
        map[(i * W + j) * C + c] = s;
        if (i >= r && i < H - r && j >= r && j < W - r) {
          tot += s;
          n++;
        }
      }
    }
    means.push(tot / n);
  }
  return { map, mssim: means.reduce((s, v) => s + v, 0) / C };
}

describe('psnr', () => {
  it('is 10 log10(R^2 / MSE) on a hand-worked pair', () => {
    const a = img([0, 0, 0, 0], 2, 2);
    const b = img([0, 0, 0, 255], 2, 2);
    expect(mse(a, b)).toBe(255 ** 2 / 4);
    expect(psnr(a, b, { dataRange: 255 })).toBeCloseTo(10 * Math.log10(4), 12);
    expect(psnr(a, img([0, 0, 0, 0.5], 2, 2), { dataRange: 1 })).toBeCloseTo(10 * Math.log10(16), 12);
  });
  it("takes core's RgbImage (model outputs) as it is", () => {
    const a: RgbImage = { data: new Uint8Array([0, 0, 0, 0, 0, 0]), width: 2, height: 1, channels: 3 };
    const b: RgbImage = { data: new Uint8Array([0, 0, 0, 0, 0, 255]), width: 2, height: 1, channels: 3 };
    expect(psnr(a, b, { dataRange: 255 })).toBeCloseTo(10 * Math.log10(6), 12);
  });
  it('is Infinity for identical images', () => {
    const a = noise(1, 8, 8, 3);
    expect(psnr(a, a, { dataRange: 255 })).toBe(Infinity);
  });
  it('batch: numpy-like mean/std, and finite-only summaries next to an identical pair', () => {
    const [a, b] = makePair({
      id: 'x',
      kind: 'u8-noise',
      height: 12,
      width: 12,
      channels: 3,
      seed: 9,
      dataRange: 255,
      mask: false,
    });
    const one = psnr(a, b, { dataRange: 255 });
    const s = psnrBatch([a, a, b], [b, a, a], { dataRange: 255 });
    expect(s.values).toEqual([one, Infinity, one]);
    expect([s.mean, s.std, s.count, s.infinite]).toEqual([Infinity, NaN, 3, 1]);
    expect(s.finiteMean).toBeCloseTo(one, 12);
    expect(s.finiteStd).toBeCloseTo(0, 12);
  });
});

describe('batchStats', () => {
  it('population std (ddof 0) like np.std', () => {
    const s = batchStats([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(1.25), 14);
  });
  it('empty -> E_EMPTY', () => {
    expectDGPoseError(() => batchStats([]), 'E_EMPTY');
  });
});

describe('ssim', () => {
  const conventions: SsimConvention[] = ['wang', 'pg2'];
  it.each(conventions)(
    '%s: matches a brute-force implementation (map with reflect borders, cropped mean)',
    (convention) => {
      const a = noise(3, 14, 17, 2);
      const b = noise(4, 14, 17, 2);
      const ref = bruteSsimMap(a, b, convention, 255);
      const full = ssimMap(a, b, { dataRange: 255, convention });
      let worst = 0;
      for (let i = 0; i < ref.map.length; i++) worst = Math.max(worst, Math.abs(ref.map[i] - full.map.data[i]));
      expect(worst).toBeLessThan(1e-10);
      expect(ssim(a, b, { dataRange: 255, convention })).toBeCloseTo(ref.mssim, 12);
      expect(full.mssim).toBeCloseTo(ref.mssim, 12);
    },
  );
  it('images larger than the reused scratch planes (520x515) still match brute force', () => {
    const a = noise(30, 520, 515, 1);
    const b = noise(31, 520, 515, 1);
    for (const convention of conventions) {
      expect(
        Math.abs(ssim(a, b, { dataRange: 255, convention }) - bruteSsimMap(a, b, convention, 255).mssim),
      ).toBeLessThan(1e-10);
    }
  });
  it.each(conventions)(
    '%s: 1 for identical images, symmetric, and the closed form on constant images',
    (convention) => {
      const a = noise(5, 16, 16, 3);
      const b = noise(6, 16, 16, 3);
      expect(ssim(a, a, { dataRange: 255, convention })).toBeCloseTo(1, 12);
      expect(ssim(a, b, { dataRange: 255, convention })).toBeCloseTo(ssim(b, a, { dataRange: 255, convention }), 14);
      // constant images: variances 0, so SSIM = (2 c1 c2 + C1) / (c1^2 + c2^2 + C1)
      const C1 = (0.01 * 255) ** 2;
      expect(ssim(constant(100, 12, 12), constant(120, 12, 12), { dataRange: 255, convention })).toBeCloseTo(
        (2 * 100 * 120 + C1) / (100 ** 2 + 120 ** 2 + C1),
        12,
      );
    },
  );
  it('the data range enters through C1 and C2', () => {
    const a = noise(7, 12, 12, 1);
    const b = noise(8, 12, 12, 1);
    const scaled = (x: RawImage): RawImage =>
      img(
        Float64Array.from(x.data, (v) => v / 255),
        12,
        12,
      );
    expect(ssim(scaled(a), scaled(b), { dataRange: 1, convention: 'pg2' })).toBeCloseTo(
      ssim(a, b, { dataRange: 255, convention: 'pg2' }),
      10,
    );
  });
  it('batch mean over pairs', () => {
    const a = noise(9, 12, 12, 3);
    const b = noise(10, 12, 12, 3);
    const s = ssimBatch([a, b], [b, b], { dataRange: 255, convention: 'wang' });
    expect(s.values[1]).toBeCloseTo(1, 12);
    expect(s.mean).toBeCloseTo((ssim(a, b, { dataRange: 255, convention: 'wang' }) + s.values[1]) / 2, 14);
  });
});

describe('masked metrics (PG2 score_mask.py)', () => {
  it('applyMask truncates uint8 images like np.uint8(mask/255.*img), keeps float images exact', () => {
    const a = img(Uint8Array.from([200, 100, 7, 255]), 2, 2);
    const m = img(Uint8Array.from([255, 128, 0, 1]), 2, 2);
    expect(Array.from(applyMask(a, m).data)).toEqual([200, Math.trunc((128 / 255) * 100), 0, 1]);
    expect(Array.from(applyMask(img([200, 100, 7, 255], 2, 2), m).data)).toEqual([
      200,
      (128 / 255) * 100,
      0,
      (1 / 255) * 255,
    ]);
    expect(Array.from(applyMask(img([200, 100, 7, 255], 2, 2), m, { truncate: true }).data)).toEqual([200, 50, 0, 1]);
    // a [H,W,C] mask applies per channel
    const rgb = img(Uint8Array.from([10, 20, 30, 40, 50, 60]), 1, 2, 3);
    const m3 = img(Uint8Array.from([255, 0, 255, 0, 255, 0]), 1, 2, 3);
    expect(Array.from(applyMask(rgb, m3).data)).toEqual([10, 0, 30, 0, 50, 0]);
  });
  it('maskedL1 divides by every pixel and channel', () => {
    const a = img(Uint8Array.from([10, 20, 30, 40]), 2, 2);
    const b = img(Uint8Array.from([20, 20, 0, 0]), 2, 2);
    const m = img(Uint8Array.from([255, 255, 255, 0]), 2, 2);
    expect(maskedL1(a, b, m)).toBe((10 + 0 + 30 + 0) / 4);
  });
  it('full mask = plain metrics; masked ssim = ssim of the masked images', () => {
    const a = noise(11, 20, 24, 3);
    const b = noise(12, 20, 24, 3);
    const ones = img(new Uint8Array(20 * 24).fill(255), 20, 24);
    expect(maskedSsim(a, b, ones, { dataRange: 255, convention: 'pg2' })).toBe(
      ssim(a, b, { dataRange: 255, convention: 'pg2' }),
    );
    expect(maskedPsnr(a, b, ones, { dataRange: 255 })).toBe(psnr(a, b, { dataRange: 255 }));
    const m = makeMask(20, 24);
    expect(maskedSsim(a, b, m, { dataRange: 255, convention: 'wang' })).toBe(
      ssim(applyMask(a, m), applyMask(b, m), { dataRange: 255, convention: 'wang' }),
    );
  });
  it('rejects bad masks', () => {
    const a = noise(13, 8, 8, 3);
    expectDGPoseError(() => maskedL1(a, a, img(new Uint8Array(7 * 8), 7, 8)), 'E_SHAPE', { argument: 'mask' });
    expectDGPoseError(() => maskedL1(a, a, img(new Uint8Array(8 * 8 * 2), 8, 8, 2)), 'E_SHAPE', { argument: 'mask' });
    expectDGPoseError(() => maskedL1(a, a, img(new Float64Array(64).fill(256), 8, 8)), 'E_ARG', { argument: 'mask' });
    expectDGPoseError(() => maskedL1(a, a, img(new Float64Array(64).fill(NaN), 8, 8)), 'E_NAN', {
      argument: 'mask.data',
    });
    expectDGPoseError(() => maskedL1(a, a, img(new Float64Array(64), 8, 8), { maskRange: 0 }), 'E_ARG', {
      argument: 'opts.maskRange',
    });
  });
});

describe('bad image input', () => {
  const a = noise(14, 12, 12, 3);
  const opts = { dataRange: 255, convention: 'pg2' } as const;
  it('mismatched shapes -> E_SHAPE naming the argument', () => {
    const b = noise(15, 12, 11, 3);
    expectDGPoseError(() => psnr(a, b, { dataRange: 255 }), 'E_SHAPE', { argument: 'test' });
    expectDGPoseError(() => ssim(a, b, opts), 'E_SHAPE', { argument: 'b' });
    expectDGPoseError(() => ssim(a, { ...a, data: a.data.subarray(1) }, opts), 'E_SHAPE', { argument: 'b.data' });
    expectDGPoseError(() => psnrBatch([a], [a, a], { dataRange: 255 }), 'E_SHAPE', { argument: 'tests' });
    expectDGPoseError(() => ssimBatch([a, a], [a, b], opts), 'E_SHAPE', { argument: 'b[1]' });
  });
  it('images smaller than the window -> E_SHAPE', () => {
    const s = noise(16, 10, 40, 1);
    expectDGPoseError(() => ssim(s, s, { dataRange: 255, convention: 'wang' }), 'E_SHAPE');
    expect(ssim(s, s, { dataRange: 255, convention: 'pg2' })).toBeCloseTo(1, 12);
  });
  it('empty images and batches -> E_EMPTY', () => {
    const e = img(new Uint8Array(0), 0, 5, 3);
    expectDGPoseError(() => psnr(e, e, { dataRange: 255 }), 'E_EMPTY', { argument: 'reference' });
    expectDGPoseError(() => ssimBatch([], [], opts), 'E_EMPTY', { argument: 'a' });
  });
  it('NaN / Infinity -> E_NAN', () => {
    const f = img(new Float64Array(12 * 12).fill(0.5), 12, 12);
    const bad = img(
      Float64Array.from(f.data, (v, i) => (i === 77 ? NaN : v)),
      12,
      12,
    );
    expectDGPoseError(() => ssim(f, bad, { dataRange: 1, convention: 'pg2' }), 'E_NAN', { argument: 'b.data' });
    const inf = img(
      Float64Array.from(f.data, (v, i) => (i === 3 ? Infinity : v)),
      12,
      12,
    );
    expectDGPoseError(() => psnr(inf, f, { dataRange: 1 }), 'E_NAN', { argument: 'reference.data' });
  });
  it('missing or bad data range, convention or options -> E_ARG', () => {
    expectDGPoseError(() => psnr(a, a, {} as never), 'E_ARG', { argument: 'opts.dataRange' });
    expectDGPoseError(() => psnr(a, a, undefined as never), 'E_ARG', { argument: 'opts' });
    expectDGPoseError(() => ssim(a, a, { convention: 'pg2' } as never), 'E_ARG', { argument: 'opts.dataRange' });
    expectDGPoseError(() => ssim(a, a, { dataRange: -1, convention: 'pg2' }), 'E_ARG', { argument: 'opts.dataRange' });
    expectDGPoseError(() => ssim(a, a, { dataRange: NaN, convention: 'pg2' }), 'E_ARG', { argument: 'opts.dataRange' });
    expectDGPoseError(() => ssim(a, a, { dataRange: 255 } as never), 'E_ARG', { argument: 'opts.convention' });
    expectDGPoseError(() => ssim(a, a, { dataRange: 255, convention: 'gaussian' } as never), 'E_ARG', {
      argument: 'opts.convention',
    });
  });
  it('wrong data types -> E_ARG', () => {
    expectDGPoseError(() => psnr({ ...a, data: [1, 2, 3] as never }, a, { dataRange: 255 }), 'E_ARG', {
      argument: 'reference.data',
    });
    expectDGPoseError(() => psnr(null as never, a, { dataRange: 255 }), 'E_ARG', { argument: 'reference' });
    expectDGPoseError(() => psnr({ ...a, width: 1.5 }, a, { dataRange: 255 }), 'E_ARG', { argument: 'reference' });
  });
});
