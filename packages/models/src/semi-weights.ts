/*
 * What Semi-DGPose stores beside its networks: the frozen learned mapper (`mapper.*`) and the pose prior
 * p(y) with its standardisation (`posePrior.*`). One ModelExtras object, so BaseModel's weights IO knows
 * nothing of Semi.
 */
import { DGPoseError, type NamedArrays } from '@dgpose/core';
import { checkNamedArrays, loadNamedArrays, toNamedArrays } from '@dgpose/layers';
import type { Mapper, MapperConfig } from '@dgpose/mapper';
import { checkPosePriorCholesky, posePriorInvCholesky } from '@dgpose/objectives';
import type { ModelExtras } from './model-weights';

/** p(y) over standardised coords y = (coords − center) / scale, and whether it was fitted to data. */
export interface PosePriorState {
  center: Float32Array;
  scale: Float32Array;
  mean: Float32Array;
  logvar: Float32Array;
  /** Full covariance: L [d·d] of Σ̃ = L Lᵀ (posePrior.cholesky), and its inverse for the KL; null when diagonal. */
  cholesky: Float32Array | null;
  invCholesky: Float32Array | null;
  fitted: boolean;
}

const PRIOR_KEYS = ['center', 'scale', 'mean', 'logvar'] as const;

/** Until fitPosePrior: identity standardisation, p(y) = N(0, I) over normalised coords (d = 2J). */
export function identityPosePrior(d: number): PosePriorState {
  return {
    center: new Float32Array(d),
    scale: new Float32Array(d).fill(1),
    mean: new Float32Array(d),
    logvar: new Float32Array(d),
    cholesky: null,
    invCholesky: null,
    fitted: false,
  };
}

/** Semi's extras over a live mapper and the model's current prior (read and replaced through get/set). */
export function semiExtras(
  mapper: Mapper | null,
  joints: number,
  prior: { get(): PosePriorState; set(p: PosePriorState): void },
): ModelExtras {
  const d = 2 * joints;
  const mapperArrays = (arrays: NamedArrays): NamedArrays => {
    const m: NamedArrays = {};
    for (const [k, v] of Object.entries(arrays)) if (k.startsWith('mapper.')) m[k.slice(7)] = v;
    return m;
  };
  return {
    prefixes: ['mapper.', 'posePrior.'],

    async arrays() {
      const out: NamedArrays = {};
      const p = prior.get();
      if (mapper) for (const [k, v] of Object.entries(await toNamedArrays(mapper.network))) out[`mapper.${k}`] = v;
      for (const k of PRIOR_KEYS)
        out[`posePrior.${k}`] = { dtype: 'float32', shape: [d], data: Float32Array.from(p[k]) };
      out['posePrior.fitted'] = { dtype: 'int32', shape: [1], data: Int32Array.of(p.fitted ? 1 : 0) };
      // full covariance only; weights without it (older ones, or a diagonal prior) load as a diagonal p(y)
      if (p.cholesky)
        out['posePrior.cholesky'] = { dtype: 'float32', shape: [d, d], data: Float32Array.from(p.cholesky) };
      return out;
    },

    check(arrays) {
      const m = mapperArrays(arrays);
      if (mapper) checkNamedArrays(mapper.network, m);
      else if (Object.keys(m).length) {
        throw new DGPoseError(
          'E_WEIGHTS_MISMATCH',
          'the weights hold a learned mapper but this model renders heatmaps analytically',
          { argument: 'mapper', expected: 'analytic', got: 'learned' },
        );
      }
      for (const k of PRIOR_KEYS) {
        const a = arrays[`posePrior.${k}`];
        if (!a || a.data.length !== d)
          throw new DGPoseError('E_WEIGHTS_MISMATCH', `weights lack posePrior.${k} [${d}]`, {
            argument: `posePrior.${k}`,
            expected: [d],
            got: a?.shape ?? 'missing',
          });
      }
      if (!arrays['posePrior.fitted'])
        throw new DGPoseError('E_WEIGHTS_MISMATCH', 'weights lack posePrior.fitted', {
          argument: 'posePrior.fitted',
          expected: [1],
          got: 'missing',
        });
      const ch = arrays['posePrior.cholesky'];
      if (!ch) return;
      if (ch.data.length !== d * d || ch.shape.length !== 2 || ch.shape[0] !== d || ch.shape[1] !== d) {
        throw new DGPoseError('E_WEIGHTS_MISMATCH', `posePrior.cholesky must be [${d}, ${d}]`, {
          argument: 'posePrior.cholesky',
          expected: [d, d],
          got: ch.shape,
        });
      }
      try {
        checkPosePriorCholesky(ch.data, d, 'posePrior.cholesky');
      } catch (e) {
        const why = e instanceof DGPoseError ? e.message : String(e);
        throw new DGPoseError('E_WEIGHTS_CORRUPT', `posePrior.cholesky is not a Cholesky factor: ${why}`, {
          argument: 'posePrior.cholesky',
          expected: 'lower triangular, finite, positive diagonal',
          cause: e,
        });
      }
    },

    load(arrays) {
      if (mapper) loadNamedArrays(mapper.network, mapperArrays(arrays));
      const get = (k: string): Float32Array => Float32Array.from(arrays[`posePrior.${k}`].data);
      const cholesky = arrays['posePrior.cholesky'] ? Float32Array.from(arrays['posePrior.cholesky'].data) : null;
      prior.set({
        center: get('center'),
        scale: get('scale'),
        mean: get('mean'),
        logvar: get('logvar'),
        cholesky,
        invCholesky: cholesky ? posePriorInvCholesky(cholesky, d) : null,
        fitted: arrays['posePrior.fitted'].data[0] === 1,
      });
    },

    manifestConfig: () => ({ mapper: mapper ? (mapper.config as MapperConfig) : null }),
    paramCounts: () => ({ mapper: mapper ? mapper.network.paramCount() : 0 }),
    dispose: () => mapper?.dispose(),
  };
}
