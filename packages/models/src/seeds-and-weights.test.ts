import { createRng, encodeWeights, initBackend } from '@dgpose/core';
import { expectDGPoseError, rejectsWithDGPoseError } from '@dgpose/test-utils';
import { createConditionalDGPose, createSemiDGPose, loadModelFromWeights } from './factory';
import type { ConditionalDGPose } from './conditional';
import type { SemiDGPose } from './semi';
import { syntheticSamples } from './testing';

describe('seeds are validated as createRng validates them (core assertSeed)', () => {
  let c: ConditionalDGPose;
  let s: SemiDGPose;
  beforeAll(async () => {
    await initBackend({ prefer: ['cpu'], log: () => undefined });
    c = await createConditionalDGPose({ preset: 'tiny' });
    s = await createSemiDGPose({ preset: 'tiny', mapper: 'analytic' });
    const poses = syntheticSamples(4, 32, 1).map((x) => x.pose);
    s.fitPosePrior(
      poses.map((p) => p.keypoints.flatMap((k) => (k ? [(k.x / 31) * 2 - 1, (k.y / 31) * 2 - 1] : [0, 0]))),
      poses.map((p) => p.keypoints.map((k) => (k ? 1 : 0))),
    );
  }, 60_000);
  afterAll(() => {
    c.dispose();
    s.dispose();
  });

  it.each([1.5, NaN, Infinity, 2 ** 53, '3'])(
    'generate / samplePoses refuse seed %p with E_ARG, as createRng does',
    async (seed) => {
      expectDGPoseError(() => createRng(seed as number), 'E_ARG');
      const pose = syntheticSamples(1, 32, 2)[0].pose;
      await rejectsWithDGPoseError(c.generate(pose, 1, { seed: seed as number }), 'E_ARG', {
        argument: 'opts.seed',
        message: /opts\.seed must be a seed: a safe integer/,
      });
      await rejectsWithDGPoseError(s.generate(undefined, 1, { seed: seed as number }), 'E_ARG', {
        argument: 'opts.seed',
      });
      expectDGPoseError(() => s.samplePoses(1, { seed: seed as number }), 'E_ARG', { argument: 'opts.seed' });
    },
  );

  it('a config seed must leave room for the discriminator seed (seed + 1)', async () => {
    await rejectsWithDGPoseError(
      createConditionalDGPose({ preset: 'tiny', seed: Number.MAX_SAFE_INTEGER }),
      'E_CONFIG',
      { argument: 'seed' },
    );
    await rejectsWithDGPoseError(createConditionalDGPose({ preset: 'tiny', seed: 1.5 }), 'E_CONFIG', {
      argument: 'seed',
    });
  });
});

describe('loadModelFromWeights', () => {
  it('refuses intact weights holding NaN (sha256 updated) with E_WEIGHTS_NAN instead of generating black images', async () => {
    await initBackend({ prefer: ['cpu'], log: () => undefined });
    const m = await createConditionalDGPose({ preset: 'tiny' });
    const arrays = await m.namedArrays();
    const { manifest: good } = await m.exportWeights();
    m.dispose();
    const name = Object.keys(arrays).find((k) => arrays[k].dtype === 'float32') as string;
    arrays[name].data[0] = NaN;
    const { manifest, shards } = await encodeWeights(arrays, { kind: good.kind, config: good.config });
    await rejectsWithDGPoseError(loadModelFromWeights({ manifest, shards }), 'E_WEIGHTS_NAN', {
      argument: name,
      message: /the first at index 0, expected finite numbers, got NaN/,
    });
  }, 60_000);
});
