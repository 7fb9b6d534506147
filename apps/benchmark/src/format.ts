/*
 * Number formatting and the table definitions shared by the console, report.md and report.html
 * (each table is defined once, as a header and string rows; the renderers only lay it out).
 */
import {
  APPEARANCE_TARGET_RATIO,
  CEILING_TARGET_FRACTION,
  type ColourStats,
  type MeanStd,
  type ModelSummary,
  type PckSummary,
  type SupervisedBaseline,
  type TableRow,
} from './summary';
import type { Results } from './types';

export function fmt(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

export function fmtMs(m: MeanStd | undefined, digits: number): string {
  if (!m || !Number.isFinite(m.mean)) return '–';
  return `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}${m.infinite ? ` (${m.infinite} identical)` : ''}`;
}

export function pctOf(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(1)}`;
}

export function ssimName(r: Pick<Results, 'ssimConvention'>): string {
  return r.ssimConvention === 'pg2'
    ? 'SSIM (pg2: 7x7 uniform, sample cov., as PG2 score.py)'
    : 'SSIM (wang: 11x11 Gaussian σ 1.5)';
}

/** Table row cells: source, method, data, n, PSNR, SSIM. */
export function tableCells(r: TableRow): string[] {
  const ours = r.source === 'ours';
  return [
    r.source,
    r.method,
    r.data,
    r.n === null ? '–' : String(r.n),
    ours ? `${fmt(r.psnr, 2)}${r.psnrStd !== undefined ? ` ± ${fmt(r.psnrStd, 2)}` : ''}` : fmt(r.psnr, 2),
    ours ? `${fmt(r.ssim, 3)}${r.ssimStd !== undefined ? ` ± ${fmt(r.ssimStd, 3)}` : ''}` : fmt(r.ssim, 2),
  ];
}

/** A fixed-width text table. */
export function textTable(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (c ?? '').padEnd(w[i]))
      .join('  ')
      .trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** A markdown table (pipes in cells escaped). */
export function mdTable(header: string[], rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function pckCells(p: PckSummary | null): [string, string] {
  return [pctOf(p?.pckh), pctOf(p?.pckBbox01)];
}

/** What the transfer table's baselines are (text of both reports). */
export const TRANSFER_BASELINES_TEXT =
  "Appearance of image A drawn in the pose of image B of the same identity, scored against B. Below each model, its baselines: copy source (A unchanged); background only (each row filled with the mean of the two border pixels of that row of A: a picture with no person); z = 0 decode (the model's decoder with z = 0 and B's pose: the model ignoring appearance); constant colour (every garment predicted with the mean garment colour of the selection). The garment colour error is the RGB distance (0-255) between the mean colour of B and that of the output over B's part mask, top and bottom regions (fewer than 4 pixels: skipped), averaged over every pair and region. Sharpness is the output's high-frequency energy (mean squared Laplacian of the grey image) over the target's: 1 is as sharp as the truth, blur scores below 1; the adversarial term should raise it.";

/** What the appearance table means (text of both reports). */
export const APPEARANCE_TEXT = `The garment colour error of each model's transfers per region ('top': shirt and sleeves, 'bottom': trousers, shorts or skirt; masks from B's part map) beside the constant-colour baseline (every pair predicted with the mean garment colour over the selection: the error of a model ignoring appearance) and the source-colour floor (B's regions predicted with A's own mean colours over A's part map: the error of a model that carries A's garment colours exactly; not 0, as shading and occlusion change with the pose). The issue's target: model / constant <= 1/3.`;

/** What the Semi pose-estimation table means (text of both reports). */
export const SEMI_TEXT =
  "Mean of q(y|x) against the ground-truth pose of each test image, beside the constant mean pose (every image predicted with the mean ground-truth pose of the selection: an estimator that ignores the image). When the run has a supervised-only model (the same q(y|x) network trained on the labelled subset alone, same steps; models' supervisedOnly), each Semi model is shown beside the one of the same supervision, with the gain of Semi over it in PCKh@0.5 points: what the unlabelled images add.";

