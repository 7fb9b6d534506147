import { DGPoseError } from './errors';

/**
 * Serialisable state of an {@link Rng}: plain JSON, stored in checkpoints so that a resumed run draws
 * exactly what an uninterrupted one would have.
 */
export interface RngState {
  /** State layout version (1). */
  version: 1;
  /** Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, PractRand-clean). */
  algorithm: 'sfc32';
  /** The four 32-bit words a, b, c, d (d is the counter), each an integer in [0, 2^32). */
  words: [number, number, number, number];
  /** The second Box–Muller normal, cached by the previous `normal()` call, or null. */
  spare: number | null;
}

/** A seeded, forkable pseudo-random generator. Not for cryptography. */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** A uniform 32-bit unsigned integer in [0, 2^32). */
  uint32(): number;
  /** Standard normal N(0, 1) by Box–Muller; draws come in pairs, the second cached in the state. */
  normal(): number;
  /** Uniform integer in [0, n), unbiased (rejection sampling); n an integer in [1, 2^32]. */
  int(n: number): number;
  /** Fisher–Yates shuffle of `a` in place; returns `a`. */
  shuffle<T>(a: T[]): T[];
  /** A copy of the state (plain JSON). */
  getState(): RngState;
  /** Restores a state from {@link getState} (validated; E_ARG when malformed). */
  setState(s: RngState): void;
  /**
   * An independent generator derived from this one's current state and `label` (e.g. 'dropout',
   * 'shuffle'). Deterministic, and it does not advance this generator: the same state and label
   * always give the same child stream, and forking never changes what the parent draws next.
   */
  fork(label: string): Rng;
}

const TWO32 = 4294967296;

/** splitmix32 step on a 32-bit state; returns [output, nextState]. */
function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let t = s ^ (s >>> 16);
  t = Math.imul(t, 0x21f0aaad);
  t ^= t >>> 15;
  t = Math.imul(t, 0x735a2d97);
  t ^= t >>> 15;
  return [t >>> 0, s];
}

/** 32-bit FNV-1a over the UTF-16 code units of `s`, finished with a splitmix round. */
function hashLabel(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return splitmix32(h)[0];
}

function isWord(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < TWO32;
}

class Sfc32 implements Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spare: number | null = null;

  constructor(words: readonly number[], warmup: number) {
    [this.a, this.b, this.c, this.d] = words.map((w) => w | 0);
    // Discarding the first outputs decorrelates nearby seeds (sfc32's usual recommendation).
    for (let i = 0; i < warmup; i++) this.uint32();
  }

  uint32(): number {
    // sfc32 (PractRand), 32-bit variant.
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.uint32() / TWO32;
  }

  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    // u1 in (0, 1] keeps log finite.
    const u1 = 1 - this.next();
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  int(n: number): number {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > TWO32) {
      throw new DGPoseError('E_ARG', 'rng.int(n): n must be an integer in [1, 2^32]', {
        argument: 'n',
        expected: 'integer in [1, 4294967296]',
        got: n,
      });
    }
    // Reject the top partial block so every residue is equally likely.
    const limit = TWO32 - (TWO32 % n);
    let u = this.uint32();
    while (u >= limit) u = this.uint32();
    return u % n;
  }

  shuffle<T>(a: T[]): T[] {
    if (!Array.isArray(a))
      throw new DGPoseError('E_ARG', 'rng.shuffle(a): a must be an array', {
        argument: 'a',
        expected: 'array',
        got: typeof a,
      });
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  getState(): RngState {
    return {
      version: 1,
      algorithm: 'sfc32',
      words: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0],
      spare: this.spare,
    };
  }

  setState(s: RngState): void {
    validateRngState(s);
    [this.a, this.b, this.c, this.d] = s.words.map((w) => w | 0);
    this.spare = s.spare;
  }

  fork(label: string): Rng {
    if (typeof label !== 'string')
      throw new DGPoseError('E_ARG', 'rng.fork(label): label must be a string', {
        argument: 'label',
        expected: 'string',
        got: typeof label,
      });
    let sm = hashLabel(label);
    const parent = [this.a, this.b, this.c, this.d];
    const words = parent.map((w) => {
      const [out, next] = splitmix32(sm ^ w);
      sm = next;
      return out;
    });
    return new Sfc32(words, 12);
  }
}

/** Throws E_ARG unless `s` is a valid {@link RngState}. */
export function validateRngState(s: unknown): asserts s is RngState {
  const bad = (why: string): never => {
    throw new DGPoseError('E_ARG', `invalid RNG state: ${why}`, {
      argument: 'state',
      expected: "{ version: 1, algorithm: 'sfc32', words: [4 uint32], spare: number | null }",
      got: s,
    });
  };
  if (typeof s !== 'object' || s === null) return bad('not an object');
  const o = s as Record<string, unknown>;
  if (o.version !== 1) bad(`unknown version ${String(o.version)}`);
  if (o.algorithm !== 'sfc32') bad(`unknown algorithm ${String(o.algorithm)}`);
  if (!Array.isArray(o.words) || o.words.length !== 4 || !o.words.every(isWord))
    bad('words must be 4 integers in [0, 2^32)');
  if (!(o.spare === null || (typeof o.spare === 'number' && Number.isFinite(o.spare))))
    bad('spare must be null or a finite number');
}

/** True when `v` is a valid seed: any safe integer, negative included (what {@link createRng} takes). */
export function isSeed(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/**
 * Throws E_ARG naming `argument` unless `v` is a valid seed ({@link isSeed}). Every API taking a seed
 * checks it here, so a seed one function accepts is never refused by another (1.5 used to pass
 * `generate` and fail `createRng`).
 */
export function assertSeed(argument: string, v: unknown): asserts v is number {
  if (!isSeed(v)) {
    throw new DGPoseError('E_ARG', `${argument} must be a seed: a safe integer`, {
      argument,
      expected: 'an integer with |seed| <= 2^53 - 1',
      got: typeof v === 'number' ? v : typeof v,
    });
  }
}

/**
 * A generator seeded from `seed`, any safe integer (negative included). The seed is expanded to
 * sfc32's 128-bit state with splitmix32, so nearby seeds give unrelated streams. E_ARG otherwise.
 */
export function createRng(seed: number): Rng {
  assertSeed('seed', seed);
  const lo = seed >>> 0; // low 32 bits (two's complement for negatives)
  const hi = Math.floor(seed / TWO32) | 0;
  // A splitmix32 stream expands the low half; the high half, when non-zero, is folded in through a
  // differently-keyed family (so (lo, hi) and (hi, lo)-like pairs do not collide).
  let sm = lo;
  const words: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [out, next] = splitmix32(sm);
    sm = next;
    const mixHi = hi === 0 ? 0 : splitmix32((hi ^ Math.imul(i + 1, 0x632be5ab)) | 0)[0];
    words.push((out ^ mixHi) >>> 0);
  }
  words.push(1); // d is sfc32's counter
  return new Sfc32(words, 12);
}

/** A generator resumed from a saved state (E_ARG when the state is malformed). */
export function rngFromState(state: RngState): Rng {
  const r = createRng(0);
  r.setState(state);
  return r;
}
