import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import {
  type SemiSupervisedConfig,
  poseRegressionNll,
  semiSupervisedLoss,
  supervisedPoseLoss,
  validateSemiSupervisedConfig,
} from './index';
import { klNormalFullCovariance } from '@dgpose/losses';
import { jsConcat, jsKl, jsMatMul, materialize, weight } from './testing';

const NS = 2;
const NU = 3;
const DX = 5;
const DY = 4; // 2J, J = 2
const DZ = 2;
const xs = seededFloats(NS * DX, 61);
const ys = seededFloats(NS * DY, 62);
const vis = [1, 0, 1, 1]; // [NS, J]
const xu = seededFloats(NU * DX, 63);
const eZs = seededFloats(NS * DZ, 64);
const eYu = seededFloats(NU * DY, 65);
const eZu = seededFloats(NU * DZ, 66);
const pMu = seededFloats(DY, 67, -0.5, 0.5);
const pLv = seededFloats(DY, 68, -0.5, 0.5);

const wYm = weight(DX, DY, 70);
const wYl = weight(DX, DY, 71);
const wZm = weight(DX + DY, DZ, 72);
const wZl = weight(DX + DY, DZ, 73);
const wD = weight(DZ + DY, DX, 74);

const mean = (v: number[]): number => v.reduce((s, t) => s + t, 0) / v.length;

// Reference in plain JS: the formulas of the doc block, term by term.
function reference(c: SemiSupervisedConfig, beta: number) {
  const part = (
    x: ArrayLike<number>,
    n: number,
    y: number[] | null,
    eY: ArrayLike<number> | null,
    eZ: ArrayLike<number>,
  ) => {
    const my = jsMatMul(x, wYm.v, n, DX, DY);
    const ly = jsMatMul(x, wYl.v, n, DX, DY);
    const yy = y ?? my.map((m, i) => m + Math.exp(ly[i] / 2) * (eY as ArrayLike<number>)[i]);
    const h = jsConcat(x, yy, n, DX, DY);
    const mz = jsMatMul(h, wZm.v, n, DX + DY, DZ);
    const lz = jsMatMul(h, wZl.v, n, DX + DY, DZ);
    const z = mz.map((m, i) => m + Math.exp(lz[i] / 2) * eZ[i]);
    const xHat = jsMatMul(jsConcat(z, yy, n, DZ, DY), wD.v, n, DZ + DY, DX);
    const rec = Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let k = 0; k < DX; k++) s += Math.abs(x[i * DX + k] - xHat[i * DX + k]);
      return c.recReduction === 'sum' ? s : s / DX;
    });
    return { my, ly, rec, klZ: jsKl(mz, lz, n, DZ), xHat };
  };
  const s = part(xs, NS, Array.from(ys), null, eZs);
  const poseNll = Array.from({ length: NS }, (_, i) => {
    let t = 0;
    for (let k = 0; k < DY; k++) {
      if (!vis[i * 2 + (k >> 1)]) continue;
      const q = i * DY + k;
      t += 0.5 * (Math.log(2 * Math.PI) + s.ly[q] + (ys[q] - s.my[q]) ** 2 / Math.exp(s.ly[q]));
    }
    return t;
  });
  const lossS = s.rec.map((r, i) => c.lambdaRec * r + beta * s.klZ[i] + c.alpha * poseNll[i]);
  const u = part(xu, NU, null, eYu, eZu);
  const klY = jsKl(u.my, u.ly, NU, DY, pMu, pLv);
  const lossU = u.rec.map((r, i) => c.lambdaRec * r + beta * u.klZ[i] + c.betaY * klY[i]);
  const sum = (v: number[]): number => v.reduce((a, b) => a + b, 0);
  return {
    loss: (sum(lossU) + c.gamma * sum(lossS)) / (NS + NU),
    lossOnlyS: (c.gamma * sum(lossS)) / NS,
    lossOnlyU: sum(lossU) / NU,
    terms: {
      recS: mean(s.rec),
      klZS: mean(s.klZ),
      poseNll: mean(poseNll),
      lossS: mean(lossS),
      recU: mean(u.rec),
      klZU: mean(u.klZ),
      klYU: mean(klY),
      lossU: mean(lossU),
    },
    xHat: [...s.xHat, ...u.xHat],
  };
}

