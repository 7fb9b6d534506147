/*
 * The engine's images as plain arrays (no tfjs): RgbImages ⇄ [B,S,S,3] float32 in [-1,1], with the same
 * arithmetic as the tfjs models (models/src/io.ts: aligned-corner bilinear resize, round half to even), so
 * the two engines agree within float rounding (parity.test.ts).
 */
import { checkNonEmptyList, checkRgbImage } from '@dgpose/core';
import type { RgbImage } from '@dgpose/models';

/**
 * Images → [B,S,S,3] float32 in [-1,1]: bilinear resize with aligned corners (tfjs cpu resizeBilinear's
 * arithmetic), then v / 127.5 − 1.
 */
export function imagesToArray(images: readonly RgbImage[], size: number, argument = 'images'): Float32Array {
  checkNonEmptyList(images, argument);
  images.forEach((im, i) => checkRgbImage(im, `${argument}[${i}]`));
  const per = size * size * 3;
  const out = new Float32Array(images.length * per);
  images.forEach((im, b) => {
    const base = b * per;
    const { width: W, height: H, data } = im;
    if (W === size && H === size) {
      for (let i = 0; i < per; i++) out[base + i] = Math.fround(data[i] / 127.5) - 1;
      return;
    }
    const hs = size > 1 ? (H - 1) / (size - 1) : H / size;
    const ws = size > 1 ? (W - 1) / (size - 1) : W / size;
    for (let r = 0; r < size; r++) {
      const fr = hs * r;
      const r0 = Math.floor(fr);
      const rf = fr - r0;
      const r1 = Math.min(H - 1, Math.ceil(fr));
      for (let c = 0; c < size; c++) {
        const fc = ws * c;
        const c0 = Math.floor(fc);
        const cf = fc - c0;
        const c1 = Math.min(W - 1, Math.ceil(fc));
        for (let k = 0; k < 3; k++) {
          const tl = data[(r0 * W + c0) * 3 + k];
          const tr = data[(r0 * W + c1) * 3 + k];
          const bl = data[(r1 * W + c0) * 3 + k];
          const br = data[(r1 * W + c1) * 3 + k];
          const top = tl + (tr - tl) * cf;
          const bottom = bl + (br - bl) * cf;
          const v = Math.fround(top + (bottom - top) * rf);
          out[base + (r * size + c) * 3 + k] = Math.fround(v / 127.5) - 1;
        }
      }
    }
  });
  return out;
}

/** Round half to even (tfjs `round`). */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** [B,S,S,3] in [-1,1] → uint8 RgbImages (tfjs tensorToImages: round half to even, saturating). */
export function arrayToImages(data: Float32Array, n: number, size: number): RgbImage[] {
  const per = size * size * 3;
  return Array.from({ length: n }, (_, b) => {
    const u8 = new Uint8Array(per);
    for (let i = 0; i < per; i++)
      u8[i] = Math.min(255, Math.max(0, roundHalfEven(Math.fround(Math.fround(data[b * per + i] + 1) * 127.5))));
    return { data: u8, width: size, height: size, channels: 3 as const };
  });
}
