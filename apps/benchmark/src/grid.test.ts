import sharp from 'sharp';
import { gridPng } from './grid';

describe('gridPng', () => {
  it('scales cells to about 128 px with a 2 px white gap and encodes a PNG', async () => {
    const cell = (v: number) => ({
      data: new Uint8Array(32 * 32 * 3).fill(v),
      width: 32,
      height: 32,
      channels: 3 as const,
    });
    const png = await gridPng([{ cells: [cell(0), cell(100)] }, { cells: [cell(200), cell(50)] }]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([2 * 128 + 3 * 2, 2 * 128 + 3 * 2, 3]);
    const at = (x: number, y: number): number => data[(y * info.width + x) * 3];
    expect([at(0, 0), at(2, 2), at(2 + 128 + 2, 2), at(2, 2 + 128 + 2), at(200, 200)]).toEqual([255, 0, 100, 200, 50]);
  });
});
