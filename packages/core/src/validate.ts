import { DGPoseError, type DGPoseErrorCode } from './errors';

/*
 * The argument and config checks every package shares. Each returns the checked value (typed) or
 * throws a DGPoseError (E_CONFIG unless `code` says otherwise) naming the argument, what was
 * expected and what came, so `validateXConfig` functions read as one line per field.
 */

/** Where a failed check is reported: a prefix for the message (`Conv2d(conv1)`) and the error code. */
export interface CheckOptions {
  /** Prefix of the message, e.g. the layer or function being configured. */
  where?: string;
  /** Error code; default E_CONFIG. */
  code?: DGPoseErrorCode;
  /** Replaces the default message (`bad <argument>`); expected and got are still appended. */
  message?: string;
}

/** The error every check throws: `[E_CONFIG] <where>: bad <argument>, expected ..., got ...`. */
export function checkError(argument: string, expected: unknown, got: unknown, opts: CheckOptions = {}): DGPoseError {
  const message = opts.message ?? `bad ${argument}`;
  return new DGPoseError(opts.code ?? 'E_CONFIG', opts.where ? `${opts.where}: ${message}` : message, {
    argument,
    expected,
    got,
  });
}

/** A finite number for which `ok` holds (`expected` says what `ok` means, in words). */
export function checkNumber(
  argument: string,
  v: unknown,
  ok: (x: number) => boolean,
  expected: string,
  opts?: CheckOptions,
): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw checkError(argument, expected, v, opts);
  return v;
}

/** An integer in [min, max] (default: any integer). */
export function checkInt(
  argument: string,
  v: unknown,
  range: { min?: number; max?: number } = {},
  opts?: CheckOptions,
): number {
  const { min = -Infinity, max = Infinity } = range;
  const expected =
    min === -Infinity && max === Infinity
      ? 'an integer'
      : max === Infinity
        ? `an integer >= ${min}`
        : min === -Infinity
          ? `an integer <= ${max}`
          : `an integer in [${min}, ${max}]`;
  return checkNumber(argument, v, (x) => Number.isInteger(x) && x >= min && x <= max, expected, opts);
}

/** An integer >= 1. */
export function checkPositiveInt(argument: string, v: unknown, opts?: CheckOptions): number {
  return checkInt(argument, v, { min: 1 }, opts);
}

/** An integer >= 0. */
export function checkNonNegativeInt(argument: string, v: unknown, opts?: CheckOptions): number {
  return checkInt(argument, v, { min: 0 }, opts);
}

/** A finite number in [lo, hi]; `loOpen`/`hiOpen` exclude an end. */
export function checkNumberIn(
  argument: string,
  v: unknown,
  lo: number,
  hi: number,
  bounds: { loOpen?: boolean; hiOpen?: boolean } = {},
  opts?: CheckOptions,
): number {
  const expected = `a number in ${bounds.loOpen ? '(' : '['}${lo}, ${hi}${bounds.hiOpen ? ')' : ']'}`;
  return checkNumber(
    argument,
    v,
    (x) => (bounds.loOpen ? x > lo : x >= lo) && (bounds.hiOpen ? x < hi : x <= hi),
    expected,
    opts,
  );
}

/** A positive integer or a pair of them, as `[a, b]` (kernel sizes, strides, scale factors). */
export function checkIntPair(argument: string, v: unknown, opts?: CheckOptions): [number, number] {
  if (Array.isArray(v)) {
    if (v.length !== 2) throw checkError(argument, 'a positive integer or a pair [h, w] of them', v, opts);
    return [checkPositiveInt(argument, v[0], opts), checkPositiveInt(argument, v[1], opts)];
  }
  const n = checkPositiveInt(argument, v, opts);
  return [n, n];
}

/** One of `allowed` (strings, numbers or booleans). */
export function checkOneOf<T extends string | number | boolean>(
  argument: string,
  v: unknown,
  allowed: readonly T[],
  opts?: CheckOptions,
): T {
  if (!(allowed as readonly unknown[]).includes(v))
    throw checkError(argument, allowed, v, { message: `unknown ${argument}`, ...opts });
  return v as T;
}

/** `true` or `false`. */
export function checkBoolean(argument: string, v: unknown, opts?: CheckOptions): boolean {
  if (typeof v !== 'boolean') throw checkError(argument, 'true or false', v, opts);
  return v;
}

/**
 * Refuses keys of `partial` that `known` (a defaults object or a list of names) lacks, so a typo
 * never passes silently; `prefix` names a nested object (`lossWeights.`).
 */
export function checkKnownKeys(
  partial: object | null | undefined,
  known: object | readonly string[],
  opts: CheckOptions & { prefix?: string } = {},
): void {
  const names = Array.isArray(known) ? (known as readonly string[]) : Object.keys(known);
  const prefix = opts.prefix ?? '';
  for (const k of Object.keys(partial ?? {})) {
    if (!names.includes(k))
      throw checkError(`${prefix}${k}`, names, k, { ...opts, message: `unknown config key ${prefix}${k}` });
  }
}

/** E_EMPTY unless `list` is a non-empty array; E_SHAPE unless it has `n` entries (one per image), when given. */
export function checkNonEmptyList<T>(list: readonly T[] | undefined, argument: string, n?: number): void {
  if (!Array.isArray(list) || list.length === 0)
    throw new DGPoseError('E_EMPTY', `${argument} must be a non-empty array`, { argument, got: list });
  if (n !== undefined && list.length !== n) {
    throw new DGPoseError('E_SHAPE', `${argument} must have one entry per image`, {
      argument,
      expected: n,
      got: list.length,
    });
  }
}
