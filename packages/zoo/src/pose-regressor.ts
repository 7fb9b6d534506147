/*
 * A small synthetic-domain pose regressor: 64x64 RGB -> COCO-18 keypoints + per-joint visibility.
 * It scores images of the built-in synthetic people (reconstructions, transfers), where MoveNet,
 * trained on photos, does not apply. Direct regression from a conv encoder (k4 s2 p1 blocks, as the
 * DGPose encoders, docs/paper-notes.md §4.3) and a two-layer head; outputs are mapper-normalised coords
 * (x' = 2x/(n-1) - 1) and visibility logits. Universal code (no Node imports).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  createRng,
  DGPoseError,
  decodeWeights,
  encodeWeights,
  type Keypoint,
  type NamedArrays,
  type Pose,
  type WeightsManifest,
} from '@dgpose/core';
import {
  activation,
  dense,
  encoderBlock,
  flatten,
  loadNamedArrays,
  sequential,
  toNamedArrays,
  type Sequential,
} from '@dgpose/layers';
import { assertAlive, validateImages, type PoseEstimator, type RgbImage } from './estimator';

/** Joints of COCO-18. */
export const REGRESSOR_JOINTS = 18;
/** `kind` of pose-regressor weights manifests. */
export const POSE_REGRESSOR_KIND = 'zoo/pose-regressor';

export interface PoseRegressorConfig {
  /** Input side in pixels (square); images of another size are resized to it. Divisible by 2^channels.length. */
  imageSize: number;
  /** Filters of the conv k4 s2 p1 encoder blocks (the first without a norm, the others batch-norm). */
  channels: number[];
  /** Units of the hidden dense layer of the head. */
  hidden: number;
  /** Seed of the weight initialisation. */
  seed: number;
  /** A joint is returned only when its predicted visibility probability is >= this (in [0, 1]). */
  visibilityThreshold: number;
}

export const DEFAULT_POSE_REGRESSOR_CONFIG: Readonly<PoseRegressorConfig> = Object.freeze({
  imageSize: 64,
  channels: [16, 32, 64, 64],
  hidden: 128,
  seed: 0,
  visibilityThreshold: 0.5,
});

function bad(argument: string, expected: string, got: unknown): never {
  throw new DGPoseError('E_CONFIG', `invalid pose regressor config: ${argument}`, { argument, expected, got });
}

/** Fills defaults and validates; throws E_CONFIG naming the field. */
export function validatePoseRegressorConfig(partial: Partial<PoseRegressorConfig> = {}): PoseRegressorConfig {
  if (typeof partial !== 'object' || partial === null) bad('config', 'an object', partial);
  for (const k of Object.keys(partial))
    if (!(k in DEFAULT_POSE_REGRESSOR_CONFIG))
      bad(k, `one of ${Object.keys(DEFAULT_POSE_REGRESSOR_CONFIG).join(', ')}`, k);
  const c: PoseRegressorConfig = {
    ...DEFAULT_POSE_REGRESSOR_CONFIG,
    ...partial,
    channels: [...(partial.channels ?? DEFAULT_POSE_REGRESSOR_CONFIG.channels)],
  };
  const posInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
  if (!Array.isArray(c.channels) || c.channels.length < 1 || !c.channels.every(posInt))
    bad('channels', 'a non-empty list of positive integers', c.channels);
  const f = 2 ** c.channels.length;
  if (!posInt(c.imageSize) || c.imageSize % f !== 0) bad('imageSize', `a positive multiple of ${f}`, c.imageSize);
  if (!posInt(c.hidden)) bad('hidden', 'a positive integer', c.hidden);
  if (!Number.isSafeInteger(c.seed)) bad('seed', 'a safe integer', c.seed);
  if (typeof c.visibilityThreshold !== 'number' || !(c.visibilityThreshold >= 0 && c.visibilityThreshold <= 1))
    bad('visibilityThreshold', 'a number in [0, 1]', c.visibilityThreshold);
  return c;
}

