/*
 * Semi-DGPose (de Bem et al. 2020, §5 of docs/paper-notes.md; Siddharth et al. 2017): a semi-supervised VAE
 * with a partly observed, interpretable pose latent y (2J normalised joint coordinates, standardised by the
 * pose prior) and an appearance latent z.
 *
 *   generative   p(x, y, z) = p(x | y, z) p(y) p(z),  p(z) = N(0, I),  p(y) = Gaussian fitted to labelled poses
 *                (full covariance by default: objectives' fitGaussianPrior(…, { covariance: 'full' }), stored as
 *                posePrior.cholesky; weights with only the diagonal arrays keep a diagonal p(y))
 *   recognition  q(y, z | x) = q(y | x) q(z | x, y)
 *   decoder      p(x | y, z) = the Conditional-DGPose decoder fed mapper(y): the frozen learned mapper of
 *                @dgpose/mapper (or the analytic Gaussian renderer), so gradients reach y through it
 *
 * Losses (to minimise; @dgpose/objectives semiSupervisedLoss, probtorch `elbo(q, p, alpha, beta)`):
 *   labelled   L_s = λ_l1·L1(x, x̂) + β·KL(q(z|x,y*) ‖ N(0,I)) + α·(−log q(y*|x))            ("KL(top) + pose regression + L1")
 *   unlabelled L_u = λ_l1·L1(x, x̂) + β·KL(q(z|x,ŷ) ‖ N(0,I)) + w_y·KL(q(y|x) ‖ p(y)), ŷ ~ q(y|x) ("KL(top) + KL(bottom) + L1";
 *              w_y = lossWeights.klPose; γ, the labelled-sum weight of docs/paper-notes.md §5.2, is 1 here)
 *              KL(bottom) of a full p(y) = N(0, L Lᵀ) in the standardised space: losses' klNormalFullCovariance
 *   L = (Σ_u L_u + Σ_s L_s) / B, plus λ_adv·BCE(D(x̂, y), 1) when a discriminator is configured.
 *
 * Supervised-only baseline (config.supervisedOnly): the same q(y|x) on the labelled rows alone, nothing else
 * trained and no discriminator: L_sup = α·mean_s(−log q(y*_s|x_s)) (@dgpose/objectives supervisedPoseLoss,
 * the same −log q(y*|x) as L_s). A batch with an unlabelled row is refused (E_ARG): the trainer must draw
 * batches from the labelled subset, so that the baseline sees as many labelled rows per step as it is told.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DGPoseError,
  toRgbImage,
  type ImageInput,
  type Pose,
  assertSeed,
  checkNonEmptyList,
  validatePose,
} from '@dgpose/core';
import { type Mapper, gaussianHeatmaps } from '@dgpose/mapper';
import { ganDiscriminatorLoss, ganGeneratorLoss } from '@dgpose/losses';
import {
  type SemiSupervisedBatch,
  type SemiSupervisedNetworks,
  fitGaussianPrior,
  posePriorInvCholesky,
  samplePosePrior,
  semiSupervisedLoss,
  supervisedPoseLoss,
  tidyObject,
} from '@dgpose/objectives';
import { BaseModel, type InternalBatch, detach, stepSeed } from './model';
import { type PosePriorState, identityPosePrior, semiExtras } from './semi-weights';
import { imagesToTensor, inPixelFrame, normalizedToPose, toImages } from './io';
import type { RgbImage, SemiConfig, SemiDGPoseModel, StepLosses, TrainBatch, TrainStepResult } from './types';

/**
 * Sampling temperature of samplePoses / generate() without a pose when p(y) has a full covariance: draws come
 * from N(μ, τ²Σ). A Gaussian over joint coordinates puts about 10 % of each limb's mass beyond the limb's
 * length; at τ = 0.5, 91 % of samples of a prior fitted to 1,000 synthetic poses pass datasets'
 * posePlausibility (35 % at τ = 1; a diagonal prior: 0 % at any τ). A diagonal prior (older weights) samples
 * at τ = 1, as before.
 */
export const FULL_PRIOR_SAMPLE_TEMPERATURE = 0.5;

