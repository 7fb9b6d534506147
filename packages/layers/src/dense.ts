import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import { type Initializer, type RandomArgs, initTensor, resolveRng } from './init';
import { checkPositiveInt } from '@dgpose/core';

export interface DenseArgs extends RandomArgs {
  /** Input features (last axis of a [N, inFeatures] input). */
  inFeatures: number;
  /** Output features. */
  units: number;
  /** Add a bias; default true. */
  bias?: boolean;
  /** Kernel initialiser; default 'normal' = N(0, 0.02) (ClothNet's Dense init). */
  kernelInit?: Initializer;
  /** Bias initialiser; default 'zeros'. */
  biasInit?: Initializer;
}

/** Fully connected layer: [N, inFeatures] -> [N, units]. Parameters `kernel` [in, units], `bias` [units]. */
export class Dense extends Module {
  readonly inFeatures: number;
  readonly units: number;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(args: DenseArgs) {
    super('dense');
    this.inFeatures = checkPositiveInt('inFeatures', args.inFeatures, { where: 'dense' });
    this.units = checkPositiveInt('units', args.units, { where: 'dense' });
    const rng = resolveRng(args, 'dense');
    const fans = { fanIn: this.inFeatures, fanOut: this.units };
    this.kernel = this.addParameter(
      'kernel',
      initTensor(args.kernelInit ?? 'normal', [this.inFeatures, this.units], fans, rng, 'kernelInit'),
    );
    this.bias =
      (args.bias ?? true)
        ? this.addParameter('bias', initTensor(args.biasInit ?? 'zeros', [this.units], fans, rng, 'biasInit'))
        : null;
  }

  call(x: tf.Tensor): tf.Tensor2D {
    this.assertLive();
    this.checkInput(x, [-1, this.inFeatures]);
    const y = tf.matMul(x as tf.Tensor2D, this.kernel as tf.Tensor2D);
    return (this.bias ? tf.add(y, this.bias) : y) as tf.Tensor2D;
  }
}

/** Factory for {@link Dense}. */
export function dense(args: DenseArgs): Dense {
  return new Dense(args);
}
