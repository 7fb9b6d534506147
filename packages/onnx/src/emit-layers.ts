/*
 * @dgpose/layers modules → ONNX nodes. Inside a graph every 4-D value is NCHW (ONNX's layout): kernels are
 * permuted once, when written as initializers; NHWC appears only at the graph's inputs and outputs, and
 * where tfjs's NHWC order matters (a flatten before a dense layer), with an explicit Transpose.
 *
 *   Conv2d           Conv, explicit pads (tf 'same' resolved from the static size), W = kernelᵀ[3,2,0,1]
 *   Conv2dTranspose  ConvTranspose, pads [p, p] + output_padding, W = kernelᵀ[3,2,0,1]
 *   BatchNorm        BatchNormalization with the running statistics (eval mode)
 *   InstanceNorm     InstanceNormalization (scale 1, bias 0 when not affine)
 *   Dense            Gemm (MatMul without a bias)
 *   Activation       Relu | LeakyRelu | Tanh | Sigmoid | Elu | Identity
 *   Dropout          nothing (identity in eval mode)
 *   Upsample         Resize: nearest (asymmetric, floor) or linear (half_pixel)
 *   Sequential, EncoderBlock, DecoderBlock, ResidualBlock, UpsampleConv, Flatten, Reshape: their parts
 * Any other module is refused with E_EXPORT_UNSUPPORTED naming its path and kind.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';
import type {
  Activation,
  ActivationSpec,
  BatchNorm,
  Conv2d,
  Conv2dTranspose,
  DecoderBlock,
  Dense,
  EncoderBlock,
  InstanceNorm,
  Module,
  ModuleOutput,
  ResidualBlock,
  Reshape,
  Sequential,
  Upsample,
  UpsampleConv,
} from '@dgpose/layers';
import type { AttrValue, Dim, GraphBuilder, Value } from './graph';

type AnyModule = Module<unknown, ModuleOutput>;

/** Values of every variable of the exported modules, read once (async) before the sync graph walk. */
export type VariableValues = Map<tf.Variable, Float32Array>;

/** Reads every parameter and buffer of `modules` (`await v.data()`, copies). */
export async function readVariables(modules: readonly (AnyModule | null | undefined)[]): Promise<VariableValues> {
  const out: VariableValues = new Map();
  for (const m of modules) {
    if (!m) continue;
    for (const [name, v] of m.namedVariables()) {
      if (v.dtype !== 'float32') throw unsupported(m, `variable ${name} of dtype ${v.dtype}`, 'float32 variables');
      out.set(v, Float32Array.from((await v.data()) as Float32Array));
    }
  }
  return out;
}

/** E_EXPORT_UNSUPPORTED naming the module's path and kind. */
export function unsupported(m: AnyModule, what: string, expected: unknown): DGPoseError {
  const where = m.path || m.kind;
  return new DGPoseError('E_EXPORT_UNSUPPORTED', `ONNX export: ${where} (${m.kind}) is not exportable: ${what}`, {
    argument: where,
    expected,
    got: what,
  });
}

/** The graph being written, the weights it reads, and a name prefix for readable node names. */
export interface EmitContext {
  b: GraphBuilder;
  vars: VariableValues;
}

function values(ctx: EmitContext, m: AnyModule, v: tf.Variable): Float32Array {
  const data = ctx.vars.get(v);
  if (!data)
    throw unsupported(
      m,
      'a variable that was not read before export (internal)',
      'every variable read by readVariables',
    );
  return data;
}

/** Permutes an array of `shape` by `perm` (as numpy.transpose). */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  inStrides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < rank; k++) src += idx[k] * inStrides[perm[k]];
    out[o] = data[src];
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

function hint(m: AnyModule, suffix = ''): string {
  return (m.path || m.kind) + suffix;
}

function staticHW(m: AnyModule, x: Value): [number, number] {
  const [, , h, w] = x.shape;
  if (x.shape.length !== 4 || typeof h !== 'number' || typeof w !== 'number')
    throw unsupported(m, `an input of shape [${x.shape}]`, 'a 4-D input with static H, W');
  return [h, w];
}

