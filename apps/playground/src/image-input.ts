/*
 * Images in the page: a user's file decoded by the browser, shrunk when large (never decoded to the
 * model at full size), padded to the square frame the 64x64 models and MoveNet work in, and converted
 * to core's plain RgbImage. Every failure is a PlaygroundError with a sentence for the page.
 */
import { toRgbImage, type RgbImage } from '@dgpose/core';

/** Longest side a photo keeps (the models work at 64 px and MoveNet at 192-256 px). */
export const MAX_SIDE = 512;

/** An error whose message is written for the person using the page. */
export class PlaygroundError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlaygroundError';
  }
}

export interface LoadedPhoto {
  /** Square RGB image (side <= MAX_SIDE), the photo centred on a border-coloured pad. */
  image: RgbImage;
  /** Original size, and whether it was shrunk. */
  original: { width: number; height: number };
  resized: boolean;
}

function canvas2d(w: number, h: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new PlaygroundError('E_CANVAS', 'This browser gave no 2D canvas, so images cannot be read.');
  return { canvas, ctx };
}

/** RgbImage → ImageData (opaque), for drawing. */
export function imageDataFromRgb(im: RgbImage): ImageData {
  const out = new ImageData(im.width, im.height);
  for (let i = 0; i < im.width * im.height; i++) {
    out.data[4 * i] = im.data[3 * i];
    out.data[4 * i + 1] = im.data[3 * i + 1];
    out.data[4 * i + 2] = im.data[3 * i + 2];
    out.data[4 * i + 3] = 255;
  }
  return out;
}

/** Mean colour of the outermost pixel ring: the pad blends with the photo's own background. */
function borderColour(d: ImageData): string {
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  const add = (x: number, y: number): void => {
    const i = 4 * (y * d.width + x);
    r += d.data[i];
    g += d.data[i + 1];
    b += d.data[i + 2];
    n++;
  };
  for (let x = 0; x < d.width; x++) {
    add(x, 0);
    add(x, d.height - 1);
  }
  for (let y = 0; y < d.height; y++) {
    add(0, y);
    add(d.width - 1, y);
  }
  return `rgb(${Math.round(r / n)}, ${Math.round(g / n)}, ${Math.round(b / n)})`;
}

/**
 * Decodes a user's file. Non-images and files the browser cannot decode are refused with a message
 * naming the file; a photo larger than MAX_SIDE is shrunk (aspect kept) before anything else reads it.
 */
export async function loadPhoto(file: File): Promise<LoadedPhoto> {
  const what = `"${file.name}" (${file.type || 'unknown type'}, ${(file.size / 1024).toFixed(0)} KB)`;
  if (file.type && !file.type.startsWith('image/')) {
    throw new PlaygroundError('E_NOT_IMAGE', `${what} is not an image. Pick a JPEG, PNG or WebP photo of a person.`);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new PlaygroundError(
      'E_NOT_IMAGE',
      `${what} could not be decoded as an image. Pick a JPEG, PNG or WebP photo of a person.`,
    );
  }
  try {
    const original = { width: bitmap.width, height: bitmap.height };
    if (original.width < 2 || original.height < 2)
      throw new PlaygroundError(
        'E_IMAGE_SIZE',
        `${what} is ${original.width}x${original.height} pixels: too small to hold a person.`,
      );
    const scale = Math.min(1, MAX_SIDE / Math.max(original.width, original.height));
    const w = Math.max(1, Math.round(original.width * scale));
    const h = Math.max(1, Math.round(original.height * scale));
    const { ctx: small } = canvas2d(w, h);
    small.imageSmoothingQuality = 'high';
    small.drawImage(bitmap, 0, 0, w, h);
    const photo = small.getImageData(0, 0, w, h);
    const side = Math.max(w, h);
    const { canvas, ctx } = canvas2d(side, side);
    ctx.fillStyle = borderColour(photo);
    ctx.fillRect(0, 0, side, side);
    ctx.putImageData(photo, Math.floor((side - w) / 2), Math.floor((side - h) / 2));
    return { image: await toRgbImage(canvas), original, resized: scale < 1 };
  } finally {
    bitmap.close();
  }
}
