module.exports = { ...require('../../tooling/tsup/preset.cjs')({ entry: ['src/cli.ts', 'src/index.ts'] }), dts: false };
