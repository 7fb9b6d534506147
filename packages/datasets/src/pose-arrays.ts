/*
 * Plain-array pose helpers used by batching: coordinate normalisation (the same convention as
 * @dgpose/mapper's coords.ts), Gaussian heatmaps (the same formula as mapper's gaussianHeatmaps,
 * re-implemented here because datasets depends only on core), and horizontal flips.
 * Universal code: no Node imports.
 */
import { DGPoseError, type Skeleton } from '@dgpose/core';

/**
 * Pixel -> normalised coordinate along an axis of `n` pixels, "aligned corners" (as in
 * @dgpose/mapper): x' = 2x/(n-1) - 1, so -1 is the centre of the first pixel and +1 the centre of
 * the last one.
 */
export function pixelToNormalized(p: number, n: number): number {
  return (2 * p) / (n - 1) - 1;
}

/** Inverse of {@link pixelToNormalized}: x = (x'+1)(n-1)/2. */
export function normalizedToPixel(q: number, n: number): number {
  return ((q + 1) * (n - 1)) / 2;
}

/**
 * σ of pose-gan / Pose-Transfer (6 px at 256 px height), scaled with the image height
 * (1.5 px at 64, 3 px at 128); the same default as @dgpose/mapper's `defaultSigma`.
 */
export function defaultHeatmapSigma(height: number): number {
  return (6 * height) / 256;
}

/**
 * Per-joint Gaussian heatmaps into `out` at `offset`, layout [H,W,J]:
 * H_j(u, v) = exp(-((u - x_j)² + (v - y_j)²) / (2σ²)), u = column and v = row of a pixel centre, in
 * pixels (pose-gan `cords_to_map`; docs/paper-notes.md §4.3). A missing joint (visible 0) gives an
 * all-zero channel. Computed separably: exp runs on (H + W)·J values.
 */
export function gaussianHeatmapsInto(
  out: Float32Array,
  offset: number,
  coords: ArrayLike<number>,
  visible: ArrayLike<number>,
  width: number,
  height: number,
  sigma: number,
): void {
  if (!(Number.isFinite(sigma) && sigma > 0)) {
    throw new DGPoseError('E_ARG', 'heatmap sigma must be a finite number > 0 (pixels)', {
      argument: 'sigma',
      expected: '> 0',
      got: sigma,
    });
  }
  const J = visible.length;
  const k = -1 / (2 * sigma * sigma);
  const gx = new Float32Array(width * J);
  const gy = new Float32Array(height * J);
  for (let j = 0; j < J; j++) {
    if (!visible[j]) continue;
    const x = coords[2 * j];
    const y = coords[2 * j + 1];
    for (let u = 0; u < width; u++) gx[u * J + j] = Math.exp(k * (u - x) * (u - x));
    for (let v = 0; v < height; v++) gy[v * J + j] = Math.exp(k * (v - y) * (v - y));
  }
  let o = offset;
  for (let v = 0; v < height; v++) {
    const yo = v * J;
    for (let u = 0; u < width; u++) {
      const xo = u * J;
      for (let j = 0; j < J; j++) out[o++] = gy[yo + j] * gx[xo + j];
    }
  }
}

/**
 * Mirrors an HWC image in place (x -> W-1-x), `channels` values per pixel, starting at `offset`.
 */
export function flipImageInPlace(
  data: Float32Array | Uint8Array,
  offset: number,
  width: number,
  height: number,
  channels: number,
): void {
  for (let y = 0; y < height; y++) {
    const row = offset + y * width * channels;
    for (let a = 0, b = width - 1; a < b; a++, b--) {
      const ia = row + a * channels;
      const ib = row + b * channels;
      for (let c = 0; c < channels; c++) {
        const t = data[ia + c];
        data[ia + c] = data[ib + c];
        data[ib + c] = t;
      }
    }
  }
}

/**
 * Flips pixel coordinates [2J] and visibility [J] horizontally in place: x -> W-1-x, then swaps the
 * skeleton's left/right `flipPairs` (so the joint that was the left wrist, now on the image's other
 * side, is labelled the right wrist, as a person seen in a mirror). Missing joints stay missing.
 */
export function flipPoseArraysInPlace(
  coords: Float32Array,
  coordOffset: number,
  visible: Float32Array | Uint8Array,
  visOffset: number,
  width: number,
  skeleton: Skeleton,
): void {
  const J = skeleton.joints.length;
  for (let j = 0; j < J; j++) {
    if (visible[visOffset + j]) coords[coordOffset + 2 * j] = width - 1 - coords[coordOffset + 2 * j];
  }
  for (const [a, b] of skeleton.flipPairs) {
    for (let c = 0; c < 2; c++) {
      const t = coords[coordOffset + 2 * a + c];
      coords[coordOffset + 2 * a + c] = coords[coordOffset + 2 * b + c];
      coords[coordOffset + 2 * b + c] = t;
    }
    const t = visible[visOffset + a];
    visible[visOffset + a] = visible[visOffset + b];
    visible[visOffset + b] = t;
  }
}
