/*
 * Evaluation of one model on its shard of the test selection:
 * - reconstruction: encode each test image with its pose (Conditional: the ground-truth pose;
 *   Semi: its own estimate, the mean of q(y|x)), decode; PSNR (data range 255, uint8, as PG2's
 *   score.py) and SSIM (the chosen convention) against the input;
 * - the pose re-detected in each reconstruction by the estimator (Figs. 20/21 analogue);
 * - Semi-DGPose: q(y|x) means against ground truth (pose estimation);
 * - transfer: appearance of image A drawn in the pose of image B of the same identity, scored
 *   against B (ground truth on the synthetic data and DeepFashion pairs), beside the baselines
 *   (copying A, A's background only, the model's decoder with z = 0 in B's pose), with garment colour
 *   errors over B's part map where the data has one; poses re-detected in it by every estimator;
 * - timings of each verb, and an image grid.
 * A supervised-only Semi model (models' config.supervisedOnly: only q(y|x) was trained) is a pose
 * estimator only: just its q(y|x) means are scored (no reconstruction, transfer, grid or generate).
 */
import { convertPose, type Pose } from '@dgpose/core';
import type { Sample } from '@dgpose/datasets';
import { psnr, ssim } from '@dgpose/metrics';
import type { DGPoseModel, RgbImage, SemiDGPoseModel } from '@dgpose/models';
import type { PoseEstimator } from '@dgpose/zoo';
import { backgroundOnly, decodeZero } from './baselines';
import type { TestData } from './data';
import { garmentColourError, regionColourError, regionMeanColours } from './garment-colour';
import { posteriorMeans } from './appearance-swap';
import { sharpnessRatio } from './sharpness';
import { GENERATION_SAMPLES, personSpread } from './generation-spread';
import type { LoadedModel } from './load';
import type { Shard } from './options';
import { selectIndices, shardRange } from './options';
import type { FlatPose, ImageRecord, ModelResult, PairRecord, ReferenceResult, Timing } from './types';

export interface EvalContext {
  data: TestData;
  shard: Shard;
  batchSize: number;
  ssim: 'pg2' | 'wang';
  estimator: PoseEstimator | null;
  /** Other estimators that re-detect poses in the transfers (their ceilings are measured too). */
  ceilingEstimators?: PoseEstimator[];
  gridRows: number;
  log: (message: string) => void;
}

