/*
 * Everything reported, derived from the per-image records of results.json: means and spreads of
 * PSNR/SSIM, the transfer scores beside their baselines (copy the source, background only, z = 0
 * decode), garment colour errors beside the constant-colour baseline, PCK curves of re-detected
 * and estimated poses (Semi: beside the constant mean pose), every estimator's ceiling with the
 * transfers' re-detected PCKh as a fraction of it, and the paper tables with ours beside them.
 */
import { activeUnits, summariseSwaps, type SwapRecord, type SwapSummary } from './appearance-swap';
import { type GenerationRecord, type GenerationSummary, summariseGeneration } from './generation-spread';
import type { Pose } from '@dgpose/core';
import { batchStats, pck, pckCurve, type PckNormaliser } from '@dgpose/metrics';
import { meanPose } from './baselines';
import {
  GARMENT_REGIONS,
  constantColourBaseline,
  type GarmentColourError,
  type GarmentColours,
  type Rgb,
} from './garment-colour';
import { PAPER_TABLES, type PaperTable } from './paper';
import type { DataInfo, FlatPose, ImageRecord, ModelResult, PairRecord, ReferenceResult } from './types';

/** The issue's target for appearance: the transfer's garment colour error at most this fraction of the constant-colour baseline's. */
export const APPEARANCE_TARGET_RATIO = 1 / 3;
/** The issue's target for pose: re-detected transfer PCKh@0.5 at least this fraction of the estimator's ceiling. */
export const CEILING_TARGET_FRACTION = 0.8;

