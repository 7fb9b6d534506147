import { DGPoseError } from '@dgpose/core';
import { type RawImage, requireOptions, validateDataRange, validatePair } from './image';
import { validateBatchPair } from './psnr';
import { type BatchStats, batchStats } from './stats';

/**
 * The two SSIM conventions of the person-generation literature (docs/paper-notes.md §6.1), both as
 * scikit-image's `structural_similarity(im1, im2, channel_axis=-1, data_range=R, ...)` computes them:
 * - `'wang'`: Wang et al. 2004 — Gaussian window σ = 1.5 truncated at 3.5σ (11×11),
 *   population covariance (`gaussian_weights=True, sigma=1.5, use_sample_covariance=False`);
 *   Pose-Transfer / Deformable-GAN `getMetrics_*.py`.
 * - `'pg2'`: scikit-image's defaults — 7×7 uniform window, sample covariance (N/(N−1));
 *   PG2 `score.py` (`compare_ssim(G, x, multichannel=True)`).
 */
export type SsimConvention = 'wang' | 'pg2';

/** The settings behind a convention (read-only description; see {@link SSIM_CONVENTIONS}). */
export interface SsimConventionSpec {
  /** Window weighting. */
  readonly window: 'gaussian' | 'uniform';
  /** Window side (odd); also the crop: (winSize−1)/2 pixels are dropped from each border before the mean. */
  readonly winSize: number;
  /** Gaussian σ (gaussian window only). */
  readonly sigma: number | null;
  /** Covariances normalised by N−1 (true) or N (false), N = winSize². */
  readonly sampleCovariance: boolean;
  /** C1 = (k1·R)². */
  readonly k1: number;
  /** C2 = (k2·R)². */
  readonly k2: number;
}

/** The two supported conventions. Frozen. */
export const SSIM_CONVENTIONS: Readonly<Record<SsimConvention, SsimConventionSpec>> = Object.freeze({
  // radius int(3.5 * 1.5 + 0.5) = 5 as in scipy.ndimage, so an 11-tap filter and an 11-pixel crop window
  wang: Object.freeze({
    window: 'gaussian',
    winSize: 11,
    sigma: 1.5,
    sampleCovariance: false,
    k1: 0.01,
    k2: 0.03,
  } as const),
  pg2: Object.freeze({
    window: 'uniform',
    winSize: 7,
    sigma: null,
    sampleCovariance: true,
    k1: 0.01,
    k2: 0.03,
  } as const),
});

/** Options of {@link ssim}. Both fields are required: no convention or range is guessed. */
export interface SsimOptions {
  /** 255 for uint8 images, 1 for [0,1], 2 for [-1,1]: sets C1 = (0.01·R)², C2 = (0.03·R)². */
  dataRange: number;
  /** `'wang'` (11×11 Gaussian σ 1.5, population covariance) or `'pg2'` (7×7 uniform, sample covariance). */
  convention: SsimConvention;
}

/** What {@link ssimMap} returns. */
export interface SsimMapResult {
  /** Mean SSIM: per-channel means over the cropped map, averaged over channels (same as {@link ssim}). */
  mssim: number;
  /** Mean SSIM of each channel over the cropped map. */
  perChannel: number[];
  /**
   * The full SSIM map, HWC like the inputs, uncropped: border pixels are computed with scipy's
   * 'reflect' padding (half-sample symmetric), as scikit-image's `full=True` returns them.
   */
  map: { data: Float64Array; width: number; height: number; channels: number };
}

export function validateSsimOptions(opts: SsimOptions | undefined): { spec: SsimConventionSpec; range: number } {
  const o = requireOptions(opts);
  const range = validateDataRange(o.dataRange);
  if (o.convention !== 'wang' && o.convention !== 'pg2') {
    throw new DGPoseError('E_ARG', 'opts.convention is required: the SSIM convention to follow', {
      argument: 'opts.convention',
      expected: "'wang' (Gaussian 11x11, Pose-Transfer) or 'pg2' (uniform 7x7, PG2 score.py)",
      got: o.convention === undefined ? 'undefined' : o.convention,
    });
  }
  return { spec: SSIM_CONVENTIONS[o.convention], range };
}

/** Normalised 1-D Gaussian taps as scipy.ndimage `_gaussian_kernel1d` (σ, radius). */
function gaussianTaps(sigma: number, radius: number): Float64Array {
  const w = new Float64Array(2 * radius + 1);
  let s = 0;
  for (let k = -radius; k <= radius; k++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * k * k);
    w[k + radius] = v;
    s += v;
  }
  for (let k = 0; k < w.length; k++) w[k] /= s;
  return w;
}

