import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { isDGPoseError, validateWeightsManifest } from '@dgpose/core';
import { createSyntheticDataset } from '@dgpose/datasets';
import { expectNoLeak, useBackend } from '@dgpose/test-utils';
import {
  getZooEntry,
  loadPretrained,
  loadPretrainedFromBytes,
  pretrainedDir,
  readPretrainedBytes,
  ZOO,
  ZOO_NAMES,
} from './node';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const PKG = path.resolve(__dirname, '..');

describe('zoo registry', () => {
  it('ships the pose regressor at least', () => {
    expect(ZOO_NAMES).toContain('pose-regressor-64');
  });

  it.each(ZOO.map((e) => [e.name, e] as const))(
    '%s: files exist, sha256 match, manifest carries command + metrics',
    (name, e) => {
      // loadPretrained's typed overloads rely on it (Semi's supervised-only baselines: 'supervised-')
      expect(
        e.name.startsWith(
          e.kind === 'pose-regressor' ? 'pose-regressor-' : e.supervisedOnly ? 'supervised-' : `${e.kind}-`,
        ),
      ).toBe(true);
      expect(e.trainedOn).toBe('synthetic-64');
      // the exact command: the regressor's script or the trainer CLI (with its resume, when there was one)
      expect(e.command).toMatch(
        e.kind === 'pose-regressor'
          ? /^pnpm --filter @dgpose\/zoo exec tsx scripts\/train-regressor\.ts /
          : /apps\/trainer\/src\/cli\.ts .*--model \w+ (--supervised-only )?--preset small/,
      );
      if (e.kind !== 'pose-regressor') expect(e.command).toContain(`--model ${e.kind}`);
      expect(Object.keys(e.metrics).length).toBeGreaterThan(0);
      for (const v of Object.values(e.metrics)) expect(Number.isFinite(v)).toBe(true);
      const dir = path.join(PKG, e.files);
      expect(pretrainedDir(name)).toBe(dir);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      validateWeightsManifest(manifest);
      expect(manifest.kind).toBe(e.weightsKind);
      expect(manifest.shards).toEqual(e.shards);
      let total = 0;
      for (const s of e.shards) {
        const bytes = fs.readFileSync(path.join(dir, s.path));
        expect(bytes.length).toBe(s.byteLength);
        expect(sha256(bytes)).toBe(s.sha256);
        total += bytes.length;
      }
      expect(total).toBeLessThan(3.5 * 1024 * 1024); // keep the package publishable
      const info = JSON.parse(fs.readFileSync(path.join(dir, 'zoo.json'), 'utf8'));
      expect(info.metrics).toEqual(e.metrics);
      expect(info.command).toBe(e.command);
    },
  );

  it('unknown names are E_ARG listing the valid ones', async () => {
    const err = await loadPretrained('nope-64').catch((x: unknown) => x);
    expect(isDGPoseError(err, 'E_ARG')).toBe(true);
    expect(String(err)).toContain('pose-regressor-64');
    expect(() => getZooEntry('')).toThrow(/unknown zoo model/);
    await expect(loadPretrainedFromBytes('nope', { manifest: {} as never, shards: [] })).rejects.toThrow(
      /pose-regressor-64/,
    );
  });
});

