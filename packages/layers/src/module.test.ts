import * as tf from '@tensorflow/tfjs-core';
import { createRng, isDGPoseError } from '@dgpose/core';
import { expectNoLeak, useBackend } from '@dgpose/test-utils';
import { Module, conv2d, dense, batchNorm, type Conv2d, type BatchNorm, type Dense } from './index';

/** A two-level test model: encoder { block1 { conv, norm }, block2 { conv, norm } }, head (dense). */
class Block extends Module {
  readonly conv: Conv2d;
  readonly norm: BatchNorm;
  constructor(inC: number, outC: number, rng: ReturnType<typeof createRng>) {
    super('block');
    this.conv = this.addModule(
      'conv',
      conv2d({ inChannels: inC, filters: outC, kernelSize: 4, strides: 2, padding: 1, bias: false, rng }),
    );
    this.norm = this.addModule('norm', batchNorm({ channels: outC }));
  }
  call(x: tf.Tensor): tf.Tensor {
    return tf.relu(this.norm.call(this.conv.call(x)));
  }
}
class Encoder extends Module {
  constructor(rng: ReturnType<typeof createRng>) {
    super('encoder');
    this.addModule('block1', new Block(3, 4, rng));
    this.addModule('block2', new Block(4, 8, rng));
  }
  call(x: tf.Tensor): tf.Tensor {
    return (this.child('block2') as Block).call((this.child('block1') as Block).call(x));
  }
}
class Net extends Module {
  readonly encoder: Encoder;
  readonly head: Dense;
  constructor(seed: number) {
    super('net');
    const rng = createRng(seed);
    this.encoder = this.addModule('encoder', new Encoder(rng));
    this.head = this.addModule('head', dense({ inFeatures: 8 * 2 * 2, units: 5, rng }));
  }
  call(x: tf.Tensor): tf.Tensor {
    const f = this.encoder.call(x);
    return this.head.call(tf.reshape(f, [f.shape[0], -1]));
  }
}

const EXPECTED_NAMES = [
  'encoder.block1.conv.kernel',
  'encoder.block1.norm.gamma',
  'encoder.block1.norm.beta',
  'encoder.block2.conv.kernel',
  'encoder.block2.norm.gamma',
  'encoder.block2.norm.beta',
  'head.kernel',
  'head.bias',
];

