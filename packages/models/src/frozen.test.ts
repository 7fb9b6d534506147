import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dgpose/core';
import type { Conv2dTranspose } from '@dgpose/layers';
import { expectNoLeak, maxAbsDiff } from '@dgpose/test-utils';
import { createConditionalDGPose } from './conditional';
import { FrozenGenerator } from './frozen';
import type { ConditionalDGPose } from './conditional';
import type { ConditionalConfig, ConfigOverrides } from './types';

/** Random running statistics and affine parameters, so that folding them is exercised (fresh ones are 0/1). */
function randomiseNorms(m: ConditionalDGPose, seed: number): void {
  let s = seed;
  for (const [name, v] of m.net.namedVariables()) {
    if (!/norm/.test(name)) continue;
    s += 1;
    tf.tidy(() => {
      const r = tf.randomUniform(v.shape, 0, 1, 'float32', s);
      v.assign(/runningVar|gamma/.test(name) ? tf.add(r, 0.5) : tf.sub(r, 0.5));
    });
  }
}

/** Generator outputs through the modules in eval mode (the reference) and through the frozen form. */
function compare(
  m: ConditionalDGPose,
  f: FrozenGenerator,
  n: number,
): { dec: number; mu: number; logvar: number; prior: number } {
  const c = m.config;
  const S = c.imageSize;
  return tf.tidy(() => {
    m.net.eval();
    const heat = tf.randomUniform([n, S, S, m.net.poseEncoder.stack.blocks[0].conv.inChannels], 0, 1, 'float32', 3);
    const x = tf.randomUniform([n, S, S, 3], -1, 1, 'float32', 4);
    const z = tf.randomNormal([n, c.latentDim], 0, 1, 'float32', 5);
    const q = m.net.appearanceEncoder.call({ x, heat });
    const qf = f.encode(x, heat);
    const p = m.net.priorParams(heat, n, c.latentDim);
    const pf = f.priorParams(heat, n, c.latentDim);
    const out = {
      dec: maxAbsDiff(m.net.call({ z, heat }), f.decode(z, heat)),
      mu: maxAbsDiff(q.mu, qf.mu),
      logvar: maxAbsDiff(q.logvar, qf.logvar),
      prior: maxAbsDiff(p.mu, pf.mu) + maxAbsDiff(p.logvar, pf.logvar),
    };
    m.net.train();
    return out as never;
  }) as never;
}

describe('FrozenGenerator: the eval-mode generator with folded norms and prepared filters', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'], log: () => undefined });
  });

  const cases: [string, ConfigOverrides<ConditionalConfig>][] = [
    ['tiny (parts, every-scale z)', {}],
    [
      'no parts, z at the bottleneck, learned prior',
      { partAppearance: false, latentInjection: 'bottleneck', prior: 'learned', lossWeights: { adv: 0 } },
    ],
    ['parts, bottleneck z', { latentInjection: 'bottleneck' }],
  ];
  it.each(cases)('agrees with the modules within 1e-5: %s, batch 2', async (_, config) => {
    const m = await createConditionalDGPose({ preset: 'tiny', config });
    randomiseNorms(m, 11);
    const f = FrozenGenerator.create(m.net, m.config) as FrozenGenerator;
    expect(f).not.toBeNull();
    const d = compare(m, f, 2);
    expect(d.dec).toBeLessThan(1e-5);
    expect(d.mu).toBeLessThan(1e-5);
    expect(d.logvar).toBeLessThan(1e-5);
    expect(d.prior).toBeLessThan(1e-5);
    f.dispose();
    m.dispose();
  });

  it('follows the weights: a changed weight or running statistic rebuilds it; refresh and dispose leak nothing', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny' });
    const before = tf.memory().numTensors;
    const f = FrozenGenerator.create(m.net, m.config) as FrozenGenerator;
    randomiseNorms(m, 21); // after the build: stale until the next call
    expect(compare(m, f, 1).dec).toBeLessThan(1e-5);
    const k = (m.net.decoder.blocks[1].conv as Conv2dTranspose).kernel;
    tf.tidy(() => k.assign(tf.mul(k, -2)));
    expect(compare(m, f, 1).dec).toBeLessThan(1e-5);
    await expectNoLeak(() => f.refresh()); // current: nothing rebuilt
    const held = tf.memory().numTensors;
    tf.tidy(() => k.assign(tf.mul(k, 0.5)));
    await expectNoLeak(() =>
      tf.tidy(() => void f.decode(tf.zeros([1, m.config.latentDim]), tf.zeros([1, 32, 32, m.joints + 10]))),
    ); // rebuilt: as many as it freed
    expect(tf.memory().numTensors).toBe(held);
    f.dispose();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('the model decodes through it, and gets what the modules give', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny' });
    randomiseNorms(m, 31);
    const S = m.config.imageSize;
    const coords = tf.tensor2d(
      Array.from({ length: 2 * m.joints }, (_, i) => 0.5 * Math.sin(i)),
      [1, 2 * m.joints],
    );
    const z = tf.randomNormal([1, m.config.latentDim], 0, 1, 'float32', 9);
    const spy = jest.spyOn(FrozenGenerator.prototype, 'decode');
    const viaModel = m.decodeTensors(z as tf.Tensor2D, coords);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    const ref = tf.tidy(() => {
      m.net.eval();
      const heat = (m as unknown as { heatmaps(c: tf.Tensor2D, v: null): tf.Tensor4D }).heatmaps(coords, null);
      const y = m.net.call({ z, heat });
      m.net.train();
      return y;
    });
    expect(viaModel.shape).toEqual([1, S, S, 3]);
    expect(maxAbsDiff(viaModel, ref)).toBeLessThan(1e-5);
    tf.dispose([coords, z, viaModel, ref]);
    m.dispose();
  });
});
