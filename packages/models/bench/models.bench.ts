/*
 * Parameter counts, exported weight sizes and training-step times of the presets.
 *
 *   pnpm --filter @dgpose/models bench [-- --steps 5 --warmup 2 --batch 8 --threads 1 --presets tiny,small]
 *
 * Step time = median wall time of trainStep after warm-up, on wasm, with synthetic 64 px people; the
 * process CPU time per step is printed beside it (on a shared machine it is closer to an unloaded wall time).
 * The paper preset is only counted (a 256 px step belongs on a GPU).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dgpose/core';
import { createConditionalDGPose, createSemiDGPose } from '../src/factory';
import { createSemiDGPose as createSemiShipped } from '../src/node';
import { disposeBatch, syntheticSamples, toBatch } from '../src/testing';
import type { PresetName } from '../src/types';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const STEPS = Number(opt('steps', '5'));
const WARMUP = Number(opt('warmup', '2'));
const BATCH = Number(opt('batch', '8'));
const THREADS = Number(opt('threads', '1'));
const PRESETS = opt('presets', 'tiny,small').split(',') as PresetName[];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const be = await initBackend({ prefer: ['wasm'], threads: THREADS, log: () => undefined });
  console.log(`backend ${be.backend}, threads ${THREADS}, batch ${BATCH}`);
  for (const preset of ['tiny', 'small', 'paper'] as PresetName[]) {
    for (const kind of ['conditional', 'semi'] as const) {
      const m =
        kind === 'conditional'
          ? await createConditionalDGPose({ preset })
          : await createSemiDGPose({ preset, mapper: 'analytic' });
      const bytes = (await m.exportWeights()).shards.reduce((s, x) => s + x.byteLength, 0);
      console.log(
        `${preset.padEnd(6)} ${kind.padEnd(12)} params ${JSON.stringify(m.paramCounts())} total ${m.paramCount()} exported ${(bytes / 2 ** 20).toFixed(2)} MiB`,
      );
      m.dispose();
    }
  }
  {
    const m = await createSemiShipped({ preset: 'small' }); // the shipped coco18-64 mapper, embedded in the export
    const bytes = (await m.exportWeights()).shards.reduce((s, x) => s + x.byteLength, 0);
    console.log(
      `small  semi + shipped mapper: mapper params ${m.paramCounts().mapper}, exported ${(bytes / 2 ** 20).toFixed(2)} MiB`,
    );
    m.dispose();
  }
  for (const preset of PRESETS) {
    const size = preset === 'tiny' ? 32 : preset === 'small' ? 64 : 256;
    const samples = syntheticSamples(BATCH, size, 1);
    const half = Array.from({ length: BATCH }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const variants: [
      string,
      () => Promise<{ trainStep: (b: never) => Promise<unknown>; dispose(): void }>,
      number[] | undefined,
    ][] = [
      ['conditional (G + PatchGAN D)', () => createConditionalDGPose({ preset }), undefined],
      [
        'conditional, no D (adv 0)',
        () => createConditionalDGPose({ preset, config: { lossWeights: { adv: 0 } } }),
        undefined,
      ],
      ['semi, analytic mapper, 50% labelled', () => createSemiDGPose({ preset, mapper: 'analytic' }), half],
    ];
    if (preset === 'small') {
      variants.push([
        'semi, shipped learned mapper coco18-64, 50% labelled',
        async () => createSemiShipped({ preset }),
        half,
      ]);
    }
    for (const [name, make, labelled] of variants) {
      const m = await make();
      const b = toBatch(samples, size, labelled);
      const times: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < WARMUP + STEPS; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await m.trainStep(b as never);
        const dt = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (i >= WARMUP) {
          times.push(dt);
          cpu.push((c.user + c.system) / 1000);
        }
      }
      console.log(
        `${preset.padEnd(6)} ${name}: step ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}), cpu ${median(cpu).toFixed(0)} ms/step, tensors ${tf.memory().numTensors}`,
      );
      disposeBatch(b);
      m.dispose();
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
