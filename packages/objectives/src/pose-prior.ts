import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, createRng } from '@dgpose/core';
import { cholesky as choleskyFactor, cholSolveInPlace, invertLower } from './linalg';

/**
 * A Gaussian pose prior p(y) over standardised coordinates, fitted to labelled poses (docs/paper-notes.md
 * §5.2 [PROPOSAL]: "standardise the coordinates … and use N(0, I) on them, or use a full-covariance / PCA
 * prior"). Pixel coordinates c (x0,y0,x1,y1,…, `poseToArrays` layout) map to the standardised space by
 * ỹ = (c − center) / scale; then
 *   diagonal:  p(ỹ) = N(mean, diag(exp(logvar)))
 *   full:      p(ỹ) = N(mean, Σ̃),  Σ̃ = L Lᵀ with L = `cholesky` (and diag Σ̃ = exp(logvar))
 * All vectors have length d = 2J; `cholesky` is d·d.
 */
export interface PosePrior {
  /** Per-coordinate mean of the visible labelled coordinates, pixels. */
  center: Float32Array;
  /** Per-coordinate scale, pixels: the std of that coordinate (`'perCoordinate'`) or one shared std (`'global'`). */
  scale: Float32Array;
  /** Prior mean in the standardised space (0 by construction). */
  mean: Float32Array;
  /** Prior log-variance in the standardised space: log(var_d / scale_d²) (0 for `'perCoordinate'`). */
  logvar: Float32Array;
  /** How many visible samples each coordinate was fitted on. */
  counts: Int32Array;
  /**
   * Full covariance only: the lower-triangular Cholesky factor L of the standardised covariance Σ̃ = L Lᵀ,
   * row-major [d, d] (entries above the diagonal are 0, the diagonal is positive). Absent for a diagonal
   * prior.
   */
  cholesky?: Float32Array;
}

/** The parts of a {@link PosePrior} that define the distribution (what a model stores with its weights). */
export type PosePriorParams = Pick<PosePrior, 'center' | 'scale' | 'mean' | 'logvar' | 'cholesky'>;

/** Options of {@link fitGaussianPrior}. */
export interface FitGaussianPriorOptions {
  /**
   * `'perCoordinate'` (default): each coordinate gets its own scale, so p(ỹ) = N(0, I) exactly.
   * `'global'`: one scale s = sqrt(mean_d var_d) for all coordinates, which keeps the skeleton's aspect
   * ratio in the standardised space; then logvar_d = log(var_d / s²).
   */
  standardize?: 'perCoordinate' | 'global';
  /** Added to each variance (pixels²) so that a coordinate that never moves still has a scale. Default 1e-6. */
  epsilon?: number;
  /**
   * `'diagonal'` (default): independent coordinates, the prior of {@link PosePrior} without `cholesky`.
   * `'full'`: a full covariance, which keeps the strong correlations between joints (a sample is a
   * plausible skeleton, not independent jitter of each joint). Missing joints are handled by EM for a
   * Gaussian with data missing at random: each row's missing coordinates are replaced by their conditional
   * mean given its visible ones, and their conditional covariance is added to the scatter; every row
   * counts, none is dropped or mean-imputed. With no missing joint this is the sample covariance (1 step).
   */
  covariance?: 'diagonal' | 'full';
  /**
   * `'full'` only: shrinkage λ ∈ (0, 1] towards the diagonal, Σ̃ ← (1 − λ)·Σ̃ + λ·diag(Σ̃). It keeps each
   * coordinate's variance and floors every eigenvalue of the (per-coordinate) standardised covariance at λ,
   * so the prior stays positive definite on few or collinear poses (both hips of a body sit at one height:
   * an exact linear constraint), and the precision in the KL term stays ≤ 1/λ. Default 0.001 (larger λ adds
   * independent jitter to every joint: on the synthetic poses the share of plausible samples falls from
   * 0.91 at λ = 0.001 to 0.67 at λ = 0.01, at sampling temperature 0.5).
   */
  shrinkage?: number;
  /** `'full'` only: EM iterations at most (stops earlier when the estimate moves by < 1e-7 relative). Default 200. */
  maxIterations?: number;
}

