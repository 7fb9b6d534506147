/*
 * Test-only: small but complete shard results (what `dgpose-bench run --shard i/n` writes), for the
 * merge tests and fuzz targets, without running a model.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_BENCH_CONFIG } from '../options';
import { GRIDS_DIR, writeReports } from '../output';
import { summarise } from '../summary';
import {
  RESULTS_FORMAT,
  RESULTS_FORMAT_VERSION,
  type DataInfo,
  type FlatPose,
  type ModelResult,
  type ReferenceResult,
  type Results,
} from '../types';

export const FIXTURE_DATA: DataInfo = {
  id: 'synthetic-32',
  label: 'synthetic-32 (built-in)',
  dataset: 'synthetic',
  builtIn: true,
  split: 'test',
  imageSize: 32,
  totalImages: 8,
  selected: 4,
  pairsTotal: 8,
  pairsSelected: 2,
  transferGroundTruth: true,
  partMasks: true,
  details: {},
};

/** A COCO-18 pose shifted by `dx`, one joint missing. */
function pose(dx: number): FlatPose {
  return Array.from({ length: 18 }, (_, j) => (j === 5 ? null : [8 + dx + (j % 4), 4 + j]));
}

export interface FixtureOptions {
  /** Where the weights were on the machine that ran the shard (a checkpoint folder). */
  checkpoint?: string;
  /** Shard sha256s of the weights. */
  sha256?: string[];
}

/** Shard `index` of `count` of one checkpoint's evaluation: two images and one pair per shard, the grid in shard 0. */
export function shardResults(index: number, count: number, opts: FixtureOptions = {}): Results {
  const checkpoint = opts.checkpoint ?? '/runs/tiny-cond';
  const ks = [2 * index, 2 * index + 1];
  const model: ModelResult = {
    label: path.basename(checkpoint),
    source: { type: 'checkpoint', dir: checkpoint },
    kind: 'conditional',
    preset: 'tiny',
    imageSize: 32,
    paramCount: 10,
    step: 5,
    weightsKind: 'dgpose-conditional',
    sha256: opts.sha256 ?? ['a'.repeat(64)],
    reconstructionPose: 'ground truth',
    dataId: FIXTURE_DATA.id,
    images: ks.map((k) => ({
      k,
      index: k * 2,
      id: `img${k}`,
      psnr: 20 + k,
      ssim: 0.5,
      gt: pose(0),
      redetected: pose(k),
      zMu: [0.1 * k, -0.2],
    })),
    pairs: [
      {
        k: index,
        from: ks[0],
        to: ks[1],
        psnr: 18,
        ssim: 0.4,
        copyPsnr: 15,
        copySsim: 0.3,
        bgPsnr: 10,
        bgSsim: 0.1,
        zeroPsnr: 12,
        zeroSsim: 0.2,
        gt: pose(1),
        redetected: pose(2),
        gtColour: { top: [10, 20, 30] },
        colour: { top: 4 },
      },
    ],
    timings: { reconstruct: { ms: 10, images: 2 }, transfer: { ms: 5, images: 1 } },
    ...(index === 0 ? { grid: `${GRIDS_DIR}/${path.basename(checkpoint)}.png` } : {}),
  };
  const references: ReferenceResult[] = [
    {
      dataId: FIXTURE_DATA.id,
      estimator: 'pose-regressor-32',
      main: true,
      images: ks.map((k) => ({ k, index: k * 2, gt: pose(0), detected: pose(1) })),
      timing: { ms: 3, images: 2 },
    },
  ];
  return {
    format: RESULTS_FORMAT,
    formatVersion: RESULTS_FORMAT_VERSION,
    provenance: {
      tool: 'dgpose-bench',
      version: '0.1.0',
      date: '2026-01-01T00:00:00.000Z',
      command: 'dgpose-bench run',
      backend: 'cpu',
      threads: 1,
      node: 'v20',
      platform: 'linux-x64',
      cpus: 2,
      versions: {},
      options: { ...DEFAULT_BENCH_CONFIG, checkpoints: [checkpoint], n: 4, pairs: 2, shard: { index, count } },
      shard: { index, count },
      wallSeconds: 1,
    },
    ssimConvention: 'pg2',
    estimator: { name: 'pose-regressor-32', kind: 'regressor' },
    ceilingEstimators: [{ name: 'pose-regressor-32', kind: 'regressor' }],
    notices: [],
    data: [FIXTURE_DATA],
    models: [model],
    references,
    speed: null,
    summary: summarise([model], references, [FIXTURE_DATA]),
  };
}

/** Writes `results` as a shard output folder `dir` (results.json, reports, and its grid PNG). */
export async function writeShard(dir: string, results: Results): Promise<void> {
  await fsp.mkdir(path.join(dir, GRIDS_DIR), { recursive: true });
  for (const m of results.models) {
    if (m.grid)
      await fsp.writeFile(
        path.join(dir, m.grid),
        await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } })
          .png()
          .toBuffer(),
      );
  }
  await writeReports(dir, results);
}
