// Public types of @dgpose/models. Apps (trainer, benchmark) and the zoo code against this file.
import type * as tf from '@tensorflow/tfjs-core';
import type { ImageInput, NamedArrays, Pose, RgbImage, RngState, SkeletonName, WeightsManifest } from '@dgpose/core';

export type ModelKind = 'conditional' | 'semi';
export type PresetName = 'tiny' | 'small' | 'paper';
/** `kind` written into weights manifests. */
export type ModelWeightsKind = 'dgpose-conditional' | 'dgpose-semi';

/** A training batch (exactly what @dgpose/datasets' batcher yields). */
export interface TrainBatch {
  /** [B,H,W,3] float32 in [-1,1], H = W = config.imageSize */
  images: tf.Tensor4D;
  /** [B,2J] float32, normalised coords in [-1,1] (mapper's convention: x0,y0,x1,y1,...) */
  poses: tf.Tensor2D;
  /** [B,J] float32, 1 = joint present */
  visible: tf.Tensor2D;
  /** [B] float32, 1 = the label may be used (Semi); absent = all labelled */
  labelled?: tf.Tensor1D;
}

/** Plain numbers, never tensors. Keys present depend on the model (kl, l1, advG, advD, pose, klPose, total...). */
export type StepLosses = Record<string, number> & { total: number };

/** What `trainStep` resolves to: the step's index and its losses, kept apart (plain numbers, never tensors). */
export interface TrainStepResult {
  /** index of this step (0 for the first; `model.step` is one more after it) */
  step: number;
  /** the named terms of the step: e.g. l1, kl, beta, total, gradNormG (+ advG, advD, gradNormD with a discriminator; Semi adds pose, klPose, ...) */
  losses: StepLosses;
}

/** Task-level image: HWC uint8 RGB, core's one image type (what datasets' Sample.image is). */
export type { RgbImage };

/** Loss weights of Conditional-DGPose: total = l1·L1 + kl·w(t)·KL + adv·L_adv (w(t) = KL warm-up). */
export interface ConditionalLossWeights {
  /** weight of the mean absolute pixel error (images in [-1,1]) */
  l1: number;
  /** weight of KL(q(z|x,y) ‖ p(z)) summed over latent dims, averaged over the batch */
  kl: number;
  /** weight of the generator's adversarial term (0 = no discriminator is built) */
  adv: number;
  /**
   * weight of PG2's pose-mask L1, mean |x − x̂|·M with M the person mask of the pose (needs partAppearance;
   * 0 = off). Conditional-DGPose only.
   */
  l1Mask: number;
}

export interface SemiLossWeights extends ConditionalLossWeights {
  /** α: weight of the pose regression −log q(y*|x) (labelled rows only) */
  pose: number;
  /** weight of KL(q(y|x) ‖ p(y)), the slides' "KL (bottom)" (unlabelled rows only); not γ, which weighs the labelled sum (docs/paper-notes.md §5.2) */
  klPose: number;
  /**
   * Share in [0, 1] of the unlabelled rows' reconstruction gradient that reaches q(y|x) through ŷ
   * (objectives' `poseReconGrad`; the forward pass is unchanged). 1, the default, is the paper's objective.
   */
  poseRecon: number;
}

export interface DiscriminatorConfig {
  /** channels of the first PatchGAN conv (doubling, capped at maxChannels) */
  baseChannels: number;
  /** cap on PatchGAN channels */
  maxChannels: number;
  /** number of stride-2 convs (pix2pix 70×70 PatchGAN at 256 px: 3) */
  downLayers: number;
}

