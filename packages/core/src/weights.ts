/*
 * Weights IO from and to bytes, universal (no tfjs, no Node imports). The format is TensorFlow.js's
 * weights format (`tf.io.encodeWeights`: a `weightsManifest` of groups, each with shard `paths` and
 * `weights` specs, over the little-endian concatenation of the arrays split into shards), plus
 * dgpose's own fields: `formatVersion`, `kind`, `config`, `packageVersion`, and `shards[]` with each
 * shard's byteLength and sha256, so a loader can refuse truncated or tampered files and say which.
 */
import { DGPoseError } from './errors';
import { sha256Hex } from './sha256';
import { fitsFloat16, readFloat16, writeFloat16 } from './weights-float16';

/** The weights format version this code writes and reads. */
export const WEIGHTS_FORMAT_VERSION = 1;
/** Default maximum shard size: 4 MiB, tfjs's own default. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

export type WeightsDtype = 'float32' | 'int32';

/** One named parameter as plain data. `data.length` = product of `shape`; row-major. */
export interface NamedArray {
  dtype: WeightsDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}
export type NamedArrays = Record<string, NamedArray>;

/** A tfjs weight spec (`WeightsManifestEntry`). */
export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  /** tfjs's quantization field. dgpose reads and writes only `{ dtype: 'float16' }` on float32 weights. */
  quantization?: { dtype: 'float16' };
}

/** One tfjs weights group: its shard files, in order, and the weights stored across them. */
export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightsManifestEntry[];
}

/** The manifest (written as `model.json` by `saveWeights`). tfjs readers see `weightsManifest`. */
export interface WeightsManifest {
  /** dgpose weights format version ({@link WEIGHTS_FORMAT_VERSION}). */
  formatVersion: number;
  /** tfjs model.json `format` field; dgpose writes 'dgpose-weights'. */
  format?: string;
  /** tfjs model.json `generatedBy` field. */
  generatedBy?: string;
  /** What these weights belong to, e.g. 'mapper/learned' or 'conditional-dgpose'; checked by loaders. */
  kind?: string;
  /** The config of the model the weights belong to (plain JSON). */
  config?: unknown;
  /** Version of the package that wrote the weights. */
  packageVersion?: string;
  weightsManifest: WeightsManifestGroup[];
  /** One entry per shard path (in the order of the groups' paths): size and sha256 (lowercase hex). */
  shards: { path: string; byteLength: number; sha256: string }[];
}

/** Metadata stored with the weights. */
export interface WeightsMeta {
  kind?: string;
  config?: unknown;
  packageVersion?: string;
}

export interface EncodeWeightsOptions {
  /** Maximum bytes per shard (a positive integer; default 4 MiB). Arrays may span shards, as in tfjs. */
  shardBytes?: number;
  /**
   * 'float16': store float32 arrays as IEEE binary16 (half the bytes; tfjs's `quantization` field),
   * except an array holding a value beyond ±65504, which stays float32. int32 arrays are never
   * quantized. Default: none (exact float32).
   */
  quantize?: 'float16';
}

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function corrupt(
  message: string,
  details: { argument?: string; expected?: unknown; got?: unknown; path?: string } = {},
): DGPoseError {
  return new DGPoseError('E_WEIGHTS_CORRUPT', message, details);
}

