import { PART_NAMES } from '@dgpose/datasets';
import type { RgbImage } from '@dgpose/models';
import {
  GARMENT_REGIONS,
  MIN_REGION_PIXELS,
  colourDistance,
  constantColourBaseline,
  garmentColourError,
  regionColourError,
  regionMeanColours,
  type Rgb,
} from './garment-colour';
import { appearanceSummary } from './summary';
import type { PairRecord } from './types';

const W = 8;
const TOP = PART_NAMES.indexOf('top');
const BOTTOM = PART_NAMES.indexOf('bottom');
const SKIN = PART_NAMES.indexOf('skin');

/** An 8x8 part map: top = rows 1-3 x columns 2-5 (12 px), bottom = rows 4-6 x columns 2-5 (12 px), a skin pixel, background elsewhere. */
function partMap(): Uint8Array {
  const p = new Uint8Array(W * W);
  for (let y = 1; y <= 6; y++) for (let x = 2; x <= 5; x++) p[y * W + x] = y <= 3 ? TOP : BOTTOM;
  p[0] = SKIN;
  return p;
}

/** An 8x8 image painted per part code (`colours[code]`), green where no colour is given. */
function paint(parts: Uint8Array, colours: Partial<Record<number, Rgb>>): RgbImage {
  const data = new Uint8Array(W * W * 3);
  parts.forEach((code, i) => data.set(colours[code] ?? [20, 160, 40], 3 * i));
  return { data, width: W, height: W, channels: 3 };
}

const RED: Rgb = [200, 30, 30];
const BLUE: Rgb = [20, 40, 180];
const GREY: Rgb = [128, 128, 128];

describe('garment colour error', () => {
  const parts = partMap();
  const truth = paint(parts, { [TOP]: RED, [BOTTOM]: BLUE, [SKIN]: [230, 190, 160] });

  it('mean colours per region come from the mask only', () => {
    expect(regionMeanColours(truth, parts)).toEqual({ top: RED, bottom: BLUE });
    // a striped shirt: the mean of its two colours
    const striped = paint(parts, { [BOTTOM]: BLUE });
    for (let x = 2; x <= 5; x++) striped.data.set(x % 2 ? [0, 0, 0] : [100, 50, 250], 3 * (2 * W + x));
    for (let x = 2; x <= 5; x++)
      for (const y of [1, 3]) striped.data.set(x % 2 ? [0, 0, 0] : [100, 50, 250], 3 * (y * W + x));
    expect(regionMeanColours(striped, parts).top).toEqual([50, 25, 125]);
  });

  it('a generated image with the right colours scores 0; a grey one the distance to grey; the background does not count', () => {
    const gt = regionMeanColours(truth, parts);
    const right = paint(parts, { [TOP]: RED, [BOTTOM]: BLUE, [SKIN]: [0, 0, 0], 0: [255, 255, 255] });
    expect(garmentColourError(gt, right, parts)).toEqual({ top: 0, bottom: 0 });
    const grey = paint(parts, { [TOP]: GREY, [BOTTOM]: GREY });
    const e = garmentColourError(gt, grey, parts);
    expect(e.top).toBeCloseTo(Math.hypot(200 - 128, 30 - 128, 30 - 128), 10);
    expect(e.bottom).toBeCloseTo(colourDistance(BLUE, GREY), 10);
    expect(e.top).toBeGreaterThan(100);
    // swapped garments are as wrong as they look
    const swapped = garmentColourError(gt, paint(parts, { [TOP]: BLUE, [BOTTOM]: RED }), parts);
    expect(swapped.top).toBeCloseTo(colourDistance(RED, BLUE), 10);
  });

  it(`skips a region of fewer than ${MIN_REGION_PIXELS} pixels`, () => {
    const small = new Uint8Array(W * W);
    small[10] = TOP;
    small[11] = TOP;
    small[12] = TOP;
    for (let i = 40; i < 48; i++) small[i] = BOTTOM;
    const gt = regionMeanColours(paint(small, { [TOP]: RED, [BOTTOM]: BLUE }), small);
    expect(gt).toEqual({ bottom: BLUE });
    expect(garmentColourError(gt, paint(small, {}), small)).toEqual({ bottom: colourDistance(BLUE, [20, 160, 40]) });
    small[13] = TOP;
    expect(Object.keys(regionMeanColours(paint(small, { [TOP]: RED }), small))).toEqual([...GARMENT_REGIONS]);
  });

  it('refuses a part map of another size', () => {
    expect(() => regionMeanColours(truth, new Uint8Array(10))).toThrow(/part map has 10 pixels/);
  });
});

