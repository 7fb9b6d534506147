import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rejectsWithDGPoseError } from '@dgpose/test-utils';
import { openChictopiaPlus, readDeeperCutPose, CHICTOPIA_LAYOUT } from './chictopia';
import { parseNpz } from './chictopia-npz';
import { npy, npz } from './testing/npy';

const FIXTURE = path.join(__dirname, '__fixtures__', 'chictopia');
// The joints generate.py drew (LSP-14, 48x48 images).
const BASE = [
  [18, 44],
  [19, 36],
  [20, 27],
  [28, 27],
  [29, 36],
  [30, 44],
  [10, 26],
  [13, 19],
  [18, 13],
  [30, 13],
  [35, 19],
  [38, 26],
  [24, 11],
  [24, 3],
];

function copyFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-chic-'));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

describe('DeeperCut pose files (numpy savez_compressed)', () => {
  it('reads the [5,14] and [3,14] pose arrays written by numpy', () => {
    const a = readDeeperCutPose(fs.readFileSync(path.join(FIXTURE, 'input/train/0_image:png.png_pose.npz')), 'a');
    expect(a).toHaveLength(14);
    expect(a[0]).toEqual({ x: 18, y: 44, score: 0.9 });
    expect(a[6].score).toBeCloseTo(0.05, 12);
    const npz = parseNpz(fs.readFileSync(path.join(FIXTURE, 'input/train/1_image:png.png_pose.npz')));
    expect(npz.pose.shape).toEqual([3, 14]);
    expect(npz.pose.descr).toBe('<f8');
    const b = readDeeperCutPose(fs.readFileSync(path.join(FIXTURE, 'input/train/1_image:png.png_pose.npz')), 'b');
    expect(b[13]).toEqual({ x: 27, y: 2, score: 0.8 });
  });

  it('a truncated npz is an E_IO error naming the file', () => {
    const bytes = fs.readFileSync(path.join(FIXTURE, 'input/train/0_image:png.png_pose.npz'));
    expect(() => readDeeperCutPose(bytes.subarray(0, bytes.length - 30), 'cut.npz')).toThrow(/cut\.npz/);
  });
});

