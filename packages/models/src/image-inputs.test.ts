// The verbs take any ImageInput (core's toRgbImage) at their boundary: an RGBA ImageData look-alike,
// a canvas look-alike and a Tensor3D give exactly what the same pixels as an RgbImage give.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, isDGPoseError, type RgbImage } from '@dgpose/core';
import { createConditionalDGPose } from './conditional';
import { createSemiDGPose } from './factory';
import { syntheticSamples } from './testing';

const S = 32;

function rgba(im: RgbImage): Uint8ClampedArray {
  const out = new Uint8ClampedArray(im.width * im.height * 4);
  for (let i = 0; i < im.width * im.height; i++)
    out.set([im.data[3 * i], im.data[3 * i + 1], im.data[3 * i + 2], 255], 4 * i);
  return out;
}

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'], log: () => undefined });
});

test('reconstruct, transfer and estimatePose accept ImageData, canvases and Tensor3D like RgbImages', async () => {
  const [a, b] = syntheticSamples(2, S, 3);
  const cond = await createConditionalDGPose({ preset: 'tiny' });
  const semi = await createSemiDGPose({ preset: 'tiny' });
  const t = tf.tensor3d(a.image.data, [S, S, 3], 'int32');
  try {
    const imageData = { data: rgba(a.image), width: S, height: S };
    const canvas = { width: S, height: S, getContext: () => ({ getImageData: () => imageData }) };
    const ref = await cond.reconstruct([a.image], [a.pose]);
    for (const input of [imageData, canvas, t]) {
      expect(await cond.reconstruct([input], [a.pose])).toEqual(ref);
    }
    const before = tf.memory().numTensors;
    const moved = await cond.transfer([t], [a.pose], [b.pose]);
    expect(moved).toEqual(await cond.transfer([a.image], [a.pose], [b.pose]));
    expect(tf.memory().numTensors).toBe(before); // the caller's tensor is read, not disposed, nothing left
    expect(t.isDisposed).toBe(false);
    expect(await semi.estimatePose([imageData])).toEqual(await semi.estimatePose([a.image]));
    expect((await semi.manipulate(t, (p) => p)).image).toEqual((await semi.manipulate(a.image, (p) => p)).image);
    const bad = await cond.reconstruct([{ nope: 1 } as never], [a.pose]).catch((e: unknown) => e);
    expect(isDGPoseError(bad, 'E_ARG')).toBe(true);
    expect(String(bad)).toMatch(/images\[0\]/);
    const empty = await cond.reconstruct([], []).catch((e: unknown) => e);
    expect(isDGPoseError(empty, 'E_EMPTY')).toBe(true);
  } finally {
    t.dispose();
    cond.dispose();
    semi.dispose();
  }
}, 60000);
