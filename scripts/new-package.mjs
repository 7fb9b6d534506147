#!/usr/bin/env node
// Scaffold a package: node scripts/new-package.mjs <name> "<one sentence>" [--node] [--app]
// Writes package.json, tsconfig, tsup/jest configs over tooling/ presets, src/index.ts, README.
import fs from 'node:fs';
import path from 'node:path';
const [name, description = '', ...flags] = process.argv.slice(2);
if (!name) {
  console.error('usage: new-package <name> "<description>" [--node] [--app]');
  process.exit(2);
}
const app = flags.includes('--app');
const node = flags.includes('--node');
const dir = path.join(app ? 'apps' : 'packages', name);
if (fs.existsSync(path.join(dir, 'package.json'))) {
  console.error(`${dir} exists`);
  process.exit(1);
}
fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
const entry = (n) => ({
  import: { types: `./dist/${n}.d.mts`, default: `./dist/${n}.mjs` },
  require: { types: `./dist/${n}.d.ts`, default: `./dist/${n}.cjs` },
});
const pkg = {
  name: `@dgpose/${name}`,
  version: '0.1.0',
  description,
  license: 'Apache-2.0',
  ...(app ? { private: true } : {}),
  sideEffects: false,
  main: './dist/index.cjs',
  module: './dist/index.mjs',
  types: './dist/index.d.ts',
  exports: { '.': entry('index'), ...(node ? { './node': entry('node') } : {}), './package.json': './package.json' },
  files: ['dist', 'README.md', 'CHANGELOG.md'],
  scripts: { build: 'tsup', typecheck: 'tsc --noEmit', test: 'jest', ...(app ? {} : { lint: 'publint' }) },
  dependencies: {},
  devDependencies: {},
};
fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
fs.writeFileSync(
  path.join(dir, 'tsconfig.json'),
  JSON.stringify({ extends: '../../tooling/tsconfig/base.json', include: ['src'] }, null, 2) + '\n',
);
fs.writeFileSync(
  path.join(dir, 'tsup.config.cjs'),
  `module.exports = require('../../tooling/tsup/preset.cjs')(${node ? "{ entry: ['src/index.ts', 'src/node.ts'] }" : ''});\n`,
);
fs.writeFileSync(
  path.join(dir, 'jest.config.cjs'),
  `module.exports = require('../../tooling/jest/preset.cjs')(__dirname);\n`,
);
if (!fs.existsSync(path.join(dir, 'src/index.ts'))) fs.writeFileSync(path.join(dir, 'src/index.ts'), `export {};\n`);
if (node && !fs.existsSync(path.join(dir, 'src/node.ts')))
  fs.writeFileSync(path.join(dir, 'src/node.ts'), `export * from './index';\n`);
if (!fs.existsSync(path.join(dir, 'README.md')))
  fs.writeFileSync(path.join(dir, 'README.md'), `# @dgpose/${name}\n\n${description}\n`);
console.log(`created ${dir}`);
