import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { isDGPoseError } from '@dgpose/core';
import { expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { ganDiscriminatorLoss, ganGeneratorLoss } from '@dgpose/losses';
import { type VaeGanBatch, createVaeGanTrainer, cvaeLoss, validateVaeGanTrainerConfig } from './index';

// A tiny conditional VAE-GAN on raw tf.variable networks: x [N, DX] "images", y [N, DY] condition.
const N = 4;
const DX = 6;
const DY = 2;
const DZ = 2;
const DH = 5;

interface Batch extends VaeGanBatch {
  y: tf.Tensor;
  poison?: 'kl' | 'real';
}

let modelCount = 0;
function makeModel(seed: number) {
  const id = ++modelCount;
  const v = (name: string, a: number, b: number, s: number, trainable = true) =>
    tf.tidy(() =>
      tf.variable(tf.tensor2d(seededFloats(a * b, seed + s, -0.5, 0.5), [a, b]), trainable, `vgtest${id}/${name}`),
    );
  const g = { enc: v('enc', DX + DY, 2 * DZ, 1), dec: v('dec', DZ + DY, DX, 2) };
  const d = { h: v('dh', DX + DY, DH, 3), o: v('do', DH, 1, 4) };
  // non-trainable "running means" that D's and the encoder's forwards update, like batch-norm buffers
  const running = tf.tidy(() => tf.variable(tf.zeros([1, DX + DY]), false, `vgtest${id}/running`));
  const gRunning = tf.tidy(() => tf.variable(tf.zeros([1, DX + DY]), false, `vgtest${id}/gRunning`));
  const nets = {
    encode: (x: tf.Tensor, y: tf.Tensor) => {
      const inp = tf.concat([x, y], 1) as tf.Tensor2D;
      tf.tidy(() => gRunning.assign(tf.add(tf.mul(gRunning, 0.9), tf.mul(tf.mean(inp, 0, true), 0.1))));
      const h = tf.matMul(inp, g.enc);
      const [mu, logvar] = tf.split(h, 2, 1);
      return { mu, logvar };
    },
    decode: (z: tf.Tensor, y: tf.Tensor) => tf.tanh(tf.matMul(tf.concat([z, y], 1) as tf.Tensor2D, g.dec)),
  };
  const discriminator = (img: tf.Tensor, b: Batch) => {
    // poison 'real': D sees NaN on the real batch only (its buffer update included)
    const inp = tf.mul(tf.concat([img, b.y], 1), b.poison === 'real' && img === b.x ? NaN : 1) as tf.Tensor2D;
    tf.tidy(() => running.assign(tf.add(tf.mul(running, 0.9), tf.mul(tf.mean(inp, 0, true), 0.1))));
    return tf.matMul(tf.leakyRelu(tf.matMul(inp, d.h), 0.2), d.o);
  };
  const generatorLoss = (b: Batch, ctx: { step: number }) => {
    const r = cvaeLoss(nets, b.x, b.y, { noise: 100 + ctx.step, beta: 0.5 });
    const kl = b.poison === 'kl' ? tf.mul(r.kl, NaN) : r.kl;
    return { loss: tf.add(r.loss, tf.mul(kl, 0)), terms: { l1: r.rec, kl }, fake: r.xHat };
  };
  const all = [g.enc, g.dec, d.h, d.o, running, gRunning];
  return {
    g,
    d,
    running,
    gRunning,
    nets,
    discriminator,
    generatorLoss,
    all,
    snapshot: () => all.map((t) => Float32Array.from(t.dataSync())),
    dispose: () => tf.dispose(all),
  };
}

function makeBatch(seed: number, poison?: Batch['poison']): Batch {
  const x = tf.tensor2d(seededFloats(N * DX, seed, -0.9, 0.9), [N, DX]);
  return { x, y: tf.tensor2d(seededFloats(N * DY, seed + 1), [N, DY]), poison };
}
const freeBatch = (b: Batch): void => tf.dispose([b.x, b.y]);

function trainerFor(m: ReturnType<typeof makeModel>, config = {}) {
  return createVaeGanTrainer<Batch>({
    generatorLoss: m.generatorLoss,
    discriminator: m.discriminator,
    generatorVars: [m.g.enc, m.g.dec],
    discriminatorVars: [m.d.h, m.d.o],
    stateVars: [m.running, m.gRunning],
    config,
  });
}

/** The same model trained without its discriminator: the generator-only step. */
function genTrainerFor(m: ReturnType<typeof makeModel>, config = {}) {
  return createVaeGanTrainer<Batch>({
    generatorLoss: m.generatorLoss,
    generatorVars: [m.g.enc, m.g.dec],
    stateVars: [m.gRunning],
    config,
  });
}

beforeAll(() => useBackend('cpu'));

/**
 * One good step, then each poisoned batch must be refused with E_LOSS_NAN naming `term`, leaving variables,
 * buffers, optimizer state, the step and the tensor count unchanged; then training goes on.
 */
async function expectRefusedSteps(
  m: ReturnType<typeof makeModel>,
  t: ReturnType<typeof trainerFor>,
  seed: number,
  poisons: readonly (readonly [Batch['poison'], string])[],
): Promise<void> {
  const good = makeBatch(seed);
  await t.trainStep(good);
  const before = m.snapshot();
  const state = await t.optimizerState();
  const tensors = tf.memory().numTensors;
  for (const [poison, term] of poisons) {
    const bad = makeBatch(seed, poison);
    let err: unknown = null;
    try {
      await t.trainStep(bad);
    } catch (e) {
      err = e;
    }
    expect(isDGPoseError(err, 'E_LOSS_NAN')).toBe(true);
    expect((err as { details: { argument: string } }).details.argument).toBe(term);
    freeBatch(bad);
    // forward passes wrote the buffers during the refused step: they were restored
    const after = m.snapshot();
    before.forEach((v, i) => expect(after[i]).toEqual(v));
    expect(t.step).toBe(1);
    expect(tf.memory().numTensors).toBe(tensors);
  }
  const state2 = await t.optimizerState();
  expect(Object.keys(state2)).toEqual(Object.keys(state));
  for (const k of Object.keys(state)) expect(state2[k].data).toEqual(state[k].data);
  expect((await t.trainStep(good)).step).toBe(1);
  t.dispose();
  freeBatch(good);
  m.dispose();
}

describe('createVaeGanTrainer (raw tf.variable networks, cpu)', () => {
  it('returns plain numbers and keeps numTensors flat over 50 steps', async () => {
    const m = makeModel(1);
    const t = trainerFor(m);
    const batch = makeBatch(10);
    const first = await t.trainStep(batch);
    expect(Object.keys(first).sort()).toEqual(['losses', 'step']);
    expect(Object.keys(first.losses).sort()).toEqual(
      ['advD', 'advG', 'gradNormD', 'gradNormG', 'kl', 'l1', 'total'].sort(),
    );
    for (const v of Object.values(first.losses)) expect(typeof v).toBe('number');
    expect(first.step).toBe(0);
    expect(t.hasDiscriminator).toBe(true);
    const tensors = tf.memory().numTensors;
    const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    let last = first;
    for (let i = 0; i < 49; i++) last = await t.trainStep(batch);
    expect(last.step).toBe(49);
    expect(t.step).toBe(50);
    expect(tf.memory().numTensors).toBe(tensors);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(ids);
    // dispose frees the optimizers' state (2 Adam scalars + m, v per variable, per side)
    const before = tf.memory().numTensors;
    t.dispose();
    expect(before - tf.memory().numTensors).toBe(2 * (2 + 2 * 2));
    await expect(t.trainStep(batch)).rejects.toMatchObject({ code: 'E_ARG' });
    freeBatch(batch);
    m.dispose();
  });

  it('is the simultaneous two-optimizer update: G on loss + λ·advG, D on ½(BCE real + BCE fake) with the fake held fixed', async () => {
    const a = makeModel(2);
    const b = makeModel(2);
    const t = trainerFor(a, { lambdaAdv: 0.7, labelSmoothing: 0.1 });
    const batch = makeBatch(20);
    await t.trainStep(batch);
    // the same step by hand on the twin model
    const gOpt = tf.train.adam(2e-4, 0.5, 0.999);
    const dOpt = tf.train.adam(2e-4, 0.5, 0.999);
    let fake: tf.Tensor | null = null;
    const g = tf.variableGrads(() => {
      const out = b.generatorLoss(batch, { step: 0 });
      fake = tf.keep(out.fake);
      return tf.add(out.loss, tf.mul(ganGeneratorLoss(b.discriminator(out.fake, batch)), 0.7)) as tf.Scalar;
    }, [b.g.enc, b.g.dec]);
    const d = tf.variableGrads(
      () =>
        ganDiscriminatorLoss(b.discriminator(batch.x, batch), b.discriminator(fake as unknown as tf.Tensor, batch), {
          labelSmoothing: 0.1,
        }) as tf.Scalar,
      [b.d.h, b.d.o],
    );
    gOpt.applyGradients(g.grads as Parameters<typeof gOpt.applyGradients>[0]);
    dOpt.applyGradients(d.grads as Parameters<typeof dOpt.applyGradients>[0]);
    const sa = a.snapshot();
    const sb = b.snapshot();
    sa.forEach((v, i) => expectTensorsClose(v, sb[i], { atol: 1e-7, rtol: 1e-6 }));
    // and the weights did move
    const moved = makeModel(2).snapshot();
    expect(sa.some((v, i) => v.some((x, k) => x !== moved[i][k]))).toBe(true);
    tf.dispose([g.value, d.value, ...Object.values(g.grads), ...Object.values(d.grads), fake as unknown as tf.Tensor]);
    gOpt.dispose();
    dOpt.dispose();
    t.dispose();
    freeBatch(batch);
    a.dispose();
    b.dispose();
  });

  it('a NaN in any term throws E_LOSS_NAN naming it and leaves variables, buffers and optimizers unchanged', async () => {
    const m = makeModel(3);
    await expectRefusedSteps(m, trainerFor(m), 30, [
      ['kl', 'kl'],
      ['real', 'advD'],
    ]);
  });

  it('optimizerState / setOptimizerState resume a run exactly', async () => {
    const a = makeModel(4);
    const ta = trainerFor(a);
    const batch = makeBatch(40);
    await ta.trainStep(batch);
    await ta.trainStep(batch);
    const weights = a.snapshot();
    const state = await ta.optimizerState();
    expect(state['trainer/step'].data[0]).toBe(2);
    expect(state['generator/iter'].data[0]).toBe(2);
    expect(state['generator/slot1/1'].shape).toEqual([DZ + DY, DX]);
    const third = await ta.trainStep(batch);

    const b = makeModel(99);
    b.all.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(weights[i], v.shape))));
    const tb = trainerFor(b);
    const tensors = tf.memory().numTensors;
    await tb.setOptimizerState(state);
    expect(tf.memory().numTensors - tensors).toBe(2 * 2 * 2); // m and v per variable, per side; nothing leaked
    expect(tb.step).toBe(2);
    const resumed = await tb.trainStep(batch);
    expect(resumed).toEqual(third);
    const sa = a.snapshot();
    expect(b.snapshot()).toEqual(sa);
    // a fresh trainer from the same weights (no optimizer state) lands clearly elsewhere
    const c = makeModel(98);
    c.all.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(weights[i], v.shape))));
    const tc = trainerFor(c);
    await tc.trainStep(batch);
    const diff = Math.max(...c.snapshot().flatMap((v, i) => Array.from(v, (x, k) => Math.abs(x - sa[i][k]))));
    expect(diff).toBeGreaterThan(2e-5);
    tc.dispose();
    c.dispose();
    // restoring again replaces (and frees) the slots
    const n2 = tf.memory().numTensors;
    await tb.setOptimizerState(state);
    expect(tf.memory().numTensors).toBe(n2);

    const wrong = {
      ...state,
      'generator/slot0/1': { dtype: 'float32' as const, shape: [2, 2], data: new Float32Array(4) },
    };
    await expect(tb.setOptimizerState(wrong)).rejects.toMatchObject({ code: 'E_CHECKPOINT' });
    const missing = { ...state };
    delete missing['discriminator/iter'];
    await expect(tb.setOptimizerState(missing)).rejects.toMatchObject({ code: 'E_CHECKPOINT' });
    ta.dispose();
    tb.dispose();
    freeBatch(batch);
    a.dispose();
    b.dispose();
  });

  it('validates its config and options', () => {
    expect(validateVaeGanTrainerConfig()).toMatchObject({
      generatorLearningRate: 2e-4,
      beta1: 0.5,
      beta2: 0.999,
      ganLoss: 'bce',
      halveDiscriminatorLoss: true,
    });
    expect(() => validateVaeGanTrainerConfig({ beta1: 1 })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    expect(() => validateVaeGanTrainerConfig({ ganLoss: 'wgan' as 'bce' })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
    expect(() => validateVaeGanTrainerConfig({ ganLoss: 'hinge', labelSmoothing: 0.1 })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
    expect(() => validateVaeGanTrainerConfig({ lr: 1 } as object)).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
    const m = makeModel(5);
    const base = {
      generatorLoss: m.generatorLoss,
      discriminator: m.discriminator,
      generatorVars: [m.g.enc, m.g.dec],
      discriminatorVars: [m.d.h, m.d.o],
    };
    expect(() => createVaeGanTrainer({ ...base, discriminatorVars: [] })).toThrow(
      expect.objectContaining({ code: 'E_ARG' }),
    );
    expect(() => createVaeGanTrainer({ ...base, discriminatorVars: undefined })).toThrow(
      expect.objectContaining({ code: 'E_ARG', details: expect.objectContaining({ argument: 'discriminatorVars' }) }),
    );
    expect(() => createVaeGanTrainer({ ...base, discriminator: 3 as never })).toThrow(
      expect.objectContaining({ code: 'E_ARG', details: expect.objectContaining({ argument: 'discriminator' }) }),
    );
    // discriminatorVars without a discriminator is a mistake, not a generator-only trainer
    expect(() => createVaeGanTrainer({ ...base, discriminator: undefined })).toThrow(
      expect.objectContaining({ code: 'E_ARG', details: expect.objectContaining({ argument: 'discriminatorVars' }) }),
    );
    expect(() => createVaeGanTrainer({ ...base, discriminatorVars: [m.d.h, m.g.dec] })).toThrow(
      expect.objectContaining({ code: 'E_ARG' }),
    );
    // errors name what was expected and what came
    expect(() => validateVaeGanTrainerConfig({ lr: 1 } as object)).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ argument: 'lr', got: 'lr' }) }),
    );
    expect(() => createVaeGanTrainer({ ...base, generatorLoss: 3 as never })).toThrow(
      expect.objectContaining({
        code: 'E_ARG',
        details: expect.objectContaining({ argument: 'generatorLoss', expected: 'a function', got: 'number' }),
      }),
    );
    expect(() => createVaeGanTrainer({ ...base, generatorVars: [1 as never] })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ argument: 'generatorVars', got: ['number'] }) }),
    );
    m.dispose();
  });

  it('refuses a variable without gradient, bad generator outputs and failing networks, leaking nothing', async () => {
    const m = makeModel(6);
    const unused = tf.tidy(() => tf.variable(tf.zeros([2]), true, 'vgtest-unused'));
    const t = createVaeGanTrainer<Batch>({
      generatorLoss: m.generatorLoss,
      discriminator: m.discriminator,
      generatorVars: [m.g.enc, m.g.dec, unused],
      discriminatorVars: [m.d.h, m.d.o],
    });
    const batch = makeBatch(60);
    const tensors = tf.memory().numTensors;
    await expect(t.trainStep(batch)).rejects.toMatchObject({ code: 'E_ARG', details: { argument: 'vgtest-unused' } });
    expect(tf.memory().numTensors).toBe(tensors);
    t.dispose();
    // a non-scalar loss or a fake of the wrong shape is refused, leaving nothing behind
    for (const bad of [
      (b: Batch, c: { step: number }) => ({ ...m.generatorLoss(b, c), loss: tf.ones([2]) }),
      (b: Batch, c: { step: number }) => ({ ...m.generatorLoss(b, c), fake: tf.ones([N, DX + 1]) }),
    ]) {
      const tb = createVaeGanTrainer<Batch>({
        ...{ discriminator: m.discriminator, generatorVars: [m.g.enc, m.g.dec], discriminatorVars: [m.d.h, m.d.o] },
        generatorLoss: bad,
      });
      const n0 = tf.memory().numTensors;
      await expect(tb.trainStep(batch)).rejects.toMatchObject({ code: 'E_SHAPE' });
      expect(tf.memory().numTensors).toBe(n0);
      tb.dispose();
    }
    // an error thrown by the discriminator inside D's closure propagates, and leaks nothing either
    const throwing = createVaeGanTrainer<Batch>({
      generatorLoss: m.generatorLoss,
      discriminator: (img, b) => {
        if (img === b.x) throw new Error('D failed on the real batch');
        return m.discriminator(img, b);
      },
      generatorVars: [m.g.enc, m.g.dec],
      discriminatorVars: [m.d.h, m.d.o],
    });
    const n1 = tf.memory().numTensors;
    await expect(throwing.trainStep(batch)).rejects.toThrow('D failed on the real batch');
    expect(tf.memory().numTensors).toBe(n1);
    expect(throwing.step).toBe(0);
    throwing.dispose();
    freeBatch(batch);
    tf.dispose([unused]);
    m.dispose();
  });
});

