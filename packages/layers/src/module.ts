import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';

/** Anything a module's `call` may return: a tensor, or an array / record of tensors. */
export type ModuleOutput = tf.TensorContainer;

// tfjs keeps one global registry of variable names, so every module instance gets its own prefix
// (`dgpose/<n>/<key>`). The counter lives on globalThis so that an ESM and a CJS copy of this package
// loaded side by side still never hand out the same prefix; registry checks catch anything else.
const COUNTER_KEY = '__dgposeLayersModuleId';
function nextModuleId(): number {
  const g = globalThis as unknown as Record<string, number | undefined>;
  const id = (g[COUNTER_KEY] ?? 0) + 1;
  g[COUNTER_KEY] = id;
  return id;
}

const KEY_RE = /^[A-Za-z0-9_]+$/;

function checkKey(key: string, what: string, owner: string): void {
  if (!KEY_RE.test(key)) {
    throw new DGPoseError('E_ARG', `${owner}: invalid ${what} name`, {
      argument: key,
      expected: 'letters, digits and _ (no dots)',
      got: key,
    });
  }
}

/**
 * Base of every layer and model: a tree of named child modules, trainable parameters and
 * non-trainable buffers (batch-norm running statistics), with stable dotted names such as
 * `encoder.block2.conv.kernel`.
 *
 * - Names are relative to the module they are read from and never depend on the instance, so
 *   weights saved from one instance load into another. The tfjs variable names underneath carry a
 *   unique per-instance prefix, so building the same model twice never collides in tfjs's global
 *   variable registry.
 * - `call(input)` is the pure forward pass (synchronous; may be used inside an outer `tf.tidy`, a
 *   gradient tape or `optimizer.minimize`); `apply(input)` runs it inside `tf.tidy`. The caller owns
 *   the returned tensors; inputs are never disposed.
 * - `train()` / `eval()` set the mode of the whole subtree (batch norm, dropout). New modules start in
 *   training mode, as in PyTorch.
 * - `dispose()` frees every variable of the subtree.
 */
export abstract class Module<I = tf.Tensor, O extends ModuleOutput = tf.Tensor> {
  /** Short layer kind, e.g. `'conv2d'`; used in messages when the module is a root. */
  readonly kind: string;
  /** Unique per instance (process-wide); part of the tfjs variable names. */
  readonly instanceId: number;
  private parentModule: Module<unknown, ModuleOutput> | null = null;
  private keyInParent: string | null = null;
  private readonly childMap = new Map<string, Module<unknown, ModuleOutput>>();
  private readonly paramMap = new Map<string, tf.Variable>();
  private readonly bufferMap = new Map<string, tf.Variable>();
  private trainingMode = true;
  private disposedFlag = false;

  constructor(kind: string) {
    this.kind = kind;
    this.instanceId = nextModuleId();
  }

  /** The forward pass; synchronous maths only. Use `apply` for a tidied call. */
  abstract call(input: I): O;

  /** `call` inside `tf.tidy`: intermediates are freed, the outputs belong to the caller. */
  apply(input: I): O {
    this.assertLive();
    return tf.tidy(() => this.call(input));
  }

  // ---------------------------------------------------------------- tree building

  /** Registers `child` under `key`; its names become `<key>.<name>`. A module has one parent. */
  protected addModule<M extends Module<unknown, ModuleOutput>>(key: string, child: M): M {
    checkKey(key, 'child module', this.label);
    if (this.childMap.has(key) || this.paramMap.has(key) || this.bufferMap.has(key)) {
      throw new DGPoseError('E_ARG', `${this.label}: name "${key}" is already used`, { argument: key });
    }
    if (child.parentModule !== null) {
      throw new DGPoseError('E_ARG', `${this.label}: module "${key}" already belongs to "${child.path}"`, {
        argument: key,
        expected: 'a module without a parent',
        got: child.path,
      });
    }
    if (child === (this as unknown) || this.ancestors().includes(child as Module<unknown, ModuleOutput>)) {
      throw new DGPoseError('E_ARG', `${this.label}: module "${key}" would create a cycle`, { argument: key });
    }
    child.parentModule = this as unknown as Module<unknown, ModuleOutput>;
    child.keyInParent = key;
    child.setTrainingRecursive(this.trainingMode);
    this.childMap.set(key, child as Module<unknown, ModuleOutput>);
    return child;
  }