/** Options of {@link SemiDGPose.fitPosePrior}. */
export interface FitPosePriorOptions {
  /** 'full' (default): full covariance (EM over missing joints); 'diagonal': independent coordinates (the older prior). */
  covariance?: 'full' | 'diagonal';
  /** Shrinkage of a full covariance towards its diagonal (objectives' fitGaussianPrior; default 0.001). */
  shrinkage?: number;
}

interface SemiBatch extends InternalBatch {
  sb: SemiSupervisedBatch;
  /** visibility of the labelled rows (the heatmaps of y* zero their missing joints) */
  visibleL: tf.Tensor2D | null;
  nL: number;
  nU: number;
}

export class SemiDGPose extends BaseModel<SemiConfig> implements SemiDGPoseModel {
  readonly kind = 'semi' as const;
  readonly weightsKind = 'dgpose-semi' as const;
  readonly mapper: Mapper | null;
  private prior: PosePriorState;

  constructor(config: SemiConfig, mapper: Mapper | null) {
    super(config, { poseLogvarMin: config.poseLogvarMin, discriminator: !config.supervisedOnly });
    this.mapper = mapper;
    this.prior = identityPosePrior(2 * this.joints);
    this.extras = semiExtras(mapper, this.joints, { get: () => this.prior, set: (p) => (this.prior = p) });
    const q = this.net.poseEstimator as NonNullable<typeof this.net.poseEstimator>;
    this.initTrainer(
      (b, ctx) => this.generatorLoss(b as SemiBatch, this.klWeight(ctx.step), stepSeed(this.config.seed, ctx.step)),
      // supervised-only: q(y|x)'s parameters alone (and its batch-norm statistics, the only ones its forward pass moves)
      config.supervisedOnly ? { generatorVars: q.parameters(), stateVars: q.buffers() } : undefined,
    );
  }

  // ------------------------------------------------------------------ pose space

  /** ỹ = (c − center)/scale: normalised coords → the standardised space of q(y|x) and p(y). */
  standardize(c: tf.Tensor): tf.Tensor2D {
    return tf.div(tf.sub(c, tf.tensor1d(this.prior.center)), tf.tensor1d(this.prior.scale)) as tf.Tensor2D;
  }
  unstandardize(y: tf.Tensor): tf.Tensor2D {
    return tf.add(tf.mul(y, tf.tensor1d(this.prior.scale)), tf.tensor1d(this.prior.center)) as tf.Tensor2D;
  }

  protected jointHeatmaps(coords: tf.Tensor2D, visible: tf.Tensor2D | null): tf.Tensor4D {
    if (this.mapper) return this.mapper.map(coords, visible, { coords: 'normalized' });
    const S = this.config.imageSize;
    return gaussianHeatmaps(coords, visible, {
      width: S,
      height: S,
      sigma: this.config.heatmapSigma,
      coords: 'normalized',
      joints: this.joints,
    });
  }

  estimatePoseTensors(images: tf.Tensor4D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    this.assertLive();
    this.checkImagesTensor(images);
    const logScale = tf.tidy(() => tf.mul(tf.log(tf.tensor1d(this.prior.scale)), 2));
    try {
      return this.withEval(() =>
        tf.tidy(() => {
          const q = (this.net.poseEstimator as NonNullable<typeof this.net.poseEstimator>).call(images);
          return { mu: this.unstandardize(q.mu), logvar: tf.add(q.logvar, logScale) as tf.Tensor2D };
        }),
      );
    } finally {
      logScale.dispose();
    }
  }

  protected missingPoses(images: tf.Tensor4D): { coords: tf.Tensor2D; visible: null } {
    const coords = tf.tidy(() =>
      this.unstandardize((this.net.poseEstimator as NonNullable<typeof this.net.poseEstimator>).call(images).mu),
    );
    return { coords, visible: null };
  }

  protected posesForGenerate(n: number, seed: number): { coords: tf.Tensor2D; visible: null } {
    return { coords: tf.tensor2d(this.samplePoseCoords(n, seed), [n, 2 * this.joints]), visible: null };
  }

  // ------------------------------------------------------------------ pose prior