describe('the constant-colour baseline', () => {
  it('predicts every pair with the mean garment colour of the selection', () => {
    const c = constantColourBaseline([{ top: [200, 30, 30], bottom: BLUE }, { top: [56, 226, 226] }]);
    expect(c.colours).toEqual({ top: GREY, bottom: BLUE });
    expect(c.errors[0].top).toBeCloseTo(colourDistance([200, 30, 30], GREY), 10);
    expect(c.errors[0].bottom).toBe(0);
    expect(c.errors[1]).toEqual({ top: colourDistance([56, 226, 226], GREY) });
    expect(constantColourBaseline([{}]).colours).toEqual({ top: null, bottom: null });
  });

  it('a model with the right colours has ratio 0; one painting grey, whose grey is the mean colour, scores the constant error (ratio 1)', () => {
    const parts = partMap();
    const tops: Rgb[] = [
      [200, 30, 30],
      [56, 226, 226],
    ];
    const bottoms: Rgb[] = [
      [100, 100, 200],
      [156, 156, 56],
    ];
    const pair = (i: number, generated: RgbImage): PairRecord => {
      const truth = regionMeanColours(paint(parts, { [TOP]: tops[i], [BOTTOM]: bottoms[i] }), parts);
      return {
        k: i,
        from: 0,
        to: 1,
        gt: [],
        ssim: 0.5,
        gtColour: truth,
        colour: garmentColourError(truth, generated, parts),
      };
    };
    const right = appearanceSummary([0, 1].map((i) => pair(i, paint(parts, { [TOP]: tops[i], [BOTTOM]: bottoms[i] }))));
    expect(right?.model.all.mean).toBe(0);
    expect(right?.ratio).toBe(0);
    expect(right?.constantColours).toEqual({ top: GREY, bottom: GREY });
    const grey = appearanceSummary([0, 1].map((i) => pair(i, paint(parts, { [TOP]: GREY, [BOTTOM]: GREY }))));
    expect(grey?.model.all.mean).toBeCloseTo(grey?.constant.all.mean as number, 10);
    expect(grey?.ratio).toBeCloseTo(1, 10);
    expect(grey?.model.all.n).toBe(4); // 2 pairs x 2 regions
    expect(grey?.constant.top.mean).toBeCloseTo(colourDistance(tops[0], GREY), 10);
    expect(appearanceSummary([{ k: 0, from: 0, to: 1, gt: [], ssim: 0.5 }])).toBeNull();
  });
});

describe('the source-colour floor', () => {
  it("scores the source's own region colours against the truth's, per region both have, and enters the summary", () => {
    const truth = { top: RED, bottom: BLUE };
    expect(regionColourError(truth, { top: RED, bottom: BLUE })).toEqual({ top: 0, bottom: 0 });
    // the same shirt shaded darker in the new pose: the floor is not 0
    const shaded: Rgb = [180, 27, 27];
    expect(regionColourError(truth, { top: shaded })).toEqual({ top: colourDistance(RED, shaded) });
    const s = appearanceSummary([
      {
        k: 0,
        from: 0,
        to: 1,
        gt: [],
        ssim: 0.5,
        gtColour: truth,
        colour: { top: 30 },
        sourceColour: { top: 4, bottom: 6 },
      },
      { k: 1, from: 1, to: 0, gt: [], ssim: 0.5, gtColour: truth, colour: { top: 10 }, sourceColour: { top: 8 } },
    ]);
    expect(s?.source.top.mean).toBe(6);
    expect(s?.source.all.mean).toBe(6);
    expect(s?.source.all.n).toBe(3);
  });
});
