/* Filesystem failures as coded E_IO; the early writability check; whole-folder replacement. */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkWritableFolder,
  ioError,
  recoverFolderSwaps,
  removeAtomicWriteLeftovers,
  replaceFolderAtomic,
} from './io';
import { train } from './train';
import { injectFsFault, type FaultCode } from './testing/fault-fs';

let tmp: string;
beforeEach(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'dgpose-io-'));
});
afterEach(() => fsp.rm(tmp, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; details: { path?: string } }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string; details: { path?: string } };
  }
  throw new Error('expected a failure');
}

describe('coded filesystem errors', () => {
  it('ioError names the operation, the path, the code and the reason', () => {
    const cause = Object.assign(new Error('EROFS: read-only file system, mkdir'), {
      code: 'EROFS',
      path: '/mnt/ro/run/checkpoints',
    });
    const e = ioError('create the folder', '/mnt/ro/run', cause);
    expect(e).toMatchObject({ code: 'E_IO', details: { path: '/mnt/ro/run', cause } });
    expect(e.message).toBe(
      '[E_IO] could not create the folder /mnt/ro/run: EROFS (read-only file system) at /mnt/ro/run/checkpoints, (path: /mnt/ro/run)',
    );
  });

  it('checkWritableFolder: a file in the way is ENOTDIR-like E_IO naming it (real)', async () => {
    const file = path.join(tmp, 'a-file');
    await fsp.writeFile(file, 'x');
    const e = await failure(checkWritableFolder(path.join(file, 'run', 'deeper')));
    expect(e).toMatchObject({ code: 'E_IO', details: { path: file } });
    expect(e.message).toMatch(/a-file is a file, not a folder/);
    await expect(checkWritableFolder(path.join(tmp, 'new', 'run'))).resolves.toBeUndefined();
    expect(await fsp.readdir(tmp)).toEqual(['a-file']); // checking creates nothing
  });

  for (const code of ['EROFS', 'EACCES'] as FaultCode[]) {
    it(`train(): an unwritable --out (${code}) is E_IO naming the folder and ${code}, before any work, with and without --force`, async () => {
      const parent = path.join(tmp, 'mnt');
      const old = path.join(parent, 'old-run');
      await fsp.mkdir(old, { recursive: true });
      await fsp.writeFile(path.join(old, 'log.jsonl'), '{}\n');
      const restore = injectFsFault(parent, code);
      try {
        const fresh = await failure(train({ out: path.join(parent, 'new', 'run'), progress: 'none', backend: null }));
        expect(fresh.code).toBe('E_IO');
        expect(fresh.details.path).toBe(parent);
        expect(fresh.message).toContain(`${code} (`);
        expect(fresh.message).toContain(path.join(parent, 'new', 'run'));
        // --force would first remove the old run's files: refused before that, with the real cause
        const forced = await failure(train({ out: old, force: true, progress: 'none', backend: null }));
        expect(forced).toMatchObject({ code: 'E_IO', details: { path: old } });
        expect(forced.message).toMatch(new RegExp(`cannot write the output folder .*old-run: .*${code}`));
      } finally {
        restore();
      }
      expect(await fsp.readdir(parent)).toEqual(['old-run']);
      expect(await fsp.readFile(path.join(old, 'log.jsonl'), 'utf8')).toBe('{}\n');
    });
  }

  it('train(): --resume of a folder without a checkpoint is E_CHECKPOINT, not a restart from step 0', async () => {
    const out = path.join(tmp, 'run');
    await fsp.mkdir(path.join(out, 'checkpoints'), { recursive: true });
    const options = { model: 'conditional', preset: 'tiny', steps: 10, seed: 0, out };
    await fsp.writeFile(
      path.join(out, 'config.json'),
      JSON.stringify({ format: 'dgpose-train-config', version: 1, options }),
    );
    const e = await failure(train({ out, resume: true, progress: 'none', backend: null }));
    expect(e.code).toBe('E_CHECKPOINT');
    expect(e.message).toMatch(
      /nothing to resume in .*run: there is no complete checkpoint in .*checkpoints \(the run stopped before its first one\); train it again with --force/,
    );
    expect(await fsp.readdir(path.join(out, 'checkpoints'))).toEqual([]);
  });
});

describe('replaceFolderAtomic', () => {
  const files = async (dir: string) =>
    Object.fromEntries(
      await Promise.all(
        (await fsp.readdir(dir)).sort().map(async (f) => [f, await fsp.readFile(path.join(dir, f), 'utf8')]),
      ),
    );

  it('replaces a folder as a whole; a failed write leaves the old folder and no temp folder', async () => {
    const target = path.join(tmp, 'final');
    await replaceFolderAtomic(target, async (d) => {
      await fsp.writeFile(path.join(d, 'model.json'), 'v1');
      await fsp.writeFile(path.join(d, 'group1-shard1of2.bin'), 'a');
      await fsp.writeFile(path.join(d, 'group1-shard2of2.bin'), 'b');
    });
    await replaceFolderAtomic(target, (d) => fsp.writeFile(path.join(d, 'model.json'), 'v2'));
    expect(await files(target)).toEqual({ 'model.json': 'v2' }); // no shard of the previous export stays beside it

    const e = await failure(
      replaceFolderAtomic(target, async (d) => {
        await fsp.writeFile(path.join(d, 'group1-shard1of1.bin'), 'new');
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
          code: 'ENOSPC',
          path: path.join(d, 'model.json'),
        });
      }),
    );
    expect(e.code).toBe('E_IO');
    expect(e.message).toMatch(/ENOSPC \(no space left on device\)/);
    expect(await files(target)).toEqual({ 'model.json': 'v2' });
    expect(await fsp.readdir(tmp)).toEqual(['final']);
  });

  it('recoverFolderSwaps resolves what a crash left: a partial new folder, the old one moved aside', async () => {
    const w = (p: string, s: string) =>
      fsp.mkdir(p, { recursive: true }).then(() => fsp.writeFile(path.join(p, 'model.json'), s));
    await w(path.join(tmp, 'final.old-77'), 'old'); // killed between the two renames: no final/
    await w(path.join(tmp, 'final.tmp-77'), 'new, complete or not');
    await w(path.join(tmp, 'final.old-mine'), 'a folder of the user'); // not a pid: left alone
    expect(await recoverFolderSwaps(tmp, /^final$/)).toEqual([
      'removed partial final.tmp-77 (a write cut short)',
      'restored final from final.old-77 (its replacement was cut short)',
    ]);
    expect((await fsp.readdir(tmp)).sort()).toEqual(['final', 'final.old-mine']);
    expect(await files(path.join(tmp, 'final'))).toEqual({ 'model.json': 'old' });
  });

  it("removeAtomicWriteLeftovers removes only core writeFileAtomic's temp files", async () => {
    await fsp.writeFile(path.join(tmp, 'config.json'), '{}');
    await fsp.writeFile(path.join(tmp, '.config.json.4242.0123456789ab.tmp'), '{"half');
    await fsp.writeFile(path.join(tmp, '.notes.tmp'), 'mine');
    expect(await removeAtomicWriteLeftovers(tmp)).toEqual([
      'removed .config.json.4242.0123456789ab.tmp (a write cut short)',
    ]);
    expect((await fsp.readdir(tmp)).sort()).toEqual(['.notes.tmp', 'config.json']);
    expect(await removeAtomicWriteLeftovers(path.join(tmp, 'none'))).toEqual([]);
  });
});