  /**
   * Fits p(y) to labelled poses (rows of 2J normalised coords, visible [N][J]); full covariance by default
   * (missing joints by EM: see objectives' fitGaussianPrior). Stored with the weights.
   */
  fitPosePrior(
    poses: ArrayLike<number>[] | Float32Array,
    visible?: ArrayLike<number>[] | Float32Array,
    opts: FitPosePriorOptions = {},
  ): void {
    this.assertLive();
    if (opts === null || typeof opts !== 'object')
      throw new DGPoseError('E_ARG', 'options must be an object', { argument: 'opts', got: opts });
    const d = 2 * this.joints;
    const rows = (a: ArrayLike<number>[] | Float32Array, w: number, arg: string): ArrayLike<number>[] => {
      if (a instanceof Float32Array) {
        if (a.length % w !== 0)
          throw new DGPoseError('E_SHAPE', `${arg} must hold N·${w} numbers`, {
            argument: arg,
            expected: `a multiple of ${w}`,
            got: a.length,
          });
        return Array.from({ length: a.length / w }, (_, i) => a.subarray(i * w, (i + 1) * w));
      }
      if (!Array.isArray(a)) throw new DGPoseError('E_ARG', `${arg} must be rows or a Float32Array`, { argument: arg });
      return a;
    };
    const p = rows(poses, d, 'poses');
    p.forEach((r, i) => {
      if (r.length !== d)
        throw new DGPoseError('E_JOINTS', `poses[${i}] must hold 2J = ${d} normalised coords`, {
          argument: `poses[${i}]`,
          expected: d,
          got: r.length,
        });
    });
    const covariance = opts.covariance ?? 'full';
    const fit = fitGaussianPrior(p, visible === undefined ? undefined : rows(visible, this.joints, 'visible'), {
      standardize: 'perCoordinate',
      covariance,
      ...(opts.shrinkage !== undefined ? { shrinkage: opts.shrinkage } : {}),
    });
    const cholesky = fit.cholesky ?? null;
    this.prior = {
      center: fit.center,
      scale: fit.scale,
      mean: fit.mean,
      logvar: fit.logvar,
      cholesky,
      invCholesky: cholesky ? posePriorInvCholesky(cholesky, d) : null,
      fitted: true,
    };
  }

  /** 'full' when p(y) has a full covariance (posePrior.cholesky), 'diagonal' otherwise (also before fitting). */
  get posePriorCovariance(): 'full' | 'diagonal' {
    return this.prior.cholesky ? 'full' : 'diagonal';
  }

  get posePriorFitted(): boolean {
    return this.prior.fitted;
  }

  private samplePoseCoords(n: number, seed: number, temperature?: number): Float32Array {
    if (!this.prior.fitted) {
      throw new DGPoseError(
        'E_ARG',
        'the pose prior p(y) is not fitted: call fitPosePrior(labelledPoses) (or load weights that hold one)',
        {
          argument: 'posePrior',
          expected: 'a fitted prior',
          got: 'none',
        },
      );
    }
    const { center, scale, mean, logvar, cholesky } = this.prior;
    const tau = temperature ?? (cholesky ? FULL_PRIOR_SAMPLE_TEMPERATURE : 1);
    return samplePosePrior({ center, scale, mean, logvar, ...(cholesky ? { cholesky } : {}) }, n, seed, {
      temperature: tau,
    });
  }

  /**
   * n poses drawn from p(y), in pixel coords of a model-size frame (joints that fall outside it are null).
   * `temperature` τ draws from N(μ, τ²Σ): default {@link FULL_PRIOR_SAMPLE_TEMPERATURE} (0.5) for a
   * full-covariance prior, 1 for a diagonal one; 1 samples p(y) itself.
   */
  samplePoses(n: number, opts: { seed?: number; temperature?: number } = {}): Pose[] {
    this.assertLive();
    if (!Number.isInteger(n) || n < 1)
      throw new DGPoseError('E_ARG', 'n must be an integer >= 1', { argument: 'n', expected: '>= 1', got: n });
    const seed = opts.seed ?? this.config.seed;
    assertSeed('opts.seed', seed);
    const c = this.samplePoseCoords(n, seed, opts.temperature);
    const S = this.config.imageSize;
    return Array.from({ length: n }, (_, i) =>
      normalizedToPose(c, i * 2 * this.joints, this.joints, { width: S, height: S }, this.config.skeleton),
    );
  }

