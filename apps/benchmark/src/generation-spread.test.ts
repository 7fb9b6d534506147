import { createSyntheticDataset } from '@dgpose/datasets';
import type { RgbImage } from '@dgpose/models';
import { personSpread, summariseGeneration } from './generation-spread';

const img = (w: number, h: number, fill: (p: number, c: number) => number): RgbImage => {
  const data = new Uint8Array(w * h * 3);
  for (let p = 0; p < w * h; p++) for (let c = 0; c < 3; c++) data[3 * p + c] = fill(p, c);
  return { data, width: w, height: h, channels: 3 };
};

describe('generation spread', () => {
  it('is the mean per-pixel population std over person pixels only', () => {
    const parts = Uint8Array.from([0, 4, 4, 0]); // pixels 1, 2 are the person
    // person pixels alternate 100 / 140 over the images (std 20); background differs wildly (ignored)
    const ims = [0, 1, 2, 3].map((k) => img(2, 2, (p) => (p === 0 || p === 3 ? 60 * k : k % 2 ? 140 : 100)));
    expect(personSpread(ims, parts)).toBeCloseTo(20, 10);
    // identical samples: no spread; one image or no person: undefined
    expect(personSpread([ims[0], ims[0], ims[0]], parts)).toBe(0);
    expect(personSpread([ims[0]], parts)).toBeNull();
    expect(personSpread(ims, new Uint8Array(4))).toBeNull();
    // a mask of the wrong size is not guessed at
    expect(personSpread(ims, new Uint8Array(9).fill(1))).toBeNull();
  });

  it('real people in one pose spread far more than one person with a different background tint', () => {
    const src = createSyntheticDataset({ seed: 0, size: 64, identities: 40, posesPerIdentity: 2 });
    const parts = src.parts(0);
    const people = Array.from({ length: 8 }, (_, k) => src.renderWorn(0, 2 * (k + 1)));
    const own = src.getSync(0).image;
    // the failure this measures: the same person, only the background tint changes
    const tinted = Array.from({ length: 8 }, (_, k) =>
      img(64, 64, (p, c) => (parts[p] === 0 ? (own.data[3 * p + c] + 10 * k) % 256 : own.data[3 * p + c])),
    );
    const sp = personSpread(people, parts) as number;
    expect(sp).toBeGreaterThan(25);
    expect(personSpread(tinted, parts)).toBe(0);
    const g = summariseGeneration([
      { samples: 10, people: 40 },
      { samples: 20, people: 40 },
    ]);
    expect(g).toEqual({ images: 2, samplesSpread: 15, peopleSpread: 40, ratio: 0.375 });
    expect(summariseGeneration([])).toBeNull();
  });
});
