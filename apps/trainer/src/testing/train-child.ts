/*
 * Test helper run in a child process (tsx): train() with options from argv[2] (JSON) plus named test
 * hooks, printing one JSON line. Tests run training here rather than inside Jest because tfjs is
 * several times slower in Jest's VM context (cross-realm typed arrays).
 *   { options, abortAtStep?, abortLaterAtStep?, fault? }  ->  { ok: true, result, tensors: [before, after], batches } | { ok: false, code, message }
 * `batches`: per step, the source indices of its batch and its labelled mask.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, isDGPoseError } from '@dgpose/core';
import { train, type TrainOptions } from '../train';
import { injectFsFault, type FaultCode } from './fault-fs';

interface Spec {
  options: TrainOptions;
  /** Abort (as SIGINT would) once this step is done, from inside the step's hook. */
  abortAtStep?: number;
  /** Abort from a timer started when this step is done (as a signal handler or a UI would). */
  abortLaterAtStep?: number;
  /** Make the filesystem under `under` fail with `code` (testing/fault-fs.ts) once step `fromStep` is done. */
  fault?: { under: string; code: FaultCode; fromStep: number };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as Spec;
  tf.enableProdMode();
  const ctl = new AbortController();
  await initBackend({ prefer: ['cpu'], log: () => undefined });
  const before = tf.memory().numTensors;
  const batches: { indices: number[]; labelled: number[] }[] = [];
  try {
    const result = await train({
      progress: 'none',
      ...spec.options,
      signal: ctl.signal,
      hooks: {
        beforeStep: (_step, batch) => {
          batches.push({ indices: [...batch.indices], labelled: Array.from(batch.labelled.dataSync()) });
        },
        onStep: ({ step }) => {
          if (step === spec.abortAtStep) ctl.abort();
          if (step === spec.abortLaterAtStep) setTimeout(() => ctl.abort(), 0);
          if (step === spec.fault?.fromStep) injectFsFault(spec.fault.under, spec.fault.code);
        },
      },
    });
    process.stdout.write(
      `${JSON.stringify({ ok: true, result, tensors: [before, tf.memory().numTensors], batches })}\n`,
    );
  } catch (e) {
    process.stdout.write(
      `${JSON.stringify({ ok: false, code: isDGPoseError(e) ? e.code : null, message: (e as Error).message })}\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(String((e as Error)?.stack ?? e));
    process.exit(1);
  },
);
