/* Image decoding, cropping and resizing for the real-data loaders (Node only: uses sharp). */
import * as fs from 'node:fs';
import type { Metadata, OutputInfo, Sharp } from 'sharp';
import { DGPoseError } from '@dgpose/core';
import type { Keypoint, Pose } from '@dgpose/core';
import type { RgbImage } from './types';

/** An axis-aligned crop in integer pixels of the source image; it may reach outside the image (padded). */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Maps source-image pixel coordinates to output-image coordinates:
 * `x' = (x - left + 0.5) * scaleX - 0.5` (same for y). Pixel *centres* map onto pixel centres, which
 * is what a resize does to the image content (x = column, 0 = centre of the first pixel).
 */
export interface PixelTransform {
  left: number;
  top: number;
  scaleX: number;
  scaleY: number;
  /** Output image size. */
  width: number;
  height: number;
}

export interface LoadImageOptions {
  /** Crop taken from the source image before resizing (default: the whole image). */
  crop?: CropBox;
  /** Output size `[height, width]` (default: the crop's size, i.e. no resize). */
  size?: readonly [number, number];
  /** RGB colour of padding where `crop` reaches outside the image (default black). */
  fill?: readonly [number, number, number];
}

export interface LoadedImage {
  image: RgbImage;
  transform: PixelTransform;
  /** Size of the decoded source image. */
  sourceWidth: number;
  sourceHeight: number;
}

function corrupt(path: string, cause: unknown): DGPoseError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new DGPoseError('E_IMAGE_CORRUPT', `cannot decode image ${path}: ${msg.split('\n')[0]}`, {
    argument: 'image',
    path,
    cause,
  });
}

async function readFileOrThrow(path: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(path);
  } catch (e) {
    throw new DGPoseError('E_IO', `cannot read image file`, {
      argument: 'image',
      path,
      cause: e,
      got: (e as NodeJS.ErrnoException).code,
    });
  }
}

type SharpFactory = (typeof import('sharp'))['default'];
let sharpModule: Promise<SharpFactory> | null = null;

/**
 * sharp, loaded on first use: an optional peer of @dgpose/datasets, needed only to read and write
 * image files (synthetic data and the main entry never load it). Missing: E_DEPENDENCY with the
 * install command.
 */
export function loadSharp(): Promise<SharpFactory> {
  sharpModule ??= import('sharp').then(
    (m) => m.default,
    (e: unknown) => {
      sharpModule = null;
      throw new DGPoseError(
        'E_DEPENDENCY',
        'reading or writing image files needs sharp, an optional peer of @dgpose/datasets: run `npm i sharp`',
        {
          argument: 'sharp',
          expected: 'the sharp package installed',
          got: e instanceof Error ? e.message : String(e),
          cause: e,
        },
      );
    },
  );
  return sharpModule;
}

/** Raw RGB of a sharp pipeline, whatever the source's channel count (grey, grey+alpha, RGBA). */
async function toRgb(pipeline: Sharp, path: string): Promise<RgbImage> {
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw corrupt(path, e);
  }
  const { data, info } = out;
  const n = info.width * info.height;
  if (info.channels === 3) {
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      channels: 3,
    };
  }
  const rgb = new Uint8Array(n * 3);
  const c = info.channels;
  for (let i = 0; i < n; i++) {
    const g = data[i * c];
    rgb[i * 3] = g;
    rgb[i * 3 + 1] = c >= 3 ? data[i * c + 1] : g;
    rgb[i * 3 + 2] = c >= 3 ? data[i * c + 2] : g;
  }
  return { data: rgb, width: info.width, height: info.height, channels: 3 };
}

function checkBox(crop: CropBox): void {
  for (const k of ['left', 'top', 'width', 'height'] as const) {
    if (!Number.isInteger(crop[k])) {
      throw new DGPoseError('E_ARG', `crop.${k} must be an integer`, {
        argument: `crop.${k}`,
        expected: 'integer',
        got: crop[k],
      });
    }
  }
  if (crop.width < 1 || crop.height < 1) {
    throw new DGPoseError('E_ARG', 'crop must be at least 1x1', {
      argument: 'crop',
      expected: 'width, height >= 1',
      got: crop,
    });
  }
}

/** Largest output side loadImage returns. */
const MAX_SIDE = 8192;

function checkSize(size: readonly [number, number]): void {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v >= 1 && v <= MAX_SIDE)) {
    throw new DGPoseError('E_ARG', `size must be [height, width] with integers in 1..${MAX_SIDE}`, {
      argument: 'size',
      expected: '[h, w]',
      got: size,
    });
  }
}

