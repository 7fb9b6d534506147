/*
 * Sample grids: rows of equally sized RGB cells (input | reconstruction | transfer | samples),
 * separated by a gap, written as PNG with sharp (atomically, via core's writeFileAtomic).
 */
import sharp from 'sharp';
import { DGPoseError, type RgbImage } from '@dgpose/core';
import { writeFileAtomic } from '@dgpose/core/node';

/** @deprecated the same type as `RgbImage` from `@dgpose/core`; use that. */
export type GridImage = RgbImage;

/**
 * Tiles `rows` (each a list of cells; every cell `cell` x `cell` pixels) into one image with a
 * `gap`-pixel white border between cells. Cells of another size are nearest-neighbour resized.
 */
export function composeGrid(rows: RgbImage[][], cell: number, gap = 2): RgbImage {
  if (rows.length === 0 || rows.some((r) => r.length === 0)) throw new DGPoseError('E_EMPTY', 'a grid needs at least one cell per row', { argument: 'rows' });
  const cols = Math.max(...rows.map((r) => r.length));
  const width = cols * cell + (cols + 1) * gap;
  const height = rows.length * cell + (rows.length + 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(255);
  rows.forEach((row, r) => {
    row.forEach((img, c) => {
      const ox = gap + c * (cell + gap);
      const oy = gap + r * (cell + gap);
      for (let y = 0; y < cell; y++) {
        const sy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / cell));
        for (let x = 0; x < cell; x++) {
          const sx = Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / cell));
          const s = (sy * img.width + sx) * 3;
          const d = ((oy + y) * width + ox + x) * 3;
          data[d] = img.data[s];
          data[d + 1] = img.data[s + 1];
          data[d + 2] = img.data[s + 2];
        }
      }
    });
  });
  return { data, width, height, channels: 3 };
}

/** Encodes `img` as PNG and writes it atomically to `file`. */
export async function writePng(file: string, img: RgbImage): Promise<void> {
  const png = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png()
    .toBuffer();
  await writeFileAtomic(file, new Uint8Array(png.buffer, png.byteOffset, png.byteLength));
}