/** The network: [N,S,S,3] in [-1,1] -> [N, 2J + J] (normalised x,y per joint, then visibility logits). */
export function buildPoseRegressorNet(config: PoseRegressorConfig): Sequential {
  const rng = createRng(config.seed);
  const blocks: Record<string, ReturnType<typeof encoderBlock>> = {};
  let cin = 3;
  config.channels.forEach((filters, i) => {
    blocks[`block${i + 1}`] = encoderBlock({
      inChannels: cin,
      filters,
      norm: i === 0 ? 'none' : 'batch',
      kernelInit: 'heNormal',
      rng,
    });
    cin = filters;
  });
  const side = config.imageSize / 2 ** config.channels.length;
  return sequential({
    encoder: sequential(blocks),
    flatten: flatten(),
    fc: dense({ inFeatures: side * side * cin, units: config.hidden, kernelInit: 'glorotUniform', rng }),
    act: activation({ kind: 'leakyRelu', alpha: 0.2 }),
    out: dense({ inFeatures: config.hidden, units: 3 * REGRESSOR_JOINTS, kernelInit: 'glorotUniform', rng }),
  });
}

/**
 * Training loss on a batch: mean over present joints of the L1 distance of normalised coords
 * (both axes) plus the mean binary cross-entropy of the visibility logits over all joints.
 * `out` [N,3J], `coords` [N,2J] normalised, `visible` [N,J] 1/0. Returns a scalar (caller owns it).
 */
export function poseRegressorLoss(
  out: tf.Tensor2D,
  coords: tf.Tensor2D,
  visible: tf.Tensor2D,
): { total: tf.Scalar; coord: tf.Scalar; vis: tf.Scalar } {
  const J = REGRESSOR_JOINTS;
  return tf.tidy(() => {
    const pred = tf.slice(out, [0, 0], [-1, 2 * J]);
    const logits = tf.slice(out, [0, 2 * J], [-1, J]);
    const w = tf.reshape(tf.tile(tf.expandDims(visible, 2), [1, 1, 2]), [-1, 2 * J]);
    const n = tf.maximum(tf.sum(w), 1);
    const coord = tf.div(tf.sum(tf.mul(w, tf.abs(tf.sub(pred, coords)))), n) as tf.Scalar;
    // numerically stable BCE with logits: max(l,0) - l*t + log(1 + exp(-|l|))
    const vis = tf.mean(
      tf.add(tf.sub(tf.relu(logits), tf.mul(logits, visible)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))),
    ) as tf.Scalar;
    return { total: tf.add(coord, tf.mul(0.1, vis)) as tf.Scalar, coord, vis };
  });
}

/** [N,S,S,3] float32 in [-1,1] (q/127.5 - 1, as the synthetic renderer) from images resized to S. */
export function imagesToTensor(images: readonly RgbImage[], size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const parts = images.map((im) => {
      const t = tf.cast(tf.tensor3d(im.data, [im.height, im.width, 3], 'int32'), 'float32') as tf.Tensor3D;
      return im.width === size && im.height === size ? t : tf.image.resizeBilinear(t, [size, size], false, true);
    });
    return tf.sub(tf.div(tf.stack(parts), 127.5), 1) as tf.Tensor4D;
  });
}

/** A pose regressor: a {@link PoseEstimator} plus tensor-level access and its weights. */
export interface PoseRegressor extends PoseEstimator {
  readonly config: PoseRegressorConfig;
  readonly net: Sequential;
  /** [N,S,S,3] in [-1,1] -> { coords [N,2J] normalised, visibility [N,J] probabilities } (caller owns). */
  predictTensors(images: tf.Tensor4D): { coords: tf.Tensor2D; visibility: tf.Tensor2D };
  /** Weights + config in core's weights format (kind 'zoo/pose-regressor'). */
  exportWeights(): Promise<{ manifest: WeightsManifest; shards: Uint8Array[] }>;
}

