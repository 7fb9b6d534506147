/* Test-only decoding with sharp, the same call as scripts/dump-raw.mjs (keep them identical). */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { RawImage } from '../image';

/** Decodes an image file to interleaved 8-bit RGB and returns it with the sha256 of its pixels. */
export async function decodeRgb(file: string): Promise<{ image: RawImage; sha256: string }> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  return {
    image: { data: pixels, width: info.width, height: info.height, channels: info.channels },
    sha256: createHash('sha256').update(pixels).digest('hex'),
  };
}
