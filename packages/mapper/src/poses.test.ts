import * as tf from '@tensorflow/tfjs-core';
import { type Pose, isDGPoseError } from '@dgpose/core';
import { TEST_BACKENDS, useBackend, expectNoLeak, maxAbsDiff } from '@dgpose/test-utils';
import { posesToHeatmaps, heatmapsToPoses } from './poses';
import { gaussianHeatmapsArray, diskHeatmapsArray } from './heatmaps';

const pose: Pose = {
  skeleton: 'coco18',
  keypoints: Array.from({ length: 18 }, (_, j) =>
    j === 5 ? null : { x: 8 + ((j * 7.3) % 40), y: 6 + ((j * 11.7) % 50) },
  ),
};

describe.each(TEST_BACKENDS)('pose verbs on %s', (backend) => {
  beforeAll(async () => useBackend(backend));

  it('posesToHeatmaps -> heatmapsToPoses recovers the pose (null stays null, scores = peaks)', async () => {
    await expectNoLeak(async () => {
      const maps = posesToHeatmaps([pose, pose], { height: 64, width: 64 });
      expect(maps.shape).toEqual([2, 64, 64, 18]);
      const ref = gaussianHeatmapsArray(
        [Array.from({ length: 36 }, (_, i) => pose.keypoints[i >> 1]?.[i % 2 ? 'y' : 'x'] ?? 0)],
        [pose.keypoints.map((k) => (k ? 1 : 0))],
        { height: 64, width: 64 },
      );
      const first = tf.slice(maps, [0, 0, 0, 0], [1, 64, 64, 18]);
      expect(maxAbsDiff(first, ref.data)).toBeLessThan(1e-5);
      const back = await heatmapsToPoses(maps, { skeleton: 'coco18' });
      tf.dispose([maps, first]);
      expect(back).toHaveLength(2);
      back[1].keypoints.forEach((k, j) => {
        const want = pose.keypoints[j];
        if (want === null) expect(k).toBeNull();
        else {
          expect(Math.abs(k!.x - want.x)).toBeLessThan(0.1);
          expect(Math.abs(k!.y - want.y)).toBeLessThan(0.1);
          expect(k!.score).toBeGreaterThan(0.5);
        }
      });
    });
  });

  it('renders PG2 disks from poses', async () => {
    await expectNoLeak(() => {
      const d = posesToHeatmaps([pose], { height: 64, width: 64, kind: 'disk', range: 'pm1' });
      const ref = diskHeatmapsArray(
        [Array.from({ length: 36 }, (_, i) => pose.keypoints[i >> 1]?.[i % 2 ? 'y' : 'x'] ?? 0)],
        [pose.keypoints.map((k) => (k ? 1 : 0))],
        { height: 64, width: 64, range: 'pm1' },
      );
      expect(maxAbsDiff(d, ref.data)).toBe(0);
      d.dispose();
    });
  });

  it('rejects mixed skeletons, empty lists and channel mismatches', async () => {
    const c17: Pose = { skeleton: 'coco17', keypoints: Array(17).fill(null) };
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return isDGPoseError(e) ? e.code : String(e);
      }
      return undefined;
    };
    expect(code(() => posesToHeatmaps([pose, c17], { height: 64, width: 64 }))).toBe('E_SKELETON');
    expect(code(() => posesToHeatmaps([], { height: 64, width: 64 }))).toBe('E_EMPTY');
    expect(
      code(() => posesToHeatmaps([{ ...pose, keypoints: pose.keypoints.slice(1) }], { height: 64, width: 64 })),
    ).toBe('E_JOINTS');
    const m = tf.zeros([1, 8, 8, 17]) as tf.Tensor4D;
    await expect(heatmapsToPoses(m, { skeleton: 'coco18' })).rejects.toMatchObject({ code: 'E_JOINTS' });
    await expect(heatmapsToPoses(m, { skeleton: 'nope' as never })).rejects.toMatchObject({ code: 'E_SKELETON' });
    m.dispose();
  });
});
