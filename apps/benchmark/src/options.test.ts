import { isDGPoseError } from '@dgpose/core';
import { DEFAULT_BENCH_CONFIG, parseShard, selectIndices, shardRange, validateBenchConfig } from './options';

describe('validateBenchConfig', () => {
  it('fills the defaults: every zoo model on the synthetic test split, PG2 SSIM, one shard', () => {
    const c = validateBenchConfig();
    expect(c).toEqual({ ...DEFAULT_BENCH_CONFIG, shard: { index: 0, count: 1 } });
    expect(c.dataset).toBe('synthetic');
    expect(c.ssim).toBe('pg2');
  });

  it('an unknown data set, preset, backend or estimator lists the valid ones', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ dataset: 'coco' }, /unknown dataset 'coco'; valid: synthetic, deepfashion, h36m, chictopia/],
      [{ speedPreset: 'huge' }, /unknown preset 'huge'; valid: tiny, small, paper/],
      [{ backend: 'webgl' }, /unknown backend 'webgl'; valid: auto, tensorflow, wasm, cpu/],
      [{ estimator: 'openpose' }, /unknown estimator 'openpose'; valid: auto, regressor, movenet, none/],
      [{ ssim: 'ms' }, /unknown ssim 'ms'; valid: pg2, wang/],
    ];
    for (const [partial, re] of cases) {
      let err: unknown;
      try {
        validateBenchConfig(partial as never);
      } catch (e) {
        err = e;
      }
      expect(isDGPoseError(err, 'E_CONFIG')).toBe(true);
      expect((err as Error).message).toMatch(re);
    }
  });

  it('--estimator-weights only with the regressor: refused where it would be ignored', () => {
    expect(validateBenchConfig({ estimator: 'regressor', estimatorWeights: '/w' }).estimatorWeights).toBe('/w');
    expect(validateBenchConfig({ estimatorWeights: '/w' }).estimatorWeights).toBe('/w'); // auto on synthetic data: the regressor
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { estimator: 'none', estimatorWeights: '/w' },
        /with --estimator none they would be unused, expected --estimator regressor \(or auto with --dataset synthetic\), got --estimator none/,
      ],
      [{ estimator: 'movenet', estimatorWeights: '/w' }, /with --estimator movenet they would be unused/],
      [
        { dataset: 'deepfashion', root: '/d', estimatorWeights: '/w' },
        /with --estimator auto on deepfashion they would be unused, .*got --estimator auto --dataset deepfashion/,
      ],
    ];
    for (const [partial, re] of cases) {
      expect(() => validateBenchConfig(partial as never)).toThrow(re);
      expect(() => validateBenchConfig(partial as never)).toThrow(/^\[E_CONFIG\]/);
    }
  });

  it('a real data set needs --root; the synthetic one takes none', () => {
    expect(() => validateBenchConfig({ dataset: 'deepfashion' })).toThrow(/--dataset deepfashion needs --root DIR/);
    expect(() => validateBenchConfig({ root: '/data' })).toThrow(/no --root with the built-in synthetic data/);
    expect(validateBenchConfig({ dataset: 'h36m', root: '/data/h36m' }).root).toBe('/data/h36m');
  });

  it('refuses unknown option names and bad numbers, naming the field', () => {
    expect(() => validateBenchConfig({ nope: 1 } as never)).toThrow(/unknown benchmark option 'nope'/);
    expect(() => validateBenchConfig({ n: -1 })).toThrow(
      /invalid benchmark option: n, expected an integer >= 0, got -1/,
    );
    expect(() => validateBenchConfig({ batchSize: 0 })).toThrow(/batchSize/);
    expect(() => validateBenchConfig({ shard: { index: 2, count: 2 } })).toThrow(/shard/);
  });

  it('ceiling estimators: auto by default, none, or a list of known estimators', () => {
    expect(validateBenchConfig().ceilingEstimators).toEqual(['auto']);
    expect(validateBenchConfig({ ceilingEstimators: ['movenet', 'regressor', 'movenet'] }).ceilingEstimators).toEqual([
      'movenet',
      'regressor',
    ]);
    expect(() => validateBenchConfig({ ceilingEstimators: ['openpose'] as never })).toThrow(
      /unknown ceiling estimator 'openpose'; valid: auto, none, regressor, movenet, movenet-lightning/,
    );
    expect(() => validateBenchConfig({ ceilingEstimators: ['auto', 'regressor'] })).toThrow(/ceilingEstimators/);
    expect(() => validateBenchConfig({ ceilingEstimators: [] })).toThrow(/ceilingEstimators/);
    expect(validateBenchConfig({ movenetDir: '/m' }).movenetDir).toBe('/m');
  });
});

describe('shards and selections', () => {
  it('parses i/n and refuses anything else', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    for (const bad of ['3/3', '1', 'a/b', '-1/2', '0/0']) expect(() => parseShard(bad)).toThrow(/i\/n with 0 <= i < n/);
  });

  it('selects n evenly spaced, distinct indices (all when n = 0 or n >= size)', () => {
    expect(selectIndices(320, 4)).toEqual([0, 80, 160, 240]);
    expect(selectIndices(5, 0)).toEqual([0, 1, 2, 3, 4]);
    expect(selectIndices(5, 9)).toEqual([0, 1, 2, 3, 4]);
    const s = selectIndices(320, 96);
    expect(new Set(s).size).toBe(96);
  });

  it('shard ranges tile the selection exactly, for any count', () => {
    for (const total of [0, 1, 7, 96]) {
      for (const count of [1, 2, 3, 5]) {
        const covered: number[] = [];
        for (let index = 0; index < count; index++) {
          const [lo, hi] = shardRange(total, { index, count });
          for (let k = lo; k < hi; k++) covered.push(k);
        }
        expect(covered).toEqual(Array.from({ length: total }, (_, k) => k));
      }
    }
  });
});
