import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  listCheckpoints,
  parseTrainerState,
  pruneCheckpoints,
  readLatest,
  recoverCheckpoints,
  stepDirName,
  writeLatest,
} from './checkpoints';
import { tileImages } from '@dgpose/datasets';
import { writePng } from './previews';

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
    expect(await readLatest(out)).toBeNull();
    await writeLatest(out, stepDirName(10));
    expect(await readLatest(out)).toBe('step-000010');
    const removed = await pruneCheckpoints(out, 2, 'step-000010');
    expect(removed.map((r) => path.basename(r))).toEqual(['step-000002']);
    expect((await listCheckpoints(out)).map((c) => c.step)).toEqual([10, 4]);
  });

  it('recovers what interrupted writes left: partial step-*.tmp-* removed, step-*.old-<pid> put back or removed', async () => {
    const root = path.join(out, 'checkpoints');
    const mk = async (name: string, file = 'checkpoint.json') => {
      await fsp.mkdir(path.join(root, name), { recursive: true });
      await fsp.writeFile(path.join(root, name, file), name);
    };
    await mk('step-000004');
    await mk('step-000006.tmp-ab12'); // saveCheckpoint killed while writing
    await mk('step-000004.old-4242'); // killed after step-000004 was replaced: the replacement is there
    await mk('step-000008.old-4243'); // killed between moving step-000008 aside and renaming the new one in
    await mk('step-000008.tmp-4243');
    await fsp.writeFile(path.join(root, 'notes.old-1'), 'not a checkpoint');
    const notes = await recoverCheckpoints(out);
    expect(notes).toEqual([
      'removed partial step-000006.tmp-ab12 (a write cut short)',
      'removed partial step-000008.tmp-4243 (a write cut short)',
      'removed step-000004.old-4242 (replaced by step-000004)',
      'restored step-000008 from step-000008.old-4243 (its replacement was cut short)',
    ]);
    expect((await fsp.readdir(root)).sort()).toEqual(['notes.old-1', 'step-000004', 'step-000008']);
    expect(await fsp.readFile(path.join(root, 'step-000008', 'checkpoint.json'), 'utf8')).toBe('step-000008.old-4243');
    expect(await fsp.readFile(path.join(root, 'step-000004', 'checkpoint.json'), 'utf8')).toBe('step-000004');
    expect(await recoverCheckpoints(out)).toEqual([]);
    expect(await recoverCheckpoints(path.join(out, 'nothing-here'))).toEqual([]);
  });

  it("reads the trainer's state of a checkpoint, refusing anything else with E_CHECKPOINT naming the field", () => {
    const batcher = { version: 1, epoch: 0, position: 4, step: 1 };
    expect(parseTrainerState({ data: { batcher, imagesSeen: 4 }, rng: {} }, 'ck')).toEqual({ batcher, imagesSeen: 4 });
    for (const [extra, argument] of [
      [null, 'extra'],
      [{}, 'extra.data'],
      [{ data: [] }, 'extra.data'],
      [{ data: { imagesSeen: 4 } }, 'extra.data.batcher'],
      [{ data: { batcher, imagesSeen: -1 } }, 'extra.data.imagesSeen'],
      [{ data: { batcher, imagesSeen: '4' } }, 'extra.data.imagesSeen'],
    ] as const) {
      expect(() => parseTrainerState(extra, 'ck')).toThrow(
        expect.objectContaining({ code: 'E_CHECKPOINT', details: expect.objectContaining({ argument }) }),
      );
    }
  });

  it('tiles a preview grid and writes a PNG that decodes to it', async () => {
    const cell = (v: number, w = 4) => ({
      data: new Uint8Array(w * w * 3).fill(v),
      width: w,
      height: w,
      channels: 3 as const,
    });
    const g = tileImages([[cell(10), cell(20, 8)], [cell(30)]], { cellWidth: 4, cellHeight: 4, gap: 1 });
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
