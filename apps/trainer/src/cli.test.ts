/* The CLI as a user runs it (child processes from the TypeScript sources): usage errors. */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCliChild } from './testing/spawn-cli';

describe('dgpose-train usage', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'dgpose-cli-'));
  });
  afterAll(() => fsp.rm(tmp, { recursive: true, force: true }));

  it('--help documents every flag and the exit codes', async () => {
    const r = await runCliChild(['--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--model',
      '--preset',
      '--config',
      '--dataset',
      '--root',
      '--size',
      '--supervision',
      '--supervised-only',
      '--labelled-per-batch',
      '--steps',
      '--batch-size',
      '--lr',
      '--seed',
      '--out',
      '--force',
      '--resume',
      '--checkpoint-every',
      '--keep',
      '--sample-every',
      '--log-every',
      '--backend',
      '--threads',
      '--quiet',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/130\s+interrupted/);
    expect(r.stdout).toMatch(/2\s+bad usage/);
  });

  it('an unknown preset (flag or config file) exits 2 listing the valid ones', async () => {
    const a = await runCliChild(['--preset', 'huge', '--out', path.join(tmp, 'a')]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/tiny, small, paper/);
    const cfg = path.join(tmp, 'cfg.json');
    await fsp.writeFile(cfg, JSON.stringify({ preset: 'enormous', steps: 3 }));
    const b = await runCliChild(['--config', cfg, '--out', path.join(tmp, 'b')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/unknown preset "enormous"; valid presets: tiny, small, paper/);
    await expect(fsp.stat(path.join(tmp, 'b'))).rejects.toThrow();
  });

  it('--supervised-only without --model semi is bad usage (exit 2), before any folder is made', async () => {
    const out = path.join(tmp, 'sup-cond');
    const r = await runCliChild(['--supervised-only', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/supervisedOnly/);
    expect(r.stderr).toMatch(/only with model semi/);
    await expect(fsp.stat(out)).rejects.toThrow();
  });

  it('a malformed config file or bad number is bad usage', async () => {
    const cfg = path.join(tmp, 'broken.json');
    await fsp.writeFile(cfg, '{ "steps": 3, ');
    const a = await runCliChild(['--config', cfg]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/not valid JSON/);
    const b = await runCliChild(['--steps', 'many']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/expected an integer >= 1, got "many"/);
  });

  it('--threads 3 (the help says 1 or 2) and --resume with --force (which would clear the run it continues) are bad usage', async () => {
    const c = await runCliChild(['--threads', '3', '--out', path.join(tmp, 'threads')]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/invalid training option threads, expected 1 or 2 .*got 3/);
    const d = await runCliChild(['--resume', '--force', '--out', path.join(tmp, 'both')]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/--force replaces the run in --out, --resume continues it/);
  }, 30_000);

  it('an existing output folder is not overwritten without --force', async () => {
    const out = path.join(tmp, 'existing');
    await fsp.mkdir(out);
    await fsp.writeFile(path.join(out, 'precious.txt'), 'keep me');
    const r = await runCliChild(['--out', out, '--steps', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists and is not empty \(precious\.txt\); pass --force/);
    expect(await fsp.readFile(path.join(out, 'precious.txt'), 'utf8')).toBe('keep me');
    expect(await fsp.readdir(out)).toEqual(['precious.txt']);
  });

  it('--resume of a folder with no run is refused', async () => {
    const r = await runCliChild(['--resume', '--out', path.join(tmp, 'nothing-here')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing to resume/);
  });
});
