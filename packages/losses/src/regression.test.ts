import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { isDGPoseError } from '@dgpose/core';
import {
  TEST_BACKENDS,
  analyticGradient,
  expectNoLeak,
  expectTensorsClose,
  numericGradient,
  seededFloats,
  useBackend,
} from '@dgpose/test-utils';
import { l1, l2, type Reduction } from './index';

// Independent reference: plain loops over a [N,H,W,C] layout with a per-(n,h,w) mask.
function reference(
  kind: 'l1' | 'l2',
  p: Float32Array,
  t: Float32Array,
  shape: [number, number, number, number],
  reduction: Reduction,
  mask?: Float32Array, // [N,H,W,1]
): number[] {
  const [n, h, w, c] = shape;
  const out: number[] = [];
  let sum = 0;
  let wsum = 0;
  for (let i = 0; i < n * h * w * c; i++) {
    const d = p[i] - t[i];
    const l = kind === 'l1' ? Math.abs(d) : d * d;
    const m = mask ? mask[Math.floor(i / c)] : 1;
    out.push(l * m);
    sum += l * m;
    wsum += m;
  }
  if (reduction === 'none') return out;
  if (reduction === 'sum') return [sum];
  if (reduction === 'batchMean') return [sum / n];
  return [wsum === 0 ? 0 : sum / wsum];
}

const SHAPE: [number, number, number, number] = [2, 3, 4, 3];
const SIZE = 2 * 3 * 4 * 3;

describe.each(TEST_BACKENDS)('l1 / l2 on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  const p = seededFloats(SIZE, 1);
  const t = seededFloats(SIZE, 2);
  const m = Float32Array.from(seededFloats(2 * 3 * 4, 3, 0, 1), (v) => (v > 0.4 ? 1 : 0));

  for (const kind of ['l1', 'l2'] as const) {
    const fn = kind === 'l1' ? l1 : l2;
    for (const reduction of ['mean', 'sum', 'none', 'batchMean'] as const) {
      it(`${kind} ${reduction} matches a plain loop, with and without a mask`, () => {
        const pt = tf.tensor(p, SHAPE);
        const tt = tf.tensor(t, SHAPE);
        const mt = tf.tensor(m, [2, 3, 4, 1]);
        const a = fn(pt, tt, { reduction });
        const b = fn(pt, tt, { reduction, mask: mt });
        expect(a.shape).toEqual(reduction === 'none' ? SHAPE : []);
        expectTensorsClose(a, reference(kind, p, t, SHAPE, reduction), { rtol: 1e-5, atol: 1e-6 });
        expectTensorsClose(b, reference(kind, p, t, SHAPE, reduction, m), { rtol: 1e-5, atol: 1e-6 });
        tf.dispose([pt, tt, mt, a, b]);
      });
    }
  }

  it('defaults to the mean; an all-zero mask gives 0, not NaN', async () => {
    const a = tf.tensor([
      [1, -2],
      [3, 0],
    ]);
    const b = tf.zeros([2, 2]);
    const z = tf.zeros([2, 1]);
    expect(await l1(a, b).data()).toEqual(new Float32Array([1.5]));
    expect(await l2(a, b).data()).toEqual(new Float32Array([3.5]));
    expect((await l1(a, b, { mask: z }).data())[0]).toBe(0);
    tf.dispose([a, b, z]);
  });

  it('rejects mismatched shapes, non-broadcastable masks and unknown reductions', () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([3, 2]);
    const bad = tf.zeros([2, 2]);
    expect(() => l1(a, b)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    try {
      l2(a, a, { mask: bad });
      throw new Error('no throw');
    } catch (e) {
      expect(isDGPoseError(e, 'E_SHAPE')).toBe(true);
    }
    expect(() => l1(a, a, { reduction: 'avg' as Reduction })).toThrow(expect.objectContaining({ code: 'E_ARG' }));
    tf.dispose([a, b, bad]);
  });

  it('leaks nothing', async () => {
    const pt = tf.tensor(p, SHAPE);
    const tt = tf.tensor(t, SHAPE);
    const mt = tf.tensor(m, [2, 3, 4, 1]);
    await expectNoLeak(() => {
      for (const reduction of ['mean', 'sum', 'none', 'batchMean'] as const) {
        tf.dispose([
          l1(pt, tt, { reduction, mask: mt }),
          l2(pt, tt, { reduction }),
          l2(pt, tt, { reduction, mask: mt }),
        ]);
      }
      expect(() => l1(pt, mt)).toThrow();
    });
    tf.dispose([pt, tt, mt]);
  });
});

describe('l1 / l2 gradients vs finite differences (cpu)', () => {
  beforeAll(() => useBackend('cpu'));
  it('match', () => {
    // Entries kept away from pred == target, where L1 has a kink.
    const pv = seededFloats(12, 5);
    const p = tf.tensor(pv, [2, 6]);
    const t = tf.tensor(
      Float32Array.from(seededFloats(12, 6, 0.2, 0.5), (v, i) => pv[i] + (i % 2 ? v : -v)),
      [2, 6],
    );
    const m = tf.tensor([1, 0, 1, 1, 0.5, 1], [1, 6]);
    for (const f of [
      (x: tf.Tensor) => l1(x, t, { mask: m }),
      (x: tf.Tensor) => l2(x, t, { reduction: 'batchMean', mask: m }),
      (x: tf.Tensor) => l2(x, t),
    ]) {
      expectTensorsClose(analyticGradient(f, p), numericGradient(f, p, 1e-2), { atol: 2e-3, rtol: 1e-2 });
    }
    tf.dispose([p, t, m]);
  });
});
