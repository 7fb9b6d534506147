import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonlLog, readLog, repairLog } from './log';
import { injectFsFault } from './testing/fault-fs';

const STEP = { step: 1, imagesPerSec: 10, images: 4, losses: { total: 1.5 } };

describe('the JSONL training log', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-log-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const linuxFull = fs.existsSync('/dev/full') ? it : it.skip;
  linuxFull('a full disk (ENOSPC, /dev/full) is E_IO naming the file and the cause; later lines throw it again', () => {
    const file = path.join(dir, 'log.jsonl');
    fs.symlinkSync('/dev/full', file);
    const log = new JsonlLog(file);
    let err: unknown;
    try {
      log.event('start', { step: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_IO', details: { path: file } });
    expect((err as Error).message).toMatch(
      /could not append to the training log .*log\.jsonl: ENOSPC \(no space left on device\)/,
    );
    expect(() => log.step(STEP)).toThrow(err as Error);
    log.close();
  });

  it('a write cut short by a full disk is cut back to the last complete line', () => {
    const file = path.join(dir, 'log.jsonl');
    const log = new JsonlLog(file);
    log.event('start', { step: 0 });
    const good = fs.readFileSync(file, 'utf8');
    const restore = injectFsFault(dir, 'ENOSPC');
    try {
      // the log is already open: this fault hits a new log of the same file, as a resumed run's
      const again = new JsonlLog(file);
      expect(() => again.step(STEP)).toThrow(/ENOSPC.*the log ends at its last complete line/);
      again.close();
    } finally {
      restore();
    }
    log.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(good);
    expect(readLog(file)).toHaveLength(1);
  });

  it('repairLog cuts a torn last line (and only that); readLog skips one and names a broken middle line', () => {
    const file = path.join(dir, 'log.jsonl');
    const lines = ['{"type":"event","event":"start","step":0}', '{"type":"step","step":1}'];
    fs.writeFileSync(file, `${lines.join('\n')}\n{"type":"step","st`);
    expect(readLog(file)).toEqual([JSON.parse(lines[0]), JSON.parse(lines[1])]);
    expect(repairLog(file)).toBe('{"type":"step","st'.length);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${lines.join('\n')}\n`);
    expect(repairLog(file)).toBe(0);
    expect(repairLog(path.join(dir, 'none.jsonl'))).toBe(0);
    // a resumed run appends after the repair: every line parses
    const log = new JsonlLog(file);
    log.event('resume', { step: 1 });
    log.close();
    expect(readLog(file).map((l) => l.event ?? l.type)).toEqual(['start', 'step', 'resume']);

    // a file that is one torn line (longer than the 64 KiB read block) is cut to nothing
    const torn = path.join(dir, 'torn.jsonl');
    fs.writeFileSync(torn, `{"x":"${'a'.repeat(100_000)}`);
    expect(repairLog(torn)).toBe(100_006);
    expect(fs.statSync(torn).size).toBe(0);

    fs.writeFileSync(file, `${lines[0]}\n{"broken\n${lines[1]}\n`);
    expect(() => readLog(file)).toThrow(
      expect.objectContaining({
        code: 'E_IO',
        message: expect.stringMatching(/training log line 2 is not valid JSON/),
      }),
    );
    fs.writeFileSync(file, `${lines[0]}\n[1]\n`);
    expect(() => readLog(file)).toThrow(
      expect.objectContaining({ code: 'E_IO', message: expect.stringMatching(/line 2 is not a JSON object/) }),
    );
    expect(() => readLog(path.join(dir, 'missing.jsonl'))).toThrow(
      expect.objectContaining({ code: 'E_IO', message: expect.stringMatching(/ENOENT \(no such file or folder\)/) }),
    );
  });
});
