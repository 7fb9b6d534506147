/*
 * The part of a DGPose model below the task-level verbs (model.ts): the networks and their training step
 * (@dgpose/objectives' VAE-GAN trainer), the pose maps every network reads, the tensor-level encode/decode,
 * and state and weights (model-weights.ts). The networks are in generator-net.ts, their fast eval-mode form
 * in frozen.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DGPoseError,
  type NamedArrays,
  type WeightsManifest,
  createRng,
  encodeWeights,
  getSkeleton,
} from '@dgpose/core';
import { limbMaps } from '@dgpose/mapper';
import {
  type VaeGanBatch,
  type VaeGanGeneratorOutput,
  type VaeGanStepContext,
  type VaeGanTrainer,
  createVaeGanTrainer,
  linearWarmup,
} from '@dgpose/objectives';
import { MODEL_FORMAT_VERSION, numScales } from './config';
import { type Gaussian, PatchDiscriminator, partChannels } from './networks';
import { GeneratorNet } from './generator-net';
import { FrozenGenerator } from './frozen';
import { poseMapsKernel } from './pose-maps-kernel';
import { checkImagesTensor, checkPoseTensors, checkTrainBatch } from './tensor-checks';
import { type ModelExtras, type WeightParts, loadModelArrays, modelArrays } from './model-weights';
import type { ConditionalConfig, ModelKind, ModelWeightsKind, StepLosses, TrainBatch, TrainStepResult } from './types';

export interface InternalBatch extends VaeGanBatch {
  x: tf.Tensor4D;
  /** D's pose condition for this batch (set before D runs). */
  heat: tf.Tensor4D | null;
}

/** Seed of the reparameterisation noise of a step (deterministic per config.seed and step). */
export function stepSeed(seed: number, step: number, salt = 0): number {
  return ((seed * 1000003 + step * 7919 + salt * 104729) % 2147483629) + 1;
}

export abstract class ModelCore<C extends ConditionalConfig> {
  abstract readonly kind: ModelKind;
  abstract readonly weightsKind: ModelWeightsKind;
  readonly config: C;
  readonly joints: number;
  readonly net: GeneratorNet;
  readonly disc: PatchDiscriminator | null;
  protected trainer!: VaeGanTrainer<InternalBatch>;
  /** Weights beyond the networks (set by a subclass; none for Conditional-DGPose). */
  protected extras: ModelExtras | null = null;
  protected readonly klSchedule: (step: number) => number;
  private disposed = false;
  /** The generator's fast eval-mode form (frozen.ts), kept current with the weights; null: module calls. */
  private readonly frozen: FrozenGenerator | null;

  /** `discriminator: false` builds none whatever lossWeights.adv says (Semi's supervised-only baseline). */
  protected constructor(config: C, opts: { poseLogvarMin?: number; discriminator?: boolean }) {
    this.config = config;
    this.joints = getSkeleton(config.skeleton).joints.length;
    this.net = new GeneratorNet(config, this.joints, opts);
    this.disc =
      opts.discriminator !== false && config.lossWeights.adv > 0
        ? new PatchDiscriminator(this.joints + partChannels(config), config.discriminator, createRng(config.seed + 1))
        : null;
    this.klSchedule = config.klWarmupSteps > 0 ? linearWarmup({ from: 0, to: 1, end: config.klWarmupSteps }) : () => 1;
    // prepared now, not at the first verb: a verb then makes and frees as many tensors as it holds
    this.frozen = FrozenGenerator.create(this.net, config);
  }

  /**
   * The inference forms of the generator (eval mode only): q(z|x,y), p(x|z,y), p(z|y), through the frozen
   * generator (folded norms, prepared filters) where it applies, else the modules. Call inside withEval + tidy.
   */
  protected get infer(): {
    encode: (x: tf.Tensor, heat: tf.Tensor) => Gaussian;
    decode: (z: tf.Tensor, heat: tf.Tensor) => tf.Tensor4D;
    priorParams: (heat: tf.Tensor, n: number, d: number) => Gaussian;
  } {
    const f = this.frozen;
    const net = this.net;
    if (f)
      return {
        encode: (x, heat) => f.encode(x, heat),
        decode: (z, heat) => f.decode(z, heat),
        priorParams: (heat, n, d) => f.priorParams(heat, n, d),
      };
    return {
      encode: (x, heat) => net.appearanceEncoder.call({ x, heat }),
      decode: (z, heat) => net.call({ z, heat }),
      priorParams: (heat, n, d) => net.priorParams(heat, n, d),
    };
  }

