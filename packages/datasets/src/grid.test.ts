import { COCO18, isDGPoseError } from '@dgpose/core';
import { drawSkeletonGrid, tileImages } from './grid';
import type { Sample } from './types';

function blank(
  w: number,
  h: number,
  value: number,
  keypoints: Sample['pose']['keypoints'],
): Pick<Sample, 'image' | 'pose'> {
  return {
    image: { data: new Uint8Array(w * h * 3).fill(value), width: w, height: h, channels: 3 },
    pose: { skeleton: 'coco18', keypoints },
  };
}

describe('drawSkeletonGrid', () => {
  const kp = COCO18.joints.map((_, j) => (j === 1 ? { x: 10, y: 5 } : j === 2 ? { x: 4, y: 6 } : null));

  it('tiles cells with gaps, upscales them and draws limbs between labelled joints only', () => {
    const g = drawSkeletonGrid([blank(16, 12, 0, kp), blank(16, 12, 100, kp), blank(16, 12, 50, kp)], {
      cols: 2,
      zoom: 2,
      gap: 1,
    });
    expect([g.width, g.height]).toEqual([2 * 32 + 3, 2 * 24 + 3]);
    const px = (x: number, y: number): number[] =>
      Array.from(g.data.subarray((y * g.width + x) * 3, (y * g.width + x) * 3 + 3));
    expect(px(0, 0)).toEqual([255, 255, 255]); // gap
    expect(px(1 + 31, 1 + 23)).toEqual([0, 0, 0]); // cell 0, far from the skeleton
    expect(px(1 + 32 + 1 + 31, 1 + 23)).toEqual([100, 100, 100]); // cell 1
    expect(px(1 + 2, 1 + 24 + 1 + 2)).toEqual([50, 50, 50]); // cell 2 (second row)
    // the neck-r_shoulder limb (COCO18 limb 0: [1, 2], red) passes through its midpoint (7, 5.5) -> zoomed
    const mid = px(1 + Math.round((7 + 0.5) * 2 - 0.5), 1 + Math.round((5.5 + 0.5) * 2 - 0.5));
    expect(mid).not.toEqual([0, 0, 0]);
    // no limb towards missing joints: the bottom-right of cell 0 stays black
    expect(px(1 + 30, 1 + 20)).toEqual([0, 0, 0]);
    const plain = drawSkeletonGrid([blank(16, 12, 0, kp)], { skeleton: false, zoom: 1, gap: 0 });
    expect(plain.data.every((v) => v === 0)).toBe(true);
  });

  it('refuses mixed sizes (E_SHAPE), no samples (E_EMPTY), bad options (E_ARG)', () => {
    const t = (fn: () => unknown, code: 'E_SHAPE' | 'E_EMPTY' | 'E_ARG'): void => {
      try {
        fn();
      } catch (e) {
        expect(isDGPoseError(e, code)).toBe(true);
        return;
      }
      throw new Error(`expected ${code}`);
    };
    t(() => drawSkeletonGrid([blank(16, 12, 0, kp), blank(12, 12, 0, kp)]), 'E_SHAPE');
    t(() => drawSkeletonGrid([]), 'E_EMPTY');
    t(() => drawSkeletonGrid([blank(16, 12, 0, kp)], { zoom: 0 }), 'E_ARG');
    t(() => drawSkeletonGrid([blank(16, 12, 0, kp)], { cols: 1.5 }), 'E_ARG');
  });
});

describe('tileImages', () => {
  const solid = (w: number, h: number, v: number) => ({
    data: new Uint8Array(w * h * 3).fill(v),
    width: w,
    height: h,
    channels: 3 as const,
  });

  it('places rows of cells at gap + k * (cell + gap), upscaling by pixel repetition', () => {
    const a = { data: Uint8Array.of(10, 10, 10, 20, 20, 20), width: 2, height: 1, channels: 3 as const };
    const g = tileImages([[a, solid(2, 1, 30)], [solid(2, 1, 40)]], {
      cellWidth: 4,
      cellHeight: 2,
      gap: 1,
      background: [1, 2, 3],
    });
    expect([g.width, g.height]).toEqual([2 * 4 + 3, 2 * 2 + 3]);
    const px = (x: number, y: number): number[] =>
      Array.from(g.data.subarray((y * g.width + x) * 3, (y * g.width + x) * 3 + 3));
    expect(px(0, 0)).toEqual([1, 2, 3]);
    expect([px(1, 1)[0], px(2, 1)[0], px(3, 2)[0], px(4, 2)[0]]).toEqual([10, 10, 20, 20]);
    expect(px(1 + 4 + 1, 1)).toEqual([30, 30, 30]);
    expect(px(1, 1 + 2 + 1)).toEqual([40, 40, 40]);
    expect(px(1 + 4 + 1, 1 + 2 + 1)).toEqual([1, 2, 3]); // a short row leaves background
  });

  it('defaults the cell to the largest image and refuses empty rows or a bad gap', () => {
    const g = tileImages([[solid(3, 2, 0), solid(5, 4, 0)]], { gap: 0 });
    expect([g.width, g.height]).toEqual([10, 4]);
    expect(() => tileImages([])).toThrow(/E_EMPTY/);
    expect(() => tileImages([[solid(2, 2, 0)], []])).toThrow(/E_EMPTY/);
    expect(() => tileImages([[solid(2, 2, 0)]], { gap: -1 })).toThrow(/E_ARG.*gap/);
  });
});
