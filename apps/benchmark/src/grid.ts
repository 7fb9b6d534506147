/* Image grids (input | reconstruction | transfer | target) as PNG bytes: datasets' tileImages + encodePng. */
import { tileImages } from '@dgpose/datasets';
import { encodePng } from '@dgpose/datasets/node';
import type { GridRow } from './evaluate';

export const GRID_COLUMNS = Object.freeze(['input', 'reconstruction', 'transfer (input in the target pose)', 'target']);

/** PNG of the rows, each cell scaled by `scale` (nearest neighbour; default: to about 128 px) with a `gap`-pixel white border. */
export async function gridPng(rows: GridRow[], opts: { scale?: number; gap?: number } = {}): Promise<Uint8Array> {
  const cells = rows.flatMap((r) => r.cells);
  // cells of at least ~128 px, so 32 px and 64 px images stay visible in the report
  const scale = opts.scale ?? Math.max(1, Math.round(128 / Math.max(...cells.map((c) => Math.max(c.width, c.height)))));
  const cellWidth = Math.max(...cells.map((c) => c.width)) * scale;
  const cellHeight = Math.max(...cells.map((c) => c.height)) * scale;
  return encodePng(
    tileImages(
      rows.map((r) => r.cells),
      { cellWidth, cellHeight, gap: opts.gap ?? 2 },
    ),
  );
}
