/*
 * What Conditional-DGPose and Semi-DGPose share at the task level: the verbs (reconstruct, transfer,
 * crossDomainTransfer, generate) over plain images and poses, on ModelCore's networks and pose maps
 * (model-core.ts). conditional.ts and semi.ts add their objective and poses.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, type ImageInput, type Pose, assertSeed, checkNonEmptyList, convertPose } from '@dgpose/core';
import { partChannels } from './networks';
import { type FrameSizeLike, imagesToTensor, posesToNormalized, tensorToImages, toImages } from './io';
import { poseMapsArray } from './pose-maps-array';
import type { ConditionalConfig, DGPoseModel, RgbImage } from './types';
import { ModelCore } from './model-core';

export { GeneratorNet, detach } from './generator-net';
export { type InternalBatch, ModelCore, stepSeed } from './model-core';
export type { ModelExtras } from './model-weights';

function assertPositiveInt(argument: string, v: unknown): asserts v is number {
  if (!Number.isInteger(v) || (v as number) < 1)
    throw new DGPoseError('E_ARG', `${argument} must be an integer >= 1`, { argument, expected: '>= 1', got: v });
}

export abstract class BaseModel<C extends ConditionalConfig> extends ModelCore<C> implements DGPoseModel<C> {
  /**
   * Pixel poses of the given frames → normalised tensors (E_SKELETON / E_JOINTS / E_NAN / E_ARG), and their
   * pose maps (as heatmaps()) when they can be drawn from the plain data.
   */
  protected poseTensors(
    poses: readonly Pose[],
    frames: readonly FrameSizeLike[],
    argument: string,
  ): { coords: tf.Tensor2D; visible: tf.Tensor2D; heat?: tf.Tensor4D } {
    const p = posesToNormalized(poses, frames, this.config.skeleton, argument);
    if (p.j !== this.joints)
      throw new DGPoseError('E_JOINTS', `${argument} has the wrong joint count`, {
        argument,
        expected: this.joints,
        got: p.j,
      });
    const sigma = this.gaussianJointSigma();
    const S = this.config.imageSize;
    const heat =
      sigma === null
        ? undefined
        : tf.tensor4d(
            poseMapsArray(p.coords, p.visible, p.n, { size: S, joints: p.j, sigma, parts: this.config.partAppearance }),
            [p.n, S, S, p.j + partChannels(this.config)],
          );
    return {
      coords: tf.tensor2d(p.coords, [p.n, 2 * p.j]),
      visible: tf.tensor2d(p.visible, [p.n, p.j]),
      ...(heat ? { heat } : {}),
    };
  }

  /** Decodes z = mean of q(z|x_a, y_a) with the target poses; all tensors are freed. */
  protected async drawWith(
    appearance: readonly RgbImage[],
    appearancePoses: readonly Pose[] | undefined,
    target: (x: tf.Tensor4D) => { coords: tf.Tensor2D; visible: tf.Tensor2D | null; heat?: tf.Tensor4D },
  ): Promise<RgbImage[]> {
    this.assertLive();
    const frames = appearance ?? [];
    if (appearancePoses !== undefined) checkNonEmptyList(appearancePoses, 'appearancePoses', frames.length);
    const own: tf.Tensor[] = [];
    try {
      const x = imagesToTensor(appearance, this.config.imageSize, 'appearance');
      own.push(x);
      const src: { coords: tf.Tensor2D; visible: tf.Tensor2D | null; heat?: tf.Tensor4D } =
        appearancePoses !== undefined
          ? this.poseTensors(appearancePoses, frames, 'appearancePoses')
          : this.withEval(() => this.missingPoses(x, 'appearancePoses'));
      own.push(src.coords, ...(src.visible ? [src.visible] : []), ...(src.heat ? [src.heat] : []));
      const tgt = target(x);
      own.push(tgt.coords, ...(tgt.visible ? [tgt.visible] : []), ...(tgt.heat ? [tgt.heat] : []));
      const out = this.withEval(() =>
        tf.tidy(() => {
          const q = this.infer.encode(x, src.heat ?? this.inferenceHeatmaps(src.coords, src.visible));
          return this.infer.decode(q.mu, tgt.heat ?? this.inferenceHeatmaps(tgt.coords, tgt.visible));
        }),
      );
      own.push(out);
      return await tensorToImages(out);
    } finally {
      tf.dispose(own);
    }
  }

  async reconstruct(input: ImageInput[], poses?: Pose[]): Promise<RgbImage[]> {
    const images = await toImages(input, 'images');
    if (poses !== undefined) checkNonEmptyList(poses, 'poses', images?.length);
    return this.drawWith(images, poses, (x) => {
      if (poses !== undefined) return this.poseTensors(poses, images, 'poses');
      return this.withEval(() => this.missingPoses(x, 'poses'));
    });
  }

  async transfer(
    input: ImageInput[],
    appearancePoses: Pose[] | undefined,
    targetPoses: Pose[],
    opts: { targetSize?: { width: number; height: number } } = {},
  ): Promise<RgbImage[]> {
    checkNonEmptyList(input, 'appearance');
    checkNonEmptyList(targetPoses, 'targetPoses', input.length);
    const appearance = await toImages(input, 'appearance');
    const frames = opts.targetSize ? targetPoses.map(() => opts.targetSize as FrameSizeLike) : appearance;
    return this.drawWith(appearance, appearancePoses, () => this.poseTensors(targetPoses, frames, 'targetPoses'));
  }

  async crossDomainTransfer(
    appearance: ImageInput[],
    appearancePoses: Pose[] | undefined,
    targetPoses: Pose[],
    opts: { targetSize: { width: number; height: number } },
  ): Promise<RgbImage[]> {
    if (!opts?.targetSize)
      throw new DGPoseError('E_ARG', 'crossDomainTransfer needs opts.targetSize, the frame of targetPoses', {
        argument: 'opts.targetSize',
        expected: '{ width, height }',
      });
    const sk = this.config.skeleton;
    const conv = (ps: Pose[] | undefined, arg: string): Pose[] | undefined =>
      ps?.map((p, i) => {
        if (!p || typeof p !== 'object')
          throw new DGPoseError('E_ARG', `${arg}[${i}] must be a pose`, { argument: `${arg}[${i}]` });
        return p.skeleton === sk ? p : convertPose(p, sk);
      });
    return this.transfer(
      appearance,
      conv(appearancePoses, 'appearancePoses'),
      conv(targetPoses, 'targetPoses') as Pose[],
      opts,
    );
  }

  /** Poses for generate() when none is given: Conditional refuses, Semi samples p(y). */
  protected abstract posesForGenerate(n: number, seed: number): { coords: tf.Tensor2D; visible: tf.Tensor2D | null };

  async generate(
    pose: Pose | undefined,
    n: number,
    opts: { seed?: number; size?: { width: number; height: number } } = {},
  ): Promise<RgbImage[]> {
    this.assertLive();
    assertPositiveInt('n', n);
    const seed = opts.seed ?? this.config.seed;
    assertSeed('opts.seed', seed);
    const S = this.config.imageSize;
    const own: tf.Tensor[] = [];
    try {
      let p: { coords: tf.Tensor2D; visible: tf.Tensor2D | null; heat?: tf.Tensor4D };
      if (pose === undefined) p = this.posesForGenerate(n, seed);
      else {
        // the same pose n times (one row per sample, as the old tile)
        const frame = opts.size ?? { width: S, height: S };
        p = this.poseTensors(new Array<Pose>(n).fill(pose), new Array<FrameSizeLike>(n).fill(frame), 'pose');
      }
      own.push(p.coords, ...(p.visible ? [p.visible] : []), ...(p.heat ? [p.heat] : []));
      const out = this.withEval(() =>
        tf.tidy(() => {
          const heat = p.heat ?? this.inferenceHeatmaps(p.coords, p.visible);
          return this.infer.decode(this.samplePrior(heat, seed), heat);
        }),
      );
      own.push(out);
      return await tensorToImages(out);
    } finally {
      tf.dispose(own);
    }
  }
}
