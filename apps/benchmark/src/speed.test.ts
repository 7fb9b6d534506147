import { DGPoseError, initBackend } from '@dgpose/core';
import { createSyntheticDataset } from '@dgpose/datasets';
import { createConditionalDGPose } from '@dgpose/models';
import { ORT_MISSING_NOTE, engineSpeed } from './speed';
import type { TestData } from './data';

jest.setTimeout(60_000);

/** The parts of TestData engineSpeed reads: a source, the selection and its pairs. */
function testData(): TestData {
  const source = createSyntheticDataset({ seed: 0, split: 'test', size: 32, identities: 10, posesPerIdentity: 4 });
  return { info: {} as TestData['info'], source, indices: [0, 1], pairs: [[0, 1]] };
}

describe('engineSpeed: the verbs on tfjs and onnxruntime side by side', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'], log: () => undefined });
  });

  it('times every verb of a Conditional model on both engines (interleaved, best <= median)', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny', seed: 1 });
    const lines: string[] = [];
    const r = await engineSpeed(m, 'tiny-cond', testData(), { threads: 1, reps: 2, log: (s) => lines.push(s) });
    m.dispose();
    expect(r.note).toBeUndefined();
    expect(r.rows.map((e) => e.verb)).toEqual(['reconstruct', 'transfer', 'generate']);
    for (const e of r.rows) {
      expect(e).toMatchObject({ model: 'tiny-cond', calls: 2 });
      for (const [b, med] of [
        [e.tfjsBestMs, e.tfjsMedianMs],
        [e.onnxBestMs, e.onnxMedianMs],
      ]) {
        expect(b).toBeGreaterThan(0);
        expect(b).toBeLessThanOrEqual(med);
      }
    }
    expect(lines).toHaveLength(3);
  });

  it('without onnxruntime-node: no rows, a note with the install command', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny', seed: 1 });
    const missing = async (): Promise<never> => {
      throw new DGPoseError('E_BACKEND', 'onnxruntime-node is not installed', { argument: 'onnxruntime-node' });
    };
    const r = await engineSpeed(m, 'tiny-cond', testData(), { threads: 1, log: () => undefined, load: missing });
    m.dispose();
    expect(r).toEqual({ rows: [], note: ORT_MISSING_NOTE });
    expect(ORT_MISSING_NOTE).toMatch(/npm install onnxruntime-node/);
  });

  it('an engine that fails mid-run: no rows, a note naming the failure, the engine released', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny', seed: 1 });
    let released = false;
    const broken = {
      reconstruct: async () => Promise.reject(new Error('session lost')),
      dispose: async () => void (released = true),
    };
    const r = await engineSpeed(m, 'tiny-cond', testData(), {
      threads: 1,
      log: () => undefined,
      load: (async () => broken) as never,
    });
    m.dispose();
    expect(r).toEqual({ rows: [], note: 'the onnxruntime comparison failed: session lost' });
    expect(released).toBe(true);
  });
});
