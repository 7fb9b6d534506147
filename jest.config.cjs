// Root jest: one run over every package, app and tooling check (what `pnpm test` and CI use).
const fs = require('node:fs');
const path = require('node:path');
const projects = ['packages', 'apps', 'tooling'].flatMap((dir) =>
  fs.existsSync(path.join(__dirname, dir))
    ? fs
        .readdirSync(path.join(__dirname, dir))
        .map((d) => path.join(__dirname, dir, d, 'jest.config.cjs'))
        .filter((f) => fs.existsSync(f))
    : [],
);
// testTimeout is a global option: a project's own (tooling/jest/preset.cjs) is ignored in a multi-project run,
// where every test would otherwise get jest's 5 s default (a README example that loads models timed out in CI).
module.exports = { projects, testTimeout: 60000 };
