/**
 * The one task-level image of DGPose: 8-bit RGB, row-major HWC, pixel (x, y) channel c at
 * `data[(y * width + x) * 3 + c]`. Datasets return it, models take and return it, the trainer tiles
 * it into preview grids. Plain data (no tensor, no DOM type) so it crosses package and worker
 * boundaries and runs the same in Node and the browser.
 */
export interface RgbImage {
  /** HWC uint8 RGB, length `width * height * 3`. */
  data: Uint8Array;
  /** Columns (> 0). */
  width: number;
  /** Rows (> 0). */
  height: number;
  channels: 3;
}
