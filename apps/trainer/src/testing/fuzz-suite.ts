/*
 * Fuzz targets of dgpose-train: what a run reads from files it did not write itself in this process
 * (the --config file, an output folder's config.json, a checkpoint's checkpoint.json and the
 * trainer's state in it, the log). Every input gives a value or a DGPoseError, never another
 * exception or a hang, and nothing is written beside the input. Run by fuzz.test.ts (FUZZ_RUNS
 * cases per target) and fuzz.slow.test.ts (FUZZ_RUNS_SLOW).
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { loadCheckpoint } from '@dgpose/models/node';
import { fuzz, fuzzTimeout, mutatedBytes, mutatedJson, type FuzzOutcome } from '@dgpose/test-utils';
import { parseTrainerState } from '../checkpoints';
import { readConfigFile } from '../cli-main';
import { readLog, repairLog } from '../log';
import { validateTrainConfig } from '../options';
import { CONFIG_FORMAT, mergeResumeConfig, readRunConfig } from '../train';

const PLAIN_CONFIG = {
  model: 'semi' as const,
  preset: 'tiny' as const,
  supervision: 0.5,
  steps: 50,
  batchSize: 4,
  lr: 1e-3,
  seed: 3,
  checkpointEvery: 10,
  modelConfig: { latentDim: 4 },
};
const STORED_RUN = {
  format: CONFIG_FORMAT,
  version: 1,
  trainer: '0.1.0',
  options: validateTrainConfig({ ...PLAIN_CONFIG, out: '/runs/a' }),
  batchSize: 4,
  model: { kind: 'semi', config: { imageSize: 32 }, params: 1000 },
  data: { name: 'synthetic', size: 12, imageSize: 32, skeleton: 'coco18' },
  backend: 'cpu',
  command: ['dgpose-train', '--steps', '50'],
  createdAt: '2026-01-01T00:00:00.000Z',
  resumes: [{ at: '2026-01-01T00:01:00.000Z', fromStep: 10, command: ['dgpose-train', '--resume'] }],
};
const TRAINER_EXTRA = {
  data: { batcher: { version: 1, seed: 3, batchSize: 4, size: 12, epoch: 1, position: 4, step: 4 }, imagesSeen: 16 },
  meta: { trainer: '0.1.0', step: 4, model: 'semi', preset: 'tiny', dataset: 'synthetic', seed: 3, batchSize: 4 },
};
const MARKER = { formatVersion: 1, complete: true, kind: 'semi', preset: 'tiny', step: 4, extra: TRAINER_EXTRA };

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v, null, 1));

/** File contents near a valid JSON document: its value mutated, its text mutated, or other text. */
function jsonFile(valid: unknown): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 3, arbitrary: mutatedJson(valid).map(enc) },
    { weight: 2, arbitrary: mutatedBytes(enc(valid), 32) },
    { weight: 1, arbitrary: fc.string({ maxLength: 64 }).map((s) => new TextEncoder().encode(s)) },
  );
}

/** Log text: valid lines, torn ones, junk, with or without a final newline. */
const logText = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.constant('{"type":"step","step":1,"losses":{"total":1}}'),
        fc.constant('{"type":"event","event":"start","step":0}'),
        fc.string({ maxLength: 24 }),
        fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      ),
      { maxLength: 6 },
    ),
    fc.boolean(),
  )
  .map(([lines, newline]) => `${lines.join('\n')}${newline && lines.length ? '\n' : ''}`);

