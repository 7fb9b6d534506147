/*
 * Universal loading of zoo weights over fetch (pages, workers, Node >= 18): one model's manifest,
 * then exactly its shards, each checked against its sha256 as it arrives. The weights keep the
 * package's `weights/<name>/{model.json, group1-shard1of1.bin}` layout, so an app serves that folder
 * as static files (offline, no CDN) and a page fetches only the models it uses.
 */
import { DGPoseError, sha256Hex, validateShardPath, validateWeightsManifest, type WeightsManifest } from '@dgpose/core';
import { loadModelFromWeights, type ConditionalConfig, type DGPoseModel, type SemiDGPoseModel } from '@dgpose/models';
import { checkPinnedShards, loadPretrainedFromBytes, type PretrainedModel } from './loader';
import { loadPoseRegressorFromWeights, POSE_REGRESSOR_KIND, type PoseRegressor } from './pose-regressor';
import { getZooEntry, ZOO, type ZooEntry } from './registry';

/** The part of a fetch Response that is used. */
export interface FetchResponseLike {
  ok: boolean;
  status: number;
  statusText?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** The part of `fetch` that is used (the global one, or any look-alike). */
export type FetchLike = (url: string) => Promise<FetchResponseLike>;

/** Options of loading zoo weights over fetch. */
export interface FetchPretrainedOptions {
  /**
   * URL of the folder that holds `<name>/model.json` and its shards (a copy of the package's `weights`
   * folder served by the app, e.g. `'/weights/'`). Relative URLs resolve against the page
   * (`location.href`); in Node it must be absolute. Not needed when a manifest URL is given.
   */
  baseUrl?: string;
  /** The fetch to use (default: the global fetch). */
  fetch?: FetchLike;
}

/** An entry's manifest and shard bytes, fetched and checked (nothing decoded yet). */
export interface FetchedWeights {
  /** The registry entry, when the name (or the manifest URL's folder) is one; its sha256 pins were checked. */
  entry?: ZooEntry;
  /** The manifest's URL. */
  url: string;
  manifest: WeightsManifest;
  shards: Uint8Array[];
}

const isUrlish = (s: string): boolean => s.includes('/') || s.endsWith('.json');

function resolveUrl(ref: string, base: string | undefined, argument: string): string {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return (base !== undefined ? new URL(ref, new URL(base, page)) : new URL(ref, page)).href;
  } catch (e) {
    throw new DGPoseError(
      'E_ARG',
      `${argument} is not a URL that can be fetched here${page ? '' : ' (outside a page, use an absolute URL)'}`,
      {
        argument,
        expected: "an absolute URL, e.g. 'http://localhost:5173/weights/', or a relative one inside a page",
        got: base !== undefined ? `${ref} relative to ${base}` : ref,
        cause: e,
      },
    );
  }
}

/** The manifest URL and the registry entry (if any) for a zoo name or a manifest / folder URL. */
function locate(nameOrUrl: string, opts: FetchPretrainedOptions): { url: string; entry?: ZooEntry } {
  if (typeof nameOrUrl !== 'string' || nameOrUrl === '') {
    throw new DGPoseError('E_ARG', 'loadPretrained needs a zoo name or a model.json URL', {
      argument: 'nameOrUrl',
      expected: ZOO.map((e) => e.name),
      got: nameOrUrl,
    });
  }
  if (!isUrlish(nameOrUrl)) {
    const entry = getZooEntry(nameOrUrl); // E_ARG listing the valid names
    if (opts.baseUrl === undefined) {
      throw new DGPoseError(
        'E_ARG',
        `loadPretrained('${entry.name}') over fetch needs baseUrl: the URL of the folder holding ${entry.name}/model.json`,
        {
          argument: 'baseUrl',
          expected: "e.g. '/weights/' (a copy of @dgpose/zoo's weights folder served by the app)",
          got: 'undefined',
        },
      );
    }
    const base = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
    return { url: resolveUrl(`${entry.name}/model.json`, base, 'baseUrl'), entry };
  }
  const ref = nameOrUrl.endsWith('/') ? `${nameOrUrl}model.json` : nameOrUrl;
  const url = resolveUrl(ref, opts.baseUrl, 'nameOrUrl');
  // weights/<name>/model.json: pinned like a name
  const folder = new URL('.', url).pathname.split('/').filter(Boolean).pop();
  const entry = ZOO.find((e) => e.name === folder);
  return entry ? { url, entry } : { url };
}

