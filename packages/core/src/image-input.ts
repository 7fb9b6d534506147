/*
 * Every image a user may hold, turned into the one task-level image (RgbImage): ImageData,
 * HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap, a tfjs Tensor3D, a Blob/File
 * (decoded with createImageBitmap where it exists), and plain RGB or RGBA objects. Recognised by
 * their shape (duck typing), never by `instanceof` or a DOM global, so the same code runs in Node
 * (where tests pass look-alikes), in pages and in workers. No tfjs import: a tensor is only read.
 */
import { DGPoseError } from './errors';
import type { RgbImage } from './image';

/** 8-bit RGBA pixels, row-major (e.g. what a 2d canvas's getImageData returns). */
export interface RgbaImage {
  /** HWC RGBA, length `width * height * 4`. */
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 4;
}

/** The fields of a DOM `ImageData` that are read: RGBA bytes, no `channels` field. */
export interface ImageDataLike {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** An HTMLCanvasElement or OffscreenCanvas: read through its 2d context's getImageData. */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(contextId: '2d'): unknown;
}

/**
 * An HTMLImageElement (read at its natural size once loaded), an ImageBitmap or an
 * HTMLVideoElement frame: drawn onto a scratch 2d canvas, then read.
 */
export interface DrawableLike {
  width: number;
  height: number;
  naturalWidth?: number;
  naturalHeight?: number;
  videoWidth?: number;
  videoHeight?: number;
  /** HTMLImageElement: false until loaded. */
  complete?: boolean;
  /** ImageBitmap: frees it. */
  close?(): void;
}

/** A tfjs Tensor3D [H, W, 3 | 4], int32 or float32 with values in [0, 255]. Read, never disposed. */
export interface Tensor3DLike {
  shape: number[];
  dtype: string;
  data(): Promise<ArrayLike<number>>;
}

/** A Blob or File holding an encoded image (PNG, JPEG, ...), decoded with createImageBitmap. */
export interface BlobLike {
  size: number;
  type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** What {@link toRgbImage} accepts. */
export type ImageInput = RgbImage | RgbaImage | ImageDataLike | CanvasLike | DrawableLike | Tensor3DLike | BlobLike;

/** Options of {@link toRgbImage}. */
export interface ToRgbImageOptions {
  /** Name of the argument in error messages (default 'image'). */
  argument?: string;
  /**
   * Images whose longer side exceeds this are scaled down (aspect kept, area averaging) so that a
   * huge photo cannot exhaust memory. Default: no limit (verbs give poses in the input's pixels).
   */
  maxSide?: number;
}

const KINDS =
  'an RgbImage or RGBA { data, width, height, channels }, ImageData, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap, a Tensor3D [H,W,3|4] in 0..255, or an image Blob';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null;
const isFn = (x: unknown): x is (...a: unknown[]) => unknown => typeof x === 'function';
const isBytes = (x: unknown): x is Uint8Array | Uint8ClampedArray =>
  x instanceof Uint8Array || x instanceof Uint8ClampedArray;

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (!isObj(x)) return typeof x;
  const name = (x.constructor as { name?: string } | undefined)?.name;
  return name && name !== 'Object' ? name : `object with keys ${Object.keys(x).slice(0, 6).join(', ') || '(none)'}`;
}

function checkSize(width: unknown, height: unknown, argument: string): asserts width is number {
  if (!Number.isInteger(width) || !Number.isInteger(height) || (width as number) < 1 || (height as number) < 1) {
    throw new DGPoseError('E_SHAPE', `${argument} has no usable size`, {
      argument,
      expected: 'integer width and height >= 1',
      got: [width, height],
    });
  }
}

/** RGB (3) or RGBA (4) bytes of a width x height image into a new RgbImage (alpha dropped). */
function fromBytes(
  data: Uint8Array | Uint8ClampedArray | ArrayLike<number>,
  width: number,
  height: number,
  channels: 3 | 4,
): RgbImage {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (channels === 3) out.set(data as ArrayLike<number>);
  else {
    for (let i = 0; i < n; i++) {
      out[3 * i] = data[4 * i];
      out[3 * i + 1] = data[4 * i + 1];
      out[3 * i + 2] = data[4 * i + 2];
    }
  }
  return { data: out, width, height, channels: 3 };
}