  // ------------------------------------------------------------------ verbs

  async estimatePose(input: ImageInput[]): Promise<Pose[]> {
    const images = await toImages(input, 'images');
    const x = imagesToTensor(images, this.config.imageSize);
    let q: { mu: tf.Tensor2D; logvar: tf.Tensor2D } | null = null;
    try {
      q = this.estimatePoseTensors(x);
      const mu = await q.mu.data();
      return images.map((im, i) => normalizedToPose(mu, i * 2 * this.joints, this.joints, im, this.config.skeleton));
    } finally {
      x.dispose();
      if (q) tf.dispose([q.mu, q.logvar]);
    }
  }

  /**
   * Estimates the pose of `image`, applies `edit` (pixel coords of the image) and redraws the same
   * appearance in the edited pose. An edit may push a joint off the image's frame ([-0.5, W − 0.5] ×
   * [-0.5, H − 0.5]): with `offFrame: 'drop'` (default) such joints become missing (null) before
   * rendering and their indices are returned in `droppedJoints`; with `'error'` the call rejects with
   * E_ARG naming the joint, as transfer does. `edited` is the pose that was drawn.
   */
  async manipulate(
    input: ImageInput,
    edit: (p: Pose) => Pose,
    opts: { offFrame?: 'drop' | 'error' } = {},
  ): Promise<{ pose: Pose; edited: Pose; image: RgbImage; droppedJoints: number[] }> {
    if (typeof edit !== 'function')
      throw new DGPoseError('E_ARG', 'edit must be a function (pose) => pose', { argument: 'edit', got: typeof edit });
    if (opts === null || typeof opts !== 'object')
      throw new DGPoseError('E_ARG', 'options must be an object', { argument: 'opts', got: opts });
    const offFrame = opts.offFrame ?? 'drop';
    if (offFrame !== 'drop' && offFrame !== 'error') {
      throw new DGPoseError('E_ARG', "offFrame must be 'drop' or 'error'", {
        argument: 'offFrame',
        expected: ['drop', 'error'],
        got: offFrame,
      });
    }
    const image = await toRgbImage(input, { argument: 'image' });
    const [pose] = await this.estimatePose([image]);
    let edited = edit(pose);
    const droppedJoints: number[] = [];
    if (offFrame === 'drop') {
      validatePose(edited, 'edited');
      const keypoints = edited.keypoints.map((k, j) => {
        if (k === null || (inPixelFrame(k.x, image.width) && inPixelFrame(k.y, image.height))) return k;
        droppedJoints.push(j);
        return null;
      });
      if (droppedJoints.length) edited = { ...edited, keypoints };
    }
    const [out] = await this.transfer([image], undefined, [edited]);
    return { pose, edited, image: out, droppedJoints };
  }

  async indirectTransfer(poseInput: ImageInput[], appearanceInput: ImageInput[]): Promise<RgbImage[]> {
    checkNonEmptyList(poseInput, 'poseSource');
    checkNonEmptyList(appearanceInput, 'appearanceSource', poseInput.length);
    const poseSource = await toImages(poseInput, 'poseSource');
    const appearanceSource = await toImages(appearanceInput, 'appearanceSource');
    return this.drawWith(appearanceSource, undefined, () => {
      const x = imagesToTensor(poseSource, this.config.imageSize, 'poseSource');
      try {
        return this.withEval(() => this.missingPoses(x));
      } finally {
        x.dispose();
      }
    });
  }

  // ------------------------------------------------------------------ training

  private nets(b: SemiBatch, cache: Map<tf.Tensor, tf.Tensor4D>): SemiSupervisedNetworks {
    const net = this.net;
    const heatOf = (y: tf.Tensor): tf.Tensor4D => {
      let h = cache.get(y);
      if (!h) {
        const visible = b.sb.labelled && y === b.sb.labelled.y ? b.visibleL : null;
        h = this.heatmaps(this.unstandardize(y), visible);
        cache.set(y, h);
      }
      return h;
    };
    return {
      encodePose: (x) => (net.poseEstimator as NonNullable<typeof net.poseEstimator>).call(x),
      encodeAppearance: (x, y) => net.appearanceEncoder.call({ x, heat: heatOf(y) }),
      decode: (z, y) => net.call({ z, heat: heatOf(y) }),
    };
  }

