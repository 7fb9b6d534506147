import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { describeWithSharedData, rejectsWithDGPoseError } from '@dgpose/test-utils';
import { openDeepFashion } from './deepfashion';
import { deepFashionIdentity, deepFashionNameKey, parseDeepFashionCsv, parseDeepFashionPairs } from './deepfashion-csv';
import { loadImage, SkipCounter } from './image-io';

const HEADER = 'name:keypoints_y:keypoints_x';
function row(name: string, ys: (number | string)[], xs: (number | string)[]): string {
  return `${name}: [${ys.join(', ')}]: [${xs.join(', ')}]`;
}
const full = (v: number): number[] => Array.from({ length: 18 }, (_, j) => v + j);
const parse = (text: string, strict: boolean, skips = new SkipCounter()) =>
  parseDeepFashionCsv(text, { file: 'a.csv', strict, width: 256, height: 256, skips });

describe('pose-gan CSV parser (fixtures)', () => {
  it('maps y=row / x=col lists to COCO-18 x/y with -1 as missing', () => {
    const ys = full(10);
    const xs = full(100);
    ys[3] = -1;
    xs[3] = -1;
    const rows = parse(`${HEADER}\n${row('fasionAid0000000101_1front.jpg', ys, xs)}\n`, true);
    expect(rows).toHaveLength(1);
    expect(rows[0].line).toBe(2);
    expect(rows[0].keypoints[0]).toEqual({ x: 100, y: 10 });
    expect(rows[0].keypoints[17]).toEqual({ x: 117, y: 27 });
    expect(rows[0].keypoints[3]).toBeNull();
  });

  it('rejects a wrong header even in lenient mode', async () => {
    await rejectsWithDGPoseError(() => parse(`name,x,y\n`, false), 'E_CSV', /a\.csv:1/);
  });

  it('malformed rows: E_CSV with line number and excerpt (strict), counted skips (lenient)', async () => {
    const good = row('fasionAid0000000101_1front.jpg', full(1), full(2));
    const cases = [
      'fasionBid0000000101_1front.jpg: [1, 2]: [3, 4]', // 2 joints
      'fasionCid0000000101_1front.jpg: [1, 2, x]', // 2 fields, junk token
      `fasionDid0000000101_1front.jpg: ${JSON.stringify(full(1))}: oops`, // not a list
    ];
    for (const bad of cases) {
      const text = `${HEADER}\n${good}\n${bad}\n`;
      const e = await rejectsWithDGPoseError(() => parse(text, true), 'E_CSV', /a\.csv:3/);
      expect(e.message).toContain(bad.slice(0, 20));
    }
    const skips = new SkipCounter();
    const rows = parse([HEADER, good, ...cases, good].join('\n'), false, skips);
    expect(rows).toHaveLength(1); // the duplicate of `good` is skipped too
    expect(skips.report().counts).toEqual({ 'row-malformed': 3, 'row-duplicate': 1 });
    expect(skips.report().examples['row-malformed'][0]).toMatch(/^a\.csv:3: /);
  });

  it('NaN joints: E_NAN (strict) or dropped and counted', async () => {
    const ys: (number | string)[] = full(1);
    ys[5] = 'NaN';
    const text = `${HEADER}\n${row('fasionAid0000000101_1front.jpg', ys, full(3))}`;
    await rejectsWithDGPoseError(() => parse(text, true), 'E_NAN', /a\.csv:2: joint 5/);
    const skips = new SkipCounter();
    const rows = parse(text, false, skips);
    expect(rows[0].keypoints[5]).toBeNull();
    expect(rows[0].keypoints.filter((k) => k !== null)).toHaveLength(17);
    expect(skips.report().counts).toEqual({ 'joint-nan': 1 });
  });

  it('out-of-range and half-missing joints: E_CSV (strict) or dropped and counted', async () => {
    const xs = full(1);
    xs[2] = 256; // beyond a 256-wide image (valid 0..255)
    const ys = full(1);
    ys[4] = -7;
    const xs2 = full(1);
    xs2[6] = -1; // x missing, y present
    const text = `${HEADER}\n${row('fasionAid0000000101_1front.jpg', full(1), xs)}\n${row('fasionBid0000000101_1front.jpg', ys, full(1))}\n${row('fasionCid0000000101_1front.jpg', full(1), xs2)}`;
    await rejectsWithDGPoseError(() => parse(text, true), 'E_CSV', /a\.csv:2: joint 2 \(x=256, y=3\) is outside/);
    const skips = new SkipCounter();
    const rows = parse(text, false, skips);
    expect(rows).toHaveLength(3);
    expect(rows[0].keypoints[2]).toBeNull();
    expect(rows[1].keypoints[4]).toBeNull();
    expect(rows[2].keypoints[6]).toBeNull();
    expect(skips.report().counts).toEqual({ 'joint-out-of-range': 2, 'joint-half-missing': 1 });
  });

  it('pairs CSV: header check, malformed rows', async () => {
    const skips = new SkipCounter();
    const text = 'from,to\na.jpg,b.jpg\r\nbroken\n\n';
    await rejectsWithDGPoseError(
      () => parseDeepFashionPairs(text, { file: 'p.csv', strict: true, skips }),
      'E_CSV',
      /p\.csv:3/,
    );
    expect(parseDeepFashionPairs(text, { file: 'p.csv', strict: false, skips })).toEqual([
      { from: 'a.jpg', to: 'b.jpg', line: 2 },
    ]);
    expect(skips.report().counts).toEqual({ 'pair-malformed': 1 });
    await rejectsWithDGPoseError(
      () => parseDeepFashionPairs('a,b\n', { file: 'p.csv', strict: false, skips }),
      'E_CSV',
      /bad header/,
    );
  });

  it('names: identity drops the view; pose-gan and PATN names share a key', () => {
    expect(deepFashionIdentity('fasionMENTeesTanksid0000347017_3back.jpg')).toBe('fasionMENTeesTanksid0000347017');
    expect(deepFashionNameKey('fasionMENJacketsVestsid0000071603_4full.jpg')).toBe(
      deepFashionNameKey('fashionMENJackets_Vestsid0000071603_4full.jpg'),
    );
    expect(deepFashionNameKey('fasionMENJacketsVestsid0000071603_4full.jpg')).not.toBe(
      deepFashionNameKey('fashionMENJackets_Vestsid0000071603_2side.jpg'),
    );
  });
});

