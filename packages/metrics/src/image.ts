import { DGPoseError } from '@dgpose/core';

/** Pixel storage accepted by the image metrics. Integer arrays hold integer intensities (e.g. uint8 0..255). */
export type PixelArray = Uint8Array | Uint8ClampedArray | Uint16Array | Int32Array | Float32Array | Float64Array;

/**
 * A plain image: `data` in HWC order (row-major, channels interleaved), `data.length` =
 * `height * width * channels`. Matches what `sharp(...).raw().toBuffer({ resolveWithObject: true })`
 * gives (`{ data, info: { width, height, channels } }`) and a `[H,W,C]` tensor's `await t.data()`.
 * Wider than `@dgpose/core`'s `RgbImage` on purpose (metrics also score grey, 16-bit and float
 * images); every `RgbImage` is a `RawImage`, so model outputs go in as they are.
 */
export interface RawImage {
  /** HWC pixel values; any range, given to the metric through its explicit `dataRange`. */
  readonly data: PixelArray;
  /** Columns (> 0). */
  readonly width: number;
  /** Rows (> 0). */
  readonly height: number;
  /** Interleaved channels per pixel (> 0): 1 grey, 3 RGB, ... */
  readonly channels: number;
}

const PIXEL_TYPES = [Uint8Array, Uint8ClampedArray, Uint16Array, Int32Array, Float32Array, Float64Array];

/** True for typed arrays that can hold only integers (PG2's masking truncates these, as numpy's uint8 cast does). */
export function isIntegerPixels(data: PixelArray): boolean {
  return !(data instanceof Float32Array || data instanceof Float64Array);
}

function posInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Checks that `img` is a well-formed {@link RawImage}: typed data of length H*W*C, positive integer
 * dimensions (E_EMPTY for a zero one) and, for float data, only finite values (E_NAN).
 */
export function validateImage(img: RawImage, argument: string): void {
  if (typeof img !== 'object' || img === null) {
    throw new DGPoseError('E_ARG', `${argument} is not an image`, {
      argument,
      expected: '{ data, width, height, channels }',
      got: img === null ? 'null' : typeof img,
    });
  }
  const { data, width, height, channels } = img;
  if (!PIXEL_TYPES.some((T) => data instanceof T)) {
    throw new DGPoseError('E_ARG', `${argument}.data has an unsupported type`, {
      argument: `${argument}.data`,
      expected: 'Uint8Array | Uint8ClampedArray | Uint16Array | Int32Array | Float32Array | Float64Array',
      got: data === null || data === undefined ? String(data) : ((data as object).constructor?.name ?? typeof data),
    });
  }
  if (!posInt(width) || !posInt(height) || !posInt(channels)) {
    throw new DGPoseError('E_ARG', `${argument} has invalid dimensions`, {
      argument,
      expected: 'non-negative integers width, height, channels',
      got: { width, height, channels },
    });
  }
  if (width === 0 || height === 0 || channels === 0) {
    throw new DGPoseError('E_EMPTY', `${argument} is empty`, {
      argument,
      expected: 'width, height and channels > 0',
      got: { width, height, channels },
    });
  }
  if (data.length !== width * height * channels) {
    throw new DGPoseError('E_SHAPE', `${argument}.data length does not match width*height*channels`, {
      argument: `${argument}.data`,
      expected: width * height * channels,
      got: data.length,
    });
  }
  if (!isIntegerPixels(data)) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isFinite(v)) {
        throw new DGPoseError('E_NAN', `${argument}.data contains a non-finite value at index ${i}`, {
          argument: `${argument}.data`,
          expected: 'finite numbers',
          got: v,
        });
      }
    }
  }
}

/** Shape [H,W,C] of an image, for error messages. */
export function imageShape(img: RawImage): [number, number, number] {
  return [img.height, img.width, img.channels];
}

/** Validates both images and that their shapes agree (E_SHAPE naming `b`). */
export function validatePair(a: RawImage, b: RawImage, argA: string, argB: string): void {
  validateImage(a, argA);
  validateImage(b, argB);
  const sa = imageShape(a);
  const sb = imageShape(b);
  if (sa[0] !== sb[0] || sa[1] !== sb[1] || sa[2] !== sb[2]) {
    throw new DGPoseError('E_SHAPE', `${argB} must have the shape of ${argA} [H,W,C]`, {
      argument: argB,
      expected: sa,
      got: sb,
    });
  }
}

/** Validates a required data range: a finite number > 0 (E_ARG otherwise; never inferred). */
export function validateDataRange(dataRange: unknown, argument = 'opts.dataRange'): number {
  if (typeof dataRange !== 'number' || !Number.isFinite(dataRange) || dataRange <= 0) {
    throw new DGPoseError(
      'E_ARG',
      `${argument} is required: the distance between the smallest and largest possible pixel value`,
      {
        argument,
        expected: 'a finite number > 0 (255 for uint8 images, 1 for [0,1], 2 for [-1,1])',
        got: dataRange === undefined ? 'undefined' : dataRange,
      },
    );
  }
  return dataRange;
}

/** Throws E_ARG unless `opts` is an object (options are one object, never positional). */
export function requireOptions<T extends object>(opts: T | undefined, argument = 'opts'): T {
  if (typeof opts !== 'object' || opts === null) {
    throw new DGPoseError('E_ARG', `${argument} is required`, {
      argument,
      expected: 'an options object',
      got: opts === null ? 'null' : typeof opts,
    });
  }
  return opts;
}
