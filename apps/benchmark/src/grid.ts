/* Image grids (input | reconstruction | transfer | target) as PNG bytes, via sharp. */
import sharp from 'sharp';
import type { RgbImage } from '@dgpose/models';
import type { GridRow } from './evaluate';

export const GRID_COLUMNS = Object.freeze(['input', 'reconstruction', 'transfer (input in the target pose)', 'target']);

/** PNG of the rows, each cell scaled by `scale` (nearest neighbour; default: to about 128 px) with a `gap`-pixel white border. */
export async function gridPng(rows: GridRow[], opts: { scale?: number; gap?: number } = {}): Promise<Uint8Array> {
  // cells of at least ~128 px, so 32 px and 64 px images stay visible in the report
  const side = Math.max(...rows.flatMap((r) => r.cells.map((c) => Math.max(c.width, c.height))));
  const scale = opts.scale ?? Math.max(1, Math.round(128 / side));
  const gap = opts.gap ?? 2;
  const cols = Math.max(...rows.map((r) => r.cells.length));
  const cw = Math.max(...rows.flatMap((r) => r.cells.map((c) => c.width))) * scale;
  const ch = Math.max(...rows.flatMap((r) => r.cells.map((c) => c.height))) * scale;
  const W = cols * cw + (cols + 1) * gap;
  const H = rows.length * ch + (rows.length + 1) * gap;
  const out = new Uint8Array(W * H * 3).fill(255);
  rows.forEach((row, r) =>
    row.cells.forEach((img: RgbImage, c) => {
      const ox = gap + c * (cw + gap);
      const oy = gap + r * (ch + gap);
      for (let y = 0; y < img.height * scale; y++) {
        const sy = Math.floor(y / scale);
        for (let x = 0; x < img.width * scale; x++) {
          const si = (sy * img.width + Math.floor(x / scale)) * 3;
          const di = ((oy + y) * W + ox + x) * 3;
          out[di] = img.data[si];
          out[di + 1] = img.data[si + 1];
          out[di + 2] = img.data[si + 2];
        }
      }
    }),
  );
  return new Uint8Array(await sharp(Buffer.from(out.buffer, out.byteOffset, out.byteLength), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
}
