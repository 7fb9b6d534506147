/*
 * Reference conditional VAE-GAN for the backend benchmark, in raw tfjs-core ops (NHWC), so that
 * it depends on nothing but tfjs: an encoder of 4x4 stride-2 convs, a decoder of 4x4 stride-2
 * conv2dTranspose stages with pose skips at every scale, a PatchGAN discriminator, and separate
 * Adam optimisers for the generator side (encoder + decoder) and the discriminator.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface CvaeGanConfig {
  /** Image side (a multiple of 16). */
  size: number;
  batch: number;
  /** Pose heatmap channels (COCO-18). */
  joints: number;
  /** Latent size. */
  zDim: number;
  /** Channels of the first encoder conv; later stages double it up to 8x. */
  base: number;
}
export const DEFAULT_BENCH_CONFIG: CvaeGanConfig = { size: 64, batch: 8, joints: 18, zDim: 128, base: 32 };

/** One conv/dense layer for FLOP counting: multiply-adds of one forward pass. */
interface LayerCost {
  name: string;
  part: 'G' | 'D';
  macs: number;
  /** Whether the backward pass needs this layer's input gradient (false for a first layer on data). */
  needsDx: boolean;
}

export interface CvaeGan {
  config: CvaeGanConfig;
  /** Multiply-adds of the conv and dense layers, forward, per batch. */
  layers: LayerCost[];
  /** FLOPs of one training step (tfjs-backends.md §3: 2 FLOPs per MAC, backward = 2x forward except no dX on data). */
  stepFlops: number;
  /** Forward FLOPs of the generator (encoder + decoder) alone. */
  forwardFlops: number;
  /** One training step (G then D); returns plain numbers. */
  trainStep(batch: BenchBatch): Promise<{ lossG: number; lossD: number }>;
  /** Generator forward only (for a cheap speed probe). */
  forward(batch: BenchBatch): Promise<void>;
  dispose(): void;
}

export interface BenchBatch {
  img: tf.Tensor4D;
  pose: tf.Tensor4D;
  eps: tf.Tensor2D;
}

/** A deterministic batch (values in range, not a real dataset: speed does not depend on them). */
export function makeBatch(c: CvaeGanConfig, seed = 1): BenchBatch {
  return tf.tidy(() => ({
    img: tf.randomUniform([c.batch, c.size, c.size, 3], -1, 1, 'float32', seed) as tf.Tensor4D,
    pose: tf.randomUniform([c.batch, c.size, c.size, c.joints], 0, 1, 'float32', seed + 1) as tf.Tensor4D,
    eps: tf.randomNormal([c.batch, c.zDim], 0, 1, 'float32', seed + 2) as tf.Tensor2D,
  }));
}

let instances = 0;

