/*
 * @dgpose/onnx/node: everything of the main entry plus files and onnxruntime-node.
 *
 *   saveOnnx(dir, export)               the .onnx files, then dgpose-onnx.json (each written atomically)
 *   exportOnnxToDir(source, dir)        a loaded model, an exported-weights folder or a checkpoint → dir
 *   readOnnxExport(dir)                 the manifest and the file bytes (checked)
 *   loadOnnxModel(dir)                  the verbs on onnxruntime-node
 *   loadInferenceModel(source, { engine: 'onnxruntime' | 'tfjs' })
 *                                       one switch between the engines; default onnxruntime when installed
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError, sha256Hex } from '@dgpose/core';
import { writeFileAtomic } from '@dgpose/core/node';
import { type AnyDGPoseModel, type ConditionalConfig, type BaseModel } from '@dgpose/models';
import { loadCheckpoint, loadModel } from '@dgpose/models/node';
import { type OnnxDGPoseModel, type OrtLike, createOnnxEngine } from './engine';
import { checkManifest } from './graph-check';
import { type ExportOnnxOptions, type OnnxExport, type OnnxManifest, ONNX_MANIFEST_FILE, exportOnnx } from './export';
import { optionalRequire } from './optional';

export * from './index';

/** The command that installs the optional peer. */
export const ORT_INSTALL = 'npm install onnxruntime-node';

/** onnxruntime-node, or E_BACKEND with the install command when it is not installed. */
export function loadOnnxRuntime(): OrtLike {
  try {
    return optionalRequire('onnxruntime-node') as OrtLike;
  } catch (e) {
    const code = (e as { code?: string })?.code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new DGPoseError(
        'E_BACKEND',
        `the onnxruntime engine needs the optional peer onnxruntime-node, which is not installed: run \`${ORT_INSTALL}\` (or use engine 'tfjs')`,
        {
          argument: 'onnxruntime-node',
          expected: 'an installed onnxruntime-node',
          got: 'not installed',
          cause: e,
        },
      );
    }
    throw new DGPoseError('E_BACKEND', `onnxruntime-node failed to load: ${(e as Error)?.message ?? e}`, {
      argument: 'onnxruntime-node',
      cause: e,
    });
  }
}

/** True when onnxruntime-node can be loaded. */
export function hasOnnxRuntime(): boolean {
  try {
    loadOnnxRuntime();
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes an export into `dir` (created if needed): every .onnx file atomically (temp file, fsync, rename), then
 * dgpose-onnx.json last, so a folder with a manifest always holds the complete set it names.
 */
export async function saveOnnx(dir: string, exp: OnnxExport): Promise<string[]> {
  if (typeof dir !== 'string' || dir === '')
    throw new DGPoseError('E_ARG', 'saveOnnx: dir must be a non-empty path', { argument: 'dir', got: dir });
  checkManifest(exp?.manifest, 'manifest');
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new DGPoseError('E_IO', `could not create ${dir}`, { path: dir, cause: e });
  }
  const written: string[] = [];
  for (const [file, bytes] of Object.entries(exp.files)) {
    if (path.basename(file) !== file || !file.endsWith('.onnx'))
      throw new DGPoseError('E_WEIGHTS_PATH', 'an export file name must be a plain *.onnx name', {
        argument: file,
        got: file,
      });
    await writeFileAtomic(path.join(dir, file), bytes);
    written.push(file);
  }
  await writeFileAtomic(path.join(dir, ONNX_MANIFEST_FILE), `${JSON.stringify(exp.manifest, null, 1)}\n`);
  return [...written, ONNX_MANIFEST_FILE];
}

async function exists(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    () => true,
    () => false,
  );
}

/** What can be exported or served: a loaded model, or a folder (exported weights, a checkpoint, or, to serve, an ONNX export). */
export type ModelSource = BaseModel<ConditionalConfig> | string;

/** Loads a tfjs model from a weights folder (model.json) or a checkpoint folder (checkpoint.json). */
export async function loadTfjsModel(dir: string): Promise<AnyDGPoseModel> {
  if (await exists(path.join(dir, 'checkpoint.json'))) return (await loadCheckpoint(dir)).model;
  if (await exists(path.join(dir, 'model.json'))) return loadModel(dir);
  throw new DGPoseError(
    'E_IO',
    `${dir} holds neither exported weights (model.json) nor a checkpoint (checkpoint.json)`,
    { argument: 'source', path: dir, expected: 'model.json | checkpoint.json' },
  );
}

/**
 * Exports `source` (a loaded model, or a weights / checkpoint folder) to ONNX in `dir`. All graphs are built in
 * memory before anything is written: an unsupported layer (E_EXPORT_UNSUPPORTED) leaves no file.
 */
export async function exportOnnxToDir(
  source: ModelSource,
  dir: string,
  opts: ExportOnnxOptions = {},
): Promise<OnnxManifest> {
  const own = typeof source === 'string';
  const model = own ? await loadTfjsModel(source) : source;
  try {
    const exp = await exportOnnx(model, opts);
    await saveOnnx(dir, exp);
    return exp.manifest;
  } finally {
    if (own) model.dispose();
  }
}

