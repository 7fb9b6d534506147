/*
 * The onnxruntime inference engine: the task-level verbs of the tfjs models (reconstruct, transfer,
 * crossDomainTransfer, generate, estimatePose) over an export (dgpose-onnx.json + .onnx files), on any
 * onnxruntime build passed in as `ort`: onnxruntime-node (see ./node) or onnxruntime-web in a browser.
 * No tfjs maths runs here: images are resized and scaled in JS (the same arithmetic as tfjs's cpu
 * resizeBilinear with aligned corners), poses converted with @dgpose/models' plain-array helpers.
 *
 * Differences from the tfjs model, by design: `generate` draws z from @dgpose/core's seeded RNG (tfjs draws
 * from its own generator), so a seed gives other (equally distributed) samples than the tfjs model's.
 */
import {
  DGPoseError,
  type Pose,
  checkNonEmptyList,
  convertPose,
  createRng,
  getSkeleton,
  type SkeletonName,
} from '@dgpose/core';
import { FULL_PRIOR_SAMPLE_TEMPERATURE, normalizedToPose, posesToNormalized, type RgbImage } from '@dgpose/models';
import { samplePosePrior } from '@dgpose/objectives';
import { type OnnxGraphName, type OnnxManifest } from './export';
import { checkGraphInterface, checkManifest } from './graph-check';
import { arrayToImages, imagesToArray } from './image-arrays';

/** The part of an onnxruntime tensor the engine uses. */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** The part of an onnxruntime InferenceSession the engine uses. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release?(): Promise<void>;
}

/** The part of an onnxruntime module (onnxruntime-node, onnxruntime-web) the engine uses. */
export interface OrtLike {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike;
}

/** Options of {@link createOnnxEngine}. */
export interface OnnxEngineOptions {
  /** The onnxruntime module: `require('onnxruntime-node')` or `import * as ort from 'onnxruntime-web'`. */
  ort: OrtLike;
  /** Passed to InferenceSession.create (default `{ graphOptimizationLevel: 'all' }`). */
  sessionOptions?: Record<string, unknown>;
}

/** An export to run: the manifest and the bytes of its files by file name. */
export interface OnnxSource {
  manifest: OnnxManifest;
  files: Record<string, Uint8Array>;
}

/** Plain-array results of the tensor-level calls. */
export interface GaussianArrays {
  /** [B, d] row-major. */
  mu: Float32Array;
  logvar: Float32Array;
}