const TAPS = gaussianTaps(1.5, 5);
// The 11 taps are symmetric (w[k] = w[10-k]): pairing them halves the multiplications.
const [G0, G1, G2, G3, G4, G5] = [TAPS[0], TAPS[1], TAPS[2], TAPS[3], TAPS[4], TAPS[5]];

/**
 * 11-tap Gaussian correlation along each of `rows` rows of length `len` ('valid' part: len−10 values),
 * written transposed: dst[j·rows + i]. Applied twice (x then y), the second pass restores the
 * orientation, and both passes read contiguously. The 11-value window slides in locals, so each
 * output costs one load.
 */
function gaussT(src: Float64Array, rows: number, len: number, dst: Float64Array): void {
  const out = len - 10;
  for (let i = 0; i < rows; i++) {
    const b = i * len;
    let s0 = src[b],
      s1 = src[b + 1],
      s2 = src[b + 2],
      s3 = src[b + 3],
      s4 = src[b + 4];
    let s5 = src[b + 5],
      s6 = src[b + 6],
      s7 = src[b + 7],
      s8 = src[b + 8],
      s9 = src[b + 9];
    for (let j = 0; j < out; j++) {
      const s10 = src[b + j + 10];
      dst[j * rows + i] = G0 * (s0 + s10) + G1 * (s1 + s9) + G2 * (s2 + s8) + G3 * (s3 + s7) + G4 * (s4 + s6) + G5 * s5;
      s0 = s1;
      s1 = s2;
      s2 = s3;
      s3 = s4;
      s4 = s5;
      s5 = s6;
      s6 = s7;
      s7 = s8;
      s8 = s9;
      s9 = s10;
    }
  }
}

/*
 * Scratch planes reused across calls: SSIM of a 256x256 image needs up to 15 planes of 0.5 MB per
 * channel, and allocating (and zeroing) them on every call costs more than the filtering. Safe because
 * the functions are synchronous. Planes above 2 MB (images larger than 512x512) are not kept.
 */
const SCRATCH: Float64Array[] = [];
const SCRATCH_MAX = 1 << 18;
function scratch(slot: number, n: number): Float64Array {
  let b = SCRATCH[slot];
  if (b === undefined || b.length < n) {
    b = new Float64Array(n);
    if (n <= SCRATCH_MAX) SCRATCH[slot] = b;
  }
  return b.length === n ? b : b.subarray(0, n);
}

/**
 * One channel of `img` as a float64 plane, padded by `pad` pixels on each side with scipy.ndimage's
 * 'reflect' mode (d c b a | a b c d | d c b a). pad < H, W is guaranteed by the window check.
 */
function plane(img: RawImage, c: number, pad: number, slot: number): Float64Array {
  const { data, width: W, height: H, channels: C } = img;
  const Wp = W + 2 * pad;
  const out = scratch(slot, (H + 2 * pad) * Wp);
  if (pad === 0) {
    for (let i = 0, n = H * W; i < n; i++) out[i] = data[i * C + c];
    return out;
  }
  const refl = (i: number, n: number): number => (i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i);
  for (let ip = 0; ip < H + 2 * pad; ip++) {
    const row = refl(ip - pad, H) * W;
    for (let jp = 0; jp < Wp; jp++) out[ip * Wp + jp] = data[(row + refl(jp - pad, W)) * C + c];
  }
  return out;
}

/**
 * Filters x, y, x², y², xy over the plane (Hp×Wp) and calls `emit(row, S-row)` with the SSIM of
 * every centre whose window lies fully inside the plane: rows r..Hp−r−1, Wo = Wp−2r values each.
 * Uniform windows use running (prefix) sums, i.e. a summed-area table built separably: exact for
 * integer pixels; Gaussian windows a separable 11-tap correlation. All in float64.
 */
