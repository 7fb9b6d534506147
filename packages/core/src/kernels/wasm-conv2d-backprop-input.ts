/*
 * A faster Conv2DBackpropInput for the wasm backend (the input gradient of every conv2d and the
 * forward pass of conv2dTranspose). tfjs-wasm 4.22.0's own kernel is correct but naive C++ at
 * about 4 GFLOP/s; this polyphase form runs on XNNPACK's Conv2D at 30-40 GFLOP/s
 * (shared/design/tfjs-backends.md §2c).
 *
 * With u = h + padTop = q·s + r (0 <= r < s), the transposed convolution is
 *   dxpad[b, q·s+r, ...] = Σ_m Σ_o dy[b, q-m, ...] · w[m·s+r, ..., c, o],
 * i.e. for every phase r one stride-1 correlation of dy with the sub-filter w[r::s] flipped.
 * All s_h·s_w phases are computed by ONE stride-1 Conv2D whose filter is
 *   W'[mh, mw, o, (rh·s_w + rw)·C + c] = w[(Mh-1-mh)·s_h + rh, (Mw-1-mw)·s_w + rw, c, o]
 * (zero where the index passes the kernel), M = ceil(k/s), followed by depth-to-space
 * (reshape + transpose: wasm's DepthToSpace kernel is slow) and a crop of the padding.
 * When s divides k there are no wasted multiply-adds.
 */
import type { KernelArgs, KernelFn, TF, TensorInfo, WasmBackend } from './types';
import { kernelOf, replaceKernel, run1 } from './types';

export const CONV2D_BACKPROP_INPUT = 'Conv2DBackpropInput';

/** Builds the kernel; `fallback` (the stock kernel) handles NCHW. */
export function makeWasmConv2DBackpropInput(
  tf: TF,
  fallback: KernelFn,
): (args: KernelArgs) => TensorInfo | TensorInfo[] {
  const conv2d = kernelOf(tf, 'Conv2D', 'wasm');
  const slice = kernelOf(tf, 'Slice', 'wasm');
  const reshape = kernelOf(tf, 'Reshape', 'wasm');
  const transpose = kernelOf(tf, 'Transpose', 'wasm');
  return (args) => {
    const { inputs, backend: b, attrs = {} } = args;
    if (attrs.dataFormat === 'NCHW') return fallback(args);
    const backend = b as WasmBackend;
    const { dy, filter } = inputs;
    const inputShape = attrs.inputShape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides as number | [number, number],
      1,
      attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
      false,
      'channelsLast',
    );
    const sh = info.strideHeight;
    const sw = info.strideWidth;
    const [kh, kw, C] = filter.shape;
    const [B, H, W] = inputShape;
    const [, Ho, Wo] = dy.shape;
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;
    const Mh = Math.ceil(kh / sh);
    const Mw = Math.ceil(kw / sw);
    const Qh = Math.ceil((H + pt) / sh);
    const Qw = Math.ceil((W + pl) / sw);
    const temps: TensorInfo[] = [];
    const keep = (t: TensorInfo): TensorInfo => (temps.push(t), t);
    const call = (k: KernelFn, x: TensorInfo, a: Record<string, unknown>): TensorInfo =>
      keep(run1(k, { inputs: { x }, backend, attrs: a }));
    try {
      const w = keep(rearrangeFilter(backend, filter, sh, sw, Mh, Mw));
      const y = keep(
        run1(conv2d, {
          inputs: { x: dy, filter: w },
          backend,
          attrs: {
            strides: 1,
            dilations: 1,
            dataFormat: 'NHWC',
            pad: [
              [0, 0],
              [Mh - 1, Math.max(0, Qh - Ho)],
              [Mw - 1, Math.max(0, Qw - Wo)],
              [0, 0],
            ],
          },
        }),
      );
      let z = y;
      if (sh * sw > 1) {
        // depth-to-space: [B,Q,P,sh*sw*C] -> [B*Q,P,sh,sw*C] -> (0,2,1,3) -> [B,Q*sh,P*sw,C]
        const [, q, p] = y.shape;
        z = call(reshape, y, { shape: [B * q, p, sh, sw * C] });
        z = call(transpose, z, { perm: [0, 2, 1, 3] });
        z = call(reshape, z, { shape: [B, q * sh, p * sw, C] });
      }
      if (z.shape[1] === H && z.shape[2] === W && pt === 0 && pl === 0) {
        temps.splice(temps.indexOf(z), 1); // handed to the caller
        return z;
      }
      return run1(slice, { inputs: { x: z }, backend, attrs: { begin: [0, pt, pl, 0], size: [B, H, W, C] } });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/**
 * W'[mh, mw, o, (rh·sw + rw)·C + c] = w[(Mh-1-mh)·sh + rh, (Mw-1-mw)·sw + rw, c, o], zero past the
 * kernel. Written in JS straight into the wasm heap: filters are small, and wasm's Reverse kernel,
 * the tensor-op alternative, is slow (25 ms for a 4x4x128x274 filter).
 */
function rearrangeFilter(
  backend: WasmBackend,
  filter: TensorInfo,
  sh: number,
  sw: number,
  Mh: number,
  Mw: number,
): TensorInfo {
  const [kh, kw, C, O] = filter.shape;
  const C2 = sh * sw * C;
  const shape = [Mh, Mw, O, C2];
  let out: TensorInfo;
  let src: ArrayLike<number>;
  let dst: Float32Array;
  if (typeof backend.typedArrayFromHeap === 'function') {
    out = backend.makeOutput(shape, 'float32');
    // views only after the allocation, which may have grown (and detached) the heap
    src = backend.typedArrayFromHeap(filter);
    dst = backend.typedArrayFromHeap(out) as Float32Array;
  } else {
    src = backend.readSync(filter.dataId) as ArrayLike<number>;
    dst = new Float32Array(Mh * Mw * O * C2);
  }
  // written in order (sequential stores), every element including the zeros past the kernel
  let k = 0;
  for (let mh = 0; mh < Mh; mh++)
    for (let mw = 0; mw < Mw; mw++)
      for (let o = 0; o < O; o++)
        for (let rh = 0; rh < sh; rh++) {
          const i = (Mh - 1 - mh) * sh + rh;
          for (let rw = 0; rw < sw; rw++) {
            const j = (Mw - 1 - mw) * sw + rw;
            if (i >= kh || j >= kw) {
              for (let c = 0; c < C; c++) dst[k++] = 0;
              continue;
            }
            let si = (i * kw + j) * C * O + o;
            for (let c = 0; c < C; c++, si += O) dst[k++] = src[si];
          }
        }
  return typeof backend.typedArrayFromHeap === 'function' ? out! : backend.makeOutput(shape, 'float32', undefined, dst);
}

/**
 * Replaces wasm's Conv2DBackpropInput by the polyphase kernel, keeping the stock one (and its
 * setup) for NCHW. Idempotent. Returns false when the kernel is missing (nothing to speed up).
 */
export function registerWasmConv2DBackpropInput(tf: TF): boolean {
  return replaceKernel(tf, CONV2D_BACKPROP_INPUT, 'wasm', (stock) => makeWasmConv2DBackpropInput(tf, stock));
}
