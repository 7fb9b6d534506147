import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, requireGradients, type NamedArray, type NamedArrays } from '@dgpose/core';
import {
  GAN_LOSS_TYPES,
  type GanLossType,
  checkFiniteLosses,
  ganDiscriminatorLoss,
  ganGeneratorLoss,
} from '@dgpose/losses';
import { fusedAdam } from './fused-adam';

/** Settings of {@link createVaeGanTrainer}. */
export interface VaeGanTrainerConfig {
  /** Adam learning rate of the generator side (encoder + decoder). Default 2e-4 (ClothNet, pix2pix). */
  generatorLearningRate: number;
  /** Adam learning rate of the discriminator (unused without one). Default 2e-4. */
  discriminatorLearningRate: number;
  /** Adam β1. Default 0.5 (ClothNet `beta1 0.5`, PG2). */
  beta1: number;
  /** Adam β2. Default 0.999. */
  beta2: number;
  /** Adversarial loss family (unused without a discriminator). Default `'bce'` (non-saturating). */
  ganLoss: GanLossType;
  /** λ_adv, weight of the generator's adversarial term (unused without a discriminator). Default 1 (ClothNet PM `gan_weight 1.0`). */
  lambdaAdv: number;
  /** One-sided label smoothing of D's real targets, [0, 1). Default 0. */
  labelSmoothing: number;
  /** Halve D's loss ½(L_real + L_fake), as PG2 `_gan_loss`. Default true. */
  halveDiscriminatorLoss: boolean;
  /**
   * Also compute each side's global gradient norm, report it (`gradNormG`, and `gradNormD` with a
   * discriminator) and refuse the step when it is not finite. Default true (one extra scalar read per side).
   */
  checkGradients: boolean;
}

export const DEFAULT_VAE_GAN_TRAINER_CONFIG: Readonly<VaeGanTrainerConfig> = Object.freeze({
  generatorLearningRate: 2e-4,
  discriminatorLearningRate: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
  ganLoss: 'bce',
  lambdaAdv: 1,
  labelSmoothing: 0,
  halveDiscriminatorLoss: true,
  checkGradients: true,
});

/** Fills defaults and validates; throws E_CONFIG naming the bad key. */
export function validateVaeGanTrainerConfig(partial: Partial<VaeGanTrainerConfig> = {}): VaeGanTrainerConfig {
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_VAE_GAN_TRAINER_CONFIG)) {
      throw new DGPoseError('E_CONFIG', `unknown trainer config key ${k}`, {
        argument: k,
        expected: Object.keys(DEFAULT_VAE_GAN_TRAINER_CONFIG),
        got: k,
      });
    }
  }
  const c = { ...DEFAULT_VAE_GAN_TRAINER_CONFIG, ...partial };
  const check = (k: keyof VaeGanTrainerConfig, ok: (v: number) => boolean, expected: string): void => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
      throw new DGPoseError('E_CONFIG', `${k} must be ${expected}`, { argument: k, expected, got: v });
  };
  check('generatorLearningRate', (v) => v > 0, '> 0');
  check('discriminatorLearningRate', (v) => v > 0, '> 0');
  check('beta1', (v) => v >= 0 && v < 1, 'in [0, 1)');
  check('beta2', (v) => v >= 0 && v < 1, 'in [0, 1)');
  check('lambdaAdv', (v) => v >= 0, '>= 0');
  check('labelSmoothing', (v) => v >= 0 && v < 1, 'in [0, 1)');
  if (!GAN_LOSS_TYPES.includes(c.ganLoss)) {
    throw new DGPoseError('E_CONFIG', 'unknown ganLoss', {
      argument: 'ganLoss',
      expected: GAN_LOSS_TYPES,
      got: c.ganLoss,
    });
  }
  if (c.ganLoss === 'hinge' && c.labelSmoothing !== 0) {
    throw new DGPoseError('E_CONFIG', 'labelSmoothing has no meaning for the hinge loss', {
      argument: 'labelSmoothing',
      expected: 0,
      got: c.labelSmoothing,
    });
  }
  for (const k of ['halveDiscriminatorLoss', 'checkGradients'] as const) {
    if (typeof c[k] !== 'boolean')
      throw new DGPoseError('E_CONFIG', `${k} must be a boolean`, {
        argument: k,
        expected: 'true or false',
        got: c[k],
      });
  }
  return c;
}