function ssimRows(
  x: Float64Array,
  y: Float64Array,
  Hp: number,
  Wp: number,
  spec: SsimConventionSpec,
  C1: number,
  C2: number,
  emit: (row: number, s: Float64Array) => void,
): void {
  const win = spec.winSize;
  const r = (win - 1) >> 1;
  const Wo = Wp - 2 * r;
  const Ho = Hp - 2 * r;
  const np = win * win;
  const covNorm = spec.sampleCovariance ? np / (np - 1) : 1;
  // horizontal pass: 5 planes Hp × Wo (scratch buffers: every value is written before it is read)
  const hx = scratch(0, Hp * Wo);
  const hy = scratch(1, Hp * Wo);
  const hxx = scratch(2, Hp * Wo);
  const hyy = scratch(3, Hp * Wo);
  const hxy = scratch(4, Hp * Wo);
  if (spec.window === 'uniform') {
    for (let i = 0; i < Hp; i++) {
      const b = i * Wp;
      const o = i * Wo;
      let sx = 0,
        sy = 0,
        sxx = 0,
        syy = 0,
        sxy = 0;
      for (let k = 0; k < win; k++) {
        const a = x[b + k],
          c = y[b + k];
        sx += a;
        sy += c;
        sxx += a * a;
        syy += c * c;
        sxy += a * c;
      }
      hx[o] = sx;
      hy[o] = sy;
      hxx[o] = sxx;
      hyy[o] = syy;
      hxy[o] = sxy;
      for (let j = 1; j < Wo; j++) {
        const a = x[b + j + win - 1],
          c = y[b + j + win - 1];
        const a0 = x[b + j - 1],
          c0 = y[b + j - 1];
        sx += a - a0;
        sy += c - c0;
        sxx += a * a - a0 * a0;
        syy += c * c - c0 * c0;
        sxy += a * c - a0 * c0;
        hx[o + j] = sx;
        hy[o + j] = sy;
        hxx[o + j] = sxx;
        hyy[o + j] = syy;
        hxy[o + j] = sxy;
      }
    }
  } else {
    const n = Hp * Wp;
    const pxx = scratch(5, n),
      pyy = scratch(6, n),
      pxy = scratch(7, n);
    for (let i = 0; i < n; i++) {
      const a = x[i],
        c = y[i];
      pxx[i] = a * a;
      pyy[i] = c * c;
      pxy[i] = a * c;
    }
    // hx.. hold the horizontal pass transposed (Wo × Hp); the vertical pass writes Ho × Wo planes
    const n2 = Ho * Wo;
    const gx = scratch(10, n2),
      gy = scratch(11, n2),
      gxx = scratch(12, n2),
      gyy = scratch(13, n2),
      gxy = scratch(14, n2);
    const planes: [Float64Array, Float64Array, Float64Array][] = [
      [x, hx, gx],
      [y, hy, gy],
      [pxx, hxx, gxx],
      [pyy, hyy, gyy],
      [pxy, hxy, gxy],
    ];
    for (const [src, t, g] of planes) {
      gaussT(src, Hp, Wp, t);
      gaussT(t, Wo, Hp, g);
    }
    const s = new Float64Array(Wo);
    for (let oi = 0; oi < Ho; oi++) {
      ssimFormula(gx, gy, gxx, gyy, gxy, oi * Wo, Wo, 1, covNorm, C1, C2, s);
      emit(oi, s);
    }
    return;
  }
  // vertical pass (running sums over rows), one output row at a time, then the SSIM formula
  const vx = new Float64Array(Wo),
    vy = new Float64Array(Wo),
    vxx = new Float64Array(Wo),
    vyy = new Float64Array(Wo),
    vxy = new Float64Array(Wo);
  const s = new Float64Array(Wo);
  for (let oi = 0; oi < Ho; oi++) {
    if (oi === 0) {
      for (let k = 0; k < win; k++) {
        const o = k * Wo;
        for (let j = 0; j < Wo; j++) {
          vx[j] += hx[o + j];
          vy[j] += hy[o + j];
          vxx[j] += hxx[o + j];
          vyy[j] += hyy[o + j];
          vxy[j] += hxy[o + j];
        }
      }
    } else {
      const add = (oi + win - 1) * Wo;
      const sub = (oi - 1) * Wo;
      for (let j = 0; j < Wo; j++) {
        vx[j] += hx[add + j] - hx[sub + j];
        vy[j] += hy[add + j] - hy[sub + j];
        vxx[j] += hxx[add + j] - hxx[sub + j];
        vyy[j] += hyy[add + j] - hyy[sub + j];
        vxy[j] += hxy[add + j] - hxy[sub + j];
      }
    }
    ssimFormula(vx, vy, vxx, vyy, vxy, 0, Wo, 1 / np, covNorm, C1, C2, s);
    emit(oi, s);
  }
}

/**
 * SSIM of `n` centres from window sums (times `inv` = window means) starting at `off`
 * (scikit-image `structural_similarity`; Wang et al. 2004 eq. 13).
 */
