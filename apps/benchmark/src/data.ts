/*
 * Test data for dgpose-bench: the test split of the built-in synthetic people (by default the
 * zoo's evaluation split: seed 0, 100 identities x 16 poses, 20 % of identities held out) or of a
 * real data set, at the evaluated model's image size, always on COCO-18.
 */
import { DGPoseError, isDGPoseError } from '@dgpose/core';
import { createSyntheticDataset, type RgbImage, type SampleSource } from '@dgpose/datasets';
import {
  CHICTOPIA_LAYOUT,
  DEEPFASHION_LAYOUT,
  H36M_LAYOUT,
  openChictopiaPlus,
  openDeepFashion,
  openH36M,
} from '@dgpose/datasets/node';
import type { BenchConfig, DatasetName } from './options';
import { selectIndices } from './options';
import { DATASET_LABELS } from './paper';
import type { DataInfo } from './types';

export interface TestData {
  info: DataInfo;
  source: SampleSource;
  /** Selected test indices, by position k. */
  indices: number[];
  /** Selected (from, to) pairs, by position k. */
  pairs: [number, number][];
  /** Part map of a test image (one PART_NAMES code per pixel, row-major); absent when the data has none (real data). */
  parts?: (index: number) => Uint8Array;
  /**
   * n real people in the pose and silhouette of a test image (synthetic data: the next n identities of the
   * split wear it, see datasets' renderWorn), the reference for the spread of prior samples; absent on real data.
   */
  peopleInPose?: (index: number, n: number) => RgbImage[];
}

/** Layout lines of a real data set (for error messages). */
export const LAYOUTS: Readonly<Record<Exclude<DatasetName, 'synthetic'>, readonly string[]>> = Object.freeze({
  deepfashion: DEEPFASHION_LAYOUT,
  h36m: H36M_LAYOUT,
  chictopia: CHICTOPIA_LAYOUT,
});

/** `expected <Data set> layout:` and one indented line per entry. */
export function layoutText(dataset: Exclude<DatasetName, 'synthetic'>): string {
  return `expected ${DATASET_LABELS[dataset]} layout:\n${LAYOUTS[dataset].map((l) => `  ${l}`).join('\n')}`;
}

/** Opens the test split at `size` x `size`; E_DATASET_LAYOUT (with the layout expected) for a bad root. */
export async function openTestData(c: BenchConfig, size: number): Promise<TestData> {
  let source: SampleSource;
  let details: Record<string, unknown>;
  let parts: TestData['parts'];
  let peopleInPose: TestData['peopleInPose'];
  const split = 'test';
  try {
    switch (c.dataset) {
      case 'synthetic': {
        const config = {
          seed: c.seed,
          size,
          identities: c.syntheticIdentities,
          posesPerIdentity: c.syntheticPoses,
          split: 'test' as const,
        };
        const syn = createSyntheticDataset(config);
        source = syn;
        details = { config };
        // each model scores the same targets: render each part map once
        const cache = new Map<number, Uint8Array>();
        parts = (index) => {
          let p = cache.get(index);
          if (!p) cache.set(index, (p = syn.parts(index)));
          return p;
        };
        peopleInPose = (index, n) => {
          // identity i+1, i+2, ... of the split (wrapping), each in the same pose slot: deterministic, shard-independent
          const P = syn.config.posesPerIdentity;
          const own = Math.floor(index / P);
          const ids = syn.identityIds.length;
          return Array.from({ length: Math.min(n, ids - 1) }, (_, k) =>
            syn.renderWorn(index, (((own + k + 1) % ids) * P + (index % P)) % syn.size),
          );
        };
        break;
      }
      case 'deepfashion':
        source = await openDeepFashion({
          root: c.root as string,
          split: 'test',
          size: [size, size],
          missingImages: c.skipMissing ? 'skip' : 'error',
        });
        details = {
          root: c.root,
          ...(c.skipMissing
            ? { skipped: (source as Awaited<ReturnType<typeof openDeepFashion>>).report().counts }
            : {}),
        };
        break;
      case 'h36m':
        source = await openH36M({ root: c.root as string, split: 'test', size, toCoco18: true });
        details = { root: c.root, subjects: ['S9', 'S11'] };
        break;
      case 'chictopia':
        source = await openChictopiaPlus({ root: c.root as string, split: 'test', size: [size, size], toCoco18: true });
        details = { root: c.root };
        break;
    }
  } catch (e) {
    if (isDGPoseError(e, 'E_DATASET_LAYOUT') || isDGPoseError(e, 'E_IO') || isDGPoseError(e, 'E_CSV')) {
      // the layout goes into the message, one line each, so the CLI and library users both see it
      const inner = e as DGPoseError;
      const what = inner.message.replace(/^\[[A-Z_]+\] /, '').split(/, expected /)[0];
      const found =
        inner.details?.got !== undefined
          ? ` (${typeof inner.details.got === 'string' ? inner.details.got : JSON.stringify(inner.details.got)})`
          : '';
      const where =
        inner.details?.path !== undefined && inner.details.path !== c.root ? ` [${inner.details.path}]` : '';
      throw new DGPoseError(
        'E_DATASET_LAYOUT',
        `cannot open ${DATASET_LABELS[c.dataset]} at --root ${c.root}: ${what}${found}${where}\n${layoutText(c.dataset as Exclude<DatasetName, 'synthetic'>)}`,
        {
          argument: 'root',
          cause: e,
        },
      );
    }
    throw e;
  }
  if (source.size === 0) {
    throw new DGPoseError(
      'E_DATASET_LAYOUT',
      `the ${split} split of ${DATASET_LABELS[c.dataset]} is empty${c.dataset === 'synthetic' ? ' (no test identity: raise --synthetic-identities)' : `\n${layoutText(c.dataset)}`}`,
      {
        argument: 'root',
        path: c.root,
      },
    );
  }
  const indices = selectIndices(source.size, c.n);
  const allPairs = source.pairs?.() ?? [];
  const pairSel = c.pairs === 0 ? [] : selectIndices(allPairs.length, c.pairs).map((k) => allPairs[k]);
  // without same-identity pairs, transfer into the pose of the next selected image (no ground truth)
  const pairs: [number, number][] =
    allPairs.length > 0
      ? pairSel
      : c.pairs === 0 || indices.length < 2
        ? []
        : selectIndices(indices.length, c.pairs).map((k) => [indices[k], indices[(k + 1) % indices.length]]);
  const builtIn = c.dataset === 'synthetic';
  const id = `${c.dataset}-${size}`;
  const info: DataInfo = {
    id,
    label: builtIn ? `synthetic-${size} (built-in)` : `${DATASET_LABELS[c.dataset]} ${split} at ${size}x${size}`,
    dataset: c.dataset,
    builtIn,
    split,
    imageSize: size,
    totalImages: source.size,
    selected: indices.length,
    pairsTotal: allPairs.length,
    pairsSelected: pairs.length,
    transferGroundTruth: allPairs.length > 0,
    partMasks: parts !== undefined,
    details,
  };
  return { info, source, indices, pairs, ...(parts ? { parts } : {}), ...(peopleInPose ? { peopleInPose } : {}) };
}