/** What the generator side computes for one batch. */
export interface VaeGanGeneratorOutput {
  /** The generator-side objective without the adversarial term, e.g. `cvaeLoss(...).loss`. */
  loss: tf.Tensor;
  /** Named scalar terms to report, e.g. `cvaeLoss(...).terms` (`{ l1, kl }`). Reported as plain numbers. */
  terms?: Record<string, tf.Tensor>;
  /**
   * The generated batch for D (e.g. the reconstruction x̂), shape of `batch.x`. Required with a
   * discriminator; without one it may be left out (when given, its shape is still checked).
   */
  fake?: tf.Tensor;
}

/** Passed to the generator loss every step. */
export interface VaeGanStepContext {
  /** Number of steps applied so far (0 on the first): use it for β schedules and per-step seeds. */
  step: number;
}

/** A training batch: `x` holds the real images; anything else (poses, heatmaps) is passed along. */
export interface VaeGanBatch {
  x: tf.Tensor;
}

/** Options of {@link createVaeGanTrainer}. */
export interface VaeGanTrainerOptions<B extends VaeGanBatch> {
  /**
   * Generator side (encoder + decoder) forward pass and objective; runs on the gradient tape of the
   * generator variables, so build everything from the networks here.
   */
  generatorLoss: (batch: B, ctx: VaeGanStepContext) => VaeGanGeneratorOutput;
  /**
   * D: images [N, ...] (+ the batch for its condition, e.g. pose heatmaps) → logits of any shape.
   * Omit it (and `discriminatorVars`) for a generator-only step: the plain (C)VAE, no adversarial term.
   */
  discriminator?: (images: tf.Tensor, batch: B) => tf.Tensor;
  /** Trainable variables of the generator side (encoder, decoder, learned prior), in a fixed order. */
  generatorVars: tf.Variable[];
  /** Trainable variables of the discriminator, in a fixed order; required with `discriminator`, omitted or `[]` without. */
  discriminatorVars?: tf.Variable[];
  /**
   * Non-trainable state written by forward passes: batch-norm running statistics (@dgpose/layers
   * `module.buffers()`, which every training-mode forward updates with `assign`). They are copied before
   * each step and restored when the step is refused (E_LOSS_NAN), so a refused step changes nothing.
   */
  stateVars?: tf.Variable[];
  /** Trainer settings (defaults {@link DEFAULT_VAE_GAN_TRAINER_CONFIG}). */
  config?: Partial<VaeGanTrainerConfig>;
}

/**
 * The named terms of one step, as plain numbers:
 * - the generator's own terms (`VaeGanGeneratorOutput.terms`), e.g. `kl`, `l1`;
 * - `advG`: generator adversarial loss on D(fake), unweighted (only with a discriminator);
 * - `advD`: discriminator loss, halved when configured (only with a discriminator);
 * - `total`: the generator-side total, loss + λ_adv·advG (loss alone without a discriminator);
 * - `gradNormG`, `gradNormD`: each side's global gradient norm (with `checkGradients`; `gradNormD` only
 *   with a discriminator).
 */
export interface VaeGanStepLosses {
  [term: string]: number;
  /** Generator-side total: loss + λ_adv·advG (loss alone without a discriminator). */
  total: number;
}

/** What one `trainStep` resolves to: the step's index and its losses, kept apart. */
export interface VaeGanStepResult {
  /** The index of the step this result belongs to (0 for the first; `trainer.step` is one more after it). */
  step: number;
  /** The named terms of the step (see {@link VaeGanStepLosses}). */
  losses: VaeGanStepLosses;
}

/** The trainer returned by {@link createVaeGanTrainer}. */
export interface VaeGanTrainer<B extends VaeGanBatch> {
  readonly config: Readonly<VaeGanTrainerConfig>;
  /** Whether a discriminator is trained (false: generator-only step). */
  readonly hasDiscriminator: boolean;
  /** Steps applied so far. */
  readonly step: number;
  /**
   * One update: G and D simultaneously from the same forward pass (or G alone without a discriminator);
   * resolves to `{ step, losses }` in plain numbers; every tensor of the step is freed.
   */
  trainStep(batch: B): Promise<VaeGanStepResult>;
  /**
   * The optimizers' state as plain arrays for a checkpoint: `generator/iter`, `generator/slot<s>/<i>`
   * (slot s of Adam is m then v; i indexes `generatorVars`), `generator/accBeta1` and
   * `generator/accBeta2` (Adam's running β1^(t+1), β2^(t+1), so that a restored run continues bit for
   * bit), the same for `discriminator/` (only with a discriminator), and `trainer/step`.
   */
  optimizerState(): Promise<NamedArrays>;
  /**
   * Restores {@link optimizerState}; E_CHECKPOINT when names, counts or shapes do not fit the variables,
   * when `discriminator/*` entries come to a trainer without a discriminator, or lack for one with.
   * State without `<side>/accBeta*` (saved by an older version) gets the running products recomputed
   * from `iter` in float32, as training reaches them.
   */
  setOptimizerState(state: NamedArrays): Promise<void>;
  /** Frees the optimizers and their state (the networks' variables belong to the caller). */
  dispose(): void;
}

