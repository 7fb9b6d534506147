import { COCO18, isDGPoseError } from '@dgpose/core';
import { drawSkeletonGrid } from './grid';
import type { Sample } from './types';

function blank(w: number, h: number, value: number, keypoints: Sample['pose']['keypoints']): Pick<Sample, 'image' | 'pose'> {
  return { image: { data: new Uint8Array(w * h * 3).fill(value), width: w, height: h, channels: 3 }, pose: { skeleton: 'coco18', keypoints } };
}

describe('drawSkeletonGrid', () => {
  const kp = COCO18.joints.map((_, j) => (j === 1 ? { x: 10, y: 5 } : j === 2 ? { x: 4, y: 6 } : null));

  it('tiles cells with gaps, upscales them and draws limbs between labelled joints only', () => {
    const g = drawSkeletonGrid([blank(16, 12, 0, kp), blank(16, 12, 100, kp), blank(16, 12, 50, kp)], { cols: 2, zoom: 2, gap: 1 });
    expect([g.width, g.height]).toEqual([2 * 32 + 3, 2 * 24 + 3]);
    const px = (x: number, y: number): number[] => Array.from(g.data.subarray((y * g.width + x) * 3, (y * g.width + x) * 3 + 3));
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