describe('openDeepFashion on a fixture root (pose-gan layout)', () => {
  let root: string;
  const names = [
    'fasionWOMENDressesid0000000101_1front.jpg',
    'fasionWOMENDressesid0000000101_2side.jpg',
    'fasionMENDenimid0000000201_1front.jpg',
  ];
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-df-'));
    fs.mkdirSync(path.join(root, 'fasion-dataset', 'test'), { recursive: true });
    // A 256x256 image: a bright square at rows 100..139, cols 50..89 on grey.
    const px = new Uint8Array(256 * 256 * 3).fill(90);
    for (let y = 100; y < 140; y++) for (let x = 50; x < 90; x++) px.set([250, 250, 250], (y * 256 + x) * 3);
    const jpg = await sharp(Buffer.from(px), { raw: { width: 256, height: 256, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    for (const n of names) fs.writeFileSync(path.join(root, 'fasion-dataset', 'test', n), jpg);
    const ys = Array(18).fill(-1);
    const xs = Array(18).fill(-1);
    ys[0] = 119;
    xs[0] = 69; // nose at the bright square's centre
    ys[2] = 10;
    xs[2] = 20; // r_shoulder at (20, 10): cut off by the PATN crop
    fs.writeFileSync(
      path.join(root, 'fasion-annotation-test.csv'),
      [HEADER, ...names.map((n) => row(n, ys, xs))].join('\n') + '\n',
    );
    fs.writeFileSync(
      path.join(root, 'fasion-pairs-test.csv'),
      `from,to\n${names[0]},${names[1]}\n${names[1]},${names[0]}\n`,
    );
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('missing root or files: E_DATASET_LAYOUT listing the expected layout and what was found', async () => {
    const e = await rejectsWithDGPoseError(
      openDeepFashion({ root: path.join(root, 'nope') }),
      'E_DATASET_LAYOUT',
      /fasion-annotation-<split>\.csv/,
    );
    expect(e.message).toContain('nope');
    const e2 = await rejectsWithDGPoseError(
      openDeepFashion({ root, split: 'train' }),
      'E_DATASET_LAYOUT',
      /no images folder for split "train"/,
    );
    expect(e2.message).toMatch(/found: fasion-annotation-test\.csv, fasion-dataset, fasion-pairs-test\.csv/);
    await rejectsWithDGPoseError(openDeepFashion({ root, split: 'x' as never }), 'E_CONFIG');
    await rejectsWithDGPoseError(openDeepFashion({ imagesDir: root }), 'E_CONFIG');
  });

  it('reads the layout: samples, identities, pairs, keypoints at the image content', async () => {
    const ds = await openDeepFashion({ root, split: 'test', size: 64 });
    expect(ds.size).toBe(3);
    expect(ds.skeleton).toBe('coco18');
    expect(ds.pairs()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    const s = await ds.get(0);
    expect(s.identity).toBe('fasionWOMENDressesid0000000101');
    expect((await ds.get(1)).identity).toBe(s.identity);
    expect([s.image.width, s.image.height, s.image.data.length]).toEqual([64, 64, 64 * 64 * 3]);
    const nose = s.pose.keypoints[0]!;
    expect(nose.x).toBeCloseTo((69 + 0.5) / 4 - 0.5, 6);
    expect(nose.y).toBeCloseTo((119 + 0.5) / 4 - 0.5, 6);
    // The nose sits in the bright square in the resized image too.
    const at = (x: number, y: number) => s.image.data[(Math.round(y) * 64 + Math.round(x)) * 3];
    expect(at(nose.x, nose.y)).toBeGreaterThan(230);
    expect(at(5, 5)).toBeLessThan(110);
    expect(ds.report().total).toBe(0);
    await rejectsWithDGPoseError(ds.get(3), 'E_ARG');
  });

  it('a joint at coordinate 0 stays labelled: pixel-centre mapped to -0.375 at 64 px, on the frame [-0.5, 63.5]', async () => {
    const r0 = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-df0-'));
    try {
      fs.mkdirSync(path.join(r0, 'fasion-dataset', 'test'), { recursive: true });
      fs.copyFileSync(
        path.join(root, 'fasion-dataset', 'test', names[0]),
        path.join(r0, 'fasion-dataset', 'test', names[0]),
      );
      const ys = Array(18).fill(-1);
      const xs = Array(18).fill(-1);
      [ys[0], xs[0]] = [0, 128]; // nose on the top row (124 of 8,146 new-split rows have such joints)
      [ys[1], xs[1]] = [40, 0]; // neck on the left column
      fs.writeFileSync(path.join(r0, 'fasion-annotation-test.csv'), `${HEADER}\n${row(names[0], ys, xs)}\n`);
      const ds = await openDeepFashion({ root: r0, split: 'test', size: 64 });
      const kp = (await ds.get(0)).pose.keypoints;
      expect(kp[0]?.y).toBeCloseTo(-0.375, 6);
      expect(kp[1]?.x).toBeCloseTo(-0.375, 6);
      expect(ds.report().counts['joint-outside-crop'] ?? 0).toBe(0);
    } finally {
      fs.rmSync(r0, { recursive: true, force: true });
    }
  });

  it('PATN 256x176: crop 40 px per side, x - 40, cropped-away joints missing and counted', async () => {
    const ds = await openDeepFashion({ root, layout: 'patn-256x176' });
    expect(ds.imageSize).toEqual([256, 176]);
    const s = await ds.get(0);
    expect([s.image.height, s.image.width]).toEqual([256, 176]);
    expect(s.pose.keypoints[0]).toEqual({ x: 29, y: 119 });
    expect(s.pose.keypoints[2]).toBeNull();
    expect(ds.report().counts).toEqual({ 'joint-outside-crop': 3 });
    const half = await openDeepFashion({ root, layout: 'patn-256x176', size: 128 });
    expect(half.imageSize).toEqual([128, 88]);
  });

  it('a pair naming an image absent from the annotation CSV: E_CSV (strict) or counted', async () => {
    const pairsCsv = path.join(root, 'bad-pairs.csv');
    fs.writeFileSync(pairsCsv, `from,to\n${names[0]},${names[1]}\n${names[0]},fasionZid0000000999_1front.jpg\n`);
    const opts = {
      imagesDir: path.join(root, 'fasion-dataset', 'test'),
      annotationsCsv: path.join(root, 'fasion-annotation-test.csv'),
      pairsCsv,
    };
    await rejectsWithDGPoseError(
      openDeepFashion(opts),
      'E_CSV',
      /bad-pairs\.csv:3: image fasionZid0000000999_1front\.jpg is not in fasion-annotation-test\.csv/,
    );
    const ds = await openDeepFashion({ ...opts, strict: false });
    expect(ds.pairs()).toEqual([[0, 1]]);
    expect(ds.report().counts).toEqual({ 'pair-unknown-name': 1 });
  });

  it('missing images: error by default, counted skips on request', async () => {
    const csv = path.join(root, 'extra.csv');
    fs.writeFileSync(
      csv,
      `${HEADER}\n${row(names[0], full(1), full(1))}\n${row('fasionXid0000000901_1front.jpg', full(1), full(1))}\n`,
    );
    const imagesDir = path.join(root, 'fasion-dataset', 'test');
    await rejectsWithDGPoseError(
      openDeepFashion({ imagesDir, annotationsCsv: csv }),
      'E_DATASET_LAYOUT',
      /1 of 2 annotated images are missing/,
    );
    const seen: string[] = [];
    const ds = await openDeepFashion({
      imagesDir,
      annotationsCsv: csv,
      missingImages: 'skip',
      onSkip: (r) => seen.push(r),
    });
    expect(ds.size).toBe(1);
    expect(ds.report().counts).toEqual({ 'image-missing': 1 });
    expect(seen).toEqual(['image-missing']);
  });

  it('truncated image: E_IMAGE_CORRUPT naming the path; verifyImages drops and counts it in lenient mode', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-df-bad-'));
    try {
      for (const n of names) fs.copyFileSync(path.join(root, 'fasion-dataset', 'test', n), path.join(dir, n));
      const bytes = fs.readFileSync(path.join(dir, names[1]));
      fs.writeFileSync(path.join(dir, names[1]), bytes.subarray(0, Math.floor(bytes.length / 2)));
      const opts = {
        imagesDir: dir,
        annotationsCsv: path.join(root, 'fasion-annotation-test.csv'),
        pairsCsv: path.join(root, 'fasion-pairs-test.csv'),
      };
      const ds = await openDeepFashion(opts);
      await ds.get(0);
      const e = await rejectsWithDGPoseError(ds.get(1), 'E_IMAGE_CORRUPT');
      expect(e.message).toContain(path.join(dir, names[1]));
      await rejectsWithDGPoseError(openDeepFashion({ ...opts, verifyImages: true }), 'E_IMAGE_CORRUPT');
      const lenient = await openDeepFashion({ ...opts, verifyImages: true, strict: false });
      expect(lenient.size).toBe(2);
      expect(lenient.names).toEqual([names[0], names[2]]);
      expect(lenient.pairs()).toEqual([]);
      expect(lenient.report().counts).toEqual({ 'image-corrupt': 1, 'pair-sample-skipped': 2 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithSharedData('DeepFashion on the real shared files', (dataDir) => {
  const df = path.join(dataDir, 'realdata', 'deepfashion');
  const annotationsCsv = path.join(df, 'annotations', 'fasion-annotation-test.csv');
  const pairsCsv = path.join(df, 'annotations', 'fasion-pairs-test.csv');
  const imagesDir = path.join(df, 'images', 'annotated');

  it('parses the 4,061 annotation rows: 640 without any joint, ~35 % joints missing, knees/ankles mostly missing', () => {
    const skips = new SkipCounter();
    const rows = parseDeepFashionCsv(fs.readFileSync(annotationsCsv, 'utf8'), {
      file: 'test.csv',
      strict: true,
      width: 256,
      height: 256,
      skips,
    });
    expect(rows).toHaveLength(4061);
    expect(rows.filter((r) => r.keypoints.every((k) => k === null))).toHaveLength(640);
    const missing = rows.reduce((a, r) => a + r.keypoints.filter((k) => k === null).length, 0) / (rows.length * 18);
    expect(missing).toBeGreaterThan(0.34);
    expect(missing).toBeLessThan(0.36);
    for (const j of [9, 10, 12, 13]) {
      const f = rows.filter((r) => r.keypoints[j] === null).length / rows.length;
      expect(f).toBeGreaterThan(0.6);
      expect(f).toBeLessThan(0.8);
    }
    // Noses are above necks wherever both are present (y = row, so the lists are not swapped).
    const both = rows.filter((r) => r.keypoints[0] && r.keypoints[1]);
    expect(both.filter((r) => r.keypoints[0]!.y < r.keypoints[1]!.y).length / both.length).toBeGreaterThan(0.97);
    expect(skips.report().total).toBe(0);
  });

  it('parses the 8,670 pairs; every pair shows one identity', () => {
    const pairs = parseDeepFashionPairs(fs.readFileSync(pairsCsv, 'utf8'), {
      file: 'p.csv',
      strict: true,
      skips: new SkipCounter(),
    });
    expect(pairs).toHaveLength(8670);
    expect(pairs.every((p) => deepFashionIdentity(p.from) === deepFashionIdentity(p.to) && p.from !== p.to)).toBe(true);
  });

  // Of the 7 "annotated" images only 3 have a row in fasion-annotation-test.csv; sources.csv says the
  // other 4 come from a fasion-annotation-test_new_split.csv that is not in the shared data.
  const IN_CSV = [
    'fasionMENSweatshirtsHoodiesid0000183103_4full.jpg',
    'fasionMENSweatshirtsHoodiesid0000674001_4full.jpg',
    'fasionMENSweatshirtsHoodiesid0000680701_4full.jpg',
  ];

  it('opens with explicit paths: the annotated images that have CSV rows, the rest counted as missing', async () => {
    const ds = await openDeepFashion({ imagesDir, annotationsCsv, pairsCsv, missingImages: 'skip' });
    expect([...ds.names].sort()).toEqual(IN_CSV);
    const rep = ds.report();
    expect(rep.counts['image-missing']).toBe(4061 - 3);
    expect(rep.counts['pair-sample-skipped']).toBe(8670 - ds.pairs().length);
    expect(ds.pairs().every(([a, b]) => a >= 0 && b < 3)).toBe(true);
  });

  it("loads the real images at 64/128/256 with keypoints scaled; sharp's resize matches a box downsample", async () => {
    const ds256 = await openDeepFashion({ imagesDir, annotationsCsv, missingImages: 'skip' });
    for (const size of [64, 128]) {
      const ds = await openDeepFashion({ imagesDir, annotationsCsv, missingImages: 'skip', size });
      const f = 256 / size;
      for (let i = 0; i < ds.size; i++) {
        const [a, b] = [await ds256.get(i), await ds.get(i)];
        expect([b.image.width, b.image.height]).toEqual([size, size]);
        expect(b.id).toBe(a.id);
        a.pose.keypoints.forEach((k, j) => {
          const kb = b.pose.keypoints[j];
          if (k === null) return expect(kb).toBeNull();
          expect(kb!.x).toBeCloseTo((k.x + 0.5) / f - 0.5, 6);
          expect(kb!.y).toBeCloseTo((k.y + 0.5) / f - 0.5, 6);
        });
        // Independent check of the geometry (no shift): f x f box means of the 256 image.
        let err = 0;
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            for (let c = 0; c < 3; c++) {
              let s = 0;
              for (let dy = 0; dy < f; dy++)
                for (let dx = 0; dx < f; dx++) s += a.image.data[((y * f + dy) * 256 + x * f + dx) * 3 + c];
              err += Math.abs(s / (f * f) - b.image.data[(y * size + x) * 3 + c]);
            }
          }
        }
        expect(err / (size * size * 3)).toBeLessThan(2.5); // ~0.8 measured; a 1 px shift gives ~6
      }
    }
  });

  it('all 7 annotated real images decode at 64/128/256 (4 of them have no row in this CSV)', async () => {
    const files = fs.readdirSync(imagesDir).filter((f) => f.endsWith('.jpg'));
    expect(files).toHaveLength(7);
    for (const f of files) {
      for (const n of [64, 128, 256]) {
        const { image, sourceWidth, sourceHeight } = await loadImage(path.join(imagesDir, f), { size: [n, n] });
        expect([sourceWidth, sourceHeight, image.width, image.height, image.data.length]).toEqual([
          256,
          256,
          n,
          n,
          n * n * 3,
        ]);
      }
    }
  });

  it('PATN 256x176 of the real images: the centre columns of the 256x256 image, with the PATN list', async () => {
    const a = await openDeepFashion({ imagesDir, annotationsCsv, missingImages: 'skip' });
    const b = await openDeepFashion({
      imagesDir,
      annotationsCsv,
      missingImages: 'skip',
      layout: 'patn-256x176',
      listFile: path.join(df, 'splits', 'train.lst'),
    });
    expect(b.size).toBe(3); // all are in PATN's train list (sources.csv)
    const none = await openDeepFashion({
      imagesDir,
      annotationsCsv,
      missingImages: 'skip',
      layout: 'patn-256x176',
      listFile: path.join(df, 'splits', 'test.lst'),
    });
    expect(none.size).toBe(0);
    const [sa, sb] = [await a.get(0), await b.get(0)];
    let diff = 0;
    for (let y = 0; y < 256; y++)
      for (let x = 0; x < 176; x++)
        for (let c = 0; c < 3; c++)
          diff = Math.max(
            diff,
            Math.abs(sa.image.data[(y * 256 + x + 40) * 3 + c] - sb.image.data[(y * 176 + x) * 3 + c]),
          );
    expect(diff).toBeLessThanOrEqual(2);
    sa.pose.keypoints.forEach((k, j) => {
      const kb = sb.pose.keypoints[j];
      if (k === null || k.x < 40 || k.x > 215) expect(kb).toBeNull();
      else expect(kb).toEqual({ x: k.x - 40, y: k.y });
    });
  });
});
