/*
 * Offline training of the learned mapper (docs/paper-notes.md §5.3 proposal B): MSE between the network's
 * maps and the analytic Gaussians of the same (jittered) poses; missing joints -> zero maps. After
 * training the network is frozen and returned as a Mapper.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DGPoseError,
  type NamedArrays,
  type Pose,
  checkInt,
  checkNumber,
  checkNumberIn,
  checkPositiveInt,
  createRng,
  requireGradients,
} from '@dgpose/core';
import { type FrameSize, pixelToNormalized, validateFrameSize } from '../coords';
import { gaussianHeatmaps } from '../heatmaps';
import { posesToRows } from '../poses';
import { type MapperConfig, type MapperPresetName, validateMapperConfig } from './config';
import { MapperNetwork } from './network';
import { type Mapper, mapperFromNetwork } from './mapper';

/** Progress report passed to `onStep`. */
export interface MapperStepInfo {
  /** 1-based step. */
  step: number;
  /** This step's MSE. */
  loss: number;
  /** Learning rate used at this step. */
  learningRate: number;
  /** Seconds since training started. */
  seconds: number;
}

/** Options of {@link trainMapper}. */
export interface TrainMapperOptions {
  /** A preset name, or a partial config over 'coco18-64'. */
  config?: MapperPresetName | Partial<MapperConfig>;
  /** Training poses of the config's skeleton, in pixels of `poseSize`. */
  poses: readonly Pose[];
  /** Frame the poses' pixel coordinates refer to. Default: the mapper's own frame. */
  poseSize?: FrameSize;
  /** Optimisation steps (>= 1). */
  steps: number;
  /** Poses per step. Default 32. */
  batchSize?: number;
  /** Adam learning rate (β1 0.9, β2 0.999). Default 2e-3; multiplied by 0.3 at 60 % and again at 85 % of the steps. */
  learningRate?: number;
  /** Std of the Gaussian jitter added to the normalised coordinates each step (then kept inside [-1, 1]). Default 0.02. */
  jitter?: number;
  /** Probability that a visible joint is dropped (made missing) in a training sample. Default 0.1. */
  dropProb?: number;
  /** Seed of the initial weights and of the batch/jitter sampling. Default 0. */
  seed?: number;
  /**
   * Weights to start from: every network variable whose name, shape and dtype match is copied (e.g. a
   * trained 64-px mapper into the 128-px one: everything but the extra stage). Default: fresh init.
   */
  init?: NamedArrays;
  /** Called after every step with plain numbers. */
  onStep?: (info: MapperStepInfo) => void | Promise<void>;
}

/** Result of {@link trainMapper}. */
export interface TrainMapperResult {
  /** The trained mapper, frozen (call `dispose()`). */
  mapper: Mapper;
  /** Loss of every step. */
  losses: number[];
  /** Wall-clock seconds. */
  seconds: number;
}

const T = { where: 'trainMapper' };

/**
 * Trains a learned mapper from scratch on `poses` and returns it frozen. Each step draws a batch with
 * core's seeded RNG, jitters the normalised coordinates, drops joints at random, renders the analytic
 * targets with {@link gaussianHeatmaps} (σ = config.sigma) and takes one Adam step on the mean squared
 * error. Deterministic for a seed on a given backend. Leaves no tensors behind but the mapper's own.
 */