  /**
   * Creates a variable from `values` (consumed: a tensor argument is disposed) inside tf.tidy, so
   * the initial value is not kept alive twice (see tfjs-backends.md §4).
   */
  protected addVariable(key: string, values: tf.Tensor, trainable: boolean): tf.Variable {
    checkKey(key, trainable ? 'parameter' : 'buffer', this.label);
    if (this.childMap.has(key) || this.paramMap.has(key) || this.bufferMap.has(key)) {
      values.dispose();
      throw new DGPoseError('E_ARG', `${this.label}: name "${key}" is already used`, { argument: key });
    }
    const registry = tf.engine().registeredVariables;
    let name = `dgpose/${this.instanceId}/${key}`;
    for (let n = 2; registry[name] !== undefined; n++) name = `dgpose/${this.instanceId}_${n}/${key}`;
    const v = tf.tidy(() => tf.variable(values, trainable, name));
    values.dispose();
    (trainable ? this.paramMap : this.bufferMap).set(key, v);
    return v;
  }

  /** A trainable parameter (returned by `parameters()`). */
  protected addParameter(key: string, values: tf.Tensor): tf.Variable {
    return this.addVariable(key, values, true);
  }

  /** A non-trainable buffer (batch-norm running stats): saved with the weights, not optimised. */
  protected addBuffer(key: string, values: tf.Tensor): tf.Variable {
    return this.addVariable(key, values, false);
  }

  // ---------------------------------------------------------------- names and paths

  /** Dotted path from the tree root (`''` for a root). */
  get path(): string {
    const keys: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let m: Module<unknown, ModuleOutput> | null = this;
    while (m !== null && m.keyInParent !== null) {
      keys.push(m.keyInParent);
      m = m.parentModule;
    }
    return keys.reverse().join('.');
  }

  /** How messages name this module: its dotted path, or its kind for a root. */
  get label(): string {
    return this.path || this.kind;
  }

  private ancestors(): Module<unknown, ModuleOutput>[] {
    const out: Module<unknown, ModuleOutput>[] = [];
    let m = this.parentModule;
    while (m !== null) {
      out.push(m);
      m = m.parentModule;
    }
    return out;
  }

  /** Direct children in registration order. */
  children(): [string, Module<unknown, ModuleOutput>][] {
    return [...this.childMap.entries()];
  }

  /** The direct child registered under `key` (undefined when absent). */
  child(key: string): Module<unknown, ModuleOutput> | undefined {
    return this.childMap.get(key);
  }

  /** Every module of the subtree with its dotted name relative to this one (this module is `''`). */
  namedModules(prefix = ''): [string, Module<unknown, ModuleOutput>][] {
    const out: [string, Module<unknown, ModuleOutput>][] = [[prefix, this as unknown as Module<unknown, ModuleOutput>]];
    for (const [k, c] of this.childMap) out.push(...c.namedModules(prefix ? `${prefix}.${k}` : k));
    return out;
  }

  private collect(which: 'params' | 'buffers', prefix: string, out: [string, tf.Variable][]): void {
    const own = which === 'params' ? this.paramMap : this.bufferMap;
    for (const [k, v] of own) out.push([prefix ? `${prefix}.${k}` : k, v]);
    for (const [k, c] of this.childMap) (c as Module<I, O>).collect(which, prefix ? `${prefix}.${k}` : k, out);
  }

