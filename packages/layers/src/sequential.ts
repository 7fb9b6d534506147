import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, checkPositiveInt } from '@dgpose/core';
import { Module } from './module';

type TensorModule = Module<tf.Tensor, tf.Tensor>;

/**
 * Chains modules: `call(x)` = last(...(first(x))). Children are named by their keys (a record) or
 * '0', '1', ... (an array), so parameters read `2.conv.kernel` or `block2.conv.kernel`.
 */
export class Sequential extends Module {
  private readonly order: TensorModule[] = [];

  constructor(layers: TensorModule[] | Record<string, TensorModule> = []) {
    super('sequential');
    if (Array.isArray(layers)) layers.forEach((m) => this.add(m));
    else for (const [k, m] of Object.entries(layers)) this.add(m, k);
  }

  /** Appends `module` under `key` (default: its index). Returns this. */
  add(module: TensorModule, key?: string): this {
    this.addModule(key ?? String(this.order.length), module);
    this.order.push(module);
    return this;
  }

  /** Number of layers. */
  get length(): number {
    return this.order.length;
  }

  /** The layers in order. */
  layers(): TensorModule[] {
    return [...this.order];
  }

  call(x: tf.Tensor): tf.Tensor {
    this.assertLive();
    if (this.order.length === 0) return tf.clone(x);
    let y = x;
    for (const m of this.order) y = m.call(y);
    return y;
  }
}

/** Factory for {@link Sequential}. */
export function sequential(layers: TensorModule[] | Record<string, TensorModule> = []): Sequential {
  return new Sequential(layers);
}

/** [N, ...] -> [N, prod(...)]. Parameter-free. */
export class Flatten extends Module {
  constructor() {
    super('flatten');
  }
  call(x: tf.Tensor): tf.Tensor2D {
    this.assertLive();
    if (x.rank < 1) this.checkInput(x, [-1]);
    const per = x.shape.slice(1).reduce((a, b) => a * b, 1);
    return tf.reshape(x, [x.shape[0], per]) as tf.Tensor2D;
  }
}

/** Factory for {@link Flatten}. */
export function flatten(): Flatten {
  return new Flatten();
}

export interface ReshapeArgs {
  /** Per-sample target shape (batch axis excluded); positive integers. */
  targetShape: number[];
}

/** [N, ...] -> [N, ...targetShape]; E_SHAPE when the per-sample sizes differ. Parameter-free. */
export class Reshape extends Module {
  readonly targetShape: number[];
  constructor(args: ReshapeArgs) {
    super('reshape');
    if (!Array.isArray(args?.targetShape) || args.targetShape.length === 0) {
      throw new DGPoseError('E_CONFIG', 'reshape: targetShape must be a non-empty array', {
        argument: 'targetShape',
        expected: 'a non-empty number[]',
        got: args?.targetShape,
      });
    }
    this.targetShape = args.targetShape.map((d) => checkPositiveInt('targetShape', d, { where: 'reshape' }));
  }
  call(x: tf.Tensor): tf.Tensor {
    this.assertLive();
    const per = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const want = this.targetShape.reduce((a, b) => a * b, 1);
    if (x.rank < 1 || per !== want) {
      throw new DGPoseError(
        'E_SHAPE',
        `${this.label} (reshape): input does not hold [N, ${this.targetShape.join(', ')}]`,
        {
          argument: this.label,
          expected: `[N, ...] with ${want} values per sample`,
          got: [...x.shape],
        },
      );
    }
    return tf.reshape(x, [x.shape[0], ...this.targetShape]);
  }
}

/** Factory for {@link Reshape}. */
export function reshape(args: ReshapeArgs): Reshape {
  return new Reshape(args);
}
