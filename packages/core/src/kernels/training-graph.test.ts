/*
 * A small conditional VAE-GAN-like graph that uses every op a DGPose training step needs, run
 * forward + backward on wasm (a missing wasm kernel or gradient fails here), compared with the
 * stock cpu backend, and checked against finite differences.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers the gradients
import { seededFloats, useBackend } from '@dgpose/test-utils';
import { registerConv2DBackpropFilter } from './conv2d-backprop-filter';
import { registerWasmConv2DBackpropInput } from './wasm-conv2d-backprop-input';
import { registerCpuResizeNearestNeighborGrad } from './cpu-resize-nearest-neighbor-grad';
import { registerWasmMemoryKernels } from './wasm-memory-kernels';
import { registerWasmBatchMatMul } from './wasm-batch-matmul';
import { buildCvaeGan, makeBatch } from '../../bench/cvae-gan';

const B = 2;
const S = 8;
const J = 4; // pose channels
const Z = 4;

const SHAPES: Record<string, number[]> = {
  // generator side (encoder + decoder)
  e1: [4, 4, 3 + J, 6],
  e1b: [6],
  e2: [3, 3, 6, 8],
  ed: [2 * 2 * 8, 2 * Z],
  edb: [2 * Z],
  dz: [Z, 2 * 2 * 8],
  dt1: [4, 4, 6, 8 + J],
  dg: [6],
  dbeta: [6],
  dc: [3, 3, 6 + J, 4],
  // discriminator
  k1: [3, 3, 3 + J, 6],
  k2: [3, 3, 6, 1],
};
const G_NAMES = ['e1', 'e1b', 'e2', 'ed', 'edb', 'dz', 'dt1', 'dg', 'dbeta', 'dc'];
const D_NAMES = ['k1', 'k2'];

type P = Record<string, tf.Tensor>;

function params(prefix: string): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  Object.entries(SHAPES).forEach(([k, shape], i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length === 4 ? shape[0] * shape[1] * shape[2] : shape.length === 2 ? shape[0] : 4;
    const scale = k === 'dg' ? 0 : 1.5 / Math.sqrt(fanIn);
    const v = seededFloats(n, 1000 + i, -scale, scale);
    if (k === 'dg') v.fill(1);
    out[k] = tf.tidy(() => tf.variable(tf.tensor(v, shape), true, `${prefix}/${k}`));
  });
  return out;
}

const lrelu = (x: tf.Tensor) => tf.leakyRelu(x, 0.2);
function instanceNorm(x: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
}
function batchNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2], true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
}

function generator(p: P, img: tf.Tensor4D, pose: tf.Tensor4D, eps: tf.Tensor2D) {
  // encoder: explicit pad + valid 4x4 s2 conv, leakyRelu, instance norm, 3x3 s2 'same' conv, relu, dense
  let h: tf.Tensor = tf.conv2d(
    tf.pad(tf.concat([img, pose], 3), [
      [0, 0],
      [1, 2],
      [1, 2],
      [0, 0],
    ]) as tf.Tensor4D,
    p.e1 as tf.Tensor4D,
    2,
    'valid',
  );
  h = instanceNorm(lrelu(tf.add(h, p.e1b)));
  h = tf.relu(tf.conv2d(h as tf.Tensor4D, p.e2 as tf.Tensor4D, 2, 'same'));
  const stats = tf.add(tf.matMul(tf.reshape(h, [B, 2 * 2 * 8]) as tf.Tensor2D, p.ed as tf.Tensor2D), p.edb);
  const mu = tf.slice(stats, [0, 0], [B, Z]);
  const logvar = tf.slice(stats, [0, Z], [B, Z]);
  const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps));
  // decoder: dense, pose skips (bilinear and nearest downsampling), conv2dTranspose, batch norm,
  // nearest upsampling + conv, tanh colour gated by a sigmoid
  let d = lrelu(tf.reshape(tf.matMul(z, p.dz as tf.Tensor2D), [B, 2, 2, 8]));
  d = tf.concat([d, tf.image.resizeBilinear(pose, [2, 2])], 3);
  d = tf.conv2dTranspose(d as tf.Tensor4D, p.dt1 as tf.Tensor4D, [B, 4, 4, 6], 2, 'same');
  d = tf.relu(batchNorm(d, p.dg, p.dbeta));
  d = tf.image.resizeNearestNeighbor(tf.concat([d, tf.image.resizeNearestNeighbor(pose, [4, 4])], 3) as tf.Tensor4D, [
    S,
    S,
  ]);
  const o = tf.conv2d(d as tf.Tensor4D, p.dc as tf.Tensor4D, 1, 'same');
  const rgb = tf.tanh(tf.slice(o, [0, 0, 0, 0], [B, S, S, 3]));
  const gate = tf.sigmoid(tf.slice(o, [0, 0, 0, 3], [B, S, S, 1]));
  return { xhat: tf.mul(rgb, gate) as tf.Tensor4D, mu, logvar };
}

function discriminator(p: P, img: tf.Tensor4D, pose: tf.Tensor4D): tf.Tensor {
  const h = lrelu(tf.conv2d(tf.concat([img, pose], 3) as tf.Tensor4D, p.k1 as tf.Tensor4D, 2, 'same'));
  return tf.conv2d(h as tf.Tensor4D, p.k2 as tf.Tensor4D, 1, 'valid'); // PatchGAN logits [B,2,2,1]
}

interface Batch {
  img: tf.Tensor4D;
  pose: tf.Tensor4D;
  eps: tf.Tensor2D;
  mask: tf.Tensor4D; // bool, where the L1 term counts
}
function batch(): Batch {
  return tf.tidy(() => ({
    img: tf.tensor4d(seededFloats(B * S * S * 3, 1), [B, S, S, 3]),
    pose: tf.tensor4d(seededFloats(B * S * S * J, 2, 0, 1), [B, S, S, J]),
    eps: tf.tensor2d(seededFloats(B * Z, 3), [B, Z]),
    mask: tf.greater(tf.tensor4d(seededFloats(B * S * S * 3, 4, 0, 1), [B, S, S, 3]), 0.2) as tf.Tensor4D,
  }));
}

function generatorLoss(p: P, x: Batch): tf.Scalar {
  const { xhat, mu, logvar } = generator(p, x.img, x.pose, x.eps);
  const diff = tf.sub(xhat, x.img);
  const l1 = tf.mean(tf.where(x.mask, tf.abs(diff), tf.zerosLike(diff)));
  const kl = tf.mul(0.5, tf.mean(tf.sub(tf.sub(tf.add(tf.exp(logvar), tf.square(mu)), 1), logvar)));
  const adv = tf.mean(tf.softplus(tf.neg(discriminator(p, xhat, x.pose))));
  const l1mu = tf.mean(tf.mul(tf.sign(mu), mu)); // |mu| through sign (gradient: sign(mu))
  return tf.addN([l1, tf.mul(0.1, kl), tf.mul(0.1, adv), tf.mul(0.01, l1mu)]) as tf.Scalar;
}

function discriminatorLoss(p: P, x: Batch, fake: tf.Tensor4D): tf.Scalar {
  const real = discriminator(p, x.img, x.pose);
  const fakeLogits = discriminator(p, fake, x.pose);
  const bce = tf.neg(
    tf.add(
      tf.mean(tf.log(tf.add(tf.sigmoid(real), 1e-6))),
      tf.mean(tf.log(tf.add(tf.sub(1, tf.sigmoid(fakeLogits)), 1e-6))),
    ),
  );
  const hinge = tf.add(tf.mean(tf.maximum(0, tf.sub(1, real))), tf.mean(tf.maximum(0, tf.add(1, fakeLogits))));
  return tf.add(bce, tf.mul(0.5, hinge)) as tf.Scalar;
}

async function gradsOn(
  backend: 'cpu' | 'wasm',
): Promise<{ g: Record<string, Float32Array>; lossG: number; lossD: number }> {
  await useBackend(backend);
  const vars = params(`grads-${backend}`);
  const x = batch();
  const gVars = G_NAMES.map((n) => vars[n]);
  const dVars = D_NAMES.map((n) => vars[n]);
  const gG = tf.variableGrads(() => generatorLoss(vars, x), gVars);
  const fake = tf.tidy(() => generator(vars, x.img, x.pose, x.eps).xhat);
  const gD = tf.variableGrads(() => discriminatorLoss(vars, x, fake), dVars);
  const g: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries({ ...gG.grads, ...gD.grads }))
    g[name.split('/')[1]] = (await t.data()) as Float32Array;
  const out = { g, lossG: (await gG.value.data())[0], lossD: (await gD.value.data())[0] };
  tf.dispose([
    gG.value,
    gD.value,
    ...Object.values(gG.grads),
    ...Object.values(gD.grads),
    fake,
    x.img,
    x.pose,
    x.eps,
    x.mask,
  ]);
  tf.dispose(Object.values(vars));
  return out;
}

const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

describe('a conditional VAE-GAN training graph on wasm', () => {
  beforeAll(() => {
    tf.enableProdMode();
    // every wasm kernel initBackend registers
    registerWasmMemoryKernels(tf);
    registerWasmBatchMatMul(tf);
    registerConv2DBackpropFilter(tf, 'wasm');
    registerWasmConv2DBackpropInput(tf);
    // the cpu reference keeps its stock conv kernels but needs the resize-gradient fix (batch 2)
    registerCpuResizeNearestNeighborGrad(tf);
  });

  test('every gradient exists on wasm, is finite and matches the stock cpu backend', async () => {
    const w = await gradsOn('wasm');
    const c = await gradsOn('cpu');
    expect(Math.abs(w.lossG - c.lossG)).toBeLessThan(1e-5 * Math.max(1, Math.abs(c.lossG)));
    expect(Math.abs(w.lossD - c.lossD)).toBeLessThan(1e-5 * Math.max(1, Math.abs(c.lossD)));
    expect(Object.keys(w.g).sort()).toEqual([...G_NAMES, ...D_NAMES].sort());
    for (const name of Object.keys(w.g)) {
      const a = w.g[name];
      const b = c.g[name];
      expect(a.every(Number.isFinite)).toBe(true);
      expect(norm(b)).toBeGreaterThan(0);
      const diff = norm(a.map((v, i) => v - b[i]));
      if (diff > 1e-4 * norm(b)) throw new Error(`${name}: |wasm - cpu| / |cpu| = ${diff / norm(b)}`);
    }
  });

  test('wasm gradients match central finite differences (direction: gradient + random)', async () => {
    await useBackend('wasm');
    const vars = params('fd');
    const x = batch();
    const fake = tf.tidy(() => generator(vars, x.img, x.pose, x.eps).xhat);
    const lossG = () => generatorLoss(vars, x);
    const lossD = () => discriminatorLoss(vars, x, fake);
    const value = async (f: () => tf.Scalar) => {
      const t = tf.tidy(f);
      const v = (await t.data())[0];
      t.dispose();
      return v;
    };
    const failures: string[] = [];
    for (const [names, f] of [
      [G_NAMES, lossG],
      [D_NAMES, lossD],
    ] as const) {
      const { value: v0, grads } = tf.variableGrads(
        f,
        names.map((n) => vars[n]),
      );
      for (const [i, name] of names.entries()) {
        const p = vars[name];
        const g = (await grads[p.name].data()) as Float32Array;
        // half along the gradient (a strong signal over float32 rounding), half random
        const rnd = seededFloats(g.length, 77 + i);
        const nr = norm(rnd);
        const ng = norm(g);
        const dir = rnd.map((r, k) => r / nr + g[k] / ng);
        const nd = norm(dir);
        dir.forEach((d, k) => (dir[k] = d / nd));
        const analytic = g.reduce((s, gv, k) => s + gv * dir[k], 0);
        const orig = p.clone();
        const h = 1e-2;
        const at = async (t: number) => {
          tf.tidy(() => p.assign(tf.add(orig, tf.mul(tf.tensor(dir, p.shape), t))));
          return value(f);
        };
        const fd = ((await at(h)) - (await at(-h))) / (2 * h);
        p.assign(orig);
        orig.dispose();
        if (!(Math.abs(fd - analytic) <= 2e-4 + 3e-2 * Math.abs(analytic)))
          failures.push(`${name}: fd ${fd} vs analytic ${analytic}`);
      }
      tf.dispose([v0, ...Object.values(grads)]);
    }
    tf.dispose([fake, x.img, x.pose, x.eps, x.mask, ...Object.values(vars)]);
    expect(failures).toEqual([]);
  });

  test('Adam training steps on wasm keep tensors and backend data flat', async () => {
    await useBackend('wasm');
    const vars = params('train');
    const x = batch();
    const optG = tf.train.adam(1e-3);
    const optD = tf.train.adam(1e-3);
    const counts: [number, number][] = [];
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) {
      const cg = optG.minimize(
        () => generatorLoss(vars, x),
        true,
        G_NAMES.map((n) => vars[n]),
      )!;
      const fake = tf.tidy(() => generator(vars, x.img, x.pose, x.eps).xhat);
      const cd = optD.minimize(
        () => discriminatorLoss(vars, x, fake),
        true,
        D_NAMES.map((n) => vars[n]),
      )!;
      losses.push((await cg.data())[0], (await cd.data())[0]);
      tf.dispose([cg, cd, fake]);
      counts.push([tf.memory().numTensors, (tf.backend() as unknown as { numDataIds(): number }).numDataIds()]);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    // Adam creates its moments at the first step; from then on nothing grows
    expect(counts.slice(1)).toEqual([counts[1], counts[1], counts[1]]);
    optG.dispose();
    optD.dispose();
    tf.dispose([x.img, x.pose, x.eps, x.mask, ...Object.values(vars)]);
  });

  test("the benchmark's reference cVAE-GAN trains on wasm (16x16, batch 2)", async () => {
    await useBackend('wasm');
    const model = buildCvaeGan({ size: 16, batch: 2, zDim: 8, base: 4 });
    const x = makeBatch(model.config);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { lossG, lossD } = await model.trainStep(x);
      expect(Number.isFinite(lossG) && Number.isFinite(lossD)).toBe(true);
      counts.push(tf.memory().numTensors);
    }
    expect(counts[2]).toBe(counts[1]);
    expect(model.stepFlops).toBeGreaterThan(3 * model.forwardFlops);
    model.dispose();
    tf.dispose([x.img, x.pose, x.eps]);
  });
});
