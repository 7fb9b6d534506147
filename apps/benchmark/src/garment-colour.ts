/*
 * Appearance fidelity of a transfer: how far the garments' colours of the generated image are from
 * those of the ground truth. For a pair (appearance of A drawn in the pose of B, same identity) and
 * each garment region r of B's part map (the synthetic renderer's 'top' and 'bottom'):
 *
 *   err_r = || mean_{p in M_r(B)} B(p) - mean_{p in M_r(B)} G(p) ||_2        (RGB, 0-255)
 *
 * where M_r(B) is B's mask of region r and G the generated image, both at the data's size. A region
 * of fewer than MIN_REGION_PIXELS pixels is skipped (its mean is noise). The constant-colour
 * baseline predicts every pair with one colour per region, the mean over the selection of the
 * ground truth's region means: the error a model ignoring appearance gets.
 */
import { PART_NAMES } from '@dgpose/datasets';
import type { RgbImage } from '@dgpose/models';

/** Garment regions scored, by their names in @dgpose/datasets' PART_NAMES. */
export const GARMENT_REGIONS = Object.freeze(['top', 'bottom'] as const);
export type GarmentRegion = (typeof GARMENT_REGIONS)[number];

/** Regions with fewer pixels than this are skipped. */
export const MIN_REGION_PIXELS = 4;

/** An RGB colour, each channel 0-255 (a mean: not rounded). */
export type Rgb = [number, number, number];

/** Mean colour of an image per garment region; a region absent when it has < MIN_REGION_PIXELS pixels. */
export type GarmentColours = Partial<Record<GarmentRegion, Rgb>>;

/** Colour error (Euclidean RGB distance, 0-255 scale) per garment region; a region absent when skipped. */
export type GarmentColourError = Partial<Record<GarmentRegion, number>>;

const CODE: Readonly<Record<GarmentRegion, number>> = Object.freeze({
  top: (PART_NAMES as readonly string[]).indexOf('top'),
  bottom: (PART_NAMES as readonly string[]).indexOf('bottom'),
});

function checkSizes(image: RgbImage, parts: Uint8Array, what: string): void {
  if (parts.length !== image.width * image.height) {
    throw new Error(`internal: ${what} is ${image.width}x${image.height} but its part map has ${parts.length} pixels`);
  }
}

/** Mean colour of `image` over each garment region of `parts` (one code per pixel, row-major, as the image). */
export function regionMeanColours(image: RgbImage, parts: Uint8Array): GarmentColours {
  checkSizes(image, parts, 'the image');
  const out: GarmentColours = {};
  for (const r of GARMENT_REGIONS) {
    const m = maskedMean(image, parts, CODE[r]);
    if (m) out[r] = m;
  }
  return out;
}

function maskedMean(image: RgbImage, parts: Uint8Array, code: number): Rgb | null {
  let n = 0;
  let r = 0;
  let g = 0;
  let b = 0;
  const d = image.data;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] !== code) continue;
    n++;
    r += d[3 * i];
    g += d[3 * i + 1];
    b += d[3 * i + 2];
  }
  return n < MIN_REGION_PIXELS ? null : [r / n, g / n, b / n];
}

/** Euclidean distance of two RGB colours. */
export function colourDistance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/**
 * Colour error of a generated image against the ground truth's region colours (`truth`, from
 * {@link regionMeanColours} of the ground truth with the same part map): per region, the distance
 * of the two means over the ground truth's mask. Regions absent from `truth` are absent here.
 */
export function garmentColourError(truth: GarmentColours, generated: RgbImage, parts: Uint8Array): GarmentColourError {
  checkSizes(generated, parts, 'the generated image');
  const out: GarmentColourError = {};
  for (const r of GARMENT_REGIONS) {
    const t = truth[r];
    if (!t) continue;
    const g = maskedMean(generated, parts, CODE[r]);
    if (g) out[r] = colourDistance(t, g);
  }
  return out;
}

/**
 * Colour error of known region colours (e.g. the source's own, over its own part map) against the truth's:
 * the source-colour baseline, the error of a model that carries the source's garment colours exactly. It is
 * the floor of the measure, not 0: the same garment's mean colour changes with the pose (shading, occlusion).
 */
export function regionColourError(truth: GarmentColours, other: GarmentColours): GarmentColourError {
  const out: GarmentColourError = {};
  for (const r of GARMENT_REGIONS) {
    const t = truth[r];
    const o = other[r];
    if (t && o) out[r] = colourDistance(t, o);
  }
  return out;
}

/**
 * The constant-colour baseline: per region, the mean of the ground truth's region colours over all
 * pairs (null when no pair has the region), and each pair's error when predicted with it.
 */
export function constantColourBaseline(truths: readonly GarmentColours[]): {
  colours: Record<GarmentRegion, Rgb | null>;
  errors: GarmentColourError[];
} {
  const colours = {} as Record<GarmentRegion, Rgb | null>;
  for (const r of GARMENT_REGIONS) {
    const present = truths.map((t) => t[r]).filter((c): c is Rgb => c !== undefined);
    colours[r] = present.length
      ? ([0, 1, 2].map((ch) => present.reduce((s, c) => s + c[ch], 0) / present.length) as Rgb)
      : null;
  }
  const errors = truths.map((t) => {
    const e: GarmentColourError = {};
    for (const r of GARMENT_REGIONS) {
      const c = colours[r];
      const v = t[r];
      if (c && v) e[r] = colourDistance(v, c);
    }
    return e;
  });
  return { colours, errors };
}
