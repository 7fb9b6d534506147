// Root jest: one run over every package and app (what `pnpm test` and CI use).
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.cjs', '<rootDir>/apps/*/jest.config.cjs', '<rootDir>/tooling/*/jest.config.cjs'],
};