export interface GridRow {
  /** input | reconstruction | transfer | target */
  cells: RgbImage[];
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

export function flatPose(p: Pose): FlatPose {
  return p.keypoints.map((k) => (k === null ? null : [round2(k.x), round2(k.y)]));
}

function coco18(p: Pose): Pose {
  return p.skeleton === 'coco18' ? p : convertPose(p, 'coco18');
}

async function samples(data: TestData, indices: number[]): Promise<Sample[]> {
  return Promise.all(indices.map((i) => data.source.get(i)));
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

async function timed<T>(
  timings: Record<string, Timing>,
  verb: string,
  images: number,
  fn: () => Promise<T>,
): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  const t = (timings[verb] ??= { ms: 0, images: 0 });
  t.ms += performance.now() - t0;
  t.images += images;
  return r;
}

function finitePsnr(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Whether a model is Semi-DGPose's supervised-only baseline (a pose estimator only). */
export function isSupervisedOnly(model: Pick<DGPoseModel, 'kind' | 'config'>): boolean {
  return model.kind === 'semi' && (model.config as { supervisedOnly?: unknown }).supervisedOnly === true;
}

/** Evaluates one model on its shard; shard 0 also returns the image grid rows. */
export async function evaluateModel(
  lm: LoadedModel,
  ctx: EvalContext,
): Promise<{ result: ModelResult; grid: GridRow[] }> {
  const { data, estimator } = ctx;
  const model = lm.model;
  const semi = model.kind === 'semi';
  const poseOnly = isSupervisedOnly(model);
  const timings: Record<string, Timing> = {};
  const metricOpts = { dataRange: 255, convention: ctx.ssim } as const;

  // reconstructions
  const [lo, hi] = shardRange(data.indices.length, ctx.shard);
  const positions = Array.from({ length: hi - lo }, (_, i) => lo + i);
  const images: ImageRecord[] = [];
  for (const ks of chunks(positions, ctx.batchSize)) {
    const ss = await samples(
      data,
      ks.map((k) => data.indices[k]),
    );
    const inputs = ss.map((s) => s.image);
    const poses = ss.map((s) => coco18(s.pose));
    if (poseOnly) {
      const est = await timed(timings, 'estimatePose', ss.length, () =>
        (model as SemiDGPoseModel).estimatePose(inputs),
      );
      ss.forEach((s, i) =>
        images.push({
          k: ks[i],
          index: data.indices[ks[i]],
          id: s.id,
          gt: flatPose(poses[i]),
          estimated: flatPose(coco18(est[i])),
        }),
      );
      ctx.log(
        `${lm.label}: estimated ${images.length}/${positions.length} poses (supervised-only: pose estimation only)`,
      );
      continue;
    }
    const recon = await timed(timings, 'reconstruct', ss.length, () =>
      semi ? model.reconstruct(inputs) : model.reconstruct(inputs, poses),
    );
    const zMu = await posteriorMeans(model, inputs, semi ? undefined : poses);
    const est = semi
      ? await timed(timings, 'estimatePose', ss.length, () => (model as SemiDGPoseModel).estimatePose(inputs))
      : undefined;
    const redet = estimator ? await timed(timings, 'estimator', ss.length, () => estimator.estimate(recon)) : undefined;
    ss.forEach((s, i) => {
      images.push({
        k: ks[i],
        index: data.indices[ks[i]],
        id: s.id,
        psnr: finitePsnr(psnr(s.image, recon[i], { dataRange: 255 })),
        ssim: ssim(s.image, recon[i], metricOpts),
        gt: flatPose(poses[i]),
        zMu: zMu[i],
        ...(redet ? { redetected: flatPose(redet[i]) } : {}),
        ...(est ? { estimated: flatPose(coco18(est[i])) } : {}),
      });
    });
    ctx.log(`${lm.label}: reconstructed ${images.length}/${positions.length}`);
  }

  // transfers
  const [plo, phi] = poseOnly ? [0, 0] : shardRange(data.pairs.length, ctx.shard);
  const pairPositions = Array.from({ length: phi - plo }, (_, i) => plo + i);
  const pairs: PairRecord[] = [];
  const grid: GridRow[] = [];
  for (const ks of chunks(pairPositions, ctx.batchSize)) {
    const from = await samples(
      data,
      ks.map((k) => data.pairs[k][0]),
    );
    const to = await samples(
      data,
      ks.map((k) => data.pairs[k][1]),
    );
    const fromPoses = from.map((s) => coco18(s.pose));
    const toPoses = to.map((s) => coco18(s.pose));
    const out = await timed(timings, 'transfer', ks.length, () =>
      model.transfer(
        from.map((s) => s.image),
        semi ? undefined : fromPoses,
        toPoses,
      ),
    );
    const redet = estimator ? await timed(timings, 'estimator', ks.length, () => estimator.estimate(out)) : undefined;
    const redetBy: [string, Pose[]][] = [];
    for (const e of ctx.ceilingEstimators ?? []) redetBy.push([e.name, await e.estimate(out)]);
    // baselines: the model's decoder with z = 0 in the target pose; the source's background only
    const zero = data.info.transferGroundTruth
      ? await decodeZero(
          model,
          toPoses,
          to.map((s) => s.image),
        )
      : [];
    // swap test: A's appearance in the pose of another identity's image (the target of the pair half the
    // list away, so shards agree), scored against both people's own garment colours
    const swapPartner = (k: number): number =>
      data.pairs[(k + Math.floor(data.pairs.length / 2)) % data.pairs.length][1];
    const swapSamples = data.parts && data.info.transferGroundTruth ? await samples(data, ks.map(swapPartner)) : [];
    const swapOk = swapSamples.map((s, i) => s.identity !== undefined && s.identity !== from[i].identity);
    const swapOut = swapOk.some(Boolean)
      ? await model.transfer(
          from.map((s) => s.image),
          semi ? undefined : fromPoses,
          swapSamples.map((s) => coco18(s.pose)),
          { targetSize: swapSamples[0].image },
        )
      : [];
    ks.forEach((k, i) => {
      const rec: PairRecord = { k, from: data.pairs[k][0], to: data.pairs[k][1], gt: flatPose(toPoses[i]) };
      if (data.parts && swapOk[i]) {
        const other = swapPartner(k);
        const otherParts = data.parts(other);
        rec.swapWith = other;
        rec.swap = {
          a: regionMeanColours(from[i].image, data.parts(rec.from)),
          b: regionMeanColours(swapSamples[i].image, otherParts),
          generated: regionMeanColours(swapOut[i], otherParts),
        };
      }
      if (data.info.transferGroundTruth) {
        const target = to[i].image;
        const bg = backgroundOnly(from[i].image);
        rec.psnr = finitePsnr(psnr(target, out[i], { dataRange: 255 }));
        rec.ssim = ssim(target, out[i], metricOpts);
        rec.copyPsnr = finitePsnr(psnr(target, from[i].image, { dataRange: 255 }));
        rec.copySsim = ssim(target, from[i].image, metricOpts);
        rec.bgPsnr = finitePsnr(psnr(target, bg, { dataRange: 255 }));
        rec.bgSsim = ssim(target, bg, metricOpts);
        rec.zeroPsnr = finitePsnr(psnr(target, zero[i], { dataRange: 255 }));
        rec.zeroSsim = ssim(target, zero[i], metricOpts);
        rec.sharpness = sharpnessRatio(out[i], target);
        rec.copySharpness = sharpnessRatio(from[i].image, target);
        rec.zeroSharpness = sharpnessRatio(zero[i], target);
        if (data.parts) {
          const parts = data.parts(rec.to);
          const truth = regionMeanColours(target, parts);
          rec.gtColour = truth;
          rec.colour = garmentColourError(truth, out[i], parts);
          rec.copyColour = garmentColourError(truth, from[i].image, parts);
          rec.bgColour = garmentColourError(truth, bg, parts);
          rec.zeroColour = garmentColourError(truth, zero[i], parts);
          rec.sourceColour = regionColourError(truth, regionMeanColours(from[i].image, data.parts(rec.from)));
        }
      }
      if (redet) rec.redetected = flatPose(redet[i]);
      if (redetBy.length) rec.redetectedBy = Object.fromEntries(redetBy.map(([name, ps]) => [name, flatPose(ps[i])]));
      pairs.push(rec);
    });
    ctx.log(`${lm.label}: transferred ${pairs.length}/${pairPositions.length}`);
  }

  // the image grid: gridRows pairs spread over the whole selection (different identities), drawn by
  // shard 0 whatever its slice, so a merged report shows the grid of a single run
  if (!poseOnly && ctx.shard.index === 0 && ctx.gridRows > 0 && data.pairs.length > 0) {
    const gks = selectIndices(data.pairs.length, ctx.gridRows);
    const from = await samples(
      data,
      gks.map((k) => data.pairs[k][0]),
    );
    const to = await samples(
      data,
      gks.map((k) => data.pairs[k][1]),
    );
    const fromImages = from.map((s) => s.image);
    const fromPoses = from.map((s) => coco18(s.pose));
    const rec = semi ? await model.reconstruct(fromImages) : await model.reconstruct(fromImages, fromPoses);
    const tr = await model.transfer(
      fromImages,
      semi ? undefined : fromPoses,
      to.map((s) => coco18(s.pose)),
    );
    gks.forEach((_, i) => grid.push({ cells: [fromImages[i], rec[i], tr[i], to[i].image] }));
  }

  // generation diversity (generation-spread.ts): prior samples in each test pose against real people in it;
  // every generate call is timed, so the verb has a speed figure (one call where the data has no people)
  if (!poseOnly && positions.length > 0) {
    const n = GENERATION_SAMPLES;
    const people = data.peopleInPose;
    const parts = data.parts;
    for (const [j, k] of (people && parts ? positions : positions.slice(0, 1)).entries()) {
      const index = data.indices[k];
      const s = await data.source.get(index);
      const gen = await timed(timings, 'generate', n, () => model.generate(coco18(s.pose), n, { seed: 1 + k }));
      if (!people || !parts) continue;
      const mask = parts(index);
      const [sp, pp] = [personSpread(gen, mask), personSpread(people(index, n), mask)];
      if (sp !== null && pp !== null) images[j].generation = { samples: round2(sp), people: round2(pp) };
    }
  }

  const cfg = model.config as { preset?: string; imageSize: number; supervision?: number };
  return {
    result: {
      label: lm.label,
      source: lm.source,
      kind: model.kind,
      ...(poseOnly ? { supervisedOnly: true as const } : {}),
      preset: String(cfg.preset ?? 'unknown'),
      ...(semi ? { supervision: cfg.supervision } : {}),
      imageSize: cfg.imageSize,
      paramCount: model.paramCount(),
      ...(lm.steps !== undefined ? { step: lm.steps } : {}),
      weightsKind: lm.weightsKind,
      sha256: lm.sha256,
      reconstructionPose: poseOnly
        ? 'none (supervised-only: pose estimation only)'
        : semi
          ? 'estimated (mean of q(y|x))'
          : 'ground truth',
      dataId: data.info.id,
      images,
      pairs,
      timings,
    },
    grid,
  };
}

/** An estimator on the ground-truth images of the shard: its ceiling (for the run's estimator, of the re-detection curves). */
export async function evaluateReference(
  estimator: PoseEstimator,
  ctx: Omit<EvalContext, 'estimator' | 'ceilingEstimators' | 'ssim' | 'gridRows'>,
  opts: { main: boolean } = { main: true },
): Promise<ReferenceResult> {
  const { data } = ctx;
  const [lo, hi] = shardRange(data.indices.length, ctx.shard);
  const positions = Array.from({ length: hi - lo }, (_, i) => lo + i);
  const images: ReferenceResult['images'] = [];
  const timing: Timing = { ms: 0, images: 0 };
  for (const ks of chunks(positions, ctx.batchSize)) {
    const ss = await samples(
      data,
      ks.map((k) => data.indices[k]),
    );
    const t0 = performance.now();
    const det = await estimator.estimate(ss.map((s) => s.image));
    timing.ms += performance.now() - t0;
    timing.images += ss.length;
    ss.forEach((s, i) =>
      images.push({ k: ks[i], index: data.indices[ks[i]], gt: flatPose(coco18(s.pose)), detected: flatPose(det[i]) }),
    );
  }
  return { dataId: data.info.id, estimator: estimator.name, main: opts.main, images, timing };
}
