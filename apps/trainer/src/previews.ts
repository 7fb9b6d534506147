/*
 * Preview grids written during training: fixed rows (input | reconstruction | transfer | two
 * samples), tiled with datasets' tileImages and written as PNG atomically.
 */
import { createRng, type Pose, type RgbImage, type Rng } from '@dgpose/core';
import { writeFileAtomic } from '@dgpose/core/node';
import { tileImages, type Sample, type SampleSource } from '@dgpose/datasets';
import { encodePng } from '@dgpose/datasets/node';
import type { AnyDGPoseModel } from '@dgpose/models';
import { stepDirName } from './checkpoints';
import type { TrainConfig } from './options';

/** Encodes `img` as PNG and writes it atomically to `file`. */
export async function writePng(file: string, img: RgbImage): Promise<void> {
  await writeFileAtomic(file, await encodePng(img));
}

/** Fixed preview rows for the sample grids: the first `n` of a seeded permutation of the source. */
export async function previewSamples(source: SampleSource, c: TrainConfig): Promise<Sample[]> {
  const n = Math.min(c.sampleRows, source.size);
  const order = createRng(c.seed)
    .fork('preview')
    .shuffle(Array.from({ length: source.size }, (_, i) => i));
  return Promise.all(order.slice(0, n).map((i) => source.get(i)));
}

/**
 * The sample seeds of the grid at `step`: a function of the run's seed and the step alone, so a
 * grid is the same whether the run was resumed or not, and whatever grids were drawn before it.
 */
export function gridRng(seed: number, step: number): Rng {
  return createRng(seed).fork('grid').fork(stepDirName(step));
}

/**
 * One grid row per preview sample: input | reconstruction | transfer (appearance of row i in the
 * pose of row i+1) | two samples z ~ p(z) in the row's pose, seeded by `rng`.
 */
export async function writeSampleGrid(model: AnyDGPoseModel, rows: Sample[], rng: Rng, file: string): Promise<void> {
  const images: RgbImage[] = rows.map((s) => s.image);
  const poses: Pose[] = rows.map((s) => s.pose);
  const n = rows.length;
  const recon = await model.reconstruct(images, poses);
  const targets = poses.map((_, i) => poses[(i + 1) % n]);
  const moved = await model.transfer(images, poses, targets);
  const cells: RgbImage[][] = [];
  for (let i = 0; i < n; i++) {
    const gen = await model.generate(poses[i], 2, { seed: rng.int(2 ** 31) });
    cells.push([images[i], recon[i], moved[i], ...gen]);
  }
  const size = model.config.imageSize;
  await writePng(file, tileImages(cells, { cellWidth: size, cellHeight: size, gap: 2 }));
}