/** What the ceilings tables mean (text of both reports). */
export const CEILINGS_TEXT = `Each estimator on the ground-truth test images: its ceiling (what it finds in real pictures). Below, the PCKh@0.5 of the poses it re-detects in each model's transfers, against the target pose, as a fraction of that ceiling (the issue's target: >= ${Math.round(100 * CEILING_TARGET_FRACTION)} %).`;

/** A table: header and rows of cells (the renderers lay it out as text, markdown or HTML). */
export interface TableDef {
  header: string[];
  rows: string[][];
}

/** Mean (± std when `spread`) of a MeanStd, or '–'. */
function cell(m: MeanStd | undefined, digits: number, spread: boolean): string {
  return spread ? fmtMs(m, digits) : fmt(m?.mean, digits);
}

/** Transfer outputs and the baselines each model's transfer is shown beside (rows of the transfer table). */
export const TRANSFER_OUTPUTS = Object.freeze([
  'transfer',
  'copy source',
  'background only',
  'z = 0 decode',
  'constant colour',
] as const);

/**
 * The pose-transfer table: per model, its transfer against the ground-truth target and the
 * baselines below it (copy the source; background only; the model's decoder with z = 0 in the target
 * pose; the constant garment colour, which has only a colour error): PSNR, SSIM, garment colour error.
 */
export function transferTable(r: Results, opts: { spread: boolean } = { spread: true }): TableDef | null {
  const tr = r.summary.models.filter((m) => m.transfer);
  if (!tr.length) return null;
  const sp = opts.spread;
  const rows: string[][] = [];
  for (const m of tr) {
    const t = m.transfer as NonNullable<ModelSummary['transfer']>;
    const a = m.appearance;
    const col = (c: ColourStats | undefined): string => (a ? cell(c?.all, 1, sp) : 'n/a');
    const sh = (c: MeanStd | undefined): string => (c && c.n > 0 ? cell(c, 2, sp) : '–');
    const lines: [string, string, string, string, string][] = [
      ['transfer', cell(t.psnr, 2, sp), cell(t.ssim, 3, sp), col(a?.model), sh(t.sharpness)],
      ['copy source', cell(t.copyPsnr, 2, sp), cell(t.copySsim, 3, sp), col(a?.copy), sh(t.copySharpness)],
      ['background only', cell(t.bgPsnr, 2, sp), cell(t.bgSsim, 3, sp), col(a?.background), '0'],
      ['z = 0 decode', cell(t.zeroPsnr, 2, sp), cell(t.zeroSsim, 3, sp), col(a?.zero), sh(t.zeroSharpness)],
    ];
    if (a) lines.push(['constant colour', '–', '–', col(a.constant), '–']);
    lines.forEach((l, i) =>
      rows.push([i === 0 ? m.label : '', i === 0 ? m.dataLabel : '', i === 0 ? String(t.psnr.n) : '', ...l]),
    );
  }
  return {
    header: [
      'model',
      'data',
      'pairs',
      'output',
      'PSNR (dB)',
      `SSIM (${r.ssimConvention})`,
      'garment colour error',
      'sharpness (HF energy / truth)',
    ],
    rows,
  };
}

function yesNo(ok: boolean | null): string {
  return ok === null ? '–' : ok ? 'yes' : 'no';
}

/**
 * The appearance-fidelity table: per model, the garment colour error of its transfers (top, bottom,
 * all regions), the constant-colour baseline's, and their ratio against the target.
 */
export function appearanceTable(r: Results, opts: { spread: boolean } = { spread: true }): TableDef | null {
  const ms = r.summary.models.filter((m) => m.appearance);
  if (!ms.length) return null;
  const sp = opts.spread;
  return {
    header: [
      'model',
      'data',
      'pairs',
      'top',
      'bottom',
      'all regions',
      'constant colour (all)',
      "source's colours (all: the floor)",
      'model / constant (rounded up)',
      'target <= 1/3',
    ],
    rows: ms.map((m) => {
      const a = m.appearance as NonNullable<ModelSummary['appearance']>;
      return [
        m.label,
        m.dataLabel,
        String(a.pairs),
        cell(a.model.top, 1, sp),
        cell(a.model.bottom, 1, sp),
        cell(a.model.all, 1, sp),
        cell(a.constant.all, 1, sp),
        cell(a.source.all, 1, sp),
        a.ratio === null ? '–' : (Math.ceil(1000 * a.ratio) / 1000).toFixed(3),
        yesNo(a.ratio === null ? null : a.ratio <= APPEARANCE_TARGET_RATIO),
      ];
    }),
  };
}

