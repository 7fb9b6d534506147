/*
 * Conditional-DGPose's pose maps of TENSOR poses (encodeTensors, decodeTensors) as one tfjs kernel,
 * `DGPosePoseMaps`, on the cpu and wasm backends: the JS drawing of pose-maps-array.ts run where the poses
 * lie (wasm heap, cpu arrays), straight into the output tensor. Why a kernel: the verbs draw from their
 * plain poses, but these calls get tensors, and library code may not read tensors synchronously
 * (CONVENTIONS 4: no dataSync); a kernel reads its inputs as every cpu and wasm kernel does. It replaces the
 * ~60 kernels of gaussianHeatmaps ⊕ limbMaps (3.7 ms per pose on wasm at 64 px, about a third of a decode).
 *
 * It has no gradient: while a gradient tape records (tf.grad over decodeTensors), and on other backends
 * (webgl, tensorflow), the model's tensor ops run instead (the same maps within 2e-6: pose-maps-array.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { LIMB_PARTS } from '@dgpose/mapper';
import { poseMapsArray } from './pose-maps-array';

export const POSE_MAPS_KERNEL = 'DGPosePoseMaps';

/** What the maps depend on besides the poses: frame size S, joints J, joint σ (px), part masks or not. */
export interface PoseMapsAttrs {
  size: number;
  joints: number;
  sigma: number;
  parts: boolean;
  /** Draw the J joint maps (default true); false: the part masks alone (Semi, whose joints come from its mapper). */
  jointMaps?: boolean;
}

// the parts of the cpu and wasm backends the kernel uses (structural: no backend is imported)
type TensorInfo = tf.TensorInfo;
interface CpuBackend {
  readSync(dataId: tf.DataId): unknown;
  makeTensorInfo(shape: number[], dtype: string, values?: Float32Array): TensorInfo;
}
interface WasmBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  /** A view (not a copy) into the wasm heap; invalid after an allocation, which may grow the heap. */
  typedArrayFromHeap(t: TensorInfo): ArrayLike<number>;
}

const BACKENDS = ['cpu', 'wasm'] as const;
type KernelBackendName = (typeof BACKENDS)[number];

function makeKernel(backendName: KernelBackendName): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { coords, visible } = inputs as unknown as { coords: TensorInfo; visible: TensorInfo };
    const a = attrs as unknown as PoseMapsAttrs;
    const n = coords.shape[0];
    const shape = [n, a.size, a.size, (a.jointMaps === false ? 0 : a.joints) + (a.parts ? LIMB_PARTS.length : 0)];
    if (backendName === 'wasm') {
      const b = backend as unknown as WasmBackend;
      const out = b.makeOutput(shape, 'float32');
      // views taken after the allocation
      poseMapsArray(
        b.typedArrayFromHeap(coords),
        b.typedArrayFromHeap(visible),
        n,
        a,
        b.typedArrayFromHeap(out) as Float32Array,
      );
      return out;
    }
    const b = backend as unknown as CpuBackend;
    const read = (t: TensorInfo): ArrayLike<number> => b.readSync(t.dataId) as ArrayLike<number>;
    return b.makeTensorInfo(shape, 'float32', poseMapsArray(read(coords), read(visible), n, a));
  };
}

/** Registers the kernel on the current backend when it is cpu or wasm (idempotent); false elsewhere. */
function ready(): boolean {
  const name = tf.getBackend();
  if (!(BACKENDS as readonly string[]).includes(name)) return false;
  if (!tf.getKernel(POSE_MAPS_KERNEL, name))
    tf.registerKernel({
      kernelName: POSE_MAPS_KERNEL,
      backendName: name,
      kernelFunc: makeKernel(name as KernelBackendName),
    });
  return true;
}

/**
 * The pose maps of normalised coords [n,2J] (+ visible [n,J] in [0,1], null = all visible), [n,S,S,J(+P)],
 * as ONE DGPosePoseMaps kernel: the joints' Gaussian heatmaps (@dgpose/mapper's gaussianHeatmaps), then
 * (parts) limbMaps' part masks. null, for the caller to run those tensor ops, on a backend other than cpu and
 * wasm and while a gradient tape records. The caller owns the result. A visible value ≤ 0 (or NaN) counts as
 * missing here, where the tensor ops would scale the maps by it.
 */
export function poseMapsKernel(coords: tf.Tensor2D, visible: tf.Tensor2D | null, a: PoseMapsAttrs): tf.Tensor4D | null {
  if (tf.engine().isTapeOn() || !ready()) return null;
  return tf.tidy(() => {
    const f32 = (t: tf.Tensor2D): tf.Tensor => (t.dtype === 'float32' ? t : tf.cast(t, 'float32'));
    const v = visible ? f32(visible) : tf.ones([coords.shape[0], a.joints]);
    return tf.engine().runKernel(POSE_MAPS_KERNEL, { coords: f32(coords), visible: v }, { ...a }) as tf.Tensor4D;
  });
}
