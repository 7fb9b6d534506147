/*
 * Conv2DBackpropFilter built on a backend's own forward Conv2D. The wasm backend lacks this kernel
 * in tfjs 4.22.0 (every conv2d and conv2dTranspose weight gradient needs it), and the cpu one is
 * naive (about 20 MFLOP/s). Rewritten as one forward convolution it runs on wasm's XNNPACK Conv2D,
 * or cpu's im2col Conv2D (see shared/design/tfjs-backends.md §2b):
 *
 *   dW[i,j,c,o] = Σ_{b,y,x} xpad[b, y·s+i, x·s+j, c] · dy[b,y,x,o]
 *               = conv2d(xᵀ [C,H,W,B], dyᵀ [Ho,Wo,B,O], stride 1, dilation s, the forward pads)
 *
 * which yields [C, ≥kh, ≥kw, O]; crop to kh×kw and transpose to [kh,kw,C,O]. The result is exact
 * (same sums, different order), not an approximation.
 */
import type { KernelArgs, KernelBackend, TF, TensorInfo } from './types';
import { isOurs, kernelOf, markOurs, run1 } from './types';

export const CONV2D_BACKPROP_FILTER = 'Conv2DBackpropFilter';

/** Builds the kernel function for `backendName` ('wasm' or 'cpu'); `tf` is the caller's tfjs-core. */
export function makeConv2DBackpropFilter(tf: TF, backendName: string): (args: KernelArgs) => TensorInfo {
  const transpose = kernelOf(tf, 'Transpose', backendName);
  const conv2d = kernelOf(tf, 'Conv2D', backendName);
  const slice = kernelOf(tf, 'Slice', backendName);
  return ({ inputs, backend: b, attrs = {} }) => {
    const backend = b as KernelBackend;
    const { x, dy } = inputs;
    const filterShape = attrs.filterShape as [number, number, number, number];
    const channelsFirst = attrs.dataFormat === 'NCHW';
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      attrs.strides as number | [number, number],
      1,
      attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
      false,
      channelsFirst ? 'channelsFirst' : 'channelsLast',
    );
    const { top, bottom, left, right } = info.padInfo;
    const [kh, kw] = filterShape;
    const temps: TensorInfo[] = [];
    const keep = <T extends TensorInfo>(t: T): T => (temps.push(t), t);
    try {
      // x -> [C,H,W,B] (batch becomes the contraction "channel"); dy -> [Ho,Wo,B,O] (the "filter").
      const xT = keep(
        run1(transpose, { inputs: { x }, backend, attrs: { perm: channelsFirst ? [1, 2, 3, 0] : [3, 1, 2, 0] } }),
      );
      const dyT = keep(
        run1(transpose, { inputs: { x: dy }, backend, attrs: { perm: channelsFirst ? [2, 3, 0, 1] : [1, 2, 0, 3] } }),
      );
      let r = keep(
        run1(conv2d, {
          inputs: { x: xT, filter: dyT },
          backend,
          attrs: {
            strides: 1,
            pad: [
              [0, 0],
              [top, bottom],
              [left, right],
              [0, 0],
            ],
            dataFormat: 'NHWC',
            dilations: [info.strideHeight, info.strideWidth],
          },
        }),
      );
      if (r.shape[1] !== kh || r.shape[2] !== kw) {
        r = keep(
          run1(slice, {
            inputs: { x: r },
            backend,
            attrs: { begin: [0, 0, 0, 0], size: [r.shape[0], kh, kw, r.shape[3]] },
          }),
        );
      }
      return run1(transpose, { inputs: { x: r }, backend, attrs: { perm: [1, 2, 0, 3] } });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/**
 * Registers the kernel for `backendName` unless a kernel of that name is there already and is not
 * ours, except on cpu, whose stock kernel is correct but slow and is replaced. Returns whether
 * ours is now registered.
 */
export function registerConv2DBackpropFilter(tf: TF, backendName: 'wasm' | 'cpu'): boolean {
  const existing = tf.getKernel(CONV2D_BACKPROP_FILTER, backendName);
  if (existing && !isOurs(existing.kernelFunc) && backendName !== 'cpu') return false;
  if (existing) tf.unregisterKernel(CONV2D_BACKPROP_FILTER, backendName);
  tf.registerKernel({
    kernelName: CONV2D_BACKPROP_FILTER,
    backendName,
    kernelFunc: markOurs(makeConv2DBackpropFilter(tf, backendName)),
  });
  return true;
}