  private lossConfig() {
    const w = this.config.lossWeights;
    return {
      reconstruction: 'l1' as const,
      lambdaRec: w.l1,
      recReduction: 'mean' as const,
      alpha: w.pose,
      gamma: 1,
      betaY: w.klPose,
      poseReconGrad: w.poseRecon,
    };
  }

  private generatorLoss(
    b: SemiBatch,
    beta: number,
    seed: number,
  ): { loss: tf.Tensor; terms: Record<string, tf.Tensor>; fake?: tf.Tensor } {
    if (this.config.supervisedOnly) {
      // split() refused unlabelled rows, so the labelled part is the whole batch
      const q = this.net.poseEstimator as NonNullable<typeof this.net.poseEstimator>;
      const r = supervisedPoseLoss(
        { encodePose: (x) => q.call(x) },
        b.sb.labelled as NonNullable<SemiSupervisedBatch['labelled']>,
        { config: this.lossConfig() },
      );
      return { loss: r.loss, terms: r.terms as Record<string, tf.Tensor> };
    }
    const cache = new Map<tf.Tensor, tf.Tensor4D>();
    const d = 2 * this.joints;
    const inv = this.prior.invCholesky;
    const prior = {
      mu: tf.tensor1d(this.prior.mean),
      logvar: tf.tensor1d(this.prior.logvar),
      ...(inv ? { invCholesky: tf.tensor2d(inv, [d, d]) } : {}),
    };
    const r = semiSupervisedLoss(this.nets(b, cache), b.sb, { prior, beta, noise: seed, config: this.lossConfig() });
    // D's condition and the pose mask: the maps the decoder used, [labelled; unlabelled] like r.xHat, redrawn
    // here without gradient (the cached ones live inside the loss's tidy and are gone outside a gradient tape)
    const w = this.config.lossWeights.l1Mask;
    if (!this.disc && !(w > 0)) return { loss: r.loss, terms: r.terms as Record<string, tf.Tensor>, fake: r.xHat };
    const heat = tf.tidy(() => {
      const heats: tf.Tensor4D[] = [];
      if (b.sb.labelled) heats.push(this.heatmaps(this.unstandardize(b.sb.labelled.y), b.visibleL));
      if (r.unlabelled?.yHat) heats.push(this.heatmaps(this.unstandardize(r.unlabelled.yHat), null));
      return detach(heats.length === 1 ? heats[0] : tf.concat(heats, 0)) as tf.Tensor4D;
    });
    if (this.disc) {
      b.heat?.dispose();
      b.heat = tf.keep(heat);
    }
    if (!(w > 0)) return { loss: r.loss, terms: r.terms as Record<string, tf.Tensor>, fake: r.xHat };
    // PG2's pose-mask L1 over both parts; the mask is held fixed (detach), so q(y|x) cannot lower this
    // term by shrinking the person it predicts on unlabelled rows
    const l1Mask = this.poseMaskL1(b.x, r.xHat, heat);
    return {
      loss: tf.add(r.loss, tf.mul(l1Mask, w)),
      terms: { ...(r.terms as Record<string, tf.Tensor>), l1Mask },
      fake: r.xHat,
    };
  }

