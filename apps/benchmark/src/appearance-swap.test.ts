import { activeUnits, summariseSwaps, type SwapRecord } from './appearance-swap';
import type { Rgb } from './garment-colour';

const red: Rgb = [200, 30, 30];
const blue: Rgb = [30, 30, 200];
const green: Rgb = [30, 200, 30];
const grey: Rgb = [110, 110, 110];

describe('summariseSwaps', () => {
  it('a model whose colours follow A scores 1; one that draws B (or ignores z) does not', () => {
    const keeps: SwapRecord[] = [
      {
        a: { top: red, bottom: blue },
        b: { top: green, bottom: red },
        generated: { top: [190, 40, 40], bottom: [40, 40, 190] },
      },
      { a: { top: blue }, b: { top: red }, generated: { top: [40, 40, 180] } },
    ];
    const s = summariseSwaps(keeps);
    expect(s.comparisons).toBe(3);
    expect(s.followsA).toBe(1);
    expect(s.distToA).toBeLessThan(s.distToB);
    expect(s.perRegion.top?.comparisons).toBe(2);

    const drawsB = keeps.map((r) => ({ ...r, generated: r.b }));
    expect(summariseSwaps(drawsB).followsA).toBe(0);
    // one grey colour for everybody: closer to A only by chance, here never
    const ignores = [
      { a: { top: red }, b: { top: grey }, generated: { top: grey } },
      { a: { top: grey }, b: { top: red }, generated: { top: grey } },
    ];
    expect(summariseSwaps(ignores).followsA).toBe(0.5);
  });

  it('skips regions missing from A, B or the output', () => {
    const s = summariseSwaps([{ a: { top: red }, b: { bottom: blue }, generated: { top: red, bottom: blue } }]);
    expect(s.comparisons).toBe(0);
    expect(Number.isNaN(s.followsA)).toBe(true);
  });
});

describe('activeUnits', () => {
  it('counts dimensions whose posterior mean varies over inputs', () => {
    // dim 0 varies (variance 1), dim 1 is constant, dim 2 varies a little (variance 0.0025)
    const mus = [1, 5, 0.05, -1, 5, -0.05, 1, 5, 0.05, -1, 5, -0.05];
    const r = activeUnits(mus, 3);
    expect(r.active).toBe(1);
    expect(r.variance[0]).toBeCloseTo(1);
    expect(r.variance[1]).toBe(0);
    expect(activeUnits(mus, 3, 0.001).active).toBe(2);
    expect(() => activeUnits([1, 2, 3], 3)).toThrow(/at least 2 rows/);
  });
});

describe('latentSummary (summary.ts)', () => {
  it('counts active units over image records and scores the swaps of pair records', async () => {
    const { latentSummary } = await import('./summary');
    const imgs = [
      { k: 0, index: 0, id: 'a', gt: [], zMu: [1, 0] },
      { k: 1, index: 1, id: 'b', gt: [], zMu: [-1, 0] },
    ];
    const pairs = [
      { k: 0, from: 0, to: 1, gt: [], swap: { a: { top: red }, b: { top: blue }, generated: { top: red } } },
    ];
    const l = latentSummary(imgs as never, pairs as never);
    expect(l).toEqual(expect.objectContaining({ active: 1, dims: 2, images: 2 }));
    expect(l?.swap?.followsA).toBe(1);
    expect(latentSummary([], [])).toBeNull();
  });
});