/**
 * Fits the Gaussian pose prior of {@link PosePrior} to labelled poses. Diagonal (default): per coordinate
 * the mean and (biased) variance over the poses where that joint is visible. Full (`covariance: 'full'`):
 * the maximum-likelihood mean and covariance by EM over the missing joints (see
 * {@link FitGaussianPriorOptions.covariance}), standardised by `standardize`, shrunk by `shrinkage`, and
 * stored as its Cholesky factor. Throws E_EMPTY naming the joint when a joint is visible in fewer than 2
 * poses, E_SHAPE on ragged input, E_NAN on non-finite coordinates, E_ARG on bad options.
 * @param poses N arrays of 2J pixel coordinates (x0,y0,x1,y1,…), e.g. `poseToArrays(pose).coords`
 * @param visible N arrays of J flags (1 visible, 0 missing); default all visible
 */
export function fitGaussianPrior(
  poses: readonly ArrayLike<number>[],
  visible?: readonly ArrayLike<number>[],
  opts: FitGaussianPriorOptions = {},
): PosePrior {
  const mode = opts.standardize ?? 'perCoordinate';
  if (mode !== 'perCoordinate' && mode !== 'global') {
    throw new DGPoseError('E_ARG', 'unknown standardize mode', {
      argument: 'standardize',
      expected: ['perCoordinate', 'global'],
      got: mode,
    });
  }
  const eps = opts.epsilon ?? 1e-6;
  if (!(typeof eps === 'number' && eps > 0 && Number.isFinite(eps))) {
    throw new DGPoseError('E_ARG', 'epsilon must be a finite number > 0', {
      argument: 'epsilon',
      expected: '> 0',
      got: eps,
    });
  }
  const covariance = opts.covariance ?? 'diagonal';
  if (covariance !== 'diagonal' && covariance !== 'full') {
    throw new DGPoseError('E_ARG', 'unknown covariance', {
      argument: 'covariance',
      expected: ['diagonal', 'full'],
      got: covariance,
    });
  }
  const shrinkage = opts.shrinkage ?? 0.001;
  if (!(typeof shrinkage === 'number' && shrinkage > 0 && shrinkage <= 1)) {
    throw new DGPoseError('E_ARG', 'shrinkage must be a number in (0, 1]', {
      argument: 'shrinkage',
      expected: '(0, 1]',
      got: shrinkage,
    });
  }
  const maxIterations = opts.maxIterations ?? 200;
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) {
    throw new DGPoseError('E_ARG', 'maxIterations must be an integer >= 1', {
      argument: 'maxIterations',
      expected: '>= 1',
      got: maxIterations,
    });
  }
  if (poses.length === 0)
    throw new DGPoseError('E_EMPTY', 'no poses to fit the prior on', {
      argument: 'poses',
      expected: '>= 2 poses',
      got: 0,
    });
  const d = poses[0].length;
  if (d === 0 || d % 2 !== 0)
    throw new DGPoseError('E_SHAPE', 'poses must have 2J coordinates', {
      argument: 'poses[0]',
      expected: '2J > 0',
      got: d,
    });
  const j = d / 2;
  if (visible !== undefined && visible.length !== poses.length) {
    throw new DGPoseError('E_SHAPE', 'one visibility row per pose', {
      argument: 'visible',
      expected: poses.length,
      got: visible.length,
    });
  }
  const sum = new Float64Array(d);
  const sumSq = new Float64Array(d);
  const counts = new Int32Array(d);
  poses.forEach((p, n) => {
    if (p.length !== d)
      throw new DGPoseError('E_SHAPE', `poses[${n}] has the wrong length`, {
        argument: `poses[${n}]`,
        expected: d,
        got: p.length,
      });
    const vis = visible?.[n];
    if (vis !== undefined && vis.length !== j) {
      throw new DGPoseError('E_SHAPE', `visible[${n}] has the wrong length`, {
        argument: `visible[${n}]`,
        expected: j,
        got: vis.length,
      });
    }
    for (let k = 0; k < d; k++) {
      if (vis !== undefined && !vis[k >> 1]) continue;
      const v = p[k];
      if (!Number.isFinite(v))
        throw new DGPoseError('E_NAN', `poses[${n}][${k}] is not finite`, {
          argument: `poses[${n}]`,
          expected: 'finite numbers',
          got: v,
        });
      sum[k] += v;
      sumSq[k] += v * v;
      counts[k] += 1;
    }
  });
  const center = new Float32Array(d);
  const variance = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    if (counts[k] < 2) {
      throw new DGPoseError('E_EMPTY', `joint ${k >> 1} is visible in fewer than 2 labelled poses`, {
        argument: `joint ${k >> 1}`,
        expected: '>= 2 visible samples',
        got: counts[k],
      });
    }
    const m = sum[k] / counts[k];
    center[k] = m;
    variance[k] = Math.max(0, sumSq[k] / counts[k] - m * m) + eps;
  }
  if (covariance === 'full') {
    const obs = (n: number, k: number): boolean => visible === undefined || !!visible[n][k >> 1];
    const { mu, cov } = emGaussian(poses, obs, center, variance, eps, maxIterations);
    return fullPrior(mu, cov, d, mode, shrinkage, counts);
  }
  const scale = new Float32Array(d);
  const logvar = new Float32Array(d);
  if (mode === 'perCoordinate') {
    for (let k = 0; k < d; k++) scale[k] = Math.sqrt(variance[k]);
  } else {
    const s2 = variance.reduce((a, b) => a + b, 0) / d;
    for (let k = 0; k < d; k++) {
      scale[k] = Math.sqrt(s2);
      logvar[k] = Math.log(variance[k] / s2);
    }
  }
  return { center, scale, mean: new Float32Array(d), logvar, counts };
}