export function buildCvaeGan(config: Partial<CvaeGanConfig> = {}): CvaeGan {
  const c = { ...DEFAULT_BENCH_CONFIG, ...config };
  const { size: S, batch: B, joints: J, zDim: Z, base: b } = c;
  const prefix = `bench${instances++}`;
  const layers: LayerCost[] = [];
  const gVars: tf.Variable[] = [];
  const dVars: tf.Variable[] = [];
  let seed = 7;
  const v = (part: 'G' | 'D', name: string, shape: number[], init: 'he' | 'zeros' | 'ones' = 'he'): tf.Variable =>
    tf.tidy(() => {
      const fanIn = shape.length === 4 ? shape[0] * shape[1] * shape[2] : shape[0];
      const t =
        init === 'zeros'
          ? tf.zeros(shape)
          : init === 'ones'
            ? tf.ones(shape)
            : tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed++);
      const out = tf.variable(t, true, `${prefix}/${part}/${name}`);
      (part === 'G' ? gVars : dVars).push(out);
      return out;
    });
  const cost = (name: string, part: 'G' | 'D', macs: number, needsDx = true) =>
    layers.push({ name, part, macs, needsDx });

  // ---- parameters and FLOP bookkeeping ----
  const enc: { w: tf.Variable; bias: tf.Variable }[] = [];
  let cin = 3 + J;
  let side = S;
  for (let i = 0; i < 4; i++) {
    const cout = b * 2 ** i;
    side /= 2;
    enc.push({ w: v('G', `enc${i}/w`, [4, 4, cin, cout]), bias: v('G', `enc${i}/b`, [cout], 'zeros') });
    cost(`enc${i} conv4x4s2 ${cin}->${cout}`, 'G', B * side * side * cout * 16 * cin, i > 0);
    cin = cout;
  }
  const top = side; // S/16
  const flat = top * top * cin;
  const encDense = { w: v('G', 'enc/dense/w', [flat, 2 * Z]), bias: v('G', 'enc/dense/b', [2 * Z], 'zeros') };
  cost(`enc dense ${flat}->${2 * Z}`, 'G', B * flat * 2 * Z);
  const topC = 8 * b;
  const decDense = {
    w: v('G', 'dec/dense/w', [Z, top * top * topC]),
    bias: v('G', 'dec/dense/b', [top * top * topC], 'zeros'),
  };
  cost(`dec dense ${Z}->${top * top * topC}`, 'G', B * Z * top * top * topC);
  const dec: { w: tf.Variable; gamma: tf.Variable; beta: tf.Variable; cout: number }[] = [];
  let dcin = topC;
  side = top;
  for (let i = 0; i < 4; i++) {
    const cout = i < 3 ? topC / 2 ** (i + 1) : b;
    const inC = dcin + J; // pose skip
    side *= 2;
    dec.push({
      w: v('G', `dec${i}/w`, [4, 4, cout, inC]),
      gamma: v('G', `dec${i}/g`, [cout], 'ones'),
      beta: v('G', `dec${i}/b`, [cout], 'zeros'),
      cout,
    });
    cost(`dec${i} convT4x4s2 ${inC}->${cout}`, 'G', B * (side / 2) * (side / 2) * inC * 16 * cout);
    dcin = cout;
  }
  const out = { w: v('G', 'out/w', [3, 3, dcin + J, 3]), bias: v('G', 'out/b', [3], 'zeros') };
  cost(`out conv3x3 ${dcin + J}->3`, 'G', B * S * S * 3 * 9 * (dcin + J));
  const disc: { w: tf.Variable; bias: tf.Variable }[] = [];
  cin = 3 + J;
  side = S;
  for (let i = 0; i < 3; i++) {
    const cout = 2 * b * 2 ** i;
    side /= 2;
    disc.push({ w: v('D', `d${i}/w`, [4, 4, cin, cout]), bias: v('D', `d${i}/b`, [cout], 'zeros') });
    cost(`D${i} conv4x4s2 ${cin}->${cout}`, 'D', B * side * side * cout * 16 * cin, i > 0);
    cin = cout;
  }
  const dOut = { w: v('D', 'dout/w', [4, 4, cin, 1]), bias: v('D', 'dout/b', [1], 'zeros') };
  cost(`D3 conv4x4s1 ${cin}->1`, 'D', B * side * side * 16 * cin);

  // ---- the graph ----
  const lrelu = (x: tf.Tensor) => tf.leakyRelu(x, 0.2);
  const instanceNorm = (x: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, [1, 2], true);
    return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
  };
  const batchNorm = (x: tf.Tensor, g: tf.Tensor, be: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2], true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), be);
  };
  const poseAt = (pose: tf.Tensor4D, s: number) => (s === S ? pose : tf.image.resizeBilinear(pose, [s, s]));

  const generator = (x: BenchBatch) => {
    let h: tf.Tensor = tf.concat([x.img, x.pose], 3);
    enc.forEach((l, i) => {
      h = tf.add(tf.conv2d(h as tf.Tensor4D, l.w as tf.Tensor4D, 2, 'same'), l.bias);
      h = lrelu(i === 0 ? h : instanceNorm(h));
    });
    const stats = tf.add(tf.matMul(tf.reshape(h, [B, flat]) as tf.Tensor2D, encDense.w as tf.Tensor2D), encDense.bias);
    const [mu, logvar] = tf.split(stats, 2, 1);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), x.eps));
    let d: tf.Tensor = lrelu(
      tf.reshape(tf.add(tf.matMul(z, decDense.w as tf.Tensor2D), decDense.bias), [B, top, top, topC]),
    );
    let s = top;
    dec.forEach((l) => {
      const inp = tf.concat([d, poseAt(x.pose, s)], 3) as tf.Tensor4D;
      s *= 2;
      d = tf.relu(
        batchNorm(tf.conv2dTranspose(inp, l.w as tf.Tensor4D, [B, s, s, l.cout], 2, 'same'), l.gamma, l.beta),
      );
    });
    const xhat = tf.tanh(
      tf.add(tf.conv2d(tf.concat([d, x.pose], 3) as tf.Tensor4D, out.w as tf.Tensor4D, 1, 'same'), out.bias),
    ) as tf.Tensor4D;
    return { xhat, mu, logvar };
  };
  const discriminator = (img: tf.Tensor4D, pose: tf.Tensor4D) => {
    let h: tf.Tensor = tf.concat([img, pose], 3);
    disc.forEach((l, i) => {
      h = tf.add(tf.conv2d(h as tf.Tensor4D, l.w as tf.Tensor4D, 2, 'same'), l.bias);
      h = lrelu(i === 0 ? h : instanceNorm(h));
    });
    return tf.add(tf.conv2d(h as tf.Tensor4D, dOut.w as tf.Tensor4D, 1, 'same'), dOut.bias);
  };

  const optG = tf.train.adam(1e-4, 0.5, 0.999);
  const optD = tf.train.adam(1e-4, 0.5, 0.999);

  async function trainStep(x: BenchBatch) {
    // generator side: L1 + 0.01·KL + 0.1·non-saturating adversarial loss; keeps x̂ for D
    let fake: tf.Tensor4D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const { xhat, mu, logvar } = generator(x);
      fake = tf.keep(xhat);
      const l1 = tf.mean(tf.abs(tf.sub(xhat, x.img)));
      const kl = tf.mul(-0.5, tf.mean(tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar)), 1)));
      const adv = tf.mean(tf.softplus(tf.neg(discriminator(xhat, x.pose))));
      return tf.addN([l1, tf.mul(0.01, kl), tf.mul(0.1, adv)]) as tf.Scalar;
    }, gVars);
    optG.applyGradients(grads as unknown as Parameters<typeof optG.applyGradients>[0]);
    tf.dispose(Object.values(grads));
    // discriminator on the real batch and the (fixed) fake batch
    const costD = optD.minimize(
      () =>
        tf.add(
          tf.mean(tf.softplus(tf.neg(discriminator(x.img, x.pose)))),
          tf.mean(tf.softplus(discriminator(fake as tf.Tensor4D, x.pose))),
        ) as tf.Scalar,
      true,
      dVars,
    ) as tf.Scalar;
    const [lossG, lossD] = [(await value.data())[0], (await costD.data())[0]];
    tf.dispose([value, costD, fake as tf.Tensor4D]);
    return { lossG, lossD };
  }

  async function forward(x: BenchBatch) {
    const y = tf.tidy(() => generator(x).xhat);
    await y.data();
    y.dispose();
  }

  // FLOPs: G step = G fwd + D fwd (fake) + D dX + G dW/dX; D step = 2 D fwd + 2 D dW + 2 D dX
  const sum = (part: 'G' | 'D', f: (l: LayerCost) => number) =>
    layers.filter((l) => l.part === part).reduce((s, l) => s + f(l), 0);
  const fG = sum('G', (l) => l.macs);
  const fD = sum('D', (l) => l.macs);
  const dxG = sum('G', (l) => (l.needsDx ? l.macs : 0));
  const dxD = sum('D', (l) => l.macs); // in the G step, D's dX reaches the image, first layer included
  const dxDnoFirst = sum('D', (l) => (l.needsDx ? l.macs : 0));
  const stepMacs = fG + fD + dxD + (fG + dxG) + 2 * fD + 2 * fD + 2 * dxDnoFirst;

  return {
    config: c,
    layers,
    stepFlops: 2 * stepMacs,
    forwardFlops: 2 * fG,
    trainStep,
    forward,
    dispose() {
      optG.dispose();
      optD.dispose();
      tf.dispose([...gVars, ...dVars]);
    },
  };
}
