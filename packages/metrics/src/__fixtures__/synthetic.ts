/*
 * Seeded synthetic image pairs for the scikit-image parity tests. scripts/make-reference.py
 * implements the same generator line for line (mulberry32 + integer/IEEE-double arithmetic only), so
 * both languages see bit-identical pixels. The case list lives in the script and is written into
 * skimage-reference.json with each case's parameters. Test-only: not exported from the package.
 */
import type { RawImage } from '../image';

/** mulberry32: the next 32-bit unsigned output for state `s` (returns [value, newState]). */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export interface SyntheticCase {
  id: string;
  kind: 'u8-noise' | 'u8-smooth' | 'f64-unit' | 'f64-signed';
  height: number;
  width: number;
  channels: number;
  seed: number;
  dataRange: number;
  /** whether to build a mask (uint8, HxWx1) for the masked metrics */
  mask: boolean;
}

const clip = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/** The pair (a, b) of a case. */
export function makePair(c: SyntheticCase): [RawImage, RawImage] {
  const rng = makeRng(c.seed);
  const n = c.height * c.width * c.channels;
  const dims = { width: c.width, height: c.height, channels: c.channels };
  if (c.kind === 'u8-noise' || c.kind === 'u8-smooth') {
    const a = new Uint8Array(n);
    const b = new Uint8Array(n);
    for (let i = 0; i < c.height; i++) {
      for (let j = 0; j < c.width; j++) {
        for (let k = 0; k < c.channels; k++) {
          const p = (i * c.width + j) * c.channels + k;
          const r1 = rng();
          const r2 = rng();
          const base = c.kind === 'u8-noise' ? r1 >>> 24 : (i * 5 + j * 3 + k * 50 + (r1 >>> 28)) % 256;
          a[p] = base;
          b[p] = clip(base + (r2 % 61) - 30);
        }
      }
    }
    return [{ data: a, ...dims }, { data: b, ...dims }];
  }
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const u1 = rng() / 4294967296;
    const u2 = rng() / 4294967296;
    if (c.kind === 'f64-unit') {
      a[p] = u1;
      b[p] = 0.7 * u1 + 0.3 * u2;
    } else {
      a[p] = 2 * u1 - 1;
      b[p] = 0.5 * (2 * u1 - 1) + 0.5 * (2 * u2 - 1);
    }
  }
  return [{ data: a, ...dims }, { data: b, ...dims }];
}

/**
 * A uint8 mask (HxWx1): 0 outside a box, 255 well inside, an integer ramp of width ~8 px between, so
 * the PG2 masking (`uint8(mask/255.*img)`) is exercised on fractional values too.
 */
export function makeMask(height: number, width: number): RawImage {
  const m = new Uint8Array(height * width);
  const top = Math.floor(height / 6);
  const bottom = height - 1 - Math.floor(height / 8);
  const left = Math.floor(width / 5);
  const right = width - 1 - Math.floor(width / 7);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const d = Math.min(i - top, bottom - i, j - left, right - j);
      m[i * width + j] = d < 0 ? 0 : Math.min(255, d * 37);
    }
  }
  return { data: m, width, height, channels: 1 };
}
