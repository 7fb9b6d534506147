// shims: __filename in the ESM build (the HTML report resolves chart.js from this package)
module.exports = {
  ...require('../../tooling/tsup/preset.cjs')({ entry: ['src/cli.ts', 'src/index.ts'] }),
  dts: false,
  shims: true,
};
