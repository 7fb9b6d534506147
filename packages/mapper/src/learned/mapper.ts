/* Frozen inference with a learned mapper, from weights as bytes or arrays (universal: no fs here). */
import * as tf from '@tensorflow/tfjs-core';
import {
  DGPoseError,
  type NamedArrays,
  type Pose,
  type WeightsManifest,
  decodeWeights,
  encodeWeights,
} from '@dgpose/core';
import { loadNamedArrays, toNamedArrays } from '@dgpose/layers';
import { type CoordRows, type CoordSpace, type VisibleRows, validateCoordSpace } from '../coords';
import { coordTensors, gaussianHeatmaps } from '../heatmaps';
import { decodeHeatmapsArray } from '../decode';
import { posesToRows } from '../poses';
import { type MapperConfig, validateMapperConfig } from './config';
import { MapperNetwork } from './network';

/** The `kind` of learned-mapper weights manifests. */
export const MAPPER_WEIGHTS_KIND = 'mapper/learned';

/** Options of {@link Mapper.map}. */
export interface MapOptions {
  /** Space of the input coordinates: 'pixels' of the mapper's frame (default) or 'normalized'. */
  coords?: CoordSpace;
  /** Plain inputs only: accept visible joints outside the frame. Default false (E_ARG). */
  allowOutside?: boolean;
}

/** A frozen learned mapper: pose vectors -> [N,H,W,J] heatmaps (differentiable w.r.t. the coordinates). */
export interface Mapper {
  /** The architecture and target it was trained for (height, width, sigma, skeleton...). */
  readonly config: MapperConfig;
  /** The underlying network: frozen (no trainable variables) and in eval mode. */
  readonly network: MapperNetwork;
  /**
   * coords [N,2J] (tensor or rows) and visible [N,J] (null = all visible) -> [N,H,W,J] float32 in [0,1],
   * missing joints all-zero; the caller owns the result. Gradients flow to `coords`, never to the weights.
   */
  map(coords: tf.Tensor | CoordRows, visible?: tf.Tensor | VisibleRows | null, opts?: MapOptions): tf.Tensor4D;
  /** Pixel poses (in the mapper's frame) -> heatmaps. */
  mapPoses(poses: readonly Pose[]): tf.Tensor4D;
  /** The weights as plain arrays (copies). */
  namedArrays(): Promise<NamedArrays>;
  /** Encodes the weights in the tfjs weights format (kind 'mapper/learned', the config in the manifest). */
  encodeWeights(extraConfig?: Record<string, unknown>): Promise<{ manifest: WeightsManifest; shards: Uint8Array[] }>;
  /** Frees the variables. */
  dispose(): void;
}

/** Wraps a network (frozen and switched to eval mode here) as a {@link Mapper}. */
export function mapperFromNetwork(network: MapperNetwork): Mapper {
  network.freeze().eval();
  network.prepare();
  const config = network.config;
  const J = network.joints;
  const { height: H, width: W } = config;
  const mapper: Mapper = {
    config,
    network,
    map(coords, visible, opts = {}) {
      const space = opts.coords ?? 'pixels';
      validateCoordSpace(space, 'opts.coords');
      return tf.tidy(() => {
        const { c, v, n } = coordTensors(coords, visible, {
          size: { width: W, height: H },
          space,
          joints: J,
          allowOutside: opts.allowOutside,
        });
        // the network reads normalised coordinates with missing joints at 0
        let xy: tf.Tensor = c;
        if (space === 'pixels') xy = tf.sub(tf.div(tf.mul(c, 2), tf.tile(tf.tensor1d([W - 1, H - 1]), [J])), 1);
        const v2 = tf.reshape(tf.tile(tf.reshape(v, [n, J, 1]), [1, 1, 2]), [n, 2 * J]);
        xy = tf.where(tf.greater(v2, 0), xy, tf.zerosLike(xy));
        return network.call({ coords: xy as tf.Tensor2D, visible: v });
      });
    },
    mapPoses(poses) {
      const rows = posesToRows(poses);
      if (rows.skeleton !== config.skeleton) {
        throw new DGPoseError('E_SKELETON', `this mapper renders ${config.skeleton} poses`, {
          argument: 'poses',
          expected: config.skeleton,
          got: rows.skeleton,
        });
      }
      return mapper.map(rows.coords, rows.visible);
    },
    namedArrays: () => toNamedArrays(network),
    async encodeWeights(extraConfig = {}) {
      return encodeWeights(await toNamedArrays(network), {
        kind: MAPPER_WEIGHTS_KIND,
        config: { ...extraConfig, mapper: config },
      });
    },
    dispose: () => network.dispose(),
  };
  return mapper;
}