/** Copies `crop` out of `img`, padding with `fill` where it leaves the image. */
function cropPadded(img: RgbImage, crop: CropBox, fill: readonly [number, number, number]): RgbImage {
  const out = new Uint8Array(crop.width * crop.height * 3);
  if (fill[0] !== 0 || fill[1] !== 0 || fill[2] !== 0) {
    for (let i = 0; i < crop.width * crop.height; i++) {
      out[i * 3] = fill[0];
      out[i * 3 + 1] = fill[1];
      out[i * 3 + 2] = fill[2];
    }
  }
  const x0 = Math.max(0, crop.left);
  const x1 = Math.min(img.width, crop.left + crop.width);
  for (let y = Math.max(0, crop.top); y < Math.min(img.height, crop.top + crop.height); y++) {
    if (x1 <= x0) break;
    const src = (y * img.width + x0) * 3;
    const dst = ((y - crop.top) * crop.width + (x0 - crop.left)) * 3;
    out.set(img.data.subarray(src, src + (x1 - x0) * 3), dst);
  }
  return { data: out, width: crop.width, height: crop.height, channels: 3 };
}

/**
 * Where a JPEG ends: walks its segments from SOI (skipping each by its length, so an EXIF thumbnail's
 * own EOI is not taken for the image's) and its entropy-coded scans (where 0xFF is byte-stuffed as
 * FF 00, and FF D0-D7 are restart markers) to the EOI marker FF D9. Returns the offset just past EOI,
 * or why it was not found. Bytes after EOI are not part of the image and are ignored, as decoders do.
 */
function jpegEnd(b: Buffer): number | string {
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) return `corrupt JPEG (no marker at byte ${i})`;
    while (b[i + 1] === 0xff && i + 2 < b.length) i++; // fill bytes before a marker
    const marker = b[i + 1];
    if (marker === 0xd9) return i + 2;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (i + 4 > b.length) break;
    const len = b.readUInt16BE(i + 2);
    if (len < 2) return `corrupt JPEG (segment length ${len} at byte ${i})`;
    i += 2 + len;
    if (marker !== 0xda) continue;
    // Start of scan: entropy-coded data up to the next marker that is not a stuffed byte or a restart.
    while (
      i + 1 < b.length &&
      !(b[i] === 0xff && b[i + 1] !== 0x00 && b[i + 1] !== 0xff && !(b[i + 1] >= 0xd0 && b[i + 1] <= 0xd7))
    )
      i++;
  }
  return 'truncated JPEG (no end-of-image marker)';
}

/** Where a PNG ends: walks its chunks (length, type, data, CRC) to IEND; the offset past it, or why not. */
function pngEnd(b: Buffer): number | string {
  let i = 8;
  while (i + 12 <= b.length) {
    const len = b.readUInt32BE(i);
    if (len > 0x7fffffff) return `corrupt PNG (chunk length ${len} at byte ${i})`;
    if (b.toString('latin1', i + 4, i + 8) === 'IEND') return i + 12;
    i += 12 + len;
  }
  return 'truncated PNG (no IEND chunk)';
}

/**
 * Cheap truncation check. libvips decodes only the rows a crop needs, so a JPEG or PNG cut short
 * below the crop would otherwise load without complaint: a JPEG must reach its EOI marker, a PNG its
 * IEND chunk. Trailing bytes after them (appended metadata, padding) are accepted, as decoders do.
 */
function checkComplete(bytes: Buffer, path: string): void {
  let end: number | string | undefined;
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) end = jpegEnd(bytes);
  else if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) end = pngEnd(bytes);
  if (typeof end === 'string') throw corrupt(path, new Error(end));
}

/**
 * Decodes an image file to RGB, optionally cropping (padding outside the image) and resizing
 * (sharp, `fit: 'fill'`, its default Lanczos-3 kernel). Truncated or corrupt files throw
 * `E_IMAGE_CORRUPT` naming the path; unreadable files `E_IO`.
 */