/** Applies an activation spec. */
export function emitActivation(ctx: EmitContext, spec: ActivationSpec, x: Value, at: string): Value {
  const { b } = ctx;
  const kind = typeof spec === 'string' ? spec : spec.kind;
  const alpha = typeof spec === 'string' ? 0.2 : (spec.alpha ?? 0.2);
  switch (kind) {
    case 'relu':
      return b.op1('Relu', [x.name], x.shape, {}, `${at}/relu`);
    case 'leakyRelu':
      return b.op1('LeakyRelu', [x.name], x.shape, { alpha: { float: alpha } }, `${at}/leaky_relu`);
    case 'tanh':
      return b.op1('Tanh', [x.name], x.shape, {}, `${at}/tanh`);
    case 'sigmoid':
      return b.op1('Sigmoid', [x.name], x.shape, {}, `${at}/sigmoid`);
    case 'elu':
      return b.op1('Elu', [x.name], x.shape, { alpha: { float: 1 } }, `${at}/elu`);
    case 'identity':
      return x;
    default:
      throw new DGPoseError('E_EXPORT_UNSUPPORTED', `ONNX export: unknown activation at ${at}`, {
        argument: at,
        expected: ['relu', 'leakyRelu', 'tanh', 'sigmoid', 'elu', 'identity'],
        got: kind,
      });
  }
}