/** A DGPose model served by onnxruntime: the tfjs model's verbs over plain data. */
export interface OnnxDGPoseModel {
  readonly engine: 'onnxruntime';
  readonly kind: 'conditional' | 'semi';
  readonly manifest: OnnxManifest;
  readonly imageSize: number;
  readonly joints: number;
  readonly skeleton: SkeletonName;
  /** Semi: poses optional (estimated). Outputs are uint8 RGB at model size. */
  reconstruct(images: RgbImage[], poses?: Pose[]): Promise<RgbImage[]>;
  /** Appearance of image i drawn in targetPoses[i] (pixel coords of `targetSize`, default the appearance image's frame). */
  transfer(
    appearance: RgbImage[],
    appearancePoses: Pose[] | undefined,
    targetPoses: Pose[],
    opts?: { targetSize?: { width: number; height: number } },
  ): Promise<RgbImage[]>;
  /** Appearance from one data set, pose from another skeleton (converted to the model's). */
  crossDomainTransfer(
    appearance: RgbImage[],
    appearancePoses: Pose[] | undefined,
    targetPoses: Pose[],
    opts: { targetSize: { width: number; height: number } },
  ): Promise<RgbImage[]>;
  /** n samples z ~ p(z|y) for a pose (Semi: pose optional, sampled from p(y)). */
  generate(
    pose: Pose | undefined,
    n: number,
    opts?: { seed?: number; size?: { width: number; height: number } },
  ): Promise<RgbImage[]>;
  /** Semi only: mean of q(y|x) in each image's pixel coords. */
  estimatePose(images: RgbImage[]): Promise<Pose[]>;
  /** q(z|x,y): images [B,S,S,3] in [-1,1], poses [B,2J] normalised, visible [B,J] (default all). */
  encodeArrays(images: Float32Array, poses: Float32Array, visible?: Float32Array): Promise<GaussianArrays>;
  /** p(x|z,y): z [B,d_z] → images [B,S,S,3] in [-1,1]. */
  decodeArrays(z: Float32Array, poses: Float32Array, visible?: Float32Array): Promise<Float32Array>;
  /** Semi: q(y|x) over normalised coords. */
  estimatePoseArrays(images: Float32Array): Promise<GaussianArrays>;
  /** Pose maps [B,S,S,J(+P)] of poses, as the networks read them. */
  poseMapsArrays(poses: Float32Array, visible?: Float32Array): Promise<Float32Array>;
  /** Releases the sessions. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Opens the graphs of an export with onnxruntime and returns the model with its verbs. Every file is checked
 * first (E_WEIGHTS_MISMATCH for a file whose inputs or outputs are not ours, E_WEIGHTS_CORRUPT for one that is
 * not ONNX or is missing). Conditional exports need encoder + decoder; Semi ones also pose-estimator.
 */
export async function createOnnxEngine(src: OnnxSource, opts: OnnxEngineOptions): Promise<OnnxDGPoseModel> {
  if (!src || typeof src !== 'object')
    throw new DGPoseError('E_ARG', 'createOnnxEngine needs { manifest, files }', { argument: 'src' });
  const m = src.manifest;
  checkManifest(m, 'manifest');
  if (m.modelKind !== 'conditional' && m.modelKind !== 'semi') {
    throw new DGPoseError('E_ARG', 'this export is not a DGPose model (a mapper alone has no verbs)', {
      argument: 'manifest.modelKind',
      expected: ['conditional', 'semi'],
      got: m.modelKind,
    });
  }
  const ort = opts?.ort;
  if (!ort || typeof ort.InferenceSession?.create !== 'function' || typeof ort.Tensor !== 'function') {
    throw new DGPoseError(
      'E_BACKEND',
      'createOnnxEngine needs an onnxruntime module as opts.ort (npm install onnxruntime-node, or onnxruntime-web in a browser)',
      { argument: 'opts.ort' },
    );
  }
  const needed: OnnxGraphName[] =
    m.modelKind === 'semi' ? ['encoder', 'decoder', 'pose-estimator'] : ['encoder', 'decoder'];
  const present = (Object.keys(m.graphs) as OnnxGraphName[]).filter((g) =>
    ['encoder', 'decoder', 'pose-estimator', 'prior', 'pose-maps'].includes(g),
  );
  for (const g of needed)
    if (!m.graphs[g])
      throw new DGPoseError('E_WEIGHTS_CORRUPT', `the export lacks the '${g}' graph`, {
        argument: g,
        expected: needed,
        got: Object.keys(m.graphs),
      });
  const bytesOf = (g: OnnxGraphName): Uint8Array => {
    const file = m.graphs[g]?.file as string;
    const bytes = src.files[file];
    if (!(bytes instanceof Uint8Array))
      throw new DGPoseError('E_WEIGHTS_CORRUPT', `the export lacks ${file}`, {
        argument: file,
        expected: 'the bytes of the file',
        got: typeof bytes,
      });
    checkGraphInterface(m, g, file, bytes);
    return bytes;
  };
  const bytes = Object.fromEntries(present.map((g) => [g, bytesOf(g)])) as Partial<Record<OnnxGraphName, Uint8Array>>;
  const sessions: Partial<Record<OnnxGraphName, OrtSessionLike>> = {};
  try {
    for (const g of present)
      sessions[g] = await ort.InferenceSession.create(
        bytes[g] as Uint8Array,
        opts.sessionOptions ?? { graphOptimizationLevel: 'all' },
      );
  } catch (e) {
    await Promise.all(Object.values(sessions).map((s) => s?.release?.() ?? Promise.resolve()));
    throw e instanceof DGPoseError
      ? e
      : new DGPoseError('E_WEIGHTS_CORRUPT', `onnxruntime could not open the export: ${(e as Error)?.message ?? e}`, {
          cause: e,
        });
  }
  return new OnnxModel(m, sessions, ort);
}

// ------------------------------------------------------------------ the model

class OnnxModel implements OnnxDGPoseModel {
  readonly engine = 'onnxruntime' as const;
  readonly kind: 'conditional' | 'semi';
  readonly imageSize: number;
  readonly joints: number;
  readonly skeleton: SkeletonName;
  private released = false;

