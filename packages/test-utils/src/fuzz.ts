/*
 * Property-based fuzzing (fast-check) of dgpose's parsers and loaders. The contract under test is the
 * same for every target: any input gives a value or a DGPoseError, never another exception and never
 * a hang. Each package keeps its targets in one suite function taking the number of cases, run by a
 * `fuzz.test.ts` with FUZZ_RUNS (in `pnpm test`) and a `fuzz.slow.test.ts` with FUZZ_RUNS_SLOW (in
 * `pnpm test:slow`: the jest preset runs only `*.slow.test.ts` when DGPOSE_SLOW=1, and never in
 * `pnpm test`). A failure prints fast-check's seed and shrunk counterexample; set DGPOSE_FUZZ_SEED to
 * that seed to replay it.
 */
import fc from 'fast-check';

/** Cases per fuzz target in `pnpm test`. */
export const FUZZ_RUNS = 500;
/** Cases per fuzz target in `pnpm test:slow`. */
export const FUZZ_RUNS_SLOW = 20000;
/**
 * Longest one case may take. A parser that loops or allocates without bound on a small input is the
 * bug this catches (a synchronous infinite loop cannot be interrupted; it shows as jest's timeout).
 */
export const FUZZ_CASE_MS = 2000;

/**
 * A jest timeout for a fuzz test of `numRuns` cases of about `msPerCase` each (jest's own 5 s default
 * applies under the root's multi-project config, which ignores a project's testTimeout).
 */
export function fuzzTimeout(numRuns: number, msPerCase = 20): number {
  return 30_000 + numRuns * msPerCase;
}

/** What one case gave: its value, or the code of the DGPoseError it threw. */
export type FuzzOutcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

function isCoded(e: unknown): e is { code: string; message: string } {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as { name?: unknown }).name === 'DGPoseError' &&
    typeof (e as { code?: unknown }).code === 'string'
  );
}

/**
 * Runs `fn` and returns its value or its DGPoseError's code. Throws (failing the property, so
 * fast-check shrinks the input) on any other exception, on a promise that does not settle within
 * `maxMs`, and on a case that took longer than `maxMs`.
 */
export async function valueOrDGPoseError<T>(fn: () => T | Promise<T>, maxMs = FUZZ_CASE_MS): Promise<FuzzOutcome<T>> {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fuzz case did not finish within ${maxMs} ms (a hang?)`)), maxMs);
  });
  let outcome: FuzzOutcome<T>;
  try {
    outcome = { ok: true, value: await Promise.race([Promise.resolve().then(fn), hang]) };
  } catch (e) {
    if (!isCoded(e)) {
      const err = new Error(
        `expected a value or a DGPoseError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      );
      (err as { cause?: unknown }).cause = e;
      throw err;
    }
    outcome = { ok: false, code: e.code, message: e.message };
  } finally {
    clearTimeout(timer);
  }
  const ms = performance.now() - t0;
  if (ms > maxMs) throw new Error(`fuzz case took ${Math.round(ms)} ms (limit ${maxMs} ms)`);
  return outcome;
}

/**
 * fast-check parameters for `numRuns` cases, replaying DGPOSE_FUZZ_SEED when it is set. The failing
 * case's error goes into the report's message (fast-check otherwise keeps it only as the `cause`).
 */
export function fuzzParameters<T>(numRuns: number): fc.Parameters<T> {
  const seed = process.env.DGPOSE_FUZZ_SEED;
  return { numRuns, includeErrorInReport: true, ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}) };
}

/**
 * Asserts over `numRuns` inputs from `arb` that `fn` gives a value or a DGPoseError (see
 * {@link valueOrDGPoseError}); `check`, when given, then examines each outcome (e.g. the expected
 * code, or that a valid input decodes to what was encoded).
 */
export async function fuzz<T, R>(
  arb: fc.Arbitrary<T>,
  fn: (input: T) => R | Promise<R>,
  numRuns: number,
  check?: (outcome: FuzzOutcome<Awaited<R>>, input: T) => void | Promise<void>,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (input) => {
      const outcome = (await valueOrDGPoseError(() => fn(input))) as FuzzOutcome<Awaited<R>>;
      await check?.(outcome, input);
    }),
    fuzzParameters(numRuns),
  );
}

/**
 * Byte strings near `valid`: the valid bytes themselves, truncated, extended with random bytes,
 * with random bytes overwritten, and unrelated random bytes (mutation fuzzing of a binary format,
 * which reaches deeper than random bytes alone).
 */
export function mutatedBytes(valid: Uint8Array | readonly Uint8Array[], maxExtra = 64): fc.Arbitrary<Uint8Array> {
  // Plain Uint8Array copies: a Buffer's slice() is a view, and an edit must never reach the caller's bytes.
  const seeds = (valid instanceof Uint8Array ? [valid] : [...valid]).map((b) => Uint8Array.from(b));
  const base = fc.constantFrom(...seeds);
  const truncated = base.chain((b) => fc.nat({ max: b.length }).map((n) => b.slice(0, n)));
  const extended = base.chain((b) => fc.uint8Array({ maxLength: maxExtra }).map((x) => concatBytes(b, x)));
  const overwritten = base.chain((b) =>
    fc
      .array(fc.tuple(fc.nat({ max: Math.max(0, b.length - 1) }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      })
      .map((edits) => {
        const out = b.slice();
        for (const [i, v] of edits) if (i < out.length) out[i] = v;
        return out;
      }),
  );
  const spliced = base.chain((b) =>
    fc
      .tuple(fc.nat({ max: b.length }), fc.nat({ max: b.length }), fc.uint8Array({ maxLength: maxExtra }))
      .map(([i, j, x]) => {
        const [lo, hi] = i <= j ? [i, j] : [j, i];
        return concatBytes(concatBytes(b.slice(0, lo), x), b.slice(hi));
      }),
  );
  return fc.oneof(base, truncated, extended, overwritten, overwritten, spliced, fc.uint8Array({ maxLength: 256 }));
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * JSON values near `valid`: `valid` with one field (at any depth) replaced by an arbitrary JSON
 * value or deleted, or an arbitrary JSON value. Keeps the structure mostly intact, so checks past
 * the first ones are reached.
 */
export function mutatedJson(valid: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, at: (string | number)[]): void => {
    paths.push(at);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
  };
  walk(valid, []);
  const odd = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom<unknown>(
      null,
      -1,
      0,
      1.5,
      2 ** 53,
      -(2 ** 31),
      '',
      '..',
      '../x',
      '/abs',
      '__proto__',
      'constructor',
      [],
      {},
      [-1],
      [2 ** 31, 2 ** 31],
    ),
  );
  const edited = fc
    .tuple(fc.constantFrom(...paths), odd, fc.boolean())
    .map(([at, value, remove]) => setAt(structuredClone(valid), at, value, remove));
  return fc.oneof({ weight: 4, arbitrary: edited }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });
}

function setAt(root: unknown, at: (string | number)[], value: unknown, remove: boolean): unknown {
  if (at.length === 0) return value;
  let o = root as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = at[at.length - 1];
  if (remove && !Array.isArray(o)) delete o[last];
  else if (remove && Array.isArray(o)) o.splice(last as number, 1);
  // defineProperty, not assignment: a '__proto__' key must become an own property, as JSON.parse makes it
  else Object.defineProperty(o, last, { value, enumerable: true, writable: true, configurable: true });
  return root;
}
