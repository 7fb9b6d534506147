/*
 * The native and GPU backends: tensorflow (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node;
 * Node only, never imported elsewhere) and the browser's webgpu / webgl. Each is an optional peer
 * loaded by a computed name, so a bundle without it still builds.
 */
import type { TF } from './kernels/types';
import { __testing, isNode, reasonOf } from './backend-env';
import { GPU_BACKEND_MODULES, TENSORFLOW_MODULES, type BackendAttempt } from './backend-choice';
import { quietly, trySet } from './backend-warn-capture';
import { engineOf } from './backend-wasm';

/**
 * Tries node-gpu, then node; one attempt each (failures are remembered per process: loading them
 * again is slow and noisy). Outside Node nothing is imported: one attempt saying so.
 */
export async function tryTensorflow(tf: TF, loader?: () => Promise<unknown>): Promise<BackendAttempt[]> {
  if (!isNode())
    return [{ name: 'tensorflow', ok: false, reason: 'tensorflow (@tensorflow/tfjs-node) runs only in Node' }];
  const attempts: BackendAttempt[] = [];
  for (const mod of TENSORFLOW_MODULES) {
    const cached = __testing.tensorflowFailures.get(mod);
    if (cached !== undefined) {
      attempts.push({ name: 'tensorflow', module: mod, ok: false, reason: cached });
      continue;
    }
    let reason: string | null;
    try {
      await quietly(tf, () => (loader ?? (() => __testing.load(mod)))());
      reason = await trySet(tf, 'tensorflow');
    } catch (e) {
      reason = `${mod} not loadable: ${reasonOf(e)}`;
      __testing.tensorflowFailures.set(mod, reason);
    }
    attempts.push(
      reason === null
        ? { name: 'tensorflow', module: mod, ok: true }
        : { name: 'tensorflow', module: mod, ok: false, reason },
    );
    if (reason === null || loader) break; // an app-given loader stands for both packages
  }
  return attempts;
}

/**
 * Tries 'webgpu' or 'webgl'. The backend is used as registered when the app has imported its
 * package; otherwise `loader` (from the app) or a computed import is tried. tfjs registers the
 * webgpu factory only where `navigator.gpu` exists, and a webgl init without a context makes
 * setBackend return false: both come back as a reason.
 */
export async function tryGpuBackend(
  tf: TF,
  name: 'webgpu' | 'webgl',
  loader?: () => Promise<unknown>,
): Promise<string | null> {
  const mod = GPU_BACKEND_MODULES[name];
  if (!engineOf(tf).registryFactory[name]) {
    try {
      await (loader ?? (() => __testing.load(mod)))();
    } catch (e) {
      return `${mod} not loadable: ${reasonOf(e)}`;
    }
    if (!engineOf(tf).registryFactory[name])
      return `${mod} registered no '${name}' backend (${name === 'webgpu' ? 'no navigator.gpu' : 'no WebGL'} here)`;
  }
  return trySet(tf, name);
}
