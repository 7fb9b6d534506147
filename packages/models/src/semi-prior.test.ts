/*
 * p(y) of Semi-DGPose gives plausible bodies: the prior fitted to 1,000 synthetic ground-truth poses
 * (seed 0, train split), then 1,000 samplePoses judged by datasets' posePlausibility (requireScale: a
 * sample whose torso left the frame counts as implausible).
 *
 * Measured (seeds 1..6 of the sampler give 0.902-0.915 for the default):
 *   full covariance, temperature 0.5 (default)   0.906
 *   full covariance, temperature 1 (p(y) itself)  0.345
 *   diagonal (the older prior), any temperature   0.000
 */
import { initBackend } from '@dgpose/core';
import { createSyntheticDataset, plausibleFraction } from '@dgpose/datasets';
import { createSemiDGPose } from './factory';
import { posesToNormalized } from './io';
import type { SemiDGPose } from './semi';

describe('Semi-DGPose pose prior p(y): plausible samples', () => {
  let full: SemiDGPose;
  let diag: SemiDGPose;

  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'], log: () => undefined });
    const ds = createSyntheticDataset({ seed: 0, split: 'train', size: 64 });
    const poses = Array.from({ length: 1000 }, (_, i) => ds.getSync(i).pose);
    const p = posesToNormalized(
      poses,
      poses.map(() => ds.imageSize),
      'coco18',
    );
    expect(p.visible.some((v) => v === 0)).toBe(true); // some joints are cropped away: EM handles them
    full = await createSemiDGPose({ preset: 'tiny' });
    diag = await createSemiDGPose({ preset: 'tiny' });
    full.fitPosePrior(p.coords, p.visible);
    diag.fitPosePrior(p.coords, p.visible, { covariance: 'diagonal' });
  }, 60000);

  afterAll(() => {
    full?.dispose();
    diag?.dispose();
  });

  it('>= 90 % of 1,000 samples of the full-covariance prior are plausible bodies; the diagonal prior gives none', () => {
    expect(full.posePriorCovariance).toBe('full');
    const rFull = plausibleFraction(full.samplePoses(1000, { seed: 1 }), { requireScale: true });
    const rDiag = plausibleFraction(diag.samplePoses(1000, { seed: 1 }), { requireScale: true });
    expect(rFull.fraction).toBeGreaterThanOrEqual(0.9);
    expect(rDiag.fraction).toBeLessThan(0.01);
    // what fails in the diagonal samples: independent joints break every symmetry and bone
    expect(rDiag.failures.neckCentred).toBeGreaterThan(900);
  });

  it('at temperature 1 (p(y) itself) the Gaussian tails stretch limbs: fewer pass, still far more than diagonal', () => {
    const r = plausibleFraction(full.samplePoses(1000, { seed: 1, temperature: 1 }), { requireScale: true });
    expect(r.fraction).toBeGreaterThan(0.25);
    expect(r.fraction).toBeLessThan(0.5);
    expect(Object.keys(r.failures)).toContain('boneLength');
    // a diagonal prior stays implausible even at a low temperature: it has no correlations to keep
    expect(
      plausibleFraction(diag.samplePoses(1000, { seed: 1, temperature: 0.5 }), { requireScale: true }).fraction,
    ).toBeLessThan(0.01);
  });
});
