// Parity with scikit-image 0.19 (values from scripts/make-reference.py; see its docstring).
import * as path from 'node:path';
import { describeWithSharedData } from '@dgpose/test-utils';
import { isDGPoseError } from '@dgpose/core';
import type { RawImage } from './image';
import { maskedL1, maskedPsnr, maskedSsim } from './masked';
import { psnr, psnrBatch } from './psnr';
import { type SsimConvention, ssim, ssimBatch, ssimMap } from './ssim';
import { makeMask, makePair, type SyntheticCase } from './__fixtures__/synthetic';
import { decodeRgb } from './__fixtures__/decode';
import reference from './__fixtures__/skimage-reference.json';

const SSIM_TOL = 1e-4;
const PSNR_TOL = 1e-3;
const CONVENTIONS: SsimConvention[] = ['wang', 'pg2'];

interface SsimRef {
  error?: string;
  mssim?: number;
  perChannel?: number[];
  mapMean?: number;
  mapSamples?: { i: number; j: number; c: number; v: number }[];
}
interface Scores {
  psnr: number;
  ssim: Record<SsimConvention, SsimRef>;
  masked?: { ssim: Record<SsimConvention, SsimRef>; psnr: number; l1: number };
}

const worst = { ssim: 0, ssimMap: 0, psnr: 0, maskedSsim: 0, maskedPsnr: 0, maskedL1: 0 };
const track = (k: keyof typeof worst, got: number, want: number): number => {
  const d = Math.abs(got - want);
  worst[k] = Math.max(worst[k], d);
  return d;
};
afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(`max |diff| vs scikit-image ${reference.versions.skimage}: ${JSON.stringify(worst)}`);
});

function checkScores(a: RawImage, b: RawImage, dataRange: number, ref: Scores, mask: RawImage | null): void {
  expect(track('psnr', psnr(a, b, { dataRange }), ref.psnr)).toBeLessThanOrEqual(PSNR_TOL);
  for (const convention of CONVENTIONS) {
    const r = ref.ssim[convention];
    if (r.error !== undefined) {
      let err: unknown;
      try {
        ssim(a, b, { dataRange, convention });
      } catch (e) {
        err = e;
      }
      expect(isDGPoseError(err, 'E_SHAPE')).toBe(true);
      continue;
    }
    expect(track('ssim', ssim(a, b, { dataRange, convention }), r.mssim!)).toBeLessThanOrEqual(SSIM_TOL);
    const full = ssimMap(a, b, { dataRange, convention });
    expect(track('ssim', full.mssim, r.mssim!)).toBeLessThanOrEqual(SSIM_TOL);
    full.perChannel.forEach((v, c) => expect(track('ssim', v, r.perChannel![c])).toBeLessThanOrEqual(SSIM_TOL));
    let s = 0;
    for (const v of full.map.data) s += v;
    expect(track('ssimMap', s / full.map.data.length, r.mapMean!)).toBeLessThanOrEqual(SSIM_TOL);
    for (const p of r.mapSamples!) {
      const got = full.map.data[(p.i * a.width + p.j) * a.channels + p.c];
      expect(track('ssimMap', got, p.v)).toBeLessThanOrEqual(SSIM_TOL);
    }
  }
  if (ref.masked && mask) {
    for (const convention of CONVENTIONS) {
      const r = ref.masked.ssim[convention];
      expect(track('maskedSsim', maskedSsim(a, b, mask, { dataRange: 255, convention }), r.mssim!)).toBeLessThanOrEqual(
        SSIM_TOL,
      );
    }
    expect(track('maskedPsnr', maskedPsnr(a, b, mask, { dataRange: 255 }), ref.masked.psnr)).toBeLessThanOrEqual(
      PSNR_TOL,
    );
    expect(track('maskedL1', maskedL1(a, b, mask), ref.masked.l1)).toBeLessThanOrEqual(1e-9);
  }
}

describe('scikit-image parity on seeded synthetic pairs', () => {
  it('has every case of the reference file', () => {
    expect(reference.synthetic.length).toBeGreaterThanOrEqual(7);
  });
  it.each(reference.synthetic.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const [a, b] = makePair(c as SyntheticCase);
    const mask = c.mask ? makeMask(c.height, c.width) : null;
    checkScores(a, b, c.dataRange, c as unknown as Scores, mask);
  });
});

describeWithSharedData('scikit-image parity on DeepFashion images', (dataDir) => {
  const real = reference.real!;
  const imagesDir = path.join(dataDir, 'realdata', 'deepfashion', 'images');
  const decoded = new Map<string, RawImage>();
  beforeAll(async () => {
    for (const f of real.files) {
      const { image, sha256 } = await decodeRgb(path.join(imagesDir, f.file));
      // the script scored sharp's decode of the same file: the pixels must be identical
      expect([f.file, sha256]).toEqual([f.file, f.sha256]);
      decoded.set(f.file, image);
    }
  });
  it.each(real.pairs.map((p, i) => [i, p] as const))('pair %d', (_i, p) => {
    const a = decoded.get(p.a)!;
    const b = decoded.get(p.b)!;
    checkScores(a, b, 255, p as unknown as Scores, makeMask(a.height, a.width));
  });
  it('batch mean and std as numpy', () => {
    const as = real.pairs.map((p) => decoded.get(p.a)!);
    const bs = real.pairs.map((p) => decoded.get(p.b)!);
    const ps = psnrBatch(as, bs, { dataRange: 255 });
    expect(Math.abs(ps.mean - real.batch.psnr.mean)).toBeLessThanOrEqual(PSNR_TOL);
    expect(Math.abs(ps.std - real.batch.psnr.std)).toBeLessThanOrEqual(PSNR_TOL);
    const w = ssimBatch(as, bs, { dataRange: 255, convention: 'wang' });
    expect(Math.abs(w.mean - real.batch.ssimWang.mean)).toBeLessThanOrEqual(SSIM_TOL);
    expect(Math.abs(w.std - real.batch.ssimWang.std)).toBeLessThanOrEqual(SSIM_TOL);
    const g = ssimBatch(as, bs, { dataRange: 255, convention: 'pg2' });
    expect(Math.abs(g.mean - real.batch.ssimPg2.mean)).toBeLessThanOrEqual(SSIM_TOL);
    expect(Math.abs(g.std - real.batch.ssimPg2.std)).toBeLessThanOrEqual(SSIM_TOL);
  });
});
