/*
 * A value derived from variables (e.g. eval-mode weights with folded norms), rebuilt when any of them changed.
 * A tfjs Variable gets a new dataId on every assign (training steps, weight loads), so comparing dataIds finds
 * stale weights without reading them.
 */
import * as tf from '@tensorflow/tfjs-core';

export class PreparedCache<P> {
  private value: P | null = null;
  private own: tf.Tensor[] = [];
  private ids: unknown[] = [];
  private vars: readonly tf.Variable[] | null = null;

  /**
   * @param variables what the value derives from (read once, at the first `get`)
   * @param build makes the value and lists the tensors it holds; it runs in a tidy, the tensors it made are
   *   kept past any enclosing tidy and freed on rebuild and dispose, the variables it passes through are not
   */
  constructor(
    private readonly variables: () => readonly tf.Variable[],
    private readonly build: () => { value: P; tensors: tf.Tensor[] },
  ) {}

  /** The value, current with the variables. Call outside or inside a tidy. */
  get(): P {
    const vars = (this.vars ??= this.variables());
    if (this.value !== null && vars.every((v, i) => v.dataId === this.ids[i])) return this.value;
    this.dispose();
    let value!: P;
    const made = tf.tidy(() => {
      const r = this.build();
      value = r.value;
      return r.tensors;
    });
    this.own = made.filter((t) => !(t instanceof tf.Variable)).map((t) => tf.keep(t));
    this.value = value;
    this.ids = vars.map((v) => v.dataId);
    return value;
  }

  /** Frees the tensors of the value (the next `get` rebuilds it). */
  dispose(): void {
    tf.dispose(this.own);
    this.own = [];
    this.value = null;
  }
}