  /** All parameters of the subtree (frozen ones too) with dotted names, in a stable order. */
  namedParameters(): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    this.collect('params', '', out);
    return out;
  }

  /** All buffers (non-trainable state such as batch-norm running mean/var) with dotted names. */
  namedBuffers(): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    this.collect('buffers', '', out);
    return out;
  }

  /** Parameters then buffers: everything that is saved with the weights. */
  namedVariables(): [string, tf.Variable][] {
    return [...this.namedParameters(), ...this.namedBuffers()];
  }

  /** The trainable variables of the subtree (frozen parameters excluded): pass to `optimizer.minimize`. */
  parameters(): tf.Variable[] {
    return this.namedParameters()
      .map(([, v]) => v)
      .filter((v) => v.trainable);
  }

  /** The non-trainable buffers of the subtree. */
  buffers(): tf.Variable[] {
    return this.namedBuffers().map(([, v]) => v);
  }

  /** Number of scalars in the parameters of the subtree (frozen included, buffers excluded). */
  paramCount(): number {
    return this.namedParameters().reduce((s, [, v]) => s + v.size, 0);
  }

  /**
   * One line per parameter and buffer (`name [shape] count`, buffers marked), then the totals: for
   * logs and checkpoints' human-readable notes.
   */
  summary(): string {
    const lines: string[] = [];
    for (const [n, v] of this.namedParameters())
      lines.push(`${n} [${v.shape.join(',')}] ${v.size}${v.trainable ? '' : ' (frozen)'}`);
    for (const [n, v] of this.namedBuffers()) lines.push(`${n} [${v.shape.join(',')}] ${v.size} (buffer)`);
    const frozen = this.namedParameters()
      .filter(([, v]) => !v.trainable)
      .reduce((s, [, v]) => s + v.size, 0);
    lines.push(
      `${this.label}: ${this.paramCount()} parameters (${frozen} frozen), ${this.namedBuffers().reduce((s, [, v]) => s + v.size, 0)} buffer values`,
    );
    return lines.join('\n');
  }

  /** Marks every parameter of the subtree non-trainable (e.g. a pretrained mapper). */
  freeze(): this {
    for (const [, v] of this.namedParameters()) v.trainable = false;
    return this;
  }

  /** Undoes `freeze()`. */
  unfreeze(): this {
    for (const [, v] of this.namedParameters()) v.trainable = true;
    return this;
  }

  // ---------------------------------------------------------------- modes and lifetime

  /** True in training mode (batch statistics, dropout active). */
  get training(): boolean {
    return this.trainingMode;
  }

  private setTrainingRecursive(on: boolean): void {
    this.trainingMode = on;
    for (const c of this.childMap.values()) c.setTrainingRecursive(on);
  }

  /** Training mode for the whole subtree (default `true`). */
  train(on = true): this {
    this.setTrainingRecursive(on);
    return this;
  }

  /** Evaluation mode for the whole subtree: running statistics, no dropout. */
  eval(): this {
    return this.train(false);
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  protected assertLive(): void {
    if (this.disposedFlag) {
      throw new DGPoseError('E_ARG', `${this.label}: module was disposed`, { argument: this.label });
    }
  }

  /** Frees every variable of the subtree. Idempotent. */
  dispose(): void {
    if (this.disposedFlag) return;
    for (const c of this.childMap.values()) c.dispose();
    for (const v of this.paramMap.values()) v.dispose();
    for (const v of this.bufferMap.values()) v.dispose();
    this.disposedFlag = true;
  }

  // ---------------------------------------------------------------- shape checks

  /**
   * Throws E_SHAPE naming this module's path unless `x` has rank `expected.length` and matches
   * `expected` (-1 = any size).
   */
  protected checkInput(x: tf.Tensor, expected: readonly number[], what = 'input'): void {
    const ok = x.rank === expected.length && expected.every((e, i) => e === -1 || e === x.shape[i]);
    if (!ok) {
      throw new DGPoseError('E_SHAPE', `${this.label} (${this.kind}): ${what} has the wrong shape`, {
        argument: this.label,
        expected: expected.map((e) => (e === -1 ? '*' : e)),
        got: [...x.shape],
      });
    }
  }
}