/** A fresh, randomly initialised regressor (training mode; call `net.eval()` for inference). */
export function createPoseRegressor(config: Partial<PoseRegressorConfig> = {}): PoseRegressor {
  const c = validatePoseRegressorConfig(config);
  const net = buildPoseRegressorNet(c);
  const J = REGRESSOR_JOINTS;
  const S = c.imageSize;
  let disposed = false;
  const name = `pose-regressor-${S}`;
  const predictTensors = (images: tf.Tensor4D): { coords: tf.Tensor2D; visibility: tf.Tensor2D } => {
    assertAlive(disposed, name);
    if (images.rank !== 4 || images.shape[1] !== S || images.shape[2] !== S || images.shape[3] !== 3) {
      throw new DGPoseError('E_SHAPE', 'pose regressor input has the wrong shape', {
        argument: 'images',
        expected: ['N', S, S, 3],
        got: images.shape,
      });
    }
    return tf.tidy(() => {
      const out = net.call(images) as tf.Tensor2D;
      return { coords: tf.slice(out, [0, 0], [-1, 2 * J]), visibility: tf.sigmoid(tf.slice(out, [0, 2 * J], [-1, J])) };
    });
  };
  return {
    name,
    config: c,
    net,
    predictTensors,
    async estimate(images: readonly RgbImage[]): Promise<Pose[]> {
      assertAlive(disposed, name);
      validateImages(images);
      if (images.length === 0) return [];
      const wasTraining = net.training;
      net.eval();
      const x = imagesToTensor(images, S);
      let coords: Float32Array;
      let vis: Float32Array;
      try {
        const out = predictTensors(x);
        try {
          [coords, vis] = (await Promise.all([out.coords.data(), out.visibility.data()])) as [
            Float32Array,
            Float32Array,
          ];
        } finally {
          tf.dispose([out.coords, out.visibility]);
        }
      } finally {
        x.dispose();
        if (wasTraining) net.train();
      }
      return images.map((im, i) => {
        const keypoints: (Keypoint | null)[] = [];
        for (let j = 0; j < J; j++) {
          const score = vis[i * J + j];
          // normalised -> pixel of the S x S input -> pixel of the original image (centres onto centres)
          const xs = ((coords[i * 2 * J + 2 * j] + 1) * (S - 1)) / 2;
          const ys = ((coords[i * 2 * J + 2 * j + 1] + 1) * (S - 1)) / 2;
          const x = ((xs + 0.5) * im.width) / S - 0.5;
          const y = ((ys + 0.5) * im.height) / S - 0.5;
          keypoints.push(
            score >= c.visibilityThreshold && Number.isFinite(x) && Number.isFinite(y) ? { x, y, score } : null,
          );
        }
        return { skeleton: 'coco18', keypoints };
      });
    },
    async exportWeights() {
      return encodeWeights(await toNamedArrays(net), { kind: POSE_REGRESSOR_KIND, config: c });
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      net.dispose();
    },
  };
}

/**
 * A regressor from weights in core's format (checks kind, sha256 and sizes via decodeWeights;
 * names and shapes against the network built from the stored config). Returned in eval mode.
 */
export async function loadPoseRegressorFromWeights(
  src: { manifest: WeightsManifest; shards: Uint8Array[] },
  opts: { visibilityThreshold?: number } = {},
): Promise<PoseRegressor> {
  const arrays: NamedArrays = await decodeWeights(src.manifest, src.shards, { kind: POSE_REGRESSOR_KIND });
  const stored = src.manifest.config as Partial<PoseRegressorConfig> | undefined;
  const reg = createPoseRegressor({
    ...stored,
    ...(opts.visibilityThreshold !== undefined ? { visibilityThreshold: opts.visibilityThreshold } : {}),
  });
  try {
    loadNamedArrays(reg.net, arrays);
  } catch (e) {
    reg.dispose();
    throw e;
  }
  reg.net.eval();
  return reg;
}
