module.exports = require('../../tooling/tsup/preset.cjs')({ entry: ['src/index.ts', 'src/node.ts'] });