/** What the latent table means (text of both reports). */
export const LATENT_TEXT =
  "What the appearance code z carries. Active units: dimensions of z whose posterior mean (q(z|x,y) of each test image) varies over the images (variance > 0.01; Burda et al. 2016). Swap test: the appearance of A drawn in the pose of an image B of another identity; the output's garment colours (over B's part masks) are compared with A's and B's own. A model that keeps the person follows A in nearly every comparison; one that ignores z scores about 50 %. Generation: 8 samples from the prior p(z) in each test pose; their per-pixel spread (std, RGB 0-255) on the person, beside that of 8 real people of the data in the same pose and silhouette; target ratio >= 0.4 (a decoder that ignores z gives about 0).";

/** The latent table: active units and the swap test per model. */
export function latentTable(r: Results): TableDef | null {
  const ms = r.summary.models.filter((m) => m.latent);
  if (!ms.length) return null;
  return {
    header: [
      'model',
      'data',
      'active units / d_z',
      'swaps compared',
      'colour follows A (%)',
      'distance to A',
      'distance to B',
      'sample spread / people spread',
      'ratio (target >= 0.4)',
    ],
    rows: ms.map((m) => {
      const l = m.latent as NonNullable<ModelSummary['latent']>;
      const sw = l.swap;
      const g = l.generation;
      return [
        m.label,
        m.dataLabel,
        l.dims ? `${l.active} / ${l.dims}` : '–',
        sw ? String(sw.comparisons) : '–',
        sw ? (100 * sw.followsA).toFixed(1) : '–',
        sw ? sw.distToA.toFixed(1) : '–',
        sw ? sw.distToB.toFixed(1) : '–',
        g ? `${g.samplesSpread.toFixed(1)} / ${g.peopleSpread.toFixed(1)}` : '–',
        g ? `${g.ratio.toFixed(2)} ${g.ratio >= 0.4 ? 'yes' : 'no'}` : '–',
      ];
    }),
  };
}

/** Why data that was transferred has no appearance-fidelity table (one line each). */
export function appearanceAbsentLines(r: Results): string[] {
  return (r.summary.appearanceAbsent ?? []).map((x) => `No appearance-fidelity table for ${x.dataLabel}: ${x.reason}.`);
}

/** Every estimator on the ground-truth test images: its ceiling. */
export function ceilingTable(r: Results): TableDef | null {
  const cs = r.summary.ceilings ?? [];
  if (!cs.length) return null;
  return {
    header: ['estimator', 'data', 'images', 'PCKh@0.5 (%) on the ground-truth images (ceiling)', 'PCK@0.1 bbox (%)'],
    rows: cs.map((c) => [
      `${c.estimator}${c.main ? " (the run's estimator)" : ''}`,
      c.dataLabel,
      String(c.pck?.images ?? 0),
      ...pckCells(c.pck),
    ]),
  };
}

/** Per model and estimator: PCKh@0.5 of the poses re-detected in the transfers, as a fraction of the estimator's ceiling. */
export function transferCeilingTable(r: Results): TableDef | null {
  const rows = r.summary.models.flatMap((m) =>
    (m.transferCeilings ?? []).map((c) => [
      m.label,
      c.estimator,
      m.dataLabel,
      pctOf(c.transferPckh),
      pctOf(c.ceilingPckh),
      // rounded down, so that a fraction shown as 80.0 % meets the target
      c.fraction === null ? '–' : `${(Math.floor(1000 * c.fraction) / 10).toFixed(1)} %`,
      yesNo(c.fraction === null ? null : c.fraction >= CEILING_TARGET_FRACTION),
    ]),
  );
  if (!rows.length) return null;
  return {
    header: [
      'model',
      'estimator',
      'data',
      'transfer PCKh@0.5 (%)',
      'ceiling PCKh@0.5 (%)',
      'fraction of ceiling (rounded down)',
      `target >= ${Math.round(100 * CEILING_TARGET_FRACTION)} %`,
    ],
    rows,
  };
}

