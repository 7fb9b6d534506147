/*
 * Image grids with a skeleton overlay (plain RGB buffers; encode with sharp or a canvas).
 * Universal code: no Node imports.
 */
import { DGPoseError, getSkeleton } from '@dgpose/core';
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
  background?: [number, number, number];
}

// OpenPose-like limb colours, cycled over the skeleton's limbs.
const LIMB_COLORS: [number, number, number][] = [
  [255, 0, 0], [255, 85, 0], [255, 170, 0], [255, 255, 0], [170, 255, 0], [85, 255, 0],
  [0, 255, 0], [0, 255, 85], [0, 255, 170], [0, 255, 255], [0, 170, 255], [0, 85, 255],
  [0, 0, 255], [85, 0, 255], [170, 0, 255], [255, 0, 255], [255, 0, 170], [255, 0, 85],
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

/**
 * Tiles samples into one RGB image (row-major, `cols` per row), each cell upscaled by `zoom`, with
 * the pose's limbs (the skeleton's `limbs`, OpenPose colours) and joints drawn on top.
 * All images must have the same size (E_SHAPE otherwise).
 */
export function drawSkeletonGrid(samples: readonly Pick<Sample, 'image' | 'pose'>[], opts: SkeletonGridOptions = {}): RgbImage {
  if (samples.length === 0) throw new DGPoseError('E_EMPTY', 'drawSkeletonGrid needs at least one sample', { argument: 'samples', expected: '>= 1', got: 0 });
  const cols = opts.cols ?? Math.ceil(Math.sqrt(samples.length));
  const zoom = opts.zoom ?? 1;
  const gap = opts.gap ?? 2;
  if (!Number.isInteger(cols) || cols < 1) throw new DGPoseError('E_ARG', 'cols must be an integer >= 1', { argument: 'cols', expected: '>= 1', got: cols });
  if (!Number.isInteger(zoom) || zoom < 1) throw new DGPoseError('E_ARG', 'zoom must be an integer >= 1', { argument: 'zoom', expected: '>= 1', got: zoom });
  const { width: w, height: h } = samples[0].image;
  const rows = Math.ceil(samples.length / cols);
  const cw = w * zoom;
  const ch = h * zoom;
  const W = cols * cw + (cols + 1) * gap;
  const H = rows * ch + (rows + 1) * gap;
  const out: RgbImage = { data: new Uint8Array(W * H * 3), width: W, height: H, channels: 3 };
  const bgc = opts.background ?? [255, 255, 255];
  for (let i = 0; i < W * H; i++) out.data.set(bgc, i * 3);
  const r = Math.max(1, zoom * Math.max(w, h) / 160);
  samples.forEach((s, k) => {
    if (s.image.width !== w || s.image.height !== h) {
      throw new DGPoseError('E_SHAPE', 'drawSkeletonGrid: all images must have the same size', { argument: `samples[${k}].image`, expected: [h, w], got: [s.image.height, s.image.width] });
    }
    const ox = gap + (k % cols) * (cw + gap);
    const oy = gap + Math.floor(k / cols) * (ch + gap);
    for (let y = 0; y < ch; y++) {
      const sy = Math.floor(y / zoom);
      for (let x = 0; x < cw; x++) {
        const si = (sy * w + Math.floor(x / zoom)) * 3;
        const di = ((oy + y) * W + ox + x) * 3;
        out.data[di] = s.image.data[si];
        out.data[di + 1] = s.image.data[si + 1];
        out.data[di + 2] = s.image.data[si + 2];
      }
    }
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