export async function trainMapper(opts: TrainMapperOptions): Promise<TrainMapperResult> {
  const config =
    typeof opts.config === 'string'
      ? validateMapperConfig({}, opts.config as MapperPresetName)
      : validateMapperConfig(opts.config ?? {});
  requireGradients(tf, 'trainMapper');
  const steps = checkPositiveInt('steps', opts.steps, T);
  const bs = checkPositiveInt('batchSize', opts.batchSize ?? 32, T);
  const lr0 = checkNumber('learningRate', opts.learningRate ?? 2e-3, (v) => v > 0, '> 0', T);
  const jitter = checkNumber('jitter', opts.jitter ?? 0.02, (v) => v >= 0, '>= 0', T);
  const dropProb = checkNumberIn('dropProb', opts.dropProb ?? 0.1, 0, 1, { hiOpen: true }, T);
  const seed = checkInt('seed', opts.seed ?? 0, {}, T);
  const poseSize = opts.poseSize ?? { width: config.width, height: config.height };
  validateFrameSize(poseSize, 'poseSize');
  const rows = posesToRows(opts.poses);
  if (rows.skeleton !== config.skeleton) {
    throw new DGPoseError('E_SKELETON', `the mapper renders ${config.skeleton} poses`, {
      argument: 'poses',
      expected: config.skeleton,
      got: rows.skeleton,
    });
  }
  const J = rows.visible[0].length;
  // Normalise once (and check the frame: E_ARG for a visible joint outside it).
  const norm = rows.coords.map((c, b) =>
    Float32Array.from(c, (v, i) => {
      if (!rows.visible[b][i >> 1]) return 0;
      const n = i % 2 === 0 ? poseSize.width : poseSize.height;
      const q = pixelToNormalized(v, n);
      if (!(q >= -1 - 1e-6 && q <= 1 + 1e-6)) {
        throw new DGPoseError('E_ARG', `poses[${b}] joint ${i >> 1} lies outside poseSize`, {
          argument: `poses[${b}]`,
          expected: `inside ${poseSize.width}x${poseSize.height}`,
          got: v,
        });
      }
      return q;
    }),
  );

  const network = new MapperNetwork(config, { seed });
  if (opts.init) {
    for (const [name, v] of network.namedVariables()) {
      const a = opts.init[name];
      if (a && a.dtype === v.dtype && a.shape.length === v.rank && a.shape.every((d, i) => d === v.shape[i])) {
        tf.tidy(() => v.assign(tf.tensor(a.data, [...a.shape], a.dtype)));
      }
    }
  }
  const rng = createRng(seed).fork('mapper-batches');
  const optimizer = tf.train.adam(lr0);
  const losses: number[] = [];
  const params = network.parameters(); // the module tree is fixed: walk it once, not every step
  const t0 = Date.now();
  try {
    for (let step = 1; step <= steps; step++) {
      const lr = lr0 * (step > 0.85 * steps ? 0.09 : step > 0.6 * steps ? 0.3 : 1);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const c = new Float32Array(bs * 2 * J);
      const v = new Float32Array(bs * J);
      for (let b = 0; b < bs; b++) {
        const k = rng.int(norm.length);
        for (let j = 0; j < J; j++) {
          if (!rows.visible[k][j] || rng.next() < dropProb) continue;
          v[b * J + j] = 1;
          for (let a = 0; a < 2; a++)
            c[(b * J + j) * 2 + a] = Math.max(-1, Math.min(1, norm[k][2 * j + a] + jitter * rng.normal()));
        }
      }
      const ct = tf.tensor2d(c, [bs, 2 * J]);
      const vt = tf.tensor2d(v, [bs, J]);
      const target = gaussianHeatmaps(ct, vt, {
        height: config.height,
        width: config.width,
        sigma: config.sigma,
        coords: 'normalized',
      });
      const cost = optimizer.minimize(
        () => tf.mean(tf.squaredDifference(network.call({ coords: ct, visible: vt }), target)) as tf.Scalar,
        true,
        params,
      );
      const loss = (await cost!.data())[0];
      tf.dispose([ct, vt, target, cost!]);
      if (!Number.isFinite(loss)) {
        throw new DGPoseError('E_LOSS_NAN', `mapper loss became ${loss} at step ${step}`, {
          argument: 'loss',
          expected: 'a finite number',
          got: loss,
        });
      }
      losses.push(loss);
      if (opts.onStep) await opts.onStep({ step, loss, learningRate: lr, seconds: (Date.now() - t0) / 1000 });
    }
  } catch (e) {
    optimizer.dispose();
    network.dispose();
    throw e;
  }
  optimizer.dispose();
  return { mapper: mapperFromNetwork(network), losses, seconds: (Date.now() - t0) / 1000 };
}
