import { isDGPoseError } from '@dgpose/core';
import { DEFAULT_TRAIN_CONFIG, resolvedBatchSize, validateTrainConfig } from './options';
import { mergeResumeConfig } from './train';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isDGPoseError(e) ? `${e.code}:${e.details.argument}` : String(e);
  }
  return 'no error';
}

describe('validateTrainConfig', () => {
  it('fills defaults', () => {
    const c = validateTrainConfig({});
    expect(c).toEqual({ ...DEFAULT_TRAIN_CONFIG, modelConfig: {} });
    expect(resolvedBatchSize(c)).toBe(8);
    expect(resolvedBatchSize(validateTrainConfig({ preset: 'small' }))).toBe(16);
    expect(resolvedBatchSize(validateTrainConfig({ batchSize: 3 }))).toBe(3);
  });

  it('an unknown preset, model, data set or backend lists the valid names', () => {
    expect(() => validateTrainConfig({ preset: 'huge' as never })).toThrow(
      /unknown preset "huge"; valid presets: tiny, small, paper/,
    );
    expect(() => validateTrainConfig({ model: 'vae' as never })).toThrow(/valid models: conditional, semi/);
    expect(() => validateTrainConfig({ dataset: 'coco' as never })).toThrow(
      /valid datasets: synthetic, deepfashion, h36m, chictopia/,
    );
    expect(() => validateTrainConfig({ backend: 'gpu' as never })).toThrow(/valid backends: tensorflow, wasm, cpu/);
  });

  it('names the bad field', () => {
    expect(codeOf(() => validateTrainConfig({ supervision: 0 }))).toBe('E_CONFIG:supervision');
    expect(codeOf(() => validateTrainConfig({ supervision: 1.5 }))).toBe('E_CONFIG:supervision');
    expect(codeOf(() => validateTrainConfig({ steps: 0 }))).toBe('E_CONFIG:steps');
    expect(codeOf(() => validateTrainConfig({ steps: 2.5 }))).toBe('E_CONFIG:steps');
    expect(codeOf(() => validateTrainConfig({ lr: -1 }))).toBe('E_CONFIG:lr');
    expect(codeOf(() => validateTrainConfig({ keep: 0 }))).toBe('E_CONFIG:keep');
    expect(codeOf(() => validateTrainConfig({ size: 20 }))).toBe('E_CONFIG:size');
    expect(codeOf(() => validateTrainConfig({ seed: -3 }))).toBe('E_CONFIG:seed');
    expect(codeOf(() => validateTrainConfig({ stepz: 3 } as never))).toBe('E_CONFIG:stepz');
    expect(codeOf(() => validateTrainConfig({ dataset: 'deepfashion' }))).toBe('E_CONFIG:root');
    expect(codeOf(() => validateTrainConfig({ root: '/data' }))).toBe('E_CONFIG:root');
    expect(codeOf(() => validateTrainConfig({ dataset: 'h36m', root: '/data' }))).toBe('no error');
  });

  it('threads is 1 or 2; --resume with --force is refused; only its own keys are options; modelConfig is an object', () => {
    expect(validateTrainConfig({ threads: 2 }).threads).toBe(2);
    expect(codeOf(() => validateTrainConfig({ threads: 3 }))).toBe('E_CONFIG:threads');
    expect(() => validateTrainConfig({ threads: 3 })).toThrow(/expected 1 or 2 .*got 3/);
    expect(codeOf(() => validateTrainConfig({ resume: true, force: true }))).toBe('E_CONFIG:force');
    expect(() => validateTrainConfig({ resume: true, force: true })).toThrow(
      /not with resume: --force replaces the run in --out, --resume continues it/,
    );
    // inherited names are no options (JSON.parse makes "__proto__" an own key)
    for (const k of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(codeOf(() => validateTrainConfig(JSON.parse(`{"${k}": 1}`)))).toBe(`E_CONFIG:${k}`);
    }
    for (const mc of ['abc', 3, [1], null])
      expect(codeOf(() => validateTrainConfig({ modelConfig: mc as never }))).toBe('E_CONFIG:modelConfig');
  });

  it('supervisedOnly: a boolean, only with model semi, not contradicted by modelConfig', () => {
    expect(validateTrainConfig({}).supervisedOnly).toBe(false);
    expect(validateTrainConfig({ model: 'semi', supervision: 0.25, supervisedOnly: true }).supervisedOnly).toBe(true);
    expect(codeOf(() => validateTrainConfig({ model: 'conditional', supervisedOnly: true }))).toBe(
      'E_CONFIG:supervisedOnly',
    );
    expect(() => validateTrainConfig({ supervisedOnly: true })).toThrow(/only with model semi/);
    expect(codeOf(() => validateTrainConfig({ model: 'semi', supervisedOnly: 'yes' as never }))).toBe(
      'E_CONFIG:supervisedOnly',
    );
    expect(codeOf(() => validateTrainConfig({ model: 'semi', modelConfig: { supervisedOnly: true } }))).toBe(
      'E_CONFIG:modelConfig.supervisedOnly',
    );
    expect(
      codeOf(() => validateTrainConfig({ model: 'semi', supervisedOnly: true, modelConfig: { supervisedOnly: true } })),
    ).toBe('no error');
  });

  it('labelledPerBatch: null, or an integer in [1, batch) with Semi below full supervision', () => {
    expect(validateTrainConfig({}).labelledPerBatch).toBeNull();
    expect(
      validateTrainConfig({ model: 'semi', preset: 'small', supervision: 0.25, labelledPerBatch: 8 }).labelledPerBatch,
    ).toBe(8);
    expect(codeOf(() => validateTrainConfig({ model: 'conditional', supervision: 0.25, labelledPerBatch: 8 }))).toBe(
      'E_CONFIG:labelledPerBatch',
    );
    expect(
      codeOf(() =>
        validateTrainConfig({ model: 'semi', supervision: 0.25, supervisedOnly: true, labelledPerBatch: 8 }),
      ),
    ).toBe('E_CONFIG:labelledPerBatch');
    expect(codeOf(() => validateTrainConfig({ model: 'semi', supervision: 1, labelledPerBatch: 8 }))).toBe(
      'E_CONFIG:labelledPerBatch',
    );
    expect(codeOf(() => validateTrainConfig({ model: 'semi', supervision: 0.25, labelledPerBatch: 0 }))).toBe(
      'E_CONFIG:labelledPerBatch',
    );
    expect(
      codeOf(() => validateTrainConfig({ model: 'semi', preset: 'small', supervision: 0.25, labelledPerBatch: 16 })),
    ).toBe('E_CONFIG:labelledPerBatch'); // small: batch 16
    expect(
      codeOf(() => validateTrainConfig({ model: 'semi', preset: 'tiny', supervision: 0.25, labelledPerBatch: 7 })),
    ).toBe('no error'); // tiny: batch 8
  });
});

