/*
 * The results.json schema (zod), checked by readResults before `merge` trusts a shard: merge unites
 * per-image records, copies grid files named in it and renders reports from it, so a malformed or
 * hostile file must be refused with the field at fault, not crash halfway or copy a file from
 * outside its folder. `satisfies` keeps the schema in step with the interfaces of types.ts.
 */
import { z } from 'zod';
import { DATASETS } from './options';
import {
  GRIDS_DIR,
  RESULTS_FORMAT,
  type DataInfo,
  type ImageRecord,
  type ModelResult,
  type PairRecord,
  type Provenance,
  type ReferenceResult,
  type Results,
  type SpeedResult,
} from './types';

const count = z.number().int().nonnegative();
const finite = z.number(); // JSON has no NaN or Infinity: every parsed number is finite
const psnr = z.number().nullable(); // null = identical images (infinite PSNR)
const flatPose = z.array(z.tuple([finite, finite]).nullable());
const rgb = z.tuple([finite, finite, finite]);
const colours = z.object({ top: rgb.optional(), bottom: rgb.optional() });
const colourError = z.object({ top: finite.optional(), bottom: finite.optional() });
const timing = z.object({ ms: z.number().nonnegative(), images: count });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');
/** What run.ts writes (`grids/<safeName(label)>.png`): one file inside the grids folder, nothing else. */
const gridPath = z
  .string()
  .regex(new RegExp(`^${GRIDS_DIR}/[A-Za-z0-9._-]+\\.png$`), `expected ${GRIDS_DIR}/<name>.png`);

const image = z.object({
  k: count,
  index: count,
  id: z.string(),
  psnr: psnr.optional(),
  ssim: finite.optional(),
  gt: flatPose,
  redetected: flatPose.optional(),
  estimated: flatPose.optional(),
  zMu: z.array(finite).optional(),
  generation: z.object({ samples: finite, people: finite }).optional(),
}) satisfies z.ZodType<ImageRecord>;

const pair = z.object({
  k: count,
  from: count,
  to: count,
  psnr: psnr.optional(),
  ssim: finite.optional(),
  copyPsnr: psnr.optional(),
  copySsim: finite.optional(),
  bgPsnr: psnr.optional(),
  bgSsim: finite.optional(),
  zeroPsnr: psnr.optional(),
  zeroSsim: finite.optional(),
  sharpness: psnr.optional(),
  copySharpness: psnr.optional(),
  zeroSharpness: psnr.optional(),
  gtColour: colours.optional(),
  colour: colourError.optional(),
  copyColour: colourError.optional(),
  bgColour: colourError.optional(),
  zeroColour: colourError.optional(),
  sourceColour: colourError.optional(),
  swapWith: count.optional(),
  swap: z.object({ a: colours, b: colours, generated: colours }).optional(),
  gt: flatPose,
  redetected: flatPose.optional(),
  redetectedBy: z.record(z.string(), flatPose).optional(),
}) satisfies z.ZodType<PairRecord>;

const model = z.object({
  label: z.string().min(1),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('zoo'), name: z.string() }),
    z.object({ type: z.literal('checkpoint'), dir: z.string() }),
  ]),
  kind: z.enum(['conditional', 'semi']),
  supervisedOnly: z.literal(true).optional(),
  preset: z.string(),
  supervision: finite.optional(),
  imageSize: count,
  paramCount: count,
  step: count.optional(),
  weightsKind: z.string(),
  sha256: z.array(sha256).min(1),
  reconstructionPose: z.enum([
    'ground truth',
    'estimated (mean of q(y|x))',
    'none (supervised-only: pose estimation only)',
  ]),
  dataId: z.string(),
  images: z.array(image),
  pairs: z.array(pair),
  timings: z.record(z.string(), timing),
  grid: gridPath.optional(),
}) satisfies z.ZodType<ModelResult>;

const reference = z.object({
  dataId: z.string(),
  estimator: z.string(),
  main: z.boolean(),
  images: z.array(z.object({ k: count, index: count, gt: flatPose, detected: flatPose })),
  timing,
}) satisfies z.ZodType<ReferenceResult>;

