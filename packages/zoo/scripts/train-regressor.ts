/*
 * Trains the synthetic-domain pose regressor shipped as weights/pose-regressor-64 (see README).
 *
 *   pnpm --filter @dgpose/zoo exec tsx scripts/train-regressor.ts --steps 1500 --seed 0
 *
 * Data: synthetic people (seed 7, 400 identities x 16 poses, 64x64) drawn at random, rendered on
 * the fly; none of them is an identity of the evaluation split (the seed-0 test split that every
 * zoo metric uses: 20 identities x 16 poses, the trainer's default synthetic data). wasm, 1 thread.
 * Writes the weights and a zoo.json (metrics measured here, the exact command) into --out.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, createRng } from '@dgpose/core';
import { saveWeights, writeFileAtomic } from '@dgpose/core/node';
import { toNamedArrays } from '@dgpose/layers';
import { createSyntheticDataset, pixelToNormalized } from '@dgpose/datasets';
import { createPoseRegressor, poseRegressorLoss, POSE_REGRESSOR_KIND, REGRESSOR_JOINTS } from '../src/pose-regressor';
import { evaluateRegressor, syntheticTestSplit } from './eval-common';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

async function main(): Promise<void> {
  const steps = Number(arg('steps', '1500'));
  const seed = Number(arg('seed', '0'));
  const batch = Number(arg('batch', '32'));
  const lr = Number(arg('lr', '0.002'));
  const out = path.resolve(arg('out', path.join(__dirname, '..', 'weights', 'pose-regressor-64')));
  const { backend } = await initBackend({ prefer: ['wasm'], threads: 1 });
  const train = createSyntheticDataset({ seed: 7, size: 64, identities: 400, posesPerIdentity: 16, split: 'all' });
  const reg = createPoseRegressor({ seed });
  const S = reg.config.imageSize;
  const J = REGRESSOR_JOINTS;
  const opt = tf.train.adam(lr, 0.9, 0.999);
  const rng = createRng(seed + 1000);
  const img = new Float32Array(batch * S * S * 3);
  const px = new Float32Array(batch * 2 * J);
  const vis = new Float32Array(batch * J);
  const t0 = Date.now();
  let ema = 0;
  for (let step = 1; step <= steps; step++) {
    for (let b = 0; b < batch; b++)
      train.renderInto(rng.int(train.size), img, b * S * S * 3, px, b * 2 * J, vis, b * J);
    const coords = px.map((v) => pixelToNormalized(v, S));
    // cosine decay to 5 % of lr over the run
    (opt as unknown as { learningRate: number }).learningRate =
      lr * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * (step - 1)) / steps)));
    const x = tf.tensor4d(img, [batch, S, S, 3]);
    const c = tf.tensor2d(coords, [batch, 2 * J]);
    const v = tf.tensor2d(vis, [batch, J]);
    const cost = opt.minimize(
      () => poseRegressorLoss(reg.net.call(x) as tf.Tensor2D, c, v).total,
      true,
      reg.net.parameters(),
    );
    const loss = (await cost!.data())[0];
    tf.dispose([x, c, v, cost!]);
    ema = step === 1 ? loss : 0.98 * ema + 0.02 * loss;
    if (step % 100 === 0 || step === steps) {
      console.log(
        `step ${step}/${steps} loss ${ema.toFixed(4)} ${((Date.now() - t0) / step).toFixed(0)} ms/step tensors ${tf.memory().numTensors}`,
      );
    }
  }
  reg.net.eval();
  const test = syntheticTestSplit();
  const metrics = await evaluateRegressor(reg, test);
  console.log('test metrics', metrics);
  const { manifest } = await saveWeights(out, await toNamedArrays(reg.net), {
    kind: POSE_REGRESSOR_KIND,
    config: reg.config,
  });
  const command = `pnpm --filter @dgpose/zoo exec tsx scripts/train-regressor.ts --steps ${steps} --seed ${seed} --batch ${batch} --lr ${lr}`;
  const info = {
    name: 'pose-regressor-64',
    kind: 'pose-regressor',
    description: 'Synthetic-domain pose regressor: 64x64 RGB -> COCO-18 keypoints + visibility',
    trainedOn: 'synthetic-64',
    trainingData:
      'synthetic people, seed 7, 400 identities x 16 poses, 64x64 (disjoint from the seed-0 evaluation split)',
    command,
    backend,
    steps,
    trainSeconds: Math.round((Date.now() - t0) / 1000),
    paramCount: reg.net.paramCount(),
    evaluatedOn: test.description,
    metrics,
    shards: manifest.shards,
  };
  await writeFileAtomic(path.join(out, 'zoo.json'), `${JSON.stringify(info, null, 1)}\n`);
  console.log(`wrote ${out}`);
  reg.dispose();
  opt.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
