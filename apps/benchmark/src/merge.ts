/*
 * mergeShards: combines the results.json of `--shard i/n` runs into one result, as if one run had
 * evaluated the whole selection: per-image records are united (so means, spreads and PCK curves
 * are recomputed over every image, not averaged over shards), timings summed, grids copied from
 * the shard that holds them; then the reports are rendered.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError } from '@dgpose/core';
import { GRIDS_DIR, prepareOut, readResults, writeReports } from './output';
import { summarise } from './summary';
import type { ModelResult, ReferenceResult, Results, SpeedResult } from './types';

/**
 * Options that must agree between shards (everything that changes what is evaluated). Not
 * `checkpoints`: shards run on several machines find the same weights at other paths, so models
 * are matched by their weights' sha256 instead (see modelKeys).
 */
const SAME = [
  'dataset',
  'root',
  'skipMissing',
  'n',
  'pairs',
  'models',
  'ssim',
  'estimator',
  'estimatorWeights',
  'ceilingEstimators',
  'seed',
  'syntheticIdentities',
  'syntheticPoses',
  'size',
] as const;

export interface MergeOptions {
  force?: boolean;
  log?: (message: string) => void;
  command?: string;
}

/**
 * One key per model of a shard: its weights (shard sha256s) and data, and which occurrence of that
 * pair it is (a run may evaluate the same weights twice, under two labels).
 */
