// The two layout rules that eslint.config.mjs carries (CONVENTIONS.md 1 and 1b): no deep imports
// across packages, no Node built-ins or sharp in a package's universal entry. Linted in a child
// process (the config is ESM) without the type-aware block, which needs no program for these rules.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

const CASES: { file: string; code: string }[] = [
  { file: 'packages/core/src/errors.ts', code: "import * as fs from 'node:fs';" },
  { file: 'packages/core/src/errors.ts', code: "import { join } from 'path';" },
  { file: 'packages/datasets/src/synthetic.ts', code: "import sharp from 'sharp';" },
  { file: 'packages/core/src/node.ts', code: "import * as fs from 'node:fs';" },
  { file: 'packages/datasets/src/image-io.ts', code: "import sharp from 'sharp';" },
  { file: 'packages/models/src/io.ts', code: "import { DGPoseError } from '@dgpose/core/src/errors';" },
  { file: 'apps/trainer/src/train.ts', code: "import { x } from '@dgpose/datasets/dist/index.cjs';" },
  { file: 'apps/trainer/src/train.ts', code: "import { writeFileAtomic } from '@dgpose/core/node';" },
];

function restrictedImports(): boolean[] {
  const script = `
    const { ESLint } = require('eslint');
    const { pathToFileURL } = require('node:url');
    (async () => {
      const cfg = (await import(pathToFileURL(${JSON.stringify(path.join(root, 'eslint.config.mjs'))}).href)).default;
      const untyped = cfg.filter((c) => !(c.languageOptions && c.languageOptions.parserOptions && c.languageOptions.parserOptions.project));
      const eslint = new ESLint({ cwd: ${JSON.stringify(root)}, overrideConfigFile: true, overrideConfig: untyped });
      const out = [];
      for (const c of ${JSON.stringify(CASES)}) {
        const [r] = await eslint.lintText(c.code + '\\nexport {};\\n', { filePath: c.file });
        out.push(r.messages.some((m) => m.ruleId === 'no-restricted-imports'));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as boolean[];
}

describe('eslint layout rules', () => {
  it('refuse Node built-ins and sharp in universal entries and deep imports anywhere; allow ./node entries', () => {
    expect(restrictedImports()).toEqual([true, true, true, false, false, true, true, false]);
  });
});