  /**
   * Called by subclasses once their own parts exist. One trainer for both cases (@dgpose/objectives'
   * createVaeGanTrainer): with a discriminator (lossWeights.adv > 0) the VAE-GAN step, G and D updated
   * simultaneously from the same forward pass; without one the generator-only step. `vars` narrows what
   * the step optimises (default: every generator parameter, every buffer).
   */
  protected initTrainer(
    generatorLoss: (b: InternalBatch, ctx: VaeGanStepContext) => VaeGanGeneratorOutput,
    vars?: { generatorVars: tf.Variable[]; stateVars: tf.Variable[] },
  ): void {
    const c = this.config;
    const disc = this.disc;
    this.trainer = createVaeGanTrainer<InternalBatch>({
      generatorLoss,
      ...(disc
        ? {
            discriminator: (images: tf.Tensor, b: InternalBatch) => {
              if (!b.heat)
                throw new DGPoseError('E_ARG', 'internal: the discriminator has no pose condition', {
                  argument: 'heat',
                });
              return disc.call({ x: images, heat: b.heat });
            },
            discriminatorVars: disc.parameters(),
          }
        : {}),
      generatorVars: vars?.generatorVars ?? this.net.parameters(),
      stateVars: vars?.stateVars ?? [...this.net.buffers(), ...(disc?.buffers() ?? [])],
      config: {
        generatorLearningRate: c.lr,
        discriminatorLearningRate: c.lrD,
        beta1: c.beta1,
        beta2: c.beta2,
        lambdaAdv: c.lossWeights.adv,
      },
    });
  }

  get step(): number {
    return this.trainer.step;
  }

  get imageSize(): number {
    return this.config.imageSize;
  }

  protected assertLive(): void {
    if (this.disposed) throw new DGPoseError('E_ARG', 'the model was disposed', { argument: 'model' });
  }

  /**
   * PG2's pose-mask L1 (Ma et al. 2017, `trainer256.py`): mean over pixels and batch of |x − x̂| · M, with M the
   * person mask of the pose, max over the P part masks at the end of the pose maps `heat` (partAppearance).
   * The person covers ~15 % of a synthetic image, so the plain L1 is mostly background. Scalar; call in a tidy.
   */
  protected poseMaskL1(x: tf.Tensor, xHat: tf.Tensor, heat: tf.Tensor4D): tf.Tensor {
    const p = partChannels(this.config);
    const [n, h, w, c] = heat.shape;
    const mask = tf.max(tf.slice(heat, [0, 0, 0, c - p], [n, h, w, p]), 3, true);
    return tf.mean(tf.mul(tf.abs(tf.sub(x, xHat)), mask));
  }

  /** KL weight β(t) = lossWeights.kl · warm-up(t). */
  klWeight(step: number): number {
    return this.config.lossWeights.kl * this.klSchedule(step);
  }

  // ------------------------------------------------------------------ pose → heatmaps

  /** Normalised coords [B,2J] (+ visible [B,J], null = all) → joint heatmaps [B,S,S,J] in [0,1]; differentiable. */
  protected abstract jointHeatmaps(coords: tf.Tensor2D, visible: tf.Tensor2D | null): tf.Tensor4D;

  /**
   * The pose maps every network reads: the J joint heatmaps, then (partAppearance) the P body-part masks
   * of @dgpose/mapper's limbMaps, [B,S,S,J(+P)] in [0,1]; differentiable in the coords.
   */
  heatmaps(coords: tf.Tensor2D, visible: tf.Tensor2D | null): tf.Tensor4D {
    if (!this.config.partAppearance) return this.jointHeatmaps(coords, visible);
    const S = this.config.imageSize;
    return tf.tidy(
      () =>
        tf.concat(
          [
            this.jointHeatmaps(coords, visible),
            limbMaps(coords, visible, { width: S, height: S, joints: this.joints }),
          ],
          3,
        ) as tf.Tensor4D,
    );
  }

  /**
   * σ (px) when the joint heatmaps are mapper's analytic Gaussians (Conditional): the verbs then draw the pose
   * maps in plain JS from their plain poses (pose-maps-array.ts, 4x faster on wasm), the tensor-level calls
   * by one kernel (inferenceHeatmaps). null: tensor ops.
   */
  protected gaussianJointSigma(): number | null {
    return null;
  }

