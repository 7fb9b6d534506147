// toRgbImage in Node with look-alikes of the DOM types (no DOM here), and a real tfjs tensor.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isDGPoseError } from './errors';
import { limitImageSide, toRgbImage, toRgbImages } from './image-input';

/** A w x h RGBA pattern with alpha that must be dropped. */
function rgba(w: number, h: number): Uint8ClampedArray {
  const d = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set([i % 256, (3 * i) % 256, (7 * i + 1) % 256, 17], 4 * i);
  return d;
}
function rgbOf(d: ArrayLike<number>, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(d[4 * i], d[4 * i + 1], d[4 * i + 2]);
  return out;
}
/** A fake 2d context over RGBA pixels: getImageData of the whole, drawImage records its call. */
function fakeContext(pixels: Uint8ClampedArray, w: number, h: number) {
  const calls: unknown[][] = [];
  return {
    calls,
    getImageData: (x: number, y: number, ww: number, hh: number) => {
      calls.push(['getImageData', x, y, ww, hh]);
      expect([x, y, ww, hh]).toEqual([0, 0, w, h]);
      return { data: pixels, width: w, height: h };
    },
    drawImage: (...a: unknown[]) => calls.push(['drawImage', ...a]),
  };
}
async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(isDGPoseError(e)).toBe(true);
    return (e as { code: string }).code;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

