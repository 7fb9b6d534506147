import * as tf from '@tensorflow/tfjs-core';
import { registerFastKernels } from '@dgpose/core';
import { useBackend } from '@dgpose/test-utils';
import { type VaeGanBatch, createVaeGanTrainer, cvaeLoss } from './index';
import { TinyDiscriminator, TinyGenerator, tinyData } from './tiny-cvae-gan.testing';

interface Batch extends VaeGanBatch {
  y: tf.Tensor;
}

const STEPS = Number(process.env.DGPOSE_OVERFIT_STEPS ?? 120);

describe('a tiny conditional VAE-GAN built with @dgpose/layers (wasm + dgpose kernels)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    await registerFastKernels();
  });

  it(`overfits 4 16x16 images: L1 falls >= 3x in ${STEPS} steps, numTensors flat, plain numbers`, async () => {
    const gen = new TinyGenerator(1);
    const disc = new TinyDiscriminator(2);
    const data = tinyData();
    const batch: Batch = { x: data.x, y: data.y };
    const trainer = createVaeGanTrainer<Batch>({
      generatorLoss: (b, { step }) => {
        const r = cvaeLoss({ encode: (x, y) => gen.encode(x, y), decode: (z, y) => gen.decode(z, y) }, b.x, b.y, {
          noise: 1000 + step,
          beta: 0.05,
          config: { reconstruction: 'l1', recReduction: 'mean', lambdaRec: 100 },
        });
        return { loss: r.loss, terms: r.terms, fake: r.xHat };
      },
      discriminator: (img, b) => disc.call([img, b.y]),
      generatorVars: gen.parameters(),
      discriminatorVars: disc.parameters(),
      stateVars: [...gen.buffers(), ...disc.buffers()],
      config: { generatorLearningRate: 2e-3 },
    });
    // eval-mode reconstruction error (z = μ, batch-norm running statistics), before and after
    const evalL1 = async (): Promise<number> => {
      gen.eval();
      const e = tf.tidy(() => tf.mean(tf.abs(tf.sub(gen.call([data.x, data.y]), data.x))));
      const v = (await e.data())[0];
      e.dispose();
      gen.train();
      return v;
    };
    const evalBefore = await evalL1();
    const t0 = Date.now();
    const l1: number[] = [];
    let advG = NaN;
    let advD = NaN;
    let tensorsAfterFirst = 0;
    for (let i = 0; i < STEPS; i++) {
      const { step, losses: r } = await trainer.trainStep(batch);
      expect(step).toBe(i);
      for (const v of Object.values(r)) expect(typeof v).toBe('number');
      l1.push(r.l1);
      advG = r.advG;
      advD = r.advD;
      if (i === 0) tensorsAfterFirst = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    const first = l1[0];
    const last = l1.slice(-5).reduce((a, b) => a + b, 0) / 5;
    // eslint-disable-next-line no-console
    console.info(
      `tiny cVAE-GAN: L1 ${first.toFixed(4)} -> ${last.toFixed(4)} (x${(first / last).toFixed(2)}) in ${STEPS} steps, ${Date.now() - t0} ms`,
    );
    expect(first / last).toBeGreaterThanOrEqual(3);
    const evalAfter = await evalL1();
    // eslint-disable-next-line no-console
    console.info(
      `eval-mode L1 ${evalBefore.toFixed(4)} -> ${evalAfter.toFixed(4)}; last advG ${advG.toFixed(3)}, advD ${advD.toFixed(3)}`,
    );
    expect(evalBefore / evalAfter).toBeGreaterThanOrEqual(2);
    trainer.dispose();
    gen.dispose();
    disc.dispose();
    tf.dispose([data.x, data.y]);
  });
});
