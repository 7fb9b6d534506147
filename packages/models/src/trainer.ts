/*
 * The generator-only training step, used when lossWeights.adv = 0 (no discriminator): one Adam optimiser
 * over the generator variables, with the same contract as @dgpose/objectives' VAE-GAN trainer (plain
 * numbers out, every term checked before any update, batch-norm buffers restored on a refused step,
 * optimizer state as `generator/iter`, `generator/slot<s>/<i>`, `trainer/step`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, type NamedArrays } from '@dgpose/core';
import { checkFiniteLosses } from '@dgpose/losses';
import type { VaeGanBatch, VaeGanGeneratorOutput, VaeGanStepContext } from '@dgpose/objectives';

/** What the models need of a trainer (both the VAE-GAN trainer and this one fit). */
export interface StepTrainer<B extends VaeGanBatch> {
  readonly step: number;
  trainStep(batch: B): Promise<Record<string, number>>;
  optimizerState(): Promise<NamedArrays>;
  setOptimizerState(state: NamedArrays): Promise<void>;
  dispose(): void;
}

export function createGeneratorTrainer<B extends VaeGanBatch>(opts: {
  generatorLoss: (batch: B, ctx: VaeGanStepContext) => VaeGanGeneratorOutput;
  generatorVars: tf.Variable[];
  stateVars: tf.Variable[];
  lr: number;
  beta1: number;
  beta2: number;
}): StepTrainer<B> {
  const vars = opts.generatorVars.filter((v) => v.trainable);
  const optimizer = tf.train.adam(opts.lr, opts.beta1, opts.beta2);
  let step = 0;
  let busy = false;
  const guard = (): void => {
    if (busy) throw new DGPoseError('E_ARG', 'another trainStep is still running; await it first', { argument: 'model' });
  };

  return {
    get step() {
      return step;
    },
    async trainStep(batch: B) {
      guard();
      busy = true;
      const live: tf.Tensor[] = [];
      const snapshots = opts.stateVars.map((v) => tf.clone(v));
      let applied = false;
      try {
        const named: [string, tf.Tensor][] = [];
        const g = tf.variableGrads(() => {
          const out = opts.generatorLoss(batch, { step });
          for (const [k, t] of Object.entries(out.terms ?? {})) {
            named.push([k, tf.keep(t)]);
            live.push(t);
          }
          return tf.reshape(out.loss, []) as tf.Scalar;
        }, vars);
        live.push(g.value, ...Object.values(g.grads));
        const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(g.grads).map((t) => tf.sum(tf.square(t))))));
        live.push(norm);
        named.push(['total', g.value], ['gradNormG', norm]);
        const values = await Promise.all(named.map(([, t]) => t.data()));
        const record: Record<string, number> = {};
        named.forEach(([k], i) => (record[k] = values[i][0]));
        checkFiniteLosses(record);
        optimizer.applyGradients(g.grads as never);
        applied = true;
        const result = { ...record, step };
        step += 1;
        return result;
      } finally {
        if (!applied) opts.stateVars.forEach((v, i) => v.assign(snapshots[i]));
        tf.dispose(snapshots);
        tf.dispose(live);
        busy = false;
      }
    },
    async optimizerState() {
      guard();
      const out: NamedArrays = {};
      const [iter, ...slots] = await optimizer.getWeights();
      try {
        out['generator/iter'] = { dtype: 'int32', shape: [], data: Int32Array.from(await iter.tensor.data()) };
      } finally {
        iter.tensor.dispose();
      }
      const n = vars.length;
      for (let k = 0; k < slots.length; k++) {
        const t = slots[k].tensor;
        out[`generator/slot${Math.floor(k / n)}/${k % n}`] = { dtype: 'float32', shape: [...t.shape], data: Float32Array.from(await t.data()) };
      }
      out['trainer/step'] = { dtype: 'int32', shape: [], data: Int32Array.of(step) };
      return out;
    },
    async setOptimizerState(state: NamedArrays) {
      guard();
      const bad = (message: string, argument: string, expected?: unknown, got?: unknown): never => {
        throw new DGPoseError('E_CHECKPOINT', message, { argument, expected, got });
      };
      const iter = state['generator/iter'];
      if (!iter || iter.data.length !== 1) bad('optimizer state lacks generator/iter', 'generator/iter');
      if (state['discriminator/iter'] !== undefined) bad('optimizer state has a discriminator but this model has none', 'discriminator/iter', 'none', 'present');
      const stepArr = state['trainer/step'];
      if (!stepArr || stepArr.data.length !== 1) bad('optimizer state lacks trainer/step', 'trainer/step');
      const incoming: { name: string; tensor: tf.Tensor }[] = [];
      for (let s = 0; state[`generator/slot${s}/0`] !== undefined; s++) {
        vars.forEach((v, i) => {
          const a = state[`generator/slot${s}/${i}`];
          if (!a || a.shape.join() !== v.shape.join()) bad(`optimizer state generator/slot${s}/${i} does not fit ${v.name}`, `generator/slot${s}/${i}`, [...v.shape], a?.shape);
        });
        if (state[`generator/slot${s}/${vars.length}`] !== undefined) bad('optimizer state has more variables than the model', `generator/slot${s}/${vars.length}`, vars.length);
      }
      for (let s = 0; state[`generator/slot${s}/0`] !== undefined; s++) {
        vars.forEach((v, i) => {
          const a = state[`generator/slot${s}/${i}`];
          incoming.push({ name: `${v.name}/slot${s}`, tensor: tf.tensor(a.data, a.shape, 'float32') });
        });
      }
      incoming.unshift({ name: 'iter', tensor: tf.scalar(iter.data[0], 'int32') });
      busy = true;
      try {
        const old = await optimizer.getWeights();
        old[0].tensor.dispose();
        await optimizer.setWeights(incoming);
        tf.dispose(old.slice(1).map((w) => w.tensor));
        step = stepArr.data[0];
      } finally {
        tf.dispose(incoming.map((w) => w.tensor));
        busy = false;
      }
    },
    dispose() {
      optimizer.dispose();
    },
  };
}
