/* The CLI end to end in child processes: signals, kill -9 and resume, a bad data root, a refused checkpoint version. */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listCheckpoints, readLatest } from './checkpoints';
import { readLog } from './log';
import { runCliChild, spawnCli, type CliRun } from './testing/spawn-cli';

jest.setTimeout(120_000);

const TINY = ['--preset', 'tiny', '--batch-size', '4', '--seed', '3', '--backend', 'cpu', '--quiet', '--config'];

let tmp: string;
let cfg: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'dgpose-cli-e2e-'));
  cfg = path.join(tmp, 'tiny.json');
  await fsp.writeFile(cfg, JSON.stringify({ syntheticIdentities: 4, syntheticPoses: 4, sampleRows: 2 }));
});
afterAll(() => fsp.rm(tmp, { recursive: true, force: true }));

/** Resolves with the step of the first log line after `from` (byte offset) that `match`es and has step >= `step`. */
async function waitForLine(run: CliRun, out: string, match: string, step: number, from = 0): Promise<number> {
  const file = path.join(out, 'log.jsonl');
  for (let i = 0; i < 1200; i++) {
    if (run.child.exitCode !== null) throw new Error(`the CLI exited early: ${run.output().stderr}`);
    const text = (await fsp.readFile(file, 'utf8').catch(() => '')).slice(from);
    for (const l of text.split('\n')) {
      if (l.endsWith('}') && l.includes(match) && (JSON.parse(l).step as number) >= step)
        return JSON.parse(l).step as number;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${match} line in time`);
}
const waitForCheckpoint = (run: CliRun, out: string, step: number) =>
  waitForLine(run, out, '"event":"checkpoint"', step);
const logSize = (out: string) => fsp.stat(path.join(out, 'log.jsonl')).then((s) => s.size);
const stops = (out: string) =>
  readLog(path.join(out, 'log.jsonl')).filter((l) => l.event === 'stop') as { step: number }[];

describe('dgpose-train end to end', () => {
  it('a signal stops within one step with a checkpoint (even with --checkpoint-every 0), a second one waits for it, a third exits at once; kill -9 and leftovers, then --resume continues', async () => {
    const out = path.join(tmp, 'run');
    // SIGTERM with no checkpoint cadence: acted on between steps, not at the next checkpoint
    const run = spawnCli([
      ...TINY,
      cfg,
      '--steps',
      '400',
      '--checkpoint-every',
      '0',
      '--sample-every',
      '0',
      '--log-every',
      '1',
      '--out',
      out,
    ]);
    const seen = await waitForLine(run, out, '"type":"step"', 1);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGTERM: finishing the current step and writing a checkpoint/);
    const [stop] = stops(out);
    expect(stop.step).toBeGreaterThanOrEqual(seen);
    expect(stop.step).toBeLessThanOrEqual(seen + 2); // the step under way, and one more if the poll was late
    expect((await listCheckpoints(out))[0].step).toBe(stop.step);
    expect(await readLatest(out)).toBe(`step-${String(stop.step).padStart(6, '0')}`);

    // two SIGINTs 10 ms apart (an impatient Ctrl-C): the second waits for the checkpoint
    const resumeArgs = ['--resume', '--out', out, '--steps', '400', '--backend', 'cpu', '--quiet'];
    let from = await logSize(out);
    const twice = spawnCli(resumeArgs);
    await waitForLine(twice, out, '"type":"step"', stop.step + 1, from);
    twice.child.kill('SIGINT');
    await new Promise((res) => setTimeout(res, 10));
    twice.child.kill('SIGINT');
    const r2 = await twice.done;
    expect(r2.code).toBe(130);
    expect(r2.stderr).toMatch(/SIGINT again: still writing the checkpoint/);
    const stop2 = stops(out)[1];
    expect(stop2.step).toBeGreaterThan(stop.step);
    expect((await listCheckpoints(out))[0].step).toBe(stop2.step);

    // three: the third exits at once, without a checkpoint; the previous one stays valid
    from = await logSize(out);
    const thrice = spawnCli(resumeArgs);
    await waitForLine(thrice, out, '"type":"step"', stop2.step + 1, from);
    for (let i = 0; i < 3; i++) {
      thrice.child.kill('SIGINT');
      await new Promise((res) => setTimeout(res, 10));
    }
    const r3 = await thrice.done;
    expect(r3.code).toBe(130);
    expect(r3.stderr).toMatch(/SIGINT a third time: exiting without a checkpoint/);
    expect(stops(out)).toHaveLength(2);
    expect((await listCheckpoints(out))[0].step).toBe(stop2.step);
    const resumedAt = stop2.step;

    // resume, then kill -9 mid-run; leave what writes cut short would: a partial checkpoint folder, a
    // checkpoint moved aside, a half-written final/ export and a torn log line
    const run2 = spawnCli([
      '--resume',
      '--out',
      out,
      '--steps',
      '400',
      '--checkpoint-every',
      '2',
      '--backend',
      'cpu',
      '--quiet',
    ]);
    await waitForCheckpoint(run2, out, resumedAt + 2);
    run2.child.kill('SIGKILL');
    const k = await run2.done;
    expect(k.signal).toBe('SIGKILL');
    const newest = (await listCheckpoints(out))[0];
    expect(newest.step).toBeGreaterThanOrEqual(resumedAt + 2);
    const ck = (n: number) => `step-${String(n).padStart(6, '0')}`;
    await fsp.mkdir(path.join(out, 'checkpoints', `${ck(newest.step + 1)}.tmp-dead`));
    await fsp.writeFile(path.join(out, 'checkpoints', `${ck(newest.step + 1)}.tmp-dead`, 'model.json'), '{"trunc');
    await fsp.cp(newest.dir, path.join(out, 'checkpoints', `${newest.name}.old-999`), { recursive: true });
    await fsp.mkdir(path.join(out, 'final.tmp-999'));
    await fsp.writeFile(path.join(out, 'final.tmp-999', '.model.json.999.abc.tmp'), '{"weightsMan');
    await fsp.writeFile(path.join(out, 'checkpoints', '.latest.999.0123456789ab.tmp'), 'step-0');
    await fsp.appendFile(path.join(out, 'log.jsonl'), '{"type":"step","step":99');

    const target = newest.step + 2;
    const r4 = await runCliChild(['--resume', '--out', out, '--steps', String(target), '--backend', 'cpu', '--quiet']);
    expect(r4.stderr).toMatch(/removed partial step-\d+\.tmp-dead/);
    expect(r4.stderr).toMatch(/removed step-\d+\.old-999 \(replaced by step-\d+\)/);
    expect(r4.stderr).toMatch(/removed partial final\.tmp-999/);
    expect(r4.stderr).toMatch(/repaired log\.jsonl: cut off a torn last line/);
    expect(r4.stderr).toMatch(/removed \.latest\.999\.0123456789ab\.tmp \(a write cut short\)/);
    expect(r4.code).toBe(0);
    expect(JSON.parse(r4.stdout.trim())).toMatchObject({ status: 'completed', step: target });
    const log = readLog(path.join(out, 'log.jsonl'));
    const resumes = log.filter((l) => l.event === 'resume');
    // twice (from the SIGTERM checkpoint), thrice and the killed run (both from the double-SIGINT one), this one
    expect(resumes.map((l) => l.step)).toEqual([stop.step, stop2.step, resumedAt, newest.step]);
    // steps after the last resume are contiguous from the checkpoint
    const after = log
      .slice(log.lastIndexOf(resumes[resumes.length - 1]) + 1)
      .filter((l) => l.type === 'step')
      .map((l) => l.step);
    expect(after).toEqual([newest.step + 1, newest.step + 2]);
    expect((await fsp.readdir(path.join(out, 'checkpoints'))).filter((n) => /\.(tmp|old)-|\.tmp$/.test(n))).toEqual([]);
    expect((await fsp.readdir(out)).sort()).toEqual(['checkpoints', 'config.json', 'final', 'log.jsonl', 'samples']);
    const config = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config.resumes.map((x: { fromStep: number }) => x.fromStep)).toEqual(resumes.map((l) => l.step));
    expect((await fsp.readdir(path.join(out, 'final'))).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
  });

  it('trains on a real data set root (ChictopiaPlus layout fixture of @dgpose/datasets, LSP-14 -> COCO-18)', async () => {
    const root = path.resolve(__dirname, '../../../packages/datasets/src/__fixtures__/chictopia');
    const out = path.join(tmp, 'chic');
    // --force replaces an earlier run's files and leaves the rest alone
    await fsp.mkdir(path.join(out, 'checkpoints', 'step-000050'), { recursive: true });
    await fsp.writeFile(path.join(out, 'log.jsonl'), '{"type":"event","event":"start","step":0,"old":true}\n');
    await fsp.writeFile(path.join(out, 'notes.txt'), 'mine');
    const args = [
      '--dataset',
      'chictopia',
      '--root',
      root,
      '--preset',
      'tiny',
      '--batch-size',
      '2',
      '--steps',
      '2',
      '--backend',
      'cpu',
      '--quiet',
      '--out',
      out,
    ];
    expect((await runCliChild(args)).code).toBe(2);
    const r = await runCliChild([...args, '--force']);
    expect(r.code).toBe(0);
    expect(await fsp.readFile(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect((await listCheckpoints(out)).map((c) => c.step)).toEqual([2]);
    expect(readLog(path.join(out, 'log.jsonl')).some((l) => l.old)).toBe(false);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ status: 'completed', step: 2 });
    const config = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config.data).toMatchObject({ size: 3, imageSize: 32, skeleton: 'coco18' });
    await fsp.stat(path.join(out, 'samples', 'step-000002.png'));
  });

  it('a missing data root exits 1 listing the layout expected', async () => {
    const out = path.join(tmp, 'df');
    const r = await runCliChild([
      '--dataset',
      'deepfashion',
      '--root',
      path.join(tmp, 'no-such-data'),
      '--out',
      out,
      '--backend',
      'cpu',
      '--quiet',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_DATASET_LAYOUT/);
    expect(r.stderr).toMatch(/expected DeepFashion layout:\n {2}<root>\/fasion-annotation-<split>\.csv/);
    await expect(fsp.stat(out)).rejects.toThrow(); // nothing written
  });

  it('an absurd learning rate stops on a NaN/Inf loss naming the term and step, keeping the last good checkpoint', async () => {
    const out = path.join(tmp, 'nan');
    const r = await runCliChild([
      ...TINY,
      cfg,
      '--steps',
      '8',
      '--lr',
      '1e30',
      '--checkpoint-every',
      '1',
      '--sample-every',
      '0',
      '--out',
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /\[E_LOSS_NAN\] training stopped at step 2: loss term '\w+' became NaN or Infinity; the last good checkpoint checkpoints\/step-000001 \(step 1\) is kept/,
    );
    expect((await listCheckpoints(out)).map((c) => c.step)).toEqual([1]);
    expect(
      readLog(path.join(out, 'log.jsonl'))
        .filter((l) => l.type === 'event')
        .map((l) => l.event),
    ).toEqual(['start', 'checkpoint', 'nan']);
  });

  it('a checkpoint of another format version is refused with the reason', async () => {
    const out = path.join(tmp, 'version');
    const r = await runCliChild([...TINY, cfg, '--steps', '1', '--sample-every', '0', '--out', out]);
    expect(r.code).toBe(0);
    const ckpt = (await listCheckpoints(out))[0].dir;
    // the completion marker of @dgpose/models/node saveCheckpoint carries the folder's format version
    const markerFile = path.join(ckpt, 'checkpoint.json');
    const marker = JSON.parse(await fsp.readFile(markerFile, 'utf8'));
    marker.formatVersion = 99;
    await fsp.writeFile(markerFile, JSON.stringify(marker));
    const r2 = await runCliChild(['--resume', '--out', out, '--steps', '2', '--backend', 'cpu', '--quiet']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/refusing checkpoint .*step-000001/);
    expect(r2.stderr).toMatch(/checkpoint of another format version.*expected 1, got 99/);
  });
});
