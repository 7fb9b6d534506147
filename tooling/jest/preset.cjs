// Shared jest preset: TypeScript through swc (fast, no type-check: `pnpm typecheck` does that),
// and workspace packages resolved to their sources so tests never need a build first.
const path = require('node:path');
const root = path.resolve(__dirname, '../..');

/** @param {string} dir the package folder */
module.exports = function preset(dir) {
  return {
    displayName: path.basename(dir),
    rootDir: dir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    // slow tests run with `pnpm test:slow`, never in `pnpm test`
    testPathIgnorePatterns: ['/node_modules/', '/dist/', '\\.slow\\.test\\.ts$'],
    transform: {
      '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
    },
    moduleNameMapper: {
      '^@dgpose/test-utils$': `${root}/packages/test-utils/src/index.ts`,
      '^@dgpose/([a-z-]+)/node$': `${root}/packages/$1/src/node.ts`,
      '^@dgpose/([a-z-]+)$': `${root}/packages/$1/src/index.ts`,
    },
    testTimeout: 60000,
  };
};
