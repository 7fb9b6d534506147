import * as tf from '@tensorflow/tfjs-core';
import * as os from 'node:os';
import * as wt from 'node:worker_threads';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // gradients
import { expectTensorsClose, seededFloats } from '@dgpose/test-utils';
import { __testing, initBackend, shutdownBackend } from './backend';
import { patchedWorkerSource, readWasmBundleText } from './kernels/wasm-threads';

/** A conv checked on every backend state below: the same numbers with 1 or 2 threads. */
async function probeConv(): Promise<Float32Array> {
  const y = tf.tidy(() =>
    tf.conv2d(
      tf.tensor4d(seededFloats(2 * 16 * 16 * 8, 1), [2, 16, 16, 8]),
      tf.tensor4d(seededFloats(3 * 3 * 8 * 16, 2), [3, 3, 8, 16]),
      1,
      'same',
    ),
  );
  const v = (await y.data()) as Float32Array;
  y.dispose();
  return v;
}

/** Gradients through all of dgpose's wasm kernels: conv2d, conv2dTranspose, concat, slice. */
async function probeGrads(): Promise<Float32Array> {
  const g = tf.tidy(() => {
    const x = tf.tensor4d(seededFloats(2 * 9 * 9 * 3, 3), [2, 9, 9, 3]);
    const p = tf.tensor4d(seededFloats(2 * 9 * 9 * 2, 4), [2, 9, 9, 2]);
    const w1 = tf.tensor4d(seededFloats(4 * 4 * 5 * 6, 5), [4, 4, 5, 6]);
    const w2 = tf.tensor4d(seededFloats(3 * 3 * 4 * 6, 6), [3, 3, 4, 6]);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const h = tf.conv2d(tf.concat([a, p], 3) as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'); // [2,5,5,6]
      const u = tf.conv2dTranspose(h, c as tf.Tensor4D, [2, 10, 10, 4], 2, 'same');
      return tf.sum(tf.square(tf.slice(u, [0, 1, 0, 0], [2, 9, 9, 4])));
    };
    return tf.concat(
      tf
        .grads(f)([x, w1, w2])
        .map((t) => tf.reshape(t, [-1])),
    );
  });
  const v = (await g.data()) as Float32Array;
  g.dispose();
  return v;
}

// threaded inits take seconds on a loaded 2-core machine; the root jest config ignores the preset's testTimeout
jest.setTimeout(60_000);

let reference: Float32Array;
let referenceGrads: Float32Array;
beforeAll(async () => {
  delete process.env.DGPOSE_BACKEND;
  delete process.env.DGPOSE_WASM_THREADS;
  tf.enableProdMode();
  await tf.setBackend('cpu');
  reference = await probeConv();
  referenceGrads = await probeGrads();
});
afterEach(async () => {
  __testing.wasmBundleText = undefined;
  __testing.threadsSelfCheck = undefined;
  delete process.env.DGPOSE_WASM_THREADS;
  await shutdownBackend();
});

describe('wasm threads in Node', () => {
  test('the pinned bundle is recognised and a changed one is refused', () => {
    const text = readWasmBundleText();
    const src = patchedWorkerSource(text);
    expect(src).toContain('e.data.urlOrBlob.text()');
    expect(src).not.toContain('importScripts(objectUrl)');
    expect(() => patchedWorkerSource(text.replace('importScripts(objectUrl)', 'importScripts(objectURL)'))).toThrow(
      /differs/,
    );
    expect(() => patchedWorkerSource(text.replace("if (path.endsWith('.worker.js')) {", 'if (false) {'))).toThrow(
      /missing/,
    );
  });

  test('threads: 2 runs 2 XNNPACK threads that pass the self-check; shutdown ends them', async () => {
    const { Worker } = wt;
    const cores = os.cpus().length;
    const logs: string[] = [];
    const r = await initBackend({ prefer: ['wasm'], threads: 2, log: (m) => logs.push(m) });
    expect(r.backend).toBe('wasm');
    expect(r.threads).toBe(2);
    expect(wasm.getThreadsCount()).toBe(2);
    expect(r.attempts).toEqual([{ name: 'wasm', ok: true }]);
    // the Worker and os.cpus patches last only for the init
    expect(wt.Worker).toBe(Worker);
    expect(os.cpus().length).toBe(cores);
    expect(logs).toEqual(['[dgpose] tfjs backend: wasm (2 threads)']);
    expectTensorsClose(await probeConv(), reference, { atol: 1e-4, rtol: 1e-4 });
    expectTensorsClose(await probeGrads(), referenceGrads, { atol: 1e-3, rtol: 1e-4 });
    // a second init keeps the running backend and says how to change its thread count
    const again = await initBackend({ prefer: ['wasm'], threads: 1, log: () => {} });
    expect(again.threads).toBe(2);
    expect(again.attempts[0].reason).toMatch(/shutdownBackend/);
    await shutdownBackend();
    expect((tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm).toBeUndefined();
    // the factory is kept: wasm can start again, single-threaded this time
    const r1 = await initBackend({ prefer: ['wasm'], log: () => {} });
    expect(r1.threads).toBe(1);
    expect(wasm.getThreadsCount()).toBe(1);
  });

  test('more threads than the pthread pool is E_ARG', async () => {
    await expect(initBackend({ prefer: ['wasm'], threads: 9 })).rejects.toMatchObject({ code: 'E_ARG' });
  });

  test('DGPOSE_WASM_THREADS=2 is honoured', async () => {
    process.env.DGPOSE_WASM_THREADS = '2';
    const r = await initBackend({ prefer: ['wasm'], log: () => {} });
    expect(r.threads).toBe(2);
  });

  test('a bundle that differs from 4.22.0 falls back to 1 thread with a logged reason', async () => {
    __testing.wasmBundleText = 'not the tfjs-backend-wasm 4.22.0 bundle';
    const logs: string[] = [];
    const r = await initBackend({ prefer: ['wasm'], threads: 2, log: (m) => logs.push(m) });
    expect(r.backend).toBe('wasm');
    expect(r.threads).toBe(1);
    expect(r.attempts[0].ok).toBe(true);
    expect(r.attempts[0].reason).toMatch(/falling back to 1 thread: .*differs from 4\.22\.0/);
    expect(logs[0]).toMatch(/falling back to 1 thread/);
    expect(logs).toHaveLength(2);
    expectTensorsClose(await probeConv(), reference, { atol: 1e-4, rtol: 1e-4 });
  });

  test('a failed self-check tears the threaded backend down and falls back to 1 thread', async () => {
    let checked = 0;
    __testing.threadsSelfCheck = async (_tf, w, n) => {
      checked++;
      expect(w.getThreadsCount()).toBe(n); // the threaded backend did start
      return 'forced failure for the test';
    };
    const r = await initBackend({ prefer: ['wasm'], threads: 2, log: () => {} });
    expect(checked).toBe(1);
    expect(r.threads).toBe(1);
    expect(wasm.getThreadsCount()).toBe(1);
    expect(r.attempts[0].reason).toMatch(/forced failure for the test/);
    expectTensorsClose(await probeConv(), reference, { atol: 1e-4, rtol: 1e-4 });
  });
});
