import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { expectNoLeak, seededFloats, useBackend } from '@dgpose/test-utils';
import { registerWasmMemoryKernels } from './wasm-memory-kernels';
import { isOurs } from './types';

type DT = 'float32' | 'int32' | 'bool';
const make = (shape: number[], dtype: DT, seed: number) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = seededFloats(n, seed, -50, 50);
  return dtype === 'float32'
    ? tf.tensor(v, shape)
    : dtype === 'int32'
      ? tf.tensor(Int32Array.from(v, Math.round), shape, 'int32')
      : tf.tensor(
          Uint8Array.from(v, (x) => (x > 0 ? 1 : 0)),
          shape,
          'bool',
        );
};

const SLICES: [number[], number[], number[], DT][] = [
  [[7], [2], [4], 'float32'],
  [[5, 6], [1, 0], [3, 6], 'float32'],
  [[5, 6], [0, 2], [5, 3], 'int32'],
  [[2, 5, 7, 3], [0, 1, 2, 0], [2, 3, 4, 3], 'float32'],
  [[2, 5, 7, 3], [1, 0, 0, 1], [1, 5, 7, 2], 'float32'],
  [[2, 5, 7, 3], [0, 2, 0, 0], [-1, 2, -1, -1], 'bool'],
  [[8, 9, 9, 130], [0, 1, 1, 0], [8, 8, 8, 130], 'float32'], // the polyphase crop: long runs
  [[2, 3, 4, 5, 6], [1, 1, 0, 2, 3], [1, 2, 4, 2, 3], 'float32'],
  [[3, 4], [1, 1], [0, 2], 'float32'], // empty
];
const CONCATS: [number[][], number, DT][] = [
  [
    [
      [2, 3],
      [4, 3],
    ],
    0,
    'float32',
  ],
  [
    [
      [2, 4, 4, 3],
      [2, 4, 4, 5],
      [2, 4, 4, 1],
    ],
    3,
    'float32',
  ],
  [
    [
      [2, 4, 4, 3],
      [2, 4, 4, 70],
    ],
    -1,
    'float32',
  ],
  [
    [
      [2, 3, 4, 2],
      [2, 1, 4, 2],
    ],
    1,
    'int32',
  ],
  [
    [
      [2, 3, 4],
      [2, 3, 0],
      [2, 3, 2],
    ],
    2,
    'bool',
  ],
  [
    [
      [3, 2],
      [3, 2],
      [3, 2],
      [3, 2],
    ],
    1,
    'float32',
  ],
];

async function onBoth(f: () => tf.Tensor): Promise<{ wasm: tf.TypedArray; cpu: tf.TypedArray; shape: number[] }> {
  await useBackend('cpu');
  const c = f();
  const cpu = await c.data();
  c.dispose();
  await useBackend('wasm');
  let wasm!: tf.TypedArray;
  let shape!: number[];
  await expectNoLeak(async () => {
    const w = f();
    wasm = await w.data();
    shape = w.shape;
    w.dispose();
  });
  return { wasm, cpu, shape };
}

describe('wasm Slice and Concat replacements', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    expect(registerWasmMemoryKernels(tf)).toEqual(['Slice@wasm', 'SplitV@wasm', 'Concat@wasm', 'Identity@wasm']);
    expect(isOurs(tf.getKernel('Slice', 'wasm')?.kernelFunc)).toBe(true);
  });

  test.each(SLICES.map((s) => [JSON.stringify(s), ...s] as const))(
    'slice %s equals cpu',
    async (_l, shape, begin, size, dtype) => {
      const r = await onBoth(() => tf.tidy(() => tf.slice(make(shape, dtype, 3), begin, size)));
      expect(Array.from(r.wasm)).toEqual(Array.from(r.cpu));
    },
  );

  test.each(CONCATS.map((c) => [JSON.stringify(c), ...c] as const))(
    'concat %s equals cpu',
    async (_l, shapes, axis, dtype) => {
      const r = await onBoth(() =>
        tf.tidy(() =>
          tf.concat(
            shapes.map((s, i) => make(s, dtype, 10 + i)),
            axis,
          ),
        ),
      );
      expect(Array.from(r.wasm)).toEqual(Array.from(r.cpu));
    },
  );

  test.each([
    [[2, 6, 7, 3], 3, 1],
    [[6, 4], [1, 2, 3], 0],
    [[2, 4, 6, 8], [3, 5], -1],
  ] as const)('split %j into %j on axis %d equals cpu', async (shape, splits, axis) => {
    const r = await onBoth(() =>
      tf.tidy(() =>
        tf.concat(
          tf.split(make([...shape], 'float32', 21), splits as number | number[], axis).map((t) => tf.reshape(t, [-1])),
        ),
      ),
    );
    expect(Array.from(r.wasm)).toEqual(Array.from(r.cpu));
  });

  test('Identity shares data: clones outlive their source and free it last', async () => {
    await useBackend('wasm');
    const ids = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    await expectNoLeak(async () => {
      const a = tf.tensor([1, 2, 3, 4], [2, 2]);
      const n = ids();
      const b = tf.clone(a);
      expect(ids()).toBe(n); // no copy
      a.dispose();
      expect(Array.from(await b.data())).toEqual([1, 2, 3, 4]);
      const c = tf.add(b, 1); // a new buffer: the shared one is never written
      expect(Array.from(await b.data())).toEqual([1, 2, 3, 4]);
      tf.dispose([b, c]);
    });
    const v = tf.variable(tf.tensor([1, 2]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor([5, 6]));
    expect(Array.from(await snapshot.data())).toEqual([1, 2]);
    tf.dispose([v, snapshot]);
  });

  test('the concat gradient (SplitV) matches cpu', async () => {
    const f = () =>
      tf.tidy(() => {
        const a = make([2, 4, 4, 3], 'float32', 1);
        const b = make([2, 4, 4, 2], 'float32', 2);
        const w = make([2, 4, 4, 5], 'float32', 3);
        const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.concat([x, y], 3), w)))([a, b]);
        return tf.concat([tf.reshape(ga, [-1]), tf.reshape(gb, [-1])]);
      });
    const r = await onBoth(f);
    expect(Array.from(r.wasm)).toEqual(Array.from(r.cpu));
  });
});
