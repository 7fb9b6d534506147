import { DGPoseError } from '@dgpose/core';

/**
 * Per-image values of a metric over a batch, and their summary.
 *
 * `mean`/`std` follow numpy (`np.mean`, `np.std` with ddof 0, as PG2's `score.py` reports
 * "mean ± std"): one infinite value (PSNR of an identical pair) makes `mean` Infinity and `std` NaN,
 * exactly what numpy gives for scikit-image's `inf`. `finiteMean`/`finiteStd` summarise only the
 * finite values (NaN when there are none) and `infinite` counts the others, so a report can state
 * both honestly.
 */
export interface BatchStats {
  /** One value per image pair, in input order. */
  values: number[];
  /** Arithmetic mean of `values` (Infinity if any value is +Infinity). */
  mean: number;
  /** Population standard deviation (ddof 0) of `values` (NaN if any value is infinite). */
  std: number;
  /** Number of values. */
  count: number;
  /** How many values are infinite. */
  infinite: number;
  /** Mean over the finite values only (NaN when none is finite). */
  finiteMean: number;
  /** Population std over the finite values only (NaN when none is finite). */
  finiteStd: number;
}

function meanStd(v: readonly number[]): [number, number] {
  if (v.length === 0) return [NaN, NaN];
  let s = 0;
  for (const x of v) s += x;
  const m = s / v.length;
  if (!Number.isFinite(m)) return [m, NaN];
  let q = 0;
  for (const x of v) q += (x - m) * (x - m);
  return [m, Math.sqrt(q / v.length)];
}

/** Summarises per-image metric values (see {@link BatchStats}); E_EMPTY for an empty list. */
export function batchStats(values: readonly number[], argument = 'values'): BatchStats {
  if (values.length === 0) {
    throw new DGPoseError('E_EMPTY', `${argument} is empty`, { argument, expected: 'at least one value', got: 0 });
  }
  const finite = values.filter((x) => Number.isFinite(x));
  const [mean, std] = meanStd(values);
  const [finiteMean, finiteStd] = meanStd(finite);
  return {
    values: [...values],
    mean,
    std,
    count: values.length,
    infinite: values.length - finite.length,
    finiteMean,
    finiteStd,
  };
}
