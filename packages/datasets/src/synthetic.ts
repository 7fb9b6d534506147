/*
 * Built-in synthetic people: a SampleSource of procedurally rendered articulated figures on the
 * COCO-18 skeleton. Deterministic by (seed, index) with random access; split by identity; every
 * identity appears in `posesPerIdentity` poses, so pose transfer has exact ground-truth targets.
 * Universal code: no Node imports.
 */
import {
  DGPoseError,
  checkBoolean,
  checkError,
  checkInt,
  checkKnownKeys,
  checkNumber,
  checkNumberIn,
  checkOneOf,
  checkPositiveInt,
  createRng,
  type Keypoint,
  type Pose,
  type Rng,
} from '@dgpose/core';
import { type BodyShape, type PoseFamily, type PoseParams, POSE_FAMILIES, samplePoseParams } from './synthetic-body';
import { type Canvas, createCanvas } from './synthetic-raster';
import {
  type Placement,
  type SyntheticAppearance,
  bodyBounds,
  renderPerson,
  sampleAppearance,
} from './synthetic-render';
import type { RgbImage, Sample, SampleSource } from './types';

/** Configuration of {@link createSyntheticDataset}. */
export interface SyntheticConfig {
  /** Seed of everything: appearances, poses, framing and the identity split. Safe integer. */
  seed: number;
  /** Image side in pixels (square images); any integer >= 32 (64, 128, 256 are the usual ones). */
  size: number;
  /** Number of identities over both splits (integer >= 1). */
  identities: number;
  /** Poses rendered per identity (integer >= 1; >= 2 for transfer pairs). */
  posesPerIdentity: number;
  /** Which identities: 'train', 'test' (held out by identity), or 'all'. */
  split: 'train' | 'test' | 'all';
  /** Fraction of identities held out for 'test', in [0, 1); the count is round(testFraction·identities). */
  testFraction: number;
  /** Probability in [0, 1] that a pose is framed tighter (zoom 1.15-1.5x), so some joints leave the frame. */
  cropProbability: number;
  /** Pose families to draw from; the default (all) uses fixed weights, a subset draws uniformly among them. */
  families: readonly PoseFamily[];
  /**
   * Visibility policy. false (default): every joint inside the frame is labelled, including joints
   * hidden behind the body (`meta.occluded` marks those). true: hidden joints are missing too.
   */
  hideOccluded: boolean;
}

export const DEFAULT_SYNTHETIC_CONFIG: Readonly<SyntheticConfig> = Object.freeze({
  seed: 0,
  size: 64,
  identities: 100,
  posesPerIdentity: 16,
  split: 'train',
  testFraction: 0.2,
  cropProbability: 0.1,
  families: POSE_FAMILIES,
  hideOccluded: false,
});

const S = { where: 'synthetic dataset config' };
function bad(argument: string, expected: string, got: unknown): never {
  throw checkError(argument, expected, got, S);
}

/** Fills defaults and validates; throws `DGPoseError('E_CONFIG')` naming the field on a bad value. */
export function validateSyntheticConfig(partial: Partial<SyntheticConfig> = {}): SyntheticConfig {
  if (typeof partial !== 'object' || partial === null) bad('config', 'an object', partial);
  checkKnownKeys(partial, DEFAULT_SYNTHETIC_CONFIG, S);
  const c: SyntheticConfig = { ...DEFAULT_SYNTHETIC_CONFIG, ...partial };
  checkNumber('seed', c.seed, Number.isSafeInteger, 'a safe integer', S);
  checkInt('size', c.size, { min: 32, max: 4096 }, S);
  checkPositiveInt('identities', c.identities, S);
  checkPositiveInt('posesPerIdentity', c.posesPerIdentity, S);
  checkOneOf('split', c.split, ['train', 'test', 'all'] as const, S);
  checkNumberIn('testFraction', c.testFraction, 0, 1, { hiOpen: true }, S);
  checkNumberIn('cropProbability', c.cropProbability, 0, 1, {}, S);
  if (
    !Array.isArray(c.families) ||
    c.families.length === 0 ||
    !c.families.every((f) => (POSE_FAMILIES as readonly string[]).includes(f))
  ) {
    bad('families', `a non-empty list of ${POSE_FAMILIES.join(', ')}`, c.families);
  }
  checkBoolean('hideOccluded', c.hideOccluded, S);
  const nTest = Math.round(c.testFraction * c.identities);
  if (c.split === 'test' && nTest === 0)
    bad('testFraction', `> 0 so that round(testFraction * ${c.identities}) >= 1 for split 'test'`, c.testFraction);
  if (c.split === 'train' && nTest === c.identities)
    bad('testFraction', `small enough to leave a training identity`, c.testFraction);
  return { ...c, families: Object.freeze([...c.families]) };
}

