import { highFrequencyEnergy, sharpnessRatio } from './sharpness';

function image(w: number, h: number, f: (x: number, y: number) => number) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(f(x, y), 3 * (y * w + x), 3 * (y * w + x) + 3);
  return { data, width: w, height: h, channels: 3 as const };
}

describe('sharpness', () => {
  it('a flat image has no high-frequency energy; a checkerboard the most; a blurred edge less than a sharp one', () => {
    expect(highFrequencyEnergy(image(8, 8, () => 100))).toBe(0);
    // 0/255 checkerboard: the Laplacian is ±4·255 at every interior pixel
    expect(highFrequencyEnergy(image(8, 8, (x, y) => ((x + y) % 2 ? 255 : 0)))).toBeCloseTo((4 * 255) ** 2, 3);
    const sharp = image(16, 16, (x) => (x < 8 ? 0 : 200));
    const blurred = image(16, 16, (x) => Math.max(0, Math.min(200, (x - 5) * 40)));
    expect(sharpnessRatio(sharp, sharp)).toBe(1);
    expect(sharpnessRatio(blurred, sharp) as number).toBeLessThan(0.5);
    expect(
      sharpnessRatio(
        sharp,
        image(8, 8, () => 3),
      ),
    ).toBeNull();
    expect(() => highFrequencyEnergy(image(2, 2, () => 0))).toThrow(/3x3/);
  });
});
