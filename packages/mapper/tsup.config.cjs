module.exports = require('../../tooling/tsup/preset.cjs')();