/**
 * Reads an export folder: dgpose-onnx.json and its files, each checked against the manifest's sha256
 * (E_WEIGHTS_CORRUPT) after its interface (E_WEIGHTS_MISMATCH for a file that is not our graph).
 */
export async function readOnnxExport(dir: string): Promise<OnnxExport> {
  const mf = path.join(dir, ONNX_MANIFEST_FILE);
  let manifest: unknown;
  try {
    manifest = JSON.parse(await fsp.readFile(mf, 'utf8'));
  } catch (e) {
    throw new DGPoseError('E_IO', `${dir} is not a dgpose-onnx export (no readable ${ONNX_MANIFEST_FILE})`, {
      argument: 'dir',
      path: mf,
      cause: e,
    });
  }
  checkManifest(manifest, mf);
  const files: Record<string, Uint8Array> = {};
  for (const [, g] of Object.entries(manifest.graphs)) {
    if (!g) continue;
    if (path.basename(g.file) !== g.file)
      throw new DGPoseError('E_WEIGHTS_PATH', 'a graph file must be a plain name in the export folder', {
        argument: g.file,
        path: mf,
      });
    const f = path.join(dir, g.file);
    try {
      files[g.file] = new Uint8Array(await fsp.readFile(f));
    } catch (e) {
      throw new DGPoseError('E_IO', `cannot read ${f}`, { argument: g.file, path: f, cause: e });
    }
  }
  return { manifest, files };
}

async function checkShas(exp: OnnxExport): Promise<void> {
  for (const g of Object.values(exp.manifest.graphs)) {
    if (!g) continue;
    const got = await sha256Hex(exp.files[g.file]);
    if (got !== g.sha256)
      throw new DGPoseError('E_WEIGHTS_CORRUPT', `${g.file} does not match its sha256 in ${ONNX_MANIFEST_FILE}`, {
        argument: g.file,
        expected: g.sha256,
        got,
      });
  }
}

/** Options of the node loaders. */
export interface LoadOnnxOptions {
  /** Passed to InferenceSession.create (default `{ graphOptimizationLevel: 'all' }`). */
  sessionOptions?: Record<string, unknown>;
}

/** Serves an ONNX export folder with onnxruntime-node (E_BACKEND with the install command when it is missing). */
export async function loadOnnxModel(dir: string, opts: LoadOnnxOptions = {}): Promise<OnnxDGPoseModel> {
  const ort = loadOnnxRuntime();
  const exp = await readOnnxExport(dir);
  // interfaces first (a foreign file gets the clearer message), then the checksums
  const engine = await createOnnxEngine(exp, { ort, sessionOptions: opts.sessionOptions });
  try {
    await checkShas(exp);
  } catch (e) {
    await engine.dispose();
    throw e;
  }
  return engine;
}

/** The engines {@link loadInferenceModel} chooses between. */
export type InferenceEngine = 'onnxruntime' | 'tfjs';

/** A model with the task-level verbs, on either engine. */
export type InferenceModel = OnnxDGPoseModel | AnyDGPoseModel;

/**
 * One switch between the engines. `source`: a folder with an ONNX export (onnxruntime only), exported weights or
 * a checkpoint (either engine: for onnxruntime the networks are exported in memory), or a loaded model.
 * `engine` defaults to 'onnxruntime' when onnxruntime-node is installed, else 'tfjs'.
 */
export async function loadInferenceModel(
  source: ModelSource,
  opts: { engine?: InferenceEngine } & LoadOnnxOptions = {},
): Promise<InferenceModel> {
  const engine = opts.engine ?? (hasOnnxRuntime() ? 'onnxruntime' : 'tfjs');
  if (engine !== 'onnxruntime' && engine !== 'tfjs')
    throw new DGPoseError('E_ARG', 'unknown inference engine', {
      argument: 'engine',
      expected: ['onnxruntime', 'tfjs'],
      got: engine,
    });
  const isOnnxDir = typeof source === 'string' && (await exists(path.join(source, ONNX_MANIFEST_FILE)));
  if (engine === 'tfjs') {
    if (isOnnxDir)
      throw new DGPoseError(
        'E_ARG',
        `${source} is an ONNX export: the tfjs engine needs exported weights or a checkpoint`,
        { argument: 'engine', expected: 'onnxruntime', got: 'tfjs' },
      );
    return typeof source === 'string' ? loadTfjsModel(source) : (source as AnyDGPoseModel);
  }
  if (isOnnxDir) return loadOnnxModel(source as string, opts);
  const ort = loadOnnxRuntime();
  const own = typeof source === 'string';
  const model = own ? await loadTfjsModel(source) : source;
  try {
    return await createOnnxEngine(await exportOnnx(model), { ort, sessionOptions: opts.sessionOptions });
  } finally {
    if (own) model.dispose();
  }
}
