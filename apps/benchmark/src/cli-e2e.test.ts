/*
 * dgpose-bench end to end on tiny settings: tiny-preset models created and saved here (random
 * weights: the numbers are not the point, the pipeline is), a random pose regressor as the
 * estimator and the zoo's regressor as a second (ceiling) estimator, a few 32x32 synthetic test
 * images, the cpu backend.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import '@tensorflow/tfjs-layers';
import { createConditionalDGPose } from '@dgpose/models';
import { createSemiDGPose, saveModel } from '@dgpose/models/node';
import { createPoseRegressor, getZooEntry } from '@dgpose/zoo';
import { describeWithSharedData, useBackend } from '@dgpose/test-utils';
import { runCli } from './cli-main';
import { zooModelNames } from './load';
import type { Results } from './types';

jest.setTimeout(300_000); // CLI runs end to end; generous for a loaded 2-core machine

let tmp: string;
let cond: string;
let semi: string;
let reg: string;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { out: (s) => (stdout += s), err: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

/** Tiny settings: 10 identities x 4 poses -> a test split of 8 images at the models' 32x32. */
function tiny(out: string, extra: string[] = []): string[] {
  return [
    'run',
    '--checkpoint',
    cond,
    '--checkpoint',
    semi,
    '--estimator-weights',
    reg,
    '--n',
    '6',
    '--pairs',
    '4',
    '--synthetic-identities',
    '10',
    '--synthetic-poses',
    '4',
    '--backend',
    'cpu',
    '--batch-size',
    '4',
    '--grid-rows',
    '2',
    '--ceiling-estimators',
    'regressor',
    '--out',
    out,
    '--quiet',
    ...extra,
  ];
}

const readResults = async (dir: string): Promise<Results> =>
  JSON.parse(await fsp.readFile(path.join(dir, 'results.json'), 'utf8')) as Results;

beforeAll(async () => {
  await useBackend('cpu');
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-e2e-'));
  cond = path.join(tmp, 'tiny-cond');
  semi = path.join(tmp, 'tiny-semi');
  reg = path.join(tmp, 'regressor');
  const c = await createConditionalDGPose({ preset: 'tiny', seed: 3 });
  await saveModel(cond, c);
  c.dispose();
  const s = await createSemiDGPose({ preset: 'tiny', seed: 4, config: { supervision: 0.5 } });
  await saveModel(semi, s);
  s.dispose();
  const r = createPoseRegressor({ imageSize: 32, channels: [8, 16], seed: 5 });
  const { manifest, shards } = await r.exportWeights();
  r.dispose();
  await fsp.mkdir(reg);
  await fsp.writeFile(path.join(reg, 'model.json'), JSON.stringify(manifest));
  for (let i = 0; i < shards.length; i++) await fsp.writeFile(path.join(reg, manifest.shards[i].path), shards[i]);
});
afterAll(() => fsp.rm(tmp, { recursive: true, force: true }));

