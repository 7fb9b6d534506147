import { DGPoseError } from '@dgpose/core';
import { type RawImage, requireOptions, validateDataRange, validatePair } from './image';
import { type BatchStats, batchStats } from './stats';

/** Options of {@link psnr}. */
export interface PsnrOptions {
  /**
   * Distance between the smallest and largest possible pixel value: 255 for uint8 images, 1 for
   * [0,1], 2 for [-1,1]. Required: it is never guessed from the data or its type.
   */
  dataRange: number;
}

/**
 * Mean squared error over all pixels and channels, accumulated in float64
 * (scikit-image `mean_squared_error`).
 */
export function mse(reference: RawImage, test: RawImage): number {
  validatePair(reference, test, 'reference', 'test');
  return mseUnchecked(reference, test);
}

export function mseUnchecked(a: RawImage, b: RawImage): number {
  const x = a.data;
  const y = b.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    s += d * d;
  }
  return s / x.length;
}

/**
 * Peak signal-to-noise ratio in dB: `10·log10(R² / MSE)` with R = `opts.dataRange` and the MSE over
 * all pixels and channels (scikit-image `peak_signal_noise_ratio(image_true=reference,
 * image_test=test, data_range=R)`, as PG2's `score.py` calls it with R = 255). The formula is
 * symmetric, so argument order only matters for error messages.
 *
 * Identical images give `Infinity` (MSE = 0), as scikit-image's `inf`; see {@link BatchStats} for how
 * a batch mean treats it.
 */
export function psnr(reference: RawImage, test: RawImage, opts: PsnrOptions): number {
  const o = requireOptions(opts);
  const range = validateDataRange(o.dataRange);
  validatePair(reference, test, 'reference', 'test');
  return psnrFromMse(mseUnchecked(reference, test), range);
}

export function psnrFromMse(err: number, range: number): number {
  if (err === 0) return Infinity;
  return 10 * Math.log10((range * range) / err);
}

/** Checks two image lists have equal, non-zero lengths. */
export function validateBatchPair<T>(a: readonly T[], b: readonly T[], argA: string, argB: string): void {
  if (!Array.isArray(a) || !Array.isArray(b)) {
    throw new DGPoseError('E_ARG', `${argA} and ${argB} must be arrays of images`, {
      argument: Array.isArray(a) ? argB : argA,
      expected: 'an array',
      got: typeof (Array.isArray(a) ? b : a),
    });
  }
  if (a.length === 0)
    throw new DGPoseError('E_EMPTY', `${argA} is empty`, { argument: argA, expected: 'at least one image', got: 0 });
  if (a.length !== b.length) {
    throw new DGPoseError('E_SHAPE', `${argB} must have as many images as ${argA}`, {
      argument: argB,
      expected: a.length,
      got: b.length,
    });
  }
}

/** {@link psnr} of each pair `(references[i], tests[i])`, with mean and std (see {@link BatchStats}). */
export function psnrBatch(references: readonly RawImage[], tests: readonly RawImage[], opts: PsnrOptions): BatchStats {
  const o = requireOptions(opts);
  validateDataRange(o.dataRange);
  validateBatchPair(references, tests, 'references', 'tests');
  return batchStats(
    references.map((r, i) => {
      validatePair(r, tests[i], `references[${i}]`, `tests[${i}]`);
      return psnrFromMse(mseUnchecked(r, tests[i]), o.dataRange);
    }),
  );
}
