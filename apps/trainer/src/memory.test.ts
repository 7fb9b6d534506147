import { isDGPoseError } from '@dgpose/core';
import { CONDITIONAL_PRESETS, SEMI_PRESETS, validateConditionalConfig } from '@dgpose/models';
import {
  BYTES_PER_ELEMENT,
  WASM_HEAP_LIMIT_BYTES,
  WASM_HEAP_RESERVE,
  activationElementsPerSample,
  checkBatchFitsWasm,
  estimateStepBytes,
  largestBatchThatFits,
  type MemoryConfig,
} from './memory';

const cfg = (c: unknown) => c as MemoryConfig;
const small = cfg(
  validateConditionalConfig({ maxChannels: 64, lossWeights: { l1: 100, kl: 0.005, adv: 1, l1Mask: 300 } }, 'small'),
);
const paper = cfg(CONDITIONAL_PRESETS.paper);

function errorOf(fn: () => unknown): { code: string; expected: unknown; got: unknown; message: string } | null {
  try {
    fn();
  } catch (e) {
    if (!isDGPoseError(e)) throw e;
    return { code: e.code, expected: e.details.expected, got: e.details.got, message: e.message };
  }
  return null;
}

describe('wasm memory estimate of a training step', () => {
  it('counts more per sample for larger images, D, Semi and a learned mapper', () => {
    const cond = activationElementsPerSample(small, 'conditional');
    expect(activationElementsPerSample(cfg({ ...small, lossWeights: { adv: 0 } }), 'conditional')).toBeLessThan(cond);
    expect(
      activationElementsPerSample(cfg({ ...SEMI_PRESETS.small, maxChannels: 64, mapper: 'analytic' }), 'semi'),
    ).toBeGreaterThan(cond);
    expect(activationElementsPerSample(cfg({ ...SEMI_PRESETS.small, maxChannels: 64 }), 'semi')).toBeGreaterThan(
      activationElementsPerSample(cfg({ ...SEMI_PRESETS.small, maxChannels: 64, mapper: 'analytic' }), 'semi'),
    );
    expect(activationElementsPerSample(cfg({ ...SEMI_PRESETS.small, supervisedOnly: true }), 'semi')).toBeLessThan(
      cond,
    );
    // 16x the pixels and up to 8x the channels
    expect(activationElementsPerSample(paper, 'conditional')).toBeGreaterThan(16 * cond);
  });

  it('matches the measured peak of the small Conditional step within its margin', () => {
    // tf.profile peakBytes on wasm: 98.0 MB at batch 4, 350.4 MB at batch 16 (635,438 parameters)
    const slope = ((350.4 - 98.0) * 2 ** 20) / 12;
    const perSample = BYTES_PER_ELEMENT * activationElementsPerSample(small, 'conditional');
    expect(perSample).toBeGreaterThan(slope);
    expect(perSample).toBeLessThan(2 * slope);
    expect(estimateStepBytes(small, 'conditional', 635438, 16)).toBeGreaterThan(350.4 * 2 ** 20);
  });

  it('lets the shipped small models train at batch 16 and more on wasm', () => {
    expect(errorOf(() => checkBatchFitsWasm(small, 'conditional', 635438, 16, 'wasm'))).toBeNull();
    expect(largestBatchThatFits(small, 'conditional', 635438)).toBeGreaterThan(64);
  });

  it('refuses the paper preset at its default batch 16 with E_CONFIG naming the largest batch that fits', () => {
    const params = 50198542; // the paper Conditional with its discriminator
    const fits = largestBatchThatFits(paper, 'conditional', params);
    // measured: batch 1 grew the wasm heap to 1,904 MiB, about 1.1 GiB per sample on top of the weights
    expect(fits).toBe(2);
    const err = errorOf(() => checkBatchFitsWasm(paper, 'conditional', params, 16, 'wasm'));
    expect(err).toMatchObject({ code: 'E_CONFIG', expected: `<= ${fits} on wasm`, got: 16 });
    expect(err?.message).toContain(`--batch-size ${fits}`);
    expect(errorOf(() => checkBatchFitsWasm(paper, 'conditional', params, fits, 'wasm'))).toBeNull();
    expect(errorOf(() => checkBatchFitsWasm(paper, 'conditional', params, fits + 1, 'wasm'))).not.toBeNull();
    // not a wasm limit: other backends are not refused
    expect(errorOf(() => checkBatchFitsWasm(paper, 'conditional', params, 16, 'tensorflow'))).toBeNull();
    expect(errorOf(() => checkBatchFitsWasm(paper, 'conditional', params, 16, null))).toBeNull();
  });

  it('follows a stubbed heap limit exactly at the boundary', () => {
    const need8 = estimateStepBytes(small, 'conditional', 635438, 8);
    const limit = need8 / (1 - WASM_HEAP_RESERVE) + 1;
    expect(largestBatchThatFits(small, 'conditional', 635438, limit)).toBe(8);
    expect(errorOf(() => checkBatchFitsWasm(small, 'conditional', 635438, 8, 'wasm', limit))).toBeNull();
    expect(errorOf(() => checkBatchFitsWasm(small, 'conditional', 635438, 9, 'wasm', limit))).toMatchObject({
      code: 'E_CONFIG',
      expected: '<= 8 on wasm',
      got: 9,
    });
    // a limit below even one sample: no batch fits, and the message says so
    const tiny = errorOf(() => checkBatchFitsWasm(small, 'conditional', 635438, 1, 'wasm', 20 * 635438));
    expect(tiny).toMatchObject({ code: 'E_CONFIG', got: 1 });
    expect(tiny?.message).toContain('no batch fits');
    expect(WASM_HEAP_LIMIT_BYTES).toBe(4294901760);
  });
});