describe('createVaeGanTrainer without a discriminator (generator-only step, cpu)', () => {
  it('is one Adam step on the generator loss alone; returns { step, losses } without adversarial terms; leaks nothing', async () => {
    const a = makeModel(7);
    const b = makeModel(7);
    const t = genTrainerFor(a);
    expect(t.hasDiscriminator).toBe(false);
    const batch = makeBatch(70);
    const first = await t.trainStep(batch);
    expect(first.step).toBe(0);
    expect(Object.keys(first.losses).sort()).toEqual(['gradNormG', 'kl', 'l1', 'total']);
    for (const v of Object.values(first.losses)) expect(typeof v).toBe('number');
    // the same step by hand on the twin model: total is the generator loss, no λ·advG
    const opt = tf.train.adam(2e-4, 0.5, 0.999);
    const g = tf.variableGrads(
      () => tf.reshape(b.generatorLoss(batch, { step: 0 }).loss, []) as tf.Scalar,
      [b.g.enc, b.g.dec],
    );
    expect(first.losses.total).toBeCloseTo((await g.value.data())[0], 5);
    opt.applyGradients(g.grads as Parameters<typeof opt.applyGradients>[0]);
    const sa = a.snapshot();
    b.snapshot().forEach((v, i) => expectTensorsClose(v, sa[i], { atol: 1e-7, rtol: 1e-6 }));
    // D's variables and buffer were not touched
    const fresh = makeModel(7).snapshot();
    [2, 3, 4].forEach((i) => expect(sa[i]).toEqual(fresh[i]));
    tf.dispose([g.value, ...Object.values(g.grads)]);
    opt.dispose();
    // flat over several steps
    const steps = await expectNoLeak(async () => {
      const out: number[] = [];
      for (let i = 0; i < 5; i++) out.push((await t.trainStep(batch)).step);
      return out;
    });
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    expect(t.step).toBe(6);
    // checkGradients off: no gradNormG
    const t2 = genTrainerFor(b, { checkGradients: false });
    expect(Object.keys((await t2.trainStep(batch)).losses).sort()).toEqual(['kl', 'l1', 'total']);
    t2.dispose();
    // one optimizer: 2 Adam scalars + m, v per generator variable
    const before = tf.memory().numTensors;
    t.dispose();
    expect(before - tf.memory().numTensors).toBe(2 + 2 * 2);
    await expect(t.trainStep(batch)).rejects.toMatchObject({ code: 'E_ARG' });
    await expect(t.optimizerState()).rejects.toMatchObject({ code: 'E_ARG' });
    freeBatch(batch);
    a.dispose();
    b.dispose();
  });

  it('accepts a generator loss without fake, still checks a given fake, refuses a second concurrent call', async () => {
    const m = makeModel(8);
    const batch = makeBatch(80);
    const noFake = createVaeGanTrainer<Batch>({
      generatorLoss: (bt, c) => {
        const { fake: _fake, ...rest } = m.generatorLoss(bt, c);
        return rest;
      },
      generatorVars: [m.g.enc, m.g.dec],
      discriminatorVars: [],
    });
    const r = await expectNoLeak(() => noFake.trainStep(batch), { allowed: 2 * 2 }); // Adam's m and v appear on the first step
    expect(Object.keys(r.losses).sort()).toEqual(['gradNormG', 'kl', 'l1', 'total']);
    // busy guard
    const p = noFake.trainStep(batch);
    await expect(noFake.trainStep(batch)).rejects.toMatchObject({ code: 'E_ARG' });
    await expect(noFake.optimizerState()).rejects.toMatchObject({ code: 'E_ARG' });
    expect((await p).step).toBe(1);
    noFake.dispose();
    const wrongFake = createVaeGanTrainer<Batch>({
      generatorLoss: (bt, c) => ({ ...m.generatorLoss(bt, c), fake: tf.ones([N, DX + 1]) }),
      generatorVars: [m.g.enc, m.g.dec],
    });
    const n0 = tf.memory().numTensors;
    await expect(wrongFake.trainStep(batch)).rejects.toMatchObject({ code: 'E_SHAPE', details: { argument: 'fake' } });
    expect(tf.memory().numTensors).toBe(n0);
    wrongFake.dispose();
    freeBatch(batch);
    m.dispose();
  });

  it('a refused step (NaN) leaves weights, buffers, optimizer state and step unchanged', async () => {
    const m = makeModel(9);
    await expectRefusedSteps(m, genTrainerFor(m), 90, [['kl', 'kl']]);
  });

  it('optimizerState holds only generator/* and trainer/step, and round-trips', async () => {
    const a = makeModel(10);
    const ta = genTrainerFor(a);
    const batch = makeBatch(100);
    await ta.trainStep(batch);
    await ta.trainStep(batch);
    const weights = a.snapshot();
    const state = await ta.optimizerState();
    expect(Object.keys(state).sort()).toEqual([
      'generator/accBeta1',
      'generator/accBeta2',
      'generator/iter',
      'generator/slot0/0',
      'generator/slot0/1',
      'generator/slot1/0',
      'generator/slot1/1',
      'trainer/step',
    ]);
    expect(state['trainer/step'].data[0]).toBe(2);
    expect(state['generator/iter'].data[0]).toBe(2);
    const third = await ta.trainStep(batch);

    const b = makeModel(97);
    b.all.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(weights[i], v.shape))));
    const tb = genTrainerFor(b);
    const tensors = tf.memory().numTensors;
    await tb.setOptimizerState(state);
    expect(tf.memory().numTensors - tensors).toBe(2 * 2); // m and v per generator variable; nothing leaked
    expect(tb.step).toBe(2);
    const resumed = await tb.trainStep(batch);
    expect(resumed).toEqual(third);
    expect(b.snapshot()).toEqual(a.snapshot());
    // restoring again replaces (and frees) the slots
    const n2 = tf.memory().numTensors;
    await tb.setOptimizerState(state);
    expect(tf.memory().numTensors).toBe(n2);
    const wrong = {
      ...state,
      'generator/slot1/0': { dtype: 'float32' as const, shape: [2, 2], data: new Float32Array(4) },
    };
    await expect(tb.setOptimizerState(wrong)).rejects.toMatchObject({ code: 'E_CHECKPOINT' });
    ta.dispose();
    tb.dispose();
    freeBatch(batch);
    a.dispose();
    b.dispose();
  });

  it('refuses optimizer state of the other kind (with / without discriminator/* entries) with E_CHECKPOINT, changing nothing', async () => {
    const m = makeModel(11);
    const withD = trainerFor(m);
    const withoutD = genTrainerFor(m);
    const batch = makeBatch(110);
    await withD.trainStep(batch);
    await withoutD.trainStep(batch);
    await withoutD.trainStep(batch);
    const dState = await withD.optimizerState();
    const gState = await withoutD.optimizerState();
    expect(Object.keys(dState).some((k) => k.startsWith('discriminator/'))).toBe(true);
    expect(Object.keys(gState).some((k) => k.startsWith('discriminator/'))).toBe(false);
    const n0 = tf.memory().numTensors;
    // a GAN checkpoint into a generator-only trainer
    await expect(withoutD.setOptimizerState(dState)).rejects.toMatchObject({
      code: 'E_CHECKPOINT',
      details: { argument: expect.stringMatching(/^discriminator\//) },
    });
    // even a single stray discriminator entry
    await expect(
      withoutD.setOptimizerState({ ...gState, 'discriminator/slot0/0': dState['discriminator/slot0/0'] }),
    ).rejects.toMatchObject({ code: 'E_CHECKPOINT' });
    // a generator-only checkpoint into a VAE-GAN trainer
    await expect(withD.setOptimizerState(gState)).rejects.toMatchObject({
      code: 'E_CHECKPOINT',
      details: { argument: 'discriminator/iter' },
    });
    expect(tf.memory().numTensors).toBe(n0);
    expect(withoutD.step).toBe(2);
    expect(withD.step).toBe(1);
    expect(await withoutD.optimizerState()).toEqual(gState);
    expect(await withD.optimizerState()).toEqual(dState);
    withD.dispose();
    withoutD.dispose();
    freeBatch(batch);
    m.dispose();
  });
});