export interface ConditionalConfig {
  /** preset this config was derived from (stored for weights compatibility checks) */
  preset: PresetName;
  /** square image side in pixels; a power of two ≥ 16 */
  imageSize: number;
  /** skeleton of the pose input (J = joints of it); coco18 */
  skeleton: SkeletonName;
  /** channels of the first conv of each encoder (doubling per scale, capped at maxChannels) */
  baseChannels: number;
  /** channel cap */
  maxChannels: number;
  /** spatial size of the bottleneck (encoders downsample imageSize → bottleneckSize) */
  bottleneckSize: number;
  /** appearance latent dimension d_z */
  latentDim: number;
  /** heatmap σ in pixels at imageSize (pose-gan: 6 px at 256 px, scaled) */
  heatmapSigma: number;
  /**
   * where z enters the decoder: 'bottleneck' (Dense(z) at the b×b bottleneck only) or 'every-scale'
   * (also tiled and concatenated with the pose skip at every finer scale; models README, "Departures")
   */
  latentInjection: 'bottleneck' | 'every-scale';
  /**
   * Pose-aligned appearance (models README, "Departures"): the pose maps gain P body-part masks (@dgpose/mapper
   * limbMaps); q(z|x,y) also reads each part's mean colour under the source pose's masks, and p(x|z,y) paints
   * Dense(z) part colours onto the target pose's masks before a full-resolution output conv.
   */
  partAppearance: boolean;
  /** appearance prior: N(0,I) ('standard') or a learned conditional p(z|y) ('learned') */
  prior: 'standard' | 'learned';
  /** PatchGAN discriminator (used when lossWeights.adv > 0) */
  discriminator: DiscriminatorConfig;
  lossWeights: ConditionalLossWeights;
  /** linear KL warm-up from 0 to 1 over this many steps (0 = none) */
  klWarmupSteps: number;
  /** Adam learning rate of the generator side */
  lr: number;
  /** Adam learning rate of the discriminator */
  lrD: number;
  /** Adam β1 */
  beta1: number;
  /** Adam β2 */
  beta2: number;
  /** seed for weight init and training noise */
  seed: number;
}

export interface SemiConfig extends Omit<ConditionalConfig, 'lossWeights'> {
  lossWeights: SemiLossWeights;
  /** pose → heatmaps for the decoder: the frozen learned mapper or the analytic Gaussian renderer */
  mapper: 'learned' | 'analytic';
  /** name of the learned mapper preset (from @dgpose/mapper / zoo), e.g. 'coco18-64'; ignored when analytic */
  mapperName: string;
  /** fraction of training images whose labels may be used (0.25 / 0.5 / 0.75 / 1); informational, the trainer builds the mask */
  supervision: number;
  /** lower clamp on q(y|x) log-variance (keeps −log q(y*|x) bounded) */
  poseLogvarMin: number;
  /**
   * The supervised-only baseline (default false): a training step optimises q(y|x) alone on
   * α·(−log q(y*|x)) of its rows (objectives' supervisedPoseLoss), with no discriminator; every row must be
   * labelled (a batch with unlabelled rows is refused with E_ARG). The other networks keep their initial
   * weights, and the other loss weights (l1, kl, adv, klPose) are unused.
   */
  supervisedOnly: boolean;
}

export interface DGPoseModel<C = ConditionalConfig | SemiConfig> {
  readonly kind: ModelKind;
  readonly config: C;
  readonly step: number;
  /**
   * One optimisation step. With a discriminator (lossWeights.adv > 0) G and D are updated simultaneously
   * from the same forward pass (D sees the fake of G before the step, G the D before the step); without
   * one, the generator alone. Resolves to `{ step, losses }`. Throws E_LOSS_NAN naming the term, leaving
   * weights, batch-norm statistics and optimizer state unchanged.
   */
  trainStep(batch: TrainBatch): Promise<TrainStepResult>;
  /** Evaluation losses on a batch without updating anything. */
  evaluate(batch: TrainBatch): Promise<StepLosses>;
  // task-level verbs: plain data in and out (images are resized to the model size; poses in the image's pixel coords).
  // Image arguments take any ImageInput (core's toRgbImage): RgbImage, RGBA objects, ImageData, canvases, <img>, ImageBitmap, Tensor3D, Blob.
  /** Semi: poses optional (estimated). Outputs are uint8 RGB at model size. */
  reconstruct(images: ImageInput[], poses?: Pose[]): Promise<RgbImage[]>;
  /** appearance of image i drawn in targetPoses[i] (target poses in pixel coords of a frame `targetSize`, default the appearance image's size) */
  transfer(
    appearance: ImageInput[],
    appearancePoses: Pose[] | undefined,
    targetPoses: Pose[],
    opts?: { targetSize?: { width: number; height: number } },
  ): Promise<RgbImage[]>;
  /** Appearance from one data set, pose from another (any skeleton convertible to coco18; targetSize = frame of targetPoses). */
  crossDomainTransfer(
    appearance: ImageInput[],
    appearancePoses: Pose[] | undefined,
    targetPoses: Pose[],
    opts: { targetSize: { width: number; height: number } },
  ): Promise<RgbImage[]>;
  /** n appearance samples z ~ p(z) for a pose (in pixel coords of a frame of model size unless opts.size). Semi: pose optional (sampled). */
  generate(
    pose: Pose | undefined,
    n: number,
    opts?: { seed?: number; size?: { width: number; height: number } },
  ): Promise<RgbImage[]>;
  // tensor-level
  /** q(z|x,y): images [B,S,S,3] in [-1,1]; poses [B,2J] normalised; visible [B,J]. Semi: poses optional (mean of q(y|x)). */
  encodeTensors(
    images: tf.Tensor4D,
    poses?: tf.Tensor2D,
    visible?: tf.Tensor2D,
  ): { mu: tf.Tensor2D; logvar: tf.Tensor2D };
  /** p(x|z,y): z [B,d_z], poses [B,2J] normalised → images [B,S,S,3] in [-1,1] */
  decodeTensors(z: tf.Tensor2D, poses: tf.Tensor2D, visible?: tf.Tensor2D): tf.Tensor4D;
  /** Full state for checkpoints: weights (incl. BN running stats), optimizer state, step. */
  getState(): Promise<{ weights: NamedArrays; optimizer: NamedArrays; step: number }>;
  /** Loads weights (checked first: E_WEIGHTS_MISMATCH) and optimizer state (E_CHECKPOINT). Async: tfjs optimizers restore asynchronously. */
  setState(s: { weights: NamedArrays; optimizer?: NamedArrays; step?: number }): Promise<void>;
  /** Weights + config in core's weights format (kind 'dgpose-conditional' | 'dgpose-semi'). */
  exportWeights(): Promise<{ manifest: WeightsManifest; shards: Uint8Array[] }>;
  paramCount(): number;
  dispose(): void;
}

