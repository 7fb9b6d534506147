// shims: node.ts finds the shipped weights from __dirname, which tsup provides in the ESM build.
module.exports = {
  ...require('../../tooling/tsup/preset.cjs')({ entry: ['src/index.ts', 'src/node.ts'] }),
  shims: true,
};
