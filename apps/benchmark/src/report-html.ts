/*
 * report.html: one self-contained file (no network): inline CSS, Chart.js's UMD build inlined from
 * node_modules, the figures as inline JSON, image grids as data: URIs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
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

let chartJs: string | undefined;

/** Chart.js's UMD build (MIT licence; its banner is kept), read once. */
export function chartJsSource(): string {
  if (chartJs === undefined) {
    const main = createRequire(__filename).resolve('chart.js'); // .../chart.js/dist/chart.cjs
    chartJs = readFileSync(path.join(path.dirname(main), 'chart.umd.min.js'), 'utf8');
  }
  return chartJs;
}

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function table(header: string[], rows: string[][], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function tableOf(t: TableDef): string {
  return table(t.header, t.rows);
}

function curveRows(
  rows: { label: string; data: string; p: PckSummary | null }[],
  which: 'headBox' | 'bbox',
): string[][] {
  const th = which === 'headBox' ? HEADBOX_THRESHOLDS : BBOX_THRESHOLDS;
  return rows.map((r) => [r.label, r.data, ...th.map((_, i) => pctOf(r.p?.[which]?.pck[i]))]);
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:20px 28px 60px;background:#fff}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:34px 0 8px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
h3{font-size:15px;margin:22px 0 6px}
.meta{color:#5b6472;font-size:13px}
.banner{background:#fff7e0;border:1px solid #f0d58c;border-radius:6px;padding:10px 14px;margin:14px 0}
.note{color:#5b6472;font-style:italic;margin:4px 0 10px}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid #dde1e7;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5}
tr.paper td{color:#3b4250}tr.ours td{background:#eef6ff}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{position:relative;width:520px;height:300px}
.chart.wide{width:1040px}
.grid img{image-rendering:pixelated;border:1px solid #dde1e7;max-width:100%}
.gridcols{display:grid;grid-template-columns:repeat(4,1fr);font-size:12px;color:#5b6472;text-align:center;padding-bottom:2px}
code{background:#f0f2f5;padding:1px 4px;border-radius:3px}
`;

/** The report as one HTML string; `grids` maps a model's grid path to its PNG bytes. */
export function renderHtml(r: Results, grids: Record<string, Uint8Array>): string {
  const s = r.summary;
  const p = r.provenance;
  const H: string[] = [];
  H.push(`<h1>dgpose-bench report</h1>`);
  H.push(
    `<p class="meta">${esc(p.date)} · dgpose-bench ${esc(p.version)} · backend <b>${esc(p.backend)}</b>${p.threads > 1 ? ` (${p.threads} threads)` : ''} · ${p.cpus} CPUs · Node ${esc(p.node)}</p>`,
  );
  for (const d of r.data) {
    const base = `<b>${esc(d.label)}</b>: ${d.selected} of ${d.totalImages} test images${d.pairsSelected ? `, ${d.pairsSelected} transfer pairs${d.transferGroundTruth ? ' (same identity, ground-truth target)' : ' (no ground-truth target)'}` : ''}.`;
    H.push(
      d.builtIn
        ? `<div class="banner">${base} These are the <b>built-in synthetic people</b>, not a data set of the paper. The paper's data sets are not available here: the comparison with the paper's numbers is of protocol, not of numbers.</div>`
        : `<div class="banner">${base} Root: <code>${esc(String(d.details.root ?? ''))}</code></div>`,
    );
  }
  H.push(
    `<p>Metrics: PSNR in dB on uint8 RGB images, data range 255 (as PG2's score.py); ${esc(ssimName(r))}; means ± std over test images.</p>`,
  );

  H.push(`<h2>Image quality of reconstructions (paper Tables 2-5)</h2>`);
  H.push(
    `<p>Reconstruction: each test image is encoded and decoded in its own pose (Conditional-DGPose: the ground-truth pose; Semi-DGPose: its own estimate, the mean of q(y|x)). Paper rows are the numbers of the paper's slides (de Bem et al., IJCV 2020); which SSIM implementation the paper used is not known.</p>`,
  );
  s.tables.forEach((t, i) => {
    H.push(`<h3>${esc(t.title)}</h3>`);
    H.push(
      `<table><thead><tr>${['', 'method', 'data', 'n', 'PSNR (dB)', `SSIM (${r.ssimConvention})`].map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
        .map(
          (row) =>
            `<tr class="${row.source}">${tableCells(row)
              .map((c) => `<td>${esc(c)}</td>`)
              .join('')}</tr>`,
        )
        .join('')}</tbody></table>`,
    );
    H.push(`<p class="note">${esc(t.note)}</p>`);
    H.push(
      `<div class="charts"><div class="chart"><canvas id="table-psnr-${i}"></canvas></div><div class="chart"><canvas id="table-ssim-${i}"></canvas></div></div>`,
    );
  });

  H.push(`<h2>Pose transfer against ground truth</h2>`);
  const tr = s.models.filter((m) => m.transfer);
  const trTable = transferTable(r);
  if (trTable) {
    H.push(`<p>${esc(TRANSFER_BASELINES_TEXT)}</p>`);
    H.push(tableOf(trTable));
    H.push(
      `<div class="charts"><div class="chart"><canvas id="transfer-psnr"></canvas></div><div class="chart"><canvas id="transfer-ssim"></canvas></div></div>`,
    );
  } else H.push(`<p class="note">No transfer with a ground-truth target in this run.</p>`);

  H.push(`<h2>Appearance fidelity (garment colour)</h2>`);
  const ap = appearanceTable(r);
  const apModels = s.models.filter((m) => m.appearance);
  if (ap) {
    H.push(`<p>${esc(APPEARANCE_TEXT)}</p>`, tableOf(ap));
    H.push(`<div class="charts"><div class="chart wide"><canvas id="appearance-colour"></canvas></div></div>`);
  }
  for (const line of appearanceAbsentLines(r)) H.push(`<p class="note">${esc(line)}</p>`);
  if (!ap && appearanceAbsentLines(r).length === 0)
    H.push(`<p class="note">No transfer with a ground-truth target in this run.</p>`);
  const lt = latentTable(r);
  if (lt) H.push(`<h2>What z carries</h2>`, `<p>${esc(LATENT_TEXT)}</p>`, tableOf(lt));

  H.push(`<h2>Estimator ceilings</h2>`);
  const ce = ceilingTable(r);
  if (ce) {
    H.push(`<p>${esc(CEILINGS_TEXT)}</p>`, tableOf(ce));
    const tc = transferCeilingTable(r);
    if (tc) H.push(tableOf(tc));
  } else H.push(`<p class="note">No pose estimator in this run.</p>`);
  for (const n of r.notices ?? []) H.push(`<p class="note">Notice: ${esc(n)}</p>`);

  H.push(`<h2>Accuracy of poses re-detected in reconstructions (Figs. 20/21 analogue)</h2>`);
  if (r.estimator) {
    H.push(
      `<p>Estimator: <b>${esc(r.estimator.name)}</b> (${esc(r.estimator.kind)}). Detection rate = PCK: head-box PCKh (per axis; α = 0.5 is the usual PCKh) and Euclidean PCK normalised by the ground truth's bounding-box side. "(ground-truth images)" is the estimator on the real test images, the ceiling of the curves. The slides give no PCK numbers.</p>`,
    );
    H.push(
      `<div class="charts"><div class="chart"><canvas id="pck-headbox"></canvas></div><div class="chart"><canvas id="pck-bbox"></canvas></div></div>`,
    );
    const rows = [
      ...s.references.map((x) => ({ label: '(ground-truth images)', data: x.dataLabel, p: x.pck })),
      ...s.models
        .filter((m) => !m.supervisedOnly)
        .map((m) => ({ label: m.label, data: m.dataLabel, p: m.pckReconstruction })),
    ];
    H.push(
      `<h3>PCKh (head box), % correct</h3>`,
      table(['curve', 'data', ...HEADBOX_THRESHOLDS.map((t) => `α=${t}`)], curveRows(rows, 'headBox')),
    );
    H.push(
      `<h3>PCK (bounding box), % correct</h3>`,
      table(['curve', 'data', ...BBOX_THRESHOLDS.map((t) => `α=${t}`)], curveRows(rows, 'bbox')),
    );
  } else H.push(`<p class="note">No pose estimator in this run.</p>`);

  H.push(`<h2>Semi-DGPose pose estimation by level of supervision</h2>`);
  const semi = semiModels(r);
  const sup = supervisedOnlyModels(r);
  const st = semiTable(r);
  if (st) {
    H.push(`<p>${esc(SEMI_TEXT)}</p>`);
    H.push(tableOf(st));
    H.push(
      `<div class="charts"><div class="chart"><canvas id="semi-curve"></canvas></div><div class="chart"><canvas id="semi-bars"></canvas></div></div>`,
    );
  } else H.push(`<p class="note">No Semi-DGPose model in this run.</p>`);

  H.push(`<h2>Speed</h2>`);
  const sp = r.speed;
  if (sp) {
    H.push(
      `<p>Backend <b>${esc(sp.backend)}</b>${sp.threads > 1 ? ` (${sp.threads} threads)` : ''}, ${p.cpus} CPUs.</p>`,
    );
    if (sp.train?.length)
      H.push(
        table(
          ['training step', 'image size', 'batch', 'ms / step', 'images / s'],
          sp.train.map((t) => [
            t.model,
            `${t.imageSize}x${t.imageSize}`,
            String(t.batchSize),
            fmt(t.msPerStep, 0),
            fmt(t.imagesPerSec, 1),
          ]),
        ),
      );
    if (sp.inference?.length)
      H.push(
        table(
          ['inference', 'verb', 'images', 'ms / image'],
          sp.inference.map((t) => [t.model, t.verb, String(t.images), fmt(t.msPerImage, 1)]),
        ),
      );
    if (sp.estimator)
      H.push(
        `<p>Pose estimator ${esc(sp.estimator.name)}: ${fmt(sp.estimator.msPerImage, 1)} ms / image (${sp.estimator.images} images).</p>`,
      );
    if (sp.engines?.length) {
      H.push(`<p>${esc(ENGINES_TEXT)}</p>`);
      H.push(table(ENGINES_HEAD, sp.engines.map(engineRow)));
    }
    if (sp.enginesNote) H.push(`<p class="note">${esc(sp.enginesNote)}</p>`);
    if (sp.metrics?.length)
      H.push(
        table(
          ['metric', 'image size', 'pairs / s'],
          sp.metrics.map((t) => [t.metric, `${t.imageSize}x${t.imageSize}`, fmt(t.pairsPerSec, 0)]),
        ),
      );
    if (sp.skipped) H.push(`<p class="note">${esc(sp.skipped)}</p>`);
  } else H.push(`<p class="note">Skipped (--no-speed).</p>`);

  const withGrid = r.models.filter((m) => m.grid && grids[m.grid]);
  if (withGrid.length) {
    H.push(`<h2>Image grids</h2>`);
    for (const m of withGrid) {
      const png = grids[m.grid as string];
      const b64 = Buffer.from(png).toString('base64');
      // PNG IHDR: width is the big-endian uint32 at byte 16; the column captions get the same width
      const width = png.length > 24 ? ((png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19]) >>> 0 : 0;
      H.push(
        `<h3>${esc(m.label)} <span class="meta">(${esc(r.data.find((d) => d.id === m.dataId)?.label ?? m.dataId)})</span></h3><div class="grid"><div class="gridcols" style="width:${width}px">${GRID_COLUMNS.map((c) => `<div>${esc(c)}</div>`).join('')}</div><img alt="${esc(m.label)} grid" src="data:image/png;base64,${b64}"></div>`,
      );
    }
  }

  H.push(`<h2>Models</h2>`);
  H.push(table(MODEL_TABLE_HEADER, modelTableRows(r)));
  H.push(`<h2>Provenance</h2><ul>`);
  H.push(`<li>command: <code>${esc(p.command)}</code></li>`);
  H.push(
    `<li>shard: ${p.shard.index}/${p.shard.count}${p.mergedFrom ? `; merged from ${p.mergedFrom.length} shards` : ''}</li>`,
  );
  H.push(
    `<li>versions: ${esc(
      Object.entries(p.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    )}</li>`,
  );
  H.push(
    `<li>platform: ${esc(p.platform)}, ${p.cpus} CPUs, Node ${esc(p.node)}; wall time ${fmt(p.wallSeconds, 1)} s</li></ul>`,
  );
  H.push(`<p class="meta">Charts drawn with Chart.js (MIT licence), inlined: this file needs no network.</p>`);

  // figures for the charts (the only data the script reads)
  const fig = {
    tables: s.tables.map((t) => ({
      labels: t.rows.map((x) => `${x.source === 'paper' ? 'paper: ' : 'ours: '}${x.method}`),
      source: t.rows.map((x) => x.source),
      psnr: t.rows.map((x) => x.psnr),
      ssim: t.rows.map((x) => x.ssim),
    })),
    ssimLabel: `SSIM (${r.ssimConvention})`,
    transfer: tr.map((m) => ({
      label: m.label,
      psnr: m.transfer?.psnr.mean,
      ssim: m.transfer?.ssim.mean,
      copyPsnr: m.transfer?.copyPsnr.mean,
      copySsim: m.transfer?.copySsim.mean,
      bgPsnr: m.transfer?.bgPsnr.mean,
      bgSsim: m.transfer?.bgSsim.mean,
      zeroPsnr: m.transfer?.zeroPsnr.mean,
      zeroSsim: m.transfer?.zeroSsim.mean,
    })),
    appearance: apModels.map((m) => ({
      label: m.label,
      model: m.appearance?.model.all.mean,
      constant: m.appearance?.constant.all.mean,
      copy: m.appearance?.copy.all.mean,
      background: m.appearance?.background.all.mean,
      zero: m.appearance?.zero.all.mean,
    })),
    curves: {
      headBox: HEADBOX_THRESHOLDS,
      bbox: BBOX_THRESHOLDS,
      series: [
        ...s.references.map((x) => ({
          label: `ground-truth images (${x.dataLabel})`,
          reference: true,
          headBox: x.pck?.headBox?.pck ?? null,
          bbox: x.pck?.bbox?.pck ?? null,
        })),
        ...s.models
          .filter((m) => !m.supervisedOnly)
          .map((m) => ({
            label: m.label,
            reference: false,
            headBox: m.pckReconstruction?.headBox?.pck ?? null,
            bbox: m.pckReconstruction?.bbox?.pck ?? null,
          })),
      ],
    },
    semi: semi.map((m) => ({
      label: m.label,
      supervision: m.supervision ?? null,
      headBox: m.pckEstimate?.headBox?.pck ?? null,
      pckh: m.pckEstimate?.pckh ?? null,
      pckBbox01: m.pckEstimate?.pckBbox01 ?? null,
      meanPosePckh: m.pckMeanPose?.pckh ?? null,
      baselinePckh: m.supervisedBaseline?.pckh ?? null,
    })),
    // supervised-only baselines: dashed lines on the PCKh curve, a bar beside each Semi model of their supervision
    supervised: sup.map((m) => ({ label: m.label, headBox: m.pckEstimate?.headBox?.pck ?? null })),
  };
  const json = JSON.stringify(fig).replace(/</g, '\\u003c');
  const js = chartJsSource().replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>dgpose-bench report</title><style>${CSS}</style></head>
<body><main>
${H.join('\n')}
</main>
<script type="application/json" id="bench-figures">${json}</script>
<script>${js}</script>
<script>${CHART_SCRIPT}</script>
</body></html>
`;
}

/** Draws every chart from #bench-figures (runs in the browser). */
const CHART_SCRIPT = `
(function(){
  var F = JSON.parse(document.getElementById('bench-figures').textContent);
  if (typeof Chart === 'undefined') return;
  Chart.defaults.animation = false;
  Chart.defaults.font.size = 11;
  var PAL = ['#1f77b4','#d62728','#2ca02c','#9467bd','#ff7f0e','#17becf','#8c564b','#e377c2','#7f7f7f','#bcbd22'];
  function el(id){ return document.getElementById(id); }
  function pct(a){ return a ? a.map(function(v){ return v === null ? null : 100*v; }) : []; }
  function opts(title, yTitle, extra){
    var o = { responsive:true, maintainAspectRatio:false, plugins:{ title:{ display:true, text:title }, legend:{ position:'bottom', labels:{ usePointStyle:true } } },
      scales:{ y:{ title:{ display:true, text:yTitle }, beginAtZero:true } } };
    if (extra) for (var k in extra) o.scales[k] = extra[k];
    return o;
  }
  F.tables.forEach(function(t, i){
    var colors = t.source.map(function(s){ return s === 'paper' ? '#9aa3b0' : '#1f77b4'; });
    [['psnr','PSNR (dB)'],['ssim',F.ssimLabel]].forEach(function(m){
      var c = el('table-' + m[0] + '-' + i); if (!c) return;
      var o = Object.assign(opts(m[1] + ' (grey: paper, blue: ours)', m[1]), { indexAxis:'y', scales:{ x:{ beginAtZero:true, title:{ display:true, text:m[1] } } } });
      o.plugins.legend = { display:false };
      new Chart(c, { type:'bar', data:{ labels:t.labels, datasets:[{ label:m[1], data:t[m[0]], backgroundColor:colors }] }, options:o });
    });
  });
  if (el('transfer-psnr')) {
    var labels = F.transfer.map(function(t){ return t.label; });
    [['psnr','copyPsnr','bgPsnr','zeroPsnr','PSNR (dB)'],['ssim','copySsim','bgSsim','zeroSsim',F.ssimLabel]].forEach(function(m){
      new Chart(el('transfer-' + m[0]), { type:'bar', data:{ labels:labels, datasets:[
        { label:'transfer', data:F.transfer.map(function(t){ return t[m[0]]; }), backgroundColor:'#1f77b4' },
        { label:'copy source', data:F.transfer.map(function(t){ return t[m[1]]; }), backgroundColor:'#9aa3b0' },
        { label:'background only', data:F.transfer.map(function(t){ return t[m[2]]; }), backgroundColor:'#c7ccd4' },
        { label:'z = 0 decode', data:F.transfer.map(function(t){ return t[m[3]]; }), backgroundColor:'#ff7f0e' } ] },
        options: opts('Transfer vs ground truth, beside the baselines: ' + m[4], m[4]) });
    });
  }
  if (el('appearance-colour')) {
    var keys = [['model','transfer','#1f77b4'],['constant','constant colour','#d62728'],['copy','copy source','#9aa3b0'],['background','background only','#c7ccd4'],['zero','z = 0 decode','#ff7f0e']];
    new Chart(el('appearance-colour'), { type:'bar', data:{ labels:F.appearance.map(function(a){ return a.label; }), datasets:keys.map(function(k){
      return { label:k[1], data:F.appearance.map(function(a){ return a[k[0]]; }), backgroundColor:k[2] }; }) },
      options: opts('Garment colour error (lower is better; RGB distance 0-255)', 'colour error') });
  }
  [['pck-headbox','headBox','PCKh (head box) of re-detected poses','α (fraction of head box)'],['pck-bbox','bbox','PCK (bounding box) of re-detected poses','α (fraction of bbox side)']].forEach(function(m){
    var c = el(m[0]); if (!c) return;
    var th = F.curves[m[1]];
    var ds = F.curves.series.filter(function(s){ return s[m[1]]; }).map(function(s, j){
      return { label:s.label, data:pct(s[m[1]]), borderColor: s.reference ? '#333' : PAL[j % PAL.length], backgroundColor: s.reference ? '#333' : PAL[j % PAL.length],
        borderDash: s.reference ? [6,4] : [], pointRadius:2, tension:0.1 };
    });
    new Chart(c, { type:'line', data:{ labels:th, datasets:ds }, options: opts(m[2], 'detection rate (%)', { x:{ title:{ display:true, text:m[3] } }, y:{ min:0, max:100, title:{ display:true, text:'detection rate (%)' } } }) });
  });
  if (el('semi-curve')) {
    new Chart(el('semi-curve'), { type:'line', data:{ labels:F.curves.headBox, datasets:F.semi.map(function(s, j){
      return { label:s.label, data:pct(s.headBox), borderColor:PAL[j % PAL.length], backgroundColor:PAL[j % PAL.length], pointRadius:2 }; }).concat(F.supervised.map(function(s, j){
      var c = PAL[(F.semi.length + j) % PAL.length];
      return { label:s.label + ' (supervised only)', data:pct(s.headBox), borderColor:c, backgroundColor:c, borderDash:[6,4], pointRadius:2 }; })) },
      options: opts('Semi-DGPose q(y|x): PCKh vs threshold', 'PCKh (%)', { x:{ title:{ display:true, text:'α (fraction of head box)' } }, y:{ min:0, max:100, title:{ display:true, text:'PCKh (%)' } } }) });
    new Chart(el('semi-bars'), { type:'bar', data:{ labels:F.semi.map(function(s){ return s.supervision === null ? s.label : Math.round(100*s.supervision) + ' %'; }), datasets:[
      { label:'PCKh@0.5', data:F.semi.map(function(s){ return s.pckh === null ? null : 100*s.pckh; }), backgroundColor:'#1f77b4' },
      { label:'PCK@0.1 bbox', data:F.semi.map(function(s){ return s.pckBbox01 === null ? null : 100*s.pckBbox01; }), backgroundColor:'#ff7f0e' },
      { label:'constant mean pose PCKh@0.5', data:F.semi.map(function(s){ return s.meanPosePckh === null ? null : 100*s.meanPosePckh; }), backgroundColor:'#9aa3b0' } ].concat(F.supervised.length ? [
      { label:'supervised-only PCKh@0.5 (same supervision)', data:F.semi.map(function(s){ return s.baselinePckh === null ? null : 100*s.baselinePckh; }), backgroundColor:'#2ca02c' } ] : []) },
      options: opts('Semi-DGPose pose estimation by supervision', '%', { x:{ title:{ display:true, text:'supervision' } }, y:{ min:0, max:100, title:{ display:true, text:'%' } } }) });
  }
  document.body.setAttribute('data-charts', 'drawn');
})();
`;