const data = z.object({
  id: z.string(),
  label: z.string(),
  dataset: z.enum(DATASETS),
  builtIn: z.boolean(),
  split: z.string(),
  imageSize: count,
  totalImages: count,
  selected: count,
  pairsTotal: count,
  pairsSelected: count,
  transferGroundTruth: z.boolean(),
  partMasks: z.boolean(),
  details: z.record(z.string(), z.unknown()),
}) satisfies z.ZodType<DataInfo>;

const speed = z.object({
  backend: z.string(),
  threads: count,
  train: z
    .array(
      z.object({
        model: z.string(),
        preset: z.string(),
        imageSize: count,
        batchSize: count,
        steps: count,
        msPerStep: finite,
        imagesPerSec: finite,
      }),
    )
    .optional(),
  metrics: z
    .array(z.object({ metric: z.string(), imageSize: count, pairs: count, ms: finite, pairsPerSec: finite }))
    .optional(),
  inference: z.array(z.object({ model: z.string(), verb: z.string(), images: count, msPerImage: finite })).optional(),
  estimator: z.object({ name: z.string(), images: count, msPerImage: finite }).optional(),
  engines: z
    .array(
      z.object({
        model: z.string(),
        verb: z.string(),
        calls: count,
        tfjsBestMs: finite,
        tfjsMedianMs: finite,
        onnxBestMs: finite,
        onnxMedianMs: finite,
      }),
    )
    .optional(),
  enginesNote: z.string().optional(),
  skipped: z.string().optional(),
}) satisfies z.ZodType<SpeedResult>;

const provenance = z.object({
  tool: z.string(),
  version: z.string(),
  date: z.string(),
  command: z.string(),
  backend: z.string(),
  threads: count,
  node: z.string(),
  platform: z.string(),
  cpus: count,
  versions: z.record(z.string(), z.string()),
  options: z.record(z.string(), z.unknown()),
  shard: z
    .object({ index: count, count: count.min(1) })
    .refine((s) => s.index < s.count, 'expected shard index < count'),
  mergedFrom: z.array(z.string()).optional(),
  wallSeconds: z.number().nonnegative(),
}) satisfies z.ZodType<Provenance>;

/** The parts of results.json merge reads (the summary is recomputed, so any is accepted). */
export type ParsedResults = Omit<Results, 'summary'> & { summary?: unknown };

export const RESULTS_SCHEMA = z
  .object({
    format: z.literal(RESULTS_FORMAT),
    formatVersion: z.number(),
    provenance,
    ssimConvention: z.enum(['pg2', 'wang']),
    estimator: z.object({ name: z.string(), kind: z.string() }).nullable(),
    ceilingEstimators: z.array(z.object({ name: z.string(), kind: z.string() })),
    notices: z.array(z.string()),
    data: z.array(data),
    models: z.array(model),
    references: z.array(reference),
    speed: speed.nullable(),
    summary: z.unknown(),
  })
  .superRefine((r, ctx) => {
    // Every record names the data it ran on; the summary looks each one up.
    const ids = new Set(r.data.map((d) => d.id));
    r.models.forEach(
      (m, i) =>
        ids.has(m.dataId) ||
        ctx.addIssue({
          code: 'custom',
          path: ['models', i, 'dataId'],
          message: `expected one of the data ids ${JSON.stringify([...ids])}`,
        }),
    );
    r.references.forEach(
      (m, i) =>
        ids.has(m.dataId) ||
        ctx.addIssue({
          code: 'custom',
          path: ['references', i, 'dataId'],
          message: `expected one of the data ids ${JSON.stringify([...ids])}`,
        }),
    );
    // Posterior means of one model all have its latent size: the active-unit count reads them as rows of one matrix.
    r.models.forEach((m, i) => {
      const first = m.images.find((im) => im.zMu && im.zMu.length > 0)?.zMu?.length;
      m.images.forEach((im, j) => {
        if (im.zMu && im.zMu.length > 0 && im.zMu.length !== first)
          ctx.addIssue({
            code: 'custom',
            path: ['models', i, 'images', j, 'zMu'],
            message: `expected ${first} numbers (the model's latent size), got ${im.zMu.length}`,
          });
      });
    });
  }) satisfies z.ZodType<ParsedResults>;

/** `models[0].images[3].k` for zod's path `['models', 0, 'images', 3, 'k']`. */
export function issuePath(p: readonly PropertyKey[]): string {
  return (
    p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('') || '(top level)'
  );
}