  /** Splits a batch by its labelled mask into the objective's labelled and unlabelled parts (tensors owned by the result). */
  private async split(batch: TrainBatch): Promise<SemiBatch> {
    const n = batch.images.shape[0];
    const mask = batch.labelled ? await batch.labelled.data() : new Float32Array(n).fill(1);
    const iL: number[] = [];
    const iU: number[] = [];
    for (let i = 0; i < n; i++) (mask[i] > 0.5 ? iL : iU).push(i);
    if (this.config.supervisedOnly && iU.length) {
      throw new DGPoseError(
        'E_ARG',
        `a supervised-only model trains on labelled rows alone, but batch.labelled marks ${iU.length} of ${n} rows unlabelled (draw batches from the labelled subset)`,
        {
          argument: 'batch.labelled',
          expected: 'every row labelled (1)',
          got: `${iU.length} unlabelled rows (first: ${iU[0]})`,
        },
      );
    }
    return tidyObject((): SemiBatch => {
      const sb: SemiSupervisedBatch = {};
      let visibleL: tf.Tensor2D | null = null;
      const xs: tf.Tensor4D[] = [];
      if (iL.length) {
        const idx = tf.tensor1d(iL, 'int32');
        const x = tf.gather(batch.images, idx) as tf.Tensor4D;
        visibleL = tf.gather(batch.visible, idx) as tf.Tensor2D;
        sb.labelled = { x, y: this.standardize(tf.gather(batch.poses, idx)), visible: visibleL };
        xs.push(x);
      }
      if (iU.length) {
        const x = tf.gather(batch.images, tf.tensor1d(iU, 'int32')) as tf.Tensor4D;
        sb.unlabelled = { x };
        xs.push(x);
      }
      const x = xs.length === 1 ? tf.clone(xs[0]) : (tf.concat(xs, 0) as tf.Tensor4D);
      return { x, heat: null, sb, visibleL, nL: iL.length, nU: iU.length };
    });
  }

  private static disposeSplit(b: SemiBatch): void {
    tf.dispose([
      b.x,
      ...(b.heat ? [b.heat] : []),
      ...(b.sb.labelled ? [b.sb.labelled.x, b.sb.labelled.y] : []),
      ...(b.visibleL ? [b.visibleL] : []),
      ...(b.sb.unlabelled ? [b.sb.unlabelled.x] : []),
    ]);
  }

  /**
   * Contract aliases: l1, kl (batch means over both parts; absent when supervised-only, which reconstructs
   * nothing), pose (−log q(y*|x), labelled), klPose (KL bottom, unlabelled).
   */
  private static aliases(r: Record<string, number>, nL: number, nU: number): Record<string, number> {
    const n = nL + nU;
    const mix = (a: string, b: string): number => ((r[a] ?? 0) * nL + (r[b] ?? 0) * nU) / n;
    const out: Record<string, number> = { ...r, labelled: nL, unlabelled: nU };
    if ('recS' in r || 'recU' in r) Object.assign(out, { l1: mix('recS', 'recU'), kl: mix('klZS', 'klZU') });
    if (nL) out.pose = r.poseNll;
    if (nU) out.klPose = r.klYU;
    return out;
  }

  async trainStep(batch: TrainBatch): Promise<TrainStepResult> {
    this.assertLive();
    await this.checkBatch(batch);
    const b = await this.split(batch);
    try {
      const beta = this.klWeight(this.trainer.step);
      const { step, losses } = await this.trainer.trainStep(b);
      return {
        step,
        losses: {
          ...SemiDGPose.aliases(losses, b.nL, b.nU),
          total: losses.total,
          ...(this.config.supervisedOnly ? {} : { beta }),
        },
      };
    } finally {
      SemiDGPose.disposeSplit(b);
    }
  }

  async evaluate(batch: TrainBatch): Promise<StepLosses> {
    this.assertLive();
    await this.checkBatch(batch);
    const b = await this.split(batch);
    try {
      const w = this.config.lossWeights;
      const named = this.withEval(() =>
        tf.tidy(() => {
          const g = this.generatorLoss(b, w.kl, stepSeed(this.config.seed, 0, 1));
          const out: Record<string, tf.Tensor> = { ...g.terms };
          let total: tf.Tensor = g.loss;
          if (this.disc && b.heat && g.fake) {
            const fakeLogits = this.disc.call({ x: g.fake, heat: b.heat });
            const advG = ganGeneratorLoss(fakeLogits);
            out.advG = advG;
            out.advD = ganDiscriminatorLoss(this.disc.call({ x: b.x, heat: b.heat }), fakeLogits, { halve: true });
            total = tf.add(total, tf.mul(advG, w.adv));
          }
          out.total = total;
          return out;
        }),
      );
      return SemiDGPose.aliases(await this.readScalars(named), b.nL, b.nU) as StepLosses;
    } finally {
      SemiDGPose.disposeSplit(b);
    }
  }
}