/**
 * Maximum-likelihood mean and covariance of a Gaussian from rows with missing coordinates (EM; Little &
 * Rubin, "Statistical Analysis with Missing Data", §11.2). E-step per row with observed set o and missing
 * set m: x̂_m = μ_m + Σ_mo Σ_oo⁻¹ (x_o − μ_o), C_mm = Σ_mm − Σ_mo Σ_oo⁻¹ Σ_om. M-step:
 * μ = mean x̂, Σ = mean(x̂ x̂ᵀ + C) − μ μᵀ + ε I. Rows are grouped by their missing pattern (one
 * factorisation per pattern). Starts from the visible means and a diagonal Σ.
 */
function emGaussian(
  poses: readonly ArrayLike<number>[],
  obs: (n: number, k: number) => boolean,
  mean0: ArrayLike<number>,
  var0: ArrayLike<number>,
  eps: number,
  maxIterations: number,
): { mu: Float64Array; cov: Float64Array } {
  const d = mean0.length;
  const N = poses.length;
  let mu = Float64Array.from(mean0);
  let cov = new Float64Array(d * d);
  for (let k = 0; k < d; k++) cov[k * d + k] = var0[k];
  // group rows by missing pattern
  const patterns = new Map<string, { miss: number[]; obs: number[]; rows: number[] }>();
  for (let n = 0; n < N; n++) {
    const miss: number[] = [];
    for (let k = 0; k < d; k++) if (!obs(n, k)) miss.push(k);
    const key = miss.join(',');
    let p = patterns.get(key);
    if (!p) {
      const o: number[] = [];
      for (let k = 0; k < d; k++) if (!miss.includes(k)) o.push(k);
      p = { miss, obs: o, rows: [] };
      patterns.set(key, p);
    }
    p.rows.push(n);
  }
  const complete = patterns.size === 1 && patterns.has('');
  const xhat = new Float64Array(d);
  for (let it = 0; it < maxIterations; it++) {
    const s1 = new Float64Array(d);
    const s2 = new Float64Array(d * d);
    for (const { miss, obs: o, rows } of patterns.values()) {
      const nm = miss.length;
      const no = o.length;
      // B = Σ_mo Σ_oo⁻¹ (nm × no) and C_mm, from a Cholesky factor of Σ_oo (+ a tiny ridge if needed)
      let B: Float64Array | null = null;
      if (nm > 0) {
        B = new Float64Array(nm * no);
        const C = new Float64Array(nm * nm);
        for (let a = 0; a < nm; a++) for (let b = 0; b < nm; b++) C[a * nm + b] = cov[miss[a] * d + miss[b]];
        if (no > 0) {
          const Soo = new Float64Array(no * no);
          let tr = 0;
          for (let a = 0; a < no; a++) {
            for (let b = 0; b < no; b++) Soo[a * no + b] = cov[o[a] * d + o[b]];
            tr += Soo[a * no + a];
          }
          let L = choleskyFactor(Soo, no);
          for (let ridge = 1e-10 * (tr / no); L === null; ridge *= 10) {
            const R = Float64Array.from(Soo);
            for (let a = 0; a < no; a++) R[a * no + a] += ridge;
            L = choleskyFactor(R, no);
          }
          const col = new Float64Array(no);
          for (let a = 0; a < nm; a++) {
            for (let b = 0; b < no; b++) col[b] = cov[miss[a] * d + o[b]];
            cholSolveInPlace(L, no, col); // Σ_oo⁻¹ Σ_o,m[a]
            B.set(col, a * no);
          }
          for (let a = 0; a < nm; a++) {
            for (let b = 0; b < nm; b++) {
              let s = 0;
              for (let q = 0; q < no; q++) s += B[a * no + q] * cov[o[q] * d + miss[b]];
              C[a * nm + b] -= s;
            }
          }
        }
        // conditional covariance, once per row of the pattern
        for (let a = 0; a < nm; a++)
          for (let b = 0; b < nm; b++) s2[miss[a] * d + miss[b]] += rows.length * C[a * nm + b];
      }
      for (const n of rows) {
        const x = poses[n];
        for (const k of o) xhat[k] = x[k];
        for (let a = 0; a < nm; a++) {
          let v = mu[miss[a]];
          if (B) for (let q = 0; q < no; q++) v += B[a * no + q] * (x[o[q]] - mu[o[q]]);
          xhat[miss[a]] = v;
        }
        for (let i = 0; i < d; i++) {
          const xi = xhat[i];
          s1[i] += xi;
          for (let j = 0; j <= i; j++) s2[i * d + j] += xi * xhat[j];
        }
      }
    }
    const mu2 = new Float64Array(d);
    for (let i = 0; i < d; i++) mu2[i] = s1[i] / N;
    const cov2 = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        // s2's lower triangle holds Σ x̂x̂ᵀ; the conditional covariances were added symmetrically
        const v = s2[i * d + j] / N - mu2[i] * mu2[j] + (i === j ? eps : 0);
        cov2[i * d + j] = v;
        cov2[j * d + i] = v;
      }
    }
    let change = 0;
    for (let i = 0; i < d; i++) {
      const si = Math.sqrt(cov2[i * d + i]);
      change = Math.max(change, Math.abs(mu2[i] - mu[i]) / si);
      for (let j = 0; j <= i; j++)
        change = Math.max(change, Math.abs(cov2[i * d + j] - cov[i * d + j]) / (si * Math.sqrt(cov2[j * d + j])));
    }
    mu = mu2;
    cov = cov2;
    if (complete || change < 1e-7) break;
  }
  return { mu, cov };
}