describe.each(TEST_BACKENDS)('semiSupervisedLoss on %s', (backend) => {
  let free = (): void => undefined;
  beforeAll(async () => {
    await useBackend(backend);
    free = materialize([wYm, wYl, wZm, wZl, wD]);
  });
  afterAll(() => free());

  const nets = {
    encodePose: (x: tf.Tensor) => ({
      mu: tf.matMul(x as tf.Tensor2D, wYm.t),
      logvar: tf.matMul(x as tf.Tensor2D, wYl.t),
    }),
    encodeAppearance: (x: tf.Tensor, y: tf.Tensor) => {
      const h = tf.concat([x, y], 1) as tf.Tensor2D;
      return { mu: tf.matMul(h, wZm.t), logvar: tf.matMul(h, wZl.t) };
    },
    decode: (z: tf.Tensor, y: tf.Tensor) => tf.matMul(tf.concat([z, y], 1) as tf.Tensor2D, wD.t),
  };

  function inputs() {
    return {
      batch: {
        labelled: { x: tf.tensor2d(xs, [NS, DX]), y: tf.tensor2d(ys, [NS, DY]), visible: tf.tensor2d(vis, [NS, 2]) },
        unlabelled: { x: tf.tensor2d(xu, [NU, DX]) },
      },
      noise: {
        zLabelled: tf.tensor2d(eZs, [NS, DZ]),
        yUnlabelled: tf.tensor2d(eYu, [NU, DY]),
        zUnlabelled: tf.tensor2d(eZu, [NU, DZ]),
      },
      prior: { mu: tf.tensor1d(pMu), logvar: tf.tensor1d(pLv) },
    };
  }

  for (const partial of [{}, { alpha: 0.5, gamma: 3, betaY: 0.2, lambdaRec: 2, recReduction: 'mean' as const }]) {
    it(`every term matches the plain-JS formulas, config ${JSON.stringify(partial)}`, () => {
      const c = validateSemiSupervisedConfig(partial);
      const ref = reference(c, 0.6);
      const { batch, noise, prior } = inputs();
      const r = semiSupervisedLoss(nets, batch, { prior, noise, beta: 0.6, config: partial });
      expectTensorsClose(r.loss, [ref.loss], { rtol: 1e-4, atol: 1e-5 });
      expect(Object.keys(r.terms).sort()).toEqual(Object.keys(ref.terms).sort());
      for (const [k, v] of Object.entries(ref.terms)) expectTensorsClose(r.terms[k], [v], { rtol: 1e-4, atol: 1e-5 });
      expectTensorsClose(r.xHat, ref.xHat, { rtol: 1e-4, atol: 1e-5 });
      const onlyS = semiSupervisedLoss(
        nets,
        { labelled: batch.labelled },
        { prior, noise, beta: 0.6, config: partial },
      );
      expectTensorsClose(onlyS.loss, [ref.lossOnlyS], { rtol: 1e-4, atol: 1e-5 });
      expect(Object.keys(onlyS.terms).sort()).toEqual(['klZS', 'lossS', 'poseNll', 'recS']);
      expect(onlyS.unlabelled).toBeNull();
      const onlyU = semiSupervisedLoss(
        nets,
        { unlabelled: batch.unlabelled },
        { prior, noise, beta: 0.6, config: partial },
      );
      expectTensorsClose(onlyU.loss, [ref.lossOnlyU], { rtol: 1e-4, atol: 1e-5 });
      tf.dispose([r, onlyS, onlyU, batch, noise, prior] as unknown as tf.TensorContainer);
    });
  }

  it("supervisedPoseLoss = α·mean(−log q(y*|x)) of the labelled rows (the plain-JS NLL, = semiSupervisedLoss's poseNll); poseRegressionNll per row; nothing leaks", async () => {
    const { batch, noise, prior } = inputs();
    // plain JS: −log q(y*|x) per labelled row over its visible coordinates
    const my = jsMatMul(xs, wYm.v, NS, DX, DY);
    const ly = jsMatMul(xs, wYl.v, NS, DX, DY);
    const perRow = Array.from({ length: NS }, (_, i) => {
      let t = 0;
      for (let k = 0; k < DY; k++) {
        if (!vis[i * 2 + (k >> 1)]) continue;
        const q = i * DY + k;
        t += 0.5 * (Math.log(2 * Math.PI) + ly[q] + (ys[q] - my[q]) ** 2 / Math.exp(ly[q]));
      }
      return t;
    });
    await expectNoLeak(() => {
      const r = supervisedPoseLoss(nets, batch.labelled, { config: { alpha: 0.7 } });
      expectTensorsClose(r.terms.poseNll, [mean(perRow)], { rtol: 1e-4, atol: 1e-5 });
      expectTensorsClose(r.loss, [0.7 * mean(perRow)], { rtol: 1e-4, atol: 1e-5 });
      expect(Object.keys(r.terms)).toEqual(['poseNll']);
      const s = semiSupervisedLoss(nets, { labelled: batch.labelled }, { prior, noise, config: { alpha: 0.7 } });
      expectTensorsClose(r.terms.poseNll, s.terms.poseNll, { rtol: 1e-6, atol: 1e-6 });
      const per = tf.tidy(() =>
        poseRegressionNll(batch.labelled.y, nets.encodePose(batch.labelled.x), batch.labelled.visible),
      );
      expectTensorsClose(per, perRow, { rtol: 1e-4, atol: 1e-5 });
      tf.dispose([r, s, per] as unknown as tf.TensorContainer);
      expect(() => supervisedPoseLoss(nets, batch.labelled, { config: { alpha: -1 } })).toThrow(
        expect.objectContaining({ code: 'E_CONFIG' }),
      );
      expect(() => supervisedPoseLoss(nets, { x: batch.labelled.x, y: batch.unlabelled.x })).toThrow(
        expect.objectContaining({ code: 'E_SHAPE' }),
      );
    });
    tf.dispose([batch, noise, prior] as unknown as tf.TensorContainer);
  });

  it('with prior.invCholesky, KL(bottom) is the full-covariance KL (logvar ignored), and nothing leaks', async () => {
    const { batch, noise, prior } = inputs();
    // A = L⁻¹ of some lower-triangular L with a positive diagonal
    const a = seededFloats(DY * DY, 69, -0.4, 0.4).map((v, i) =>
      i % (DY + 1) === 0 ? 1 + Math.abs(v) : Math.floor(i / DY) > i % DY ? v : 0,
    );
    const A = tf.tensor2d(a, [DY, DY]);
    const junkLv = tf.fill([DY], 5);
    await expectNoLeak(() => {
      const r = semiSupervisedLoss(
        nets,
        { unlabelled: batch.unlabelled },
        { prior: { mu: prior.mu, logvar: junkLv, invCholesky: A }, noise },
      );
      const q = nets.encodePose(batch.unlabelled.x);
      const want = tf.tidy(() => klNormalFullCovariance(q.mu, q.logvar, prior.mu, A));
      expectTensorsClose(r.terms.klYU, want, { rtol: 1e-5, atol: 1e-5 });
      const diag = semiSupervisedLoss(nets, { unlabelled: batch.unlabelled }, { prior, noise });
      expect(
        Math.abs((r.terms.klYU.dataSync()[0] as number) - (diag.terms.klYU.dataSync()[0] as number)),
      ).toBeGreaterThan(1e-3);
      tf.dispose([r, diag, q, want] as unknown as tf.TensorContainer);
    });
    tf.dispose([batch, noise, prior, A, junkLv] as unknown as tf.TensorContainer);
  });

  it('poseReconGrad scales the reconstruction gradient that reaches q(y|x) through ŷ, and nothing else', async () => {
    const { batch, noise, prior } = inputs();
    const unlabelled = { unlabelled: batch.unlabelled };
    // q(y|x)'s mean weights as the argument; KL(bottom) off, so q(y|x)'s mean learns only through ŷ
    const run = (share: number) =>
      tf.tidy(() => {
        const f = (w: tf.Tensor) =>
          semiSupervisedLoss(
            {
              ...nets,
              encodePose: (x) => ({
                mu: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
                logvar: tf.matMul(x as tf.Tensor2D, wYl.t),
              }),
            },
            unlabelled,
            {
              prior,
              noise,
              config: { betaY: 0, poseReconGrad: share },
            },
          ).loss;
        const { value, grad } = tf.valueAndGrad(f)(wYm.t);
        return { value: value.arraySync() as number, grad: grad.arraySync() as number[][] };
      });
    await expectNoLeak(() => {
      const full = run(1);
      const half = run(0.5);
      const none = run(0);
      // the forward pass is the same; the gradient scales with the share
      expect(half.value).toBeCloseTo(full.value, 5);
      expect(none.value).toBeCloseTo(full.value, 5);
      expect(Math.max(...full.grad.flat().map(Math.abs))).toBeGreaterThan(1e-3);
      half.grad.flat().forEach((g, i) => expect(g).toBeCloseTo(0.5 * full.grad.flat()[i], 4));
      none.grad.flat().forEach((g) => expect(g).toBe(0));
      expect(() => semiSupervisedLoss(nets, unlabelled, { prior, noise, config: { poseReconGrad: 1.5 } })).toThrow(
        expect.objectContaining({ code: 'E_CONFIG' }),
      );
    });
    tf.dispose([batch, noise, prior] as unknown as tf.TensorContainer);
  });

  it('a seed replaces explicit noise reproducibly; frees everything; validates', async () => {
    const { batch, noise, prior } = inputs();
    await expectNoLeak(() => {
      const a = semiSupervisedLoss(nets, batch, { prior, noise: 4 });
      const b = semiSupervisedLoss(nets, batch, { prior, noise: 4 });
      expectTensorsClose(a.loss, b.loss, { atol: 0, rtol: 0 });
      tf.dispose([a, b] as unknown as tf.TensorContainer);
      expect(() => semiSupervisedLoss(nets, {}, { prior, noise: 1 })).toThrow(
        expect.objectContaining({ code: 'E_EMPTY' }),
      );
      expect(() => semiSupervisedLoss(nets, batch, { prior, noise: 1, config: { alpha: -1 } })).toThrow(
        expect.objectContaining({ code: 'E_CONFIG' }),
      );
      expect(() =>
        semiSupervisedLoss(nets, batch, { prior, noise: 1, config: { gama: 1 } as Partial<SemiSupervisedConfig> }),
      ).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
      expect(() => semiSupervisedLoss(nets, batch, { prior, noise: { zLabelled: noise.zLabelled } })).toThrow(
        expect.objectContaining({ code: 'E_ARG' }),
      );
      expect(() =>
        semiSupervisedLoss(nets, { labelled: { x: batch.labelled.x, y: batch.unlabelled.x } }, { prior, noise: 1 }),
      ).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    });
    tf.dispose([batch, noise, prior] as unknown as tf.TensorContainer);
  });
});

