import * as path from 'node:path';
import { COCO18, validatePose } from '@dgpose/core';
import { expectBrowserSafe, expectDGPoseError } from '@dgpose/test-utils';
import { PART_NAMES, createSyntheticDataset, validateSyntheticConfig } from './index';
import { JOINT_LIMITS, samplePoseParams } from './synthetic-body';
import { createRng } from '@dgpose/core';

const small = { seed: 7, size: 48, identities: 10, posesPerIdentity: 4, testFraction: 0.2 } as const;

describe('createSyntheticDataset', () => {
  it('is deterministic by (seed, index), in any access order, across instances', () => {
    const a = createSyntheticDataset(small);
    const b = createSyntheticDataset(small);
    const idx = [5, 0, 31, 12];
    const first = idx.map((i) => a.getSync(i));
    const second = idx
      .slice()
      .reverse()
      .map((i) => b.getSync(i))
      .reverse();
    first.forEach((s, k) => {
      expect(Buffer.from(s.image.data).equals(Buffer.from(second[k].image.data))).toBe(true);
      expect(s.pose).toEqual(second[k].pose);
      expect(s.id).toBe(second[k].id);
    });
    // re-reading an index after others gives the same bytes (no hidden state)
    expect(Buffer.from(a.getSync(5).image.data).equals(Buffer.from(first[0].image.data))).toBe(true);
  });

  it('another seed gives other images', () => {
    const a = createSyntheticDataset(small).getSync(0);
    const b = createSyntheticDataset({ ...small, seed: 8 }).getSync(0);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(false);
  });

  it('get resolves to the same sample as getSync, with valid COCO-18 poses and HWC uint8 images', async () => {
    const ds = createSyntheticDataset(small);
    const s = await ds.get(3);
    expect(s).toEqual(ds.getSync(3));
    expect(s.image.width).toBe(48);
    expect(s.image.height).toBe(48);
    expect(s.image.channels).toBe(3);
    expect(s.image.data.length).toBe(48 * 48 * 3);
    expect(s.pose.skeleton).toBe('coco18');
    expect(s.pose.keypoints).toHaveLength(18);
    expect(() => validatePose(s.pose)).not.toThrow();
    expect(ds.skeleton).toBe('coco18');
    expect(ds.idOf(3)).toBe(s.id);
  });

  it('renders at any size >= 32 with content (not a flat image)', () => {
    for (const size of [32, 64, 100, 128, 256]) {
      const s = createSyntheticDataset({ ...small, size, identities: 2, posesPerIdentity: 1, split: 'all' }).getSync(0);
      expect(s.image.data.length).toBe(size * size * 3);
      const d = s.image.data;
      let mean = 0;
      for (const v of d) mean += v;
      mean /= d.length;
      let varc = 0;
      for (const v of d) varc += (v - mean) ** 2;
      expect(Math.sqrt(varc / d.length)).toBeGreaterThan(5);
    }
  });

  it('different identities look different; one identity keeps its appearance and background across poses', () => {
    const ds = createSyntheticDataset({ ...small, cropProbability: 0 });
    const P = small.posesPerIdentity;
    const specs = Array.from({ length: P }, (_, k) => ds.spec(P + k));
    for (const s of specs) {
      expect(s.identity).toBe(specs[0].identity);
      expect(s.appearance).toEqual(specs[0].appearance);
    }
    const samples = Array.from({ length: P }, (_, k) => ds.getSync(P + k));
    expect(new Set(samples.map((s) => s.identity)).size).toBe(1);
    for (const key of ['hairStyle', 'shirtPattern', 'sleeves', 'trouserStyle', 'background']) {
      expect(new Set(samples.map((s) => s.meta?.[key])).size).toBe(1);
    }
    // the background is the identity's: the top-left pixel is the same in every pose
    const corner = samples.map((s) => Array.from(s.image.data.subarray(0, 3)).join(','));
    expect(new Set(corner).size).toBe(1);
    // ...and the poses differ
    expect(new Set(samples.map((s) => JSON.stringify(s.pose.keypoints))).size).toBe(P);
    // other identities: appearances differ
    const others = ds.identityIds.map((_, li) => ds.spec(li * P).appearance);
    const keys = new Set(others.map((a) => JSON.stringify([a.skin, a.shirt, a.hair])));
    expect(keys.size).toBe(others.length);
  });

  it('splits by identity: train and test are disjoint and cover all identities; round(testFraction·N) test identities', () => {
    const train = createSyntheticDataset({ ...small, split: 'train' });
    const test = createSyntheticDataset({ ...small, split: 'test' });
    const all = createSyntheticDataset({ ...small, split: 'all' });
    expect(test.identityIds).toHaveLength(2);
    expect(train.identityIds).toHaveLength(8);
    expect(train.identityIds.filter((i) => test.identityIds.includes(i))).toEqual([]);
    expect([...train.identityIds, ...test.identityIds].sort((a, b) => a - b)).toEqual(all.identityIds);
    expect(train.size).toBe(8 * 4);
    expect(test.size).toBe(2 * 4);
    // the same identity renders the same in every split
    const g = test.identityIds[0];
    const inAll = all.identityIds.indexOf(g) * 4;
    expect(Buffer.from(test.getSync(0).image.data).equals(Buffer.from(all.getSync(inAll).image.data))).toBe(true);
  });

  it('pairs() are all ordered pairs of different poses of one identity (ground-truth transfer targets)', () => {
    const ds = createSyntheticDataset(small);
    const pairs = ds.pairs();
    expect(pairs).toHaveLength(ds.identityIds.length * 4 * 3);
    for (const [a, b] of pairs.slice(0, 30)) {
      expect(a).not.toBe(b);
      expect(ds.getSync(a).identity).toBe(ds.getSync(b).identity);
    }
  });

  it('labels every joint inside the frame (occluded ones too); null only outside [0, size-1]²', () => {
    const tight = createSyntheticDataset({ ...small, cropProbability: 0, split: 'all' });
    for (let i = 0; i < tight.size; i++) expect(tight.getSync(i).pose.keypoints.every((k) => k !== null)).toBe(true);
    const cropped = createSyntheticDataset({ ...small, cropProbability: 1, split: 'all' });
    let missing = 0;
    for (let i = 0; i < cropped.size; i++) {
      const s = cropped.getSync(i);
      const coords = new Float32Array(36);
      const vis = new Uint8Array(18);
      cropped.renderInto(i, new Float32Array(48 * 48 * 3), 0, coords, 0, vis, 0);
      s.pose.keypoints.forEach((k, j) => {
        if (k === null) {
          missing++;
          expect(vis[j]).toBe(0);
        } else {
          expect(k.x).toBeGreaterThanOrEqual(0);
          expect(k.x).toBeLessThanOrEqual(47);
          expect(k.y).toBeGreaterThanOrEqual(0);
          expect(k.y).toBeLessThanOrEqual(47);
          expect(vis[j]).toBe(1);
          expect(coords[2 * j]).toBeCloseTo(k.x, 4);
        }
      });
    }
    expect(missing).toBeGreaterThan(0);
  });

  it('draws people upright and facing the camera with the right side on the image left', () => {
    const ds = createSyntheticDataset({
      ...small,
      families: ['standing'],
      cropProbability: 0,
      identities: 12,
      posesPerIdentity: 5,
      split: 'all',
    });
    let checked = 0;
    for (let i = 0; i < ds.size; i++) {
      const s = ds.getSync(i);
      const k = s.pose.keypoints as { x: number; y: number }[];
      // head above neck above hips above knees above ankles (image y grows downwards)
      expect(k[0].y).toBeLessThan(k[1].y);
      expect(k[1].y).toBeLessThan(k[8].y);
      expect(k[8].y).toBeLessThan(k[9].y);
      expect(k[9].y).toBeLessThan(k[10].y);
      expect(k[12].y).toBeLessThan(k[13].y);
      if (Math.abs(s.meta?.yaw as number) < 0.6) {
        checked++;
        expect(k[2].x).toBeLessThan(k[5].x); // r_shoulder left of l_shoulder
        expect(k[8].x).toBeLessThan(k[11].x);
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('orders depth by the turning angle (the far shoulder is behind)', () => {
    const ds = createSyntheticDataset({ ...small, families: ['turning'], split: 'all' });
    for (let i = 0; i < ds.size; i++) {
      const s = ds.getSync(i);
      const depth = s.meta?.depth as number[];
      const yaw = s.meta?.yaw as number;
      if (Math.abs(yaw) < 0.5) continue;
      // yaw > 0 turns the person to face image right: their left side moves away from the camera
      if (yaw > 0) expect(depth[5]).toBeLessThan(depth[2]);
      else expect(depth[5]).toBeGreaterThan(depth[2]);
    }
  });

  it('marks self-occluded joints in meta.occluded; hideOccluded makes them missing', () => {
    const cfg = { ...small, identities: 20, posesPerIdentity: 3, split: 'all' as const, cropProbability: 0 };
    const side = createSyntheticDataset({ ...cfg, families: ['turning'] });
    let farHidden = 0;
    let sideViews = 0;
    for (let i = 0; i < side.size; i++) {
      const m = side.getSync(i).meta as { occluded: boolean[]; yaw: number };
      expect(m.occluded).toHaveLength(18);
      if (Math.abs(m.yaw) > 1.3) {
        sideViews++;
        // facing image right (yaw > 0) the left shoulder is the far one
        if (m.occluded[m.yaw > 0 ? 5 : 2]) farHidden++;
      }
    }
    expect(sideViews).toBeGreaterThan(5);
    expect(farHidden / sideViews).toBeGreaterThan(0.6);
    const front = createSyntheticDataset({ ...cfg, families: ['standing'] });
    let hidden = 0;
    for (let i = 0; i < front.size; i++)
      hidden += (front.getSync(i).meta?.occluded as boolean[]).filter(Boolean).length;
    expect(hidden / (front.size * 18)).toBeLessThan(0.1);
    // hideOccluded: exactly the occluded joints (inside the frame) become null, in get and renderInto
    const hide = createSyntheticDataset({ ...cfg, families: ['turning'], hideOccluded: true });
    for (let i = 0; i < hide.size; i++) {
      const a = side.getSync(i);
      const b = hide.getSync(i);
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
      const vis = new Uint8Array(18);
      hide.renderInto(i, new Float32Array(48 * 48 * 3), 0, undefined, 0, vis, 0);
      (a.meta?.occluded as boolean[]).forEach((occ, j) => {
        expect(b.pose.keypoints[j] === null).toBe(occ || a.pose.keypoints[j] === null);
        expect(vis[j]).toBe(b.pose.keypoints[j] ? 1 : 0);
      });
    }
  });

  it('samples joint angles inside the joint limits for every family', () => {
    const rng = createRng(3);
    for (let i = 0; i < 300; i++) {
      const p = samplePoseParams(rng);
      for (const [key, [lo, hi]] of Object.entries(JOINT_LIMITS)) {
        const v = (p as unknown as Record<string, number | number[]>)[key];
        for (const x of Array.isArray(v) ? v : [v]) {
          expect(x).toBeGreaterThanOrEqual(lo);
          expect(x).toBeLessThanOrEqual(hi);
        }
      }
    }
  });

  it('renderInto writes q/127.5 - 1 of the uint8 image exactly, with pixel coords and visibility', () => {
    const ds = createSyntheticDataset(small);
    const buf = new Float32Array(2 * 48 * 48 * 3);
    const coords = new Float32Array(2 * 36);
    const vis = new Float32Array(2 * 18);
    ds.renderInto(9, buf, 48 * 48 * 3, coords, 36, vis, 18);
    const s = ds.getSync(9);
    for (let i = 0; i < s.image.data.length; i++)
      expect(buf[48 * 48 * 3 + i]).toBe(Math.fround(s.image.data[i] / 127.5 - 1));
    s.pose.keypoints.forEach((k, j) => {
      expect(vis[18 + j]).toBe(k ? 1 : 0);
      if (k) expect(coords[36 + 2 * j]).toBeCloseTo(k.x, 4);
    });
    expect(() => ds.renderInto(0, new Float32Array(10), 0)).toThrow(/E_SHAPE/);
  });

  it('parts(i) maps every pixel to a body part: the top region holds the shirt colour, the background the rest', () => {
    const src = createSyntheticDataset({ seed: 3, size: 64, identities: 40, posesPerIdentity: 2 });
    let checked = 0;
    for (let i = 0; i < src.size; i++) {
      const s = src.getSync(i);
      const parts = src.parts(i);
      expect(parts.length).toBe(64 * 64);
      expect(Math.max(...parts)).toBeLessThan(PART_NAMES.length);
      const app = src.spec(i).appearance;
      const top = PART_NAMES.indexOf('top');
      const idx = [...parts.keys()].filter((k) => parts[k] === top);
      // the person is a small part of the frame, the shirt a visible part of the person
      const person = parts.filter((p) => p !== 0).length;
      expect(person).toBeGreaterThan(0.03 * 64 * 64);
      expect(person).toBeLessThan(0.5 * 64 * 64);
      if (app.shirtPattern !== 'solid' || idx.length < 8) continue;
      // shaded shirt pixels: their hue follows the shirt colour (channel order kept), unlike other identities'
      const mean = [0, 1, 2].map((c) => idx.reduce((a, k) => a + s.image.data[3 * k + c], 0) / idx.length / 255);
      const norm = (v: number[]): number[] => v.map((x) => x / (v[0] + v[1] + v[2] + 1e-6));
      const [m, w] = [norm(mean), norm(app.shirt)];
      expect(Math.hypot(m[0] - w[0], m[1] - w[1], m[2] - w[2])).toBeLessThan(0.08);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("renderWorn(i, w): i's pose and silhouette in w's clothes; w = i is get(i) exactly", () => {
    const src = createSyntheticDataset({ seed: 3, size: 64, identities: 40, posesPerIdentity: 2 });
    for (let i = 0; i < 10; i++) expect(src.renderWorn(i, i).data).toEqual(src.getSync(i).image.data);
    const top = PART_NAMES.indexOf('top');
    let differ = 0;
    let checked = 0;
    for (let i = 0; i < 40; i++) {
      const w = (i + 20) % src.size; // another identity (2 poses each)
      expect(src.spec(w).identity).not.toBe(src.spec(i).identity);
      const img = src.renderWorn(i, w);
      expect(img.width).toBe(64);
      const parts = src.parts(i);
      const shirt = [...parts.keys()].filter((k) => parts[k] === top);
      if (shirt.length < 8 || src.spec(w).appearance.shirtPattern !== 'solid') continue;
      // the shirt pixels of i's mask take w's shirt hue rather than i's (sleeve lengths may differ, so not exactly)
      const mean = [0, 1, 2].map((c) => shirt.reduce((a, k) => a + img.data[3 * k + c], 0) / shirt.length / 255);
      const norm = (v: number[]): number[] => v.map((x) => x / (v[0] + v[1] + v[2] + 1e-6));
      const dist = (a: number[], b: number[]): number => Math.hypot(...norm(a).map((x, c) => x - norm(b)[c]));
      const [own, worn] = [src.spec(i).appearance.shirt, src.spec(w).appearance.shirt];
      if (dist(own, worn) < 0.1) continue;
      checked++;
      if (dist(mean, worn) < dist(mean, own)) differ++;
    }
    expect(checked).toBeGreaterThan(5);
    expect(differ).toBeGreaterThanOrEqual(0.8 * checked); // 12 of 14 here; 0 if the wearer were ignored
    // i's own rendering is untouched by a renderWorn call in between (the canvas is shared)
    const before = src.getSync(3).image.data;
    src.renderWorn(3, 25);
    expect(src.getSync(3).image.data).toEqual(before);
    expect(() => src.renderWorn(0, src.size)).toThrow(/E_ARG/);
  });

  it('rejects out-of-range indices with E_ARG', () => {
    const ds = createSyntheticDataset(small);
    expect(() => ds.getSync(ds.size)).toThrow(/E_ARG/);
    expect(() => ds.getSync(-1)).toThrow(/E_ARG/);
    expect(() => ds.getSync(1.5)).toThrow(/E_ARG/);
  });

  it('rejects bad configs with E_CONFIG naming the field', () => {
    expectDGPoseError(() => createSyntheticDataset({ size: 31 }), 'E_CONFIG', { argument: 'size' });
    expectDGPoseError(() => createSyntheticDataset({ size: 64.5 }), 'E_CONFIG', { argument: 'size' });
    expectDGPoseError(() => createSyntheticDataset({ identities: 0 }), 'E_CONFIG', { argument: 'identities' });
    expectDGPoseError(() => createSyntheticDataset({ posesPerIdentity: 0 }), 'E_CONFIG', {
      argument: 'posesPerIdentity',
    });
    expectDGPoseError(() => createSyntheticDataset({ split: 'val' as 'train' }), 'E_CONFIG', { argument: 'split' });
    expectDGPoseError(() => createSyntheticDataset({ testFraction: 1 }), 'E_CONFIG', { argument: 'testFraction' });
    expectDGPoseError(() => createSyntheticDataset({ split: 'test', testFraction: 0 }), 'E_CONFIG', {
      argument: 'testFraction',
    });
    expectDGPoseError(() => createSyntheticDataset({ cropProbability: 2 }), 'E_CONFIG', {
      argument: 'cropProbability',
    });
    expectDGPoseError(() => createSyntheticDataset({ families: ['flying' as 'sitting'] }), 'E_CONFIG', {
      argument: 'families',
    });
    expectDGPoseError(() => createSyntheticDataset({ seed: 0.5 }), 'E_CONFIG', { argument: 'seed' });
    expectDGPoseError(() => createSyntheticDataset({ hideOccluded: 1 as unknown as boolean }), 'E_CONFIG', {
      argument: 'hideOccluded',
    });
    expectDGPoseError(() => validateSyntheticConfig({ sise: 64 } as never), 'E_CONFIG', { argument: 'sise' });
  });

  it('keeps the COCO-18 joint order of core', () => {
    expect(COCO18.joints[4]).toBe('r_wrist');
    expect(COCO18.joints[7]).toBe('l_wrist');
  });
});

describe('browser entry', () => {
  it('src/index.ts bundles for the browser without Node built-ins or sharp', async () => {
    const report = await expectBrowserSafe(path.resolve(__dirname, 'index.ts'));
    expect(report.inputs.some((f) => f.endsWith('src/synthetic.ts'))).toBe(true);
  });
});