  constructor(
    readonly manifest: OnnxManifest,
    private readonly sessions: Partial<Record<OnnxGraphName, OrtSessionLike>>,
    private readonly ort: OrtLike,
  ) {
    this.kind = manifest.modelKind as 'conditional' | 'semi';
    this.imageSize = manifest.imageSize;
    this.joints = manifest.joints;
    this.skeleton = (manifest.config?.skeleton ?? 'coco18') as SkeletonName;
    if (getSkeleton(this.skeleton).joints.length !== this.joints) {
      throw new DGPoseError('E_WEIGHTS_CORRUPT', 'the manifest skeleton and joint count disagree', {
        argument: 'joints',
        expected: getSkeleton(this.skeleton).joints.length,
        got: this.joints,
      });
    }
  }

  private live(): void {
    if (this.released) throw new DGPoseError('E_ARG', 'the model was disposed', { argument: 'model' });
  }

  private t(data: Float32Array, dims: number[]): OrtTensorLike {
    return new this.ort.Tensor('float32', data, dims);
  }

  private async run(g: OnnxGraphName, feeds: Record<string, OrtTensorLike>): Promise<Record<string, Float32Array>> {
    this.live();
    const s = this.sessions[g];
    if (!s)
      throw new DGPoseError('E_ARG', `this export has no '${g}' graph`, {
        argument: g,
        expected: Object.keys(this.sessions),
        got: g,
      });
    const out = await s.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  }

  private visibleOr(n: number, visible?: Float32Array): Float32Array {
    return visible ?? new Float32Array(n * this.joints).fill(1);
  }

  private checkRows(what: string, a: Float32Array, per: number): number {
    if (!(a instanceof Float32Array) || a.length === 0 || a.length % per !== 0) {
      throw new DGPoseError('E_SHAPE', `${what} must be a Float32Array of B·${per} values`, {
        argument: what,
        expected: `a multiple of ${per}`,
        got: a instanceof Float32Array ? a.length : typeof a,
      });
    }
    return a.length / per;
  }

  async encodeArrays(images: Float32Array, poses: Float32Array, visible?: Float32Array): Promise<GaussianArrays> {
    const S = this.imageSize;
    const J = this.joints;
    const n = this.checkRows('images', images, S * S * 3);
    if (this.checkRows('poses', poses, 2 * J) !== n)
      throw new DGPoseError('E_SHAPE', 'poses must have one row per image', {
        argument: 'poses',
        expected: n * 2 * J,
        got: poses.length,
      });
    const v = this.visibleOr(n, visible);
    if (this.checkRows('visible', v, J) !== n)
      throw new DGPoseError('E_SHAPE', 'visible must be [B,J]', {
        argument: 'visible',
        expected: n * J,
        got: v.length,
      });
    const r = await this.run('encoder', {
      image: this.t(images, [n, S, S, 3]),
      pose: this.t(poses, [n, 2 * J]),
      visible: this.t(v, [n, J]),
    });
    return { mu: r.z_mu, logvar: r.z_logvar };
  }

  async decodeArrays(z: Float32Array, poses: Float32Array, visible?: Float32Array): Promise<Float32Array> {
    const J = this.joints;
    const d = this.manifest.latentDim as number;
    const n = this.checkRows('z', z, d);
    if (this.checkRows('poses', poses, 2 * J) !== n)
      throw new DGPoseError('E_SHAPE', 'poses must have one row per z', {
        argument: 'poses',
        expected: n * 2 * J,
        got: poses.length,
      });
    const v = this.visibleOr(n, visible);
    if (this.checkRows('visible', v, J) !== n)
      throw new DGPoseError('E_SHAPE', 'visible must be [B,J]', {
        argument: 'visible',
        expected: n * J,
        got: v.length,
      });
    return (
      await this.run('decoder', { z: this.t(z, [n, d]), pose: this.t(poses, [n, 2 * J]), visible: this.t(v, [n, J]) })
    ).image;
  }