/** Standardises a fitted covariance, shrinks it towards its diagonal and factors it (see FitGaussianPriorOptions). */
function fullPrior(
  mu: Float64Array,
  cov: Float64Array,
  d: number,
  mode: 'perCoordinate' | 'global',
  shrinkage: number,
  counts: Int32Array,
): PosePrior {
  const scale = new Float32Array(d);
  if (mode === 'perCoordinate') for (let k = 0; k < d; k++) scale[k] = Math.sqrt(cov[k * d + k]);
  else {
    let s2 = 0;
    for (let k = 0; k < d; k++) s2 += cov[k * d + k];
    scale.fill(Math.sqrt(s2 / d));
  }
  const S = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const v = cov[i * d + j] / (scale[i] * scale[j]);
      S[i * d + j] = i === j ? v : (1 - shrinkage) * v;
    }
  }
  let L = choleskyFactor(S, d);
  // (1 − λ)·PSD + λ·diag is positive definite; round-off can still hit a zero pivot: add jitter then
  for (let jitter = 1e-9; L === null; jitter *= 10) {
    const R = Float64Array.from(S);
    for (let k = 0; k < d; k++) R[k * d + k] += jitter;
    L = choleskyFactor(R, d);
  }
  const logvar = new Float32Array(d);
  for (let k = 0; k < d; k++) logvar[k] = Math.log(S[k * d + k]);
  return {
    center: Float32Array.from(mu),
    scale,
    mean: new Float32Array(d),
    logvar,
    counts,
    cholesky: Float32Array.from(L),
  };
}

