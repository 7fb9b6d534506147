import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { seededFloats, useBackend } from '@dgpose/test-utils';
import {
  loadWeights,
  saveWeights,
  writeFileAtomic,
  WEIGHTS_MANIFEST_FILE,
  createRng,
  isDGPoseError,
  type NamedArrays,
} from './node';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-core-node-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

let n = 0;
const freshDir = (): string => path.join(root, `case${++n}`);

async function errorOf(fn: () => unknown): Promise<{ code: string; message: string; path?: string }> {
  try {
    await fn();
  } catch (e) {
    return isDGPoseError(e)
      ? { code: e.code, message: e.message, path: e.details.path }
      : { code: `not a DGPoseError: ${String(e)}`, message: '' };
  }
  return { code: 'no error', message: '' };
}

function arrays(): NamedArrays {
  return {
    'block1/conv/kernel': { dtype: 'float32', shape: [3, 3, 3, 8], data: seededFloats(216, 3) },
    'block1/conv/bias': { dtype: 'float32', shape: [8], data: seededFloats(8, 4) },
    'bn/count': { dtype: 'int32', shape: [1], data: new Int32Array([42]) },
  };
}

const tmpLeft = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('writeFileAtomic', () => {
  it('writes strings and bytes, replaces existing files, leaves no temp files', async () => {
    const dir = freshDir();
    fs.mkdirSync(dir);
    const f = path.join(dir, 'a.txt');
    await writeFileAtomic(f, 'first');
    expect(fs.readFileSync(f, 'utf8')).toBe('first');
    await writeFileAtomic(f, new Uint8Array([104, 105]));
    expect(fs.readFileSync(f, 'utf8')).toBe('hi');
    expect(fs.readdirSync(dir)).toEqual(['a.txt']);
  });

  it('fails with E_IO naming the path and cleans up', async () => {
    const missing = path.join(root, 'no-such-dir', 'x.bin');
    let e = await errorOf(() => writeFileAtomic(missing, 'x'));
    expect(e.code).toBe('E_IO');
    expect(e.message).toContain(missing);
    expect(e.path).toBe(missing);
    // Target is a folder: the rename fails after the temp file was written.
    const dir = freshDir();
    fs.mkdirSync(path.join(dir, 'target'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'target', 'keep'), '');
    e = await errorOf(() => writeFileAtomic(path.join(dir, 'target'), 'x'));
    expect(e.code).toBe('E_IO');
    expect(tmpLeft(dir)).toEqual([]);
    expect((await errorOf(() => writeFileAtomic(path.join(dir, 'y'), 3 as unknown as string))).code).toBe('E_ARG');
  });
});

