/*
 * Generation diversity (issue "DGPose that keeps the person", target "Generation"): do samples from the
 * appearance prior look like different people, or like one person with a different background tint?
 *
 * For a test image with pose y and part map M (person pixels: M ≠ background), draw n samples
 * x_k = p(x | z_k, y), z_k ~ p(z), and render n real people of the data in the same pose and silhouette
 * (synthetic data: `renderWorn`, n other identities' clothes, hair, skin and background). Then
 *
 *   spread(images) = mean over person pixels p and channels c of  std_k images_k[p, c]
 *                    (population std over the n images; RGB 0-255)
 *   ratio          = Σ_images spread(samples) / Σ_images spread(people)          target >= 0.4
 *
 * A decoder that ignores z gives a ratio near 0; one whose samples vary as much as people do, near 1.
 */
import type { RgbImage } from '@dgpose/models';

/** Samples per pose and people per pose. */
export const GENERATION_SAMPLES = 8;

/** Mean per-pixel std over `images` on the person pixels of `parts` (0 = background); null when there are none. */
export function personSpread(images: readonly RgbImage[], parts: Uint8Array): number | null {
  if (images.length < 2) return null;
  const { width, height } = images[0];
  if (
    parts.length !== width * height ||
    images.some((im) => im.width !== width || im.height !== height || im.channels !== 3)
  )
    return null;
  const n = images.length;
  let sum = 0;
  let count = 0;
  for (let p = 0; p < parts.length; p++) {
    if (parts[p] === 0) continue;
    for (let c = 0; c < 3; c++) {
      let m = 0;
      for (const im of images) m += im.data[3 * p + c];
      m /= n;
      let v = 0;
      for (const im of images) v += (im.data[3 * p + c] - m) ** 2;
      sum += Math.sqrt(v / n);
      count++;
    }
  }
  return count ? sum / count : null;
}

/** Per-image spreads of samples and of people in one pose (results.json ImageRecord.generation). */
export interface GenerationRecord {
  samples: number;
  people: number;
}

/** Summary over images: mean spreads and their ratio (null without records). */
export interface GenerationSummary {
  images: number;
  samplesSpread: number;
  peopleSpread: number;
  ratio: number;
}

export function summariseGeneration(records: readonly GenerationRecord[]): GenerationSummary | null {
  if (!records.length) return null;
  const s = records.reduce((a, r) => a + r.samples, 0) / records.length;
  const p = records.reduce((a, r) => a + r.people, 0) / records.length;
  return { images: records.length, samplesSpread: s, peopleSpread: p, ratio: p > 0 ? s / p : Number.NaN };
}
