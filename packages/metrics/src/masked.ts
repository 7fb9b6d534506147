import { DGPoseError } from '@dgpose/core';
import {
  isIntegerPixels,
  type RawImage,
  requireOptions,
  validateDataRange,
  validateImage,
  validatePair,
} from './image';
import { type PsnrOptions, mseUnchecked, psnrFromMse } from './psnr';
import { type SsimOptions, ssim } from './ssim';

/**
 * How a mask is applied, after PG2's `score_mask.py`:
 * `masked = np.uint8(mask[:,:,np.newaxis] / 255. * img)` on both images, then ordinary metrics.
 */
export interface MaskOptions {
  /** The mask value meaning "fully inside" (PG2: 255 for a uint8 mask image). Default 255. */
  maskRange?: number;
  /**
   * Truncate the masked values toward zero, as PG2's cast to uint8 does. Default: true for
   * integer-typed images (uint8 etc.), false for float images (where truncation would destroy the
   * values). Set it to true for float images that hold 0..255 integers if you want PG2's exact numbers.
   */
  truncate?: boolean;
}

/** Validates a mask against an image: [H,W,1] or [H,W,C], finite values in [0, maskRange]. */
function validateMask(mask: RawImage, img: RawImage, maskRange: number): void {
  validateImage(mask, 'mask');
  if (
    mask.height !== img.height ||
    mask.width !== img.width ||
    (mask.channels !== 1 && mask.channels !== img.channels)
  ) {
    throw new DGPoseError('E_SHAPE', "mask must be [H,W,1] or [H,W,C] with the images' H and W", {
      argument: 'mask',
      expected: `[${img.height},${img.width},1] or [${img.height},${img.width},${img.channels}]`,
      got: [mask.height, mask.width, mask.channels],
    });
  }
  const d = mask.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0 || d[i] > maskRange) {
      // PG2's uint8 cast would wrap such values around; we refuse them rather than clamp.
      throw new DGPoseError('E_ARG', `mask value at index ${i} is outside [0, maskRange]`, {
        argument: 'mask',
        expected: `values in [0, ${maskRange}]`,
        got: d[i],
      });
    }
  }
}

function resolveMaskOptions(opts: MaskOptions | undefined): { maskRange: number } & MaskOptions {
  const o = opts ?? {};
  const maskRange = o.maskRange ?? 255;
  if (typeof maskRange !== 'number' || !Number.isFinite(maskRange) || maskRange <= 0) {
    throw new DGPoseError('E_ARG', 'opts.maskRange must be a finite number > 0', {
      argument: 'opts.maskRange',
      expected: '> 0 (255 for uint8 masks)',
      got: maskRange,
    });
  }
  if (o.truncate !== undefined && typeof o.truncate !== 'boolean') {
    throw new DGPoseError('E_ARG', 'opts.truncate must be a boolean', {
      argument: 'opts.truncate',
      expected: 'true | false',
      got: o.truncate,
    });
  }
  return { ...o, maskRange };
}

function applyUnchecked(img: RawImage, mask: RawImage, maskRange: number, truncate: boolean): RawImage {
  const { width: W, height: H, channels: C } = img;
  const out = new Float64Array(W * H * C);
  const per = mask.channels === 1;
  const src = img.data;
  const m = mask.data;
  for (let p = 0; p < W * H; p++) {
    for (let c = 0; c < C; c++) {
      // (mask / 255.) * img in float64, as PG2 (the order of the operations matters for rounding)
      const v = (m[per ? p : p * C + c] / maskRange) * src[p * C + c];
      out[p * C + c] = truncate ? Math.trunc(v) : v;
    }
  }
  return { data: out, width: W, height: H, channels: C };
}

/**
 * `img` multiplied by `mask / maskRange` (PG2 `score_mask.py`), truncated toward zero for integer
 * images (see {@link MaskOptions}). Returns a new float64 image; the inputs are not modified.
 */
export function applyMask(img: RawImage, mask: RawImage, opts?: MaskOptions): RawImage {
  const o = resolveMaskOptions(opts);
  validateImage(img, 'img');
  validateMask(mask, img, o.maskRange);
  return applyUnchecked(img, mask, o.maskRange, o.truncate ?? isIntegerPixels(img.data));
}

function maskBoth(a: RawImage, b: RawImage, mask: RawImage, opts: MaskOptions | undefined): [RawImage, RawImage] {
  const o = resolveMaskOptions(opts);
  validatePair(a, b, 'a', 'b');
  validateMask(mask, a, o.maskRange);
  const trunc = o.truncate ?? (isIntegerPixels(a.data) && isIntegerPixels(b.data));
  return [applyUnchecked(a, mask, o.maskRange, trunc), applyUnchecked(b, mask, o.maskRange, trunc)];
}

/**
 * Masked SSIM as PG2's `score_mask.py`: both images are masked ({@link applyMask}) and ordinary
 * {@link ssim} is computed on the whole masked images (background pixels, now 0 in both, count too).
 * PG2 used the `'pg2'` convention with dataRange 255.
 */
export function maskedSsim(a: RawImage, b: RawImage, mask: RawImage, opts: SsimOptions & MaskOptions): number {
  const o = requireOptions(opts);
  const [ma, mb] = maskBoth(a, b, mask, o);
  return ssim(ma, mb, { dataRange: o.dataRange, convention: o.convention });
}

/** Masked PSNR as PG2's `score_mask.py`: {@link psnr} of the two masked images. */
export function maskedPsnr(a: RawImage, b: RawImage, mask: RawImage, opts: PsnrOptions & MaskOptions): number {
  const o = requireOptions(opts);
  const range = validateDataRange(o.dataRange);
  const [ma, mb] = maskBoth(a, b, mask, o);
  return psnrFromMse(mseUnchecked(ma, mb), range);
}

/**
 * Masked L1 as PG2's `score_mask.py` `l1_mean_dist`: the sum of |a−b| over the masked images divided
 * by H·W·C (all pixels, not only those inside the mask), in the images' own units (0..255 for uint8).
 */
export function maskedL1(a: RawImage, b: RawImage, mask: RawImage, opts?: MaskOptions): number {
  const [ma, mb] = maskBoth(a, b, mask, opts);
  const x = ma.data;
  const y = mb.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i] - y[i]);
  return s / x.length;
}
