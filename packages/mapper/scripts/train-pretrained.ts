/*
 * Trains a shipped learned mapper and writes it to weights/<preset>/ with core's saveWeights.
 *
 *   cd packages/mapper && pnpm exec tsx --tsconfig scripts/tsconfig.json scripts/train-pretrained.ts coco18-64 [--steps N] [--batch B] [--lr X] [--poses P] [--seed S] [--init PRESET]
 *
 * Training poses come from scripts/pose-sampler.ts (synthetic: nothing from a dataset). The manifest's
 * `config` records the mapper config, the training settings and exact command, the backend, the wall
 * time, and the validation error on a held-out sampled set (seed 1000): MSE against the analytic
 * Gaussians and the mean / 95th-percentile peak-location error in pixels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { initBackend } from '@dgpose/core';
import { loadWeights, saveWeights } from '@dgpose/core/node';
import {
  evaluateMapper,
  trainMapper,
  validateMapperConfig,
  MAPPER_WEIGHTS_KIND,
  type MapperPresetName,
} from '../src/index';
import { samplePoses } from './pose-sampler';

/** The held-out set the manifest's error refers to (the weights test re-samples part of it). */
export const VALIDATION = Object.freeze({ seed: 1000, count: 128 });
const TRAIN_POSE_SEED = 1;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

async function main(): Promise<void> {
  const preset = process.argv[2] as MapperPresetName;
  if (preset !== 'coco18-64' && preset !== 'coco18-128')
    throw new Error(
      'usage: train-pretrained.ts coco18-64|coco18-128 [--steps N] [--batch B] [--lr X] [--poses P] [--seed S]',
    );
  const config = validateMapperConfig({}, preset);
  const steps = arg('steps', 2000);
  const batchSize = arg('batch', 16);
  const learningRate = arg('lr', 5e-3);
  const nPoses = arg('poses', 20000);
  const seed = arg('seed', 0);
  // --init <preset>: start from the shipped weights of another preset (names and shapes that match)
  const initAt = process.argv.indexOf('--init');
  const initFrom = initAt >= 0 ? process.argv[initAt + 1] : undefined;
  const init = initFrom
    ? (await loadWeights(path.resolve(__dirname, '..', 'weights', initFrom), { kind: MAPPER_WEIGHTS_KIND })).arrays
    : undefined;
  const be = await initBackend({ prefer: ['wasm', 'cpu'], threads: 1 });
  const size = { width: config.width, height: config.height };
  const poses = samplePoses(nPoses, { seed: TRAIN_POSE_SEED, ...size });
  const val = samplePoses(VALIDATION.count, { seed: VALIDATION.seed, ...size });
  const log = (m: string): void => console.log(`[${preset}] ${m}`);
  log(`backend ${be.backend}; ${nPoses} poses; ${steps} steps of ${batchSize}; lr ${learningRate}`);
  let window: number[] = [];
  const r = await trainMapper({
    config,
    poses,
    steps,
    batchSize,
    learningRate,
    seed,
    init,
    onStep: ({ step, loss, seconds }) => {
      window.push(loss);
      if (step % 100 === 0 || step === steps) {
        log(
          `step ${step} loss ${(window.reduce((a, b) => a + b, 0) / window.length).toExponential(3)} (${seconds.toFixed(0)} s)`,
        );
        window = [];
      }
    },
  });
  const ev = await evaluateMapper(r.mapper, val);
  log(`validation ${JSON.stringify(ev)}`);
  const dir = path.resolve(__dirname, '..', 'weights', preset);
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  const command = `cd packages/mapper && pnpm exec tsx --tsconfig scripts/tsconfig.json scripts/train-pretrained.ts ${process.argv.slice(2).join(' ')}`;
  const { files } = await saveWeights(dir, await r.mapper.namedArrays(), {
    kind: MAPPER_WEIGHTS_KIND,
    packageVersion: pkg.version,
    config: {
      mapper: config,
      training: {
        command,
        poses: { sampler: 'scripts/pose-sampler.ts samplePoses', seed: TRAIN_POSE_SEED, count: nPoses },
        steps,
        batchSize,
        learningRate,
        schedule: 'x0.3 at 60 %, x0.09 at 85 % of the steps',
        jitter: 0.02,
        dropProb: 0.1,
        seed,
        init: initFrom ? `weights/${initFrom} (variables with matching names and shapes)` : 'fresh',
        backend: `${be.backend} (${be.threads} thread)`,
        seconds: Math.round(r.seconds),
        finalLoss: r.losses.slice(-100).reduce((a, b) => a + b, 0) / Math.min(100, r.losses.length),
        machine: `${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
        date: new Date().toISOString(),
      },
      validation: {
        sampler: 'scripts/pose-sampler.ts samplePoses',
        seed: VALIDATION.seed,
        count: VALIDATION.count,
        ...ev,
      },
    },
  });
  log(`wrote ${files.join(', ')}`);
  r.mapper.dispose();
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
