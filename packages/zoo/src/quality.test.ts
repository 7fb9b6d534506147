// The quality claims of the zoo, checked on the recorded metrics and, for a slice of the synthetic
// test split, re-measured live (so a registry that lies fails here).
import * as tf from '@tensorflow/tfjs-core';
import type { Pose } from '@dgpose/core';
import { createSyntheticDataset } from '@dgpose/datasets';
import { pck, PCKH_FASHION, psnr, ssim } from '@dgpose/metrics';
import type { DGPoseModel, SemiDGPoseModel } from '@dgpose/models';
import { useBackend } from '@dgpose/test-utils';
import { loadPretrained, ZOO } from './node';

const CONDITIONAL = ZOO.filter((e) => e.kind === 'conditional');
const SEMI = ZOO.filter((e) => e.kind === 'semi' && !e.supervisedOnly).sort((a, b) => (b.supervision ?? 0) - (a.supervision ?? 0));
const test = createSyntheticDataset({ seed: 0, size: 64, identities: 100, posesPerIdentity: 16, split: 'test' });
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

beforeAll(() => useBackend('wasm'));

describe('recorded metrics', () => {
  it('a Conditional entry and four Semi entries (25/50/75/100 %) ship', () => {
    expect(CONDITIONAL.map((e) => e.name)).toEqual(['conditional-small-64']);
    expect(SEMI.map((e) => e.supervision)).toEqual([1, 0.75, 0.5, 0.25]);
    expect(new Set(SEMI.map((e) => e.steps)).size).toBe(1); // same training length: the ordering means something
  });

  it.each(CONDITIONAL.map((e) => [e.name, e] as const))('%s: transfer beats copying the source (SSIM and PSNR)', (_n, e) => {
    const m = e.metrics;
    // eslint-disable-next-line no-console
    console.log(`${e.name}: transfer SSIM ${m.transferSsim} vs copy ${m.copySsim}; PSNR ${m.transferPsnr} vs ${m.copyPsnr} dB; re-detected PCKh ${m.transferPckh} (real images ${m.realPckh})`);
    expect(m.transferSsim).toBeGreaterThan(m.copySsim + 0.02);
    expect(m.transferPsnr).toBeGreaterThan(m.copyPsnr + 1);
    expect(m.reconPckh).toBeGreaterThan(0);
  });

  it('Semi pose-estimation PCK is ordered by supervision', () => {
    const rows = SEMI.map((e) => `${e.supervision! * 100} %: PCKh ${e.metrics.estPckh}, PCK@0.1 ${e.metrics.estPck01}`);
    // eslint-disable-next-line no-console
    console.log(`Semi pose estimation on the synthetic test split: ${rows.join('; ')}`);
    for (let i = 1; i < SEMI.length; i++) expect(SEMI[i - 1].metrics.estPck01).toBeGreaterThanOrEqual(SEMI[i].metrics.estPck01);
  });
});

describe('live re-measurement on 48 test images', () => {
  const idx = Array.from({ length: 48 }, (_, k) => (k * 37) % test.size);
  const samples = idx.map((i) => test.getSync(i));
  const targets = idx.map((i) => test.getSync(i % 16 === 15 ? i - 15 : i + 1)); // same identity, next pose

  it.each(CONDITIONAL.map((e) => [e.name] as const))('%s: transfer beats copy', async (name) => {
    const model = (await loadPretrained(name)) as DGPoseModel;
    const before = tf.memory().numTensors;
    const out = await model.transfer(samples.map((s) => s.image), samples.map((s) => s.pose), targets.map((t) => t.pose));
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    const o = { dataRange: 255, convention: 'wang' as const };
    const tr = mean(out.map((x, i) => ssim(x, targets[i].image, o)));
    const cp = mean(samples.map((s, i) => ssim(s.image, targets[i].image, o)));
    const trP = mean(out.map((x, i) => psnr(x, targets[i].image, { dataRange: 255 })));
    const cpP = mean(samples.map((s, i) => psnr(s.image, targets[i].image, { dataRange: 255 })));
    expect(tr).toBeGreaterThan(cp);
    expect(trP).toBeGreaterThan(cpP);
  });

  it.each(SEMI.map((e) => [e.name, e] as const))('%s: estimatePose PCK close to the recorded one', async (name, e) => {
    const model = (await loadPretrained(name)) as SemiDGPoseModel;
    const poses: Pose[] = await model.estimatePose(samples.map((s) => s.image));
    model.dispose();
    const r = pck(poses, samples.map((s) => s.pose), { normaliser: 'bbox', alpha: 0.1 });
    expect(Math.abs(r.pck - e.metrics.estPck01)).toBeLessThan(0.12); // 48 of the 320 images
    expect(pck(poses, samples.map((s) => s.pose), PCKH_FASHION).pck).toBeGreaterThan(0);
  });
});
