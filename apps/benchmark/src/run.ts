/*
 * runBenchmark: load the models (zoo names or folders) and the estimator, open the test data,
 * evaluate every model on its shard, time the speed section, and write results.json, report.md,
 * report.html and the image grids.
 */
import { promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, initBackend, type BackendName } from '@dgpose/core';
import { openTestData, type TestData } from './data';
import { evaluateModel, evaluateReference, isSupervisedOnly } from './evaluate';
import { gridPng } from './grid';
import {
  loadCeilingEstimators,
  loadCheckpointModel,
  loadEstimator,
  loadZooModel,
  zooModelNames,
  type LoadedModel,
} from './load';
import { validateBenchConfig, type BenchConfig } from './options';
import { GRIDS_DIR, checkOut, prepareOut, writeReports, type PreparedOut } from './output';
import { type EngineSpeed, engineSpeed, metricSpeed, trainSpeed } from './speed';
import { summarise } from './summary';
import {
  RESULTS_FORMAT,
  RESULTS_FORMAT_VERSION,
  type ModelResult,
  type ReferenceResult,
  type Results,
  type SpeedResult,
} from './types';

export const BENCH_VERSION = '0.1.0';

export interface RunOptions extends Partial<BenchConfig> {
  /** Progress lines (default: stderr unless quiet). */
  log?: (message: string) => void;
  /** The command line, for provenance. */
  command?: string;
}

export interface RunResult {
  results: Results;
  out: string;
  files: string[];
}

/** Versions of the packages involved (best effort: a package that cannot be resolved is left out). */
export function packageVersions(): Record<string, string> {
  const req = createRequire(__filename);
  const v: Record<string, string> = { '@dgpose/benchmark': BENCH_VERSION, '@tensorflow/tfjs-core': tf.version_core };
  for (const name of ['core', 'datasets', 'metrics', 'models', 'zoo', 'mapper', 'layers']) {
    try {
      v[`@dgpose/${name}`] = (req(`@dgpose/${name}/package.json`) as { version: string }).version;
    } catch {
      // not resolvable from here (e.g. exports without ./package.json): omitted
    }
  }
  return v;
}

/** Exists-without-force check that changes nothing (the folder is prepared once inputs are known good). */
export function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'model';
}