function modelKeys(models: readonly ModelResult[]): string[] {
  const seen = new Map<string, number>();
  return models.map((m) => {
    const base = `${m.sha256.join(',')}\u0000${m.dataId}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return `${base}\u0000${n}`;
  });
}

export async function mergeShards(
  dirs: string[],
  out: string,
  opts: MergeOptions = {},
): Promise<{ results: Results; out: string; files: string[] }> {
  if (!Array.isArray(dirs) || dirs.length === 0)
    throw new DGPoseError('E_CONFIG', 'merge needs at least one shard folder', { argument: 'dirs', got: dirs });
  const t0 = performance.now();
  const parts: { dir: string; r: Results }[] = [];
  for (const d of dirs) parts.push({ dir: path.resolve(d), r: await readResults(d) });
  const first = parts[0].r;
  const count = first.provenance.shard.count;
  const seen = new Map<number, string>();
  const weightsOf = (x: Results): string[] =>
    x.models.map((m) => `${m.label}: ${m.sha256.map((h) => h.slice(0, 12)).join(', ')} on ${m.dataId}`);
  for (const { dir, r } of parts) {
    const s = r.provenance.shard;
    if (s.count !== count)
      throw new DGPoseError('E_CONFIG', `${dir} is shard ${s.index}/${s.count}, but ${parts[0].dir} is of /${count}`, {
        argument: 'dirs',
        path: dir,
      });
    if (seen.has(s.index))
      throw new DGPoseError('E_CONFIG', `shard ${s.index}/${count} given twice (${seen.get(s.index)} and ${dir})`, {
        argument: 'dirs',
        path: dir,
      });
    seen.set(s.index, dir);
    for (const k of SAME) {
      const a = JSON.stringify(first.provenance.options[k] ?? null);
      const b = JSON.stringify(r.provenance.options[k] ?? null);
      if (a !== b)
        throw new DGPoseError('E_CONFIG', `${dir} was run with another ${k} than ${parts[0].dir}`, {
          argument: 'dirs',
          expected: a,
          got: b,
          path: dir,
        });
    }
    const names = (x: Results): string => JSON.stringify((x.ceilingEstimators ?? []).map((e) => e.name));
    if (names(r) !== names(first)) {
      throw new DGPoseError(
        'E_CONFIG',
        `${dir} measured other estimators than ${parts[0].dir} (e.g. one whose files were missing on that machine)`,
        { argument: 'dirs', expected: names(first), got: names(r), path: dir },
      );
    }
    if (r.ssimConvention !== first.ssimConvention)
      throw new DGPoseError(
        'E_CONFIG',
        `${dir} used SSIM ${r.ssimConvention}, ${parts[0].dir} ${first.ssimConvention}`,
        { argument: 'dirs', path: dir },
      );
    if (JSON.stringify([...modelKeys(r.models)].sort()) !== JSON.stringify([...modelKeys(first.models)].sort())) {
      throw new DGPoseError('E_CONFIG', `${dir} evaluated other models (weights sha256, data) than ${parts[0].dir}`, {
        argument: 'dirs',
        expected: weightsOf(first),
        got: weightsOf(r),
        path: dir,
      });
    }
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) {
    throw new DGPoseError('E_CONFIG', `shards missing: ${missing.map((i) => `${i}/${count}`).join(', ')}`, {
      argument: 'dirs',
      expected: `all of 0..${count - 1}/${count}`,
      got: [...seen.keys()].sort((a, b) => a - b),
    });
  }
  parts.sort((a, b) => a.r.provenance.shard.index - b.r.provenance.shard.index);
  const outAbs = path.resolve(out);
  if (parts.some((p) => p.dir === outAbs))
    throw new DGPoseError('E_CONFIG', `--out ${out} is one of the shard folders`, { argument: 'out', path: out });
  const prepared = await prepareOut(outAbs, opts.force ?? false);
  try {
    return await mergeInto(parts, first, outAbs, t0, opts);
  } catch (e) {
    // A failed merge leaves --out as it found it, so that running it again is not refused.
    await prepared.abandon();
    throw e;
  }
}

/** The merge proper, once the shards are checked and `outAbs` is prepared. */
async function mergeInto(
  parts: { dir: string; r: Results }[],
  first: Results,
  outAbs: string,
  t0: number,
  opts: MergeOptions,
): Promise<{ results: Results; out: string; files: string[] }> {
  const count = first.provenance.shard.count;

  // models: the same weights and data in every shard (checked above); records united by position k
  const models = new Map<string, ModelResult>();
  const gridFrom = new Map<string, { dir: string; rel: string }>();
  for (const { dir, r } of parts) {
    const keys = modelKeys(r.models);
    for (const [i, m] of r.models.entries()) {
      const key = keys[i];
      const acc = models.get(key);
      if (!acc) {
        models.set(key, {
          ...m,
          images: [...m.images],
          pairs: [...m.pairs],
          timings: JSON.parse(JSON.stringify(m.timings)),
          grid: undefined,
        });
      } else {
        acc.images.push(...m.images);
        acc.pairs.push(...m.pairs);
        for (const [verb, t] of Object.entries(m.timings)) {
          const a = (acc.timings[verb] ??= { ms: 0, images: 0 });
          a.ms += t.ms;
          a.images += t.images;
        }
      }
      if (m.grid && !gridFrom.has(key)) gridFrom.set(key, { dir, rel: m.grid });
    }
  }
  for (const [key, m] of models) {
    // Each shard's file is consistent (readResults); across shards the latent size must agree too.
    const dims = new Set(m.images.filter((im) => im.zMu && im.zMu.length > 0).map((im) => im.zMu?.length));
    if (dims.size > 1)
      throw new DGPoseError('E_CONFIG', `the shards disagree on the latent size of model ${m.label} (zMu lengths)`, {
        argument: 'dirs',
        expected: 'one latent size',
        got: [...dims],
      });
    m.images.sort((a, b) => a.k - b.k);
    m.pairs.sort((a, b) => a.k - b.k);
    const g = gridFrom.get(key);
    if (g) {
      await fsp.mkdir(path.join(outAbs, GRIDS_DIR), { recursive: true });
      // g.rel is grids/<name>.png (readResults' schema), so both paths stay inside their folders.
      await fsp.copyFile(path.join(g.dir, g.rel), path.join(outAbs, g.rel)).catch((e: NodeJS.ErrnoException) => {
        throw new DGPoseError('E_IO', `cannot copy the grid ${g.rel} of ${g.dir} (${e.code ?? e.message})`, {
          argument: 'dirs',
          path: path.join(g.dir, g.rel),
          cause: e,
        });
      });
      m.grid = g.rel;
    }
  }
  const refs = new Map<string, ReferenceResult>();
  for (const { r } of parts) {
    for (const ref of r.references) {
      const key = `${ref.dataId}\u0000${ref.estimator}`;
      const acc = refs.get(key);
      if (!acc) refs.set(key, { ...ref, images: [...ref.images], timing: { ...ref.timing } });
      else {
        acc.images.push(...ref.images);
        acc.timing.ms += ref.timing.ms;
        acc.timing.images += ref.timing.images;
      }
    }
  }
  for (const ref of refs.values()) ref.images.sort((a, b) => a.k - b.k);

  // Labels and sources are shard 0's (parts are sorted by shard index).
  const modelList = modelKeys(parts[0].r.models).map((k) => models.get(k) as ModelResult);
  const references = [...refs.values()];
  // speed: inference from the merged timings; training/metric figures of shard 0 (each shard ran them on its own machine)
  const speed: SpeedResult | null = first.speed ? { ...first.speed } : null;
  if (speed) {
    speed.inference = modelList.flatMap((m) =>
      Object.entries(m.timings)
        .filter(([verb, t]) => verb !== 'estimator' && t.images > 0)
        .map(([verb, t]) => ({ model: m.label, verb, images: t.images, msPerImage: t.ms / t.images })),
    );
    const t = references
      .filter((r) => r.main)
      .reduce((a, r) => ({ ms: a.ms + r.timing.ms, images: a.images + r.timing.images }), { ms: 0, images: 0 });
    if (first.estimator && t.images)
      speed.estimator = { name: first.estimator.name, images: t.images, msPerImage: t.ms / t.images };
    if (parts.length > 1)
      speed.skipped = `Training-step and metric figures are those of shard 0/${count}; inference figures sum all shards.`;
  }
  const results: Results = {
    ...first,
    provenance: {
      ...first.provenance,
      date: new Date().toISOString(),
      command: opts.command ?? first.provenance.command,
      shard: { index: 0, count: 1 },
      mergedFrom: parts.map((p) => p.dir),
      wallSeconds: parts.reduce((s, p) => s + p.r.provenance.wallSeconds, 0) + (performance.now() - t0) / 1000,
    },
    models: modelList,
    references,
    speed,
    summary: summarise(modelList, references, first.data),
  };
  opts.log?.(`merged ${parts.length} shards into ${outAbs}`);
  const { files } = await writeReports(outAbs, results);
  return { results, out: outAbs, files };
}
