/* The CLI end to end in child processes: SIGTERM, kill -9 and resume, a bad data root, a refused checkpoint version. */
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

/** Resolves once the run's log has a checkpoint event at step >= `step`. */
async function waitForCheckpoint(run: CliRun, out: string, step: number): Promise<void> {
  const file = path.join(out, 'log.jsonl');
  for (let i = 0; i < 1200; i++) {
    if (run.child.exitCode !== null) throw new Error(`the CLI exited early: ${run.output().stderr}`);
    const lines = await fsp.readFile(file, 'utf8').catch(() => '');
    if (lines.split('\n').some((l) => l.includes('"event":"checkpoint"') && (JSON.parse(l).step as number) >= step)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no checkpoint in time');
}

describe('dgpose-train end to end', () => {
  it('SIGTERM finishes the step, writes a checkpoint and exits 130; kill -9 then --resume continues from the last complete checkpoint', async () => {
    const out = path.join(tmp, 'run');
    const run = spawnCli([...TINY, cfg, '--steps', '400', '--checkpoint-every', '2', '--sample-every', '0', '--log-every', '1', '--out', out]);
    await waitForCheckpoint(run, out, 2);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGTERM: finishing the current step and writing a checkpoint/);
    const stop = readLog(path.join(out, 'log.jsonl')).find((l) => l.event === 'stop') as { step: number };
    expect(stop.step).toBeGreaterThanOrEqual(2);
    expect((await listCheckpoints(out))[0].step).toBe(stop.step);
    expect(await readLatest(out)).toBe(`step-${String(stop.step).padStart(6, '0')}`);

    // resume, then kill -9 mid-run; leave a partial checkpoint folder as a write cut short would
    const run2 = spawnCli(['--resume', '--out', out, '--steps', '400', '--backend', 'cpu', '--quiet']);
    await waitForCheckpoint(run2, out, stop.step + 2);
    run2.child.kill('SIGKILL');
    const r2 = await run2.done;
    expect(r2.signal).toBe('SIGKILL');
    const newest = (await listCheckpoints(out))[0];
    expect(newest.step).toBeGreaterThanOrEqual(stop.step + 2);
    await fsp.mkdir(path.join(out, 'checkpoints', `step-${String(newest.step + 1).padStart(6, '0')}.tmp-dead`));
    await fsp.writeFile(path.join(out, 'checkpoints', `step-${String(newest.step + 1).padStart(6, '0')}.tmp-dead`, 'model.json'), '{"trunc');

    const target = newest.step + 2;
    const r3 = await runCliChild(['--resume', '--out', out, '--steps', String(target), '--backend', 'cpu', '--quiet']);
    expect(r3.stderr).toMatch(/removed partial checkpoint step-\d+\.tmp-dead/);
    expect(r3.code).toBe(0);
    expect(JSON.parse(r3.stdout.trim())).toMatchObject({ status: 'completed', step: target });
    const log = readLog(path.join(out, 'log.jsonl'));
    const resumes = log.filter((l) => l.event === 'resume');
    expect(resumes.map((l) => l.step)).toEqual([stop.step, newest.step]);
    // steps after the last resume are contiguous from the checkpoint
    const after = log.slice(log.lastIndexOf(resumes[1]) + 1).filter((l) => l.type === 'step').map((l) => l.step);
    expect(after).toEqual([newest.step + 1, newest.step + 2]);
    expect(await fsp.readdir(path.join(out, 'checkpoints'))).not.toContain(`step-${String(newest.step + 1).padStart(6, '0')}.tmp-dead`);
    const config = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(config.resumes.map((x: { fromStep: number }) => x.fromStep)).toEqual([stop.step, newest.step]);
    await fsp.stat(path.join(out, 'final', 'model.json'));
  });

  it('trains on a real data set root (ChictopiaPlus layout fixture of @dgpose/datasets, LSP-14 -> COCO-18)', async () => {
    const root = path.resolve(__dirname, '../../../packages/datasets/src/__fixtures__/chictopia');
    const out = path.join(tmp, 'chic');
    // --force replaces an earlier run's files and leaves the rest alone
    await fsp.mkdir(path.join(out, 'checkpoints', 'step-000050'), { recursive: true });
    await fsp.writeFile(path.join(out, 'log.jsonl'), '{"type":"event","event":"start","step":0,"old":true}\n');
    await fsp.writeFile(path.join(out, 'notes.txt'), 'mine');
    const args = ['--dataset', 'chictopia', '--root', root, '--preset', 'tiny', '--batch-size', '2', '--steps', '2', '--backend', 'cpu', '--quiet', '--out', out];
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
    const r = await runCliChild(['--dataset', 'deepfashion', '--root', path.join(tmp, 'no-such-data'), '--out', out, '--backend', 'cpu', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_DATASET_LAYOUT/);
    expect(r.stderr).toMatch(/expected DeepFashion layout:\n {2}<root>\/fasion-annotation-<split>\.csv/);
    await expect(fsp.stat(out)).rejects.toThrow(); // nothing written
  });

  it('an absurd learning rate stops on a NaN/Inf loss naming the term and step, keeping the last good checkpoint', async () => {
    const out = path.join(tmp, 'nan');
    const r = await runCliChild([...TINY, cfg, '--steps', '8', '--lr', '1e30', '--checkpoint-every', '1', '--sample-every', '0', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[E_LOSS_NAN\] training stopped at step 2: loss term '\w+' became NaN or Infinity; the last good checkpoint checkpoints\/step-000001 \(step 1\) is kept/);
    expect((await listCheckpoints(out)).map((c) => c.step)).toEqual([1]);
    expect(readLog(path.join(out, 'log.jsonl')).filter((l) => l.type === 'event').map((l) => l.event)).toEqual(['start', 'checkpoint', 'nan']);
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
