// Slow (~2-4 min: tsup builds of zoo and its workspace deps, pnpm pack, offline npm install):
// `pnpm test:slow`. Loads conditional-small-64 and pose-regressor-64 from the installed tarball in a
// fresh project, in CJS and ESM.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

it('packs, installs offline into a fresh project and loads zoo weights there', () => {
  const out = execFileSync('bash', [path.resolve(__dirname, '../scripts/pack-check.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(out).toMatch(/cjs ok: generated 64x64/);
  expect(out).toMatch(/esm ok: conditional-small-64/);
  expect(out).toMatch(/pack-check passed/);
}, 900_000);
