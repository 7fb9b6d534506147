import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { listCheckpoints, listPartial, pruneCheckpoints, readLatest, stepDirName, writeLatest } from './checkpoints';
import { composeGrid, writePng } from './grid';

describe('checkpoint folders', () => {
  let out: string;
  beforeEach(async () => {
    out = await fsp.mkdtemp(path.join(os.tmpdir(), 'dgpose-ckpt-'));
  });
  afterEach(() => fsp.rm(out, { recursive: true, force: true }));

  it('lists complete step folders newest first, ignoring partial writes, and prunes to K', async () => {
    expect(stepDirName(123)).toBe('step-000123');
    expect(stepDirName(1234567)).toBe('step-1234567');
    for (const s of [2, 10, 4]) await fsp.mkdir(path.join(out, 'checkpoints', stepDirName(s)), { recursive: true });
    await fsp.mkdir(path.join(out, 'checkpoints', 'step-000012.tmp-ab12'));
    await fsp.writeFile(path.join(out, 'checkpoints', 'notes.txt'), 'x');
    expect((await listCheckpoints(out)).map((c) => c.step)).toEqual([10, 4, 2]);
    expect((await listPartial(out)).map((p) => path.basename(p))).toEqual(['step-000012.tmp-ab12']);
    expect(await readLatest(out)).toBeNull();
    await writeLatest(out, stepDirName(10));
    expect(await readLatest(out)).toBe('step-000010');
    const removed = await pruneCheckpoints(out, 2, 'step-000010');
    expect(removed.map((r) => path.basename(r))).toEqual(['step-000002']);
    expect((await listCheckpoints(out)).map((c) => c.step)).toEqual([10, 4]);
  });

  it('composes a grid and writes a PNG that decodes to it', async () => {
    const cell = (v: number, w = 4) => ({ data: new Uint8Array(w * w * 3).fill(v), width: w, height: w, channels: 3 as const });
    const g = composeGrid([[cell(10), cell(20, 8)], [cell(30)]], 4, 1);
    expect([g.width, g.height]).toEqual([2 * 4 + 3, 2 * 4 + 3]);
    const px = (x: number, y: number) => g.data[(y * g.width + x) * 3];
    expect([px(0, 0), px(1, 1), px(6, 1), px(1, 6), px(6, 6)]).toEqual([255, 10, 20, 30, 255]);
    const file = path.join(out, 'g.png');
    await writePng(file, g);
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([g.width, g.height, 3]);
    expect(Buffer.compare(data, Buffer.from(g.data))).toBe(0);
  });
});
