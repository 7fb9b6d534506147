import { createRng, rngFromState, validateRngState, type Rng, type RngState } from './rng';
import { expectDGPoseError } from '@dgpose/test-utils';

function draws(r: Rng, n: number): number[] {
  return Array.from({ length: n }, () => r.next());
}

function meanVar(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
  return [m, v];
}

describe('createRng', () => {
  it('is deterministic per seed, and seeds differ', () => {
    expect(draws(createRng(42), 50)).toEqual(draws(createRng(42), 50));
    const seeds = [0, 1, 2, -1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    const firsts = seeds.map((s) => draws(createRng(s), 4).join());
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it('rejects bad seeds with E_ARG', () => {
    for (const s of [NaN, Infinity, -Infinity, 1.5, 2 ** 53, '1', undefined, null])
      expectDGPoseError(() => createRng(s as number), 'E_ARG');
  });

  it('next() is uniform in [0, 1)', () => {
    const r = createRng(7);
    const xs = draws(r, 100_000);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const [m, v] = meanVar(xs);
    // Standard errors: mean 0.0009, variance ~0.0003; bounds are ~5 sigma.
    expect(Math.abs(m - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(v - 1 / 12)).toBeLessThan(0.0015);
    // Lag-1 correlation near 0.
    let c = 0;
    for (let i = 1; i < xs.length; i++) c += (xs[i] - m) * (xs[i - 1] - m);
    expect(Math.abs(c / (xs.length - 1) / v)).toBeLessThan(0.016);
  });

  it('normal() has mean 0, variance 1 and normal tails', () => {
    const r = createRng(123);
    const xs = Array.from({ length: 100_000 }, () => r.normal());
    expect(xs.every(Number.isFinite)).toBe(true);
    const [m, v] = meanVar(xs);
    expect(Math.abs(m)).toBeLessThan(0.016); // se 0.0032
    expect(Math.abs(v - 1)).toBeLessThan(0.023); // se 0.0045
    const beyond2 = xs.filter((x) => Math.abs(x) > 2).length / xs.length;
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.004); // P(|Z|>2) = 0.0455, se 0.00066
    const kurt = xs.reduce((a, x) => a + (x - m) ** 4, 0) / xs.length / v ** 2;
    expect(Math.abs(kurt - 3)).toBeLessThan(0.1);
  });

  it('int(n) covers [0, n) uniformly and validates n', () => {
    const r = createRng(5);
    const counts = new Array(7).fill(0);
    let bad = 0;
    for (let i = 0; i < 70_000; i++) {
      const k = r.int(7);
      if (!(Number.isInteger(k) && k >= 0 && k < 7)) bad++;
      else counts[k]++;
    }
    expect(bad).toBe(0);
    // chi-square with 6 dof: 99.99th percentile ~ 27.9
    const chi = counts.reduce((a, c) => a + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi).toBeLessThan(27.9);
    expect(r.int(1)).toBe(0);
    const big = r.int(2 ** 32);
    expect(big >= 0 && big < 2 ** 32).toBe(true);
    // n = 3 * 2^30 rejects a quarter of the raw draws: still in range.
    for (let i = 0; i < 100; i++) expect(r.int(3 * 2 ** 30)).toBeLessThan(3 * 2 ** 30);
    for (const n of [0, -1, 1.5, NaN, 2 ** 32 + 1, Infinity, '3']) expectDGPoseError(() => r.int(n as number), 'E_ARG');
  });

  it('shuffle is an in-place, deterministic, roughly uniform permutation', () => {
    const a = Array.from({ length: 20 }, (_, i) => i);
    const out = createRng(9).shuffle(a);
    expect(out).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(createRng(9).shuffle(Array.from({ length: 20 }, (_, i) => i))).toEqual(a);
    const r = createRng(11);
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const k = r.shuffle(['a', 'b', 'c']).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(createRng(1).shuffle([])).toEqual([]);
    expectDGPoseError(() => r.shuffle('abc' as unknown as string[]), 'E_ARG');
  });
});

describe('rng state', () => {
  it('round-trips through JSON mid-stream, including a cached normal', () => {
    const r = createRng(2024);
    draws(r, 17);
    r.normal(); // leaves the second Box-Muller value cached
    const s = r.getState();
    expect(s.spare).not.toBeNull();
    const json = JSON.parse(JSON.stringify(s)) as RngState;
    const expected = [r.normal(), r.next(), r.normal(), r.normal(), r.int(1000)];
    const q = createRng(1);
    q.setState(json);
    expect([q.normal(), q.next(), q.normal(), q.normal(), q.int(1000)]).toEqual(expected);
    const z = rngFromState(json);
    expect([z.normal(), z.next(), z.normal(), z.normal(), z.int(1000)]).toEqual(expected);
  });

  it('getState returns a copy', () => {
    const r = createRng(3);
    const s = r.getState();
    s.words[0] = 0;
    expect(r.getState().words[0]).not.toBe(0);
  });

  it('rejects malformed states with E_ARG', () => {
    const good = createRng(1).getState();
    const bad: unknown[] = [
      null,
      {},
      { ...good, version: 2 },
      { ...good, algorithm: 'mt19937' },
      { ...good, words: [1, 2, 3] },
      { ...good, words: [1, 2, 3, 2 ** 32] },
      { ...good, words: [1, 2, -3, 4] },
      { ...good, words: [1, 2, 3.5, 4] },
      { ...good, spare: NaN },
      { ...good, spare: undefined },
    ];
    for (const s of bad) {
      expectDGPoseError(() => validateRngState(s), 'E_ARG');
      expectDGPoseError(() => createRng(1).setState(s as RngState), 'E_ARG');
    }
  });
});

describe('fork', () => {
  it('is deterministic in state and label and leaves the parent untouched', () => {
    const p = createRng(77);
    draws(p, 3);
    const before = p.getState();
    const a1 = draws(p.fork('dropout'), 20);
    const a2 = draws(p.fork('dropout'), 20);
    const b = draws(p.fork('shuffle'), 20);
    expect(p.getState()).toEqual(before);
    expect(a1).toEqual(a2);
    expect(a1).not.toEqual(b);
    // Not a copy of the parent's own stream.
    const parentNext = draws(rngFromState(before), 20);
    expect(a1).not.toEqual(parentNext);
    // A later parent state forks differently.
    p.next();
    expect(draws(p.fork('dropout'), 20)).not.toEqual(a1);
    // Labels that differ by one character diverge.
    expect(draws(createRng(1).fork('a'), 5)).not.toEqual(draws(createRng(1).fork('b'), 5));
    expectDGPoseError(() => p.fork(3 as unknown as string), 'E_ARG');
  });

  it('children look independent of the parent', () => {
    const p = createRng(8);
    const c = p.fork('child');
    const xs = draws(p, 20_000);
    const ys = draws(c, 20_000);
    const [mx, vx] = meanVar(xs);
    const [my, vy] = meanVar(ys);
    let cov = 0;
    for (let i = 0; i < xs.length; i++) cov += (xs[i] - mx) * (ys[i] - my);
    expect(Math.abs(cov / xs.length / Math.sqrt(vx * vy))).toBeLessThan(0.035); // 5 se
  });
});
