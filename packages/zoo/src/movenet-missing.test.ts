// Without model files, or without the optional converter peer, createMoveNet says what to do.
// The missing converter is simulated by a require that finds nothing.
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

describe('MoveNet without its files or its converter', () => {
  const saved = process.env.DGPOSE_MOVENET_DIR;
  beforeEach(() => delete process.env.DGPOSE_MOVENET_DIR);
  afterAll(() => {
    if (saved !== undefined) process.env.DGPOSE_MOVENET_DIR = saved;
  });

  it('with no folder given: E_IO saying where the files come from', async () => {
    const err = await createMoveNet().catch((e: unknown) => e);
    expect(isDGPoseError(err, 'E_IO')).toBe(true);
    expect(String(err)).toMatch(/pass modelDir .* or set DGPOSE_MOVENET_DIR/);
    expect(String(err)).toMatch(/@vladmandic\/human-models/);
  });

  it('E_IO naming @tensorflow/tfjs-converter when only the converter is missing', async () => {
    const err = await createMoveNet({ modelDir: '/anywhere' }).catch((e: unknown) => e);
    expect(isDGPoseError(err, 'E_IO')).toBe(true);
    expect(String(err)).toMatch(/npm install @tensorflow\/tfjs-converter/);
    process.env.DGPOSE_MOVENET_DIR = '/anywhere';
    expect(String(await createMoveNet().catch((e: unknown) => e))).toMatch(/tfjs-converter/);
  });
});
