// The shared preset, with an environment that shares the host's typed arrays with onnxruntime-node (see the file).
module.exports = {
  ...require('../../tooling/jest/preset.cjs')(__dirname),
  testEnvironment: `${__dirname}/jest.environment.cjs`,
};