describe("openChictopiaPlus on the fixture in ClothNet's layout", () => {
  it('train part: 3 samples, LSP-14 poses on the drawn joints, swapped copy shares the identity', async () => {
    const ds = await openChictopiaPlus({ root: FIXTURE, split: 'train' });
    expect(ds.size).toBe(3);
    expect(ds.skeleton).toBe('lsp14');
    const s = await ds.get(0);
    expect([s.image.width, s.image.height]).toEqual([48, 48]);
    expect(s.pose.keypoints.map((k) => [k!.x, k!.y])).toEqual(BASE);
    expect(s.identity).toBe('12345');
    // Every joint sits on a white dot of the image.
    for (const k of s.pose.keypoints) expect(s.image.data[(k!.y * 48 + k!.x) * 3]).toBe(255);
    const [s1, s2] = [await ds.get(1), await ds.get(2)];
    expect(s1.identity).toBe('23456');
    expect(s2.identity).toBe('23456');
    expect(s2.meta!.swapped).toBe(true);
    // The swapped copy is the mirror image: its r_shoulder is at the mirrored position of s1's l_shoulder.
    expect(s2.pose.keypoints[8]!.x).toBe(47 - s1.pose.keypoints[9]!.x);
    expect(ds.report().total).toBe(0);
  });

  it('resizes with keypoints scaled, drops low-confidence joints on request, converts to COCO-18', async () => {
    const ds = await openChictopiaPlus({ root: FIXTURE, split: 'train', size: 96, minScore: 0.1 });
    const s = await ds.get(0);
    expect([s.image.width, s.image.height]).toEqual([96, 96]);
    expect(s.pose.keypoints[6]).toBeNull(); // confidence 0.05
    expect(s.pose.keypoints[0]).toEqual({ x: (18 + 0.5) * 2 - 0.5, y: (44 + 0.5) * 2 - 0.5, score: 0.9 });
    for (const k of s.pose.keypoints.filter((k) => k !== null))
      expect(s.image.data[(Math.round(k!.y) * 96 + Math.round(k!.x)) * 3]).toBeGreaterThan(200);
    const coco = await openChictopiaPlus({ root: FIXTURE, split: 'train', toCoco18: true });
    const c = await coco.get(0);
    expect(coco.skeleton).toBe('coco18');
    expect(c.pose.keypoints).toHaveLength(18);
    expect(c.pose.keypoints[1]).toMatchObject({ x: 24, y: 13 }); // core: neck = shoulder midpoint
    expect(c.pose.keypoints[2]).toEqual({ x: 18, y: 13, score: 0.9 }); // r_shoulder
    expect(c.pose.keypoints[0]).toBeNull(); // LSP has no nose
  });

  it('val reads poses next to the images; test from input/', async () => {
    expect((await openChictopiaPlus({ root: FIXTURE, split: 'val' })).size).toBe(1);
    const t = await openChictopiaPlus({ root: FIXTURE, split: 'test' });
    expect((await t.get(0)).id).toBe('test/0');
  });

  it('missing root or images: E_DATASET_LAYOUT listing the layout and what was found', async () => {
    const e = await rejectsWithDGPoseError(
      openChictopiaPlus({ root: path.join(FIXTURE, 'nope') }),
      'E_DATASET_LAYOUT',
      /extracted\/<part>\/N_image:png\.png/,
    );
    expect(e.message).toContain('nope');
    await rejectsWithDGPoseError(
      openChictopiaPlus({ root: path.join(FIXTURE, 'input') }),
      'E_DATASET_LAYOUT',
      /found: test, train/,
    );
    await rejectsWithDGPoseError(openChictopiaPlus({ root: FIXTURE, split: 'dev' as never }), 'E_CONFIG');
    expect(CHICTOPIA_LAYOUT).toHaveLength(3);
  });

  it('missing, corrupt or non-finite poses and truncated images: errors (strict) or counted skips', async () => {
    const dir = copyFixture();
    try {
      fs.rmSync(path.join(dir, 'input/train/1_image:png.png_pose.npz'));
      const cut = fs.readFileSync(path.join(dir, 'input/train/2_image:png.png_pose.npz'));
      fs.writeFileSync(path.join(dir, 'input/train/2_image:png.png_pose.npz'), cut.subarray(0, 40));
      await rejectsWithDGPoseError(
        openChictopiaPlus({ root: dir }),
        'E_DATASET_LAYOUT',
        /no DeeperCut pose for 1_image:png\.png/,
      );
      const seen: string[] = [];
      const ds = await openChictopiaPlus({ root: dir, strict: false, onSkip: (r) => seen.push(r) });
      expect(ds.size).toBe(1);
      expect(ds.report().counts).toEqual({ 'pose-missing': 1, 'pose-corrupt': 1 });
      expect(seen.sort()).toEqual(['pose-corrupt', 'pose-missing']);
      const img = fs.readFileSync(path.join(dir, 'extracted/train/0_image:png.png'));
      fs.writeFileSync(path.join(dir, 'extracted/train/0_image:png.png'), img.subarray(0, img.length - 20));
      const e = await rejectsWithDGPoseError(ds.get(0), 'E_IMAGE_CORRUPT');
      expect(e.message).toContain('0_image:png.png');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('joints outside the image: E_JOINTS (strict) or missing and counted', async () => {
    const dir = copyFixture();
    try {
      // Re-point joint 13 (head_top) of test/0 outside the 48x48 image by editing the stored float64 row.
      // The npz is deflated, so write an uncompressed equivalent through a minimal zip writer instead.
      const pose = readDeeperCutPose(fs.readFileSync(path.join(dir, 'input/test/0_image:png.png_pose.npz')), 'x');
      const rows = [pose.map((p) => p.x), pose.map((p) => p.y), pose.map((p) => p.score)];
      rows[1][13] = -9;
      fs.writeFileSync(
        path.join(dir, 'input/test/0_image:png.png_pose.npz'),
        npz({ 'pose.npy': npy('<f8', [3, 14], rows.flat()) }),
      );
      await rejectsWithDGPoseError(
        (await openChictopiaPlus({ root: dir, split: 'test' })).get(0),
        'E_JOINTS',
        /joint 13 \(x=24, y=-9\)/,
      );
      const ds = await openChictopiaPlus({ root: dir, split: 'test', strict: false });
      expect((await ds.get(0)).pose.keypoints[13]).toBeNull();
      await ds.get(0);
      expect(ds.report().counts).toEqual({ 'joint-out-of-range': 1 });
      rows[0][2] = NaN;
      fs.writeFileSync(
        path.join(dir, 'input/test/0_image:png.png_pose.npz'),
        npz({ 'pose.npy': npy('<f8', [3, 14], rows.flat()) }),
      );
      await rejectsWithDGPoseError(openChictopiaPlus({ root: dir, split: 'test' }), 'E_NAN', /joint 2 is not finite/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