describe('saveWeights / loadWeights', () => {
  it('round-trips through model.json + shard files', async () => {
    const dir = freshDir();
    const a = arrays();
    const { manifest, files } = await saveWeights(
      dir,
      a,
      { kind: 'test/model', config: { width: 8 }, packageVersion: '0.1.0' },
      { shardBytes: 400 },
    );
    expect(fs.readdirSync(dir).sort()).toEqual([
      'group1-shard1of3.bin',
      'group1-shard2of3.bin',
      'group1-shard3of3.bin',
      'model.json',
    ]);
    expect(files[files.length - 1]).toBe(path.join(dir, WEIGHTS_MANIFEST_FILE));
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(onDisk).toEqual(manifest);
    expect(onDisk.weightsManifest[0].paths).toEqual([
      'group1-shard1of3.bin',
      'group1-shard2of3.bin',
      'group1-shard3of3.bin',
    ]);
    const back = await loadWeights(dir, { kind: 'test/model' });
    expect(back.arrays).toEqual(a);
    expect(back.manifest.config).toEqual({ width: 8 });
  });

  it('writes files tfjs can load (weightsLoaderFactory over model.json)', async () => {
    await useBackend('cpu');
    const dir = freshDir();
    const a = arrays();
    await saveWeights(dir, a, {}, { shardBytes: 300 });
    const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const load = tf.io.weightsLoaderFactory(async (urls) =>
      urls.map((u) => {
        const b = fs.readFileSync(u);
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      }),
    );
    const tensors = await load(modelJson.weightsManifest, `${dir}/`);
    for (const [name, x] of Object.entries(a)) {
      expect(tensors[name].shape).toEqual(x.shape);
      expect(Array.from(await tensors[name].data())).toEqual(Array.from(x.data));
    }
    tf.dispose(Object.values(tensors));
  });

  it('removes shards of a previous save that the new manifest no longer names', async () => {
    const dir = freshDir();
    await saveWeights(dir, arrays(), {}, { shardBytes: 200 }); // 900 bytes -> 5 shards
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.bin')).length).toBe(5);
    const small = { w: { dtype: 'float32' as const, shape: [2], data: new Float32Array([1, 2]) } };
    await saveWeights(dir, small);
    expect(fs.readdirSync(dir).sort()).toEqual(['group1-shard1of1.bin', 'model.json', 'notes.txt']);
    expect((await loadWeights(dir)).arrays).toEqual(small);
  });

  it('writes shards before the manifest: a failed shard write leaves no manifest', async () => {
    const dir = freshDir();
    fs.mkdirSync(path.join(dir, 'group1-shard1of1.bin'), { recursive: true }); // rename onto a folder fails
    fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin', 'x'), '');
    const e = await errorOf(() => saveWeights(dir, arrays()));
    expect(e.code).toBe('E_IO');
    expect(e.message).toContain('group1-shard1of1.bin');
    expect(fs.existsSync(path.join(dir, 'model.json'))).toBe(false);
    expect(tmpLeft(dir)).toEqual([]);
  });

  it('missing folder, manifest or shard -> E_IO naming the path', async () => {
    const nowhere = path.join(root, 'nowhere');
    let e = await errorOf(() => loadWeights(nowhere));
    expect(e.code).toBe('E_IO');
    expect(e.message).toContain(nowhere);
    const dir = freshDir();
    fs.mkdirSync(dir);
    e = await errorOf(() => loadWeights(dir));
    expect(e.code).toBe('E_IO');
    expect(e.path).toBe(path.join(dir, 'model.json'));
    await saveWeights(dir, arrays(), {}, { shardBytes: 400 });
    fs.rmSync(path.join(dir, 'group1-shard2of3.bin'));
    e = await errorOf(() => loadWeights(dir));
    expect(e.code).toBe('E_IO');
    expect(e.message).toContain(path.join(dir, 'group1-shard2of3.bin'));
    const file = path.join(dir, 'model.json');
    expect((await errorOf(() => loadWeights(file))).code).toBe('E_IO');
  });

  it('truncated or tampered shard -> E_WEIGHTS_CORRUPT naming the shard', async () => {
    const dir = freshDir();
    await saveWeights(dir, arrays(), {}, { shardBytes: 400 });
    const shard = path.join(dir, 'group1-shard2of3.bin');
    const good = fs.readFileSync(shard);
    fs.truncateSync(shard, good.byteLength - 3);
    let e = await errorOf(() => loadWeights(dir));
    expect(e.code).toBe('E_WEIGHTS_CORRUPT');
    expect(e.message).toContain('group1-shard2of3.bin');
    expect(e.message).toContain(`expected ${good.byteLength}, got ${good.byteLength - 3}`);
    expect(e.path).toBe(shard);
    // Flip one byte at a random (seeded) position: same size, wrong hash.
    const flipped = Buffer.from(good);
    flipped[createRng(1).int(flipped.length)] ^= 0x10;
    fs.writeFileSync(shard, flipped);
    e = await errorOf(() => loadWeights(dir));
    expect(e.code).toBe('E_WEIGHTS_CORRUPT');
    expect(e.message).toContain('group1-shard2of3.bin');
    expect(e.message).toContain('sha256');
    fs.writeFileSync(shard, good);
    expect((await loadWeights(dir)).arrays).toEqual(arrays());
  });

  it.each(['../x.bin', '/etc/passwd', 'sub/../../x.bin', 'a\\..\\x.bin', 'C:/x.bin'])(
    'manifest pointing at %j -> E_WEIGHTS_PATH before any read',
    async (bad) => {
      const dir = freshDir();
      await saveWeights(dir, { w: { dtype: 'float32', shape: [1], data: new Float32Array([1]) } });
      // A real file where '../x.bin' would land, with matching bytes: it must still be refused.
      fs.writeFileSync(path.join(root, 'x.bin'), fs.readFileSync(path.join(dir, 'group1-shard1of1.bin')));
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      m.weightsManifest[0].paths[0] = bad;
      m.shards[0].path = bad;
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(m));
      const e = await errorOf(() => loadWeights(dir));
      expect(e.code).toBe('E_WEIGHTS_PATH');
      expect(e.path).toBe(path.join(dir, 'model.json'));
    },
  );

  it('NaN weights with a matching sha256 -> E_WEIGHTS_NAN naming the shard file', async () => {
    const dir = freshDir();
    const bad = arrays();
    bad['block1/conv/bias'].data[2] = NaN;
    await saveWeights(dir, bad);
    const e = await errorOf(() => loadWeights(dir));
    expect(e.code).toBe('E_WEIGHTS_NAN');
    expect(e.message).toContain("weight 'block1/conv/bias' holds 1 non-finite value (of 8), the first at index 2");
    expect(e.message).toContain('got NaN');
    expect(e.path).toBe(path.join(dir, 'group1-shard1of1.bin'));
  });

  it('invalid JSON -> E_WEIGHTS_CORRUPT with an excerpt', async () => {
    const dir = freshDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'model.json'),
      '{"formatVersion": 1, "weightsManifest": [ {"paths": ["a.bin"],, } ] }',
    );
    const e = await errorOf(() => loadWeights(dir));
    expect(e.code).toBe('E_WEIGHTS_CORRUPT');
    expect(e.message).toContain('not valid JSON');
    expect(e.message).toContain('"paths": ["a.bin"],,');
    expect(e.path).toBe(path.join(dir, 'model.json'));
  });

  it('another kind or format version is refused', async () => {
    const dir = freshDir();
    await saveWeights(dir, arrays(), { kind: 'mapper/learned' });
    const e = await errorOf(() => loadWeights(dir, { kind: 'conditional-dgpose' }));
    expect(e.code).toBe('E_WEIGHTS_MISMATCH');
    expect(e.message).toContain('expected "conditional-dgpose"'.replace(/"/g, '')); // show() prints strings bare
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    m.formatVersion = 99;
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(m));
    expect((await errorOf(() => loadWeights(dir))).code).toBe('E_WEIGHTS_VERSION');
  });
});