  /**
   * heatmaps() at inference (no gradient asked of the kernel path): where the joint maps are analytic
   * Gaussians (Conditional), one DGPosePoseMaps kernel on cpu and wasm (pose-maps-kernel.ts: the maps drawn
   * in JS, as the verbs draw them); with learned joint maps (Semi) the kernel draws the part masks alone;
   * else the tensor ops. Same maps within 2e-6.
   */
  protected inferenceHeatmaps(coords: tf.Tensor2D, visible: tf.Tensor2D | null): tf.Tensor4D {
    const sigma = this.gaussianJointSigma();
    const S = this.config.imageSize;
    if (sigma === null) {
      // learned joint maps (Semi): the part masks alone by the kernel, beside the mapper's joint maps
      if (!this.config.partAppearance) return this.heatmaps(coords, visible);
      return tf.tidy(() => {
        // sigma is read only for joint maps: none are drawn here
        const attrs = { size: S, joints: this.joints, sigma: 1, parts: true, jointMaps: false };
        const parts = poseMapsKernel(coords, visible, attrs);
        if (!parts) return this.heatmaps(coords, visible);
        return tf.concat([this.jointHeatmaps(coords, visible), parts], 3) as tf.Tensor4D;
      });
    }
    const drawn = poseMapsKernel(coords, visible, {
      size: S,
      joints: this.joints,
      sigma,
      parts: this.config.partAppearance,
    });
    return drawn ?? this.heatmaps(coords, visible);
  }

  /** Poses for images that came without them: Conditional refuses, Semi estimates (mean of q(y|x)). */
  protected abstract missingPoses(
    images: tf.Tensor4D,
    argument: string,
  ): { coords: tf.Tensor2D; visible: tf.Tensor2D | null };

  /** Runs fn with every network in eval mode (batch-norm running statistics, no update), then restores. */
  protected withEval<T>(fn: () => T): T {
    const was = this.net.training;
    this.net.eval();
    this.disc?.eval();
    try {
      return fn();
    } finally {
      if (was) {
        this.net.train();
        this.disc?.train();
      }
    }
  }

  // ------------------------------------------------------------------ tensor level

  protected checkImagesTensor(images: tf.Tensor, argument = 'images'): void {
    checkImagesTensor(images, this.config.imageSize, argument);
  }

  protected checkPoseTensors(
    n: number,
    poses: tf.Tensor,
    visible: tf.Tensor | null | undefined,
    argument = 'poses',
  ): void {
    checkPoseTensors(n, poses, visible, { joints: this.joints, skeleton: this.config.skeleton }, argument);
  }

