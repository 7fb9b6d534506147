/*
 * Fuzz target of dgpose-bench: `merge` over shard results.json files (a mutated shard beside a
 * valid one). Besides "a value or a DGPoseError", nothing may be written outside the output folder
 * (a grid path in results.json names a file to copy). Run by merge-fuzz.test.ts (FUZZ_RUNS cases)
 * and merge-fuzz.slow.test.ts (FUZZ_RUNS_SLOW).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { fuzz, fuzzTimeout, mutatedJson } from '@dgpose/test-utils';
import { mergeShards } from '../merge';
import { RESULTS_FILE } from '../output';
import { shardResults, writeShard } from './results-fixture';

/** Every file under `dir` with its size and mtime, relative paths, `skip` (a subfolder) left out. */
function snapshot(dir: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (p === skip) continue;
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)} ${fs.statSync(p).size} ${fs.statSync(p).mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

export function benchmarkFuzzSuite(numRuns: number): void {
  describe(`dgpose-bench merge fuzz target (${numRuns} cases)`, () => {
    let tmp: string;
    let s0: string;
    let s1: string;
    beforeAll(async () => {
      // On tmpfs when there is one: a merge fsyncs each report it writes, which a loaded disk makes the bulk of a case.
      tmp = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'dgpose-merge-fuzz-'));
      s0 = path.join(tmp, 'shards', 's0');
      s1 = path.join(tmp, 'shards', 's1');
      await writeShard(s0, shardResults(0, 2));
      await writeShard(s1, shardResults(1, 2));
      // A file a hostile grid path could point at, to be read and copied out of the shard folder.
      fs.writeFileSync(path.join(tmp, 'secret.png'), 'not for the report');
    });
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it(
      'mutated shard results merge, or give a DGPoseError, and write only inside --out',
      async () => {
        const valid = shardResults(0, 2);
        const grid = valid.models[0].grid as string;
        // Grid paths that leave the folder are likely targets, so they get extra weight.
        const hostileGrid = fc.constantFrom(
          '../../secret.png',
          '/etc/hostname',
          '../s1/results.json',
          'grids/../../../secret.png',
          `${grid}/..`,
          'grids',
          '',
        );
        const results = fc.oneof(
          { weight: 4, arbitrary: mutatedJson(valid) },
          { weight: 1, arbitrary: hostileGrid.map((g) => ({ ...valid, models: [{ ...valid.models[0], grid: g }] })) },
        );
        let k = 0;
        await fuzz(
          results,
          async (r) => {
            // The mutated shard: shard 0's folder (its grid) with another results.json.
            const dir = path.join(tmp, 'shards', 'm');
            if (!fs.existsSync(dir)) fs.cpSync(s0, dir, { recursive: true });
            fs.writeFileSync(path.join(dir, RESULTS_FILE), JSON.stringify(r) ?? '');
            const out = path.join(tmp, 'out', `o${k++}`);
            const before = snapshot(tmp, path.join(tmp, 'out'));
            try {
              return await mergeShards([dir, s1], out, { log: () => undefined });
            } finally {
              // A write outside --out or a copied foreign file fails the case even when the merge threw
              // (throwing is the expected outcome of most mutated inputs, so it must not hide these).
              const after = snapshot(tmp, path.join(tmp, 'out'));
              if (after.join('\n') !== before.join('\n'))
                // eslint-disable-next-line no-unsafe-finally -- see above
                throw new Error(`merge wrote outside --out: ${after.filter((f) => !before.includes(f)).join(', ')}`);
              const copied = fs.existsSync(path.join(out, 'grids')) ? fs.readdirSync(path.join(out, 'grids')) : [];
              for (const f of copied)
                if (fs.readFileSync(path.join(out, 'grids', f), 'latin1').includes('not for the report'))
                  // eslint-disable-next-line no-unsafe-finally -- see above
                  throw new Error('merge copied a file from outside the shard folder');
              fs.rmSync(path.join(tmp, 'out'), { recursive: true, force: true });
            }
          },
          numRuns,
        );
      },
      fuzzTimeout(numRuns, 40),
    );
  });
}