describe('semiSupervisedLoss is trainable (cpu)', () => {
  beforeAll(() => useBackend('cpu'));
  it('Adam on tiny linear networks lowers L_SS and the pose NLL, and learns q(y|x) on the labelled part', async () => {
    const v = (a: number, b: number, s: number) =>
      tf.tidy(() => tf.variable(tf.tensor2d(seededFloats(a * b, s, -0.3, 0.3), [a, b])));
    const p = {
      ym: v(DX, DY, 81),
      yl: v(DX, DY, 82),
      zm: v(DX + DY, DZ, 83),
      zl: v(DX + DY, DZ, 84),
      d: v(DZ + DY, DX, 85),
    };
    const nets = {
      encodePose: (x: tf.Tensor) => ({
        mu: tf.matMul(x as tf.Tensor2D, p.ym),
        logvar: tf.matMul(x as tf.Tensor2D, p.yl),
      }),
      encodeAppearance: (x: tf.Tensor, y: tf.Tensor) => {
        const h = tf.concat([x, y], 1) as tf.Tensor2D;
        return { mu: tf.matMul(h, p.zm), logvar: tf.matMul(h, p.zl) };
      },
      decode: (z: tf.Tensor, y: tf.Tensor) => tf.matMul(tf.concat([z, y], 1) as tf.Tensor2D, p.d),
    };
    const batch = {
      labelled: { x: tf.tensor2d(xs, [NS, DX]), y: tf.tensor2d(ys, [NS, DY]) },
      unlabelled: { x: tf.tensor2d(xu, [NU, DX]) },
    };
    const prior = { mu: tf.zeros([DY]), logvar: tf.zeros([DY]) };
    const opt = tf.train.adam(0.02);
    const losses: number[] = [];
    const nll: number[] = [];
    const poseError = async (): Promise<number> => {
      const err = tf.tidy(() => tf.mean(tf.abs(tf.sub(nets.encodePose(batch.labelled.x).mu, batch.labelled.y))));
      const e = (await err.data())[0];
      err.dispose();
      return e;
    };
    const errBefore = await poseError();
    let afterFirst = 0;
    for (let step = 0; step < 150; step++) {
      let poseNll: tf.Tensor | null = null;
      const cost = opt.minimize(() => {
        const r = semiSupervisedLoss(nets, batch, { prior, noise: step * 3, config: { alpha: 1 } });
        poseNll = tf.keep(r.terms.poseNll);
        return r.loss;
      }, true) as tf.Scalar;
      losses.push((await cost.data())[0]);
      nll.push((await (poseNll as unknown as tf.Tensor).data())[0]);
      tf.dispose([cost, poseNll as unknown as tf.Tensor]);
      if (step === 0) afterFirst = tf.memory().numTensors; // after Adam created its slots
    }
    const avg = (a: number[]) => a.reduce((s, t) => s + t, 0) / a.length;
    expect(avg(losses.slice(-10))).toBeLessThan(0.5 * avg(losses.slice(0, 10)));
    expect(avg(nll.slice(-10))).toBeLessThan(avg(nll.slice(0, 10)) - 1);
    expect(tf.memory().numTensors).toBe(afterFirst);
    const errAfter = await poseError();
    expect(errAfter).toBeLessThan(errBefore / 3);
    tf.dispose([batch.labelled.x, batch.labelled.y, batch.unlabelled.x, prior.mu, prior.logvar, ...Object.values(p)]);
    opt.dispose();
  });
});