function isShape(s: unknown): s is number[] {
  return Array.isArray(s) && s.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Throws E_WEIGHTS_PATH unless `p` is a safe relative shard path: non-empty, not absolute, no
 * backslash, no drive letter or other ':' (URL schemes, NTFS streams), no '%', '?' or '#' (URL
 * loaders would decode or cut them; '%2e%2e' is '..' to a URL parser), no control characters, no
 * empty or '..' segment.
 */
export function validateShardPath(p: unknown, argument = 'shard path'): asserts p is string {
  const bad = (why: string): never => {
    throw new DGPoseError('E_WEIGHTS_PATH', `${argument} ${why}`, {
      argument,
      expected: "a relative path inside the weights folder, e.g. 'group1-shard1of1.bin'",
      got: p,
    });
  };
  if (typeof p !== 'string' || p.length === 0) return bad('must be a non-empty string');
  if (p.startsWith('/')) bad('is absolute');
  if (p.includes('\\')) bad('contains a backslash');
  if (/^[A-Za-z]:/.test(p)) bad('starts with a drive letter');
  if (p.includes(':')) bad("contains ':'");
  if (/[%?#]/.test(p)) bad("contains '%', '?' or '#'");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) bad('contains a control character');
  const segs = p.split('/');
  if (segs.includes('..')) bad("has a '..' segment");
  if (segs.some((s) => s === '')) bad('has an empty segment');
}

/**
 * Throws unless `m` is a structurally valid manifest: E_WEIGHTS_VERSION for an unknown or missing
 * formatVersion, E_WEIGHTS_PATH for an unsafe shard path, E_WEIGHTS_CORRUPT for anything else
 * (wrong types, unknown dtype, bad shape, duplicate names, shards[] disagreeing with the paths).
 * Does not look at shard bytes (see {@link decodeWeights}).
 */
export function validateWeightsManifest(m: unknown): asserts m is WeightsManifest {
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw corrupt('weights manifest must be a JSON object', { got: m === null ? 'null' : typeof m });
  const o = m as Record<string, unknown>;
  if (o.formatVersion !== WEIGHTS_FORMAT_VERSION) {
    throw new DGPoseError(
      'E_WEIGHTS_VERSION',
      o.formatVersion === undefined
        ? 'weights manifest has no formatVersion (not a dgpose weights manifest?)'
        : 'unsupported weights formatVersion',
      {
        argument: 'formatVersion',
        expected: WEIGHTS_FORMAT_VERSION,
        got: o.formatVersion === undefined ? 'none' : o.formatVersion,
      },
    );
  }
  for (const k of ['kind', 'packageVersion', 'format', 'generatedBy'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string')
      throw corrupt(`manifest.${k} must be a string`, { argument: k, got: typeof o[k] });
  }
  if (!Array.isArray(o.weightsManifest))
    throw corrupt('manifest.weightsManifest must be an array of groups', {
      argument: 'weightsManifest',
      got: typeof o.weightsManifest,
    });
  const allPaths: string[] = [];
  const names = new Set<string>();
  o.weightsManifest.forEach((g: unknown, gi: number) => {
    const where = `weightsManifest[${gi}]`;
    if (typeof g !== 'object' || g === null) throw corrupt(`${where} must be an object`, { argument: where });
    const group = g as Record<string, unknown>;
    if (!Array.isArray(group.paths)) throw corrupt(`${where}.paths must be an array`, { argument: `${where}.paths` });
    group.paths.forEach((p: unknown, pi: number) => {
      validateShardPath(p, `${where}.paths[${pi}]`);
      allPaths.push(p);
    });
    if (!Array.isArray(group.weights))
      throw corrupt(`${where}.weights must be an array`, { argument: `${where}.weights` });
    group.weights.forEach((w: unknown, wi: number) => {
      const at = `${where}.weights[${wi}]`;
      if (typeof w !== 'object' || w === null) throw corrupt(`${at} must be an object`, { argument: at });
      const e = w as Record<string, unknown>;
      if (typeof e.name !== 'string' || e.name === '')
        throw corrupt(`${at}.name must be a non-empty string`, { argument: at, got: e.name });
      if (names.has(e.name)) throw corrupt(`duplicate weight name '${e.name}'`, { argument: at, got: e.name });
      names.add(e.name);
      if (e.dtype !== 'float32' && e.dtype !== 'int32')
        throw corrupt(`weight '${e.name}' has an unsupported dtype`, {
          argument: e.name,
          expected: 'float32 or int32',
          got: e.dtype,
        });
      if (!isShape(e.shape))
        throw corrupt(`weight '${e.name}' has an invalid shape`, {
          argument: e.name,
          expected: 'non-negative integers',
          got: e.shape,
        });
      if (e.quantization !== undefined) {
        const q = e.quantization as Record<string, unknown> | null;
        const keys = typeof q === 'object' && q !== null ? Object.keys(q) : [];
        if (e.dtype !== 'float32' || keys.length !== 1 || q?.dtype !== 'float16')
          throw corrupt(`weight '${e.name}' has an unsupported quantization`, {
            argument: e.name,
            expected: "{ dtype: 'float16' } on a float32 weight",
            got: JSON.stringify(e.quantization) ?? typeof e.quantization,
          });
      }
    });
  });
  if (new Set(allPaths).size !== allPaths.length)
    throw corrupt('a shard path appears twice', { argument: 'paths', got: allPaths });
  if (!Array.isArray(o.shards))
    throw corrupt('manifest.shards must be an array', { argument: 'shards', got: typeof o.shards });
  if (o.shards.length !== allPaths.length) {
    throw corrupt('manifest.shards must have one entry per shard path', {
      argument: 'shards',
      expected: allPaths.length,
      got: o.shards.length,
    });
  }
  o.shards.forEach((s: unknown, i: number) => {
    const at = `shards[${i}]`;
    if (typeof s !== 'object' || s === null) throw corrupt(`${at} must be an object`, { argument: at });
    const e = s as Record<string, unknown>;
    validateShardPath(e.path, `${at}.path`);
    if (e.path !== allPaths[i])
      throw corrupt(`${at}.path disagrees with the groups' paths`, {
        argument: at,
        expected: allPaths[i],
        got: e.path,
      });
    if (typeof e.byteLength !== 'number' || !Number.isSafeInteger(e.byteLength) || e.byteLength < 0) {
      throw corrupt(`${at}.byteLength must be a non-negative integer`, {
        argument: at,
        got: e.byteLength,
        path: e.path,
      });
    }
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256))
      throw corrupt(`${at}.sha256 must be 64 lowercase hex digits`, { argument: at, got: e.sha256, path: e.path });
  });
}

function validateArrays(arrays: NamedArrays, argument: string): [string, NamedArray][] {
  if (typeof arrays !== 'object' || arrays === null || Array.isArray(arrays)) {
    throw new DGPoseError('E_ARG', `${argument} must be a record of named arrays`, {
      argument,
      got: arrays === null ? 'null' : typeof arrays,
    });
  }
  const entries = Object.entries(arrays);
  for (const [name, a] of entries) {
    const at = `${argument}['${name}']`;
    if (name === '')
      throw new DGPoseError('E_ARG', `${argument} has an empty name`, {
        argument,
        expected: 'non-empty names',
        got: '',
      });
    if (typeof a !== 'object' || a === null)
      throw new DGPoseError('E_ARG', `${at} must be { dtype, shape, data }`, {
        argument: at,
        got: a === null ? 'null' : typeof a,
      });
    if (a.dtype !== 'float32' && a.dtype !== 'int32')
      throw new DGPoseError('E_ARG', `${at}.dtype is not supported`, {
        argument: at,
        expected: 'float32 or int32',
        got: a.dtype,
      });
    if (!isShape(a.shape))
      throw new DGPoseError('E_SHAPE', `${at}.shape must be non-negative integers`, { argument: at, got: a.shape });
    const ctor = a.dtype === 'float32' ? Float32Array : Int32Array;
    if (!(a.data instanceof ctor)) {
      throw new DGPoseError('E_ARG', `${at}.data must be a ${ctor.name} for dtype ${a.dtype}`, {
        argument: at,
        expected: ctor.name,
        got: (a.data as object | undefined)?.constructor?.name ?? typeof a.data,
      });
    }
    if (a.data.length !== sizeOf(a.shape)) {
      throw new DGPoseError('E_SHAPE', `${at}.data length does not match its shape [${a.shape.join(',')}]`, {
        argument: at,
        expected: sizeOf(a.shape),
        got: a.data.length,
      });
    }
  }
  return entries;
}

/** Copies 4-byte elements into little-endian bytes (swaps on big-endian hosts). */
function toLittleEndianBytes(data: Float32Array | Int32Array, out: Uint8Array, offset: number): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (IS_LITTLE_ENDIAN) {
    out.set(bytes, offset);
    return;
  }
  for (let i = 0; i < bytes.length; i += 4) {
    out[offset + i] = bytes[i + 3];
    out[offset + i + 1] = bytes[i + 2];
    out[offset + i + 2] = bytes[i + 1];
    out[offset + i + 3] = bytes[i];
  }
}

/**
 * Encodes `arrays` in the tfjs weights format: one group (`group1`), the arrays concatenated in
 * insertion order as little-endian bytes and cut into shards of at most `options.shardBytes`
 * (`group1-shard1of2.bin`, ...). Returns the manifest (with byteLength and sha256 per shard) and the
 * shard bytes. Throws E_ARG / E_SHAPE on malformed arrays or options.
 */
export async function encodeWeights(
  arrays: NamedArrays,
  meta: WeightsMeta = {},
  options: EncodeWeightsOptions = {},
): Promise<{ manifest: WeightsManifest; shards: Uint8Array[] }> {
  const entries = validateArrays(arrays, 'arrays');
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (typeof shardBytes !== 'number' || !Number.isSafeInteger(shardBytes) || shardBytes < 1) {
    throw new DGPoseError('E_ARG', 'options.shardBytes must be a positive integer', {
      argument: 'shardBytes',
      got: shardBytes,
    });
  }
  if (options.quantize !== undefined && options.quantize !== 'float16')
    throw new DGPoseError('E_ARG', "options.quantize must be 'float16' or absent", {
      argument: 'quantize',
      expected: "'float16'",
      got: options.quantize,
    });
  for (const k of ['kind', 'packageVersion'] as const) {
    if (meta[k] !== undefined && typeof meta[k] !== 'string')
      throw new DGPoseError('E_ARG', `meta.${k} must be a string`, { argument: `meta.${k}`, got: typeof meta[k] });
  }
  let config: unknown;
  if (meta.config !== undefined) {
    // The manifest is JSON: store what JSON keeps, and refuse what it cannot represent.
    try {
      config = JSON.parse(JSON.stringify(meta.config));
    } catch (e) {
      throw new DGPoseError('E_ARG', 'meta.config must be JSON-serialisable', { argument: 'meta.config', cause: e });
    }
  }
  const half = entries.map(
    ([, a]) => options.quantize === 'float16' && a.data instanceof Float32Array && fitsFloat16(a.data),
  );
  const total = entries.reduce((s, [, a], i) => s + (half[i] ? 2 * a.data.length : a.data.byteLength), 0);
  const all = new Uint8Array(total);
  let off = 0;
  entries.forEach(([, a], i) => {
    if (half[i]) writeFloat16(a.data as Float32Array, all, off);
    else toLittleEndianBytes(a.data, all, off);
    off += half[i] ? 2 * a.data.length : a.data.byteLength;
  });
  const n = Math.ceil(total / shardBytes);
  const shards: Uint8Array[] = [];
  // Each shard owns its buffer, so `shard.buffer` is exactly the shard's bytes (as tfjs IO expects).
  for (let i = 0; i < n; i++)
    shards.push(n === 1 ? all : all.slice(i * shardBytes, Math.min(total, (i + 1) * shardBytes)));
  const paths = shards.map((_, i) => `group1-shard${i + 1}of${n}.bin`);
  const hashes = await Promise.all(shards.map((s) => sha256Hex(s)));
  const manifest: WeightsManifest = {
    formatVersion: WEIGHTS_FORMAT_VERSION,
    format: 'dgpose-weights',
    generatedBy: '@dgpose/core',
    ...(meta.kind !== undefined ? { kind: meta.kind } : {}),
    ...(config !== undefined ? { config } : {}),
    ...(meta.packageVersion !== undefined ? { packageVersion: meta.packageVersion } : {}),
    weightsManifest: [
      {
        paths,
        weights: entries.map(([name, a], i) => ({
          name,
          shape: [...a.shape],
          dtype: a.dtype,
          ...(half[i] ? { quantization: { dtype: 'float16' as const } } : {}),
        })),
      },
    ],
    shards: shards.map((s, i) => ({ path: paths[i], byteLength: s.byteLength, sha256: hashes[i] })),
  };
  return { manifest, shards };
}

/**
 * Decodes weights written by {@link encodeWeights} (or any tfjs weights with the dgpose fields),
 * after checking everything: the manifest's structure and formatVersion (E_WEIGHTS_VERSION), shard
 * paths (E_WEIGHTS_PATH), `expect.kind` (E_WEIGHTS_MISMATCH), the number of shards, every shard's
 * byteLength and sha256 (E_WEIGHTS_CORRUPT naming the shard), and that each group's bytes are exactly
 * the sum of its weights' sizes, and that float32 weights are finite (E_WEIGHTS_NAN naming the
 * weight). float16-quantized weights are dequantized to float32. `shards` are in the order of the
 * manifest's `shards[]`. Returns fresh arrays (copies; the shard buffers are not referenced).
 */
export async function decodeWeights(
  manifest: WeightsManifest,
  shards: (Uint8Array | ArrayBuffer)[],
  expect: { kind?: string } = {},
): Promise<NamedArrays> {
  validateWeightsManifest(manifest);
  if (expect.kind !== undefined && manifest.kind !== expect.kind) {
    throw new DGPoseError('E_WEIGHTS_MISMATCH', 'weights are of another kind', {
      argument: 'kind',
      expected: expect.kind,
      got: manifest.kind ?? 'none',
    });
  }
  if (!Array.isArray(shards) || shards.length !== manifest.shards.length) {
    throw corrupt('wrong number of shards', {
      argument: 'shards',
      expected: manifest.shards.length,
      got: Array.isArray(shards) ? shards.length : typeof shards,
    });
  }
  const bytes = shards.map((s, i) => {
    if (s instanceof Uint8Array) return s;
    if (s instanceof ArrayBuffer) return new Uint8Array(s);
    throw new DGPoseError('E_ARG', `shards[${i}] must be a Uint8Array or ArrayBuffer`, {
      argument: `shards[${i}]`,
      got: typeof s,
    });
  });
  // Sizes first (cheap, and a truncated file is the common failure), then hashes.
  manifest.shards.forEach((s, i) => {
    if (bytes[i].byteLength !== s.byteLength) {
      throw corrupt(`shard '${s.path}' has the wrong size (truncated or replaced?)`, {
        argument: s.path,
        expected: s.byteLength,
        got: bytes[i].byteLength,
        path: s.path,
      });
    }
  });
  const hashes = await Promise.all(bytes.map((b) => sha256Hex(b)));
  manifest.shards.forEach((s, i) => {
    if (hashes[i] !== s.sha256)
      throw corrupt(`shard '${s.path}' fails its sha256 check (tampered or corrupted)`, {
        argument: s.path,
        expected: s.sha256,
        got: hashes[i],
        path: s.path,
      });
  });

  const out: NamedArrays = {};
  let shardIndex = 0;
  for (const group of manifest.weightsManifest) {
    const parts = bytes.slice(shardIndex, shardIndex + group.paths.length);
    shardIndex += group.paths.length;
    const have = parts.reduce((s, p) => s + p.byteLength, 0);
    const need = group.weights.reduce((s, w) => s + bytesPerValue(w) * sizeOf(w.shape), 0);
    if (have !== need) {
      throw corrupt(`shards [${group.paths.join(', ')}] hold ${have} bytes but their weights need ${need}`, {
        argument: 'weightsManifest',
        expected: need,
        got: have,
      });
    }
    const buf = parts.length === 1 ? parts[0] : concat(parts, have);
    let off = 0;
    for (const w of group.weights) {
      const n = sizeOf(w.shape);
      const size = bytesPerValue(w);
      let data: Float32Array | Int32Array;
      if (size === 2) data = readFloat16(buf, off, n);
      else {
        // A fresh, aligned buffer per array; swapped to host order on big-endian hosts.
        const own = new Uint8Array(4 * n);
        own.set(buf.subarray(off, off + 4 * n));
        if (!IS_LITTLE_ENDIAN) swap4(own);
        data = w.dtype === 'float32' ? new Float32Array(own.buffer) : new Int32Array(own.buffer);
      }
      const start = off;
      if (data instanceof Float32Array) checkFinite(w.name, data, (i) => shardAt(group.paths, parts, start + size * i));
      off += size * n;
      // defineProperty, not assignment: a weight named '__proto__' must stay an entry, not become the prototype.
      Object.defineProperty(out, w.name, {
        value: { dtype: w.dtype as WeightsDtype, shape: [...w.shape], data },
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
}

/** Bytes per stored value: 2 for float16-quantized float32 weights, else 4. */
function bytesPerValue(w: WeightsManifestEntry): number {
  return w.quantization?.dtype === 'float16' ? 2 : 4;
}

/** The path of the shard holding byte `offset` of a group's concatenated bytes. */
function shardAt(paths: string[], parts: Uint8Array[], offset: number): string | undefined {
  let end = 0;
  for (let i = 0; i < parts.length; i++) {
    end += parts[i].byteLength;
    if (offset < end) return paths[i];
  }
  return paths[paths.length - 1];
}

/**
 * Throws E_WEIGHTS_NAN when `data` holds NaN or ±Infinity. The sha256 only proves the bytes are the
 * ones written; weights saved after training diverged (or edited and re-hashed) are intact yet
 * useless: every image generated from them would be black. Refusing them here names the weight.
 */
function checkFinite(name: string, data: Float32Array, shardOf: (index: number) => string | undefined): void {
  let first = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return;
  const shard = shardOf(first);
  throw new DGPoseError(
    'E_WEIGHTS_NAN',
    `weight '${name}' holds ${count} non-finite value${count > 1 ? 's' : ''} (of ${data.length}), the first at index ${first}`,
    {
      argument: name,
      expected: 'finite numbers',
      got: data[first],
      ...(shard !== undefined ? { path: shard } : {}),
    },
  );
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const all = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.byteLength;
  }
  return all;
}

function swap4(b: Uint8Array): void {
  for (let i = 0; i < b.length; i += 4) {
    let t = b[i];
    b[i] = b[i + 3];
    b[i + 3] = t;
    t = b[i + 1];
    b[i + 1] = b[i + 2];
    b[i + 2] = t;
  }
}

/** What a model expects of one parameter. */
export interface ArraySpec {
  shape: readonly number[];
  dtype: string;
}

/**
 * Throws E_WEIGHTS_MISMATCH unless `got` has exactly the parameters of `expected` with the same
 * shapes and dtypes. The message names the first difference (missing, then shape/dtype in
 * `expected`'s order, then extra) and how many there are in all.
 */
export function checkArraysMatch(expected: Record<string, ArraySpec>, got: NamedArrays): void {
  const diffs: { message: string; argument: string; expected: unknown; got: unknown }[] = [];
  for (const [name, spec] of Object.entries(expected)) {
    const g = Object.prototype.hasOwnProperty.call(got, name) ? got[name] : undefined;
    if (g === undefined) {
      diffs.push({
        message: `missing parameter '${name}'`,
        argument: name,
        expected: `[${spec.shape.join(',')}] ${spec.dtype}`,
        got: 'nothing',
      });
    } else if (g.dtype !== spec.dtype) {
      diffs.push({
        message: `parameter '${name}' has the wrong dtype`,
        argument: name,
        expected: spec.dtype,
        got: g.dtype,
      });
    } else if (g.shape.length !== spec.shape.length || g.shape.some((d, i) => d !== spec.shape[i])) {
      diffs.push({
        message: `parameter '${name}' has the wrong shape`,
        argument: name,
        expected: [...spec.shape],
        got: [...g.shape],
      });
    }
  }
  for (const name of Object.keys(got)) {
    if (!Object.prototype.hasOwnProperty.call(expected, name)) {
      diffs.push({
        message: `unexpected parameter '${name}'`,
        argument: name,
        expected: 'no such parameter',
        got: `[${got[name].shape.join(',')}] ${got[name].dtype}`,
      });
    }
  }
  if (diffs.length > 0) {
    const d = diffs[0];
    const more = diffs.length > 1 ? ` (${diffs.length - 1} more difference${diffs.length > 2 ? 's' : ''})` : '';
    throw new DGPoseError('E_WEIGHTS_MISMATCH', `${d.message}${more}`, {
      argument: d.argument,
      expected: d.expected,
      got: d.got,
    });
  }
}
