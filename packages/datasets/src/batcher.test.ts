import { COCO18 } from '@dgpose/core';
import { TEST_BACKENDS, expectNoLeak, useBackend, expectDGPoseError } from '@dgpose/test-utils';
import {
  type ArrayBatch,
  type Batcher,
  type Sample,
  type SampleSource,
  batchToTensors,
  createBatcher,
  createPairBatcher,
  createSyntheticDataset,
} from './index';

// 5 training identities x 4 poses = 20 samples of 32 px
const source = createSyntheticDataset({ seed: 1, size: 32, identities: 6, posesPerIdentity: 4, testFraction: 0.2 });
const N = source.size;

/** A plain SampleSource over the same samples (no fast path): exercises the generic get() path. */
function plainSource(s: SampleSource): SampleSource {
  return { name: 'plain', size: s.size, skeleton: s.skeleton, get: (i) => s.get(i) };
}

async function take(b: Batcher, n: number): Promise<ArrayBatch[]> {
  const out: ArrayBatch[] = [];
  for (let i = 0; i < n; i++) out.push(await b.next());
  return out;
}

describe('createBatcher', () => {
  it('gives batches of the documented shapes and ranges', async () => {
    expect(N).toBe(20);
    const b = createBatcher({ source, batchSize: 4, seed: 3, heatmaps: {} });
    const x = await b.next();
    expect(x.batch).toBe(4);
    expect([x.height, x.width, x.joints]).toEqual([32, 32, 18]);
    expect(x.images.length).toBe(4 * 32 * 32 * 3);
    expect(x.poses.length).toBe(4 * 36);
    expect(x.visible.length).toBe(4 * 18);
    expect(x.labelled.length).toBe(4);
    expect(x.heatmaps?.length).toBe(4 * 32 * 32 * 18);
    expect(Math.min(...x.images)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...x.images)).toBeLessThanOrEqual(1);
    for (let i = 0; i < x.poses.length; i++) {
      expect(Math.abs(x.poses[i])).toBeLessThanOrEqual(1);
      // normalised = 2·px/(W-1) - 1 (aligned corners, as @dgpose/mapper)
      if (x.visible[i >> 1]) expect(x.poses[i]).toBeCloseTo((2 * x.posesPx[i]) / 31 - 1, 5);
    }
    expect(x.ids).toHaveLength(4);
    expect(b.batchesPerEpoch).toBe(5);
    await b.close();
  });

  it('shuffles per epoch with the seed: each epoch is a permutation; epochs differ; seeds reproduce', async () => {
    const b = createBatcher({ source, batchSize: 6, seed: 5, dropLast: false });
    expect(b.batchesPerEpoch).toBe(4);
    const batches = await take(b, 8);
    const e0 = batches.slice(0, 4).flatMap((x) => x.indices);
    const e1 = batches.slice(4).flatMap((x) => x.indices);
    expect(batches.map((x) => x.epoch)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(batches[3].batch).toBe(2); // the last, partial batch is kept
    expect(e0.slice().sort((a, c) => a - c)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(e1.slice().sort((a, c) => a - c)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(e0).not.toEqual(e1);
    const again = await take(createBatcher({ source, batchSize: 6, seed: 5, dropLast: false }), 4);
    expect(again.flatMap((x) => x.indices)).toEqual(e0);
    const other = await take(createBatcher({ source, batchSize: 6, seed: 6, dropLast: false }), 4);
    expect(other.flatMap((x) => x.indices)).not.toEqual(e0);
    const ordered = await take(createBatcher({ source, batchSize: 5, seed: 5, shuffle: false }), 4);
    expect(ordered.flatMap((x) => x.indices)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it.each([0.25, 0.5, 0.75, 1])(
    'labels a fixed subset of exactly round(%p·N) samples, the same every epoch',
    async (f) => {
      const b = createBatcher({ source, batchSize: 5, seed: 9, supervision: f });
      const want = Math.round(f * N);
      expect(b.labelledIndices()).toHaveLength(want);
      const seen = new Map<number, number>();
      for (const x of await take(b, 3 * b.batchesPerEpoch)) {
        x.indices.forEach((i, k) => {
          const l = x.labelled[k];
          if (seen.has(i)) expect(seen.get(i)).toBe(l);
          seen.set(i, l);
          // hidden labels: unlabelled rows carry no pose
          if (!l) for (let j = 0; j < 18; j++) expect(x.visible[k * 18 + j]).toBe(0);
        });
      }
      expect([...seen.values()].filter((v) => v === 1)).toHaveLength(want);
      expect(b.labelledIndices()).toEqual(
        [...seen.entries()]
          .filter(([, v]) => v === 1)
          .map(([i]) => i)
          .sort((a, c) => a - c),
      );
      // the subset depends on the seed only, not on shuffling or batch size
      expect(
        createBatcher({ source, batchSize: 2, seed: 9, supervision: f, shuffle: false }).labelledIndices(),
      ).toEqual(b.labelledIndices());
    },
  );

  it('iterates only the labelled or unlabelled part when asked, and can keep labels of unlabelled rows', async () => {
    const lab = createBatcher({ source, batchSize: 5, seed: 9, supervision: 0.5, subset: 'labelled' });
    const unl = createBatcher({
      source,
      batchSize: 5,
      seed: 9,
      supervision: 0.5,
      subset: 'unlabelled',
      hideUnlabelled: false,
    });
    expect(lab.epochSize).toBe(10);
    expect(unl.epochSize).toBe(10);
    const a = (await take(lab, 2)).flatMap((x) => Array.from(x.labelled));
    expect(a.every((v) => v === 1)).toBe(true);
    const u = await take(unl, 2);
    expect(u.flatMap((x) => Array.from(x.labelled)).every((v) => v === 0)).toBe(true);
    expect(u[0].visible.some((v) => v === 1)).toBe(true);
  });

  it('flips horizontally with the left/right joint swap: the left wrist ends up as the right wrist', async () => {
    const b = createBatcher({ source, batchSize: 20, seed: 2, flip: true, shuffle: false });
    const x = await b.next();
    expect(x.flipped.some((f) => f)).toBe(true);
    expect(x.flipped.some((f) => !f)).toBe(true);
    const W = 32;
    for (let k = 0; k < x.batch; k++) {
      const s = source.getSync(x.indices[k]);
      const o = k * W * W * 3;
      for (let y = 0; y < W; y += 7) {
        for (let c = 0; c < 3; c++) {
          const xx = 5;
          const src = x.flipped[k] ? W - 1 - xx : xx;
          expect(x.images[o + (y * W + xx) * 3 + c]).toBe(Math.fround(s.image.data[(y * W + src) * 3 + c] / 127.5 - 1));
        }
      }
      const kp = s.pose.keypoints;
      const at = (j: number): [number, number] => [x.posesPx[k * 36 + 2 * j], x.posesPx[k * 36 + 2 * j + 1]];
      if (x.flipped[k]) {
        // original left wrist (7) -> batch's right wrist (4), mirrored; and vice versa
        const close = (got: [number, number], want: [number, number]): void => {
          expect(got[0]).toBeCloseTo(want[0], 4);
          expect(got[1]).toBeCloseTo(want[1], 4);
        };
        if (kp[7]) close(at(4), [W - 1 - kp[7].x, kp[7].y]);
        if (kp[4]) close(at(7), [W - 1 - kp[4].x, kp[4].y]);
        if (kp[0]) expect(at(0)[0]).toBeCloseTo(W - 1 - kp[0].x, 4); // the nose stays the nose
        for (const [l, r] of COCO18.flipPairs) expect(x.visible[k * 18 + l]).toBe(kp[r] ? 1 : 0);
      } else if (kp[7]) expect(at(7)).toEqual([Math.fround(kp[7].x), Math.fround(kp[7].y)]);
    }
  });

  it('computes heatmaps with H_j(u,v) = exp(-((u-x)²+(v-y)²)/(2σ²)) on pixel centres; zero for missing joints', async () => {
    const sigma = 1.7;
    const crop = createSyntheticDataset({
      seed: 4,
      size: 32,
      identities: 4,
      posesPerIdentity: 3,
      split: 'all',
      cropProbability: 1,
    });
    const b = createBatcher({ source: crop, batchSize: 12, seed: 1, heatmaps: { sigma }, shuffle: false });
    const x = await b.next();
    const hm = x.heatmaps as Float32Array;
    let missing = 0;
    for (let k = 0; k < x.batch; k++) {
      for (let j = 0; j < 18; j++) {
        const vis = x.visible[k * 18 + j];
        const px = x.posesPx[k * 36 + 2 * j];
        const py = x.posesPx[k * 36 + 2 * j + 1];
        for (const [u, v] of [
          [0, 0],
          [5, 9],
          [31, 31],
          [Math.round(px), Math.round(py)],
          [17, 3],
        ]) {
          const got = hm[((k * 32 + v) * 32 + u) * 18 + j];
          const want = vis ? Math.exp(-((u - px) ** 2 + (v - py) ** 2) / (2 * sigma * sigma)) : 0;
          expect(got).toBeCloseTo(want, 6);
        }
        if (!vis) missing++;
      }
    }
    expect(missing).toBeGreaterThan(0);
    // default σ = 6·H/256
    const d = await createBatcher({ source, batchSize: 1, seed: 1, heatmaps: {}, shuffle: false }).next();
    const j = d.visible.findIndex((v) => v === 1);
    const [px, py] = [d.posesPx[2 * j], d.posesPx[2 * j + 1]];
    const s0 = (6 * 32) / 256;
    expect(d.heatmaps?.[(3 * 32 + 4) * 18 + j]).toBeCloseTo(
      Math.exp(-((4 - px) ** 2 + (3 - py) ** 2) / (2 * s0 * s0)),
      6,
    );
  });

  it('resumes from state() with the exact same stream, across an epoch boundary and with prefetch', async () => {
    const opts = { source, batchSize: 6, seed: 11, flip: true, supervision: 0.5, prefetch: 3 };
    const a = createBatcher(opts);
    await take(a, 2);
    const st = JSON.parse(JSON.stringify(a.state()));
    expect(st).toMatchObject({ epoch: 0, position: 12, step: 2 });
    const rest = await take(a, 5); // crosses into epoch 1 and 2 (3 batches per epoch)
    const b = createBatcher({ ...opts, prefetch: 0, state: st });
    const again = await take(b, 5);
    again.forEach((x, i) => {
      expect(x.indices).toEqual(rest[i].indices);
      expect(x.flipped).toEqual(rest[i].flipped);
      expect(x.epoch).toBe(rest[i].epoch);
      expect(x.step).toBe(rest[i].step);
      expect(Buffer.from(x.images.buffer).equals(Buffer.from(rest[i].images.buffer))).toBe(true);
      expect(Array.from(x.poses)).toEqual(Array.from(rest[i].poses));
    });
    expect(rest.map((x) => x.epoch)).toEqual([0, 1, 1, 1, 2]);
    // a state from another batcher is refused
    expectDGPoseError(() => createBatcher({ ...opts, seed: 12, state: st }), 'E_CONFIG', { argument: 'state.seed' });
    expectDGPoseError(() => createBatcher({ ...opts, batchSize: 5, state: st }), 'E_CONFIG', {
      argument: 'state.batchSize',
    });
    expectDGPoseError(() => createBatcher({ ...opts, state: { ...st, position: 999 } }), 'E_CONFIG', {
      argument: 'state',
    });
  });

  it('labelledPerBatch: every batch is L labelled rows from their own stream, then unlabelled rows; resumes exactly', async () => {
    // 20 samples at 25 %: 5 labelled, 15 unlabelled; batches of 4 = 2 labelled + 2 unlabelled
    const opts = { source, batchSize: 4, seed: 2, flip: true, supervision: 0.25, labelledPerBatch: 2, prefetch: 2 };
    const a = createBatcher(opts);
    const lab = new Set(a.labelledIndices());
    expect(lab.size).toBe(5);
    expect(a.epochSize).toBe(15);
    expect(a.batchesPerEpoch).toBe(7);
    const batches = await take(a, 9);
    for (const x of batches) {
      expect(Array.from(x.labelled)).toEqual([1, 1, 0, 0]);
      expect(x.indices.slice(0, 2).every((i) => lab.has(i))).toBe(true);
      expect(x.indices.slice(2).some((i) => lab.has(i))).toBe(false);
      // labelled rows keep their pose; the unlabelled ones are hidden
      expect(x.visible.slice(0, 18).some((v) => v === 1)).toBe(true);
      expect(x.visible.slice(36).every((v) => v === 0)).toBe(true);
    }
    // the labelled stream: 2 whole batches per labelled epoch, each a fresh permutation (no repeats inside one)
    const firstTwo = batches.slice(0, 2).flatMap((x) => x.indices.slice(0, 2));
    expect(new Set(firstTwo).size).toBe(4);
    // the unlabelled rows cover all 15 unlabelled samples once per epoch (7 batches x 2 = 14, one dropped)
    expect(new Set(batches.slice(0, 7).flatMap((x) => x.indices.slice(2))).size).toBe(14);

    const b = createBatcher(opts);
    await take(b, 3);
    const st = JSON.parse(JSON.stringify(b.state()));
    expect(st).toMatchObject({ step: 3, labelledPerBatch: 2 });
    const again = await take(createBatcher({ ...opts, prefetch: 0, state: st }), 6);
    again.forEach((x, i) => {
      expect(x.indices).toEqual(batches[i + 3].indices);
      expect(x.flipped).toEqual(batches[i + 3].flipped);
      expect(Buffer.from(x.images.buffer).equals(Buffer.from(batches[i + 3].images.buffer))).toBe(true);
    });
    // a state taken without labelledPerBatch (or with another L) is refused, and vice versa
    const plain = createBatcher({ ...opts, labelledPerBatch: 0 });
    expectDGPoseError(() => createBatcher({ ...opts, state: plain.state() }), 'E_CONFIG', {
      argument: 'state.labelledPerBatch',
    });
    expectDGPoseError(() => createBatcher({ ...opts, labelledPerBatch: 0, state: st }), 'E_CONFIG', {
      argument: 'state.labelledPerBatch',
    });
    await Promise.all([a.close(), b.close(), plain.close()]);
  });

  it('labelledPerBatch refuses settings where it cannot hold (E_CONFIG naming the field)', () => {
    const base = { source, batchSize: 4, supervision: 0.25 };
    expectDGPoseError(() => createBatcher({ ...base, labelledPerBatch: 4 }), 'E_CONFIG', {
      argument: 'labelledPerBatch',
    });
    expectDGPoseError(() => createBatcher({ ...base, labelledPerBatch: 1.5 }), 'E_CONFIG', {
      argument: 'labelledPerBatch',
    });
    expectDGPoseError(() => createBatcher({ ...base, labelledPerBatch: 2, subset: 'labelled' }), 'E_CONFIG', {
      argument: 'labelledPerBatch',
    });
    expectDGPoseError(() => createBatcher({ ...base, labelledPerBatch: 2, supervision: 1 }), 'E_CONFIG', {
      argument: 'labelledPerBatch',
    });
    expectDGPoseError(() => createBatcher({ ...base, labelledPerBatch: 2, dropLast: false }), 'E_CONFIG', {
      argument: 'dropLast',
    });
    // 5 labelled samples cannot fill 6 labelled rows
    expectDGPoseError(() => createBatcher({ ...base, batchSize: 8, labelledPerBatch: 6 }), 'E_CONFIG', {
      argument: 'labelledPerBatch',
    });
  });

  it('gives the same batches through the generic get() path as through the synthetic fast path', async () => {
    const fast = await take(createBatcher({ source, batchSize: 5, seed: 4, flip: true, heatmaps: {} }), 2);
    const slow = await take(
      createBatcher({ source: plainSource(source), batchSize: 5, seed: 4, flip: true, heatmaps: {} }),
      2,
    );
    fast.forEach((x, i) => {
      expect(slow[i].ids).toEqual(x.ids);
      expect(Buffer.from(slow[i].images.buffer).equals(Buffer.from(x.images.buffer))).toBe(true);
      expect(Array.from(slow[i].posesPx)).toEqual(Array.from(x.posesPx));
      expect(Array.from(slow[i].heatmaps as Float32Array)).toEqual(Array.from(x.heatmaps as Float32Array));
    });
  });

  it('refuses samples of mixed image sizes (E_SHAPE) and surfaces source errors on the batch that needs them', async () => {
    const other = createSyntheticDataset({ seed: 1, size: 40, identities: 2, posesPerIdentity: 1, split: 'all' });
    const mixed: SampleSource = {
      name: 'mixed',
      size: 4,
      skeleton: 'coco18',
      get: async (i): Promise<Sample> => (i < 3 ? source.get(i) : other.get(0)),
    };
    const b = createBatcher({ source: mixed, batchSize: 4, seed: 0, shuffle: false });
    await expect(b.next()).rejects.toThrow(/E_SHAPE/);
    const failing: SampleSource = {
      name: 'f',
      size: 4,
      skeleton: 'coco18',
      get: async () => Promise.reject(new Error('disk on fire')),
    };
    const c = createBatcher({ source: failing, batchSize: 2, seed: 0, prefetch: 2 });
    await expect(c.next()).rejects.toThrow(/disk on fire/);
    await c.close();
  });

  it('rejects bad configs with E_CONFIG naming the field', () => {
    expectDGPoseError(() => createBatcher({ source, batchSize: 0 }), 'E_CONFIG', { argument: 'batchSize' });
    expectDGPoseError(() => createBatcher({ source, batchSize: 21 }), 'E_CONFIG', { argument: 'batchSize' });
    expectDGPoseError(() => createBatcher({ source, supervision: 0 }), 'E_CONFIG', { argument: 'supervision' });
    expectDGPoseError(() => createBatcher({ source, supervision: 1.5 }), 'E_CONFIG', { argument: 'supervision' });
    expectDGPoseError(() => createBatcher({ source, supervision: 0.01 }), 'E_CONFIG', { argument: 'supervision' }); // round(0.2) = 0
    expectDGPoseError(() => createBatcher({ source, prefetch: -1 }), 'E_CONFIG', { argument: 'prefetch' });
    expectDGPoseError(() => createBatcher({ source, heatmaps: { sigma: -1 } }), 'E_CONFIG', {
      argument: 'heatmaps.sigma',
    });
    expectDGPoseError(() => createBatcher({ source, subset: 'some' as 'all' }), 'E_CONFIG', { argument: 'subset' });
    expectDGPoseError(() => createBatcher({ source, batchsize: 4 } as never), 'E_CONFIG', { argument: 'batchsize' });
    expectDGPoseError(() => createBatcher({ source: undefined as unknown as SampleSource }), 'E_CONFIG', {
      argument: 'source',
    });
  });
});

describe('createPairBatcher', () => {
  it('batches (from, to) pairs of one identity in different poses, flipped together', async () => {
    const b = createPairBatcher({ source, batchSize: 8, seed: 3, flip: true, heatmaps: {} });
    expect(b.pairCount).toBe(5 * 4 * 3);
    const x = await b.next();
    expect(x.from.batch).toBe(8);
    expect(x.to.batch).toBe(8);
    expect(x.to.heatmaps?.length).toBe(8 * 32 * 32 * 18);
    expect(x.from.flipped).toEqual(x.to.flipped);
    for (let k = 0; k < 8; k++) {
      const [a, c] = [x.from.indices[k], x.to.indices[k]];
      expect(a).not.toBe(c);
      expect(source.getSync(a).identity).toBe(source.getSync(c).identity);
      expect(x.from.labelled[k]).toBe(1);
      // the target rows are the target samples (flipped when the pair is)
      const t = source.getSync(c);
      const src = x.to.flipped[k] ? 31 - 3 : 3;
      expect(x.to.images[k * 32 * 32 * 3 + (10 * 32 + 3) * 3]).toBe(
        Math.fround(t.image.data[(10 * 32 + src) * 3] / 127.5 - 1),
      );
    }
    await b.close();
  });

  it('resumes from state() and takes explicit pairs; rejects bad pairs', async () => {
    const pairs: Array<[number, number]> = [
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
      [1, 0],
    ];
    const a = createPairBatcher({ source, pairs, batchSize: 2, seed: 4, prefetch: 2 });
    expect(a.batchesPerEpoch).toBe(3);
    await a.next();
    const st = a.state();
    const rest = await take2(a, 4);
    const b = createPairBatcher({ source, pairs, batchSize: 2, seed: 4, state: st });
    expect((await take2(b, 4)).map((x) => [x.from.indices, x.to.indices])).toEqual(
      rest.map((x) => [x.from.indices, x.to.indices]),
    );
    expectDGPoseError(() => createPairBatcher({ source, pairs: [[0, N]] }), 'E_CONFIG', { argument: 'pairs[0]' });
    expectDGPoseError(() => createPairBatcher({ source, pairs: [] }), 'E_CONFIG', { argument: 'pairs' });
    expectDGPoseError(() => createPairBatcher({ source, pairs, batchSize: 7 }), 'E_CONFIG', { argument: 'batchSize' });
    expectDGPoseError(() => createPairBatcher({ source, pairs, supervision: 0.5 } as never), 'E_CONFIG', {
      argument: 'supervision',
    });
    expectDGPoseError(
      () => createPairBatcher({ source: { name: 'x', size: 2, skeleton: 'coco18', get: source.get } }),
      'E_CONFIG',
      { argument: 'pairs' },
    );
    expectDGPoseError(() => createPairBatcher({ source, pairs, batchSize: 2, seed: 5, state: st }), 'E_CONFIG', {
      argument: 'state.seed',
    });
  });

  async function take2(
    b: ReturnType<typeof createPairBatcher>,
    n: number,
  ): Promise<Awaited<ReturnType<typeof b.next>>[]> {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await b.next());
    return out;
  }
});

describe.each(TEST_BACKENDS)('batch tensors on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('nextTensors returns tensors of the documented shapes that dispose() frees (no leak)', async () => {
    const b = createBatcher({ source, batchSize: 4, seed: 1, heatmaps: {}, prefetch: 2 });
    await expectNoLeak(async () => {
      for (let i = 0; i < 3; i++) {
        const t = await b.nextTensors();
        expect(t.images.shape).toEqual([4, 32, 32, 3]);
        expect(t.poses.shape).toEqual([4, 36]);
        expect(t.visible.shape).toEqual([4, 18]);
        expect(t.labelled.shape).toEqual([4]);
        expect(t.heatmaps?.shape).toEqual([4, 32, 32, 18]);
        expect(t.images.dtype).toBe('float32');
        const px = await t.images.data();
        expect(Math.min(...px)).toBeGreaterThanOrEqual(-1);
        expect(Math.max(...px)).toBeLessThanOrEqual(1);
        t.dispose();
      }
    });
    await b.close();
  });

  it('pair nextTensors returns both halves, freed by dispose() (no leak)', async () => {
    const b = createPairBatcher({ source, batchSize: 3, seed: 1, heatmaps: {} });
    await expectNoLeak(async () => {
      const t = await b.nextTensors();
      expect(t.from.images.shape).toEqual([3, 32, 32, 3]);
      expect(t.to.heatmaps?.shape).toEqual([3, 32, 32, 18]);
      t.dispose();
    });
    await b.close();
  });

  it('batchToTensors copies the arrays (the caller owns the tensors)', async () => {
    const x = await createBatcher({ source, batchSize: 2, seed: 1 }).next();
    await expectNoLeak(async () => {
      const t = batchToTensors(x);
      expect(Array.from(await t.poses.data())).toEqual(Array.from(x.poses));
      expect(t.heatmaps).toBeUndefined();
      t.dispose();
    });
  });
});