function fromPlain(x: Obj, argument: string): RgbImage {
  const { data, width, height } = x;
  checkSize(width, height, argument);
  const h = height as number;
  // ImageData has no channels field: its bytes are RGBA
  const channels =
    x.channels ??
    (isBytes(data) && data.length === width * h * 4
      ? 4
      : isBytes(data) && data.length === width * h * 3
        ? 3
        : undefined);
  if (channels !== 3 && channels !== 4) {
    throw new DGPoseError('E_SHAPE', `${argument} must have 3 (RGB) or 4 (RGBA) channels`, {
      argument: `${argument}.channels`,
      expected: '3 or 4',
      got: x.channels,
    });
  }
  if (!isBytes(data)) {
    throw new DGPoseError('E_ARG', `${argument}.data must be a Uint8Array (RGB) or Uint8ClampedArray (RGBA)`, {
      argument: `${argument}.data`,
      expected: 'Uint8Array | Uint8ClampedArray',
      got: describe(data),
    });
  }
  if (data.length !== width * h * channels) {
    throw new DGPoseError('E_SHAPE', `${argument}.data does not fit its size`, {
      argument: `${argument}.data`,
      expected: `${width}x${h}x${channels} = ${width * h * channels} bytes (Uint8Array or Uint8ClampedArray)`,
      got: data.length,
    });
  }
  // An RgbImage as it is: no copy (callers never mutate inputs).
  if (channels === 3 && data instanceof Uint8Array)
    return x.channels === 3 ? (x as unknown as RgbImage) : { data, width, height: h, channels: 3 };
  return fromBytes(data, width, h, channels);
}

function readContext(ctx: unknown, width: number, height: number, argument: string): RgbImage {
  if (!isObj(ctx) || !isFn(ctx.getImageData)) {
    throw new DGPoseError(
      'E_ARG',
      `${argument} has no readable 2d context (a canvas already holding a webgl context cannot be read this way)`,
      {
        argument,
        expected: "a canvas whose getContext('2d') returns a context with getImageData",
        got: describe(ctx),
      },
    );
  }
  const im = (ctx.getImageData as (x: number, y: number, w: number, h: number) => unknown)(0, 0, width, height);
  if (!isObj(im) || !isBytes(im.data) || im.data.length !== width * height * 4) {
    throw new DGPoseError('E_SHAPE', `${argument}: getImageData returned no RGBA pixels of the canvas size`, {
      argument,
      expected: width * height * 4,
      got: isObj(im) && isBytes(im.data) ? im.data.length : describe(im),
    });
  }
  return fromBytes(im.data, width, height, 4);
}

/** A 2d scratch canvas: OffscreenCanvas where it exists (workers too), else a DOM canvas. */
function scratchContext(width: number, height: number, argument: string): { ctx: Obj } {
  const g = globalThis as unknown as {
    OffscreenCanvas?: new (w: number, h: number) => CanvasLike;
    document?: { createElement(t: string): CanvasLike };
  };
  let canvas: CanvasLike | undefined;
  if (isFn(g.OffscreenCanvas)) canvas = new g.OffscreenCanvas(width, height);
  else if (g.document && isFn(g.document.createElement)) {
    canvas = g.document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas?.getContext('2d');
  if (!isObj(ctx) || !isFn(ctx.drawImage)) {
    throw new DGPoseError(
      'E_ARG',
      `${argument} must be drawn on a canvas to be read, and there is no 2d canvas here (Node: pass ImageData, a tensor or RGB bytes)`,
      {
        argument,
        expected: 'OffscreenCanvas or document.createElement("canvas") with a 2d context',
        got: 'none',
      },
    );
  }
  return { ctx };
}

function drawableSize(x: Obj): [number, number] {
  if (typeof x.naturalWidth === 'number') return [x.naturalWidth, x.naturalHeight as number]; // HTMLImageElement
  if (typeof x.videoWidth === 'number') return [x.videoWidth, x.videoHeight as number]; // HTMLVideoElement
  return [x.width as number, x.height as number]; // ImageBitmap
}

function fromDrawable(x: Obj, argument: string, maxSide: number): RgbImage {
  const [w, h] = drawableSize(x);
  if (typeof x.naturalWidth === 'number' && (x.complete === false || w === 0)) {
    throw new DGPoseError(
      'E_ARG',
      `${argument} is an image that has not loaded (await img.decode() first), or failed to load`,
      { argument, expected: 'a loaded image', got: `${w}x${h}` },
    );
  }
  checkSize(w, h, argument);
  // Drawn straight at the target size: a huge photo never exists at full size as RGB bytes.
  const s = Math.min(1, maxSide / Math.max(w, h));
  const [tw, th] = [Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s))];
  const { ctx } = scratchContext(tw, th, argument);
  (ctx.drawImage as (i: unknown, x: number, y: number, w: number, h: number) => void)(x, 0, 0, tw, th);
  return readContext(ctx, tw, th, argument);
}

