// Slow (~20-40 s: two tsup builds with declarations, npm install of the tarballs): `pnpm test:slow`.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

it('packs, installs without tfjs and runs ESM, CJS and TypeScript snippets', () => {
  const out = execFileSync('bash', [path.resolve(__dirname, '../scripts/pack-check.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(out).toMatch(/esm ok: psnr/);
  expect(out).toMatch(/cjs ok: psnr/);
  expect(out).toMatch(/typescript ok/);
  expect(out).toMatch(/pack-check passed/);
}, 300_000);
