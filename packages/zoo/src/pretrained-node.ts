/* Node only: loadPretrained reads an entry's weights from the installed package's weights folder. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError, validateShardPath, type WeightsManifest } from '@dgpose/core';
import { WEIGHTS_MANIFEST_FILE } from '@dgpose/core/node';
import type { ConditionalConfig, DGPoseModel, SemiDGPoseModel } from '@dgpose/models';
import { loadPretrainedFromBytes, type PretrainedModel } from './loader';
import type { PoseRegressor } from './pose-regressor';
import { zooPackageDir } from './package-paths';
import { getZooEntry } from './registry';
import { loadPretrainedFromUrl, type FetchPretrainedOptions } from './fetch-loader';

export interface LoadPretrainedOptions extends FetchPretrainedOptions {
  /**
   * Folder holding `<name>/model.json` and its shards instead of the package's own `weights`
   * folder (a mirror or copy; the registry's sha256 pins still apply).
   */
  weightsRoot?: string;
}

/** The folder of an entry's weights on disk. */
export function pretrainedDir(name: string, opts: LoadPretrainedOptions = {}): string {
  const entry = getZooEntry(name);
  return opts.weightsRoot !== undefined
    ? path.join(opts.weightsRoot, entry.name)
    : path.join(zooPackageDir(), entry.files);
}

/** Reads an entry's manifest and shard bytes (shard paths validated, nothing decoded). */
export async function readPretrainedBytes(
  name: string,
  opts: LoadPretrainedOptions = {},
): Promise<{ manifest: WeightsManifest; shards: Uint8Array[] }> {
  const dir = pretrainedDir(name, opts);
  const file = path.join(dir, WEIGHTS_MANIFEST_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new DGPoseError('E_IO', `cannot read zoo weights manifest ${file}`, { argument: name, path: file, cause: e });
  }
  let manifest: WeightsManifest;
  try {
    manifest = JSON.parse(text) as WeightsManifest;
  } catch (e) {
    throw new DGPoseError('E_WEIGHTS_CORRUPT', `zoo weights manifest is not valid JSON`, {
      argument: name,
      path: file,
      cause: e,
    });
  }
  const shards: Uint8Array[] = [];
  for (const s of Array.isArray(manifest.shards) ? manifest.shards : []) {
    validateShardPath(s?.path);
    const f = path.join(dir, s.path);
    try {
      shards.push(new Uint8Array(await fsp.readFile(f)));
    } catch (e) {
      throw new DGPoseError('E_IO', `cannot read zoo weights shard ${f}`, { argument: name, path: f, cause: e });
    }
  }
  return { manifest, shards };
}

/**
 * A ready model or estimator from the zoo, read from the installed package: 'conditional-small-64'
 * (Conditional-DGPose), 'semi-small-64-<pct>' (Semi-DGPose at 25/50/75/100 % supervision),
 * 'pose-regressor-64' (a PoseEstimator for synthetic people). Every shard is checked against the
 * registry's sha256 (E_WEIGHTS_CORRUPT); an unknown name is E_ARG listing the valid ones. With an
 * http(s) URL, `baseUrl` or `fetch` it fetches instead, as the universal entry's loadPretrained does.
 */
export function loadPretrained(name: 'pose-regressor-64', opts?: LoadPretrainedOptions): Promise<PoseRegressor>;
export function loadPretrained(
  name: `semi-${string}` | `supervised-${string}`,
  opts?: LoadPretrainedOptions,
): Promise<SemiDGPoseModel>;
export function loadPretrained(
  name: `conditional-${string}`,
  opts?: LoadPretrainedOptions,
): Promise<DGPoseModel<ConditionalConfig>>;
export function loadPretrained(name: string, opts?: LoadPretrainedOptions): Promise<PretrainedModel>;
export async function loadPretrained(name: string, opts: LoadPretrainedOptions = {}): Promise<PretrainedModel> {
  // over HTTP when asked to (a URL, a baseUrl or a fetch); from disk otherwise
  if (opts?.baseUrl !== undefined || opts?.fetch !== undefined || /^https?:\/\//.test(String(name))) {
    if (opts.weightsRoot !== undefined)
      throw new DGPoseError('E_ARG', 'weightsRoot (a folder on disk) and baseUrl/fetch (HTTP) exclude each other', {
        argument: 'weightsRoot',
        got: opts.weightsRoot,
      });
    return loadPretrainedFromUrl(name, opts);
  }
  getZooEntry(name);
  return loadPretrainedFromBytes(name, await readPretrainedBytes(name, opts));
}