describe('optimizer state resumes bit for bit (Adam β products), cpu and wasm', () => {
  afterAll(() => useBackend('cpu'));

  // 8 steps straight against a run restored into a fresh model and trainer after steps 2 and 5: tfjs's
  // setWeights alone sets β^(t+1) with pow, which misses the running float32 product of β2 = 0.999 at
  // t + 1 = 3 and 6.
  async function straightAndResumed(dropAccBeta: boolean): Promise<void> {
    const batches = Array.from({ length: 8 }, (_, i) => makeBatch(200 + 10 * i));
    const a = makeModel(21);
    const ta = trainerFor(a);
    const straight = [];
    for (const b of batches) straight.push(await ta.trainStep(b));

    let m = makeModel(21);
    let t = trainerFor(m);
    const resumed = [];
    for (const [i, b] of batches.entries()) {
      if (i === 2 || i === 5) {
        const weights = m.snapshot();
        const state = await t.optimizerState();
        if (dropAccBeta) for (const k of Object.keys(state)) if (k.includes('/accBeta')) delete state[k];
        t.dispose();
        m.dispose();
        m = makeModel(50 + i);
        m.all.forEach((v, k) => tf.tidy(() => v.assign(tf.tensor(weights[k], v.shape))));
        t = trainerFor(m);
        await t.setOptimizerState(state);
      }
      resumed.push(await t.trainStep(b));
    }
    expect(resumed).toEqual(straight);
    expect(m.snapshot()).toEqual(a.snapshot());
    expect(await t.optimizerState()).toEqual(await ta.optimizerState());
    for (const x of [ta, t]) x.dispose();
    for (const x of [a, m]) x.dispose();
    batches.forEach(freeBatch);
  }

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`${backend}: restored state continues exactly as the straight run`, async () => {
      await useBackend(backend);
      await straightAndResumed(false);
    });
    it(`${backend}: state saved without accBeta* (older checkpoints) gets the running products recomputed`, async () => {
      await useBackend(backend);
      await straightAndResumed(true);
    });
  }

  it('refuses an accBeta outside [0, 1) with E_CHECKPOINT', async () => {
    const m = makeModel(22);
    const t = trainerFor(m);
    const batch = makeBatch(300);
    await t.trainStep(batch);
    const state = await t.optimizerState();
    for (const v of [NaN, 1, -0.5]) {
      const bad = {
        ...state,
        'generator/accBeta2': { dtype: 'float32' as const, shape: [], data: Float32Array.of(v) },
      };
      await expect(t.setOptimizerState(bad)).rejects.toMatchObject({
        code: 'E_CHECKPOINT',
        details: { argument: 'generator/accBeta2' },
      });
    }
    expect(await t.optimizerState()).toEqual(state);
    t.dispose();
    freeBatch(batch);
    m.dispose();
  });
});
