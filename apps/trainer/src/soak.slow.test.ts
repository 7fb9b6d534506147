/*
 * Soak test (pnpm test:slow): a tiny training run killed with SIGKILL at 20 random moments (while
 * starting, training, writing checkpoints, sample grids or final/), resumed after each kill, ends bit
 * for bit where an uninterrupted run ends: the same final/ and sample grid files (sha256) and the same
 * loss on every logged step. After every kill final/ is absent or complete, with nothing half-written.
 * DGPOSE_SOAK_SEED replays the kill moments of a failed run (printed on failure).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRng } from '@dgpose/core';
import { loadWeights } from '@dgpose/core/node';
import { listCheckpoints } from './checkpoints';
import { readLog } from './log';
import { runCliChild, spawnCli } from './testing/spawn-cli';

jest.setTimeout(20 * 60_000);

const KILLS = 20;
const STEPS = 24;
const SEED = Number(process.env.DGPOSE_SOAK_SEED ?? Date.now() % 100_000);

async function hashes(dir: string): Promise<Record<string, string>> {
  const names = (await fsp.readdir(dir)).sort();
  return Object.fromEntries(
    await Promise.all(
      names.map(async (n) => [
        n,
        createHash('sha256')
          .update(await fsp.readFile(path.join(dir, n)))
          .digest('hex'),
      ]),
    ),
  );
}

let tmp: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'dgpose-soak-'));
});
afterAll(() => fsp.rm(tmp, { recursive: true, force: true }));

it(`${KILLS} kill -9s at random moments, each resumed: final/, grids and losses are those of an uninterrupted run (seed ${SEED})`, async () => {
  const cfg = path.join(tmp, 'tiny.json');
  await fsp.writeFile(cfg, JSON.stringify({ syntheticIdentities: 4, syntheticPoses: 4, sampleRows: 2 }));
  const args = [
    '--config',
    cfg,
    '--preset',
    'tiny',
    '--batch-size',
    '2',
    '--seed',
    '11',
    '--backend',
    'cpu',
    '--quiet',
    '--steps',
    String(STEPS),
    '--checkpoint-every',
    '2',
    '--sample-every',
    '3',
    '--log-every',
    '1',
    '--keep',
    '2',
  ];

  const straight = path.join(tmp, 'straight');
  const s = await runCliChild([...args, '--out', straight]);
  expect(s.code).toBe(0);
  const lossesOf = (out: string) =>
    readLog(path.join(out, 'log.jsonl')).filter((l) => l.type === 'step') as { step: number; losses: unknown }[];
  const expected = new Map(lossesOf(straight).map((l) => [l.step, l.losses]));

  const out = path.join(tmp, 'killed');
  const rng = createRng(SEED);
  const moments: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    // before the first checkpoint there is nothing to resume: start again, as a user would
    const fresh = (await listCheckpoints(out)).length === 0;
    const run = spawnCli(
      fresh ? [...args, '--out', out, '--force'] : ['--resume', '--out', out, '--backend', 'cpu', '--quiet'],
    );
    // start-up takes a few seconds on a loaded machine; the moments cover it, steps, writes and the export
    const ms = 300 + rng.int(9000);
    moments.push(ms);
    const ended = await Promise.race([
      run.done.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), ms)),
    ]);
    if (!ended) run.child.kill('SIGKILL');
    const r = await run.done;
    if (ended && r.code !== 0)
      throw new Error(`run ${k} failed (moments ${moments.join(', ')} ms, DGPOSE_SOAK_SEED=${SEED}): ${r.stderr}`);
    // final/ is absent or complete (weights read back, sha256 checked), never mixed or half-written
    const finalDir = path.join(out, 'final');
    if (
      await fsp.stat(finalDir).then(
        () => true,
        () => false,
      )
    ) {
      expect((await fsp.readdir(finalDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      await expect(loadWeights(finalDir)).resolves.toBeDefined();
    }
  }

  const last = await runCliChild(['--resume', '--out', out, '--backend', 'cpu', '--quiet']);
  if (last.code !== 0)
    throw new Error(
      `the last resume failed (moments ${moments.join(', ')} ms, DGPOSE_SOAK_SEED=${SEED}): ${last.stderr}`,
    );
  expect(JSON.parse(last.stdout.trim())).toMatchObject({ status: 'completed', step: STEPS });

  expect(await hashes(path.join(out, 'final'))).toEqual(await hashes(path.join(straight, 'final')));
  expect(await hashes(path.join(out, 'samples'))).toEqual(await hashes(path.join(straight, 'samples')));
  // every step line of every resumed run (steps after a checkpoint are replayed) has the straight run's losses
  for (const l of lossesOf(out)) expect([l.step, l.losses]).toEqual([l.step, expected.get(l.step)]);
  expect(new Set(lossesOf(out).map((l) => l.step))).toEqual(new Set(expected.keys()));
  expect((await fsp.readdir(out)).sort()).toEqual(['checkpoints', 'config.json', 'final', 'log.jsonl', 'samples']);
});
