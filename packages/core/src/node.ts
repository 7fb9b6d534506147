/*
 * @dgpose/core/node: everything of the main entry plus disk IO (Node only).
 * Weights folders hold `model.json` (the manifest, tfjs-compatible: `tf.io` loaders read its
 * `weightsManifest`) and shard files `group1-shard1of2.bin`, ...; writes are atomic.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DGPoseError, isDGPoseError } from './errors';
import {
  decodeWeights,
  encodeWeights,
  validateShardPath,
  validateWeightsManifest,
  type EncodeWeightsOptions,
  type NamedArrays,
  type WeightsManifest,
  type WeightsMeta,
} from './weights';

export * from './index';

/** The manifest file name inside a weights folder. */
export const WEIGHTS_MANIFEST_FILE = 'model.json';

function ioError(message: string, file: string, cause: unknown): DGPoseError {
  const code = (cause as { code?: string } | undefined)?.code;
  return new DGPoseError('E_IO', code ? `${message} (${code})` : message, { argument: file, path: file, cause });
}

/**
 * Writes `data` to `file` atomically: a temp file in the same folder, fully written and fsynced,
 * then renamed over `file`, then the folder fsynced so the rename survives a crash. Readers see the
 * old content or the new, never a partial file. On failure the temp file is removed and E_IO names
 * the path.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  if (typeof file !== 'string' || file === '')
    throw new DGPoseError('E_ARG', 'writeFileAtomic: file must be a non-empty path', { argument: 'file', got: file });
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new DGPoseError('E_ARG', 'writeFileAtomic: data must be a string or Uint8Array', {
      argument: 'data',
      got: typeof data,
    });
  }
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fsp.FileHandle | undefined;
  let stage = 'create a temp file for';
  try {
    handle = await fsp.open(tmp, 'wx');
    stage = 'write';
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    stage = 'rename the temp file onto';
    await fsp.rename(tmp, file);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw ioError(`could not ${stage} ${file}`, file, e);
  }
  await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  let h: fsp.FileHandle | undefined;
  try {
    h = await fsp.open(dir, 'r');
    await h.sync();
  } catch (e) {
    // Windows and some file systems cannot open or fsync a directory; the rename is still atomic.
    const code = (e as { code?: string }).code;
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES', 'ENOTSUP'].includes(code ?? ''))
      throw ioError(`could not fsync folder ${dir}`, dir, e);
  } finally {
    await h?.close().catch(() => undefined);
  }
}

const SHARD_FILE = /^group\d+-shard\d+of\d+\.bin$/;

/**
 * Saves `arrays` into folder `dir` (created if needed): shard files first, `model.json` last, each
 * written atomically, so a crash leaves either the previous complete set or the new one's shards
 * beside the previous manifest. Shard files of a previous save that the new manifest no longer
 * names are removed afterwards. Returns the manifest and the files written.
 */