/** Everything decided for one rendered example (exposed for tests and previews). */
export interface SyntheticSpec {
  identity: number;
  poseIndex: number;
  appearance: SyntheticAppearance;
  pose: PoseParams;
  placement: Placement;
}

/** A synthetic SampleSource with extra synchronous, allocation-light rendering paths. */
export interface SyntheticSource extends SampleSource {
  readonly config: SyntheticConfig;
  /** Global identity numbers (0 .. identities-1) in this split, ascending. */
  readonly identityIds: readonly number[];
  /** Width and height of every image (both = config.size). */
  readonly imageSize: { width: number; height: number };
  /** The id `get(index).id` would have, without rendering. */
  idOf(index: number): string;
  /** Same as `get`, synchronously. */
  getSync(index: number): Sample;
  /** What `index` shows: identity, appearance, joint angles, framing. */
  spec(index: number): SyntheticSpec;
  /**
   * Renders sample `index` straight into a float NHWC buffer at `offset` (values in [-1, 1]:
   * q/127.5 - 1 with q the uint8 value `get` would return, so both paths agree exactly), writes its
   * pixel coordinates into `coords` [2J] at `coordOffset` and 1/0 into `visible` [J] at `visOffset`.
   */
  renderInto(
    index: number,
    images: Float32Array,
    offset: number,
    coords?: Float32Array,
    coordOffset?: number,
    visible?: Uint8Array | Float32Array,
    visOffset?: number,
  ): void;
  /** All (source, target) ordered pairs of different poses of the same identity (ground-truth transfer). */
  pairs(): Array<[number, number]>;
  /**
   * The part map of sample `index`: one code per pixel (row-major, size x size), an index into
   * {@link PART_NAMES} ('top' = shirt and sleeves, 'bottom' = trousers or skirt, 0 = background):
   * the ground truth for per-garment colour errors of generated images.
   */
  parts(index: number): Uint8Array;
  /**
   * Sample `index`'s pose, framing and body shape worn by the identity of sample `wearer`: its clothes,
   * colours, patterns, hair, skin and background. A set of these for several wearers is the appearance
   * variation of real people at one fixed pose and silhouette, the reference for the spread of samples
   * drawn from a model's appearance prior in that pose (parts(index) is the person's mask; hair style
   * may change a few head pixels).
   */
  renderWorn(index: number, wearer: number): RgbImage;
}

/** Pixel range a joint must fall in to be labelled (pixel centres 0..size-1; mapper's frame). */
function inFrame(x: number, y: number, size: number): boolean {
  return x >= 0 && x <= size - 1 && y >= 0 && y <= size - 1;
}

const uni = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next();

/** Frames the figure: scale (pixels per body height) and origin, from the pose's own bounds. */
function placeFigure(rng: Rng, pose: PoseParams, shape: BodyShape, size: number, cropProbability: number): Placement {
  const b = bodyBounds(pose, shape);
  const bw = b.x1 - b.x0;
  const bh = b.y1 - b.y0;
  const margin = 0.04 * size;
  const avail = size - 2 * margin;
  const jit = Math.max(-2, Math.min(2, rng.normal()));
  let S = size * 0.74 * shape.height * (1 + 0.03 * jit);
  S = Math.min(S, avail / bh, avail / bw);
  const crop = rng.next() < cropProbability;
  const zoom = uni(rng, 1.15, 1.5);
  if (crop) S *= zoom;
  const ux = rng.next() - 0.5;
  const uy = rng.next() - 0.5;
  const slackX = avail - S * bw;
  const slackY = avail - S * bh;
  const mid = (size - 1) / 2;
  const cx = mid - (S * (b.x0 + b.x1)) / 2 + (slackX > 0 ? ux * slackX : ux * 0.2 * size);
  const cy = mid + (S * (b.y0 + b.y1)) / 2 + (slackY > 0 ? uy * slackY : uy * 0.2 * size);
  return { scale: S, cx, cy };
}

