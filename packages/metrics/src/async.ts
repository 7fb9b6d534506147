import { DGPoseError } from '@dgpose/core';
import type { PixelArray, RawImage } from './image';
import { type MaskOptions, maskedL1, maskedPsnr, maskedSsim } from './masked';
import { type PsnrOptions, psnr, psnrBatch } from './psnr';
import { type SsimOptions, ssim, ssimBatch } from './ssim';
import type { BatchStats } from './stats';

/**
 * What the async functions accept as a tensor: anything with `shape`, `dtype` and an async `data()`
 * (a tfjs `Tensor` duck-typed, so this package never imports tfjs). It is read with `await t.data()`
 * and never disposed: the caller keeps ownership.
 */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype: string;
  data(): Promise<ArrayLike<number>>;
}

/** One image: a {@link RawImage} or a tensor `[H,W,C]` (or `[H,W]`, one channel). */
export type ImageInput = RawImage | TensorLike;

/** Several images: a tensor `[N,H,W,C]`, or an array of {@link ImageInput}. */
export type BatchInput = TensorLike | readonly ImageInput[];

/** True for a tfjs-like tensor (has a `shape` array and a `data()` method). */
export function isTensorLike(x: unknown): x is TensorLike {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as { shape?: unknown }).shape) &&
    typeof (x as { data?: unknown }).data === 'function' &&
    typeof (x as { dtype?: unknown }).dtype === 'string'
  );
}

async function tensorValues(t: TensorLike, argument: string): Promise<PixelArray> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') {
    throw new DGPoseError('E_ARG', `${argument} has an unsupported dtype`, {
      argument,
      expected: 'float32 or int32',
      got: t.dtype,
    });
  }
  const v = await t.data();
  if (v instanceof Float32Array || v instanceof Int32Array) return v;
  // not a tfjs tensor after all: copy whatever array-like it gave
  return t.dtype === 'int32' ? Int32Array.from(v) : Float32Array.from(v);
}

/** Reads one image: a RawImage is returned as is; a `[H,W,C]` or `[H,W]` tensor is read (not disposed). */
export async function readImage(x: ImageInput, argument = 'image'): Promise<RawImage> {
  if (!isTensorLike(x)) return x;
  const s = x.shape;
  if (s.length !== 2 && s.length !== 3) {
    throw new DGPoseError('E_SHAPE', `${argument} must be a tensor of rank 3 [H,W,C] or 2 [H,W]`, {
      argument,
      expected: '[H,W,C]',
      got: [...s],
    });
  }
  const data = await tensorValues(x, argument);
  return { data, height: s[0], width: s[1], channels: s.length === 3 ? s[2] : 1 };
}

/**
 * Reads several images: a `[N,H,W,C]` tensor is read once (with `await t.data()`, not disposed) and
 * split into N views; an array has each element read with {@link readImage}.
 */
export async function readImages(x: BatchInput, argument = 'images'): Promise<RawImage[]> {
  if (isTensorLike(x)) {
    const s = x.shape;
    if (s.length !== 4) {
      throw new DGPoseError('E_SHAPE', `${argument} must be a tensor of rank 4 [N,H,W,C] or an array of images`, {
        argument,
        expected: '[N,H,W,C]',
        got: [...s],
      });
    }
    const [n, h, w, c] = s;
    const data = await tensorValues(x, argument);
    const size = h * w * c;
    return Array.from({ length: n }, (_, i) => ({
      data: data.subarray(i * size, (i + 1) * size),
      height: h,
      width: w,
      channels: c,
    }));
  }
  if (!Array.isArray(x)) {
    throw new DGPoseError('E_ARG', `${argument} must be a [N,H,W,C] tensor or an array of images`, {
      argument,
      expected: 'tensor or array',
      got: typeof x,
    });
  }
  return Promise.all(x.map((im, i) => readImage(im, `${argument}[${i}]`)));
}

/** {@link psnr} on images or tensors. */
export async function psnrAsync(reference: ImageInput, test: ImageInput, opts: PsnrOptions): Promise<number> {
  return psnr(await readImage(reference, 'reference'), await readImage(test, 'test'), opts);
}

/** {@link ssim} on images or tensors. */
export async function ssimAsync(a: ImageInput, b: ImageInput, opts: SsimOptions): Promise<number> {
  return ssim(await readImage(a, 'a'), await readImage(b, 'b'), opts);
}

/** {@link maskedSsim} on images or tensors (the mask `[H,W,1]`, `[H,W]` or `[H,W,C]`). */
export async function maskedSsimAsync(
  a: ImageInput,
  b: ImageInput,
  mask: ImageInput,
  opts: SsimOptions & MaskOptions,
): Promise<number> {
  return maskedSsim(await readImage(a, 'a'), await readImage(b, 'b'), await readImage(mask, 'mask'), opts);
}

/** {@link maskedPsnr} on images or tensors. */
export async function maskedPsnrAsync(
  a: ImageInput,
  b: ImageInput,
  mask: ImageInput,
  opts: PsnrOptions & MaskOptions,
): Promise<number> {
  return maskedPsnr(await readImage(a, 'a'), await readImage(b, 'b'), await readImage(mask, 'mask'), opts);
}

/** {@link maskedL1} on images or tensors. */
export async function maskedL1Async(
  a: ImageInput,
  b: ImageInput,
  mask: ImageInput,
  opts?: MaskOptions,
): Promise<number> {
  return maskedL1(await readImage(a, 'a'), await readImage(b, 'b'), await readImage(mask, 'mask'), opts);
}

/** {@link psnrBatch} on `[N,H,W,C]` tensors or arrays of images/tensors. */
export async function psnrBatchAsync(
  references: BatchInput,
  tests: BatchInput,
  opts: PsnrOptions,
): Promise<BatchStats> {
  return psnrBatch(await readImages(references, 'references'), await readImages(tests, 'tests'), opts);
}

/** {@link ssimBatch} on `[N,H,W,C]` tensors or arrays of images/tensors. */
export async function ssimBatchAsync(a: BatchInput, b: BatchInput, opts: SsimOptions): Promise<BatchStats> {
  return ssimBatch(await readImages(a, 'a'), await readImages(b, 'b'), opts);
}