  async estimatePoseArrays(images: Float32Array): Promise<GaussianArrays> {
    if (this.kind !== 'semi')
      throw new DGPoseError('E_ARG', 'Conditional-DGPose cannot estimate poses (Semi-DGPose can)', {
        argument: 'model',
        expected: 'semi',
        got: this.kind,
      });
    const S = this.imageSize;
    const n = this.checkRows('images', images, S * S * 3);
    const r = await this.run('pose-estimator', { image: this.t(images, [n, S, S, 3]) });
    return { mu: r.pose_mu, logvar: r.pose_logvar };
  }

  async poseMapsArrays(poses: Float32Array, visible?: Float32Array): Promise<Float32Array> {
    const J = this.joints;
    const n = this.checkRows('poses', poses, 2 * J);
    const v = this.visibleOr(n, visible);
    return (await this.run('pose-maps', { pose: this.t(poses, [n, 2 * J]), visible: this.t(v, [n, J]) })).pose_maps;
  }

  private normalized(
    poses: readonly Pose[],
    frames: readonly { width: number; height: number }[],
    argument: string,
  ): { coords: Float32Array; visible: Float32Array } {
    const p = posesToNormalized(poses, frames, this.skeleton, argument);
    if (p.j !== this.joints)
      throw new DGPoseError('E_JOINTS', `${argument} has the wrong joint count`, {
        argument,
        expected: this.joints,
        got: p.j,
      });
    return { coords: p.coords, visible: p.visible };
  }

  /** Semi's missing poses: the mean of q(y|x), every joint visible. */
  private async estimated(x: Float32Array, argument: string): Promise<{ coords: Float32Array; visible: Float32Array }> {
    if (this.kind !== 'semi') {
      throw new DGPoseError(
        'E_ARG',
        `Conditional-DGPose needs ${argument} (it cannot estimate poses; Semi-DGPose can)`,
        { argument, expected: 'one pose per image', got: 'undefined' },
      );
    }
    const q = await this.estimatePoseArrays(x);
    return { coords: q.mu, visible: new Float32Array(q.mu.length / 2).fill(1) };
  }

  private async drawWith(
    appearance: readonly RgbImage[],
    appearancePoses: readonly Pose[] | undefined,
    target: (x: Float32Array) => Promise<{ coords: Float32Array; visible: Float32Array }>,
  ): Promise<RgbImage[]> {
    this.live();
    if (appearancePoses !== undefined) checkNonEmptyList(appearancePoses, 'appearancePoses', appearance?.length);
    const S = this.imageSize;
    const x = imagesToArray(appearance, S, 'appearance');
    const src =
      appearancePoses !== undefined
        ? this.normalized(appearancePoses, appearance, 'appearancePoses')
        : await this.estimated(x, 'appearancePoses');
    const tgt = await target(x);
    const q = await this.encodeArrays(x, src.coords, src.visible);
    const out = await this.decodeArrays(q.mu, tgt.coords, tgt.visible);
    return arrayToImages(out, appearance.length, S);
  }

  async reconstruct(images: RgbImage[], poses?: Pose[]): Promise<RgbImage[]> {
    if (poses !== undefined) checkNonEmptyList(poses, 'poses', images?.length);
    return this.drawWith(images, poses, async (x) =>
      poses !== undefined ? this.normalized(poses, images, 'poses') : this.estimated(x, 'poses'),
    );
  }

