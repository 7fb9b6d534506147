import fc from 'fast-check';
import { fuzz, mutatedBytes, mutatedJson, valueOrDGPoseError } from './index';

class FakeDGPoseError extends Error {
  override readonly name = 'DGPoseError';
  constructor(readonly code: string) {
    super(`[${code}] bad`);
  }
}

describe('valueOrDGPoseError', () => {
  it('returns the value or the DGPoseError code', async () => {
    expect(await valueOrDGPoseError(() => 3)).toEqual({ ok: true, value: 3 });
    expect(
      await valueOrDGPoseError(async () => {
        throw new FakeDGPoseError('E_CSV');
      }),
    ).toEqual({ ok: false, code: 'E_CSV', message: '[E_CSV] bad' });
  });
  it('fails on another exception and on a promise that never settles', async () => {
    await expect(valueOrDGPoseError(() => JSON.parse('{'))).rejects.toThrow(
      /expected a value or a DGPoseError, got SyntaxError/,
    );
    await expect(valueOrDGPoseError(() => new Promise(() => undefined), 50)).rejects.toThrow(
      /did not finish within 50 ms/,
    );
  });
  it('fails on a synchronous case slower than the limit', async () => {
    await expect(
      valueOrDGPoseError(() => {
        const end = performance.now() + 30;
        while (performance.now() < end);
      }, 10),
    ).rejects.toThrow(/took \d+ ms \(limit 10 ms\)/);
  });
});

describe('fuzz', () => {
  it('finds an uncoded exception and reports the shrunk input', async () => {
    await expect(
      fuzz(
        fc.integer(),
        (n) => {
          if (n > 10) throw new RangeError('too big');
          return n;
        },
        200,
      ),
    ).rejects.toThrow(/Counterexample: \[11\][\s\S]*RangeError: too big/);
  });
});

describe('mutators', () => {
  it('mutatedBytes stays near the valid bytes; mutatedJson edits one field', () => {
    const valid = Uint8Array.from([1, 2, 3, 4]);
    const samples = fc.sample(mutatedBytes(valid), { numRuns: 200, seed: 1 });
    expect(samples.some((s) => s.length === 4 && s.every((b, i) => b === valid[i]))).toBe(true);
    expect(samples.some((s) => s.length < 4)).toBe(true);
    const json = fc.sample(mutatedJson({ a: { b: [1, 2] }, c: 'x' }), { numRuns: 200, seed: 1 });
    expect(
      json.some(
        (j) =>
          typeof j === 'object' &&
          j !== null &&
          (j as { c?: unknown }).c === 'x' &&
          JSON.stringify((j as { a: unknown }).a) !== '{"b":[1,2]}',
      ),
    ).toBe(true);
  });
});