function ssimFormula(
  vx: Float64Array,
  vy: Float64Array,
  vxx: Float64Array,
  vyy: Float64Array,
  vxy: Float64Array,
  off: number,
  n: number,
  inv: number,
  covNorm: number,
  C1: number,
  C2: number,
  s: Float64Array,
): void {
  for (let j = 0; j < n; j++) {
    const q = off + j;
    const ux = vx[q] * inv,
      uy = vy[q] * inv;
    const sx = covNorm * (vxx[q] * inv - ux * ux);
    const sy = covNorm * (vyy[q] * inv - uy * uy);
    const sxy = covNorm * (vxy[q] * inv - ux * uy);
    s[j] = ((2 * ux * uy + C1) * (2 * sxy + C2)) / ((ux * ux + uy * uy + C1) * (sx + sy + C2));
  }
}

function checkWindow(a: RawImage, spec: SsimConventionSpec, convention: string): void {
  if (a.height < spec.winSize || a.width < spec.winSize) {
    throw new DGPoseError(
      'E_SHAPE',
      `images are smaller than the ${spec.winSize}x${spec.winSize} SSIM window of the '${convention}' convention`,
      {
        argument: 'a',
        expected: `height and width >= ${spec.winSize}`,
        got: [a.height, a.width, a.channels],
      },
    );
  }
}

function constants(spec: SsimConventionSpec, range: number): [number, number] {
  return [(spec.k1 * range) ** 2, (spec.k2 * range) ** 2];
}

/** Per-channel mean SSIM over the cropped region (no padding needed: only full windows are used). */
function ssimChannelMeans(a: RawImage, b: RawImage, spec: SsimConventionSpec, range: number): number[] {
  const [C1, C2] = constants(spec, range);
  const out: number[] = [];
  for (let c = 0; c < a.channels; c++) {
    let total = 0;
    let n = 0;
    ssimRows(plane(a, c, 0, 8), plane(b, c, 0, 9), a.height, a.width, spec, C1, C2, (_row, s) => {
      for (let j = 0; j < s.length; j++) total += s[j];
      n += s.length;
    });
    out.push(total / n);
  }
  return out;
}

function mean(v: number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

/**
 * Mean structural similarity of two images of the same shape [H,W,C], matching scikit-image
 * `structural_similarity(a, b, channel_axis=-1, data_range=R, ...)` under the chosen convention
 * (see {@link SSIM_CONVENTIONS}): each channel is filtered over the whole image, (winSize−1)/2
 * pixels are cropped from each border, the map is averaged, and channel means are averaged.
 * Computed in float64 whatever the input type (scikit-image uses float32 for float32 input).
 * Symmetric in a and b. Throws E_SHAPE when an image side is smaller than the window.
 */
export function ssim(a: RawImage, b: RawImage, opts: SsimOptions): number {
  const { spec, range } = validateSsimOptions(opts);
  validatePair(a, b, 'a', 'b');
  checkWindow(a, spec, opts.convention);
  return mean(ssimChannelMeans(a, b, spec, range));
}

/** {@link ssim} plus the per-channel means and the full (uncropped, reflect-padded) SSIM map. */
export function ssimMap(a: RawImage, b: RawImage, opts: SsimOptions): SsimMapResult {
  const { spec, range } = validateSsimOptions(opts);
  validatePair(a, b, 'a', 'b');
  checkWindow(a, spec, opts.convention);
  const [C1, C2] = constants(spec, range);
  const { width: W, height: H, channels: C } = a;
  const r = (spec.winSize - 1) >> 1;
  const map = new Float64Array(W * H * C);
  const perChannel: number[] = [];
  for (let c = 0; c < C; c++) {
    let total = 0;
    let n = 0;
    ssimRows(plane(a, c, r, 8), plane(b, c, r, 9), H + 2 * r, W + 2 * r, spec, C1, C2, (row, s) => {
      const base = row * W * C + c;
      for (let j = 0; j < W; j++) map[base + j * C] = s[j];
      if (row >= r && row < H - r) {
        for (let j = r; j < W - r; j++) total += s[j];
        n += W - 2 * r;
      }
    });
    perChannel.push(total / n);
  }
  return { mssim: mean(perChannel), perChannel, map: { data: map, width: W, height: H, channels: C } };
}

/** {@link ssim} of each pair `(a[i], b[i])`, with mean and std (see {@link BatchStats}). */
export function ssimBatch(a: readonly RawImage[], b: readonly RawImage[], opts: SsimOptions): BatchStats {
  const { spec, range } = validateSsimOptions(opts);
  validateBatchPair(a, b, 'a', 'b');
  return batchStats(
    a.map((ai, i) => {
      validatePair(ai, b[i], `a[${i}]`, `b[${i}]`);
      checkWindow(ai, spec, opts.convention);
      return mean(ssimChannelMeans(ai, b[i], spec, range));
    }),
  );
}
