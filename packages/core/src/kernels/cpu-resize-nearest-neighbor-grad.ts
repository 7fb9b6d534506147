/*
 * ResizeNearestNeighborGrad for the cpu backend. tfjs-backend-cpu 4.22.0's kernel offsets dy by
 * the *images* batch stride, so every batch element after the first gets a wrong gradient, and
 * it ignores halfPixelCenters (shared/design/tfjs-backends.md §2c). The gradient of nearest
 * resizing is a scatter-add: each dy pixel goes to the source pixel the forward pass read, with
 * the source index computed exactly as the forward cpu kernel computes it.
 */
import type { CpuBackend, KernelArgs, TF, TensorInfo } from './types';
import { isOurs, markOurs } from './types';

export const RESIZE_NEAREST_NEIGHBOR_GRAD = 'ResizeNearestNeighborGrad';

/** Source index of each output row/column, as tfjs's forward ResizeNearestNeighbor picks it. */
export function nearestSourceIndex(
  outSize: number,
  inSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const idx = new Int32Array(outSize);
  for (let r = 0; r < outSize; r++) {
    const frac = halfPixelCenters ? ratio * (r + 0.5) : ratio * r;
    let src = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) src = Math.max(0, src);
    idx[r] = src;
  }
  return idx;
}

export function cpuResizeNearestNeighborGrad({ inputs, backend: b, attrs = {} }: KernelArgs): TensorInfo {
  const backend = b as CpuBackend;
  const { images, dy } = inputs;
  const alignCorners = attrs.alignCorners === true;
  const halfPixelCenters = attrs.halfPixelCenters === true;
  const [batch, xH, xW, depth] = images.shape;
  const [, yH, yW] = dy.shape;
  const dyv = backend.readSync(dy.dataId) as ArrayLike<number>;
  const out = new Float32Array(batch * xH * xW * depth);
  const rows = nearestSourceIndex(yH, xH, alignCorners, halfPixelCenters);
  const cols = nearestSourceIndex(yW, xW, alignCorners, halfPixelCenters);
  let k = 0;
  for (let n = 0; n < batch; n++) {
    for (let r = 0; r < yH; r++) {
      const rowBase = (n * xH + rows[r]) * xW;
      for (let c = 0; c < yW; c++) {
        const base = (rowBase + cols[c]) * depth;
        for (let d = 0; d < depth; d++) out[base + d] += dyv[k++];
      }
    }
  }
  return backend.makeTensorInfo(images.shape, 'float32', out);
}

/** Replaces cpu's ResizeNearestNeighborGrad (idempotent). Returns false if cpu lacks the kernel. */
export function registerCpuResizeNearestNeighborGrad(tf: TF): boolean {
  const existing = tf.getKernel(RESIZE_NEAREST_NEIGHBOR_GRAD, 'cpu');
  if (!existing) return false;
  if (isOurs(existing.kernelFunc)) return true;
  tf.unregisterKernel(RESIZE_NEAREST_NEIGHBOR_GRAD, 'cpu');
  tf.registerKernel({
    kernelName: RESIZE_NEAREST_NEIGHBOR_GRAD,
    backendName: 'cpu',
    kernelFunc: markOurs(cpuResizeNearestNeighborGrad),
  });
  return true;
}