describe('toRgbImage', () => {
  test('an RgbImage is returned as is; RGB without channels and RGBA objects are converted', async () => {
    const im = { data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 2, height: 1, channels: 3 as const };
    expect(await toRgbImage(im)).toBe(im);
    const r = await toRgbImage({ data: new Uint8Array([9, 8, 7, 255, 1, 2, 3, 0]), width: 1, height: 2, channels: 4 });
    expect(r).toEqual({ data: new Uint8Array([9, 8, 7, 1, 2, 3]), width: 1, height: 2, channels: 3 });
  });

  test('ImageData (RGBA, no channels field) drops alpha', async () => {
    const d = rgba(5, 3);
    const r = await toRgbImage({ data: d, width: 5, height: 3 });
    expect(r.channels).toBe(3);
    expect([r.width, r.height]).toEqual([5, 3]);
    expect(Array.from(r.data)).toEqual(rgbOf(d, 15));
    expect(r.data).toBeInstanceOf(Uint8Array);
  });

  test('a canvas is read through getContext("2d").getImageData', async () => {
    const d = rgba(4, 6);
    const ctx = fakeContext(d, 4, 6);
    const canvas = { width: 4, height: 6, getContext: (t: string) => (t === '2d' ? ctx : null) };
    const r = await toRgbImage(canvas);
    expect(Array.from(r.data)).toEqual(rgbOf(d, 24));
    expect([r.width, r.height]).toEqual([4, 6]);
    // a canvas holding a webgl context has no 2d one
    expect(await code(toRgbImage({ width: 4, height: 6, getContext: () => null }))).toBe('E_ARG');
  });

  describe('drawables go through a scratch canvas', () => {
    const g = globalThis as { OffscreenCanvas?: unknown };
    let made: { w: number; h: number; ctx: ReturnType<typeof fakeContext> }[] = [];
    beforeEach(() => {
      made = [];
      g.OffscreenCanvas = class {
        constructor(
          public width: number,
          public height: number,
        ) {}
        getContext() {
          const ctx = fakeContext(rgba(this.width, this.height), this.width, this.height);
          made.push({ w: this.width, h: this.height, ctx });
          return ctx;
        }
      };
    });
    afterEach(() => delete g.OffscreenCanvas);

    test('HTMLImageElement at its natural size, ImageBitmap at its size', async () => {
      const img = { width: 10, height: 10, naturalWidth: 7, naturalHeight: 5, complete: true };
      const r = await toRgbImage(img);
      expect([r.width, r.height]).toEqual([7, 5]);
      expect(made[0].ctx.calls[0]).toEqual(['drawImage', img, 0, 0, 7, 5]);
      const bitmap = { width: 3, height: 2, close: () => {} };
      expect((await toRgbImage(bitmap)).data.length).toBe(3 * 2 * 3);
    });

    test('a huge image is drawn scaled to maxSide; an unloaded one is E_ARG', async () => {
      const r = await toRgbImage(
        { width: 0, height: 0, naturalWidth: 8000, naturalHeight: 4000, complete: true },
        { maxSide: 512 },
      );
      expect([r.width, r.height]).toEqual([512, 256]);
      expect(await code(toRgbImage({ width: 0, height: 0, naturalWidth: 0, naturalHeight: 0, complete: false }))).toBe(
        'E_ARG',
      );
    });

    test('a Blob is decoded with createImageBitmap; one that does not decode is E_IMAGE_CORRUPT', async () => {
      const gg = globalThis as { createImageBitmap?: unknown };
      let closed = 0;
      gg.createImageBitmap = async (b: { type: string }) => {
        if (b.type !== 'image/png') throw new Error('The source image could not be decoded.');
        return { width: 6, height: 4, close: () => closed++ };
      };
      try {
        const blob = (type: string) => ({ size: 10, type, arrayBuffer: async () => new ArrayBuffer(10) });
        const r = await toRgbImage(blob('image/png'));
        expect([r.width, r.height, closed]).toEqual([6, 4, 1]);
        expect(await code(toRgbImage(blob('text/plain')))).toBe('E_IMAGE_CORRUPT');
      } finally {
        delete gg.createImageBitmap;
      }
    });
  });

  test('without any canvas, a drawable or a Blob is E_ARG saying so', async () => {
    expect(await code(toRgbImage({ width: 3, height: 2, close: () => {} }))).toBe('E_ARG');
    expect(await code(toRgbImage({ size: 3, type: 'image/png', arrayBuffer: async () => new ArrayBuffer(3) }))).toBe(
      'E_ARG',
    );
  });

  test('Tensor3D int32 and float32 in 0..255, RGB or RGBA; the tensor is not disposed', async () => {
    const vals = [0, 10, 255, 128, 64, 32];
    const t = tf.tensor3d(vals, [1, 2, 3], 'int32');
    expect(Array.from((await toRgbImage(t)).data)).toEqual(vals);
    const f = tf.tensor3d([0.4, 254.6, 3, 200, 9, 8, 7, 1], [2, 1, 4], 'float32');
    const r = await toRgbImage(f);
    expect([r.width, r.height]).toEqual([1, 2]);
    expect(Array.from(r.data)).toEqual([0, 255, 3, 9, 8, 7]);
    expect(t.isDisposed || f.isDisposed).toBe(false);
    tf.dispose([t, f]);
  });

  test('bad tensors: rank, channels, dtype, range, NaN', async () => {
    const bad = [
      [tf.zeros([2, 2]), 'E_SHAPE'],
      [tf.zeros([2, 2, 2]), 'E_SHAPE'],
      [tf.zeros([2, 2, 3], 'bool'), 'E_ARG'],
      [tf.fill([2, 2, 3], 300), 'E_ARG'],
      [tf.fill([2, 2, 3], -1), 'E_ARG'],
      [tf.fill([2, 2, 3], NaN), 'E_NAN'],
    ] as const;
    for (const [t, c] of bad) {
      expect(await code(toRgbImage(t as never))).toBe(c);
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(0);
  });

  test('anything else is E_ARG naming what it got; bad sizes and byte counts are E_SHAPE', async () => {
    for (const x of [null, 42, 'a.png', {}, { foo: 1 }, new Uint8Array(12)]) {
      const e = await toRgbImage(x as never).catch((err) => err);
      expect(isDGPoseError(e, 'E_ARG') || isDGPoseError(e, 'E_SHAPE')).toBe(true);
    }
    const e = await toRgbImage({ foo: 1 } as never).catch((err) => err);
    expect(e.code).toBe('E_ARG');
    expect(e.message).toMatch(/ImageData, HTMLImageElement/);
    expect(e.message).toMatch(/foo/);
    expect(await code(toRgbImage({ data: new Uint8Array(5), width: 2, height: 1, channels: 3 }))).toBe('E_SHAPE');
    expect(await code(toRgbImage({ data: new Uint8Array(6), width: 2, height: 1, channels: 2 as never }))).toBe(
      'E_SHAPE',
    );
    expect(await code(toRgbImage({ data: new Uint8Array(0), width: 0, height: 1, channels: 3 }))).toBe('E_SHAPE');
    expect(await code(toRgbImage({ data: [1, 2, 3] as never, width: 1, height: 1, channels: 3 }))).toBe('E_ARG');
  });

  test('toRgbImages names the bad entry; maxSide shrinks data inputs by area averaging', async () => {
    const ok = { data: new Uint8Array(3), width: 1, height: 1, channels: 3 as const };
    const e = await toRgbImages([ok, { bad: true } as never]).catch((err) => err);
    expect(e.details.argument).toBe('images[1]');
    expect(await code(toRgbImages('x' as never))).toBe('E_ARG');
    // 4x2 -> 2x1: each output pixel is the mean of a 2x2 block
    const d = new Uint8Array(4 * 2 * 3);
    for (let i = 0; i < 8; i++) d.fill(i * 10, 3 * i, 3 * i + 3);
    const r = await toRgbImage({ data: d, width: 4, height: 2, channels: 3 }, { maxSide: 2 });
    expect([r.width, r.height]).toEqual([2, 1]);
    expect(Array.from(r.data)).toEqual([25, 25, 25, 45, 45, 45]); // (0+10+40+50)/4, (20+30+60+70)/4
    const small = { data: new Uint8Array(3), width: 1, height: 1, channels: 3 as const };
    expect(limitImageSide(small, 4)).toBe(small);
  });
});
