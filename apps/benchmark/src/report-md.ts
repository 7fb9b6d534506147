/* report.md: the paper tables with ours beside them, transfer with its baselines, appearance fidelity, estimator ceilings, PCK tables, speed, grids, provenance. */
import { GRID_COLUMNS } from './grid';
import {
  APPEARANCE_TEXT,
  CEILINGS_TEXT,
  ENGINES_HEAD,
  ENGINES_TEXT,
  engineRow,
  SEMI_TEXT,
  TRANSFER_BASELINES_TEXT,
  appearanceAbsentLines,
  appearanceTable,
  latentTable,
  LATENT_TEXT,
  ceilingTable,
  fmt,
  mdTable,
  pctOf,
  semiModels,
  semiTable,
  supervisedOnlyModels,
  ssimName,
  tableCells,
  transferCeilingTable,
  transferTable,
  MODEL_TABLE_HEADER,
  modelTableRows,
  type TableDef,
} from './format';
import { BBOX_THRESHOLDS, HEADBOX_THRESHOLDS, type PckSummary } from './summary';
import type { Results } from './types';

/** One paragraph saying what data the numbers come from (synthetic said plainly). */
export function dataStatement(r: Results): string {
  const parts = r.data.map((d) => {
    const base = `**${d.label}**: ${d.selected} of ${d.totalImages} test images${d.pairsSelected ? `, ${d.pairsSelected} transfer pairs${d.transferGroundTruth ? ' (same identity, ground-truth target)' : ' (no ground truth: target pose from another image)'}` : ''}`;
    return d.builtIn
      ? `${base}. These are the built-in synthetic people, not a data set of the paper: the paper's data sets are not available here, so the comparison with the paper is of protocol, not of numbers.`
      : `${base} (${String(d.details.root ?? '')}).`;
  });
  return parts.join('\n\n');
}

function curveTable(rows: { label: string; data: string; p: PckSummary | null }[], which: 'headBox' | 'bbox'): string {
  const th = which === 'headBox' ? HEADBOX_THRESHOLDS : BBOX_THRESHOLDS;
  return mdTable(
    ['curve', 'data', ...th.map((t) => `α=${t}`)],
    rows.map((r) => [r.label, r.data, ...th.map((_, i) => pctOf(r.p?.[which]?.pck[i]))]),
  );
}

const md = (t: TableDef): string => mdTable(t.header, t.rows);