/** Where {@link createMapper} gets its weights: arrays + config, or an encoded manifest + shards (bytes). */
export type MapperSource =
  | { weights: NamedArrays; config: Partial<MapperConfig> }
  | { manifest: WeightsManifest; shards: (Uint8Array | ArrayBuffer)[] };

/** Reads the mapper config stored in a manifest (E_WEIGHTS_CORRUPT when absent, E_CONFIG when invalid). */
export function mapperConfigFromManifest(manifest: WeightsManifest): MapperConfig {
  const stored = (manifest?.config as { mapper?: Partial<MapperConfig> } | undefined)?.mapper;
  if (stored === undefined || typeof stored !== 'object') {
    throw new DGPoseError('E_WEIGHTS_CORRUPT', 'the weights manifest has no mapper config', {
      argument: 'manifest.config.mapper',
      expected: 'a MapperConfig',
      got: stored,
    });
  }
  return validateMapperConfig(stored);
}

/**
 * A frozen learned mapper from its weights. Bytes (`{ manifest, shards }`, as saved by core's
 * saveWeights) are checked (kind 'mapper/learned', sizes, sha256) and carry their config; arrays need
 * the config. Weights that do not fit the config throw E_WEIGHTS_MISMATCH. For the shipped weights in
 * Node, use `loadPretrainedMapper` from '@dgpose/mapper/node'.
 */
export async function createMapper(source: MapperSource): Promise<Mapper> {
  let arrays: NamedArrays;
  let config: MapperConfig;
  if (source && 'manifest' in source) {
    config = mapperConfigFromManifest(source.manifest);
    arrays = await decodeWeights(source.manifest, source.shards, { kind: MAPPER_WEIGHTS_KIND });
  } else if (source && 'weights' in source) {
    config = validateMapperConfig(source.config);
    arrays = source.weights;
  } else {
    throw new DGPoseError('E_ARG', 'createMapper needs { manifest, shards } or { weights, config }', {
      argument: 'source',
      expected: '{ manifest, shards } | { weights, config }',
      got: source,
    });
  }
  const network = new MapperNetwork(config);
  try {
    loadNamedArrays(network, arrays);
  } catch (e) {
    network.dispose();
    throw e;
  }
  return mapperFromNetwork(network);
}

/** Error of a mapper against the analytic maps it imitates. */
export interface MapperEvaluation {
  /** Mean squared error over all pixels and channels of [N,H,W,J]. */
  mse: number;
  /** Mean distance (pixels of the mapper's frame) between the decoded peak (argmax + log-quadratic refinement) and the true joint, over visible joints. */
  peakErrorPx: number;
  /** 95th percentile of that distance. */
  peakErrorP95Px: number;
  /** Number of poses. */
  poses: number;
}

/**
 * Compares `mapper` with analytic Gaussians (σ = config.sigma) on pixel poses in its frame, in
 * batches of `batchSize`. Async (reads results); leaves no tensors behind.
 */
export async function evaluateMapper(
  mapper: Pick<Mapper, 'config' | 'mapPoses'>,
  poses: readonly Pose[],
  opts: { batchSize?: number } = {},
): Promise<MapperEvaluation> {
  const { height: H, width: W, sigma } = mapper.config;
  const bs = opts.batchSize ?? 32;
  let se = 0;
  let count = 0;
  const dists: number[] = [];
  for (let i = 0; i < poses.length; i += bs) {
    const chunk = poses.slice(i, i + bs);
    const rows = posesToRows(chunk);
    const pred = mapper.mapPoses(chunk);
    const sq = tf.tidy(() =>
      tf.sum(tf.squaredDifference(pred, gaussianHeatmaps(rows.coords, rows.visible, { height: H, width: W, sigma }))),
    );
    const data = await pred.data();
    se += (await sq.data())[0];
    count += pred.size;
    const shape = pred.shape;
    tf.dispose([pred, sq]);
    const dec = decodeHeatmapsArray(data, shape, { threshold: -Infinity });
    rows.coords.forEach((c, b) => {
      rows.visible[b].forEach((v, j) => {
        if (v) dists.push(Math.hypot(dec.coords[b][2 * j] - c[2 * j], dec.coords[b][2 * j + 1] - c[2 * j + 1]));
      });
    });
  }
  dists.sort((a, b) => a - b);
  return {
    mse: se / count,
    peakErrorPx: dists.reduce((a, b) => a + b, 0) / Math.max(1, dists.length),
    peakErrorP95Px: dists.length ? dists[Math.min(dists.length - 1, Math.floor(0.95 * dists.length))] : 0,
    poses: poses.length,
  };
}
