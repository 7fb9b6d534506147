/*
 * Sharpness of a generated image relative to its ground truth (the adversarial ablation: a GAN term should
 * give sharper outputs than L1 alone). High-frequency energy of an image I (grey, 0-255):
 *
 *   E(I) = mean over interior pixels of (∇²I)²,  ∇²I(x,y) = I(x−1,y) + I(x+1,y) + I(x,y−1) + I(x,y+1) − 4 I(x,y)
 *   grey = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601)
 *
 * and sharpness(G | T) = E(G) / E(T): 1 is as sharp as the truth, a blurry output scores well below 1.
 */
import type { RgbImage } from '@dgpose/models';

/** Mean squared Laplacian of the grey image over its interior pixels. */
export function highFrequencyEnergy(img: RgbImage): number {
  const { width: w, height: h, data: d } = img;
  if (w < 3 || h < 3) throw new Error(`highFrequencyEnergy needs at least 3x3 pixels, got ${w}x${h}`);
  const g = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) g[i] = 0.299 * d[3 * i] + 0.587 * d[3 * i + 1] + 0.114 * d[3 * i + 2];
  let s = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const lap = g[i - 1] + g[i + 1] + g[i - w] + g[i + w] - 4 * g[i];
      s += lap * lap;
    }
  }
  return s / ((w - 2) * (h - 2));
}

/** E(generated) / E(truth); null when the truth has no high-frequency energy at all (a flat image). */
export function sharpnessRatio(generated: RgbImage, truth: RgbImage): number | null {
  const t = highFrequencyEnergy(truth);
  return t > 0 ? highFrequencyEnergy(generated) / t : null;
}
