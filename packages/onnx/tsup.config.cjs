// index: export + universal engine pieces; node: onnxruntime-node engine and file IO; cli: the dgpose-onnx bin
module.exports = {
  ...require('../../tooling/tsup/preset.cjs')({ entry: ['src/index.ts', 'src/node.ts', 'src/cli.ts'] }),
  shims: true,
};