async function fromTensor(x: Tensor3DLike, argument: string): Promise<RgbImage> {
  const shape = x.shape;
  if (shape.length !== 3 || (shape[2] !== 3 && shape[2] !== 4)) {
    throw new DGPoseError('E_SHAPE', `${argument} must be a Tensor3D [height, width, 3 | 4]`, {
      argument,
      expected: '[H, W, 3] or [H, W, 4]',
      got: shape,
    });
  }
  if (x.dtype !== 'int32' && x.dtype !== 'float32') {
    throw new DGPoseError('E_ARG', `${argument} must be an int32 or float32 tensor with values in 0..255`, {
      argument,
      expected: 'int32 | float32',
      got: x.dtype,
    });
  }
  const [h, w, c] = shape;
  checkSize(w, h, argument);
  const v = await x.data();
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const a = v[i];
    if (!Number.isFinite(a))
      throw new DGPoseError('E_NAN', `${argument} holds NaN or Infinity at flat index ${i}`, {
        argument,
        expected: 'finite values in 0..255',
        got: a,
      });
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  // half a level of slack: float pixels that went through a resize round back into range
  if (lo < -0.5 || hi > 255.5) {
    throw new DGPoseError('E_ARG', `${argument} has values outside 0..255`, {
      argument,
      expected: 'values in 0..255 (a [-1,1] or [0,1] tensor must be rescaled first)',
      got: [lo, hi],
    });
  }
  const rounded = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) rounded[i] = Math.min(255, Math.max(0, Math.round(v[i])));
  return fromBytes(rounded, w, h, c as 3 | 4);
}

async function fromBlob(x: BlobLike, argument: string, maxSide: number): Promise<RgbImage> {
  const create = (globalThis as unknown as { createImageBitmap?: (b: unknown) => Promise<Obj> }).createImageBitmap;
  if (!isFn(create)) {
    throw new DGPoseError(
      'E_ARG',
      `${argument} is a Blob, and there is no createImageBitmap here to decode it (Node: decode with @dgpose/datasets/node)`,
      { argument, expected: KINDS, got: describe(x) },
    );
  }
  let bitmap: Obj;
  try {
    bitmap = await create.call(globalThis, x);
  } catch (e) {
    throw new DGPoseError(
      'E_IMAGE_CORRUPT',
      `${argument} is not an image that can be decoded${x.type ? ` (type ${x.type})` : ''}`,
      {
        argument,
        expected: 'an encoded image (PNG, JPEG, WebP, ...)',
        got: `${x.size} bytes, type '${x.type}'`,
        cause: e,
      },
    );
  }
  try {
    return fromDrawable(bitmap, argument, maxSide);
  } finally {
    if (isFn(bitmap.close)) (bitmap.close as () => void)();
  }
}

