/*
 * Image grids with a skeleton overlay (plain RGB buffers; encode with sharp or a canvas).
 * Universal code: no Node imports.
 */
import { DGPoseError, checkNonNegativeInt, checkPositiveInt, getSkeleton } from '@dgpose/core';

const G = { where: 'tileImages', code: 'E_ARG' as const };
const A = { where: 'drawSkeletonGrid', code: 'E_ARG' as const };
import type { RgbImage, Sample } from './types';

/** Options of {@link drawSkeletonGrid}. */
export interface SkeletonGridOptions {
  /** Columns (default ceil(sqrt(n))). */
  cols?: number;
  /** Integer nearest-neighbour upscaling of each cell (default 1). */
  zoom?: number;
  /** Draw limbs and joints (default true). */
  skeleton?: boolean;
  /** Gap between cells in pixels (default 2), filled with `background`. */
  gap?: number;
  /** Gap colour, RGB 0-255 (default white). */
  background?: readonly [number, number, number];
}

// OpenPose-like limb colours, cycled over the skeleton's limbs.
const LIMB_COLORS: [number, number, number][] = [
  [255, 0, 0],
  [255, 85, 0],
  [255, 170, 0],
  [255, 255, 0],
  [170, 255, 0],
  [85, 255, 0],
  [0, 255, 0],
  [0, 255, 85],
  [0, 255, 170],
  [0, 255, 255],
  [0, 170, 255],
  [0, 85, 255],
  [0, 0, 255],
  [85, 0, 255],
  [170, 0, 255],
  [255, 0, 255],
  [255, 0, 170],
  [255, 0, 85],
];

function setPx(img: RgbImage, x: number, y: number, c: readonly number[]): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 3;
  img.data[i] = c[0];
  img.data[i + 1] = c[1];
  img.data[i + 2] = c[2];
}

function disc(img: RgbImage, cx: number, cy: number, r: number, c: readonly number[]): void {
  for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
    for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) setPx(img, x, y, c);
    }
  }
}

/** Options of {@link tileImages}. */
export interface TileOptions {
  /** Cell width in pixels (default: the widest image). Images are nearest-neighbour resized to the cell. */
  cellWidth?: number;
  /** Cell height in pixels (default: the tallest image). */
  cellHeight?: number;
  /** Gap between cells and around the grid in pixels (default 2), filled with `background`. */
  gap?: number;
  /** Gap colour, RGB 0-255 (default white). */
  background?: readonly [number, number, number];
}

/**
 * The one grid helper: tiles `rows` of images (rows may differ in length) into one RGB image, every
 * image nearest-neighbour resized to a `cellWidth` x `cellHeight` cell (pixel centres sampled, so an
 * integer upscale repeats each pixel exactly), with a `gap`-pixel border between and around cells.
 * Cell (r, c) starts at x = gap + c * (cellWidth + gap), y = gap + r * (cellHeight + gap).
 */
export function tileImages(rows: readonly (readonly RgbImage[])[], opts: TileOptions = {}): RgbImage {
  if (rows.length === 0 || rows.some((r) => r.length === 0)) {
    throw new DGPoseError('E_EMPTY', 'a grid needs at least one cell per row', {
      argument: 'rows',
      expected: '>= 1 image per row',
      got: rows.map((r) => r.length),
    });
  }
  const all = rows.flat();
  const cw = opts.cellWidth ?? Math.max(...all.map((i) => i.width));
  const ch = opts.cellHeight ?? Math.max(...all.map((i) => i.height));
  const gap = opts.gap ?? 2;
  checkPositiveInt('cellWidth', cw, G);
  checkPositiveInt('cellHeight', ch, G);
  checkNonNegativeInt('gap', gap, G);
  const cols = Math.max(...rows.map((r) => r.length));
  const W = cols * cw + (cols + 1) * gap;
  const H = rows.length * ch + (rows.length + 1) * gap;
  const data = new Uint8Array(W * H * 3);
  const bg = opts.background ?? [255, 255, 255];
  for (let i = 0; i < W * H; i++) data.set(bg, i * 3);
  rows.forEach((row, r) =>
    row.forEach((img, c) => {
      const ox = gap + c * (cw + gap);
      const oy = gap + r * (ch + gap);
      for (let y = 0; y < ch; y++) {
        const sy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / ch));
        for (let x = 0; x < cw; x++) {
          const sx = Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / cw));
          const si = (sy * img.width + sx) * 3;
          const di = ((oy + y) * W + ox + x) * 3;
          data[di] = img.data[si];
          data[di + 1] = img.data[si + 1];
          data[di + 2] = img.data[si + 2];
        }
      }
    }),
  );
  return { data, width: W, height: H, channels: 3 };
}