describe('mergeResumeConfig', () => {
  const stored = validateTrainConfig({ model: 'conditional', steps: 10, out: '/tmp/x', seed: 4 });
  it('takes the fields a resume may change', () => {
    const c = mergeResumeConfig(stored, { steps: 20, keep: 1, resume: true });
    expect(c.steps).toBe(20);
    expect(c.keep).toBe(1);
    expect(c.seed).toBe(4);
  });
  it('refuses another model or seed with the reason', () => {
    expect(() => mergeResumeConfig(stored, { model: 'semi' })).toThrow(
      /checkpoints are of the conditional model, not semi/,
    );
    expect(() => mergeResumeConfig(stored, { seed: 5 })).toThrow(/started with seed=4, not 5/);
    expect(mergeResumeConfig(stored, { seed: 4 }).seed).toBe(4);
  });
  it('a run started with --force resumes (force is not carried over); --force with --resume is refused', () => {
    const forced = validateTrainConfig({ steps: 10, out: '/tmp/x', force: true });
    expect(mergeResumeConfig(forced, { resume: true }).force).toBe(false);
    expect(codeOf(() => mergeResumeConfig(forced, { resume: true, force: true }))).toBe('E_CONFIG:force');
  });
  it('supervisedOnly must match; a run stored before the option existed counts as false', () => {
    const semi = validateTrainConfig({ model: 'semi', supervision: 0.5, supervisedOnly: true, out: '/tmp/s' });
    expect(() => mergeResumeConfig(semi, { supervisedOnly: false })).toThrow(
      /started with supervisedOnly=true, not false/,
    );
    const { supervisedOnly: _, ...older } = validateTrainConfig({ model: 'semi', out: '/tmp/o' });
    expect(mergeResumeConfig(older as never, { supervisedOnly: false, steps: 5 }).supervisedOnly).toBe(false);
    expect(() => mergeResumeConfig(older as never, { supervisedOnly: true })).toThrow(
      /started with supervisedOnly=false, not true/,
    );
  });
});

describe('readConfigFile (--config)', () => {
  it('reads plain options, or the config.json of an earlier run without its run-specific fields', async () => {
    const { promises: fsp } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { readConfigFile } = await import('./cli-main');
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dgpose-cfg-'));
    try {
      const plain = path.join(dir, 'plain.json');
      await fsp.writeFile(plain, JSON.stringify({ model: 'semi', steps: 50, modelConfig: { latentDim: 4 } }));
      expect(await readConfigFile(plain)).toEqual({ model: 'semi', steps: 50, modelConfig: { latentDim: 4 } });
      const stored = path.join(dir, 'config.json');
      const options = validateTrainConfig({ model: 'semi', steps: 50, out: '/runs/a', force: true, seed: 9 });
      await fsp.writeFile(stored, JSON.stringify({ format: 'dgpose-train-config', version: 1, options }));
      const back = await readConfigFile(stored);
      expect(back).not.toHaveProperty('out');
      expect(back).not.toHaveProperty('force');
      expect(validateTrainConfig({ ...back, out: '/runs/b' })).toEqual({ ...options, out: '/runs/b', force: false });
      await fsp.writeFile(plain, '[1, 2]');
      await expect(readConfigFile(plain)).rejects.toThrow(/must hold a JSON object/);
      // a stored config without its options is malformed, not a crash
      await fsp.writeFile(stored, JSON.stringify({ format: 'dgpose-train-config', version: 1, options: null }));
      await expect(readConfigFile(stored)).rejects.toMatchObject({
        code: 'E_CONFIG',
        details: { argument: 'config.options' },
      });
      await expect(readConfigFile(path.join(dir, 'missing.json'))).rejects.toThrow(
        /cannot read --config .*missing\.json: ENOENT \(no such file or folder\)/,
      );
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