/**
 * The built-in synthetic people (see the package README for what they look like and the policies).
 *
 * - Index i of a split shows identity `identityIds[floor(i / posesPerIdentity)]` in pose
 *   `i % posesPerIdentity`; everything is a pure function of (seed, identity, pose), so any index
 *   renders the same bytes in any order, in any process.
 * - Split by identity: a seeded permutation of 0..identities-1; the first round(testFraction·N) are
 *   'test', the rest 'train'. No identity appears in both.
 * - Appearance (body shape, skin, hair, clothes, pattern) and the background belong to the identity;
 *   pose, framing (scale, shift, occasional tight crop) to the (identity, pose) pair.
 * - Keypoints: all 18 COCO joints are labelled, including joints hidden behind the body
 *   (`meta.occluded` marks those, `meta.depth` gives each joint's depth, larger = nearer the
 *   camera); a joint is `null` only when it projects outside the pixel-centre frame [0, size-1]²,
 *   or, with `hideOccluded: true`, when it is hidden.
 */
export function createSyntheticDataset(config: Partial<SyntheticConfig> = {}): SyntheticSource {
  const cfg = validateSyntheticConfig(config);
  const { size, posesPerIdentity: P } = cfg;
  const root = createRng(cfg.seed);
  const perm = root.fork('split').shuffle(Array.from({ length: cfg.identities }, (_, i) => i));
  const nTest = Math.round(cfg.testFraction * cfg.identities);
  const ids =
    cfg.split === 'all'
      ? perm.slice().sort((a, b) => a - b)
      : (cfg.split === 'test' ? perm.slice(0, nTest) : perm.slice(nTest)).sort((a, b) => a - b);
  const identityIds = Object.freeze(ids);
  const n = ids.length * P;
  const canvas: Canvas = createCanvas(size, size);
  const appearanceCache = new Map<number, SyntheticAppearance>();
  const families = cfg.families;
  const allFamilies = families.length === POSE_FAMILIES.length;

  const checkIndex = (index: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new DGPoseError('E_ARG', 'synthetic sample index out of range', {
        argument: 'index',
        expected: `an integer in [0, ${n - 1}]`,
        got: index,
      });
    }
  };
  const appearanceOf = (g: number): SyntheticAppearance => {
    let a = appearanceCache.get(g);
    if (a === undefined) {
      a = sampleAppearance(root.fork(`identity:${g}`));
      if (appearanceCache.size > 4096) appearanceCache.clear();
      appearanceCache.set(g, a);
    }
    return a;
  };
  const spec = (index: number): SyntheticSpec => {
    checkIndex(index);
    const g = ids[Math.floor(index / P)];
    const k = index % P;
    const appearance = appearanceOf(g);
    const rng = root.fork(`pose:${g}:${k}`);
    const family = allFamilies ? undefined : families[rng.int(families.length)];
    const pose = samplePoseParams(rng, family);
    const placement = placeFigure(rng, pose, appearance.shape, size, cfg.cropProbability);
    return { identity: g, poseIndex: k, appearance, pose, placement };
  };
  const draw = (
    index: number,
  ): { s: SyntheticSpec; coords: Float64Array; depth: Float64Array; occluded: Uint8Array; parts: Uint8Array } => {
    const s = spec(index);
    return { s, ...renderPerson(canvas, s.appearance, s.pose, s.placement) };
  };
  const labelled = (coords: Float64Array, occluded: Uint8Array, j: number): boolean =>
    inFrame(coords[2 * j], coords[2 * j + 1], size) && !(cfg.hideOccluded && occluded[j] === 1);
  const sampleId = (g: number, k: number): string => `synthetic/${cfg.seed}/id${g}/pose${k}`;

  const canvasBytes = (): Uint8Array => {
    const src = canvas.rgb;
    const data = new Uint8Array(size * size * 3);
    for (let i = 0; i < data.length; i++) {
      const v = src[i];
      data[i] = v <= 0 ? 0 : v >= 1 ? 255 : (v * 255 + 0.5) | 0;
    }
    return data;
  };

  const renderWorn = (index: number, wearer: number): RgbImage => {
    const s = spec(index);
    const w = spec(wearer).appearance;
    renderPerson(canvas, { ...w, shape: s.appearance.shape }, s.pose, s.placement);
    return { data: canvasBytes(), width: size, height: size, channels: 3 };
  };

  const getSync = (index: number): Sample => {
    const { s, coords, depth, occluded } = draw(index);
    const data = canvasBytes();
    const keypoints: (Keypoint | null)[] = [];
    for (let j = 0; j < 18; j++) {
      const x = coords[2 * j];
      const y = coords[2 * j + 1];
      keypoints.push(labelled(coords, occluded, j) ? { x, y } : null);
    }
    const pose: Pose = { skeleton: 'coco18', keypoints };
    const image: RgbImage = { data, width: size, height: size, channels: 3 };
    const a = s.appearance;
    return {
      id: sampleId(s.identity, s.poseIndex),
      identity: `synthetic/${cfg.seed}/id${s.identity}`,
      image,
      pose,
      meta: {
        family: s.pose.family,
        identityIndex: s.identity,
        poseIndex: s.poseIndex,
        depth: Array.from(depth),
        occluded: Array.from(occluded, (v) => v === 1),
        yaw: s.pose.yaw,
        hairStyle: a.hairStyle,
        shirtPattern: a.shirtPattern,
        sleeves: a.sleeves,
        trouserStyle: a.trouserStyle,
        background: a.background.style,
      },
    };
  };

  const renderInto: SyntheticSource['renderInto'] = (
    index,
    images,
    offset,
    coordsOut,
    coordOffset = 0,
    visible,
    visOffset = 0,
  ) => {
    const { coords, occluded } = draw(index);
    const src = canvas.rgb;
    const len = size * size * 3;
    if (offset < 0 || offset + len > images.length) {
      throw new DGPoseError('E_SHAPE', 'renderInto: the image buffer is too small', {
        argument: 'images',
        expected: `>= ${offset + len} floats`,
        got: images.length,
      });
    }
    for (let i = 0; i < len; i++) {
      const v = src[i];
      const q = v <= 0 ? 0 : v >= 1 ? 255 : (v * 255 + 0.5) | 0;
      images[offset + i] = q / 127.5 - 1;
    }
    for (let j = 0; j < 18; j++) {
      const x = coords[2 * j];
      const y = coords[2 * j + 1];
      const ok = labelled(coords, occluded, j);
      if (coordsOut) {
        coordsOut[coordOffset + 2 * j] = ok ? x : 0;
        coordsOut[coordOffset + 2 * j + 1] = ok ? y : 0;
      }
      if (visible) visible[visOffset + j] = ok ? 1 : 0;
    }
  };

  const pairs = (): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    for (let li = 0; li < ids.length; li++) {
      for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) if (a !== b) out.push([li * P + a, li * P + b]);
    }
    return out;
  };

  return {
    name: 'synthetic',
    size: n,
    skeleton: 'coco18',
    config: cfg,
    identityIds,
    imageSize: Object.freeze({ width: size, height: size }),
    idOf: (index: number) => {
      checkIndex(index);
      return sampleId(ids[Math.floor(index / P)], index % P);
    },
    get: async (index: number) => getSync(index),
    getSync,
    spec,
    renderInto,
    pairs,
    parts: (index: number) => draw(index).parts,
    renderWorn,
  };
}