type Side = 'generator' | 'discriminator';

const RESERVED = ['advG', 'advD', 'total', 'gradNormG', 'gradNormD'];

function trainableList(name: string, vars: tf.Variable[] | undefined): tf.Variable[] {
  if (!Array.isArray(vars) || vars.length === 0 || !vars.every((v) => v instanceof tf.Variable)) {
    throw new DGPoseError('E_ARG', `${name} must be a non-empty array of tf.Variable`, {
      argument: name,
      expected: 'tf.Variable[] (length >= 1)',
      got: Array.isArray(vars) ? vars.map((v) => (v instanceof tf.Variable ? 'Variable' : typeof v)) : typeof vars,
    });
  }
  const out = vars.filter((v) => v.trainable);
  if (out.length === 0)
    throw new DGPoseError('E_ARG', `${name} has no trainable variable`, {
      argument: name,
      expected: 'at least one trainable variable',
      got: `${vars.length} non-trainable`,
    });
  return out;
}

/**
 * tf.variableGrads that survives a throw inside `f`: a throw there would leave the tensors the tape saved
 * for backprop alive forever (tfjs frees them only at the end of a backward pass). So the error is caught,
 * a zero scalar connected to every variable stands in for the loss, the backward pass runs and frees the
 * tape, and the caller rethrows `error` after disposing `value` and `grads`.
 */
function guardedGrads(
  f: () => tf.Scalar,
  varList: tf.Variable[],
): { value: tf.Scalar; grads: tf.NamedTensorMap; error: unknown } {
  let error: unknown = null;
  const r = tf.variableGrads(() => {
    try {
      return f();
    } catch (e) {
      error = e;
      return tf.mul(tf.addN(varList.map((v) => tf.sum(v))), 0) as tf.Scalar;
    }
  }, varList);
  return { value: r.value, grads: r.grads, error };
}

/** Sum of squares of every gradient, as a scalar (call inside a tidy). */
function sumSquares(grads: tf.Tensor[]): tf.Tensor {
  return tf.addN(grads.map((g) => tf.sum(tf.square(g))));
}

/**
 * Assembles a VAE-GAN training step (Larsen et al. 2016; Conditional-DGPose, docs/paper-notes.md §4.3) from a
 * generator-side objective and a discriminator, with separate variable lists and two Adam optimisers; or,
 * without a discriminator, the generator-only step of the plain (C)VAE with one Adam optimiser and the
 * same guarantees.
 *
 * One `trainStep(batch)`:
 * 1. G side, on the tape of `generatorVars`: `out = generatorLoss(batch)`, `advG = ganGeneratorLoss(D(out.fake))`,
 *    `total = out.loss + λ_adv·advG`; gradients w.r.t. the generator variables only.
 *    Without a discriminator: `total = out.loss` (no `advG`).
 * 2. D side (skipped without a discriminator): the fake batch `out.fake` is a plain tensor computed
 *    OUTSIDE D's loss closure (no gradient can reach G through it); `advD = ganDiscriminatorLoss(D(x), D(fake))`
 *    (halved, PG2); gradients w.r.t. the discriminator variables only.
 * 3. Every term (and, with `checkGradients`, each side's gradient norm) is read; a NaN/±Inf throws
 *    `DGPoseError('E_LOSS_NAN')` naming the term BEFORE any update, and `stateVars` are restored.
 * 4. The optimisers apply their gradients (with D, a simultaneous update from the same forward pass:
 *    D's step uses the fake of the G that existed before this step, G's step the D before this step).
 * 5. Resolves to `{ step, losses }`: the index of this step and the plain numbers of step 3.
 * Batch norm: with @dgpose/layers, each training-mode forward updates its running statistics (so D's
 * count three per step: on the fake in 1, on the real and the fake in 2); pass `module.buffers()` as
 * `stateVars` so that a refused step restores them.
 * Optimizer state: `generator/*`, `discriminator/*` (only with a discriminator) and `trainer/step`; a
 * trainer refuses (E_CHECKPOINT) state written by one with the other shape.
 */
