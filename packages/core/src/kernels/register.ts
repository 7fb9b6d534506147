/* Registers dgpose's kernels on whichever of the cpu and wasm backends tfjs knows about. */
import { registerConv2DBackpropFilter } from './conv2d-backprop-filter';
import { registerWasmConv2DBackpropInput } from './wasm-conv2d-backprop-input';
import { registerCpuResizeNearestNeighborGrad } from './cpu-resize-nearest-neighbor-grad';
import { registerWasmMemoryKernels } from './wasm-memory-kernels';
import { registerWasmBatchMatMul } from './wasm-batch-matmul';
import { registerTileGradient, registerWasmTile } from './tile';
import { registerLeakyReluGradient } from './activation-grads';
import { registerAdamKernel } from './adam';
import { registerWasmLeadingReduce } from './wasm-reduce';
import type { TF } from './types';

/**
 * Registers, where the backend's kernels are registered (its package was imported):
 * - wasm: Conv2DBackpropFilter (missing in 4.22.0), the polyphase Conv2DBackpropInput, and faster
 *   Slice/SplitV/Concat (first: the conv kernels use Slice) and BatchMatMul without slow transpose flags,
 *   a Tile that copies blocks, Sum and Mean over leading axes as one matrix product;
 * - cpu: a correct ResizeNearestNeighborGrad and a Conv2DBackpropFilter on cpu's Conv2D;
 * - both: DGPoseAdam, one Adam update of one variable (@dgpose/objectives' fusedAdam runs it);
 * and (all backends) the Tile and LeakyRelu gradients: one reduction for Tile's instead of a Slice and
 * an Add per repetition, mul(dy, step(x, alpha)) for LeakyRelu's.
 * Idempotent. Returns "Kernel@backend" for each kernel of ours now registered.
 */
export function registerDGPoseKernels(tf: TF): string[] {
  const done: string[] = [];
  if (tf.getKernel('Conv2D', 'wasm')) {
    done.push(...registerWasmMemoryKernels(tf));
    if (registerWasmBatchMatMul(tf)) done.push('BatchMatMul@wasm');
    done.push(...registerWasmLeadingReduce(tf)); // after BatchMatMul, which it runs on
    if (registerConv2DBackpropFilter(tf, 'wasm')) done.push('Conv2DBackpropFilter@wasm');
    if (registerWasmConv2DBackpropInput(tf)) done.push('Conv2DBackpropInput@wasm');
    if (registerWasmTile(tf)) done.push('Tile@wasm');
    if (registerAdamKernel(tf, 'wasm')) done.push('DGPoseAdam@wasm');
  }
  if (tf.getKernel('Conv2D', 'cpu')) {
    if (registerCpuResizeNearestNeighborGrad(tf)) done.push('ResizeNearestNeighborGrad@cpu');
    if (registerConv2DBackpropFilter(tf, 'cpu')) done.push('Conv2DBackpropFilter@cpu');
    if (registerAdamKernel(tf, 'cpu')) done.push('DGPoseAdam@cpu');
  }
  registerTileGradient(tf);
  registerLeakyReluGradient(tf);
  return done;
}
