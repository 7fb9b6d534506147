// Without onnxruntime-node the engine says what to install. Simulated by a require that finds nothing.
jest.mock('./optional', () => ({
  optionalRequire: (id: string): never => {
    const e = new Error(`Cannot find module '${id}'`) as Error & { code: string };
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  },
}));

import { isDGPoseError } from '@dgpose/core';
import { hasOnnxRuntime, loadOnnxModel, loadOnnxRuntime } from './node';

it('E_BACKEND with the install command', async () => {
  expect(hasOnnxRuntime()).toBe(false);
  let err: unknown;
  try {
    loadOnnxRuntime();
  } catch (e) {
    err = e;
  }
  expect(isDGPoseError(err, 'E_BACKEND')).toBe(true);
  expect(String(err)).toMatch(/npm install onnxruntime-node/);
  await expect(loadOnnxModel('/anywhere')).rejects.toMatchObject({ code: 'E_BACKEND' });
});
