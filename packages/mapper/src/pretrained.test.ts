import * as fs from 'node:fs';
import { registerFastKernels } from '@dgpose/core';
import { useBackend, expectNoLeak } from '@dgpose/test-utils';
import { PRETRAINED_MAPPERS, loadPretrainedMapper, readPretrainedMapperManifest, pretrainedMapperDir } from './node';
import { evaluateMapper } from './learned/mapper';
import { samplePoses } from '../scripts/pose-sampler';

interface Recorded {
  mapper: { height: number; width: number; sigma: number };
  training: { command: string; seconds: number };
  validation: { seed: number; count: number; mse: number; peakErrorPx: number };
}

describe.each(PRETRAINED_MAPPERS)('shipped mapper %s', (name) => {
  beforeAll(async () => {
    await useBackend('wasm');
    await registerFastKernels();
  });

  it('is small and records how it was trained and its validation error', async () => {
    const dir = pretrainedMapperDir(name);
    const bytes = fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(`${dir}/${f}`).size, 0);
    expect(bytes).toBeLessThan(2.5 * 1024 * 1024);
    const m = await readPretrainedMapperManifest(name);
    const rec = m.config as Recorded;
    expect(rec.mapper.height).toBe(Number(name.split('-')[1]));
    expect(rec.training.command).toMatch(new RegExp(`train-pretrained\\.ts ${name}`));
    expect(rec.validation.mse).toBeGreaterThan(0);
    expect(rec.validation.peakErrorPx).toBeGreaterThan(0);
  });

  it('loads from the package, runs without leaks, and reproduces the recorded error (within 1.5x)', async () => {
    const rec = (await readPretrainedMapperManifest(name)).config as Recorded;
    // the first poses of the recorded validation set (the sampler is sequential in its seed)
    const poses = samplePoses(24, { seed: rec.validation.seed, width: rec.mapper.width, height: rec.mapper.height });
    const ev = await expectNoLeak(async () => {
      const mapper = await loadPretrainedMapper(name);
      expect(mapper.network.parameters()).toEqual([]);
      const r = await evaluateMapper(mapper, poses, { batchSize: 8 });
      mapper.dispose();
      return r;
    });
    expect(ev.mse).toBeLessThan(1.5 * rec.validation.mse);
    expect(ev.peakErrorPx).toBeLessThan(1.5 * rec.validation.peakErrorPx);
  });
});
