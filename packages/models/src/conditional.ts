/*
 * Conditional-DGPose (de Bem et al. 2020; WACV 2019): a conditional VAE-GAN on pixels, conditioned on pose
 * heatmaps (docs/paper-notes.md §4). Objective per step (generator side, to minimise):
 *
 *   L_G = λ_l1 · mean|x − x̂| + β(t) · KL(q(z|x,y) ‖ p(z)) + λ_adv · BCE(D(x̂, y), 1),  x̂ = dec(z, E_y(y)), z ~ q(z|x,y)
 *   L_D = ½ [BCE(D(x, y), 1) + BCE(D(x̂, y), 0)]
 *
 * with p(z) = N(0, I) (or a learned p(z|y)), β(t) the KL weight times a linear warm-up (Bowman et al. 2016),
 * L1 as in ClothNet PM / pix2pix (`recon_weight 100`, `gan_weight 1`), D a PatchGAN on concat(image, y),
 * halved as in PG2 `_gan_loss`. Assembled with @dgpose/objectives' cvaeLoss and VAE-GAN trainer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';
import { gaussianHeatmaps } from '@dgpose/mapper';
import { ganDiscriminatorLoss, ganGeneratorLoss } from '@dgpose/losses';
import { cvaeLoss, type CvaeNetworks, type VaeGanGeneratorOutput } from '@dgpose/objectives';
import { BaseModel, type InternalBatch, stepSeed } from './model';
import { validateConditionalConfig } from './config';
import type {
  ConditionalConfig,
  ConfigOverrides,
  CreateConditionalOptions,
  DGPoseModel,
  StepLosses,
  TrainBatch,
  TrainStepResult,
} from './types';

export class ConditionalDGPose extends BaseModel<ConditionalConfig> {
  readonly kind = 'conditional' as const;
  readonly weightsKind = 'dgpose-conditional' as const;

  constructor(config: ConditionalConfig) {
    super(config, {});
    this.initTrainer((b, ctx): VaeGanGeneratorOutput => {
      const r = cvaeLoss(this.cvaeNets(), b.x, b.heat as tf.Tensor4D, {
        beta: this.klWeight(ctx.step),
        noise: stepSeed(this.config.seed, ctx.step),
        config: { reconstruction: 'l1', lambdaRec: this.config.lossWeights.l1, recReduction: 'mean' },
      });
      const w = this.config.lossWeights.l1Mask;
      if (!(w > 0)) return { loss: r.loss, terms: { l1: r.rec, kl: r.kl }, fake: r.xHat };
      const l1Mask = this.poseMaskL1(b.x, r.xHat, b.heat as tf.Tensor4D);
      return { loss: tf.add(r.loss, tf.mul(l1Mask, w)), terms: { l1: r.rec, kl: r.kl, l1Mask }, fake: r.xHat };
    });
  }

  private cvaeNets(): CvaeNetworks {
    const net = this.net;
    return {
      encode: (x, heat) => net.appearanceEncoder.call({ x, heat }),
      decode: (z, heat) => net.call({ z, heat }),
      prior: net.prior ? (heat) => net.priorParams(heat, heat.shape[0], this.config.latentDim) : undefined,
    };
  }

  protected jointHeatmaps(coords: tf.Tensor2D, visible: tf.Tensor2D | null): tf.Tensor4D {
    const S = this.config.imageSize;
    return gaussianHeatmaps(coords, visible, {
      width: S,
      height: S,
      sigma: this.config.heatmapSigma,
      coords: 'normalized',
      joints: this.joints,
    });
  }

  /** The joints are analytic Gaussians: the verbs draw the pose maps from plain poses (model.ts). */
  protected override gaussianJointSigma(): number {
    return this.config.heatmapSigma;
  }

  protected missingPoses(_images: tf.Tensor4D, argument: string): never {
    throw new DGPoseError('E_ARG', `Conditional-DGPose needs ${argument} (it cannot estimate poses; Semi-DGPose can)`, {
      argument,
      expected: 'one pose per image',
      got: 'undefined',
    });
  }

  protected posesForGenerate(): never {
    throw new DGPoseError(
      'E_ARG',
      'Conditional-DGPose needs a pose to generate from (it has no pose prior; Semi-DGPose has)',
      { argument: 'pose', expected: 'a Pose', got: 'undefined' },
    );
  }

  async trainStep(batch: TrainBatch): Promise<TrainStepResult> {
    this.assertLive();
    await this.checkBatch(batch);
    const b: InternalBatch = { x: batch.images, heat: tf.tidy(() => this.heatmaps(batch.poses, batch.visible)) };
    try {
      const beta = this.klWeight(this.trainer.step);
      const { step, losses } = await this.trainer.trainStep(b);
      return { step, losses: { ...losses, beta } };
    } finally {
      b.heat?.dispose();
    }
  }

  async evaluate(batch: TrainBatch): Promise<StepLosses> {
    this.assertLive();
    await this.checkBatch(batch);
    const w = this.config.lossWeights;
    const named = this.withEval(() =>
      tf.tidy(() => {
        const heat = this.heatmaps(batch.poses, batch.visible);
        const r = cvaeLoss(this.cvaeNets(), batch.images, heat, {
          beta: w.kl,
          noise: stepSeed(this.config.seed, 0, 1),
          config: { reconstruction: 'l1', lambdaRec: w.l1, recReduction: 'mean' },
        });
        const out: Record<string, tf.Tensor> = { l1: r.rec, kl: r.kl };
        let total: tf.Tensor = r.loss;
        if (this.disc) {
          const fakeLogits = this.disc.call({ x: r.xHat, heat });
          const advG = ganGeneratorLoss(fakeLogits);
          out.advG = advG;
          out.advD = ganDiscriminatorLoss(this.disc.call({ x: batch.images, heat }), fakeLogits, { halve: true });
          total = tf.add(total, tf.mul(advG, w.adv));
        }
        out.total = total;
        return out;
      }),
    );
    return (await this.readScalars(named)) as StepLosses;
  }
}

/** A new Conditional-DGPose model (random weights from the seed). */
export async function createConditionalDGPose(
  opts: CreateConditionalOptions = {},
): Promise<DGPoseModel<ConditionalConfig> & ConditionalDGPose> {
  const partial: ConfigOverrides<ConditionalConfig> = { ...(opts.config ?? {}) };
  if (opts.seed !== undefined) partial.seed = opts.seed;
  const config = validateConditionalConfig(partial, opts.preset);
  if (opts.preset !== undefined && opts.config?.preset !== undefined && opts.config.preset !== opts.preset) {
    throw new DGPoseError('E_CONFIG', 'preset and config.preset disagree', {
      argument: 'preset',
      expected: opts.preset,
      got: opts.config.preset,
    });
  }
  return new ConditionalDGPose(config);
}