describe('loading and tampering', () => {
  let tmp: string;
  beforeAll(async () => {
    await useBackend('wasm');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zoo-tamper-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it.each(ZOO.map((e) => [e.name] as const))('%s loads and gives finite outputs, without leaks', async (name) => {
    const e = getZooEntry(name);
    const before = tf.memory().numTensors;
    const m = await loadPretrained(name);
    const test = createSyntheticDataset({ seed: 0, size: 64, identities: 100, posesPerIdentity: 16, split: 'test' });
    const s = [test.getSync(0), test.getSync(17)];
    if (e.kind === 'pose-regressor') {
      const est = m as Awaited<ReturnType<typeof loadPretrained>> & {
        estimate: (i: unknown[]) => Promise<{ keypoints: ({ x: number; y: number } | null)[] }[]>;
      };
      const poses = await expectNoLeak(() => est.estimate(s.map((x) => x.image)));
      for (const p of poses)
        for (const k of p.keypoints) if (k) expect(Number.isFinite(k.x) && Number.isFinite(k.y)).toBe(true);
      expect(poses[0].keypoints.filter(Boolean).length).toBeGreaterThan(10);
    } else {
      const model = m as import('@dgpose/models').DGPoseModel;
      const rec = await expectNoLeak(() =>
        model.reconstruct(
          s.map((x) => x.image),
          s.map((x) => x.pose),
        ),
      );
      expect(rec).toHaveLength(2);
      expect(rec[0].data.length).toBe(64 * 64 * 3);
      const mean = rec[0].data.reduce((a, b) => a + b, 0) / rec[0].data.length;
      expect(mean).toBeGreaterThan(5);
      expect(mean).toBeLessThan(250);
    }
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a tampered shard in a copied weights folder is E_WEIGHTS_CORRUPT', async () => {
    const e = getZooEntry('pose-regressor-64');
    const dir = path.join(tmp, e.name);
    fs.cpSync(pretrainedDir(e.name), dir, { recursive: true });
    // the untouched copy loads
    (await loadPretrained(e.name, { weightsRoot: tmp })).dispose();
    const shard = path.join(dir, e.shards[0].path);
    const bytes = fs.readFileSync(shard);
    bytes[100] ^= 0x01;
    fs.writeFileSync(shard, bytes);
    const err = await loadPretrained(e.name, { weightsRoot: tmp }).catch((x: unknown) => x);
    expect(isDGPoseError(err, 'E_WEIGHTS_CORRUPT')).toBe(true);
    expect(String(err)).toMatch(/sha256/);
    // rewriting the manifest's sha256 to match does not help: the registry pins the original
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    manifest.shards[0].sha256 = sha256(bytes);
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(manifest));
    const err2 = await loadPretrained(e.name, { weightsRoot: tmp }).catch((x: unknown) => x);
    expect(isDGPoseError(err2, 'E_WEIGHTS_CORRUPT')).toBe(true);
    expect(String(err2)).toMatch(/pinned/);
  });

  it('bytes: universal loader checks the same; a missing folder is E_IO', async () => {
    const src = await readPretrainedBytes('pose-regressor-64');
    const reg = await loadPretrainedFromBytes('pose-regressor-64', src);
    expect(reg.name).toBe('pose-regressor-64');
    reg.dispose();
    const cut = { manifest: src.manifest, shards: [src.shards[0].slice(0, 10), ...src.shards.slice(1)] };
    await expect(loadPretrainedFromBytes('pose-regressor-64', cut)).rejects.toThrow(/E_WEIGHTS_CORRUPT/);
    const err = await loadPretrained('pose-regressor-64', { weightsRoot: path.join(tmp, 'missing') }).catch(
      (x: unknown) => x,
    );
    expect(isDGPoseError(err, 'E_IO')).toBe(true);
  });
});

describe('recorded metrics are reproducible', () => {
  beforeAll(() => useBackend('wasm'));
  it('pose-regressor-64: PCK on the synthetic test split matches its manifest', async () => {
    const { evaluateRegressor, syntheticTestSplit } = await import('../scripts/eval-common');
    const reg = await loadPretrained('pose-regressor-64');
    const m = await evaluateRegressor(reg, syntheticTestSplit());
    reg.dispose();
    const rec = getZooEntry('pose-regressor-64').metrics;
    // eslint-disable-next-line no-console
    console.log(
      `pose-regressor-64 on the synthetic test split: PCKh@0.5 ${m.pckh}, PCK@0.1 bbox ${m.pck01}, PCK@0.2 torso ${m.pck02torso}`,
    );
    expect(m.pckh).toBeCloseTo(rec.pckh, 2);
    expect(m.pck01).toBeCloseTo(rec.pck01, 2);
    expect(m.pck01).toBeGreaterThan(0.8);
  });
});
