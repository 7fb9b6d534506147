// Shared jest preset: TypeScript through swc (fast, no type-check: `pnpm typecheck` does that),
// and workspace packages resolved to their sources so tests never need a build first.
const path = require('node:path');
const root = path.resolve(__dirname, '../..');
const slow = process.env.DGPOSE_SLOW === '1';

/** @param {string} dir the package folder */
module.exports = function preset(dir) {
  return {
    displayName: path.basename(dir),
    rootDir: dir,
    testEnvironment: 'node',
    // slow tests (*.slow.test.ts) run with `pnpm test:slow` (DGPOSE_SLOW=1), never in `pnpm test`
    testMatch: slow
      ? ['<rootDir>/src/**/*.slow.test.ts', '<rootDir>/test/**/*.slow.test.ts']
      : ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    testPathIgnorePatterns: slow ? ['/node_modules/', '/dist/'] : ['/node_modules/', '/dist/', '\\.slow\\.test\\.ts$'],
    transform: {
      '^.+\\.(t|j)sx?$': [
        '@swc/jest',
        { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
      ],
    },
    moduleNameMapper: {
      '^@dgpose/test-utils$': `${root}/packages/test-utils/src/index.ts`,
      '^@dgpose/([a-z-]+)/node$': `${root}/packages/$1/src/node.ts`,
      '^@dgpose/([a-z-]+)$': `${root}/packages/$1/src/index.ts`,
    },
    testTimeout: 60000,
  };
};
