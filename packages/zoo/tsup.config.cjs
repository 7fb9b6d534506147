// shims: the ESM build gets a `__filename` (the node entry finds the package's weights folder from it)
module.exports = {
  ...require('../../tooling/tsup/preset.cjs')({ entry: ['src/index.ts', 'src/node.ts'] }),
  shims: true,
};