/** E_SHAPE / E_NAN unless `cholesky` is a d×d lower-triangular factor with a positive diagonal. */
export function checkPosePriorCholesky(cholesky: ArrayLike<number>, d: number, argument = 'cholesky'): void {
  if (cholesky.length !== d * d)
    throw new DGPoseError('E_SHAPE', `${argument} must hold d·d = ${d * d} numbers`, {
      argument,
      expected: [d, d],
      got: cholesky.length,
    });
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const v = cholesky[i * d + j];
      if (!Number.isFinite(v))
        throw new DGPoseError('E_NAN', `${argument}[${i},${j}] is not finite`, {
          argument,
          expected: 'finite numbers',
          got: v,
        });
      if (j > i && v !== 0)
        throw new DGPoseError('E_SHAPE', `${argument} must be lower triangular`, {
          argument,
          expected: '0 above the diagonal',
          got: { row: i, col: j, value: v },
        });
      if (j === i && !(v > 0))
        throw new DGPoseError('E_ARG', `${argument} needs a positive diagonal`, {
          argument,
          expected: '> 0',
          got: { row: i, value: v },
        });
    }
  }
}

/** Options of {@link samplePosePrior}. */
export interface SamplePosePriorOptions {
  /**
   * Temperature τ > 0: samples from N(mean, τ²Σ̃) (default 1, the prior itself). A Gaussian over joint
   * coordinates puts mass beyond every limb's length (fitted to points spread over a disc of radius R, a 2D
   * Gaussian has σ² = R²/4, so P(|v| > 1.08 R) = exp(−2·1.08²) ≈ 10 % per bone); τ < 1 trades diversity for
   * plausible bodies, as reduced-temperature sampling of Glow / NVAE does.
   */
  temperature?: number;
}

/**
 * n samples of the prior in its coordinate units (those of `center`/`scale`: pixels, or normalised
 * coordinates for a model), row-major [n·d]: c = (mean + τ·L ε)·scale + center with L = `cholesky` (full)
 * or diag(exp(½ logvar)) (diagonal), ε ~ N(0, I) from core's seeded RNG (`seed`), drawn row by row.
 */