/** PCKh thresholds (head box, per axis; Pose-Transfer's α = 0.5 among them). */
export const HEADBOX_THRESHOLDS: readonly number[] = Object.freeze([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
/** Euclidean thresholds as a fraction of the ground truth's bounding-box side. */
export const BBOX_THRESHOLDS: readonly number[] = Object.freeze([
  0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3,
]);

export interface MeanStd {
  mean: number;
  std: number;
  n: number;
  /** Values left out of mean/std because they were infinite (PSNR of identical images). */
  infinite: number;
}

export interface PckSummary {
  /** PCKh@0.5 (head box, Pose-Transfer's convention). */
  pckh: number | null;
  /** PCK@0.1 of the bounding box. */
  pckBbox01: number | null;
  headBox: { thresholds: number[]; pck: number[] } | null;
  bbox: { thresholds: number[]; pck: number[] } | null;
  /** Ground-truth joints scored. */
  joints: number;
  images: number;
}

/** Garment colour errors (RGB distance, 0-255) per region and over every (pair, region) value. */
export interface ColourStats {
  top: MeanStd;
  bottom: MeanStd;
  all: MeanStd;
}

/** Appearance fidelity of a model's transfers (data with part maps only). */
export interface AppearanceSummary {
  /** Pairs with a part map. */
  pairs: number;
  model: ColourStats;
  /** Every pair predicted with the mean garment colour of the selection (`constantColours`). */
  constant: ColourStats;
  copy: ColourStats;
  background: ColourStats;
  zero: ColourStats;
  /** The source's own garment colours carried exactly (regionColourError): the floor of the measure. */
  source: ColourStats;
  constantColours: Record<'top' | 'bottom', Rgb | null>;
  /** model.all.mean / constant.all.mean (the issue's target: <= APPEARANCE_TARGET_RATIO). */
  ratio: number | null;
}

/** A transfer's re-detected PCKh@0.5 against an estimator's ceiling on the ground-truth images. */
export interface TransferCeiling {
  estimator: string;
  /** The run's estimator (the one of the re-detection curves). */
  main: boolean;
  transferPckh: number | null;
  ceilingPckh: number | null;
  /** transferPckh / ceilingPckh (the issue's target: >= CEILING_TARGET_FRACTION). */
  fraction: number | null;
}

/** The supervised-only baseline a Semi model is shown beside: same supervision, same data. */
export interface SupervisedBaseline {
  label: string;
  /** The baseline's q(y|x) PCKh@0.5. */
  pckh: number | null;
  /** Semi's PCKh@0.5 minus the baseline's (a fraction; the tables show it in points). */
  gain: number | null;
}

export interface ModelSummary {
  label: string;
  kind: 'conditional' | 'semi';
  /** Semi-DGPose's supervised-only baseline (q(y|x) alone): a pose estimator only, no reconstruction or transfer. */
  supervisedOnly?: boolean;
  supervision?: number;
  dataId: string;
  dataLabel: string;
  builtIn: boolean;
  reconstruction: { psnr: MeanStd; ssim: MeanStd } | null;
  /** Transfer against the ground-truth target, beside the baselines: copy the source, background only, z = 0 decode. */
  transfer: {
    psnr: MeanStd;
    ssim: MeanStd;
    copyPsnr: MeanStd;
    copySsim: MeanStd;
    bgPsnr: MeanStd;
    bgSsim: MeanStd;
    zeroPsnr: MeanStd;
    zeroSsim: MeanStd;
    /** High-frequency energy / the target's (sharpness.ts): transfer, copy source, z = 0 decode. */
    sharpness: MeanStd;
    copySharpness: MeanStd;
    zeroSharpness: MeanStd;
  } | null;
  /** Garment colour errors of the transfers and the baselines (null without part maps or ground truth). */
  appearance: AppearanceSummary | null;
  /** What z carries: active units of the posterior means, and the swap test (appearance-swap.ts). */
  latent: {
    active: number;
    dims: number;
    images: number;
    swap: SwapSummary | null;
    generation?: GenerationSummary | null;
  } | null;
  /** Pairs transferred (with or without ground truth). */
  transfers: number;
  pckReconstruction: PckSummary | null;
  pckTransfer: PckSummary | null;
  /** Transfer PCKh@0.5 re-detected by each estimator, against its ceiling (the run's estimator first). */
  transferCeilings: TransferCeiling[];
  /** Semi-DGPose: q(y|x) means against ground truth. */
  pckEstimate: PckSummary | null;
  /** Semi-DGPose baseline: every image predicted with the mean ground-truth pose of the selection. */
  pckMeanPose: PckSummary | null;
  /**
   * Semi-DGPose (not supervised-only): the supervised-only model of the same supervision on the same data,
   * when the run has one (the first in model order), and Semi's gain over it; null otherwise.
   */
  supervisedBaseline?: SupervisedBaseline | null;
}

/** An estimator on the ground-truth test images: its ceiling. */
export interface CeilingSummary {
  dataId: string;
  dataLabel: string;
  estimator: string;
  main: boolean;
  pck: PckSummary | null;
}

export interface TableRow {
  source: 'paper' | 'ours';
  method: string;
  data: string;
  n: number | null;
  supervision?: number;
  psnr: number | null;
  ssim: number | null;
  psnrStd?: number;
  ssimStd?: number;
}

export interface TableSummary {
  id: string;
  title: string;
  rows: TableRow[];
  /** What the comparison means for this run. */
  note: string;
}

export interface Summary {
  models: ModelSummary[];
  /** The run's estimator on the ground-truth images (the ceiling curves). */
  references: { dataId: string; dataLabel: string; pck: PckSummary | null }[];
  /** Every estimator on the ground-truth images (the run's first). */
  ceilings: CeilingSummary[];
  /** Data whose transfers have no appearance-fidelity table, and why. */
  appearanceAbsent: { dataId: string; dataLabel: string; reason: string }[];
  tables: TableSummary[];
}

export function toPose(p: FlatPose): Pose {
  return { skeleton: 'coco18', keypoints: p.map((k) => (k === null ? null : { x: k[0], y: k[1] })) };
}

function meanStd(values: (number | null)[]): MeanStd {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return { mean: NaN, std: NaN, n: values.length, infinite: values.length };
  const s = batchStats(finite);
  return { mean: s.mean, std: s.std, n: values.length, infinite: values.length - finite.length };
}

function curve(
  pred: Pose[],
  gt: Pose[],
  normaliser: PckNormaliser,
  thresholds: readonly number[],
): { thresholds: number[]; pck: number[]; total: number; images: number } | null {
  try {
    const c = pckCurve(pred, gt, { normaliser, thresholds });
    return { thresholds: c.thresholds, pck: c.pck, total: c.total, images: c.images };
  } catch {
    // nothing scorable (e.g. no image with 2 head joints): the curve is absent, not zero
    return null;
  }
}

function single(pred: Pose[], gt: Pose[], normaliser: PckNormaliser, alpha: number): number | null {
  try {
    return pck(pred, gt, { normaliser, alpha }).pck;
  } catch {
    return null;
  }
}

/** PCK figures of predicted poses against ground truth (null when there are none). */
export function pckSummary(pairs: { pred: FlatPose; gt: FlatPose }[]): PckSummary | null {
  if (pairs.length === 0) return null;
  const pred = pairs.map((p) => toPose(p.pred));
  const gt = pairs.map((p) => toPose(p.gt));
  const hb = curve(pred, gt, 'headBox', HEADBOX_THRESHOLDS);
  const bb = curve(pred, gt, 'bbox', BBOX_THRESHOLDS);
  return {
    pckh: single(pred, gt, 'headBox', 0.5),
    pckBbox01: single(pred, gt, 'bbox', 0.1),
    headBox: hb && { thresholds: hb.thresholds, pck: hb.pck },
    bbox: bb && { thresholds: bb.thresholds, pck: bb.pck },
    joints: bb?.total ?? hb?.total ?? 0,
    images: pairs.length,
  };
}

function colourStats(errors: (GarmentColourError | undefined)[]): ColourStats {
  const of = (r: 'top' | 'bottom'): number[] => errors.map((e) => e?.[r]).filter((v): v is number => v !== undefined);
  return {
    top: meanStd(of('top')),
    bottom: meanStd(of('bottom')),
    all: meanStd(GARMENT_REGIONS.flatMap((r) => of(r))),
  };
}

/** Active units over the images' posterior means and the swap test over the pairs (null without either). */
export function latentSummary(imgs: readonly ImageRecord[], pairs: readonly PairRecord[]): ModelSummary['latent'] {
  const mus = imgs.filter((r) => r.zMu && r.zMu.length > 0).map((r) => r.zMu as number[]);
  const swaps = pairs.filter((p) => p.swap).map((p) => p.swap as SwapRecord);
  const gens = imgs.filter((i) => i.generation).map((i) => i.generation as GenerationRecord);
  if (mus.length < 2 && swaps.length === 0 && gens.length === 0) return null;
  const au = mus.length >= 2 ? activeUnits(mus.flat(), mus[0].length) : { active: 0, dims: 0 };
  const sw = swaps.length ? summariseSwaps(swaps) : null;
  return {
    active: au.active,
    dims: au.dims,
    images: mus.length,
    swap: sw && sw.comparisons > 0 ? sw : null,
    generation: summariseGeneration(gens),
  };
}

/** Garment colour errors of the transfers beside every baseline (null when no pair has a part map). */
export function appearanceSummary(pairs: PairRecord[]): AppearanceSummary | null {
  const withParts = pairs.filter((p) => p.gtColour !== undefined);
  if (withParts.length === 0) return null;
  const constant = constantColourBaseline(withParts.map((p) => p.gtColour as GarmentColours));
  const model = colourStats(withParts.map((p) => p.colour));
  const c = colourStats(constant.errors);
  const ratio =
    Number.isFinite(model.all.mean) && Number.isFinite(c.all.mean) && c.all.mean > 0
      ? model.all.mean / c.all.mean
      : null;
  return {
    pairs: withParts.length,
    model,
    constant: c,
    copy: colourStats(withParts.map((p) => p.copyColour)),
    background: colourStats(withParts.map((p) => p.bgColour)),
    zero: colourStats(withParts.map((p) => p.zeroColour)),
    source: colourStats(withParts.map((p) => p.sourceColour)),
    constantColours: constant.colours,
    ratio,
  };
}

function summariseModel(m: ModelResult, data: DataInfo, ceilings: CeilingSummary[]): ModelSummary {
  const imgs = [...m.images].sort((a, b) => a.k - b.k);
  const recon = imgs.filter((r) => r.ssim !== undefined);
  const pairs = [...m.pairs].sort((a, b) => a.k - b.k);
  const scored = pairs.filter((p) => p.ssim !== undefined);
  const redet = imgs.filter((r) => r.redetected).map((r) => ({ pred: r.redetected as FlatPose, gt: r.gt }));
  const est = imgs.filter((r) => r.estimated).map((r) => ({ pred: r.estimated as FlatPose, gt: r.gt }));
  const tr = pairs.filter((r) => r.redetected).map((r) => ({ pred: r.redetected as FlatPose, gt: r.gt }));
  const pckTransfer = pckSummary(tr);
  const mean = m.kind === 'semi' && imgs.length ? meanPose(imgs.map((r) => r.gt)) : null;
  const transferCeilings = ceilings
    .filter((c) => c.dataId === data.id)
    .map((c): TransferCeiling => {
      const transferPckh = c.main
        ? (pckTransfer?.pckh ?? null)
        : (pckSummary(
            pairs
              .filter((r) => r.redetectedBy?.[c.estimator])
              .map((r) => ({ pred: r.redetectedBy?.[c.estimator] as FlatPose, gt: r.gt })),
          )?.pckh ?? null);
      const ceilingPckh = c.pck?.pckh ?? null;
      return {
        estimator: c.estimator,
        main: c.main,
        transferPckh,
        ceilingPckh,
        fraction: transferPckh !== null && ceilingPckh !== null && ceilingPckh > 0 ? transferPckh / ceilingPckh : null,
      };
    })
    .filter((c) => pairs.length > 0 && c.transferPckh !== null);
  return {
    label: m.label,
    kind: m.kind,
    ...(m.supervisedOnly ? { supervisedOnly: true } : {}),
    supervision: m.supervision,
    dataId: data.id,
    dataLabel: data.label,
    builtIn: data.builtIn,
    reconstruction: recon.length
      ? { psnr: meanStd(recon.map((r) => r.psnr ?? null)), ssim: meanStd(recon.map((r) => r.ssim as number)) }
      : null,
    transfer: scored.length
      ? {
          psnr: meanStd(scored.map((r) => r.psnr ?? null)),
          ssim: meanStd(scored.map((r) => r.ssim as number)),
          copyPsnr: meanStd(scored.map((r) => r.copyPsnr ?? null)),
          copySsim: meanStd(scored.map((r) => r.copySsim as number)),
          bgPsnr: meanStd(scored.map((r) => r.bgPsnr ?? null)),
          bgSsim: meanStd(scored.map((r) => r.bgSsim ?? null)),
          zeroPsnr: meanStd(scored.map((r) => r.zeroPsnr ?? null)),
          zeroSsim: meanStd(scored.map((r) => r.zeroSsim ?? null)),
          sharpness: meanStd(scored.map((r) => r.sharpness ?? null)),
          copySharpness: meanStd(scored.map((r) => r.copySharpness ?? null)),
          zeroSharpness: meanStd(scored.map((r) => r.zeroSharpness ?? null)),
        }
      : null,
    appearance: appearanceSummary(scored),
    latent: latentSummary(imgs, pairs),
    transfers: pairs.length,
    pckReconstruction: pckSummary(redet),
    pckTransfer,
    transferCeilings,
    pckEstimate: pckSummary(est),
    pckMeanPose: mean ? pckSummary(imgs.map((r) => ({ pred: mean, gt: r.gt }))) : null,
  };
}

/**
 * The supervised-only model a Semi model is compared with: the first one (in model order) of the same
 * supervision on the same data; null when the run has none.
 */
export function supervisedBaselineOf(m: ModelSummary, models: ModelSummary[]): SupervisedBaseline | null {
  if (m.supervision === undefined) return null;
  const b = models.find(
    (x) =>
      x.supervisedOnly &&
      x.dataId === m.dataId &&
      x.supervision !== undefined &&
      Math.abs(x.supervision - (m.supervision as number)) < 1e-9,
  );
  if (!b) return null;
  const pckh = b.pckEstimate?.pckh ?? null;
  const own = m.pckEstimate?.pckh ?? null;
  return { label: b.label, pckh, gain: pckh !== null && own !== null ? own - pckh : null };
}

function pct(f: number | undefined): string {
  return f === undefined ? '' : `${Math.round(f * 100)} %`;
}

function tableOf(t: PaperTable, models: ModelSummary[], data: DataInfo[]): TableSummary {
  const rows: TableRow[] = t.rows.map((r) => ({
    source: 'paper',
    method: r.supervision !== undefined ? `${r.method}, ${pct(r.supervision)}` : r.method,
    data: `${t.datasetLabel} (paper, ${t.resolution})`,
    n: t.testImages,
    supervision: r.supervision,
    psnr: r.psnr,
    ssim: r.ssim,
  }));
  const ours = models
    .filter((m) => t.ours.includes(m.kind) && m.reconstruction)
    .sort((a, b) =>
      a.kind === b.kind ? (b.supervision ?? 1) - (a.supervision ?? 1) : t.ours.indexOf(a.kind) - t.ours.indexOf(b.kind),
    );
  for (const m of ours) {
    const r = m.reconstruction as NonNullable<ModelSummary['reconstruction']>;
    rows.push({
      source: 'ours',
      method: `${m.kind === 'semi' ? 'Semi' : 'Conditional'}-DGPose${m.kind === 'semi' && m.supervision !== undefined ? `, ${pct(m.supervision)}` : ''} [${m.label}]`,
      data: m.dataLabel,
      n: r.psnr.n,
      supervision: m.supervision,
      psnr: r.psnr.mean,
      ssim: r.ssim.mean,
      psnrStd: r.psnr.std,
      ssimStd: r.ssim.std,
    });
  }
  const usedData = [...new Set(ours.map((m) => m.dataId))].map((id) => data.find((d) => d.id === id) as DataInfo);
  let note: string;
  if (ours.length === 0) note = `No ${t.ours.join(' or ')} model was evaluated in this run.`;
  else if (usedData.every((d) => d.builtIn)) {
    note = `Ours ran on the built-in synthetic people (${usedData.map((d) => d.label).join(', ')}), not on ${t.datasetLabel}, which is not available here: the comparison is of protocol, not of numbers.`;
  } else if (usedData.every((d) => d.dataset === t.dataset)) {
    note = `Ours ran on ${t.datasetLabel} (${usedData.map((d) => `${d.selected} of ${d.totalImages} test images at ${d.imageSize}x${d.imageSize}`).join('; ')}); the paper used ${t.testImages} test images at ${t.resolution}.`;
  } else {
    note = `Ours ran on ${usedData.map((d) => d.label).join(', ')}, not on ${t.datasetLabel}: the rows are not comparable as numbers.`;
  }
  return { id: t.id, title: t.title, rows, note };
}

/** The summary of a result set (pure function of the records). */
export function summarise(models: ModelResult[], references: ReferenceResult[], data: DataInfo[]): Summary {
  const byId = (id: string): DataInfo => {
    const d = data.find((x) => x.id === id);
    if (!d) throw new Error(`internal: no data entry '${id}'`);
    return d;
  };
  const ceilings: CeilingSummary[] = [...references]
    .sort((a, b) => Number(b.main) - Number(a.main))
    .map((r) => ({
      dataId: r.dataId,
      dataLabel: byId(r.dataId).label,
      estimator: r.estimator,
      main: r.main,
      pck: pckSummary([...r.images].sort((a, b) => a.k - b.k).map((i) => ({ pred: i.detected, gt: i.gt }))),
    }));
  const ms = models.map((m) => summariseModel(m, byId(m.dataId), ceilings));
  for (const m of ms) if (m.kind === 'semi' && !m.supervisedOnly) m.supervisedBaseline = supervisedBaselineOf(m, ms);
  const transferred = [...new Set(models.filter((m) => m.pairs.length > 0).map((m) => m.dataId))].map(byId);
  return {
    models: ms,
    references: ceilings.filter((c) => c.main).map((c) => ({ dataId: c.dataId, dataLabel: c.dataLabel, pck: c.pck })),
    ceilings,
    appearanceAbsent: transferred
      .filter((d) => !d.partMasks || !d.transferGroundTruth)
      .map((d) => ({
        dataId: d.id,
        dataLabel: d.label,
        reason: [
          ...(d.partMasks
            ? []
            : [
                'it has no part masks (garment regions), which the colour error needs (only the synthetic data renders them)',
              ]),
          ...(d.transferGroundTruth
            ? []
            : ['its transfers have no ground-truth target image (no same-identity pairs)']),
        ].join('; and '),
      })),
    tables: PAPER_TABLES.map((t) => tableOf(t, ms, data)),
  };
}
