import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDGPoseError } from '@dgpose/core';
import { PART_NAMES } from '@dgpose/datasets';
import { openTestData } from './data';
import { validateBenchConfig } from './options';

describe('openTestData', () => {
  it('selects a deterministic, evenly spaced slice of the synthetic test split and same-identity pairs', async () => {
    const c = validateBenchConfig({ n: 4, pairs: 3, syntheticIdentities: 10, syntheticPoses: 4 });
    const a = await openTestData(c, 32);
    const b = await openTestData(c, 32);
    expect(a.info).toMatchObject({
      id: 'synthetic-32',
      label: 'synthetic-32 (built-in)',
      builtIn: true,
      totalImages: 8,
      selected: 4,
      pairsSelected: 3,
      transferGroundTruth: true,
      partMasks: true,
    });
    expect(a.indices).toEqual([0, 2, 4, 6]);
    expect(a.pairs).toEqual(b.pairs);
    for (const [from, to] of a.pairs) {
      const [x, y] = await Promise.all([a.source.get(from), a.source.get(to)]);
      expect(x.identity).toBe(y.identity);
      expect(from).not.toBe(to);
    }
  });

  it('the synthetic data has part maps (the garment masks of the appearance table), one code per pixel', async () => {
    const d = await openTestData(
      validateBenchConfig({ n: 4, pairs: 3, syntheticIdentities: 10, syntheticPoses: 4 }),
      32,
    );
    const p = d.parts?.(d.indices[1]) as Uint8Array;
    expect(p.length).toBe(32 * 32);
    expect(d.parts?.(d.indices[1])).toBe(p); // rendered once
    const top = PART_NAMES.indexOf('top');
    const bottom = PART_NAMES.indexOf('bottom');
    expect(p.filter((v) => v === top).length).toBeGreaterThanOrEqual(4);
    expect(p.filter((v) => v === bottom).length).toBeGreaterThanOrEqual(4);
    // the 'top' pixels are the shirt's: their colour is the identity's shirt colour, not the background's
    const s = await d.source.get(d.indices[1]);
    const meanOf = (code: number): number[] =>
      [0, 1, 2].map((c) => {
        let sum = 0;
        let n = 0;
        p.forEach((v, i) => {
          if (v === code) {
            sum += s.image.data[3 * i + c];
            n++;
          }
        });
        return sum / n;
      });
    expect(Math.hypot(...meanOf(top).map((v, c) => v - meanOf(0)[c]))).toBeGreaterThan(10);
  });

  it.each([
    ['deepfashion', /expected DeepFashion layout:\n {2}<root>\/fasion-annotation-<split>\.csv/],
    ['h36m', /expected Human3\.6M layout:\n {2}<root>\/annotation_body2d\/h36m_coco_<split>\.json/],
    ['chictopia', /expected ChictopiaPlus layout:\n {2}<root>\/extracted\/<part>\/N_image:png\.png/],
  ] as const)('a missing or malformed %s root lists the layout expected', async (dataset, layout) => {
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-root-'));
    try {
      await fsp.writeFile(path.join(tmp, 'stray.txt'), 'not a data set');
      for (const root of [path.join(tmp, 'missing'), tmp]) {
        let err: unknown;
        try {
          await openTestData(validateBenchConfig({ dataset, root }), 64);
        } catch (e) {
          err = e;
        }
        expect(isDGPoseError(err, 'E_DATASET_LAYOUT')).toBe(true);
        expect((err as Error).message).toContain(`at --root ${root}`);
        expect((err as Error).message).toMatch(layout);
      }
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  });
});
