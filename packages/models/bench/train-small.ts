/*
 * A short training run of the `small` Conditional-DGPose on synthetic people (sanity check of the preset's
 * loss weights at 64 px, not a benchmark of quality): prints the loss curve, then held-out reconstruction
 * L1 against the pose-only baseline (z = 0) and a transfer L1 against the ground-truth target.
 *
 *   pnpm --filter @dgpose/models exec tsx bench/train-small.ts [-- --steps 200 --kind conditional|semi]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dgpose/core';
import { createBatcher, createSyntheticDataset } from '@dgpose/datasets';
import { createConditionalDGPose, createSemiDGPose } from '../src/factory';

const args = process.argv.slice(2);
const opt = (n: string, d: string): string => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
const STEPS = Number(opt('steps', '200'));
const KIND = opt('kind', 'conditional');

async function main(): Promise<void> {
  await initBackend({ prefer: ['wasm'], log: () => undefined });
  const train = createSyntheticDataset({ seed: 1, size: 64, identities: 40, posesPerIdentity: 8, split: 'train' });
  const test = createSyntheticDataset({ seed: 1, size: 64, identities: 40, posesPerIdentity: 8, split: 'test' });
  const batcher = createBatcher({ source: train, batchSize: 8, seed: 1, supervision: KIND === 'semi' ? 0.5 : 1 });
  const m =
    KIND === 'semi'
      ? await createSemiDGPose({ preset: 'small', mapper: 'analytic' })
      : await createConditionalDGPose({ preset: 'small' });
  if (KIND === 'semi') {
    const lab = createBatcher({ source: train, batchSize: 64, seed: 1, supervision: 0.5, subset: 'labelled' });
    const b = await lab.nextTensors();
    (m as Awaited<ReturnType<typeof createSemiDGPose>>).fitPosePrior(await b.poses.array(), await b.visible.array());
    b.dispose();
    await lab.close();
  }
  const t0 = Date.now();
  for (let i = 0; i < STEPS; i++) {
    const b = await batcher.nextTensors();
    const { losses: r } = await m.trainStep(b);
    b.dispose();
    if (i % 25 === 0 || i === STEPS - 1) {
      const keys = ['l1', 'kl', 'advG', 'advD', 'pose', 'klPose', 'total'].filter((k) => r[k] !== undefined);
      console.log(
        `step ${i} ${keys.map((k) => `${k} ${r[k].toFixed(3)}`).join(' ')} (${((Date.now() - t0) / (i + 1)).toFixed(0)} ms/step, ${tf.memory().numTensors} tensors)`,
      );
    }
  }
  // held-out identities
  const pairs = test.pairs().slice(0, 16);
  const src = await Promise.all(pairs.map(([a]) => test.get(a)));
  const tgt = await Promise.all(pairs.map(([, b]) => test.get(b)));
  const mae = (x: { data: Uint8Array }[], y: { data: Uint8Array }[]): number => {
    let s = 0;
    let n = 0;
    x.forEach((im, i) => im.data.forEach((v, k) => ((s += Math.abs(v - y[i].data[k])), n++)));
    return s / n;
  };
  const rec = await m.reconstruct(
    src.map((s) => s.image),
    src.map((s) => s.pose),
  );
  const tr = await m.transfer(
    src.map((s) => s.image),
    src.map((s) => s.pose),
    tgt.map((s) => s.pose),
  );
  const base = tf.tidy(() => {
    const imgs = src.map((s) => s.image);
    return imgs;
  });
  const zero = await (async () => {
    const { imagesToTensor, posesToNormalized, tensorToImages } = await import('../src/io');
    const p = posesToNormalized(
      src.map((s) => s.pose),
      src.map((s) => s.image),
      'coco18',
    );
    const c = tf.tensor2d(p.coords, [p.n, 2 * p.j]);
    const v = tf.tensor2d(p.visible, [p.n, p.j]);
    const z = tf.zeros([p.n, m.config.latentDim]) as tf.Tensor2D;
    const out = m.decodeTensors(z, c, v);
    const imgs = await tensorToImages(out);
    tf.dispose([c, v, z, out]);
    void imagesToTensor;
    return imgs;
  })();
  console.log(
    `held-out L1 (0-255): reconstruction ${mae(rec, base).toFixed(2)}, pose-only z=0 ${mae(zero, base).toFixed(2)}, transfer vs target ${mae(
      tr,
      tgt.map((t) => t.image),
    ).toFixed(2)}`,
  );
  m.dispose();
  await batcher.close();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