export interface SemiDGPoseModel extends DGPoseModel<SemiConfig> {
  /** mean of q(y|x), in each image's pixel coords */
  estimatePose(images: ImageInput[]): Promise<Pose[]>;
  /** q(y|x): images [B,S,S,3] → mu/logvar [B,2J] over normalised coords */
  estimatePoseTensors(images: tf.Tensor4D): { mu: tf.Tensor2D; logvar: tf.Tensor2D };
  /**
   * Estimate the pose, edit it (pixel coords of the image), redraw the same appearance in the edited pose.
   * `offFrame` says what happens to a joint the edit pushes off the image's frame: 'drop' (default) makes
   * it missing (null) before rendering and lists its index in `droppedJoints`; 'error' rejects with E_ARG.
   * `edited` is the pose that was drawn.
   */
  manipulate(
    image: ImageInput,
    edit: (p: Pose) => Pose,
    opts?: { offFrame?: 'drop' | 'error' },
  ): Promise<{ pose: Pose; edited: Pose; image: RgbImage; droppedJoints: number[] }>;
  /** pose estimated from poseSource[i], appearance from appearanceSource[i] */
  indirectTransfer(poseSource: ImageInput[], appearanceSource: ImageInput[]): Promise<RgbImage[]>;
  /**
   * samples of the pose prior p(y) (needs fitPosePrior or loaded weights), in pixel coords of a model-size frame;
   * `temperature` τ samples N(μ, τ²Σ): default 0.5 for a full-covariance prior, 1 for a diagonal one
   */
  samplePoses(n: number, opts?: { seed?: number; temperature?: number }): Pose[];
  /**
   * fit p(y) to labelled poses ([N][2J] normalised coords + visible [N][J]); full covariance by default
   * (`covariance: 'diagonal'` for the older prior); stored with the weights
   */
  fitPosePrior(
    poses: ArrayLike<number>[] | Float32Array,
    visible?: ArrayLike<number>[] | Float32Array,
    opts?: { covariance?: 'full' | 'diagonal'; shrinkage?: number },
  ): void;
}

/** A partial config: any top-level field, and any part of lossWeights / discriminator. */
export type ConfigOverrides<C extends ConditionalConfig | SemiConfig> = Partial<
  Omit<C, 'lossWeights' | 'discriminator'>
> & {
  lossWeights?: Partial<C['lossWeights']>;
  discriminator?: Partial<DiscriminatorConfig>;
};

export interface CreateConditionalOptions {
  preset?: PresetName;
  config?: ConfigOverrides<ConditionalConfig>;
  seed?: number;
}
export interface CreateSemiOptions {
  preset?: PresetName;
  config?: ConfigOverrides<SemiConfig>;
  seed?: number;
  mapper?: 'learned' | 'analytic';
}

/** Extra JSON saved with a checkpoint. */
export interface CheckpointExtra {
  rng?: RngState;
  data?: unknown;
  meta?: Record<string, unknown>;
}
