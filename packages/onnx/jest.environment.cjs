// jest's node environment with the host realm's typed arrays: onnxruntime-node's native binding creates its
// output tensors' Float32Arrays in the host realm, and onnxruntime-common checks them with `instanceof`
// against the sandbox's constructors, which fail across realms ("data must be type of Float32Array").
const path = require('node:path');
const jestDir = path.dirname(require.resolve('jest/package.json', { paths: [path.resolve(__dirname, '../..')] }));
const { TestEnvironment } = require(
  require.resolve('jest-environment-node', { paths: [jestDir, path.join(jestDir, '..')] }),
);

const SHARED = [
  'ArrayBuffer',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
];

class HostTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const k of SHARED) this.global[k] = globalThis[k];
  }
}
module.exports = HostTypedArraysEnvironment;