/** A difference of two fractions in percentage points, signed: `+12.3`, `-4.0`, or '–'. */
export function pointsOf(d: number | null | undefined): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return '–';
  const v = Math.round(1000 * d) / 10;
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
}

function baselineCells(b: SupervisedBaseline | null | undefined): [string, string, string] {
  return b ? [b.label, pctOf(b.pckh), pointsOf(b.gain)] : ['none in this run', '–', '–'];
}

/**
 * Semi-DGPose pose estimation by supervision, beside the constant mean pose; when the run has
 * supervised-only models, each Semi model also beside the supervised-only model of its supervision
 * (its PCKh@0.5 and Semi's gain in points), and the supervised-only models below as rows of their own.
 */
export function semiTable(r: Results): TableDef | null {
  const semi = semiModels(r);
  const sup = supervisedOnlyModels(r);
  if (!semi.length && !sup.length) return null;
  const withSup = sup.length > 0;
  const sv = (m: ModelSummary): string => (m.supervision === undefined ? '–' : `${Math.round(m.supervision * 100)} %`);
  const row = (m: ModelSummary, training: string, baseline: string[]): string[] => [
    m.label,
    ...(withSup ? [training] : []),
    sv(m),
    m.dataLabel,
    ...pckCells(m.pckEstimate),
    ...(withSup ? baseline : []),
    ...pckCells(m.pckMeanPose ?? null),
  ];
  return {
    header: [
      'model',
      ...(withSup ? ['training'] : []),
      'supervision',
      'data',
      'PCKh@0.5 (%)',
      'PCK@0.1 bbox (%)',
      ...(withSup
        ? ['supervised-only model, same supervision', 'its PCKh@0.5 (%)', 'gain of Semi (PCKh@0.5 points)']
        : []),
      'constant mean pose PCKh@0.5 (%)',
      'constant mean pose PCK@0.1 bbox (%)',
    ],
    rows: [
      ...semi.map((m) => row(m, 'Semi-DGPose (labelled + unlabelled)', baselineCells(m.supervisedBaseline))),
      ...sup.map((m) => row(m, 'supervised only (labelled subset)', ['–', '–', '–'])),
    ],
  };
}

const bySupervision = (a: ModelSummary, b: ModelSummary): number => (b.supervision ?? 0) - (a.supervision ?? 0);

/** Semi-DGPose models with q(y|x) scores, highest supervision first (the supervised-only baselines apart). */
export function semiModels(r: Results): ModelSummary[] {
  return r.summary.models.filter((m) => m.kind === 'semi' && !m.supervisedOnly && m.pckEstimate).sort(bySupervision);
}

/** Supervised-only baselines (Semi's q(y|x) on the labelled subset alone) with scores, highest supervision first. */
export function supervisedOnlyModels(r: Results): ModelSummary[] {
  return r.summary.models.filter((m) => m.kind === 'semi' && m.supervisedOnly && m.pckEstimate).sort(bySupervision);
}