/**
 * Tiles samples into one RGB image (row-major, `cols` per row), each cell upscaled by `zoom`, with
 * the pose's limbs (the skeleton's `limbs`, OpenPose colours) and joints drawn on top.
 * All images must have the same size (E_SHAPE otherwise).
 */
export function drawSkeletonGrid(
  samples: readonly Pick<Sample, 'image' | 'pose'>[],
  opts: SkeletonGridOptions = {},
): RgbImage {
  if (samples.length === 0)
    throw new DGPoseError('E_EMPTY', 'drawSkeletonGrid needs at least one sample', {
      argument: 'samples',
      expected: '>= 1',
      got: 0,
    });
  const cols = checkPositiveInt('cols', opts.cols ?? Math.ceil(Math.sqrt(samples.length)), A);
  const zoom = checkPositiveInt('zoom', opts.zoom ?? 1, A);
  const gap = opts.gap ?? 2;
  const { width: w, height: h } = samples[0].image;
  samples.forEach((s, k) => {
    if (s.image.width !== w || s.image.height !== h) {
      throw new DGPoseError('E_SHAPE', 'drawSkeletonGrid: all images must have the same size', {
        argument: `samples[${k}].image`,
        expected: [h, w],
        got: [s.image.height, s.image.width],
      });
    }
  });
  const cw = w * zoom;
  const ch = h * zoom;
  const rows: RgbImage[][] = [];
  for (let k = 0; k < samples.length; k += cols) rows.push(samples.slice(k, k + cols).map((s) => s.image));
  const out = tileImages(rows, { cellWidth: cw, cellHeight: ch, gap, background: opts.background });
  const r = Math.max(1, (zoom * Math.max(w, h)) / 160);
  samples.forEach((s, k) => {
    const ox = gap + (k % cols) * (cw + gap);
    const oy = gap + Math.floor(k / cols) * (ch + gap);
    if (opts.skeleton === false) return;
    const sk = getSkeleton(s.pose.skeleton);
    const kp = s.pose.keypoints;
    // pixel centre x maps to the centre of its zoomed block
    const X = (x: number): number => ox + (x + 0.5) * zoom - 0.5;
    const Y = (y: number): number => oy + (y + 0.5) * zoom - 0.5;
    const cell: RgbImage = out;
    const clipLine = (a: { x: number; y: number }, b: { x: number; y: number }, c: readonly number[]): void => {
      const steps = Math.max(1, Math.ceil(Math.hypot(X(b.x) - X(a.x), Y(b.y) - Y(a.y))));
      for (let st = 0; st <= steps; st++) {
        const t = st / steps;
        const px = X(a.x + (b.x - a.x) * t);
        const py = Y(a.y + (b.y - a.y) * t);
        if (px < ox || py < oy || px > ox + cw - 1 || py > oy + ch - 1) continue;
        disc(cell, px, py, r * 0.6, c);
      }
    };
    sk.limbs.forEach(([a, b], li) => {
      const pa = kp[a];
      const pb = kp[b];
      if (pa && pb) clipLine(pa, pb, LIMB_COLORS[li % LIMB_COLORS.length]);
    });
    kp.forEach((p, j) => {
      if (p) disc(out, X(p.x), Y(p.y), r, LIMB_COLORS[j % LIMB_COLORS.length]);
    });
  });
  return out;
}
