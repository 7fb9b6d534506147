import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dgpose/core';
import { expectNoLeak } from '@dgpose/test-utils';
import { createConditionalDGPose, createSemiDGPose } from './factory';
import { syntheticSamples } from './testing';

// Forward paths on the stock cpu backend (training there is ~40x slower than wasm, so it runs on wasm).
describe('forward verbs on cpu', () => {
  beforeAll(async () => {
    const r = await initBackend({ prefer: ['cpu'], log: () => undefined });
    expect(r.backend).toBe('cpu');
  });

  it('build, verbs and dispose leak nothing; outputs match wasm', async () => {
    const samples = syntheticSamples(2, 32, 6);
    const imgs = samples.map((s) => s.image);
    const poses = samples.map((s) => s.pose);
    const before = tf.memory().numTensors;
    const c = await createConditionalDGPose({ preset: 'tiny' });
    const s = await createSemiDGPose({ preset: 'tiny' });
    const rc = await expectNoLeak(() => c.reconstruct(imgs, poses));
    await expectNoLeak(() => c.generate(poses[0], 2));
    await expectNoLeak(() => s.estimatePose(imgs));
    await expectNoLeak(() => s.reconstruct(imgs));
    c.dispose();
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // same seed on wasm: same weights (drawn in JS), nearly the same pixels
    await initBackend({ prefer: ['wasm'], log: () => undefined });
    const w = await createConditionalDGPose({ preset: 'tiny' });
    const rw = await w.reconstruct(imgs, poses);
    w.dispose();
    let maxDiff = 0;
    for (let i = 0; i < rc[0].data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(rc[0].data[i] - rw[0].data[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
  }, 60_000);
});