/** The console summary: each paper table with ours beside it, transfer with baselines, appearance, ceilings. */
export function consoleTables(r: Results): string {
  const out: string[] = [];
  const header = ['', 'method', 'data', 'n', 'PSNR (dB)', `SSIM (${r.ssimConvention})`];
  for (const t of r.summary.tables) {
    out.push(`${t.title}`, textTable(header, t.rows.map(tableCells)), `  note: ${t.note}`, '');
  }
  const tr = transferTable(r, { spread: false });
  if (tr)
    out.push(
      'Pose transfer against the ground-truth target image (same identity, target pose), beside the baselines',
      textTable(tr.header, tr.rows),
      '',
    );
  const ap = appearanceTable(r, { spread: false });
  if (ap)
    out.push(
      "Appearance fidelity: garment colour error (RGB distance 0-255 of region means over the target's part map)",
      textTable(ap.header, ap.rows),
      '',
    );
  for (const l of appearanceAbsentLines(r)) out.push(l, '');
  const lt = latentTable(r);
  if (lt)
    out.push(
      "What z carries: active units and the swap test (A's appearance in the pose of another identity)",
      textTable(lt.header, lt.rows),
      '',
    );
  const ce = ceilingTable(r);
  if (ce)
    out.push('Estimator ceilings: each estimator on the ground-truth test images', textTable(ce.header, ce.rows), '');
  const tc = transferCeilingTable(r);
  if (tc)
    out.push(
      "Poses re-detected in transfers as a fraction of the estimator's ceiling",
      textTable(tc.header, tc.rows),
      '',
    );
  for (const n of r.notices ?? []) out.push(`notice: ${n}`, '');
  const pk = r.summary.models.filter((m) => m.pckReconstruction || m.pckEstimate);
  if (pk.length) {
    out.push(
      `Pose accuracy (%): re-detected by ${r.estimator?.name ?? 'no estimator'} in reconstructions; Semi: q(y|x) estimates`,
      textTable(
        ['model', 'data', 'recon PCKh@0.5', 'recon PCK@0.1bbox', 'q(y|x) PCKh@0.5', 'q(y|x) PCK@0.1bbox'],
        [
          ...r.summary.references.map((ref) => ['(ground-truth images)', ref.dataLabel, ...pckCells(ref.pck), '', '']),
          ...pk.map((m) => [
            m.label,
            m.dataLabel,
            ...pckCells(m.pckReconstruction),
            ...(m.pckEstimate ? pckCells(m.pckEstimate) : ['', '']),
          ]),
        ],
      ),
      '',
    );
  }
  const st = semiTable(r);
  if (st) {
    const sup = supervisedOnlyModels(r).length > 0;
    out.push(
      `Semi-DGPose pose estimation (q(y|x) means) beside the constant mean pose${sup ? ' and the supervised-only baseline of the same supervision' : ''}`,
      textTable(st.header, st.rows),
      '',
    );
  }
  return out.join('\n');
}

/** The "Models" table of both reports (markdown and HTML): one row per evaluated model. */
export const MODEL_TABLE_HEADER = [
  'model',
  'kind',
  'preset',
  'supervision',
  'image',
  'parameters',
  'training steps',
  'source',
  'weights sha256',
];

export function modelTableRows(r: Results): string[][] {
  return r.models.map((m) => [
    m.label,
    m.supervisedOnly ? 'semi (supervised only)' : m.kind,
    m.preset,
    m.supervision === undefined ? '–' : `${Math.round(m.supervision * 100)} %`,
    `${m.imageSize}x${m.imageSize}`,
    String(m.paramCount),
    m.step === undefined ? '–' : String(m.step),
    m.source.type === 'zoo' ? `zoo ${m.source.name}` : m.source.dir,
    m.sha256.map((h) => h.slice(0, 12)).join(', '),
  ]);
}

export const ENGINES_TEXT =
  'Each verb at batch 1 on the two inference engines: tfjs on the backend of this run, and onnxruntime-node on the same weights exported by @dgpose/onnx (same threads, graph optimisation "all"). Calls interleaved, best and median ms; speed-up = tfjs best / onnxruntime best.';
export const ENGINES_HEAD = [
  'model',
  'verb',
  'tfjs best',
  'tfjs median',
  'onnxruntime best',
  'onnxruntime median',
  'speed-up',
];
/** A row of the engines table (ms, 2 decimals). */
export function engineRow(e: {
  model: string;
  verb: string;
  tfjsBestMs: number;
  tfjsMedianMs: number;
  onnxBestMs: number;
  onnxMedianMs: number;
}): string[] {
  return [
    e.model,
    e.verb,
    fmt(e.tfjsBestMs, 2),
    fmt(e.tfjsMedianMs, 2),
    fmt(e.onnxBestMs, 2),
    fmt(e.onnxMedianMs, 2),
    `${fmt(e.tfjsBestMs / e.onnxBestMs, 1)}x`,
  ];
}
