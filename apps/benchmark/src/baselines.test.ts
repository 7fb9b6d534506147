import * as tf from '@tensorflow/tfjs-core';
import type { Pose } from '@dgpose/core';
import { createSyntheticDataset } from '@dgpose/datasets';
import { createConditionalDGPose, posesToNormalized, tensorToImages, type RgbImage } from '@dgpose/models';
import { expectNoLeak, useBackend } from '@dgpose/test-utils';
import { backgroundOnly, decodeZero, meanPose } from './baselines';

beforeAll(() => useBackend('cpu'));

describe('backgroundOnly', () => {
  it("fills each row with the mean of the source's two border pixels of that row", () => {
    // 4x2: row 0 borders (10,20,30) and (30,40,51); row 1 borders (0,0,0) and (255,255,255); a person in the middle
    const src: RgbImage = {
      data: Uint8Array.from([10, 20, 30, 200, 0, 0, 200, 0, 0, 30, 40, 51, 0, 0, 0, 9, 9, 9, 9, 9, 9, 255, 255, 255]),
      width: 4,
      height: 2,
      channels: 3,
    };
    const bg = backgroundOnly(src);
    expect(bg).toMatchObject({ width: 4, height: 2, channels: 3 });
    // row 0: (10+30)/2, (20+40)/2, (30+51)/2 = 40.5 -> 41; row 1: 127.5 -> 128
    expect(Array.from(bg.data)).toEqual([
      20, 30, 41, 20, 30, 41, 20, 30, 41, 20, 30, 41, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    ]);
    expect(Array.from(src.data.subarray(0, 3))).toEqual([10, 20, 30]); // the source is left alone
  });

  it('on a synthetic person: every row is one colour (no person left)', async () => {
    const s = await createSyntheticDataset({ size: 32, identities: 5, posesPerIdentity: 2, split: 'test' }).get(0);
    const bg = backgroundOnly(s.image);
    let odd = 0;
    for (let y = 0; y < 32; y++)
      for (let x = 1; x < 32; x++)
        for (let c = 0; c < 3; c++) if (bg.data[(y * 32 + x) * 3 + c] !== bg.data[y * 32 * 3 + c]) odd++;
    expect(odd).toBe(0);
  });
});

describe('decodeZero', () => {
  it("is the model's decoder with z = 0 and the normalised target pose; it leaves no tensors", async () => {
    const model = await createConditionalDGPose({ preset: 'tiny', seed: 1 });
    try {
      const S = model.config.imageSize;
      const ds = createSyntheticDataset({ size: S, identities: 5, posesPerIdentity: 2, split: 'test' });
      const poses = (await Promise.all([0, 1].map((i) => ds.get(i)))).map((s) => s.pose as Pose);
      const frames = poses.map(() => ({ width: S, height: S }));
      const out = await expectNoLeak(() => decodeZero(model, poses, frames));
      expect(out.map((o) => [o.width, o.height])).toEqual([
        [S, S],
        [S, S],
      ]);
      // independent computation: the same decoder call by hand
      const p = posesToNormalized(poses, frames, 'coco18');
      const t = model.decodeTensors(
        tf.zeros([2, model.config.latentDim]) as tf.Tensor2D,
        tf.tensor2d(p.coords, [2, 2 * p.j]),
        tf.tensor2d(p.visible, [2, p.j]),
      );
      const ref = await tensorToImages(t);
      t.dispose();
      expect(out.map((o) => Array.from(o.data))).toEqual(ref.map((o) => Array.from(o.data)));
      // another pose, another picture: the pose is used
      expect(Array.from(out[0].data)).not.toEqual(Array.from(out[1].data));
    } finally {
      model.dispose();
    }
  });
});

describe('meanPose', () => {
  it('averages each joint over the poses that have it; a joint no pose has stays null', () => {
    expect(
      meanPose([
        [[0, 0], null, null],
        [[2, 4], [1, 1], null],
      ]),
    ).toEqual([[1, 2], [1, 1], null]);
  });
});
