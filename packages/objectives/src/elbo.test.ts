import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import {
  type ElboConfig,
  type ReconstructionKind,
  cvaeLoss,
  reconstructionPerSample,
  validateElboConfig,
  vaeLoss,
} from './index';
import { jsConcat, jsKl, jsMatMul, materialize, weight } from './testing';

const N = 2;
const DX = 4;
const DY = 3;
const DZ = 2;
const xv = seededFloats(N * DX, 1);
const yv = seededFloats(N * DY, 2);
const ev = seededFloats(N * DZ, 3, -1.5, 1.5);

// rec per element, written from the densities
function recElem(kind: ReconstructionKind, x: number, m: number, s: number): number {
  switch (kind) {
    case 'l1':
      return Math.abs(x - m);
    case 'l2':
      return (x - m) ** 2;
    case 'gaussian':
      return -Math.log(Math.exp(-((x - m) ** 2) / (2 * Math.exp(s))) / Math.sqrt(2 * Math.PI * Math.exp(s)));
    case 'laplace':
      return -Math.log(Math.exp(-Math.abs(x - m) / Math.exp(s)) / (2 * Math.exp(s)));
  }
}

describe.each(TEST_BACKENDS)('VAE / CVAE objectives on %s', (backend) => {
  // Linear networks with fixed weights; the same maths in plain JS gives the reference.
  const wMu = weight(DX + DY, DZ, 10);
  const wLv = weight(DX + DY, DZ, 11);
  const wDec = weight(DZ + DY, DX, 12);
  const wPrMu = weight(DY, DZ, 13);
  const wPrLv = weight(DY, DZ, 14);
  let free = (): void => undefined;
  beforeAll(async () => {
    await useBackend(backend);
    free = materialize([wMu, wLv, wDec, wPrMu, wPrLv]);
  });
  afterAll(() => free());

  function reference(opts: { cond: boolean; prior: boolean; beta: number; config: ElboConfig }) {
    const a = opts.cond ? DX + DY : DX;
    const inp = opts.cond ? jsConcat(xv, yv, N, DX, DY) : Array.from(xv);
    const mu = jsMatMul(inp, wMu.v.slice(0, a * DZ), N, a, DZ);
    const lv = jsMatMul(inp, wLv.v.slice(0, a * DZ), N, a, DZ);
    const z = mu.map((m, i) => m + Math.exp(lv[i] / 2) * ev[i]);
    const b = opts.cond ? DZ + DY : DZ;
    const xHat = jsMatMul(opts.cond ? jsConcat(z, yv, N, DZ, DY) : z, wDec.v.slice(0, b * DX), N, b, DX);
    const rec: number[] = [];
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let k = 0; k < DX; k++)
        s += recElem(opts.config.reconstruction, xv[i * DX + k], xHat[i * DX + k], opts.config.obsLogScale);
      rec.push(opts.config.recReduction === 'sum' ? s : s / DX);
    }
    let kl: number[];
    if (opts.prior) {
      const pm = jsMatMul(yv, wPrMu.v, N, DY, DZ);
      const pl = jsMatMul(yv, wPrLv.v, N, DY, DZ);
      kl = [];
      for (let i = 0; i < N; i++)
        kl.push(
          jsKl(
            mu.slice(i * DZ, i * DZ + DZ),
            lv.slice(i * DZ, i * DZ + DZ),
            1,
            DZ,
            pm.slice(i * DZ),
            pl.slice(i * DZ),
          )[0],
        );
    } else kl = jsKl(mu, lv, N, DZ);
    const mean = (v: number[]): number => v.reduce((s, t) => s + t, 0) / v.length;
    return {
      loss: mean(rec.map((r, i) => opts.config.lambdaRec * r + opts.beta * kl[i])),
      rec: mean(rec),
      kl: mean(kl),
      xHat,
    };
  }

  const slice = (w: tf.Tensor2D, rows: number): tf.Tensor2D => tf.slice(w, [0, 0], [rows, w.shape[1]]);
  const vaeNets = {
    encode: (x: tf.Tensor) => ({
      mu: tf.matMul(x as tf.Tensor2D, slice(wMu.t, DX)),
      logvar: tf.matMul(x as tf.Tensor2D, slice(wLv.t, DX)),
    }),
    decode: (z: tf.Tensor) => tf.matMul(z as tf.Tensor2D, slice(wDec.t, DZ)),
  };
  const cvaeNets = {
    encode: (x: tf.Tensor, y: tf.Tensor) => {
      const h = tf.concat([x, y], 1) as tf.Tensor2D;
      return { mu: tf.matMul(h, wMu.t), logvar: tf.matMul(h, wLv.t) };
    },
    decode: (z: tf.Tensor, y: tf.Tensor) => tf.matMul(tf.concat([z, y], 1) as tf.Tensor2D, wDec.t),
  };
  const prior = (y: tf.Tensor) => ({
    mu: tf.matMul(y as tf.Tensor2D, wPrMu.t),
    logvar: tf.matMul(y as tf.Tensor2D, wPrLv.t),
  });

  const configs: Partial<ElboConfig>[] = [
    {},
    { reconstruction: 'l2', recReduction: 'mean', lambdaRec: 100 },
    { reconstruction: 'gaussian', obsLogScale: -1 },
    { reconstruction: 'laplace', obsLogScale: 0.5, lambdaRec: 2 },
  ];

  for (const partial of configs) {
    it(`vaeLoss and cvaeLoss (N(0,I) and learned prior) match plain JS, config ${JSON.stringify(partial)}`, async () => {
      const config = validateElboConfig(partial);
      const x = tf.tensor2d(xv, [N, DX]);
      const y = tf.tensor2d(yv, [N, DY]);
      const eps = tf.tensor2d(ev, [N, DZ]);
      const cases = [
        {
          r: vaeLoss(vaeNets, x, { beta: 0.7, noise: eps, config: partial }),
          ref: reference({ cond: false, prior: false, beta: 0.7, config }),
        },
        {
          r: cvaeLoss(cvaeNets, x, y, { beta: 1, noise: eps, config: partial }),
          ref: reference({ cond: true, prior: false, beta: 1, config }),
        },
        {
          r: cvaeLoss({ ...cvaeNets, prior }, x, y, { beta: 0.3, noise: eps, config: partial }),
          ref: reference({ cond: true, prior: true, beta: 0.3, config }),
        },
      ];
      for (const { r, ref } of cases) {
        expectTensorsClose(r.loss, [ref.loss], { rtol: 1e-4, atol: 1e-5 });
        expectTensorsClose(r.rec, [ref.rec], { rtol: 1e-4, atol: 1e-5 });
        expectTensorsClose(r.kl, [ref.kl], { rtol: 1e-4, atol: 1e-5 });
        expectTensorsClose(r.xHat, ref.xHat, { rtol: 1e-4, atol: 1e-5 });
        const names = Object.keys(r.terms).sort();
        expect(names).toEqual(
          ['kl', { l1: 'l1', l2: 'l2', gaussian: 'nllGauss', laplace: 'nllLaplace' }[config.reconstruction]].sort(),
        );
        tf.dispose(r as unknown as tf.TensorContainer);
      }
      tf.dispose([x, y, eps]);
    });
  }

  it('frees everything on dispose and on a throw; validates config and beta', async () => {
    const x = tf.tensor2d(xv, [N, DX]);
    const y = tf.tensor2d(yv, [N, DY]);
    await expectNoLeak(() => {
      const r = cvaeLoss({ ...cvaeNets, prior }, x, y, { noise: 5 });
      tf.dispose(r as unknown as tf.TensorContainer);
      const badDecode = { ...vaeNets, decode: (z: tf.Tensor) => tf.matMul(z as tf.Tensor2D, tf.ones([DZ, DX + 1])) };
      expect(() => vaeLoss(badDecode, x, { noise: 1 })).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
      expect(() => vaeLoss(vaeNets, x, { noise: 1, beta: -1 })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
      expect(() => vaeLoss(vaeNets, x, { noise: 1, config: { lambdaRec: NaN } })).toThrow(
        expect.objectContaining({ code: 'E_CONFIG' }),
      );
      expect(() => vaeLoss(vaeNets, x, { noise: 1, config: { reconstruction: 'l3' as 'l1' } })).toThrow(
        expect.objectContaining({ code: 'E_CONFIG' }),
      );
      expect(() => vaeLoss(vaeNets, x, { noise: 1, config: { lamdaRec: 1 } as Partial<ElboConfig> })).toThrow(
        expect.objectContaining({ code: 'E_CONFIG' }),
      );
    });
    tf.dispose([x, y]);
  });

  it('reconstructionPerSample: per-sample sums (or means) of the element term, and nothing else left behind', async () => {
    const x = tf.tensor2d(xv, [N, DX]);
    const xHat = tf.tensor2d(seededFloats(N * DX, 4), [N, DX]);
    const mv = xHat.dataSync();
    for (const kind of ['l1', 'l2', 'gaussian', 'laplace'] as const) {
      for (const recReduction of ['sum', 'mean'] as const) {
        const config = validateElboConfig({ reconstruction: kind, recReduction, obsLogScale: -0.5 });
        const out = await expectNoLeak(() => reconstructionPerSample(x, xHat, config), { allowed: 1 });
        const want = Array.from({ length: N }, (_, n) => {
          let t = 0;
          for (let d = 0; d < DX; d++) t += recElem(kind, xv[n * DX + d], mv[n * DX + d], -0.5);
          return recReduction === 'sum' ? t : t / DX;
        });
        expectTensorsClose(out, want, { atol: 1e-4, rtol: 1e-4 });
        out.dispose();
      }
    }
    const bad = tf.zeros([N, DX + 1]);
    expect(() => reconstructionPerSample(x, bad, validateElboConfig())).toThrow(
      expect.objectContaining({ code: 'E_SHAPE' }),
    );
    tf.dispose([x, xHat, bad]);
  });

  it('a seeded noise is reproducible and gradients reach encoder and decoder weights', () => {
    const x = tf.tensor2d(xv, [N, DX]);
    const a = vaeLoss(vaeNets, x, { noise: 9 });
    const b = vaeLoss(vaeNets, x, { noise: 9 });
    expectTensorsClose(a.loss, b.loss, { atol: 0, rtol: 0 });
    tf.dispose([a, b] as unknown as tf.TensorContainer);
    const wm = tf.variable(slice(wMu.t, DX));
    const wd = tf.variable(slice(wDec.t, DZ));
    const nets = {
      encode: (t: tf.Tensor) => ({
        mu: tf.matMul(t as tf.Tensor2D, wm),
        logvar: tf.matMul(t as tf.Tensor2D, slice(wLv.t, DX)),
      }),
      decode: (z: tf.Tensor) => tf.matMul(z as tf.Tensor2D, wd),
    };
    const { value, grads } = tf.variableGrads(() => vaeLoss(nets, x, { noise: 9 }).loss, [wm, wd]);
    for (const g of Object.values(grads)) expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads), wm, wd, x]);
  });
});
