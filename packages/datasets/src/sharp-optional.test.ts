// sharp is an optional peer: without it, the image IO says which package to install (E_DEPENDENCY).
jest.mock('sharp', () => {
  throw new Error("Cannot find module 'sharp'");
});

import { rejectsWithDGPoseError } from '@dgpose/test-utils';
import { encodePng, loadImage } from './image-io';

describe('without sharp', () => {
  it('image reads and writes fail with E_DEPENDENCY naming `npm i sharp`', async () => {
    const img = { data: new Uint8Array(3), width: 1, height: 1, channels: 3 as const };
    await rejectsWithDGPoseError(() => encodePng(img), 'E_DEPENDENCY', { argument: 'sharp', message: /npm i sharp/ });
    await rejectsWithDGPoseError(() => loadImage('/nonexistent.png'), 'E_DEPENDENCY', { argument: 'sharp' });
  });
});
