/*
 * A run that fails after preparing --out (here: the evaluation throws) must leave the folder as it
 * found it: it used to leave an empty grids/, and running it again was refused with exit 2.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '@tensorflow/tfjs-layers';
import { createConditionalDGPose } from '@dgpose/models';
import { saveModel } from '@dgpose/models/node';
import { useBackend } from '@dgpose/test-utils';
import { EXIT_ERROR, runCli } from './cli-main';

jest.mock('./evaluate', () => ({
  ...jest.requireActual('./evaluate'),
  evaluateModel: jest.fn(async () => {
    throw new Error('evaluation failed (test)');
  }),
}));

let tmp: string;
let cond: string;
beforeAll(async () => {
  await useBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-bench-fail-'));
  cond = path.join(tmp, 'tiny-cond');
  const m = await createConditionalDGPose({ preset: 'tiny', seed: 3 });
  await saveModel(cond, m);
  m.dispose();
}, 120_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('a failed run leaves no grids/ behind, so running it again is not refused', async () => {
  const out = path.join(tmp, 'bench');
  const args = [
    'run',
    '--checkpoint',
    cond,
    '--estimator',
    'none',
    '--ceiling-estimators',
    'none',
    '--n',
    '2',
    '--pairs',
    '0',
    '--synthetic-identities',
    '10',
    '--synthetic-poses',
    '4',
    '--backend',
    'cpu',
    '--no-speed',
    '--out',
    out,
    '--quiet',
  ];
  for (let attempt = 0; attempt < 2; attempt++) {
    let stderr = '';
    const code = await runCli(args, { out: () => undefined, err: (s) => (stderr += s) });
    expect({ code, stderr: stderr.split('\n')[0] }).toEqual({
      code: EXIT_ERROR,
      stderr: 'dgpose-bench: Error: evaluation failed (test)',
    });
    expect(fs.existsSync(out)).toBe(false);
  }
}, 120_000);
