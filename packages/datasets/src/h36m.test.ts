import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { describeWithSharedData, rejectsWithDGPoseError } from '@dgpose/test-utils';
import { openH36M, parseH36MFileName, H36M_SUBJECTS } from './h36m';
import { parseNpz } from './chictopia-npz';
import { loadImage } from './image-io';

describe('H36M file names and split', () => {
  it('reads subject, action, camera, frame', () => {
    expect(parseH36MFileName('S11_WalkDog_1.55011271_000026.jpg')).toEqual({
      subject: 'S11',
      action: 'WalkDog_1',
      camera: '55011271',
      frame: 26,
    });
    expect(parseH36MFileName('S1/S1_Directions_1.54138969/S1_Directions_1.54138969_000001.jpg')?.subject).toBe('S1');
    expect(parseH36MFileName('frame_0001.jpg')).toBeNull();
    expect(H36M_SUBJECTS).toEqual({ train: ['S1', 'S5', 'S6', 'S7', 'S8'], test: ['S9', 'S11'] });
  });
});

describe('openH36M on fixtures (bad input)', () => {
  let dir: string;
  const kps = (f: (j: number) => [unknown, unknown, unknown]) => Array.from({ length: 17 }, (_, j) => f(j)).flat();
  const base = (j: number): [number, number, number] => [20 + j, 10 + 2 * j, 1];
  const write = (
    name: string,
    ann: unknown[],
    images = [{ id: 1, file_name: 'S9_Walking.1_000001.jpg', width: 64, height: 80 }],
  ) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, JSON.stringify({ images, annotations: ann }));
    return p;
  };
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-h36m-'));
    const px = new Uint8Array(64 * 80 * 3);
    for (let i = 0; i < px.length; i++) px[i] = (i * 7) % 251;
    await sharp(Buffer.from(px), { raw: { width: 64, height: 80, channels: 3 } })
      .jpeg()
      .toFile(path.join(dir, 'S9_Walking.1_000001.jpg'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('missing root / annotation file: E_DATASET_LAYOUT listing the layout', async () => {
    const e = await rejectsWithDGPoseError(
      openH36M({ root: path.join(dir, 'none') }),
      'E_DATASET_LAYOUT',
      /annotation_body2d\/h36m_coco_<split>\.json/,
    );
    expect(e.message).toContain('none');
    await rejectsWithDGPoseError(
      openH36M({ root: dir, split: 'test' }),
      'E_DATASET_LAYOUT',
      /h36m_coco_test\.json.*found: S9_Walking/,
    );
    await rejectsWithDGPoseError(openH36M({}), 'E_CONFIG');
    await rejectsWithDGPoseError(openH36M({ annFile: 'x', padding: 0 }), 'E_CONFIG');
  });

  it('crop from the keypoints when there is no bbox; subjects decide the split', async () => {
    const annFile = write('nobbox.json', [{ id: 5, image_id: 1, keypoints: kps(base) }]);
    const test = await openH36M({ annFile, split: 'test', size: 32 });
    expect(test.size).toBe(1);
    expect((await openH36M({ annFile, split: 'train' })).size).toBe(0);
    const s = await test.get(0);
    expect(s.identity).toBe('S9');
    expect([s.image.width, s.image.height]).toEqual([32, 32]);
    // extent x 20..36, y 10..42 -> centre (28, 26), side round(32 * 1.2) = 38
    expect(s.meta!.crop).toEqual({ left: 9, top: 7, width: 38, height: 38 });
    expect(s.pose.keypoints[0]!.x).toBeCloseTo((20 - 9 + 0.5) * (32 / 38) - 0.5, 6);
    const mean = s.pose.keypoints.reduce((a, k) => [a[0] + k!.x / 17, a[1] + k!.y / 17], [0, 0]);
    expect(Math.abs(mean[0] - 15.5)).toBeLessThan(4);
  });

  it('NaN and out-of-frame joints: errors (strict) or dropped and counted; v = 0 is missing', async () => {
    const nan = write('nan.json', [
      { image_id: 1, bbox: [0, 0, 64, 64], keypoints: kps((j) => (j === 4 ? ['NaN', 1, 1] : base(j))) },
    ]);
    await rejectsWithDGPoseError(openH36M({ annFile: nan, split: 'test' }), 'E_NAN', /annotations\[0\]: joint 4/);
    const fileNaN = path.join(dir, 'pynan.json');
    fs.writeFileSync(fileNaN, fs.readFileSync(nan, 'utf8').replace('"NaN"', 'NaN')); // Python json.dump output
    await rejectsWithDGPoseError(openH36M({ annFile: fileNaN, split: 'test' }), 'E_NAN');
    const oor = write('oor.json', [
      {
        image_id: 1,
        bbox: [0, 0, 64, 64],
        keypoints: kps((j) => (j === 2 ? [64, 5, 1] : j === 3 ? [0, 0, 0] : base(j))),
      },
    ]);
    await rejectsWithDGPoseError(
      openH36M({ annFile: oor, split: 'test' }),
      'E_CSV',
      /joint 2 \(x=64, y=5\) is outside the 64x80 frame/,
    );
    const lenient = await openH36M({ annFile: oor, split: 'test', strict: false });
    const s = await lenient.get(0);
    expect(s.pose.keypoints[2]).toBeNull();
    expect(s.pose.keypoints[3]).toBeNull();
    expect(lenient.report().counts).toEqual({ 'joint-out-of-range': 1 });
  });

  it('malformed annotations and missing frames', async () => {
    const short = write('short.json', [{ image_id: 1, bbox: [0, 0, 9, 9], keypoints: [1, 2, 3] }]);
    await rejectsWithDGPoseError(openH36M({ annFile: short, split: 'test' }), 'E_CSV', /annotations\[0\]: expected 51/);
    const missing = write(
      'missing.json',
      [{ image_id: 2, bbox: [0, 0, 9, 9], keypoints: kps(base) }],
      [{ id: 2, file_name: 'S11_Eating.2_000009.jpg', width: 64, height: 80 }],
    );
    await rejectsWithDGPoseError(
      openH36M({ annFile: missing, split: 'test' }),
      'E_DATASET_LAYOUT',
      /S11_Eating\.2_000009\.jpg/,
    );
    const lenient = await openH36M({ annFile: missing, split: 'test', strict: false });
    expect(lenient.size).toBe(0);
    expect(lenient.report().counts).toEqual({ 'image-missing': 1 });
    const garbage = path.join(dir, 'garbage.json');
    fs.writeFileSync(garbage, '{"images": [');
    await rejectsWithDGPoseError(openH36M({ annFile: garbage }), 'E_CSV', /not valid JSON/);
  });

  it('frames without an S<k>_ prefix or with an unknown image_id: E_CSV (strict) or counted', async () => {
    const anon = write(
      'anon.json',
      [
        { image_id: 4, bbox: [0, 0, 9, 9], keypoints: kps(base) },
        { image_id: 99, bbox: [0, 0, 9, 9], keypoints: kps(base) },
      ],
      [{ id: 4, file_name: 'frame_000001.jpg', width: 64, height: 80 }],
    );
    await rejectsWithDGPoseError(
      openH36M({ annFile: anon, split: 'test' }),
      'E_CSV',
      /cannot read the subject .* frame_000001\.jpg/,
    );
    const lenient = await openH36M({ annFile: anon, split: 'test', strict: false });
    expect(lenient.size).toBe(0);
    expect(lenient.report().counts).toEqual({ 'no-subject': 1, 'annotation-malformed': 1 });
  });

  it('truncated frame: E_IMAGE_CORRUPT naming the path', async () => {
    const bytes = fs.readFileSync(path.join(dir, 'S9_Walking.1_000001.jpg'));
    fs.writeFileSync(path.join(dir, 'S9_Walking.1_000002.jpg'), bytes.subarray(0, bytes.length - 200));
    const annFile = write(
      'trunc.json',
      [{ image_id: 3, bbox: [0, 0, 40, 40], keypoints: kps(base) }],
      [{ id: 3, file_name: 'S9_Walking.1_000002.jpg', width: 64, height: 80 }],
    );
    const ds = await openH36M({ annFile, split: 'test' });
    const e = await rejectsWithDGPoseError(ds.get(0), 'E_IMAGE_CORRUPT');
    expect(e.message).toContain('S9_Walking.1_000002.jpg');
  });
});