export async function loadImage(path: string, opts: LoadImageOptions = {}): Promise<LoadedImage> {
  const sharp = await loadSharp();
  const bytes = await readFileOrThrow(path);
  checkComplete(bytes, path);
  // failOn 'warning' makes libjpeg's "premature end of JPEG file" (a truncated file) an error.
  const open = (): Sharp => sharp(bytes, { failOn: 'warning' });
  let meta: Metadata;
  try {
    meta = await open().metadata();
  } catch (e) {
    throw corrupt(path, e);
  }
  // Pixels are used as stored (no EXIF auto-rotation): the annotations refer to the stored pixels.
  const sw = meta.width ?? 0;
  const sh = meta.height ?? 0;
  if (sw < 1 || sh < 1) throw corrupt(path, new Error('image has no size'));
  if (opts.crop === undefined && opts.size === undefined && (sw > MAX_SIDE || sh > MAX_SIDE)) {
    // Without crop or size the output is the whole image: its header, not an argument, is at fault.
    throw corrupt(
      path,
      new Error(
        `image is ${sw}x${sh}, larger than the ${MAX_SIDE} px a side returned without a resize (pass size; or the header is corrupt)`,
      ),
    );
  }
  const crop = opts.crop ?? { left: 0, top: 0, width: sw, height: sh };
  checkBox(crop);
  const size = opts.size ?? [crop.height, crop.width];
  checkSize(size);
  const [oh, ow] = size;
  const fill = opts.fill ?? [0, 0, 0];
  const inside = crop.left >= 0 && crop.top >= 0 && crop.left + crop.width <= sw && crop.top + crop.height <= sh;
  let image: RgbImage;
  if (inside) {
    let p = open();
    if (crop.left !== 0 || crop.top !== 0 || crop.width !== sw || crop.height !== sh) p = p.extract(crop);
    if (oh !== crop.height || ow !== crop.width) p = p.resize(ow, oh, { fit: 'fill' });
    image = await toRgb(p, path);
  } else {
    const full = await toRgb(open(), path);
    const padded = cropPadded(full, crop, fill);
    if (oh === crop.height && ow === crop.width) image = padded;
    else {
      const p = sharp(Buffer.from(padded.data.buffer, padded.data.byteOffset, padded.data.length), {
        raw: { width: padded.width, height: padded.height, channels: 3 },
      }).resize(ow, oh, { fit: 'fill' });
      image = await toRgb(p, path);
    }
  }
  if (image.width !== ow || image.height !== oh) {
    throw corrupt(path, new Error(`decoded to ${image.width}x${image.height}, expected ${ow}x${oh}`));
  }
  return {
    image,
    transform: {
      left: crop.left,
      top: crop.top,
      scaleX: ow / crop.width,
      scaleY: oh / crop.height,
      width: ow,
      height: oh,
    },
    sourceWidth: sw,
    sourceHeight: sh,
  };
}

/** Encodes an RGB image as PNG bytes (sharp; `compressionLevel` 0-9, default 6). */
export async function encodePng(img: RgbImage, opts: { compressionLevel?: number } = {}): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const png = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png({ compressionLevel: opts.compressionLevel ?? 6 })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Applies a {@link PixelTransform} to one keypoint (null stays null; the score is kept). */
export function transformKeypoint(kp: Keypoint | null, t: PixelTransform): Keypoint | null {
  if (kp === null) return null;
  const out: Keypoint = { x: (kp.x - t.left + 0.5) * t.scaleX - 0.5, y: (kp.y - t.top + 0.5) * t.scaleY - 0.5 };
  if (kp.score !== undefined) out.score = kp.score;
  return out;
}

/** Applies a {@link PixelTransform} to every keypoint of a pose. */
export function transformPose(pose: Pose, t: PixelTransform): Pose {
  return { skeleton: pose.skeleton, keypoints: pose.keypoints.map((k) => transformKeypoint(k, t)) };
}

/** Parses the `size` option of the loaders: a number (square) or `[height, width]`. */
export function parseSizeOption(
  size: number | readonly [number, number] | undefined,
  argument = 'size',
): [number, number] | undefined {
  if (size === undefined) return undefined;
  const s: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  if (
    !(typeof size === 'number' || (Array.isArray(size) && size.length === 2)) ||
    !s.every((v) => Number.isInteger(v) && v >= 1 && v <= 8192)
  ) {
    throw new DGPoseError('E_CONFIG', `${argument} must be a positive integer or [height, width]`, {
      argument,
      expected: 'integer in 1..8192 or [h, w]',
      got: size,
    });
  }
  return s;
}

/** A reason a loader skipped a row, joint or file (lenient mode) and how many times. */
export type SkipCounts = Record<string, number>;

/** What a lenient loader skipped, by reason, with the first few examples of each. */
export interface SkipReport {
  /** Count per reason, e.g. `{ "image-missing": 4054, "joint-out-of-range": 3 }`. */
  counts: SkipCounts;
  /** Up to 5 examples per reason (`file:line: excerpt` or a path). */
  examples: Record<string, string[]>;
  /** Sum of all counts. */
  total: number;
}

/** Skip callback: reason code and a human-readable detail (path, line number and excerpt). */
export type OnSkip = (reason: string, detail: string) => void;

/** Collects skips by reason; every skip also goes to the user's `onSkip`, so none is silent. */
export class SkipCounter {
  private readonly counts: SkipCounts = {};
  private readonly examples: Record<string, string[]> = {};
  constructor(private readonly onSkip?: OnSkip) {}
  add(reason: string, detail: string): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    const ex = (this.examples[reason] ??= []);
    if (ex.length < 5) ex.push(detail);
    this.onSkip?.(reason, detail);
  }
  report(): SkipReport {
    const counts = { ...this.counts };
    const examples: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(this.examples)) examples[k] = [...v];
    return { counts, examples, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  }
}
