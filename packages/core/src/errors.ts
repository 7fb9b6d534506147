/**
 * Stable error codes. Codes are part of the public API: never rename one, only add.
 * - E_ARG: an argument has the wrong type or an invalid value
 * - E_SHAPE: tensor/array shapes disagree with what was expected
 * - E_NAN: NaN or Infinity where finite numbers are required
 * - E_EMPTY: an empty image, batch or list where content is required
 * - E_SKELETON: unknown skeleton name, or a skeleton that does not match
 * - E_JOINTS: wrong joint count or malformed keypoints
 * - E_CONFIG: an invalid config value or unknown preset
 * - E_BACKEND: no tfjs backend could be initialised
 * - E_KERNEL: a custom kernel failed its self-check
 * - E_WEIGHTS_CORRUPT: truncated/tampered weights (size or sha256 mismatch, bad manifest)
 * - E_WEIGHTS_MISMATCH: weights whose names, dtypes or shapes differ from the model's
 * - E_WEIGHTS_PATH: a manifest shard path that escapes its folder
 * - E_WEIGHTS_VERSION: a weights/checkpoint format version this code cannot read
 * - E_WEIGHTS_NAN: intact weights (sizes and sha256 match) holding NaN or Infinity
 * - E_DATASET_LAYOUT: a data root that lacks the files of the expected layout
 * - E_IMAGE_CORRUPT: an image file that cannot be decoded
 * - E_CSV: a malformed annotation row
 * - E_IO: a file system operation failed
 * - E_CHECKPOINT: a checkpoint of another model, preset or version
 * - E_LOSS_NAN: a loss term became NaN or Infinity during training
 * - E_EXPORT_UNSUPPORTED: a network holds a layer (or a layer option) that an exporter (ONNX) cannot write
 * - E_DEPENDENCY: an optional peer dependency that this feature needs is not installed (the message names the install command)
 */
export type DGPoseErrorCode =
  | 'E_ARG'
  | 'E_SHAPE'
  | 'E_NAN'
  | 'E_EMPTY'
  | 'E_SKELETON'
  | 'E_JOINTS'
  | 'E_CONFIG'
  | 'E_BACKEND'
  | 'E_KERNEL'
  | 'E_WEIGHTS_CORRUPT'
  | 'E_WEIGHTS_MISMATCH'
  | 'E_WEIGHTS_PATH'
  | 'E_WEIGHTS_VERSION'
  | 'E_WEIGHTS_NAN'
  | 'E_DATASET_LAYOUT'
  | 'E_IMAGE_CORRUPT'
  | 'E_CSV'
  | 'E_IO'
  | 'E_CHECKPOINT'
  | 'E_LOSS_NAN'
  | 'E_EXPORT_UNSUPPORTED'
  | 'E_DEPENDENCY';

/** Structured context carried by every {@link DGPoseError}. */
export interface DGPoseErrorDetails {
  /** The argument, parameter, file or loss term at fault, e.g. `"images"` or `"encoder.block2.conv.kernel"`. */
  argument?: string;
  /** What was expected, in words or as a value (a shape, a range, a list of names). */
  expected?: unknown;
  /** What came instead. */
  got?: unknown;
  /** A file path involved, if any. */
  path?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** JSON writes NaN and ±Infinity as null: marks them so `show` can print them as themselves. */
const NON_FINITE = /"\\u0000(NaN|-?Infinity)"/g;
function keepNonFinite(_key: string, x: unknown): unknown {
  return typeof x === 'number' && !Number.isFinite(x) ? `\u0000${x}` : x;
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  try {
    const s = JSON.stringify(v, keepNonFinite)?.replace(NON_FINITE, '$1');
    return s === undefined ? String(v) : s.length > 200 ? `${s.slice(0, 197)}...` : s;
  } catch {
    return String(v);
  }
}

/**
 * The one error class of dgpose. `code` is stable; the message says what, expected, got and where:
 * `[E_SHAPE] b: expected [64,64,3], got [64,63,3]`.
 */
export class DGPoseError extends Error {
  readonly code: DGPoseErrorCode;
  readonly details: DGPoseErrorDetails;

  constructor(code: DGPoseErrorCode, message: string, details: DGPoseErrorDetails = {}) {
    const parts = [message];
    if (details.expected !== undefined) parts.push(`expected ${show(details.expected)}`);
    if (details.got !== undefined) parts.push(`got ${show(details.got)}`);
    if (details.path !== undefined) parts.push(`(path: ${details.path})`);
    super(`[${code}] ${parts.join(', ')}`);
    this.name = 'DGPoseError';
    this.code = code;
    this.details = details;
    if (details.cause !== undefined) (this as { cause?: unknown }).cause = details.cause;
  }
}

/** True when `e` is a DGPoseError (optionally with the given code), across package copies. */
export function isDGPoseError(e: unknown, code?: DGPoseErrorCode): e is DGPoseError {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as { name?: unknown }).name === 'DGPoseError' &&
    typeof (e as { code?: unknown }).code === 'string' &&
    (code === undefined || (e as { code: string }).code === code)
  );
}

/** Throws E_SHAPE unless `got` equals `expected` (use -1 in `expected` for "any size"). */
export function assertShape(argument: string, got: readonly number[], expected: readonly number[]): void {
  const ok = got.length === expected.length && expected.every((e, i) => e === -1 || e === got[i]);
  if (!ok) {
    throw new DGPoseError('E_SHAPE', `${argument} has the wrong shape`, {
      argument,
      expected: expected.map((e) => (e === -1 ? '*' : e)),
      got: [...got],
    });
  }
}

/** Throws E_NAN naming the first non-finite element of `values`. */
export function assertFinite(argument: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new DGPoseError('E_NAN', `${argument} contains a non-finite value at index ${i}`, {
        argument,
        expected: 'finite numbers',
        got: v,
      });
    }
  }
}