describeWithSharedData('Human3.6M on the real mmpose frames', (dataDir) => {
  const h = path.join(dataDir, 'realdata', 'mmpose', 'h36m');
  const annFile = path.join(h, 'h36m_coco.json');

  it('assigns subjects to splits: S1, S5, S7, S8 train; none test', async () => {
    const train = await openH36M({ annFile, imagesDir: h, split: 'train', size: 64 });
    expect(train.size).toBe(4);
    const ids = await Promise.all([0, 1, 2, 3].map(async (i) => (await train.get(i)).identity));
    expect(ids.sort()).toEqual(['S1', 'S5', 'S7', 'S8']);
    expect((await openH36M({ annFile, imagesDir: h, split: 'test' })).size).toBe(0);
    expect((await openH36M({ annFile, imagesDir: h, subjects: ['S1'] })).size).toBe(1);
    expect(train.report().total).toBe(0);
  });

  it("person-centred crops: every joint inside, mean keypoint near the centre, pixels are the frame's", async () => {
    const ds = await openH36M({ annFile, imagesDir: h, size: 128 });
    for (let i = 0; i < ds.size; i++) {
      const s = await ds.get(i);
      expect([s.image.width, s.image.height]).toEqual([128, 128]);
      expect(s.pose.skeleton).toBe('h36m17');
      const k = s.pose.keypoints;
      expect(k.every((p) => p !== null && p.x >= 0 && p.x <= 127 && p.y >= 0 && p.y <= 127)).toBe(true);
      const mx = k.reduce((a, p) => a + p!.x, 0) / 17;
      const my = k.reduce((a, p) => a + p!.y, 0) / 17;
      expect(Math.hypot(mx - 63.5, my - 63.5)).toBeLessThan(128 * 0.2); // up to ~21 px measured (S5 sitting)
      // The person is upright: head (10) above the pelvis (0) in every frame.
      expect(k[10]!.y).toBeLessThan(k[0]!.y);
    }
    // At native scale the crop is exactly the frame's pixels at the crop offset (an independent decode).
    const native = await openH36M({ annFile, imagesDir: h, subjects: ['S1'], size: 403 });
    const s = await native.get(0);
    const crop = s.meta!.crop as { left: number; top: number; width: number };
    expect(crop.width).toBe(403);
    const frame = (await loadImage(s.meta!.path as string)).image;
    let diff = 0;
    for (let y = 0; y < 403; y += 7)
      for (let x = 0; x < 403; x += 7)
        diff = Math.max(
          diff,
          Math.abs(s.image.data[(y * 403 + x) * 3] - frame.data[((y + crop.top) * frame.width + x + crop.left) * 3]),
        );
    expect(diff).toBeLessThanOrEqual(1);
  });

  it('left/right: joints 1-3 are the RIGHT leg and 14-16 the right arm (checked against SPIN-order parts in test_h36m.npz)', async () => {
    const npz = parseNpz(fs.readFileSync(path.join(h, 'test_h36m.npz')), 'test_h36m.npz');
    const names = npz.imgname.data as string[];
    const part = npz.part.data as Float64Array; // [4, 24, 3]; 0..13 LSP order: r_ankle, r_knee, r_hip, l_hip, ...
    expect(npz.part.shape).toEqual([4, 24, 3]);
    const json = JSON.parse(fs.readFileSync(annFile, 'utf8'));
    // LSP index -> H36M17 index (core/mmpose order).
    const lspToH36m: Array<[number, number]> = [
      [0, 3],
      [1, 2],
      [2, 1],
      [3, 4],
      [4, 5],
      [5, 6],
      [6, 16],
      [7, 15],
      [8, 14],
      [9, 11],
      [10, 12],
      [11, 13],
    ];
    let checked = 0;
    for (const ann of json.annotations) {
      const im = json.images.find((x: { id: number }) => x.id === ann.image_id);
      const n = names.indexOf(im.file_name);
      expect(n).toBeGreaterThanOrEqual(0);
      for (const [l, j] of lspToH36m) {
        expect(Math.abs(part[(n * 24 + l) * 3] - ann.keypoints[j * 3])).toBeLessThan(1);
        expect(Math.abs(part[(n * 24 + l) * 3 + 1] - ann.keypoints[j * 3 + 1])).toBeLessThan(1);
        checked++;
      }
    }
    expect(checked).toBe(4 * 12);
    // And in the loaded crops the right shoulder (14) is left of the left one (11) for a camera-facing subject
    // exactly when it is so in the frame: the loader keeps mmpose's order.
    const ds = await openH36M({ annFile, imagesDir: h, size: 64 });
    for (let i = 0; i < ds.size; i++) {
      const s = await ds.get(i);
      const a = json.annotations.find((x: { image_id: number }) =>
        json.images.find((im: { id: number; file_name: string }) => im.id === x.image_id).file_name.startsWith(s.id),
      );
      expect(Math.sign(s.pose.keypoints[14]!.x - s.pose.keypoints[11]!.x)).toBe(
        Math.sign(a.keypoints[14 * 3] - a.keypoints[11 * 3]),
      );
    }
  });

  it('toCoco18 converts through core (nose <- neck/nose, shoulders by name)', async () => {
    const [a, b] = [
      await openH36M({ annFile, imagesDir: h, size: 64 }),
      await openH36M({ annFile, imagesDir: h, size: 64, toCoco18: true }),
    ];
    expect(b.skeleton).toBe('coco18');
    const [sa, sb] = [await a.get(0), await b.get(0)];
    expect(sb.pose.skeleton).toBe('coco18');
    expect(sb.pose.keypoints).toHaveLength(18);
    expect(sb.pose.keypoints[2]).toEqual(sa.pose.keypoints[14]); // r_shoulder
    expect(sb.pose.keypoints[5]).toEqual(sa.pose.keypoints[11]); // l_shoulder
    expect(sb.pose.keypoints[10]).toEqual(sa.pose.keypoints[3]); // r_ankle <- r_foot
  });
});
