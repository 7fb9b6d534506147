/*
 * Assertions on DGPoseError throws, shared by the package tests (they used to carry a local copy each).
 * Recognises the error the way @dgpose/core's isDGPoseError does (by name and a string code), so
 * test-utils needs no dependency on core.
 */

/** The parts of a DGPoseError a test looks at. */
export interface ThrownDGPoseError extends Error {
  code: string;
  details: { argument?: string; expected?: unknown; got?: unknown; path?: string };
}

/** What else the error must carry: the argument it names, a pattern its message matches. A RegExp is short for `{ message }`. */
export type ExpectedDGPoseError = RegExp | { argument?: string; message?: RegExp };

function check(
  err: unknown,
  threw: boolean,
  code: string,
  expected: ExpectedDGPoseError | undefined,
): ThrownDGPoseError {
  const e = err as Partial<ThrownDGPoseError> | null;
  const isDG = typeof e === 'object' && e !== null && e.name === 'DGPoseError' && typeof e.code === 'string';
  if (!threw) throw new Error(`expected a DGPoseError ${code}, but nothing was thrown`);
  if (!isDG || e.code !== code) {
    throw new Error(
      `expected a DGPoseError ${code}, got ${isDG ? `DGPoseError ${e.code}: ${e.message}` : String(err)}`,
    );
  }
  const want = expected instanceof RegExp ? { message: expected } : (expected ?? {});
  const got = e as ThrownDGPoseError;
  if (want.argument !== undefined && got.details?.argument !== want.argument) {
    throw new Error(
      `expected ${code} naming argument "${want.argument}", got argument "${got.details?.argument}" (${got.message})`,
    );
  }
  if (want.message !== undefined && !want.message.test(got.message)) {
    throw new Error(`expected ${code} message to match ${want.message}, got: ${got.message}`);
  }
  return got;
}

/** Runs `fn`, asserts it throws a DGPoseError with `code` (and `expected`); returns the error. */
export function expectDGPoseError(fn: () => unknown, code: string, expected?: ExpectedDGPoseError): ThrownDGPoseError {
  try {
    fn();
  } catch (e) {
    return check(e, true, code, expected);
  }
  return check(undefined, false, code, expected);
}

/** Awaits `p` (or calls it and awaits the result), asserts it rejects with a DGPoseError with `code` (and `expected`). */
export async function rejectsWithDGPoseError(
  p: Promise<unknown> | (() => unknown),
  code: string,
  expected?: ExpectedDGPoseError,
): Promise<ThrownDGPoseError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return check(e, true, code, expected);
  }
  return check(undefined, false, code, expected);
}
