import { DGPoseError } from '@dgpose/core';

/** Internal argument checks: every bad layer argument is an E_CONFIG naming the layer and the field. */

export function positiveInt(where: string, argument: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new DGPoseError('E_CONFIG', `${where}: ${argument} must be a positive integer`, {
      argument,
      expected: 'an integer >= 1',
      got: v,
    });
  }
  return v;
}

export function nonNegativeInt(where: string, argument: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new DGPoseError('E_CONFIG', `${where}: ${argument} must be a non-negative integer`, {
      argument,
      expected: 'an integer >= 0',
      got: v,
    });
  }
  return v;
}

/** A number or a pair of positive integers -> [a, b]. */
export function pair(where: string, argument: string, v: unknown): [number, number] {
  if (Array.isArray(v)) {
    if (v.length !== 2) {
      throw new DGPoseError('E_CONFIG', `${where}: ${argument} must be a number or a pair`, { argument, expected: '[h, w]', got: v });
    }
    return [positiveInt(where, argument, v[0]), positiveInt(where, argument, v[1])];
  }
  const n = positiveInt(where, argument, v);
  return [n, n];
}

export function numberIn(where: string, argument: string, v: unknown, lo: number, hi: number, opts: { loOpen?: boolean; hiOpen?: boolean } = {}): number {
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (opts.loOpen ? v > lo : v >= lo) &&
    (opts.hiOpen ? v < hi : v <= hi);
  if (!ok) {
    throw new DGPoseError('E_CONFIG', `${where}: ${argument} out of range`, {
      argument,
      expected: `${opts.loOpen ? '(' : '['}${lo}, ${hi}${opts.hiOpen ? ')' : ']'}`,
      got: v,
    });
  }
  return v as number;
}

export function oneOf<T extends string>(where: string, argument: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new DGPoseError('E_CONFIG', `${where}: unknown ${argument}`, { argument, expected: allowed, got: v });
  }
  return v as T;
}