function emitConv(ctx: EmitContext, m: Conv2d, x: Value): Value {
  const { b } = ctx;
  const [h, w] = staticHW(m, x);
  const [kh, kw] = m.kernelSize;
  const [sh, sw] = m.strides;
  let pads: [number, number, number, number];
  if (m.padding === 'same') {
    // tf 'same': out = ceil(in / s), total padding split with the extra pixel at the end (bottom/right)
    const tot = (size: number, k: number, s: number): number => Math.max((Math.ceil(size / s) - 1) * s + k - size, 0);
    const th = tot(h, kh, sh);
    const tw = tot(w, kw, sw);
    pads = [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
  } else if (m.padding === 'valid') pads = [0, 0, 0, 0];
  else pads = [m.padding[1][0], m.padding[2][0], m.padding[1][1], m.padding[2][1]];
  const [oh, ow] = [
    Math.floor((h + pads[0] + pads[2] - kh) / sh) + 1,
    Math.floor((w + pads[1] + pads[3] - kw) / sw) + 1,
  ];
  const W = b.floats(hint(m, '.kernel'), permute(values(ctx, m, m.kernel), m.kernel.shape, [3, 2, 0, 1]), [
    m.filters,
    m.inChannels,
    kh,
    kw,
  ]);
  const inputs = [x.name, W];
  if (m.bias) inputs.push(b.floats(hint(m, '.bias'), values(ctx, m, m.bias), [m.filters]));
  return b.op1(
    'Conv',
    inputs,
    [x.shape[0], m.filters, oh, ow],
    { kernel_shape: [kh, kw], strides: [sh, sw], pads, dilations: [1, 1], group: 1 },
    hint(m),
  );
}

function emitConvTranspose(ctx: EmitContext, m: Conv2dTranspose, x: Value): Value {
  const { b } = ctx;
  const [h, w] = staticHW(m, x);
  const [kh, kw] = m.kernelSize;
  const [sh, sw] = m.strides;
  const [oh, ow] = m.outputShape([1, h, w]).slice(1, 3);
  let pads: [number, number, number, number];
  let outPad: [number, number];
  if (m.padding === 'same') {
    // tf 'same' for a transposed conv: out = in·s; padding of the forward conv that maps out → in
    const tot = (k: number, s: number): number => Math.max(k - s, 0);
    const [th, tw] = [tot(kh, sh), tot(kw, sw)];
    pads = [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
    outPad = [oh - (sh * (h - 1) + kh - th), ow - (sw * (w - 1) + kw - tw)];
  } else {
    pads = [m.padding[0], m.padding[1], m.padding[0], m.padding[1]];
    outPad = [m.outputPadding[0], m.outputPadding[1]];
  }
  // tfjs kernel [kh, kw, filters, C_in] → ONNX ConvTranspose W [C_in, filters, kh, kw]
  const W = b.floats(hint(m, '.kernel'), permute(values(ctx, m, m.kernel), m.kernel.shape, [3, 2, 0, 1]), [
    m.inChannels,
    m.filters,
    kh,
    kw,
  ]);
  const inputs = [x.name, W];
  if (m.bias) inputs.push(b.floats(hint(m, '.bias'), values(ctx, m, m.bias), [m.filters]));
  return b.op1(
    'ConvTranspose',
    inputs,
    [x.shape[0], m.filters, oh, ow],
    { kernel_shape: [kh, kw], strides: [sh, sw], pads, output_padding: outPad, dilations: [1, 1], group: 1 },
    hint(m),
  );
}

function emitBatchNorm(ctx: EmitContext, m: BatchNorm, x: Value): Value {
  const { b } = ctx;
  const c = m.channels;
  const scale = m.gamma ? values(ctx, m, m.gamma) : new Float32Array(c).fill(1);
  const bias = m.beta ? values(ctx, m, m.beta) : new Float32Array(c);
  const inputs = [
    x.name,
    b.floats(hint(m, '.gamma'), scale, [c]),
    b.floats(hint(m, '.beta'), bias, [c]),
    b.floats(hint(m, '.runningMean'), values(ctx, m, m.runningMean), [c]),
    b.floats(hint(m, '.runningVar'), values(ctx, m, m.runningVar), [c]),
  ];
  return b.op1('BatchNormalization', inputs, x.shape, { epsilon: { float: m.eps } }, hint(m));
}

function emitInstanceNorm(ctx: EmitContext, m: InstanceNorm, x: Value): Value {
  const { b } = ctx;
  const c = m.channels;
  const scale = m.gamma ? values(ctx, m, m.gamma) : new Float32Array(c).fill(1);
  const bias = m.beta ? values(ctx, m, m.beta) : new Float32Array(c);
  const inputs = [x.name, b.floats(hint(m, '.gamma'), scale, [c]), b.floats(hint(m, '.beta'), bias, [c])];
  return b.op1('InstanceNormalization', inputs, x.shape, { epsilon: { float: m.eps } }, hint(m));
}

/** Dense on a [N, F] value. */
export function emitDense(ctx: EmitContext, m: Dense, x: Value): Value {
  const { b } = ctx;
  if (x.shape.length !== 2 || x.shape[1] !== m.inFeatures)
    throw unsupported(m, `an input of shape [${x.shape}]`, `[N, ${m.inFeatures}]`);
  const W = b.floats(hint(m, '.kernel'), values(ctx, m, m.kernel), [m.inFeatures, m.units]);
  if (!m.bias) return b.op1('MatMul', [x.name, W], [x.shape[0], m.units], {}, hint(m));
  const B = b.floats(hint(m, '.bias'), values(ctx, m, m.bias), [m.units]);
  return b.op1('Gemm', [x.name, W, B], [x.shape[0], m.units], { alpha: { float: 1 }, beta: { float: 1 } }, hint(m));
}

function emitUpsample(ctx: EmitContext, m: Upsample, x: Value): Value {
  const { b } = ctx;
  const [h, w] = staticHW(m, x);
  const [fh, fw] = m.factor;
  const scales = b.floats(hint(m, '.scales'), [1, 1, fh, fw], [4]);
  const attrs: Record<string, AttrValue> =
    m.mode === 'nearest'
      ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
      : { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
  return b.op1('Resize', [x.name, '', scales], [x.shape[0], x.shape[1], h * fh, w * fw], attrs, hint(m));
}

/** NCHW [N,C,H,W] → the [N, H·W·C] rows tfjs's NHWC flatten gives. */
export function emitFlattenNHWC(ctx: EmitContext, x: Value, at: string): Value {
  const { b } = ctx;
  if (x.shape.length === 2) return x;
  if (x.shape.length !== 4)
    throw new DGPoseError('E_EXPORT_UNSUPPORTED', `ONNX export: ${at} flattens a rank-${x.shape.length} value`, {
      argument: at,
      expected: 'rank 2 or 4',
      got: x.shape,
    });
  const [n, c, h, w] = x.shape as [Dim, number, number, number];
  const t = b.op1('Transpose', [x.name], [n, h, w, c], { perm: [0, 2, 3, 1] }, `${at}/to_nhwc`);
  return b.op1('Reshape', [t.name, b.ints([-1, h * w * c])], [n, h * w * c], {}, `${at}/flatten`);
}

function emitReshape(ctx: EmitContext, m: Reshape, x: Value): Value {
  const { b } = ctx;
  const flat = emitFlattenNHWC(ctx, x, hint(m));
  const t = m.targetShape;
  if (t.length === 3) {
    // [N, H, W, C] in tfjs → NCHW here
    const [h, w, c] = t;
    const r = b.op1('Reshape', [flat.name, b.ints([-1, h, w, c])], [x.shape[0], h, w, c], {}, hint(m, '/nhwc'));
    return b.op1('Transpose', [r.name], [x.shape[0], c, h, w], { perm: [0, 3, 1, 2] }, hint(m, '/to_nchw'));
  }
  if (t.length === 1) return b.op1('Reshape', [flat.name, b.ints([-1, t[0]])], [x.shape[0], t[0]], {}, hint(m));
  throw unsupported(m, `a reshape to [N, ${t.join(', ')}]`, 'a target of rank 1 or 3 ([F] or [H, W, C])');
}

/**
 * Emits a tensor → tensor module of @dgpose/layers; anything else is E_EXPORT_UNSUPPORTED. Dispatches on the
 * module's `kind`, not its class, so that two copies of @dgpose/layers (ESM and CJS builds) both export.
 */
export function emitLayer(ctx: EmitContext, m: AnyModule, x: Value): Value {
  if (m.kind === 'conv2d') return emitConv(ctx, m as Conv2d, x);
  if (m.kind === 'conv2dTranspose') return emitConvTranspose(ctx, m as Conv2dTranspose, x);
  if (m.kind === 'batchNorm') return emitBatchNorm(ctx, m as BatchNorm, x);
  if (m.kind === 'instanceNorm') return emitInstanceNorm(ctx, m as InstanceNorm, x);
  if (m.kind === 'dense') return emitDense(ctx, m as Dense, x);
  if (m.kind === 'activation') return emitActivation(ctx, (m as Activation).spec, x, hint(m));
  if (m.kind === 'dropout') return x;
  if (m.kind === 'upsample') return emitUpsample(ctx, m as Upsample, x);
  if (m.kind === 'upsampleConv')
    return emitLayer(ctx, (m as UpsampleConv).conv, emitLayer(ctx, (m as UpsampleConv).up, x));
  if (m.kind === 'flatten') return emitFlattenNHWC(ctx, x, hint(m));
  if (m.kind === 'reshape') return emitReshape(ctx, m as Reshape, x);
  if (m.kind === 'sequential') return (m as Sequential).layers().reduce((y, l) => emitLayer(ctx, l, y), x);
  if (m.kind === 'encoderBlock') {
    const e = m as EncoderBlock;
    let y = emitLayer(ctx, e.conv, x);
    if (e.norm) y = emitLayer(ctx, e.norm, y);
    return emitActivation(ctx, e.activation, y, hint(m));
  }
  if (m.kind === 'decoderBlock') {
    const d = m as DecoderBlock;
    let y = emitLayer(ctx, d.conv, emitActivation(ctx, d.activation, x, hint(m)));
    if (d.norm) y = emitLayer(ctx, d.norm, y);
    return y; // dropout: identity in eval mode
  }
  if (m.kind === 'residualBlock') {
    const r = m as ResidualBlock;
    let y = emitLayer(ctx, r.conv1, x);
    if (r.norm1) y = emitLayer(ctx, r.norm1, y);
    y = emitLayer(ctx, r.conv2, emitActivation(ctx, r.activation, y, hint(m)));
    if (r.norm2) y = emitLayer(ctx, r.norm2, y);
    return ctx.b.op1('Add', [x.name, y.name], x.shape, {}, hint(m, '/add'));
  }
  throw unsupported(m, `no ONNX emitter for layer kind '${m.kind}'`, [
    'conv2d',
    'conv2dTranspose',
    'batchNorm',
    'instanceNorm',
    'dense',
    'activation',
    'dropout',
    'upsample',
    'upsampleConv',
    'flatten',
    'reshape',
    'sequential',
    'encoderBlock',
    'decoderBlock',
    'residualBlock',
  ]);
}