  async transfer(
    appearance: RgbImage[],
    appearancePoses: Pose[] | undefined,
    targetPoses: Pose[],
    opts: { targetSize?: { width: number; height: number } } = {},
  ): Promise<RgbImage[]> {
    checkNonEmptyList(appearance, 'appearance');
    checkNonEmptyList(targetPoses, 'targetPoses', appearance.length);
    const frames = opts.targetSize
      ? targetPoses.map(() => opts.targetSize as { width: number; height: number })
      : appearance;
    return this.drawWith(appearance, appearancePoses, async () => this.normalized(targetPoses, frames, 'targetPoses'));
  }

  async crossDomainTransfer(
    appearance: RgbImage[],
    appearancePoses: Pose[] | undefined,
    targetPoses: Pose[],
    opts: { targetSize: { width: number; height: number } },
  ): Promise<RgbImage[]> {
    if (!opts?.targetSize)
      throw new DGPoseError('E_ARG', 'crossDomainTransfer needs opts.targetSize, the frame of targetPoses', {
        argument: 'opts.targetSize',
        expected: '{ width, height }',
      });
    const sk = this.skeleton;
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

  async generate(
    pose: Pose | undefined,
    n: number,
    opts: { seed?: number; size?: { width: number; height: number } } = {},
  ): Promise<RgbImage[]> {
    this.live();
    if (!Number.isInteger(n) || n < 1)
      throw new DGPoseError('E_ARG', 'n must be an integer >= 1', { argument: 'n', expected: '>= 1', got: n });
    const S = this.imageSize;
    const J = this.joints;
    const d = this.manifest.latentDim as number;
    const seed = opts.seed ?? this.manifest.config?.seed ?? 0;
    let coords: Float32Array;
    let visible: Float32Array;
    if (pose === undefined) {
      const prior = this.manifest.posePrior;
      if (this.kind !== 'semi' || !prior) {
        throw new DGPoseError(
          'E_ARG',
          'Conditional-DGPose needs a pose to generate from (it has no pose prior; Semi-DGPose has)',
          { argument: 'pose', expected: 'a Pose', got: 'undefined' },
        );
      }
      if (!prior.fitted) {
        throw new DGPoseError(
          'E_ARG',
          'the pose prior p(y) is not fitted: call fitPosePrior(labelledPoses) (or load weights that hold one)',
          { argument: 'posePrior', expected: 'a fitted prior', got: 'none' },
        );
      }
      const f32 = (a: number[]): Float32Array => Float32Array.from(a);
      const tau = prior.cholesky ? FULL_PRIOR_SAMPLE_TEMPERATURE : 1;
      coords = samplePosePrior(
        {
          center: f32(prior.center),
          scale: f32(prior.scale),
          mean: f32(prior.mean),
          logvar: f32(prior.logvar),
          ...(prior.cholesky ? { cholesky: f32(prior.cholesky) } : {}),
        },
        n,
        seed,
        { temperature: tau },
      );
      visible = new Float32Array(n * J).fill(1);
    } else {
      const one = this.normalized([pose], [opts.size ?? { width: S, height: S }], 'pose');
      coords = new Float32Array(n * 2 * J);
      visible = new Float32Array(n * J);
      for (let i = 0; i < n; i++) {
        coords.set(one.coords, i * 2 * J);
        visible.set(one.visible, i * J);
      }
    }
    const rng = createRng(seed);
    const z = new Float32Array(n * d);
    for (let i = 0; i < z.length; i++) z[i] = rng.normal();
    if (this.sessions.prior) {
      const p = await this.run('prior', { pose: this.t(coords, [n, 2 * J]), visible: this.t(visible, [n, J]) });
      for (let i = 0; i < z.length; i++) z[i] = p.z_mu[i] + Math.exp(0.5 * p.z_logvar[i]) * z[i];
    }
    return arrayToImages(await this.decodeArrays(z, coords, visible), n, S);
  }

  async estimatePose(images: RgbImage[]): Promise<Pose[]> {
    const x = imagesToArray(images, this.imageSize);
    const q = await this.estimatePoseArrays(x);
    return images.map((im, i) => normalizedToPose(q.mu, i * 2 * this.joints, this.joints, im, this.skeleton));
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.all(Object.values(this.sessions).map((s) => s?.release?.() ?? Promise.resolve()));
  }
}