export async function runBenchmark(options: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  const { log: logOpt, command, ...rest } = options;
  const c = validateBenchConfig(rest);
  const log = logOpt ?? (c.quiet ? () => undefined : (m: string) => process.stderr.write(`dgpose-bench: ${m}\n`));
  const out = path.resolve(c.out);
  await checkOut(out, c.force);

  const names = c.models.length || c.checkpoints.length ? c.models : zooModelNames();
  if (names.length === 0 && c.checkpoints.length === 0) {
    throw new DGPoseError(
      'E_CONFIG',
      'the zoo has no DGPose weights yet (its registry lists no conditional or semi entry): pass --checkpoint DIR, or wait for @dgpose/zoo weights',
      {
        argument: 'models',
      },
    );
  }
  // unknown names fail before anything heavy
  const valid = zooModelNames();
  for (const n of names) if (!valid.includes(n)) await loadZooModel(n, c); // throws the E_CONFIG listing the valid names

  const be = await initBackend({
    prefer: c.backend === 'auto' ? undefined : [c.backend as BackendName],
    threads: c.threads,
    log,
  });
  const loaded: LoadedModel[] = [];
  const estimatorP = { value: null as Awaited<ReturnType<typeof loadEstimator>> };
  const ceilingP: Awaited<ReturnType<typeof loadCeilingEstimators>> = { estimators: [], notices: [] };
  const dataBySize = new Map<number, TestData>();
  let prepared: PreparedOut | undefined;
  try {
    for (const n of names) {
      log(`loading zoo model ${n}`);
      loaded.push(await loadZooModel(n, c));
    }
    for (const d of c.checkpoints) {
      log(`loading checkpoint ${d}`);
      loaded.push(await loadCheckpointModel(d));
    }
    const labels = new Set<string>();
    for (const m of loaded) {
      let l = m.label;
      for (let i = 2; labels.has(l); i++) l = `${m.label} #${i}`;
      m.label = l;
      labels.add(l);
    }
    for (const m of loaded) {
      const size = (m.model.config as { imageSize: number }).imageSize;
      if (!dataBySize.has(size)) dataBySize.set(size, await openTestData(c, size));
    }
    estimatorP.value = await loadEstimator(c);
    const est = estimatorP.value;
    const ceil = await loadCeilingEstimators(c, est);
    ceilingP.estimators = ceil.estimators;
    ceilingP.notices = ceil.notices;
    for (const n of ceil.notices) log(n);
    const extra = ceil.estimators.map((e) => e.estimator);
    prepared = await prepareOut(out, c.force);

    const models: ModelResult[] = [];
    const engines: EngineSpeed[] = [];
    const engineKinds = new Set<string>();
    let enginesNote: string | undefined;
    for (const lm of loaded) {
      const data = dataBySize.get((lm.model.config as { imageSize: number }).imageSize) as TestData;
      log(
        `evaluating ${lm.label} (${lm.model.kind}${isSupervisedOnly(lm.model) ? ', supervised only: its pose estimation alone' : ''}) on ${data.info.label}, shard ${c.shard.index}/${c.shard.count}`,
      );
      const { result, grid } = await evaluateModel(lm, {
        data,
        shard: c.shard,
        batchSize: c.batchSize,
        ssim: c.ssim,
        estimator: est?.estimator ?? null,
        ceilingEstimators: extra,
        gridRows: c.gridRows,
        log,
      });
      if (grid.length) {
        const rel = `${GRIDS_DIR}/${safeName(lm.label)}.png`;
        await fsp.writeFile(path.join(out, rel), await gridPng(grid));
        result.grid = rel;
      }
      models.push(result);
      // tfjs beside onnxruntime per verb at batch 1, on the first model of each kind (a few seconds each)
      if (c.speed && !engineKinds.has(lm.model.kind) && !isSupervisedOnly(lm.model) && !enginesNote) {
        engineKinds.add(lm.model.kind);
        const r = await engineSpeed(lm.model, lm.label, data, { threads: be.threads, log });
        engines.push(...r.rows);
        enginesNote = r.note;
      }
      lm.model.dispose();
    }
    loaded.length = 0;

    const references: ReferenceResult[] = [];
    for (const data of dataBySize.values()) {
      if (est)
        references.push(
          await evaluateReference(est.estimator, { data, shard: c.shard, batchSize: c.batchSize, log }, { main: true }),
        );
      for (const e of extra)
        references.push(
          await evaluateReference(e, { data, shard: c.shard, batchSize: c.batchSize, log }, { main: false }),
        );
    }

    let speed: SpeedResult | null = null;
    if (c.speed) {
      speed = { backend: be.backend, threads: be.threads, engines, ...(enginesNote ? { enginesNote } : {}) };
      speed.inference = models.flatMap((m) =>
        Object.entries(m.timings)
          .filter(([verb, t]) => verb !== 'estimator' && t.images > 0)
          .map(([verb, t]) => ({ model: m.label, verb, images: t.images, msPerImage: t.ms / t.images })),
      );
      if (est && references.length) {
        const t = references
          .filter((r) => r.main)
          .reduce((a, r) => ({ ms: a.ms + r.timing.ms, images: a.images + r.timing.images }), { ms: 0, images: 0 });
        if (t.images) speed.estimator = { name: est.estimator.name, images: t.images, msPerImage: t.ms / t.images };
      }
      log(`speed: training steps of the ${c.speedPreset} preset`);
      speed.train = await trainSpeed({ preset: c.speedPreset, steps: c.speedSteps, log });
      speed.metrics = metricSpeed([...dataBySize.keys()][0] ?? 64);
    }

    const data = [...dataBySize.values()].map((d) => d.info);
    const results: Results = {
      format: RESULTS_FORMAT,
      formatVersion: RESULTS_FORMAT_VERSION,
      provenance: {
        tool: 'dgpose-bench',
        version: BENCH_VERSION,
        date: new Date().toISOString(),
        command: command ?? `dgpose-bench run (programmatic)`,
        backend: be.backend,
        threads: be.threads,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        cpus: os.cpus().length,
        versions: packageVersions(),
        options: { ...c, out },
        shard: c.shard,
        wallSeconds: 0,
      },
      ssimConvention: c.ssim,
      estimator: est ? { name: est.estimator.name, kind: est.kind } : null,
      ceilingEstimators: [...(est ? [est] : []), ...ceil.estimators].map((e) => ({
        name: e.estimator.name,
        kind: e.kind,
      })),
      notices: ceil.notices,
      data,
      models,
      references,
      speed,
      summary: summarise(models, references, data),
    };
    results.provenance.wallSeconds = (performance.now() - t0) / 1000;
    const { files } = await writeReports(out, results);
    return { results, out, files };
  } catch (e) {
    // A failed run leaves --out as it found it, so that running it again is not refused.
    await prepared?.abandon();
    throw e;
  } finally {
    for (const m of loaded) m.model.dispose();
    estimatorP.value?.estimator.dispose();
    for (const e of ceilingP.estimators) e.estimator.dispose();
  }
}