export function samplePosePrior(
  prior: PosePriorParams,
  n: number,
  seed: number,
  opts: SamplePosePriorOptions = {},
): Float32Array {
  if (!Number.isInteger(n) || n < 1)
    throw new DGPoseError('E_ARG', 'n must be an integer >= 1', { argument: 'n', expected: '>= 1', got: n });
  const tau = opts.temperature ?? 1;
  if (!(typeof tau === 'number' && tau > 0 && Number.isFinite(tau))) {
    throw new DGPoseError('E_ARG', 'temperature must be a finite number > 0', {
      argument: 'temperature',
      expected: '> 0',
      got: tau,
    });
  }
  const d = prior.center.length;
  const { center, scale, mean, logvar, cholesky } = prior;
  if (cholesky) checkPosePriorCholesky(cholesky, d, 'prior.cholesky');
  const rng = createRng(seed);
  const out = new Float32Array(n * d);
  const eps = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    if (!cholesky) {
      for (let k = 0; k < d; k++)
        out[i * d + k] = (mean[k] + tau * Math.exp(0.5 * logvar[k]) * rng.normal()) * scale[k] + center[k];
      continue;
    }
    for (let k = 0; k < d; k++) eps[k] = tau * rng.normal();
    for (let k = 0; k < d; k++) {
      let v = mean[k];
      for (let q = 0; q <= k; q++) v += cholesky[k * d + q] * eps[q];
      out[i * d + k] = v * scale[k] + center[k];
    }
  }
  return out;
}

function checkPoseTensor(argument: string, t: tf.Tensor, prior: PosePrior): void {
  if (t.rank !== 2 || t.shape[1] !== prior.center.length) {
    throw new DGPoseError('E_SHAPE', `${argument} must be [N, 2J]`, {
      argument,
      expected: ['N', prior.center.length],
      got: [...t.shape],
    });
  }
}

/** ỹ = (c − center) / scale: pixel coordinates [N, 2J] to the prior's standardised space. */
export function standardizePoses(coords: tf.Tensor, prior: PosePrior): tf.Tensor {
  checkPoseTensor('coords', coords, prior);
  return tf.tidy(() => tf.div(tf.sub(coords, tf.tensor1d(prior.center)), tf.tensor1d(prior.scale)));
}

/** c = ỹ·scale + center: standardised poses [N, 2J] back to pixel coordinates. */
export function unstandardizePoses(y: tf.Tensor, prior: PosePrior): tf.Tensor {
  checkPoseTensor('y', y, prior);
  return tf.tidy(() => tf.add(tf.mul(y, tf.tensor1d(prior.scale)), tf.tensor1d(prior.center)));
}

/**
 * The prior as tensors for the semi-supervised objective, in the standardised space: `{ mu, logvar }`
 * ([2J] each) and, for a full-covariance prior, `invCholesky` = L⁻¹ [2J, 2J] (lower triangular), which
 * `semiSupervisedLoss` passes to losses' `klNormalFullCovariance`. The caller owns every tensor.
 */
export function posePriorParams(prior: PosePriorParams): {
  mu: tf.Tensor1D;
  logvar: tf.Tensor1D;
  invCholesky?: tf.Tensor2D;
} {
  const d = prior.mean.length;
  const out: { mu: tf.Tensor1D; logvar: tf.Tensor1D; invCholesky?: tf.Tensor2D } = {
    mu: tf.tensor1d(prior.mean),
    logvar: tf.tensor1d(prior.logvar),
  };
  if (prior.cholesky) out.invCholesky = tf.tensor2d(posePriorInvCholesky(prior.cholesky, d), [d, d]);
  return out;
}

/** A = L⁻¹ (row-major [d·d], lower triangular) of a prior's Cholesky factor (checked first). */
export function posePriorInvCholesky(cholesky: ArrayLike<number>, d: number): Float32Array {
  checkPosePriorCholesky(cholesky, d, 'prior.cholesky');
  return Float32Array.from(invertLower(cholesky, d));
}
