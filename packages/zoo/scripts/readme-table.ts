/* Prints the README's registry table from the registry (pnpm --filter @dgpose/zoo exec tsx scripts/readme-table.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ZOO } from '../src/registry';

const rows = ZOO.map((e) => {
  const bytes = e.shards.reduce((n, s) => n + s.byteLength, 0);
  const pct = `${Math.round((e.supervision ?? 1) * 100)} %`;
  const what =
    e.kind === 'pose-regressor'
      ? 'pose estimator (synthetic)'
      : e.supervisedOnly
        ? `Semi's q(y\\|x) alone on the ${pct} labelled subset (supervised-only baseline)` // a bare | would split the cell
        : e.kind === 'semi'
          ? `Semi-DGPose, ${pct} labelled`
          : e.name.endsWith('-noadv')
            ? 'Conditional-DGPose without the adversarial term (ablation)'
            : 'Conditional-DGPose';
  const m = Object.entries(e.metrics)
    .filter(([k]) => k !== 'images' && k !== 'pairs' && k !== 'realPckh')
    .map(([k, v]) => `${k} ${k.endsWith('Psnr') ? v.toFixed(2) : v.toFixed(3)}`)
    .join(', ');
  const f = e.benchmark?.figures;
  const bench =
    f && typeof f.garmentColourError === 'number'
      ? `colour error ${f.garmentColourError.toFixed(1)} vs constant ${(f.constantColourError ?? NaN).toFixed(1)}; swaps follow A ${(100 * (f.swapFollowsA ?? NaN)).toFixed(0)} %; SSIM (pg2) ${(f.transferSsimPg2 ?? NaN).toFixed(3)} vs no person ${(f.backgroundOnlySsimPg2 ?? NaN).toFixed(3)}`
      : '–';
  return `| \`${e.name}\` | ${what} | ${e.steps} | ${(bytes / 1e6).toFixed(2)} MB, ${Math.round(e.paramCount / 1000)} k | ${m} | ${bench} |`;
});
const table = [
  '| name | model | steps | size, params | metrics on the synthetic test split | benchmark: appearance (zoo.json `benchmark`) |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');
const readme = path.join(__dirname, '..', 'README.md');
const md = fs.readFileSync(readme, 'utf8');
const start = md.indexOf('<!-- registry table');
const end = md.indexOf('\n\n', md.indexOf('\n', start) + 1);
fs.writeFileSync(readme, `${md.slice(0, md.indexOf('\n', start) + 1)}${table}${md.slice(end)}`);
console.log(table);