describe('Module', () => {
  beforeAll(() => useBackend('cpu'));

  it('names parameters and buffers with stable, unique dotted paths', () => {
    const net = new Net(1);
    expect(net.namedParameters().map(([n]) => n)).toEqual(EXPECTED_NAMES);
    expect(net.namedBuffers().map(([n]) => n)).toEqual([
      'encoder.block1.norm.runningMean',
      'encoder.block1.norm.runningVar',
      'encoder.block2.norm.runningMean',
      'encoder.block2.norm.runningVar',
    ]);
    // Relative to the module they are read from.
    expect(net.encoder.namedParameters()[0][0]).toBe('block1.conv.kernel');
    // Paths from the root, for error messages.
    expect((net.encoder.child('block2') as Block).conv.path).toBe('encoder.block2.conv');
    expect(net.path).toBe('');
    expect(net.namedModules().map(([n]) => n)).toEqual([
      '',
      'encoder',
      'encoder.block1',
      'encoder.block1.conv',
      'encoder.block1.norm',
      'encoder.block2',
      'encoder.block2.conv',
      'encoder.block2.norm',
      'head',
    ]);
    // The tfjs names are unique per instance, the dotted names are not instance-dependent.
    const net2 = new Net(1);
    expect(net2.namedParameters().map(([n]) => n)).toEqual(EXPECTED_NAMES);
    const tfNames = new Set([...net.namedVariables(), ...net2.namedVariables()].map(([, v]) => v.name));
    expect(tfNames.size).toBe(2 * net.namedVariables().length);
    net.dispose();
    net2.dispose();
  });

  it('counts parameters (buffers excluded) and lists only trainable ones', () => {
    const net = new Net(2);
    const expected = 4 * 4 * 3 * 4 + 2 * 4 + 4 * 4 * 4 * 8 + 2 * 8 + 32 * 5 + 5;
    expect(net.paramCount()).toBe(expected);
    expect(net.parameters()).toHaveLength(8);
    expect(net.buffers()).toHaveLength(4);
    net.head.freeze();
    expect(net.parameters()).toHaveLength(6);
    expect(net.paramCount()).toBe(expected);
    expect(net.summary().split('\n')).toEqual([
      'encoder.block1.conv.kernel [4,4,3,4] 192',
      'encoder.block1.norm.gamma [4] 4',
      'encoder.block1.norm.beta [4] 4',
      'encoder.block2.conv.kernel [4,4,4,8] 512',
      'encoder.block2.norm.gamma [8] 8',
      'encoder.block2.norm.beta [8] 8',
      'head.kernel [32,5] 160 (frozen)',
      'head.bias [5] 5 (frozen)',
      'encoder.block1.norm.runningMean [4] 4 (buffer)',
      'encoder.block1.norm.runningVar [4] 4 (buffer)',
      'encoder.block2.norm.runningMean [8] 8 (buffer)',
      'encoder.block2.norm.runningVar [8] 8 (buffer)',
      `net: ${expected} parameters (165 frozen), 24 buffer values`,
    ]);
    net.head.unfreeze();
    expect(net.parameters()).toHaveLength(8);
    net.dispose();
  });

  it('building the same model twice does not collide, and the same seed gives the same weights', async () => {
    const a = new Net(5);
    const b = new Net(5);
    const c = new Net(6);
    const ka = await a.head.kernel.data();
    expect(Array.from(await b.head.kernel.data())).toEqual(Array.from(ka));
    expect(Array.from(await c.head.kernel.data())).not.toEqual(Array.from(ka));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('propagates train()/eval() to every descendant, including modules added later', () => {
    const net = new Net(3);
    expect(net.namedModules().every(([, m]) => m.training)).toBe(true);
    net.eval();
    expect(net.namedModules().every(([, m]) => !m.training)).toBe(true);
    net.encoder.train();
    expect(net.training).toBe(false);
    expect(net.encoder.namedModules().every(([, m]) => m.training)).toBe(true);
    // A module added to a parent takes the parent's mode.
    const late = new Block(8, 8, createRng(1));
    expect(late.training).toBe(true);
    (net as unknown as { addModule(k: string, m: Module): void }).addModule('late', late);
    expect(late.training).toBe(false);
    expect(late.norm.training).toBe(false);
    net.dispose();
  });

  it('dispose() frees every variable (tensors and registry entries) and is idempotent', async () => {
    await expectNoLeak(() => {
      const before = Object.keys(tf.engine().registeredVariables).length;
      const net = new Net(4);
      expect(Object.keys(tf.engine().registeredVariables).length).toBe(before + 12);
      net.dispose();
      net.dispose();
      expect(Object.keys(tf.engine().registeredVariables).length).toBe(before);
      expect(net.isDisposed).toBe(true);
    });
  });

  it('refuses a disposed module, a second parent, a cycle and bad names', () => {
    const net = new Net(4);
    const x = tf.zeros([1, 8, 8, 3]);
    net.dispose();
    expect(() => net.apply(x)).toThrow(/disposed/);
    x.dispose();
    class Holder extends Module {
      call(t: tf.Tensor): tf.Tensor {
        return t;
      }
      add(k: string, m: Module): void {
        this.addModule(k, m);
      }
    }
    const h1 = new Holder('holder');
    const h2 = new Holder('holder');
    const d = dense({ inFeatures: 2, units: 2, seed: 1 });
    h1.add('d', d);
    expect(() => h2.add('d', d)).toThrow(/already belongs to "d"/);
    const d2 = dense({ inFeatures: 2, units: 2, seed: 1 });
    expect(() => h1.add('d', d2)).toThrow(/already used/);
    d2.dispose();
    expect(() => h1.add('a.b', new Holder('x'))).toThrow(/invalid child module name/);
    expect(() => h2.add('h1', h1)).not.toThrow();
    expect(() => h1.add('h2', h2)).toThrow(/cycle/);
    h2.dispose();
  });

  it('apply() is tidy: a forward pass leaves only its output', async () => {
    const net = new Net(8);
    const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 1);
    await expectNoLeak(() => {
      const y = net.apply(x);
      expect(y.shape).toEqual([2, 5]);
      y.dispose();
    });
    net.eval();
    await expectNoLeak(() => net.apply(x).dispose());
    x.dispose();
    net.dispose();
  });

  it('a shape error names the dotted path of the layer, expected and got', () => {
    const net = new Net(9);
    const x = tf.zeros([1, 8, 8, 2]);
    let err: unknown;
    try {
      net.apply(x);
    } catch (e) {
      err = e;
    }
    expect(isDGPoseError(err, 'E_SHAPE')).toBe(true);
    expect((err as Error).message).toMatch(/encoder\.block1\.conv/);
    expect((err as Error).message).toContain('expected ["*","*","*",3]');
    expect((err as Error).message).toContain('got [1,8,8,2]');
    x.dispose();
    net.dispose();
  });

  it('requires a seed or an rng for random initialisers', () => {
    expect(() => dense({ inFeatures: 2, units: 2 })).toThrow(/rng or seed/);
    expect(() => dense({ inFeatures: 2, units: 2, seed: 1.5 })).toThrow(/integer/);
    expect(() => batchNorm({ channels: 2 }).dispose()).not.toThrow();
  });
});