  encodeTensors(
    images: tf.Tensor4D,
    poses?: tf.Tensor2D,
    visible?: tf.Tensor2D,
  ): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    this.assertLive();
    this.checkImagesTensor(images);
    const n = images.shape[0];
    if (poses !== undefined) this.checkPoseTensors(n, poses, visible);
    return this.withEval(() =>
      tf.tidy(() => {
        const p =
          poses !== undefined ? { coords: poses, visible: visible ?? null } : this.missingPoses(images, 'poses');
        const q = this.infer.encode(images, this.inferenceHeatmaps(p.coords, p.visible));
        return { mu: q.mu, logvar: q.logvar };
      }),
    );
  }

  decodeTensors(z: tf.Tensor2D, poses: tf.Tensor2D, visible?: tf.Tensor2D): tf.Tensor4D {
    this.assertLive();
    const d = this.config.latentDim;
    if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[1] !== d) {
      throw new DGPoseError('E_SHAPE', 'z must be [B,latentDim]', {
        argument: 'z',
        expected: ['B', d],
        got: z instanceof tf.Tensor ? [...z.shape] : typeof z,
      });
    }
    this.checkPoseTensors(z.shape[0], poses, visible);
    return this.withEval(() => tf.tidy(() => this.infer.decode(z, this.inferenceHeatmaps(poses, visible ?? null))));
  }

  /** Samples z ~ p(z|y) ([n,d_z]); seed makes it deterministic. Call inside a tidy. */
  protected samplePrior(heat: tf.Tensor4D, seed: number): tf.Tensor2D {
    const n = heat.shape[0];
    const d = this.config.latentDim;
    const eps = tf.randomNormal([n, d], 0, 1, 'float32', seed);
    if (!this.net.prior) return eps as tf.Tensor2D;
    const p = this.infer.priorParams(heat, n, d);
    return tf.add(p.mu, tf.mul(tf.exp(tf.mul(p.logvar, 0.5)), eps)) as tf.Tensor2D;
  }

  // ------------------------------------------------------------------ training

  protected checkBatch(batch: TrainBatch): Promise<number> {
    return checkTrainBatch(batch, {
      imageSize: this.config.imageSize,
      joints: this.joints,
      skeleton: this.config.skeleton,
    });
  }

  abstract trainStep(batch: TrainBatch): Promise<TrainStepResult>;
  abstract evaluate(batch: TrainBatch): Promise<StepLosses>;

  /** Reads named scalars as plain numbers and frees them. */
  protected async readScalars(named: Record<string, tf.Tensor>): Promise<Record<string, number>> {
    const keys = Object.keys(named);
    try {
      const vals = await Promise.all(keys.map((k) => named[k].data()));
      const out: Record<string, number> = {};
      keys.forEach((k, i) => (out[k] = vals[i][0]));
      return out;
    } finally {
      tf.dispose(Object.values(named));
    }
  }

  // ------------------------------------------------------------------ state and weights

  private get weightParts(): WeightParts {
    return { net: this.net, disc: this.disc, extras: this.extras };
  }

  /** Every weight (generator, buffers, extras; the discriminator with includeDiscriminator): model-weights.ts. */
  async namedArrays(opts: { includeDiscriminator?: boolean } = {}): Promise<NamedArrays> {
    this.assertLive();
    return modelArrays(this.weightParts, opts.includeDiscriminator === true);
  }

  /** Loads weights, all checked before anything changes (E_WEIGHTS_MISMATCH): model-weights.ts. */
  loadArrays(arrays: NamedArrays): void {
    this.assertLive();
    loadModelArrays(this.weightParts, arrays);
  }

  async getState(): Promise<{ weights: NamedArrays; optimizer: NamedArrays; step: number }> {
    const weights = await this.namedArrays({ includeDiscriminator: true });
    return { weights, optimizer: await this.trainer.optimizerState(), step: this.trainer.step };
  }

  async setState(s: { weights: NamedArrays; optimizer?: NamedArrays; step?: number }): Promise<void> {
    this.assertLive();
    this.loadArrays(s.weights);
    if (s.optimizer) await this.setOptimizerState(s.optimizer, s.step);
  }

  /** Restores both optimizers and the step (E_CHECKPOINT when they do not fit this model). */
  async setOptimizerState(optimizer: NamedArrays, step?: number): Promise<void> {
    this.assertLive();
    await this.trainer.setOptimizerState(optimizer);
    if (step !== undefined && step !== this.trainer.step) {
      throw new DGPoseError('E_CHECKPOINT', 'step disagrees with the optimizer state', {
        argument: 'step',
        expected: this.trainer.step,
        got: step,
      });
    }
  }

  /** The manifest `config` written with every export: model config, version, kind, extras. */
  manifestConfig(): Record<string, unknown> {
    return {
      modelFormatVersion: MODEL_FORMAT_VERSION,
      modelKind: this.weightsKind,
      model: this.config,
      ...this.extras?.manifestConfig(),
    };
  }

  async exportWeights(): Promise<{ manifest: WeightsManifest; shards: Uint8Array[] }> {
    return encodeWeights(await this.namedArrays(), { kind: this.weightsKind, config: this.manifestConfig() });
  }

  /** Parameters per part (frozen mapper included under `mapper`). */
  paramCounts(): Record<string, number> {
    return {
      poseEncoder: this.net.poseEncoder.paramCount(),
      appearanceEncoder: this.net.appearanceEncoder.paramCount(),
      decoder: this.net.decoder.paramCount(),
      prior: this.net.prior?.paramCount() ?? 0,
      poseEstimator: this.net.poseEstimator?.paramCount() ?? 0,
      discriminator: this.disc?.paramCount() ?? 0,
      ...this.extras?.paramCounts(),
    };
  }

  paramCount(): number {
    return Object.values(this.paramCounts()).reduce((a, b) => a + b, 0);
  }

  /** Number of the bottleneck scale (L). */
  get scales(): number {
    return numScales(this.config);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.trainer?.dispose();
    this.frozen?.dispose();
    this.net.dispose();
    this.disc?.dispose();
    this.extras?.dispose();
  }
}
