import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeak, TEST_BACKENDS, useBackend, rejectsWithDGPoseError } from '@dgpose/test-utils';
import {
  isTensorLike,
  maskedL1Async,
  maskedPsnrAsync,
  maskedSsimAsync,
  psnrAsync,
  psnrBatchAsync,
  readImage,
  readImages,
  ssimAsync,
  ssimBatchAsync,
} from './async';
import { maskedL1, maskedPsnr, maskedSsim } from './masked';
import { psnr, psnrBatch } from './psnr';
import { ssim, ssimBatch } from './ssim';
import { makeMask, makePair } from './__fixtures__/synthetic';

const [a, b] = makePair({
  id: 'x',
  kind: 'u8-smooth',
  height: 20,
  width: 24,
  channels: 3,
  seed: 21,
  dataRange: 255,
  mask: false,
});
const [c, d] = makePair({
  id: 'y',
  kind: 'u8-noise',
  height: 20,
  width: 24,
  channels: 3,
  seed: 22,
  dataRange: 255,
  mask: false,
});
const mask = makeMask(20, 24);
const opts = { dataRange: 255, convention: 'wang' } as const;

describe.each(TEST_BACKENDS)('tensor inputs on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('duck-types tensors and never imports tfjs itself', () => {
    const t = tf.zeros([2, 2, 1]);
    expect(isTensorLike(t)).toBe(true);
    expect(isTensorLike(a)).toBe(false);
    t.dispose();
  });

  it('single images: the same values as the array functions, inputs left alive, no leak', async () => {
    const ta = tf.tensor3d(Float32Array.from(a.data), [20, 24, 3]);
    const tb = tf.tensor3d(Int32Array.from(b.data), [20, 24, 3], 'int32');
    const tm = tf.tensor2d(Float32Array.from(mask.data), [20, 24]);
    await expectNoLeak(async () => {
      expect(await psnrAsync(ta, tb, { dataRange: 255 })).toBe(psnr(a, b, { dataRange: 255 }));
      expect(await ssimAsync(ta, b, opts)).toBe(ssim(a, b, opts));
      expect(await maskedSsimAsync(ta, tb, tm, { ...opts, truncate: true })).toBe(maskedSsim(a, b, mask, opts));
      expect(await maskedPsnrAsync(ta, tb, tm, { dataRange: 255, truncate: true })).toBe(
        maskedPsnr(a, b, mask, { dataRange: 255 }),
      );
      expect(await maskedL1Async(a, tb, tm, { truncate: true })).toBe(maskedL1(a, b, mask));
    });
    for (const t of [ta, tb, tm]) expect(t.isDisposed).toBe(false);
    expect((await readImage(tm)).channels).toBe(1);
    tf.dispose([ta, tb, tm]);
  });

  it('batches: a [N,H,W,C] tensor or an array of tensors / images', async () => {
    const stack = (xs: (typeof a)[]): tf.Tensor4D =>
      tf.tensor4d(Float32Array.from(xs.flatMap((x) => Array.from(x.data))), [xs.length, 20, 24, 3]);
    const ta = stack([a, c]);
    const tb = stack([b, d]);
    const tc = tf.tensor3d(Float32Array.from(c.data), [20, 24, 3]);
    await expectNoLeak(async () => {
      const p = await psnrBatchAsync(ta, tb, { dataRange: 255 });
      expect(p).toEqual(psnrBatch([a, c], [b, d], { dataRange: 255 }));
      const s = await ssimBatchAsync([a, tc], tb, { dataRange: 255, convention: 'pg2' });
      expect(s).toEqual(ssimBatch([a, c], [b, d], { dataRange: 255, convention: 'pg2' }));
      const imgs = await readImages(ta);
      expect(imgs.map((x) => [x.height, x.width, x.channels])).toEqual([
        [20, 24, 3],
        [20, 24, 3],
      ]);
    });
    expect(ta.isDisposed || tb.isDisposed || tc.isDisposed).toBe(false);
    tf.dispose([ta, tb, tc]);
  });

  it('wrong ranks and dtypes are refused', async () => {
    const t4 = tf.zeros([1, 4, 4, 1]);
    const t3 = tf.zeros([4, 4, 1]);
    const tBool = tf.zeros([4, 4, 1], 'bool');
    const t5 = tf.zeros([4, 5, 1]);
    await rejectsWithDGPoseError(psnrAsync(t4, t4, { dataRange: 1 }), 'E_SHAPE');
    await rejectsWithDGPoseError(psnrBatchAsync(t3, t3, { dataRange: 1 }), 'E_SHAPE');
    await rejectsWithDGPoseError(psnrAsync(tBool, tBool, { dataRange: 1 }), 'E_ARG');
    await rejectsWithDGPoseError(ssimAsync(t3, t5, { dataRange: 1, convention: 'pg2' }), 'E_SHAPE');
    tf.dispose([t4, t3, tBool, t5]);
  });
});