export function trainerFuzzSuite(numRuns: number): void {
  describe(`dgpose-train fuzz targets (${numRuns} cases each)`, () => {
    let dir: string;
    beforeAll(async () => {
      // tmpfs where there is one: thousands of small files
      const base = (await fsp
        .stat('/dev/shm')
        .then((s) => s.isDirectory())
        .catch(() => false))
        ? '/dev/shm'
        : os.tmpdir();
      dir = await fsp.mkdtemp(path.join(base, 'dgpose-train-fuzz-'));
    });
    afterAll(() => fsp.rm(dir, { recursive: true, force: true }));

    /** Writes `files` into a fresh folder under `dir`; `check` later asserts nothing else appeared. */
    let n = 0;
    async function folder(
      files: Record<string, Uint8Array | string>,
    ): Promise<{ at: string; untouched(): Promise<void> }> {
      const at = path.join(dir, String(n++));
      for (const [f, data] of Object.entries(files)) {
        await fsp.mkdir(path.dirname(path.join(at, f)), { recursive: true });
        await fsp.writeFile(path.join(at, f), data);
      }
      const before = JSON.stringify(await listTree(at));
      return {
        at,
        async untouched() {
          const after = JSON.stringify(await listTree(at));
          if (after !== before) throw new Error(`the reader wrote into ${at}: ${before} -> ${after}`);
          if ((await fsp.readdir(dir)).length !== n) throw new Error(`the reader wrote beside ${at}`);
          await fsp.rm(at, { recursive: true, force: true });
          n -= 1;
        },
      };
    }

    it(
      '--config: readConfigFile + validateTrainConfig',
      async () => {
        const input = fc.oneof(jsonFile(PLAIN_CONFIG), jsonFile(STORED_RUN));
        await fuzz(
          input,
          async (bytes) => {
            const f = await folder({ 'config.json': bytes });
            try {
              return validateTrainConfig({ ...(await readConfigFile(path.join(f.at, 'config.json'))), out: '/runs/b' });
            } finally {
              await f.untouched();
            }
          },
          numRuns,
          expectConfigOutcome,
        );
      },
      fuzzTimeout(numRuns, 10),
    );

    it(
      "--resume: an output folder's config.json (readRunConfig, then mergeResumeConfig with the command line)",
      async () => {
        await fuzz(
          jsonFile(STORED_RUN),
          async (bytes) => {
            const f = await folder({ 'config.json': bytes });
            try {
              const stored = await readRunConfig(f.at);
              return mergeResumeConfig(stored.options, { out: f.at, resume: true, steps: 80 });
            } finally {
              await f.untouched();
            }
          },
          numRuns,
          expectConfigOutcome,
        );
      },
      fuzzTimeout(numRuns, 10),
    );

    it(
      "a checkpoint's checkpoint.json (models' loadCheckpoint up to its weights) and the trainer's state in it",
      async () => {
        await fuzz(
          jsonFile(MARKER),
          async (bytes) => {
            // no weights/ beside it: a marker that passes every check ends in E_IO for the missing weights
            const f = await folder({ 'checkpoint.json': bytes });
            try {
              await loadCheckpoint(f.at);
            } finally {
              await f.untouched();
            }
          },
          numRuns,
          (o) => {
            if (o.ok) throw new Error('a checkpoint without weights loaded');
          },
        );
        await fuzz(
          mutatedJson(TRAINER_EXTRA),
          (extra) => parseTrainerState(extra, '/runs/a/checkpoints/step-000004'),
          numRuns,
          (o, extra) => {
            if (
              o.ok &&
              ((o.value.batcher as unknown) !== (extra as typeof TRAINER_EXTRA).data.batcher ||
                !Number.isSafeInteger(o.value.imagesSeen))
            )
              throw new Error('a state not from the input');
            if (!o.ok && o.code !== 'E_CHECKPOINT') throw new Error(`expected E_CHECKPOINT, got ${o.code}`);
          },
        );
      },
      fuzzTimeout(2 * numRuns, 10),
    );

    it(
      'log.jsonl: readLog; after repairLog, a line appended by a resumed run reads back (a broken middle line stays E_IO)',
      async () => {
        await fuzz(
          logText,
          async (text) => {
            const at = path.join(dir, `log-${n}`);
            await fsp.mkdir(at);
            const file = path.join(at, 'log.jsonl');
            await fsp.writeFile(file, text);
            try {
              let broken: unknown = null;
              try {
                readLog(file);
              } catch (e) {
                broken = e;
              }
              const cut = repairLog(file);
              await fsp.appendFile(file, '{"type":"event","event":"resume","step":1}\n');
              let lines: Record<string, unknown>[];
              try {
                lines = readLog(file);
              } catch (e) {
                if (broken === null)
                  throw new Error(`a log that read back before the repair does not after it: ${(e as Error).message}`, {
                    cause: e,
                  });
                throw e;
              }
              if (broken !== null) throw new Error('a log that did not read back does after the repair');
              if ((await fsp.readdir(at)).join() !== 'log.jsonl') throw new Error('the repair wrote beside the log');
              return { cut, last: lines[lines.length - 1] };
            } finally {
              await fsp.rm(at, { recursive: true, force: true });
            }
          },
          numRuns,
          (o, text) => {
            if (!o.ok && o.code !== 'E_IO') throw new Error(`expected E_IO, got ${o.code}`);
            if (!o.ok) return;
            if (o.value.last?.event !== 'resume') throw new Error('the appended line did not read back');
            const torn =
              text.endsWith('\n') || text === '' ? 0 : Buffer.byteLength(text.slice(text.lastIndexOf('\n') + 1));
            if (o.value.cut !== torn) throw new Error(`repairLog cut ${o.value.cut} bytes, the torn line has ${torn}`);
          },
        );
      },
      fuzzTimeout(numRuns, 10),
    );
  });
}

/** Config readers refuse with E_CONFIG (a bad option) or E_CHECKPOINT / E_IO (not a run's config.json). */
function expectConfigOutcome(o: FuzzOutcome<unknown>): void {
  if (!o.ok && !['E_CONFIG', 'E_CHECKPOINT'].includes(o.code))
    throw new Error(`unexpected code ${o.code}: ${o.message}`);
}

async function listTree(at: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(at, { withFileTypes: true })) {
    out.push(e.name);
    if (e.isDirectory()) out.push(...(await listTree(path.join(at, e.name))).map((x) => `${e.name}/${x}`));
  }
  return out.sort();
}