export async function saveWeights(
  dir: string,
  arrays: NamedArrays,
  meta: WeightsMeta = {},
  options: EncodeWeightsOptions = {},
): Promise<{ manifest: WeightsManifest; files: string[] }> {
  if (typeof dir !== 'string' || dir === '')
    throw new DGPoseError('E_ARG', 'saveWeights: dir must be a non-empty path', { argument: 'dir', got: dir });
  const { manifest, shards } = await encodeWeights(arrays, meta, options);
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (e) {
    throw ioError(`could not create weights folder ${dir}`, dir, e);
  }
  const manifestPath = path.join(dir, WEIGHTS_MANIFEST_FILE);
  const oldShards = await previousShardFiles(manifestPath);
  const files: string[] = [];
  for (let i = 0; i < shards.length; i++) {
    const f = path.join(dir, manifest.shards[i].path);
    await writeFileAtomic(f, shards[i]);
    files.push(f);
  }
  await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 1)}\n`);
  files.push(manifestPath);
  const keep = new Set(manifest.shards.map((s) => s.path));
  for (const p of oldShards) if (!keep.has(p)) await fsp.rm(path.join(dir, p), { force: true }).catch(() => undefined);
  return { manifest, files };
}

/** Shard files named by an existing manifest that we wrote (safe names only), for cleanup. */
async function previousShardFiles(manifestPath: string): Promise<string[]> {
  try {
    const m = JSON.parse(await fsp.readFile(manifestPath, 'utf8')) as WeightsManifest;
    const paths = (m.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
    return paths.filter((p) => typeof p === 'string' && SHARD_FILE.test(p));
  } catch {
    return [];
  }
}

/** Re-throws a DGPoseError from the universal code with the file it concerns. */
function inFile(e: unknown, file: string): unknown {
  if (!isDGPoseError(e)) return e;
  const message = e.message.replace(/^\[[A-Z_]+\] /, '');
  return new DGPoseError(e.code, message, { argument: e.details.argument, path: file, cause: e });
}

function jsonExcerpt(text: string, err: unknown): string {
  const m = /position (\d+)/.exec(String((err as Error)?.message));
  const at = m ? Number(m[1]) : 0;
  const start = Math.max(0, at - 40);
  const s = text.slice(start, start + 80).replace(/\s+/g, ' ');
  return `${start > 0 ? '...' : ''}${s}${start + 80 < text.length ? '...' : ''}`;
}

/**
 * Loads weights saved by {@link saveWeights} from folder `dir`. Checks everything before trusting
 * it: E_IO for a missing folder, manifest or shard (naming the path), E_WEIGHTS_CORRUPT for invalid
 * JSON (with an excerpt) and for truncated or tampered shards (size, sha256), E_WEIGHTS_PATH for a
 * shard path that would leave the folder (checked before any shard is read), E_WEIGHTS_VERSION,
 * E_WEIGHTS_MISMATCH when `expect.kind` differs.
 */
export async function loadWeights(
  dir: string,
  expect: { kind?: string } = {},
): Promise<{ arrays: NamedArrays; manifest: WeightsManifest }> {
  if (typeof dir !== 'string' || dir === '')
    throw new DGPoseError('E_ARG', 'loadWeights: dir must be a non-empty path', { argument: 'dir', got: dir });
  try {
    const st = await fsp.stat(dir);
    if (!st.isDirectory())
      throw new DGPoseError('E_IO', `weights path ${dir} is not a folder`, { argument: dir, path: dir });
  } catch (e) {
    if (isDGPoseError(e)) throw e;
    throw ioError(`weights folder ${dir} not found`, dir, e);
  }
  const manifestPath = path.join(dir, WEIGHTS_MANIFEST_FILE);
  let text: string;
  try {
    text = await fsp.readFile(manifestPath, 'utf8');
  } catch (e) {
    throw ioError(`could not read weights manifest ${manifestPath}`, manifestPath, e);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (e) {
    throw new DGPoseError(
      'E_WEIGHTS_CORRUPT',
      `weights manifest is not valid JSON (${(e as Error).message}) near \u00ab${jsonExcerpt(text, e)}\u00bb`,
      {
        argument: WEIGHTS_MANIFEST_FILE,
        path: manifestPath,
        cause: e,
      },
    );
  }
  try {
    validateWeightsManifest(manifest);
  } catch (e) {
    throw inFile(e, manifestPath);
  }
  if (expect.kind !== undefined && manifest.kind !== expect.kind) {
    throw new DGPoseError('E_WEIGHTS_MISMATCH', 'weights are of another kind', {
      argument: 'kind',
      expected: expect.kind,
      got: manifest.kind ?? 'none',
      path: manifestPath,
    });
  }
  const root = path.resolve(dir);
  const shards: Uint8Array[] = [];
  for (const s of manifest.shards) {
    validateShardPath(s.path); // already checked; kept next to the read it protects
    const file = path.resolve(root, s.path);
    if (!file.startsWith(root + path.sep)) {
      throw new DGPoseError('E_WEIGHTS_PATH', 'shard path leaves the weights folder', {
        argument: s.path,
        expected: `a file inside ${root}`,
        got: file,
        path: manifestPath,
      });
    }
    try {
      shards.push(await fsp.readFile(file));
    } catch (e) {
      throw ioError(`could not read weights shard ${file}`, file, e);
    }
  }
  try {
    return { arrays: await decodeWeights(manifest, shards, expect), manifest };
  } catch (e) {
    const rel = isDGPoseError(e) ? e.details.path : undefined;
    throw inFile(e, rel !== undefined ? path.join(dir, rel) : manifestPath);
  }
}