export function renderMarkdown(r: Results): string {
  const s = r.summary;
  const L: string[] = [];
  const p = r.provenance;
  L.push('# dgpose-bench report', '');
  L.push(
    `${p.date} · dgpose-bench ${p.version} · backend **${p.backend}**${p.threads > 1 ? ` (${p.threads} threads)` : ''} · ${p.cpus} CPUs · Node ${p.node}`,
    '',
  );
  L.push(dataStatement(r), '');
  L.push(
    `Metrics: PSNR in dB on uint8 RGB images, data range 255 (as PG2's score.py); ${ssimName(r)}; means ± std over test images.`,
    '',
  );

  L.push('## Image quality of reconstructions (paper Tables 2-5)', '');
  L.push(
    "Reconstruction: each test image is encoded and decoded in its own pose (Conditional-DGPose: the ground-truth pose; Semi-DGPose: its own estimate, the mean of q(y|x)). Paper rows are the numbers of the paper's slides (de Bem et al., IJCV 2020); which SSIM implementation the paper used is not known.",
    '',
  );
  for (const t of s.tables) {
    L.push(`### ${t.title}`, '');
    L.push(mdTable(['', 'method', 'data', 'n', 'PSNR (dB)', `SSIM (${r.ssimConvention})`], t.rows.map(tableCells)), '');
    L.push(`_${t.note}_`, '');
  }

  const tr = transferTable(r);
  L.push('## Pose transfer against ground truth', '');
  if (tr) {
    L.push(TRANSFER_BASELINES_TEXT, '');
    L.push(md(tr), '');
  } else
    L.push(
      '_No transfer with a ground-truth target in this run (the data set has no same-identity pairs, or --pairs 0)._',
      '',
    );

  L.push('## Appearance fidelity (garment colour)', '');
  const ap = appearanceTable(r);
  if (ap) L.push(APPEARANCE_TEXT, '', md(ap), '');
  for (const line of appearanceAbsentLines(r)) L.push(`_${line}_`, '');
  if (!ap && appearanceAbsentLines(r).length === 0) L.push('_No transfer with a ground-truth target in this run._', '');
  const lt = latentTable(r);
  if (lt) L.push('## What z carries', '', LATENT_TEXT, '', md(lt), '');

  L.push('## Estimator ceilings', '');
  const ce = ceilingTable(r);
  if (ce) {
    L.push(CEILINGS_TEXT, '', md(ce), '');
    const tc = transferCeilingTable(r);
    if (tc) L.push(md(tc), '');
  } else L.push('_No pose estimator in this run (--estimator none)._', '');
  for (const n of r.notices ?? []) L.push(`_Notice: ${n}_`, '');

  L.push('## Accuracy of poses re-detected in reconstructions (Figs. 20/21 analogue)', '');
  if (r.estimator) {
    L.push(
      `Estimator: **${r.estimator.name}** (${r.estimator.kind}). "Detection rate" = PCK in %: head-box PCKh (per axis, Pose-Transfer's convention; α = 0.5 is the usual PCKh) and Euclidean PCK normalised by the ground truth's bounding-box side. "(ground-truth images)" is the estimator on the real test images: the ceiling of the curves. The paper's PCK numbers are not given in the slides.`,
      '',
    );
    const rows = [
      ...s.references.map((x) => ({ label: '(ground-truth images)', data: x.dataLabel, p: x.pck })),
      ...s.models
        .filter((m) => !m.supervisedOnly)
        .map((m) => ({ label: m.label, data: m.dataLabel, p: m.pckReconstruction })),
    ];
    L.push('PCKh (head box), % correct:', '', curveTable(rows, 'headBox'), '');
    L.push('PCK (bounding box, Euclidean), % correct:', '', curveTable(rows, 'bbox'), '');
    const trRows = s.models
      .filter((m) => m.pckTransfer)
      .map((m) => ({ label: m.label, data: m.dataLabel, p: m.pckTransfer }));
    if (trRows.length)
      L.push(
        'Poses re-detected in transfers against the target pose, PCKh (head box), %:',
        '',
        curveTable(trRows, 'headBox'),
        '',
      );
  } else L.push('_No pose estimator in this run (--estimator none)._', '');

  const semi = [...semiModels(r), ...supervisedOnlyModels(r)];
  const st = semiTable(r);
  L.push('## Semi-DGPose pose estimation by level of supervision', '');
  if (st) {
    L.push(SEMI_TEXT, '');
    L.push(md(st), '');
    L.push(
      curveTable(
        semi.map((m) => ({ label: m.label, data: m.dataLabel, p: m.pckEstimate })),
        'headBox',
      ),
      '',
    );
  } else L.push('_No Semi-DGPose model in this run._', '');

  L.push('## Speed', '');
  const sp = r.speed;
  if (sp) {
    L.push(`Backend **${sp.backend}**${sp.threads > 1 ? ` (${sp.threads} threads)` : ''}, ${p.cpus} CPUs.`, '');
    if (sp.train?.length) {
      L.push(
        mdTable(
          ['training step', 'image size', 'batch', 'ms / step', 'images / s'],
          sp.train.map((t) => [
            t.model,
            `${t.imageSize}x${t.imageSize}`,
            String(t.batchSize),
            fmt(t.msPerStep, 0),
            fmt(t.imagesPerSec, 1),
          ]),
        ),
        '',
      );
    }
    if (sp.inference?.length) {
      L.push(
        mdTable(
          ['inference', 'verb', 'images', 'ms / image'],
          sp.inference.map((t) => [t.model, t.verb, String(t.images), fmt(t.msPerImage, 1)]),
        ),
        '',
      );
    }
    if (sp.estimator)
      L.push(
        `Pose estimator ${sp.estimator.name}: ${fmt(sp.estimator.msPerImage, 1)} ms / image (${sp.estimator.images} images).`,
        '',
      );
    if (sp.engines?.length) {
      L.push(ENGINES_TEXT, '');
      L.push(mdTable(ENGINES_HEAD, sp.engines.map(engineRow)), '');
    }
    if (sp.enginesNote) L.push(`_${sp.enginesNote}_`, '');
    if (sp.metrics?.length) {
      L.push(
        mdTable(
          ['metric', 'image size', 'pairs / s'],
          sp.metrics.map((t) => [t.metric, `${t.imageSize}x${t.imageSize}`, fmt(t.pairsPerSec, 0)]),
        ),
        '',
      );
    }
    if (sp.skipped) L.push(`_${sp.skipped}_`, '');
  } else L.push('_Skipped (--no-speed)._', '');

  const grids = r.models.filter((m) => m.grid);
  if (grids.length) {
    L.push('## Image grids', '', `Columns: ${GRID_COLUMNS.join(' | ')}.`, '');
    for (const m of grids)
      L.push(
        `**${m.label}** (${r.data.find((d) => d.id === m.dataId)?.label ?? m.dataId})`,
        '',
        `![${m.label}](${m.grid})`,
        '',
      );
  }

  L.push('## Models', '');
  L.push(mdTable(MODEL_TABLE_HEADER, modelTableRows(r)), '');
  L.push('## Provenance', '');
  L.push(`- command: \`${p.command}\``);
  L.push(
    `- shard: ${p.shard.index}/${p.shard.count}${p.mergedFrom ? `; merged from ${p.mergedFrom.length} shards: ${p.mergedFrom.join(', ')}` : ''}`,
  );
  L.push(
    `- versions: ${Object.entries(p.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  L.push(`- platform: ${p.platform}, ${p.cpus} CPUs, Node ${p.node}; wall time ${fmt(p.wallSeconds, 1)} s`, '');
  return L.join('\n');
}