async function get(fetchFn: FetchLike, url: string, what: string): Promise<Uint8Array> {
  let res: FetchResponseLike;
  try {
    res = await fetchFn(url);
  } catch (e) {
    // undici's "fetch failed" hides the reason (refused, reset, DNS) in its cause
    const why = [e, (e as { cause?: unknown })?.cause]
      .map((x) => (x instanceof Error ? x.message : ''))
      .filter(Boolean)
      .join(': ');
    throw new DGPoseError('E_IO', `cannot fetch ${what} ${url}${why ? ` (${why})` : ''}`, {
      argument: what,
      path: url,
      cause: e,
    });
  }
  if (!res.ok)
    throw new DGPoseError(
      'E_IO',
      `cannot fetch ${what} ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      { argument: what, expected: 'HTTP 200', got: res.status, path: url },
    );
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new DGPoseError('E_IO', `cannot read ${what} ${url}`, { argument: what, path: url, cause: e });
  }
}

/**
 * Fetches one model's manifest and then its shards (in parallel), checking the registry's pins
 * before any shard is fetched and each shard's size and sha256 as it arrives. E_ARG for an unknown
 * name or a missing baseUrl, E_IO naming the URL for a failed request, E_WEIGHTS_CORRUPT for a
 * manifest that is not valid or bytes that fail their sha256.
 */
export async function fetchPretrainedBytes(
  nameOrUrl: string,
  opts: FetchPretrainedOptions = {},
): Promise<FetchedWeights> {
  if (opts === null || typeof opts !== 'object')
    throw new DGPoseError('E_ARG', 'options must be an object', { argument: 'opts', got: opts });
  const fetchFn = opts.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (typeof fetchFn !== 'function')
    throw new DGPoseError('E_ARG', 'there is no fetch here: pass options.fetch', {
      argument: 'fetch',
      expected: 'a fetch function',
      got: typeof fetchFn,
    });
  const { url, entry } = locate(nameOrUrl, opts);
  const text = new TextDecoder().decode(await get((u) => fetchFn(u), url, 'weights manifest'));
  let manifest: WeightsManifest;
  try {
    manifest = JSON.parse(text) as WeightsManifest;
  } catch (e) {
    throw new DGPoseError(
      'E_WEIGHTS_CORRUPT',
      `weights manifest ${url} is not JSON (an HTML page where the file should be?)`,
      { path: url, got: text.slice(0, 60), cause: e },
    );
  }
  validateWeightsManifest(manifest);
  if (entry) checkPinnedShards(entry, manifest);
  const shards = await Promise.all(
    manifest.shards.map(async (s) => {
      validateShardPath(s.path);
      const shardUrl = new URL(s.path, url).href;
      const bytes = await get((u) => fetchFn(u), shardUrl, 'weights shard');
      if (bytes.byteLength !== s.byteLength) {
        throw new DGPoseError(
          'E_WEIGHTS_CORRUPT',
          `weights shard ${shardUrl} has another size than its manifest says (truncated?)`,
          { argument: s.path, expected: s.byteLength, got: bytes.byteLength, path: shardUrl },
        );
      }
      const hash = await sha256Hex(bytes);
      if (hash !== s.sha256) {
        throw new DGPoseError(
          'E_WEIGHTS_CORRUPT',
          `weights shard ${shardUrl} fails its sha256 check (tampered or corrupted)`,
          { argument: s.path, expected: s.sha256, got: hash, path: shardUrl },
        );
      }
      return bytes;
    }),
  );
  return { ...(entry ? { entry } : {}), url, manifest, shards };
}

/**
 * A ready model or estimator fetched over HTTP: a zoo name with `baseUrl` (the folder holding
 * `<name>/model.json`), or the URL of any dgpose weights manifest (`.../model.json`, or its folder
 * ending in '/'). Zoo weights are checked against the registry's sha256 pins, any weights against
 * their manifest's; only that model's files are fetched. Errors as {@link fetchPretrainedBytes},
 * and E_WEIGHTS_MISMATCH for weights of another kind than the entry.
 */
export function loadPretrainedFromUrl(name: 'pose-regressor-64', opts: FetchPretrainedOptions): Promise<PoseRegressor>;
export function loadPretrainedFromUrl(
  name: `semi-${string}` | `supervised-${string}`,
  opts: FetchPretrainedOptions,
): Promise<SemiDGPoseModel>;
export function loadPretrainedFromUrl(
  name: `conditional-${string}`,
  opts: FetchPretrainedOptions,
): Promise<DGPoseModel<ConditionalConfig>>;
export function loadPretrainedFromUrl(nameOrUrl: string, opts?: FetchPretrainedOptions): Promise<PretrainedModel>;
export async function loadPretrainedFromUrl(
  nameOrUrl: string,
  opts: FetchPretrainedOptions = {},
): Promise<PretrainedModel> {
  const w = await fetchPretrainedBytes(nameOrUrl, opts);
  if (w.entry) return loadPretrainedFromBytes(w.entry.name, w);
  if (w.manifest.kind === POSE_REGRESSOR_KIND) return loadPoseRegressorFromWeights(w);
  return (await loadModelFromWeights(w)) as PretrainedModel;
}
