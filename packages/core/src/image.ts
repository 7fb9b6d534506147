import { DGPoseError } from './errors';

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

/** E_ARG / E_SHAPE unless `img` is a well-formed RgbImage (the one check every package uses). */
export function checkRgbImage(img: RgbImage, argument: string): void {
  if (!img || typeof img !== 'object' || !(img.data instanceof Uint8Array)) {
    throw new DGPoseError('E_ARG', `${argument} must be an RgbImage { data: Uint8Array, width, height, channels: 3 }`, {
      argument,
      got: img === null ? 'null' : typeof img,
    });
  }
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 2 || img.height < 2) {
    throw new DGPoseError('E_SHAPE', `${argument} has a bad size`, {
      argument,
      expected: 'integer width, height >= 2',
      got: [img.width, img.height],
    });
  }
  if (img.channels !== 3)
    throw new DGPoseError('E_SHAPE', `${argument} must have 3 channels (RGB)`, {
      argument: `${argument}.channels`,
      expected: 3,
      got: img.channels,
    });
  if (img.data.length !== img.width * img.height * 3) {
    throw new DGPoseError('E_SHAPE', `${argument}.data does not fit its size`, {
      argument: `${argument}.data`,
      expected: `${img.width}x${img.height}x3 = ${img.width * img.height * 3} bytes`,
      got: img.data.length,
    });
  }
}
