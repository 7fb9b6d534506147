/* Prints the README's registry table from the registry (pnpm --filter @dgpose/zoo exec tsx scripts/readme-table.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ZOO } from '../src/registry';

const rows = ZOO.map((e) => {
  const bytes = e.shards.reduce((n, s) => n + s.byteLength, 0);
  const what = e.kind === 'pose-regressor' ? 'pose estimator (synthetic)' : e.kind === 'semi' ? `Semi-DGPose, ${Math.round(e.supervision! * 100)} % labelled` : 'Conditional-DGPose';
  const m = Object.entries(e.metrics)
    .filter(([k]) => k !== 'images' && k !== 'pairs' && k !== 'realPckh')
    .map(([k, v]) => `${k} ${k.endsWith('Psnr') ? v.toFixed(2) : v.toFixed(3)}`)
    .join(', ');
  return `| \`${e.name}\` | ${what} | ${e.steps} | ${(bytes / 1e6).toFixed(2)} MB, ${Math.round(e.paramCount / 1000)} k | ${m} |`;
});
const table = ['| name | model | steps | size, params | metrics on the synthetic test split |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
const readme = path.join(__dirname, '..', 'README.md');
const md = fs.readFileSync(readme, 'utf8');
const start = md.indexOf('<!-- registry table');
const end = md.indexOf('\n\n', md.indexOf('\n', start) + 1);
fs.writeFileSync(readme, `${md.slice(0, md.indexOf('\n', start) + 1)}${table}${md.slice(end)}`);
console.log(table);