/** Area-averaging downscale so that the longer side is at most maxSide (a no-op when it fits). */
export function limitImageSide(im: RgbImage, maxSide: number): RgbImage {
  const { width: w, height: h, data } = im;
  if (Math.max(w, h) <= maxSide) return im;
  const s = maxSide / Math.max(w, h);
  const tw = Math.max(1, Math.round(w * s));
  const th = Math.max(1, Math.round(h * s));
  const out = new Uint8Array(tw * th * 3);
  for (let y = 0; y < th; y++) {
    const y0 = Math.floor((y * h) / th);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * h) / th));
    for (let x = 0; x < tw; x++) {
      const x0 = Math.floor((x * w) / tw);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * w) / tw));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++)
        for (let xx = x0; xx < x1; xx++) {
          const o = (yy * w + xx) * 3;
          r += data[o];
          g += data[o + 1];
          b += data[o + 2];
        }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * tw + x) * 3;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
    }
  }
  return { data: out, width: tw, height: th, channels: 3 };
}

/**
 * The RgbImage (HWC uint8 RGB) of any supported image: an RgbImage itself (returned as is), RGBA
 * plain objects and ImageData (alpha dropped), a canvas (its 2d pixels), an HTMLImageElement,
 * ImageBitmap or video frame (drawn on a scratch canvas), a Tensor3D [H,W,3|4] int32/float32 in
 * 0..255 (read, not disposed), or a Blob/File (decoded with createImageBitmap). E_ARG for anything
 * else (naming what it got and what is accepted), E_SHAPE for a bad size or channel count,
 * E_NAN / E_ARG for tensor values that are not finite or not in 0..255, E_IMAGE_CORRUPT for a Blob
 * that does not decode.
 */
export async function toRgbImage(input: ImageInput, opts: ToRgbImageOptions = {}): Promise<RgbImage> {
  const argument = opts.argument ?? 'image';
  const maxSide = opts.maxSide ?? Infinity;
  if (!(maxSide >= 1))
    throw new DGPoseError('E_ARG', 'maxSide must be a number >= 1', {
      argument: 'maxSide',
      expected: '>= 1',
      got: opts.maxSide,
    });
  const x = input as unknown;
  if (!isObj(x))
    throw new DGPoseError('E_ARG', `${argument} is not an image`, { argument, expected: KINDS, got: describe(x) });
  let out: RgbImage;
  if ('data' in x && !isFn(x.data))
    out = fromPlain(x, argument); // RgbImage, RGBA object, ImageData
  else if (Array.isArray(x.shape) && typeof x.dtype === 'string' && isFn(x.data))
    out = await fromTensor(x as unknown as Tensor3DLike, argument);
  else if (isFn(x.getContext) && typeof x.width === 'number') {
    checkSize(x.width, x.height, argument);
    // a canvas bigger than maxSide is drawn scaled like any image
    if (Math.max(x.width, x.height as number) > maxSide) return fromDrawable(x, argument, maxSide);
    return readContext((x.getContext as (t: string) => unknown)('2d'), x.width, x.height as number, argument);
  } else if (isFn(x.arrayBuffer) && typeof x.size === 'number')
    return fromBlob(x as unknown as BlobLike, argument, maxSide);
  else if (
    typeof x.naturalWidth === 'number' ||
    typeof x.videoWidth === 'number' ||
    (typeof x.width === 'number' && typeof x.height === 'number' && isFn(x.close))
  ) {
    return fromDrawable(x, argument, maxSide);
  } else throw new DGPoseError('E_ARG', `${argument} is not an image`, { argument, expected: KINDS, got: describe(x) });
  return limitImageSide(out, maxSide);
}

/** {@link toRgbImage} of each entry; `argument[i]` names the bad one. E_ARG unless `inputs` is an array. */
export async function toRgbImages(inputs: readonly ImageInput[], opts: ToRgbImageOptions = {}): Promise<RgbImage[]> {
  const argument = opts.argument ?? 'images';
  if (!Array.isArray(inputs))
    throw new DGPoseError('E_ARG', `${argument} must be an array of images`, {
      argument,
      expected: 'an array',
      got: describe(inputs),
    });
  const out: RgbImage[] = [];
  for (let i = 0; i < inputs.length; i++)
    out.push(await toRgbImage(inputs[i], { ...opts, argument: `${argument}[${i}]` }));
  return out;
}