export function createVaeGanTrainer<B extends VaeGanBatch>(opts: VaeGanTrainerOptions<B>): VaeGanTrainer<B> {
  const config = validateVaeGanTrainerConfig(opts.config);
  if (typeof opts.generatorLoss !== 'function')
    throw new DGPoseError('E_ARG', 'generatorLoss must be a function', {
      argument: 'generatorLoss',
      expected: 'a function',
      got: typeof opts.generatorLoss,
    });
  const discriminator = opts.discriminator ?? null;
  if (discriminator !== null && typeof discriminator !== 'function') {
    throw new DGPoseError('E_ARG', 'discriminator must be a function (or omitted for a generator-only step)', {
      argument: 'discriminator',
      expected: 'a function',
      got: typeof discriminator,
    });
  }
  if (
    discriminator === null &&
    opts.discriminatorVars != null &&
    (!Array.isArray(opts.discriminatorVars) || opts.discriminatorVars.length > 0)
  ) {
    throw new DGPoseError('E_ARG', 'discriminatorVars given without a discriminator', {
      argument: 'discriminatorVars',
      expected: 'omitted or [] without a discriminator',
      got: Array.isArray(opts.discriminatorVars)
        ? `${opts.discriminatorVars.length} variables`
        : typeof opts.discriminatorVars,
    });
  }
  const sides: readonly Side[] = discriminator ? ['generator', 'discriminator'] : ['generator'];
  const vars: Record<Side, tf.Variable[]> = {
    generator: trainableList('generatorVars', opts.generatorVars),
    discriminator: discriminator ? trainableList('discriminatorVars', opts.discriminatorVars) : [],
  };
  const gNames = new Set(vars.generator.map((v) => v.name));
  const shared = vars.discriminator.find((v) => gNames.has(v.name));
  if (shared)
    throw new DGPoseError('E_ARG', `variable ${shared.name} is in both generatorVars and discriminatorVars`, {
      argument: shared.name,
    });
  const stateVars = opts.stateVars ?? [];
  const optimizers: Partial<Record<Side, tf.Optimizer>> = {
    generator: fusedAdam(config.generatorLearningRate, config.beta1, config.beta2),
  };
  // tf.train.adam, bit for bit, with one kernel per variable (fused-adam.ts)
  if (discriminator) optimizers.discriminator = fusedAdam(config.discriminatorLearningRate, config.beta1, config.beta2);
  const optimizerOf = (side: Side): tf.Optimizer => optimizers[side] as tf.Optimizer;
  let step = 0;
  let busy = false;
  let disposed = false;

  const assertUsable = (): void => {
    if (disposed) throw new DGPoseError('E_ARG', 'the trainer was disposed', { argument: 'trainer' });
    if (busy)
      throw new DGPoseError('E_ARG', 'another trainStep/optimizer call is still running; await it first', {
        argument: 'trainer',
      });
  };

  /** Gradients in `vars[side]` order; E_ARG naming a variable the loss does not reach. */
  const orderedGrads = (side: Side, grads: tf.NamedTensorMap): tf.Tensor[] =>
    vars[side].map((v) => {
      const g = grads[v.name];
      if (g == null) {
        throw new DGPoseError('E_ARG', `${side} variable ${v.name} gets no gradient from its loss`, {
          argument: v.name,
          expected: 'every listed variable to affect the loss',
        });
      }
      return g;
    });

  async function trainStep(batch: B): Promise<VaeGanStepResult> {
    requireGradients(tf, 'a training step');
    assertUsable();
    if (!batch || !(batch.x instanceof tf.Tensor))
      throw new DGPoseError('E_ARG', 'batch.x must be a tensor of real images', {
        argument: 'batch.x',
        expected: 'a tf.Tensor',
        got: batch ? typeof batch.x : String(batch),
      });
    busy = true;
    const live: tf.Tensor[] = [];
    const snapshots = stateVars.map((v) => tf.clone(v));
    let applied = false;
    try {
      const ctx: VaeGanStepContext = { step };
      const named: [string, tf.Tensor][] = [];
      let fake: tf.Tensor | null = null;
      // 1. generator side
      const g = guardedGrads(() => {
        const out = opts.generatorLoss(batch, ctx);
        const fakeOk = out && (out.fake instanceof tf.Tensor || (discriminator === null && out.fake === undefined));
        if (!out || !(out.loss instanceof tf.Tensor) || !fakeOk) {
          throw new DGPoseError(
            'E_ARG',
            discriminator
              ? 'generatorLoss must return { loss, fake } tensors'
              : 'generatorLoss must return { loss } (and optionally fake) as tensors',
            {
              argument: 'generatorLoss',
              expected: discriminator
                ? '{ loss: tf.Tensor, fake: tf.Tensor }'
                : '{ loss: tf.Tensor, fake?: tf.Tensor }',
              got: out ? { loss: typeof out.loss, fake: typeof out.fake } : String(out),
            },
          );
        }
        if (out.loss.size !== 1) {
          throw new DGPoseError('E_SHAPE', 'generatorLoss must return a scalar loss', {
            argument: 'loss',
            expected: [],
            got: [...out.loss.shape],
          });
        }
        if (out.fake && out.fake.shape.join() !== batch.x.shape.join()) {
          throw new DGPoseError('E_SHAPE', 'the fake batch must have the shape of batch.x', {
            argument: 'fake',
            expected: [...batch.x.shape],
            got: [...out.fake.shape],
          });
        }
        const advG = discriminator
          ? ganGeneratorLoss(discriminator(out.fake as tf.Tensor, batch), { type: config.ganLoss })
          : null;
        for (const [k, t] of Object.entries(out.terms ?? {})) {
          if (RESERVED.includes(k))
            throw new DGPoseError('E_ARG', `generator term name ${k} is reserved`, {
              argument: k,
              expected: `not one of ${RESERVED.join(', ')}`,
            });
          if (!(t instanceof tf.Tensor))
            throw new DGPoseError('E_ARG', `generator term ${k} must be a tensor`, {
              argument: k,
              expected: 'a tf.Tensor',
              got: typeof t,
            });
          // Kept past the tape's tidy; `live` frees them whatever happens next.
          named.push([k, tf.keep(t)]);
          live.push(t);
        }
        const loss = tf.reshape(out.loss, []) as tf.Scalar;
        if (advG === null) return loss;
        fake = tf.keep(out.fake as tf.Tensor);
        live.push(fake);
        named.push(['advG', tf.keep(advG)]);
        live.push(advG);
        return tf.add(loss, tf.mul(advG, config.lambdaAdv)) as tf.Scalar;
      }, vars.generator);
      live.push(g.value, ...Object.values(g.grads).filter((t): t is tf.Tensor => t != null));
      if (g.error !== null) throw g.error;
      const grads: Partial<Record<Side, { map: tf.NamedTensorMap; list: tf.Tensor[] }>> = {
        generator: { map: g.grads, list: orderedGrads('generator', g.grads) },
      };

      // 2. discriminator side: `fake` is already computed, outside this closure
      if (discriminator) {
        const fakeForD = fake as unknown as tf.Tensor;
        const d = guardedGrads(
          () =>
            ganDiscriminatorLoss(discriminator(batch.x, batch), discriminator(fakeForD, batch), {
              type: config.ganLoss,
              labelSmoothing: config.labelSmoothing,
              halve: config.halveDiscriminatorLoss,
            }) as tf.Scalar,
          vars.discriminator,
        );
        live.push(d.value, ...Object.values(d.grads).filter((t): t is tf.Tensor => t != null));
        if (d.error !== null) throw d.error;
        grads.discriminator = { map: d.grads, list: orderedGrads('discriminator', d.grads) };
        named.push(['advD', d.value]);
      }
      named.push(['total', g.value]);
      if (config.checkGradients) {
        const norms = tf.tidy(() => sides.map((side) => tf.sqrt(sumSquares(grads[side]?.list ?? []))));
        live.push(...norms);
        sides.forEach((side, i) => named.push([side === 'generator' ? 'gradNormG' : 'gradNormD', norms[i]]));
      }

      // 3. read and check every term before touching any weight
      const values = await Promise.all(named.map(([, t]) => t.data()));
      const losses: Record<string, number> = {};
      named.forEach(([k, t], i) => {
        if (t.size !== 1)
          throw new DGPoseError('E_SHAPE', `loss term ${k} must be a scalar`, {
            argument: k,
            expected: [],
            got: [...t.shape],
          });
        losses[k] = values[i][0];
      });
      checkFiniteLosses(losses);

      // 4. apply the update(s)
      for (const side of sides) optimizerOf(side).applyGradients(grads[side]?.map as tf.NamedTensorMap);
      applied = true;
      const result: VaeGanStepResult = { step, losses: losses as VaeGanStepLosses };
      step += 1;
      return result;
    } finally {
      if (!applied) stateVars.forEach((v, i) => v.assign(snapshots[i]));
      tf.dispose(snapshots);
      tf.dispose(live);
      busy = false;
    }
  }

  /**
   * Adam's bias-correction products β1^(t+1), β2^(t+1). tfjs keeps them as variables that
   * `applyGradients` multiplies by β once per step, but its `setWeights` recomputes them as
   * `pow(β, t+1)`, which differs from the running float32 product in the last bits (β2 = 0.999: at
   * t = 3 and 6). A resumed run must continue from the exact values, so they are saved and restored
   * here (tfjs does not expose them: private fields of AdamOptimizer, checked on use).
   */
  function accBetas(side: Side): [tf.Variable, tf.Variable] {
    const o = optimizerOf(side) as unknown as { accBeta1?: unknown; accBeta2?: unknown };
    if (!(o.accBeta1 instanceof tf.Variable) || !(o.accBeta2 instanceof tf.Variable)) {
      throw new DGPoseError(
        'E_ARG',
        `the ${side} optimizer has no accBeta1/accBeta2 variables (tfjs AdamOptimizer changed?)`,
        {
          argument: `${side} optimizer`,
          expected: 'tfjs AdamOptimizer with accBeta1, accBeta2',
          got: Object.keys(o).join(', '),
        },
      );
    }
    return [o.accBeta1, o.accBeta2];
  }

  /**
   * β^(iter+1) as `applyGradients` reaches it: the float32 scalar β multiplied in step by step, each
   * product rounded to float32 (what every IEEE backend's `mul` does). For state saved before the
   * exact values were (checkpoints without `<side>/accBeta1`).
   */
  function runningBetaProduct(beta: number, iter: number): number {
    const b = Math.fround(beta);
    let acc = b;
    for (let t = 0; t < iter; t++) {
      const next = Math.fround(acc * b);
      if (next === acc) break; // a fixed point (0 after underflow, or β rounded to 1): a huge iter ends here
      acc = next;
    }
    return acc;
  }

  async function optimizerState(): Promise<NamedArrays> {
    assertUsable();
    busy = true;
    try {
      const out: NamedArrays = {};
      for (const side of sides) {
        const weights = await optimizerOf(side).getWeights();
        // getWeights returns a fresh `iter` scalar and the optimizer's own slot variables: free only the former.
        const [iter, ...slots] = weights;
        try {
          out[`${side}/iter`] = { dtype: 'int32', shape: [], data: Int32Array.from(await iter.tensor.data()) };
        } finally {
          iter.tensor.dispose();
        }
        const n = vars[side].length;
        for (let k = 0; k < slots.length; k++) {
          const s = Math.floor(k / n);
          const i = k % n;
          const t = slots[k].tensor;
          out[`${side}/slot${s}/${i}`] = {
            dtype: 'float32',
            shape: [...t.shape],
            data: Float32Array.from(await t.data()),
          };
        }
        const [b1, b2] = accBetas(side);
        out[`${side}/accBeta1`] = { dtype: 'float32', shape: [], data: Float32Array.from(await b1.data()) };
        out[`${side}/accBeta2`] = { dtype: 'float32', shape: [], data: Float32Array.from(await b2.data()) };
      }
      out['trainer/step'] = { dtype: 'int32', shape: [], data: Int32Array.of(step) };
      return out;
    } finally {
      busy = false;
    }
  }

  async function setOptimizerState(state: NamedArrays): Promise<void> {
    assertUsable();
    const bad = (message: string, argument: string, expected?: unknown, got?: unknown): never => {
      throw new DGPoseError('E_CHECKPOINT', message, { argument, expected, got });
    };
    if (!state || typeof state !== 'object')
      bad('optimizer state must be NamedArrays', 'state', 'NamedArrays', typeof state);
    // Validate everything before changing anything.
    if (!discriminator) {
      const dKey = Object.keys(state).find((k) => k.startsWith('discriminator/'));
      if (dKey !== undefined)
        bad(
          `optimizer state has a discriminator (${dKey}) but this trainer has none`,
          dKey,
          'no discriminator/* entries',
          'discriminator state',
        );
    }
    const plan: Partial<Record<Side, { iter: number; slots: NamedArray[][]; accBeta: [number, number] }>> = {};
    for (const side of sides) {
      const iter = state[`${side}/iter`];
      if (!iter || iter.data.length !== 1)
        bad(
          `optimizer state lacks ${side}/iter`,
          `${side}/iter`,
          side === 'discriminator' ? 'the state of a trainer with a discriminator' : undefined,
        );
      const slots: NamedArray[][] = [];
      for (let s = 0; state[`${side}/slot${s}/0`] !== undefined; s++) {
        const row: NamedArray[] = [];
        vars[side].forEach((v, i) => {
          const a = state[`${side}/slot${s}/${i}`];
          if (!a) bad(`optimizer state lacks ${side}/slot${s}/${i}`, `${side}/slot${s}/${i}`, [...v.shape], 'nothing');
          if (a.shape.join() !== v.shape.join() || a.data.length !== v.size) {
            bad(
              `optimizer state ${side}/slot${s}/${i} does not fit variable ${v.name}`,
              `${side}/slot${s}/${i}`,
              [...v.shape],
              a.shape,
            );
          }
          row.push(a);
        });
        if (state[`${side}/slot${s}/${vars[side].length}`] !== undefined) {
          bad(
            `optimizer state has more ${side} variables than the trainer`,
            `${side}/slot${s}/${vars[side].length}`,
            vars[side].length,
          );
        }
        slots.push(row);
      }
      const saved = [state[`${side}/accBeta1`], state[`${side}/accBeta2`]];
      const accBeta = saved.map((a, k) => {
        const name = `${side}/accBeta${k + 1}`;
        const beta = k === 0 ? config.beta1 : config.beta2;
        if (a === undefined) return runningBetaProduct(beta, iter.data[0]);
        // β^(t+1) of a β in [0, 1): a finite number in [0, 1)
        if (a.data.length !== 1 || !(a.data[0] >= 0 && a.data[0] < 1))
          bad(
            `optimizer state ${name} must be one number in [0, 1)`,
            name,
            'a scalar in [0, 1)',
            Array.from(a.data.slice(0, 4)),
          );
        return a.data[0];
      }) as [number, number];
      plan[side] = { iter: iter.data[0], slots, accBeta };
    }
    const stepArr = state['trainer/step'];
    if (!stepArr || stepArr.data.length !== 1) bad('optimizer state lacks trainer/step', 'trainer/step');
    busy = true;
    try {
      for (const side of sides) {
        const { iter, slots, accBeta } = plan[side] as {
          iter: number;
          slots: NamedArray[][];
          accBeta: [number, number];
        };
        const old = await optimizerOf(side).getWeights();
        old[0].tensor.dispose();
        const incoming: { name: string; tensor: tf.Tensor }[] = [{ name: 'iter', tensor: tf.scalar(iter, 'int32') }];
        slots.forEach((row, s) =>
          row.forEach((a, i) =>
            incoming.push({ name: `${vars[side][i].name}/slot${s}`, tensor: tf.tensor(a.data, a.shape, 'float32') }),
          ),
        );
        try {
          await optimizerOf(side).setWeights(incoming);
        } finally {
          tf.dispose(incoming.map((w) => w.tensor));
        }
        // tfjs optimizers replace their slot variables without freeing the old ones.
        tf.dispose(old.slice(1).map((w) => w.tensor));
        // after setWeights, which set them to pow(β, iter + 1): the exact running products
        accBetas(side).forEach((v, k) => tf.tidy(() => v.assign(tf.scalar(accBeta[k], 'float32'))));
      }
      step = stepArr.data[0];
    } finally {
      busy = false;
    }
  }

  return {
    config,
    hasDiscriminator: discriminator !== null,
    get step() {
      return step;
    },
    trainStep,
    optimizerState,
    setOptimizerState,
    dispose() {
      if (disposed) return;
      for (const side of sides) optimizerOf(side).dispose();
      disposed = true;
    },
  };
}
