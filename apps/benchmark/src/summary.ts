/*
 * Everything reported, derived from the per-image records of results.json: means and spreads of
 * PSNR/SSIM, the transfer scores beside the copy-the-source baseline, PCK curves of re-detected
 * and estimated poses, and the paper tables with our rows beside the paper's.
 */
import type { Pose } from '@dgpose/core';
import { batchStats, pck, pckCurve, type PckNormaliser } from '@dgpose/metrics';
import { PAPER_TABLES, type PaperTable } from './paper';
import type { DataInfo, FlatPose, ModelResult, ReferenceResult } from './types';

/** PCKh thresholds (head box, per axis; Pose-Transfer's α = 0.5 among them). */
export const HEADBOX_THRESHOLDS: readonly number[] = Object.freeze([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
/** Euclidean thresholds as a fraction of the ground truth's bounding-box side. */
export const BBOX_THRESHOLDS: readonly number[] = Object.freeze([0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3]);

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

export interface ModelSummary {
  label: string;
  kind: 'conditional' | 'semi';
  supervision?: number;
  dataId: string;
  dataLabel: string;
  builtIn: boolean;
  reconstruction: { psnr: MeanStd; ssim: MeanStd } | null;
  transfer: { psnr: MeanStd; ssim: MeanStd; copyPsnr: MeanStd; copySsim: MeanStd } | null;
  /** Pairs transferred (with or without ground truth). */
  transfers: number;
  pckReconstruction: PckSummary | null;
  pckTransfer: PckSummary | null;
  /** Semi-DGPose: q(y|x) means against ground truth. */
  pckEstimate: PckSummary | null;
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
  references: { dataId: string; dataLabel: string; pck: PckSummary | null }[];
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

function curve(pred: Pose[], gt: Pose[], normaliser: PckNormaliser, thresholds: readonly number[]): { thresholds: number[]; pck: number[]; total: number; images: number } | null {
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

function summariseModel(m: ModelResult, data: DataInfo): ModelSummary {
  const imgs = [...m.images].sort((a, b) => a.k - b.k);
  const pairs = [...m.pairs].sort((a, b) => a.k - b.k);
  const scored = pairs.filter((p) => p.ssim !== undefined);
  const redet = imgs.filter((r) => r.redetected).map((r) => ({ pred: r.redetected as FlatPose, gt: r.gt }));
  const est = imgs.filter((r) => r.estimated).map((r) => ({ pred: r.estimated as FlatPose, gt: r.gt }));
  const tr = pairs.filter((r) => r.redetected).map((r) => ({ pred: r.redetected as FlatPose, gt: r.gt }));
  return {
    label: m.label,
    kind: m.kind,
    supervision: m.supervision,
    dataId: data.id,
    dataLabel: data.label,
    builtIn: data.builtIn,
    reconstruction: imgs.length ? { psnr: meanStd(imgs.map((r) => r.psnr)), ssim: meanStd(imgs.map((r) => r.ssim)) } : null,
    transfer: scored.length
      ? {
          psnr: meanStd(scored.map((r) => r.psnr ?? null)),
          ssim: meanStd(scored.map((r) => r.ssim as number)),
          copyPsnr: meanStd(scored.map((r) => r.copyPsnr ?? null)),
          copySsim: meanStd(scored.map((r) => r.copySsim as number)),
        }
      : null,
    transfers: pairs.length,
    pckReconstruction: pckSummary(redet),
    pckTransfer: pckSummary(tr),
    pckEstimate: pckSummary(est),
  };
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
    .sort((a, b) => (a.kind === b.kind ? (b.supervision ?? 1) - (a.supervision ?? 1) : t.ours.indexOf(a.kind) - t.ours.indexOf(b.kind)));
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
  const ms = models.map((m) => summariseModel(m, byId(m.dataId)));
  return {
    models: ms,
    references: references.map((r) => ({
      dataId: r.dataId,
      dataLabel: byId(r.dataId).label,
      pck: pckSummary([...r.images].sort((a, b) => a.k - b.k).map((i) => ({ pred: i.detected, gt: i.gt }))),
    })),
    tables: PAPER_TABLES.map((t) => tableOf(t, ms, data)),
  };
}
