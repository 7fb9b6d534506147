import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rejectsWithDGPoseError } from '@dgpose/test-utils';
import { mergeShards } from './merge';
import { RESULTS_FILE } from './output';
import { shardResults, writeShard } from './testing/results-fixture';
import type { Results } from './types';

let tmp: string;
let k = 0;
const fresh = (name: string): string => path.join(tmp, `${name}-${k++}`);
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-merge-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function shards(a: Results, b: Results): Promise<[string, string]> {
  const [s0, s1] = [fresh('s0'), fresh('s1')];
  await writeShard(s0, a);
  await writeShard(s1, b);
  return [s0, s1];
}

describe('mergeShards', () => {
  it('matches models by their weights sha256, not by where each machine kept them', async () => {
    const [s0, s1] = await shards(
      shardResults(0, 2, { checkpoint: '/machine-a/runs/tiny' }),
      shardResults(1, 2, { checkpoint: '/mnt/b/copy-of-tiny' }),
    );
    const out = fresh('out');
    const { results } = await mergeShards([s0, s1], out, { log: () => undefined });
    expect(results.models).toHaveLength(1);
    expect(results.models[0].label).toBe('tiny'); // shard 0's label
    expect(results.models[0].images.map((i) => i.k)).toEqual([0, 1, 2, 3]);
    expect(fs.readdirSync(path.join(out, 'grids'))).toEqual(['tiny.png']);
  });

  it('other weights under the same path are refused, naming both sha256s, before --out is touched', async () => {
    const [s0, s1] = await shards(shardResults(0, 2), shardResults(1, 2, { sha256: ['b'.repeat(64)] }));
    const out = fresh('out');
    const e = await rejectsWithDGPoseError(
      mergeShards([s0, s1], out, { log: () => undefined }),
      'E_CONFIG',
      /evaluated other models \(weights sha256, data\)/,
    );
    expect(e.message).toContain('aaaaaaaaaaaa');
    expect(e.message).toContain('bbbbbbbbbbbb');
    expect(fs.existsSync(out)).toBe(false);
  });

  it.each([
    ['../../secret.png', 'models[0].grid'],
    ['/etc/hostname', 'models[0].grid'],
    ['grids', 'models[0].grid'],
  ])('a grid path %j (outside the grids folder) is refused, nothing copied', async (grid, argument) => {
    const bad = shardResults(0, 2);
    bad.models[0].grid = grid;
    const [s0, s1] = await shards(shardResults(0, 2), shardResults(1, 2));
    fs.writeFileSync(path.join(s0, RESULTS_FILE), JSON.stringify(bad));
    const out = fresh('out');
    await rejectsWithDGPoseError(mergeShards([s0, s1], out, { log: () => undefined }), 'E_CONFIG', {
      argument,
      message: /malformed at models\[0\]\.grid: expected grids\/<name>\.png/,
    });
    expect(fs.existsSync(out)).toBe(false);
  });

  it('malformed results name the field at fault (not a TypeError halfway)', async () => {
    const [s0, s1] = await shards(shardResults(0, 2), shardResults(1, 2));
    const bad = JSON.parse(fs.readFileSync(path.join(s1, RESULTS_FILE), 'utf8'));
    delete bad.provenance.shard;
    bad.models[0].images[1].k = 'one';
    fs.writeFileSync(path.join(s1, RESULTS_FILE), JSON.stringify(bad));
    await rejectsWithDGPoseError(
      mergeShards([s0, s1], fresh('out'), { log: () => undefined }),
      'E_CONFIG',
      /results\.json is malformed at provenance\.shard: .* \(and 1 more problem\)/,
    );
    bad.provenance.shard = { index: 1, count: 2 };
    bad.models[0].dataId = 'elsewhere';
    bad.models[0].images[1].k = 3;
    fs.writeFileSync(path.join(s1, RESULTS_FILE), JSON.stringify(bad));
    await rejectsWithDGPoseError(mergeShards([s0, s1], fresh('out'), { log: () => undefined }), 'E_CONFIG', {
      argument: 'models[0].dataId',
      message: /expected one of the data ids \["synthetic-32"\]/,
    });
  });

  it('posterior means of another size are refused within a shard and across shards (found by merge-fuzz)', async () => {
    const odd = shardResults(1, 2);
    odd.models[0].images[1].zMu = [1, 2, 3, 4, 5, 6, 7];
    const [s0, s1] = await shards(shardResults(0, 2), odd);
    await rejectsWithDGPoseError(mergeShards([s0, s1], fresh('out'), { log: () => undefined }), 'E_CONFIG', {
      argument: 'models[0].images[1].zMu',
      message: /expected 2 numbers \(the model's latent size\), got 7/,
    });
    for (const im of odd.models[0].images) im.zMu = [1, 2, 3, 4, 5, 6, 7];
    const [t0, t1] = await shards(shardResults(0, 2), odd);
    const out = fresh('out');
    await rejectsWithDGPoseError(
      mergeShards([t0, t1], out, { log: () => undefined }),
      'E_CONFIG',
      /the shards disagree on the latent size of model tiny-cond \(zMu lengths\), expected one latent size, got \[2,7\]/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a merge that fails after preparing --out leaves it as it was, so the rerun is not refused', async () => {
    const [s0, s1] = await shards(shardResults(0, 2), shardResults(1, 2));
    fs.rmSync(path.join(s0, 'grids', 'tiny-cond.png')); // the grid named in results.json is gone
    const out = fresh('out');
    await rejectsWithDGPoseError(
      mergeShards([s0, s1], out, { log: () => undefined }),
      'E_IO',
      /cannot copy the grid grids\/tiny-cond\.png of .* \(ENOENT\)/,
    );
    expect(fs.existsSync(out)).toBe(false);
    const kept = fresh('kept');
    fs.mkdirSync(kept);
    fs.writeFileSync(path.join(kept, 'notes.txt'), 'mine');
    await rejectsWithDGPoseError(mergeShards([s0, s1], kept, { log: () => undefined, force: true }), 'E_IO');
    expect(fs.readdirSync(kept)).toEqual(['notes.txt']);
  });
});
