// The shared preset, with @dgpose/onnx's environment: jest's node environment sharing the host's typed arrays,
// which onnxruntime-node checks with instanceof (the Speed section runs the verbs on onnxruntime too).
module.exports = {
  ...require('../../tooling/jest/preset.cjs')(__dirname),
  testEnvironment: `${__dirname}/../../packages/onnx/jest.environment.cjs`,
};
