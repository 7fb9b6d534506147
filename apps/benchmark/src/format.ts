/* Number formatting and the plain-text tables shared by the console, report.md and report.html. */
import type { MeanStd, PckSummary, TableRow } from './summary';
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
  return r.ssimConvention === 'pg2' ? 'SSIM (pg2: 7x7 uniform, sample cov., as PG2 score.py)' : 'SSIM (wang: 11x11 Gaussian σ 1.5)';
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
  const line = (cells: string[]): string => cells.map((c, i) => (c ?? '').padEnd(w[i])).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** A markdown table (pipes in cells escaped). */
export function mdTable(header: string[], rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function pckCells(p: PckSummary | null): [string, string] {
  return [pctOf(p?.pckh), pctOf(p?.pckBbox01)];
}

/** The console summary: each paper table with ours beside it. */
export function consoleTables(r: Results): string {
  const out: string[] = [];
  const header = ['', 'method', 'data', 'n', 'PSNR (dB)', `SSIM (${r.ssimConvention})`];
  for (const t of r.summary.tables) {
    out.push(`${t.title}`, textTable(header, t.rows.map(tableCells)), `  note: ${t.note}`, '');
  }
  const tr = r.summary.models.filter((m) => m.transfer);
  if (tr.length) {
    out.push(
      'Pose transfer against the ground-truth target image (same identity, target pose)',
      textTable(
        ['model', 'data', 'pairs', 'PSNR', 'SSIM', 'copy-source PSNR', 'copy-source SSIM'],
        tr.map((m) => {
          const t = m.transfer as NonNullable<typeof m.transfer>;
          return [m.label, m.dataLabel, String(t.psnr.n), fmt(t.psnr.mean, 2), fmt(t.ssim.mean, 3), fmt(t.copyPsnr.mean, 2), fmt(t.copySsim.mean, 3)];
        }),
      ),
      '',
    );
  }
  const pk = r.summary.models.filter((m) => m.pckReconstruction || m.pckEstimate);
  if (pk.length) {
    out.push(
      `Pose accuracy (%): re-detected by ${r.estimator?.name ?? 'no estimator'} in reconstructions; Semi: q(y|x) estimates`,
      textTable(
        ['model', 'data', 'recon PCKh@0.5', 'recon PCK@0.1bbox', 'q(y|x) PCKh@0.5', 'q(y|x) PCK@0.1bbox'],
        [
          ...r.summary.references.map((ref) => ['(ground-truth images)', ref.dataLabel, ...pckCells(ref.pck), '', '']),
          ...pk.map((m) => [m.label, m.dataLabel, ...pckCells(m.pckReconstruction), ...(m.pckEstimate ? pckCells(m.pckEstimate) : ['', ''])]),
        ],
      ),
      '',
    );
  }
  return out.join('\n');
}

/** The "Models" table of both reports (markdown and HTML): one row per evaluated model. */
export const MODEL_TABLE_HEADER = ['model', 'kind', 'preset', 'supervision', 'image', 'parameters', 'step', 'source', 'weights sha256'];

export function modelTableRows(r: Results): string[][] {
  return r.models.map((m) => [
    m.label,
    m.kind,
    m.preset,
    m.supervision === undefined ? '–' : `${Math.round(m.supervision * 100)} %`,
    `${m.imageSize}x${m.imageSize}`,
    String(m.paramCount),
    m.step === undefined ? '–' : String(m.step),
    m.source.type === 'zoo' ? `zoo ${m.source.name}` : m.source.dir,
    m.sha256.map((h) => h.slice(0, 12)).join(', '),
  ]);
}
