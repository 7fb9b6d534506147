/* Test-only: a tiny conditional VAE-GAN built with @dgpose/layers, and a synthetic 16x16 data set. */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@dgpose/core';
import { type BatchNorm, type Conv2d, type Dense, Module, batchNorm, conv2d, dense } from '@dgpose/layers';
import type { GaussianParams } from './index';

export const SIZE = 16;
export const JOINTS = 2;
export const DZ = 4;

/**
 * 4 images [4,16,16,3] in [-1,1]: per image two Gaussian blobs at its "joints" (the pose) painted in its
 * own colour (the appearance) on a grey background; y = the joint heatmaps [4,16,16,2].
 */
export function tinyData(n = 4): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const rng = createRng(7);
  const xs = new Float32Array(n * SIZE * SIZE * 3);
  const ys = new Float32Array(n * SIZE * SIZE * JOINTS);
  for (let i = 0; i < n; i++) {
    const colour = [rng.next() * 2 - 1, rng.next() * 2 - 1, rng.next() * 2 - 1];
    const joints = Array.from({ length: JOINTS }, () => [3 + rng.next() * 10, 3 + rng.next() * 10]);
    for (let r = 0; r < SIZE; r++) {
      for (let c = 0; c < SIZE; c++) {
        let a = 0;
        joints.forEach(([jx, jy], j) => {
          const h = Math.exp(-((c - jx) ** 2 + (r - jy) ** 2) / (2 * 2.5 ** 2));
          ys[((i * SIZE + r) * SIZE + c) * JOINTS + j] = h;
          a = Math.max(a, h);
        });
        for (let k = 0; k < 3; k++) xs[((i * SIZE + r) * SIZE + c) * 3 + k] = -0.2 * (1 - a) + colour[k] * a;
      }
    }
  }
  return { x: tf.tensor4d(xs, [n, SIZE, SIZE, 3]), y: tf.tensor4d(ys, [n, SIZE, SIZE, JOINTS]) };
}

const lrelu = (t: tf.Tensor): tf.Tensor => tf.leakyRelu(t, 0.2);

/** Encoder q(z|x,y) and decoder p(x|z,y) with pose skips only (docs/paper-notes.md §4.3, ClothNet-like, tiny). */
export class TinyGenerator extends Module<tf.Tensor[], tf.Tensor> {
  private readonly e1: Conv2d;
  private readonly e2: Conv2d;
  private readonly bnE2: BatchNorm;
  private readonly head: Dense;
  private readonly fc: Dense;
  private readonly d1: Conv2d;
  private readonly bnD1: BatchNorm;
  private readonly d2: Conv2d;

  constructor(seed: number) {
    super('tinyGenerator');
    const rng = createRng(seed);
    this.e1 = this.addModule(
      'e1',
      conv2d({ inChannels: 3 + JOINTS, filters: 8, kernelSize: 4, strides: 2, padding: 1, rng }),
    );
    this.e2 = this.addModule(
      'e2',
      conv2d({ inChannels: 8, filters: 16, kernelSize: 4, strides: 2, padding: 1, bias: false, rng }),
    );
    this.bnE2 = this.addModule('bnE2', batchNorm({ channels: 16 }));
    this.head = this.addModule('head', dense({ inFeatures: 4 * 4 * 16, units: 2 * DZ, rng }));
    this.fc = this.addModule('fc', dense({ inFeatures: DZ, units: 4 * 4 * 16, rng }));
    this.d1 = this.addModule('d1', conv2d({ inChannels: 16 + JOINTS, filters: 8, kernelSize: 3, bias: false, rng }));
    this.bnD1 = this.addModule('bnD1', batchNorm({ channels: 8 }));
    this.d2 = this.addModule('d2', conv2d({ inChannels: 8 + JOINTS, filters: 3, kernelSize: 3, rng }));
  }

  encode(x: tf.Tensor, y: tf.Tensor): GaussianParams {
    const h1 = lrelu(this.e1.call(tf.concat([x, y], 3)));
    const h2 = lrelu(this.bnE2.call(this.e2.call(h1)));
    const [mu, logvar] = tf.split(this.head.call(tf.reshape(h2, [x.shape[0], -1])), 2, 1);
    return { mu, logvar };
  }

  decode(z: tf.Tensor, y: tf.Tensor): tf.Tensor {
    const n = z.shape[0];
    const h0 = tf.image.resizeBilinear(tf.reshape(this.fc.call(z), [n, 4, 4, 16]) as tf.Tensor4D, [8, 8]);
    const h1 = tf.relu(
      this.bnD1.call(this.d1.call(tf.concat([h0, tf.image.resizeBilinear(y as tf.Tensor4D, [8, 8])], 3))),
    );
    const up = tf.image.resizeBilinear(h1 as tf.Tensor4D, [SIZE, SIZE]);
    return tf.tanh(this.d2.call(tf.concat([up, y], 3)));
  }

  /** Reconstruction with z = μ. */
  call([x, y]: tf.Tensor[]): tf.Tensor {
    return this.decode(this.encode(x, y).mu, y);
  }
}

/** PatchGAN-style discriminator on concat(image, pose maps) → [N,4,4,1] logits. */
export class TinyDiscriminator extends Module<tf.Tensor[], tf.Tensor> {
  private readonly c1: Conv2d;
  private readonly c2: Conv2d;
  private readonly bn2: BatchNorm;
  private readonly out: Conv2d;

  constructor(seed: number) {
    super('tinyDiscriminator');
    const rng = createRng(seed);
    this.c1 = this.addModule(
      'c1',
      conv2d({ inChannels: 3 + JOINTS, filters: 8, kernelSize: 4, strides: 2, padding: 1, rng }),
    );
    this.c2 = this.addModule(
      'c2',
      conv2d({ inChannels: 8, filters: 16, kernelSize: 4, strides: 2, padding: 1, bias: false, rng }),
    );
    this.bn2 = this.addModule('bn2', batchNorm({ channels: 16 }));
    this.out = this.addModule('out', conv2d({ inChannels: 16, filters: 1, kernelSize: 3, rng }));
  }

  call([img, y]: tf.Tensor[]): tf.Tensor {
    const h1 = lrelu(this.c1.call(tf.concat([img, y], 3)));
    return this.out.call(lrelu(this.bn2.call(this.c2.call(h1))));
  }
}