describe('dgpose-bench run', () => {
  let full: Results;

  it('evaluates, prints the paper tables with ours beside them, and writes results.json, report.md, report.html and grids', async () => {
    const out = path.join(tmp, 'full');
    const r = await cli(tiny(out, ['--preset', 'tiny', '--speed-steps', '1']));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Table 3: image quality on DeepFashion/);
    expect(r.stdout).toMatch(/paper {2}Conditional-DGPose +DeepFashion \(paper, 256x256\) +6560 +18\.38 +0\.79/);
    expect(r.stdout).toMatch(/ours {3}Conditional-DGPose \[tiny-cond \(checkpoint\)\] +synthetic-32 \(built-in\) +6 /);
    expect(r.stdout).toMatch(/the comparison is of protocol, not of numbers/);

    full = await readResults(out);
    expect(full.models.map((m) => [m.label, m.kind, m.images.length, m.pairs.length])).toEqual([
      ['tiny-cond (checkpoint)', 'conditional', 6, 4],
      ['tiny-semi (checkpoint)', 'semi', 6, 4],
    ]);
    expect(full.data).toHaveLength(1);
    expect(full.data[0]).toMatchObject({ id: 'synthetic-32', builtIn: true, selected: 6, transferGroundTruth: true });
    expect(full.provenance).toMatchObject({ backend: 'cpu', shard: { index: 0, count: 1 } });
    expect(full.provenance.versions['@tensorflow/tfjs-core']).toBe('4.22.0');
    const semiSummary = full.summary.models[1];
    expect(semiSummary.pckEstimate).not.toBeNull(); // q(y|x) scored against ground truth
    expect(full.models[1].images.every((i) => i.estimated && i.redetected)).toBe(true);
    for (const m of full.summary.models) {
      expect(m.reconstruction?.psnr.mean).toBeGreaterThan(0);
      expect(m.reconstruction?.ssim.mean).toBeLessThanOrEqual(1);
      expect(m.transfer?.copyPsnr.n).toBe(4);
      // the baselines beside every model: background only is the same for all, z = 0 is the model's own
      expect(m.transfer?.bgSsim.n).toBe(4);
      expect(m.transfer?.bgSsim.mean).toBe(full.summary.models[0].transfer?.bgSsim.mean);
      expect(m.transfer?.zeroPsnr.mean).toBeGreaterThan(0);
      // appearance: the constant-colour baseline is the same for every model (same targets)
      expect(m.appearance?.pairs).toBe(4);
      expect(m.appearance?.constant.all.mean).toBeGreaterThan(0);
      expect(m.appearance?.constant.all.mean).toBe(full.summary.models[0].appearance?.constant.all.mean);
      expect(m.appearance?.ratio).toBeCloseTo(
        (m.appearance?.model.all.mean as number) / (m.appearance?.constant.all.mean as number),
        12,
      );
      // ceilings: the run's estimator and the zoo's regressor, each against its own ceiling
      expect(m.transferCeilings.map((c) => c.estimator)).toEqual(['pose-regressor-32', 'pose-regressor-64']);
    }
    expect(full.ceilingEstimators.map((e) => e.name)).toEqual(['pose-regressor-32', 'pose-regressor-64']);
    expect(full.summary.ceilings.map((c) => [c.estimator, c.main, c.pck?.images])).toEqual([
      ['pose-regressor-32', true, 6],
      ['pose-regressor-64', false, 6],
    ]);
    expect(
      full.models[0].pairs.every(
        (p) =>
          p.gtColour && p.colour && p.zeroColour && p.bgColour && p.copyColour && p.redetectedBy?.['pose-regressor-64'],
      ),
    ).toBe(true);
    expect(semiSummary.pckMeanPose?.images).toBe(6);
    expect(full.summary.models[0].pckMeanPose).toBeNull();
    expect(full.models.every((m) => m.step === undefined)).toBe(true); // saveModel folders outside a run: steps unknown
    expect(full.speed?.train?.map((t) => t.model)).toEqual(['conditional-tiny', 'semi-tiny']);
    expect(full.speed?.inference?.map((t) => t.verb)).toEqual(
      expect.arrayContaining(['reconstruct', 'transfer', 'generate', 'estimatePose']),
    );
    expect(full.speed?.metrics?.map((t) => t.metric)).toEqual(['psnr', 'ssim-pg2', 'ssim-wang']);

    const md = await fsp.readFile(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(
      /\| paper \| Conditional-DGPose \| ChictopiaPlus \(paper, 256x256\) \| 2873 \| 21\.33 \| 0\.88 \|/,
    );
    expect(md).toMatch(
      /\| ours \| Semi-DGPose, 50 % \[tiny-semi \(checkpoint\)\] \| synthetic-32 \(built-in\) \| 6 \|/,
    );
    expect(md).toMatch(/not a data set of the paper/);
    expect(md).toMatch(/!\[tiny-cond \(checkpoint\)\]\(grids\/tiny-cond_checkpoint\.png\)/);
    expect(md).toMatch(
      /\| tiny-cond \(checkpoint\) \| synthetic-32 \(built-in\) \| 4 \| transfer \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \|/,
    );
    for (const b of ['copy source', 'background only', 'z = 0 decode', 'constant colour'])
      expect(md).toContain(`|  |  |  | ${b} |`);
    expect(md).toMatch(
      /## Appearance fidelity \(garment colour\)\n\n.*\n\n\| model \| data \| pairs \| top \| bottom \| all regions \| constant colour \(all\) \| source's colours \(all: the floor\) \| model \/ constant \(rounded up\) \| target <= 1\/3 \|/,
    );
    expect(md).toMatch(/\| pose-regressor-64 \| synthetic-32 \(built-in\) \| 6 \| [\d.]+ \| [\d.]+ \|/);
    expect(md).toMatch(
      /\| tiny-semi \(checkpoint\) \| pose-regressor-32 \| synthetic-32 \(built-in\) \| [\d.]+ \| [\d.]+ \| (\d+\.\d %|–) \| (yes|no|–) \|/,
    );
    expect(md).toMatch(/constant mean pose PCKh@0\.5/);
    expect(md).toMatch(/\| model \| kind \| preset \| supervision \| image \| parameters \| training steps \|/);
    const html = await fsp.readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<td>paper<\/td><td>Semi-DGPose, 100 %<\/td>/);
    expect(html).toMatch(/<canvas id="pck-headbox">/);
    expect(html).toMatch(/<canvas id="appearance-colour">/);
    expect(html).toContain('<th>garment colour error</th>');
    expect(html).toContain('<td>z = 0 decode</td>');
    expect(html).toContain('<th>fraction of ceiling (rounded down)</th>');
    expect(r.stdout).toMatch(/Appearance fidelity: garment colour error/);
    expect(r.stdout).toMatch(/Estimator ceilings/);
    expect(html).toMatch(/new Chart\(/);
    expect(html).toMatch(/src="data:image\/png;base64,/);
    // self-contained: nothing is fetched (no external script, stylesheet or image)
    expect(html).not.toMatch(/<(script|img|link)[^>]+(src|href)="(https?:)?\/\//i);
    const png = await fsp.readFile(path.join(out, 'grids', 'tiny-cond_checkpoint.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // where a browser is installed: it opens the file offline and the inlined Chart.js draws every chart
    const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(
      (b) => spawnSync('which', [b]).status === 0,
    );
    if (chromium === undefined) {
      process.stdout.write('report.html browser check skipped: no chromium on this machine\n');
      return;
    }
    const dom = spawnSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--dump-dom',
        `file://${path.join(out, 'report.html')}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(dom.stdout).toMatch(/<body data-charts="drawn">/);
    const canvases = dom.stdout.match(/<canvas id="[^"]+" width="\d+" height="\d+"/g) ?? [];
    expect(canvases.length).toBe((html.match(/<canvas /g) ?? []).length);
    expect(canvases.length).toBeGreaterThanOrEqual(14);
  });

  it('shard 0/2 and 1/2, merged, give the numbers of the full run', async () => {
    const s0 = path.join(tmp, 's0');
    const s1 = path.join(tmp, 's1');
    expect((await cli(tiny(s0, ['--shard', '0/2', '--no-speed']))).code).toBe(0);
    expect((await cli(tiny(s1, ['--shard', '1/2', '--no-speed']))).code).toBe(0);
    const part = await readResults(s0);
    expect(part.models[0].images.map((i) => i.k)).toEqual([0, 1, 2]);
    const merged = path.join(tmp, 'merged');
    const r = await cli(['merge', s0, s1, '--out', merged]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Table 2/);
    const m = await readResults(merged);
    expect(m.provenance.mergedFrom).toEqual([s0, s1]);
    expect(m.models.map((x) => x.images.map((i) => i.index))).toEqual(
      full.models.map((x) => x.images.map((i) => i.index)),
    );
    m.summary.models.forEach((sm, i) => {
      const f = full.summary.models[i];
      expect(sm.reconstruction?.psnr.mean).toBeCloseTo(f.reconstruction?.psnr.mean as number, 6);
      expect(sm.reconstruction?.psnr.std).toBeCloseTo(f.reconstruction?.psnr.std as number, 6);
      expect(sm.reconstruction?.ssim.mean).toBeCloseTo(f.reconstruction?.ssim.mean as number, 6);
      expect(sm.transfer?.ssim.mean).toBeCloseTo(f.transfer?.ssim.mean as number, 6);
      expect(sm.transfer?.copyPsnr.mean).toBeCloseTo(f.transfer?.copyPsnr.mean as number, 10);
      expect(sm.pckReconstruction?.bbox?.pck).toEqual(f.pckReconstruction?.bbox?.pck);
      expect(sm.pckEstimate?.headBox?.pck).toEqual(f.pckEstimate?.headBox?.pck);
      expect(sm.pckMeanPose?.bbox?.pck).toEqual(f.pckMeanPose?.bbox?.pck);
      expect(sm.transfer?.zeroSsim.mean).toBeCloseTo(f.transfer?.zeroSsim.mean as number, 10);
      expect(sm.transfer?.bgPsnr.mean).toBeCloseTo(f.transfer?.bgPsnr.mean as number, 10);
      // garment colours merge exactly: the constant colour is derived from every pair's ground truth
      expect(sm.appearance?.constantColours).toEqual(f.appearance?.constantColours);
      expect(sm.appearance?.model.all.mean).toBeCloseTo(f.appearance?.model.all.mean as number, 10);
      expect(sm.appearance?.constant.all.mean).toBeCloseTo(f.appearance?.constant.all.mean as number, 10);
      expect(sm.transferCeilings).toEqual(f.transferCeilings);
    });
    expect(m.summary.ceilings).toEqual(full.summary.ceilings);
    expect(m.summary.tables).toEqual(JSON.parse(JSON.stringify(full.summary.tables)));
    expect(await fsp.readFile(path.join(merged, 'report.html'), 'utf8')).toMatch(/data:image\/png;base64,/);
    // shard 0 draws the grid of the whole selection: the merged grid is the full run's
    for (const g of ['tiny-cond_checkpoint.png', 'tiny-semi_checkpoint.png']) {
      expect(
        Buffer.compare(
          await fsp.readFile(path.join(merged, 'grids', g)),
          await fsp.readFile(path.join(tmp, 'full', 'grids', g)),
        ),
      ).toBe(0);
    }
    expect((await readResults(s1)).models.every((x) => x.grid === undefined)).toBe(true);
    // a missing shard is refused
    const r2 = await cli(['merge', s0, '--out', path.join(tmp, 'half')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/shards missing: 1\/2/);
  });
});

describe('a supervised-only model (Semi-DGPose q(y|x) alone)', () => {
  it('is evaluated as a pose estimator only and shown beside the Semi model of its supervision', async () => {
    const sup = path.join(tmp, 'tiny-sup');
    const m = await createSemiDGPose({ preset: 'tiny', seed: 6, config: { supervision: 0.5, supervisedOnly: true } });
    await saveModel(sup, m);
    m.dispose();
    const out = path.join(tmp, 'with-sup');
    const r = await cli([
      'run',
      '--checkpoint',
      semi,
      '--checkpoint',
      sup,
      '--estimator-weights',
      reg,
      '--ceiling-estimators',
      'none',
      '--n',
      '4',
      '--pairs',
      '2',
      '--synthetic-identities',
      '10',
      '--synthetic-poses',
      '4',
      '--backend',
      'cpu',
      '--batch-size',
      '4',
      '--grid-rows',
      '1',
      '--no-speed',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = await readResults(out);
    const so = res.models.find((x) => x.label === 'tiny-sup (checkpoint)') as Results['models'][number];
    expect(so).toMatchObject({
      kind: 'semi',
      supervisedOnly: true,
      supervision: 0.5,
      reconstructionPose: 'none (supervised-only: pose estimation only)',
      pairs: [],
    });
    expect(so.grid).toBeUndefined();
    expect(so.images).toHaveLength(4);
    expect(
      so.images.every((i) => i.estimated && i.psnr === undefined && i.ssim === undefined && i.redetected === undefined),
    ).toBe(true);
    expect(Object.keys(so.timings)).toEqual(['estimatePose']);
    const [sSemi, sSup] = res.summary.models;
    expect(sSup).toMatchObject({ supervisedOnly: true, reconstruction: null, transfer: null });
    expect(sSup.pckEstimate?.images).toBe(4);
    expect(sSemi.supervisedBaseline?.label).toBe('tiny-sup (checkpoint)');
    expect(sSemi.supervisedBaseline?.gain).toBeCloseTo(
      (sSemi.pckEstimate?.pckh as number) - (sSup.pckEstimate?.pckh as number),
      12,
    );
    expect(r.stdout).toMatch(/and the supervised-only baseline of the same supervision/);
    expect(r.stdout).toMatch(
      /tiny-semi \(checkpoint\) +Semi-DGPose \(labelled \+ unlabelled\) +50 % .* tiny-sup \(checkpoint\) +[\d.]+ +[+-][\d.]+ /,
    );
    // no paper-table, transfer or reconstruction-curve row for it
    expect(r.stdout).not.toMatch(/Semi-DGPose, 50 % \[tiny-sup/);
    const md = await fsp.readFile(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(
      /\| model \| training \| supervision \| data \| PCKh@0\.5 \(%\) \| PCK@0\.1 bbox \(%\) \| supervised-only model, same supervision \| its PCKh@0\.5 \(%\) \| gain of Semi \(PCKh@0\.5 points\) \|/,
    );
    expect(md).toMatch(/\| tiny-sup \(checkpoint\) \| supervised only \(labelled subset\) \| 50 % \|/);
    expect(md).toMatch(/\| tiny-sup \(checkpoint\) \| semi \(supervised only\) \| tiny \| 50 % \|/);
    expect(md).not.toMatch(/\| tiny-sup \(checkpoint\) \| synthetic-32 \(built-in\) \| 2 \| transfer/);
    const html = await fsp.readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<th>gain of Semi (PCKh@0.5 points)</th>');
    expect(html).toContain('"supervised":[{"label":"tiny-sup (checkpoint)"');
  });
});

describe('estimator ceilings', () => {
  it('auto skips MoveNet with a printed notice when its files are missing; a shard without it does not merge with one that has it', async () => {
    const args = (out: string, extra: string[]): string[] => [
      'run',
      '--checkpoint',
      cond,
      '--estimator-weights',
      reg,
      '--n',
      '2',
      '--pairs',
      '2',
      '--synthetic-identities',
      '10',
      '--synthetic-poses',
      '4',
      '--backend',
      'cpu',
      '--no-speed',
      '--grid-rows',
      '0',
      '--out',
      out,
      '--quiet',
      ...extra,
    ];
    const out = path.join(tmp, 'no-movenet');
    const r = await cli(args(out, ['--movenet-dir', path.join(tmp, 'nowhere')]));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /notice: movenet-lightning ceiling skipped: cannot read MoveNet model .*nowhere\/movenet-lightning\.json/,
    );
    const res = await readResults(out);
    expect(res.ceilingEstimators.map((e) => e.name)).toEqual(['pose-regressor-32']);
    expect(res.notices).toHaveLength(1);
    expect(await fsp.readFile(path.join(out, 'report.md'), 'utf8')).toMatch(
      /_Notice: movenet-lightning ceiling skipped/,
    );
    // shards of one run on two machines, MoveNet on one only: refused rather than merged into a mix
    const s0 = path.join(tmp, 'mn-s0');
    const s1 = path.join(tmp, 'mn-s1');
    expect((await cli(args(s0, ['--shard', '0/2', '--movenet-dir', path.join(tmp, 'nowhere')]))).code).toBe(0);
    expect((await cli(args(s1, ['--shard', '1/2']))).code).toBe(0); // MoveNet from ../shared/data when it is there
    if ((await readResults(s1)).ceilingEstimators.length === 1) return; // MoveNet not installed here either
    const m = await cli(['merge', s0, s1, '--out', path.join(tmp, 'mn-merged')]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/mn-s1 measured other estimators than .*mn-s0/);
  });
});

describeWithSharedData('estimator ceilings with MoveNet', (dataDir) => {
  it('MoveNet lightning (the shared test copy of its files) measures its ceiling and re-detects the transfers', async () => {
    const models = path.join(dataDir, 'realdata', 'models');
    const out = path.join(tmp, 'movenet');
    const r = await cli([
      'run',
      '--checkpoint',
      cond,
      '--estimator-weights',
      reg,
      '--ceiling-estimators',
      'movenet-lightning',
      '--movenet-dir',
      models,
      '--n',
      '2',
      '--pairs',
      '2',
      '--synthetic-identities',
      '10',
      '--synthetic-poses',
      '4',
      '--backend',
      'wasm',
      '--no-speed',
      '--grid-rows',
      '0',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = await readResults(out);
    expect(res.summary.ceilings.map((c) => [c.estimator, c.pck?.images])).toEqual([
      ['pose-regressor-32', 2],
      ['movenet-lightning', 2],
    ]);
    expect(res.models[0].pairs.every((p) => p.redetectedBy?.['movenet-lightning']?.length === 18)).toBe(true);
  });
});

describe('the default run', () => {
  it('evaluates every DGPose model of the zoo, or stops with a clear message while the zoo has none', async () => {
    const names = zooModelNames();
    const out = path.join(tmp, 'default');
    // wasm: the small 64x64 zoo models are ~10x slower on the cpu backend
    const r = await cli([
      'run',
      '--n',
      '1',
      '--pairs',
      '1',
      '--batch-size',
      '1',
      '--no-speed',
      '--backend',
      'wasm',
      '--grid-rows',
      '1',
      '--out',
      out,
      '--quiet',
    ]);
    if (names.length === 0) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/the zoo has no DGPose weights yet .*pass --checkpoint DIR/);
      await expect(fsp.stat(out)).rejects.toThrow();
    } else {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const res = await readResults(out);
      expect(res.models.map((m) => m.label)).toEqual(names);
      expect(res.models.every((m) => m.source.type === 'zoo' && m.dataId === 'synthetic-64')).toBe(true);
      expect(res.estimator?.name).toBe('pose-regressor-64');
      expect(res.provenance.backend).toBe('wasm');
      // the Models table shows the registry's training steps, not the 0 of exported weights
      expect(res.models.map((m) => m.step)).toEqual(names.map((n) => getZooEntry(n).steps));
      // MoveNet lightning is a second estimator when installed, else the run says why not
      if (res.notices.length) expect(r.stdout).toMatch(/notice: movenet-lightning ceiling skipped/);
      else expect(res.ceilingEstimators.map((e) => e.name)).toEqual(['pose-regressor-64', 'movenet-lightning']);
    }
  });
});

describe('bad input', () => {
  it('an output folder that exists is not overwritten without --force', async () => {
    const out = path.join(tmp, 's0');
    const before = await fsp.readFile(path.join(out, 'results.json'), 'utf8');
    const r = await cli(tiny(out, ['--no-speed']));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /output folder .*s0 exists and is not empty \(grids, report\.html, report\.md, results\.json\); pass --force/,
    );
    expect(await fsp.readFile(path.join(out, 'results.json'), 'utf8')).toBe(before);
    const m = await cli(['merge', path.join(tmp, 's0'), path.join(tmp, 's1'), '--out', path.join(tmp, 'merged')]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/pass --force/);
    expect(
      (await cli(['merge', path.join(tmp, 's0'), path.join(tmp, 's1'), '--out', path.join(tmp, 'merged'), '--force']))
        .code,
    ).toBe(0);
  });

  it('an unknown preset, data set or zoo model lists the valid ones', async () => {
    const p = await cli(['run', '--preset', 'huge']);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/argument 'huge' is invalid\. Allowed choices are tiny, small, paper/);
    const d = await cli(['run', '--dataset', 'coco']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/Allowed choices are synthetic, deepfashion, h36m, chictopia/);
    const m = await cli(['run', '--models', 'conditional-huge', '--out', path.join(tmp, 'never'), '--no-speed']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/unknown zoo model 'conditional-huge'; valid: /);
    await expect(fsp.stat(path.join(tmp, 'never'))).rejects.toThrow();
  });

  it('a missing data root lists the layout expected', async () => {
    const r = await cli([
      'run',
      '--checkpoint',
      cond,
      '--dataset',
      'deepfashion',
      '--root',
      path.join(tmp, 'no-data'),
      '--estimator',
      'none',
      '--backend',
      'cpu',
      '--out',
      path.join(tmp, 'never2'),
      '--quiet',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot open DeepFashion at --root .*no-data: DeepFashion: root folder not found/);
    expect(r.stderr).toMatch(/expected DeepFashion layout:\n {2}<root>\/fasion-annotation-<split>\.csv/);
    await expect(fsp.stat(path.join(tmp, 'never2'))).rejects.toThrow();
  });

  it('a checkpoint of another model is refused with the reason', async () => {
    const r = await cli([
      'run',
      '--checkpoint',
      reg,
      '--estimator',
      'none',
      '--backend',
      'cpu',
      '--out',
      path.join(tmp, 'never3'),
      '--quiet',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /checkpoint .*regressor refused: it holds 'zoo\/pose-regressor' weights, not a DGPose model/,
    );
  });

  it('a checkpoint of another format version is refused with the reason', async () => {
    const dir = path.join(tmp, 'future');
    await fsp.cp(cond, dir, { recursive: true });
    const manifest = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8')) as { formatVersion: number };
    manifest.formatVersion = 99;
    await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest));
    const r = await cli([
      'run',
      '--checkpoint',
      dir,
      '--estimator',
      'none',
      '--backend',
      'cpu',
      '--out',
      path.join(tmp, 'never4'),
      '--quiet',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/checkpoint .*future refused: .*formatVersion.*expected 1, got 99/);
  });

  it('--help names the commands and options; the bin runs from its sources', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'cli.ts'), '--help'], {
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(__dirname, '..', 'tsconfig.src.json') },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: dgpose-bench/);
    expect(r.stdout).toMatch(/run \[options\]/);
    expect(r.stdout).toMatch(/merge \[options\] <dirs\.\.\.>/);
  });
});

describeWithSharedData('dgpose-bench on real DeepFashion images', (dataDir) => {
  it('runs on a pose-gan root, labels the rows with the data set, and the tables compare against the paper on the same data set', async () => {
    // the shared sample keeps its CSVs in annotations/ and images in images/annotated: lay them out as pose-gan's data/
    const df = path.join(dataDir, 'realdata', 'deepfashion');
    const root = path.join(tmp, 'df-root');
    await fsp.mkdir(root);
    await fsp.symlink(
      path.join(df, 'annotations', 'fasion-annotation-test.csv'),
      path.join(root, 'fasion-annotation-test.csv'),
    );
    await fsp.symlink(path.join(df, 'images', 'annotated'), path.join(root, 'test'));
    const out = path.join(tmp, 'df');
    const refused = await cli([
      'run',
      '--checkpoint',
      cond,
      '--dataset',
      'deepfashion',
      '--root',
      root,
      '--estimator',
      'none',
      '--backend',
      'cpu',
      '--out',
      out,
      '--quiet',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/annotated images are missing from the images folder/);
    const r = await cli([
      'run',
      '--checkpoint',
      cond,
      '--dataset',
      'deepfashion',
      '--root',
      root,
      '--skip-missing',
      '--estimator',
      'none',
      '--no-speed',
      '--backend',
      'cpu',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    const res = await readResults(out);
    expect(res.data[0]).toMatchObject({
      id: 'deepfashion-32',
      builtIn: false,
      dataset: 'deepfashion',
      transferGroundTruth: false,
    });
    expect((res.data[0].details.skipped as Record<string, number>)['image-missing']).toBeGreaterThan(0);
    expect(res.models[0].images.length).toBe(res.data[0].selected);
    const t3 = res.summary.tables.find((t) => t.id === '3');
    expect(t3?.rows.at(-1)?.data).toBe('DeepFashion test at 32x32');
    expect(t3?.note).toMatch(
      /^Ours ran on DeepFashion \(\d+ of \d+ test images at 32x32\); the paper used 6560 test images/,
    );
    const md = await fsp.readFile(path.join(out, 'report.md'), 'utf8');
    expect(md).not.toMatch(/built-in synthetic/);
    expect(md).toMatch(
      /_No appearance-fidelity table for DeepFashion test at 32x32: it has no part masks \(garment regions\)/,
    );
  });
});
