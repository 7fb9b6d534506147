/*
 * The one backend switch of dgpose (CONVENTIONS.md rule 3). Every tfjs module is imported lazily
 * inside these functions, so importing @dgpose/core never loads tfjs (metrics depends on core and
 * must work without it). Library code never calls setBackend anywhere else.
 *
 * One file per job: backend-choice (names, order, the report line), backend-env (runtime, loaders,
 * test hooks), backend-gpu (tensorflow, webgpu, webgl), backend-wasm (wasm and its threads),
 * backend-self-check (the threaded conv check), backend-warn-capture (setBackend's console.warn).
 */
import { DGPoseError } from './errors';
import { registerDGPoseKernels } from './kernels/register';
import type { TF } from './kernels/types';
import { __testing, env, envFlag, isNode, loadTf, reasonOf } from './backend-env';
import {
  defaultOrder,
  fallbackNotice,
  backendLine,
  parseOrder,
  parseThreads,
  ALL_BACKEND_NAMES,
  type BackendAttempt,
  type BackendName,
} from './backend-choice';
import { tryGpuBackend, tryTensorflow } from './backend-gpu';
import { engineOf, resetWasm, tryWasm } from './backend-wasm';
import { trySet } from './backend-warn-capture';

export { __testing };
export {
  backendLine,
  BACKEND_NAMES,
  BROWSER_BACKEND_NAMES,
  ALL_BACKEND_NAMES,
  TENSORFLOW_MODULES,
  GPU_BACKEND_MODULES,
  type BackendName,
  type BackendAttempt,
} from './backend-choice';

export interface InitBackendOptions {
  /**
   * Order to try; default ['tensorflow', 'wasm', 'cpu'] in Node and ['webgpu', 'webgl', 'wasm', 'cpu'] in a
   * browser or worker. The env var DGPOSE_BACKEND (comma list) overrides it.
   */
  prefer?: BackendName[];
  /** wasm threads in Node (1 = default; 2 uses the pinned 4.22.0 patch with a self-check). Env DGPOSE_WASM_THREADS overrides it. */
  threads?: number;
  /** Where the one-line choice is reported; default console.info. */
  log?: (message: string) => void;
  /**
   * Whether that line gives each skipped backend's full reason (module paths, loader messages) instead of a
   * short one ("not installed", "failed"). Default false; the env var DGPOSE_VERBOSE=1 turns it on. The
   * full reasons are always in the result's `attempts`.
   */
  verbose?: boolean;
  /**
   * Loaders of backend packages, given by a browser app so its bundler sees them, e.g.
   * `{ webgl: () => import('@tensorflow/tfjs-backend-webgl') }`. Not needed for a package the app has
   * already imported (its backend is registered), nor in Node.
   */
  backends?: Partial<Record<BackendName, () => Promise<unknown>>>;
  /** Folder or URL prefix (ending in '/') of the tfjs-backend-wasm .wasm binaries, for setWasmPaths in a browser. */
  wasmPaths?: string;
}

export interface InitBackendResult {
  /** The active tfjs backend name ('tensorflow', 'webgpu', 'webgl', 'wasm' or 'cpu'). */
  backend: string;
  /** Every try, in order, with the reason of each failure. */
  attempts: BackendAttempt[];
  /** wasm threads in use (1 on other backends). */
  threads: number;
  /** Whether @tensorflow/tfjs-layers was importable (it registers the gradients training needs). */
  gradients: boolean;
  /** Our kernels now registered, as "Kernel@backend". */
  kernels: string[];
  /**
   * A short notice to show a user when a backend that should have been there was not, e.g.
   * `WebGPU unavailable, WebGL unavailable; using wasm`; absent when the first usable choice was taken.
   */
  notice?: string;
}

/**
 * Selects and initialises a tfjs backend. Tries, in order, `prefer`, or the comma list in env
 * DGPOSE_BACKEND (which wins, so a run can be re-targeted without code changes), or by default
 * 'tensorflow' (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node), 'wasm', 'cpu' in Node and
 * 'webgpu', 'webgl', 'wasm', 'cpu' in a browser, where nothing Node-only is imported. Checks
 * setBackend's boolean, imports @tensorflow/tfjs-layers once for its gradient registrations,
 * registers dgpose's kernels (wasm: Conv2DBackpropFilter and a fast Conv2DBackpropInput; cpu: a
 * correct ResizeNearestNeighborGrad and a fast Conv2DBackpropFilter), and logs its choice once.
 * `threads` (or env DGPOSE_WASM_THREADS) > 1 enables multi-threaded wasm in Node behind a
 * self-check, falling back to 1 thread with a logged reason. Throws E_ARG for an unknown name and
 * E_BACKEND listing every attempt when none works.
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<InitBackendResult> {
  return serialized(() => initBackendNow(opts));
}

/** initBackend and shutdownBackend run one at a time (the thread patch and setBackend are global). */
let queue: Promise<unknown> = Promise.resolve();
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

function validateOptions(opts: InitBackendOptions): void {
  if (opts === null || typeof opts !== 'object')
    throw new DGPoseError('E_ARG', 'initBackend options must be an object', { argument: 'opts', got: opts });
  if (opts.log !== undefined && typeof opts.log !== 'function') {
    throw new DGPoseError('E_ARG', 'log must be a function', {
      argument: 'log',
      expected: '(message: string) => void',
      got: typeof opts.log,
    });
  }
  if (opts.prefer !== undefined && !Array.isArray(opts.prefer)) {
    throw new DGPoseError('E_ARG', 'prefer must be an array of backend names', {
      argument: 'prefer',
      expected: ALL_BACKEND_NAMES,
      got: opts.prefer,
    });
  }
  if (opts.backends !== undefined) {
    if (opts.backends === null || typeof opts.backends !== 'object')
      throw new DGPoseError('E_ARG', 'backends must be an object of loaders', {
        argument: 'backends',
        got: opts.backends,
      });
    for (const [k, v] of Object.entries(opts.backends)) {
      if (!(ALL_BACKEND_NAMES as readonly string[]).includes(k) || (v !== undefined && typeof v !== 'function')) {
        throw new DGPoseError('E_ARG', `backends.${k} must be a loader function of a known backend`, {
          argument: `backends.${k}`,
          expected: `${ALL_BACKEND_NAMES.join(', ')}: () => import(...)`,
          got: typeof v,
        });
      }
    }
  }
  if (opts.wasmPaths !== undefined && (typeof opts.wasmPaths !== 'string' || opts.wasmPaths === '')) {
    throw new DGPoseError('E_ARG', 'wasmPaths must be a non-empty string', {
      argument: 'wasmPaths',
      expected: "a folder or URL prefix ending in '/'",
      got: opts.wasmPaths,
    });
  }
}

let layersState: Promise<string | null> | undefined;

async function initBackendNow(opts: InitBackendOptions): Promise<InitBackendResult> {
  validateOptions(opts);
  const envOrder = env('DGPOSE_BACKEND');
  const order =
    envOrder !== undefined
      ? parseOrder(envOrder.split(','), 'DGPOSE_BACKEND')
      : parseOrder(opts.prefer ?? defaultOrder(isNode()), 'prefer');
  const explicit = envOrder !== undefined || opts.prefer !== undefined ? order : [];
  const envThreads = env('DGPOSE_WASM_THREADS');
  const threads =
    envThreads !== undefined
      ? parseThreads(envThreads, 'DGPOSE_WASM_THREADS')
      : parseThreads(opts.threads ?? 1, 'threads');
  // eslint-disable-next-line no-console
  const log = opts.log ?? ((m: string) => console.info(m));
  const loaders = opts.backends ?? {};

  const tf = await loadTf();
  layersState ??= __testing.load('@tensorflow/tfjs-layers').then(
    () => null,
    (e) => reasonOf(e),
  );
  const layersFailure = await layersState;

  const attempts: BackendAttempt[] = [];
  let chosen: { name: BackendName; threads: number } | undefined;
  for (const name of order) {
    if (name === 'tensorflow') {
      const tries = await tryTensorflow(tf, loaders.tensorflow);
      attempts.push(...tries);
      if (tries[tries.length - 1]?.ok) chosen = { name, threads: 1 };
    } else if (name === 'webgpu' || name === 'webgl') {
      const reason = await tryGpuBackend(tf, name, loaders[name]);
      attempts.push(reason === null ? { name, ok: true } : { name, ok: false, reason });
      if (reason === null) chosen = { name, threads: 1 };
    } else if (name === 'wasm') {
      const notes: string[] = [];
      const r = await tryWasm(tf, { threads, wasmPaths: opts.wasmPaths, loader: loaders.wasm }, notes, log);
      const note = notes.length ? notes.join('; ') : undefined;
      if (r.reason === null) {
        attempts.push(note ? { name, ok: true, reason: note } : { name, ok: true });
        chosen = { name, threads: r.threads };
      } else {
        attempts.push({ name, ok: false, reason: note ? `${r.reason} (${note})` : r.reason });
      }
    } else {
      const reason = await tryCpu(tf, loaders.cpu);
      attempts.push(reason === null ? { name, ok: true } : { name, ok: false, reason });
      if (reason === null) chosen = { name, threads: 1 };
    }
    if (chosen) break;
  }

  if (!chosen) {
    const list = attempts.map((a) => `${a.name}${a.module ? ` (${a.module})` : ''}: ${a.reason}`).join('; ');
    throw new DGPoseError('E_BACKEND', `no tfjs backend could be initialised; tried ${list}`, {
      expected: `one of ${order.join(', ')}`,
      got: attempts,
    });
  }
  const kernels = registerDGPoseKernels(tf);
  log(
    backendLine(chosen, attempts, {
      env: envOrder !== undefined,
      layersFailure,
      verbose: opts.verbose ?? envFlag('DGPOSE_VERBOSE'),
    }),
  );
  const notice = fallbackNotice(chosen.name, attempts, explicit);
  return {
    backend: tf.getBackend(),
    attempts,
    threads: chosen.threads,
    gradients: layersFailure === null,
    kernels,
    ...(notice ? { notice } : {}),
  };
}

async function tryCpu(tf: TF, loader?: () => Promise<unknown>): Promise<string | null> {
  try {
    await (loader ?? (() => __testing.load('@tensorflow/tfjs-backend-cpu')))();
  } catch (e) {
    return `@tensorflow/tfjs-backend-cpu not loadable: ${reasonOf(e)}`;
  }
  registerDGPoseKernels(tf);
  return trySet(tf, 'cpu');
}

/**
 * Disposes the wasm backend, which terminates its threads (a threaded wasm backend keeps Node
 * alive), and leaves it registered so a later initBackend can start it again. Tensors held on wasm
 * are lost. A no-op when tfjs or the wasm backend was never loaded.
 */
export function shutdownBackend(): Promise<void> {
  return serialized(shutdownNow);
}

async function shutdownNow(): Promise<void> {
  let tf: TF;
  try {
    tf = await loadTf();
  } catch {
    return;
  }
  const e = engineOf(tf);
  if (e.registry.wasm || e.registryFactory.wasm) resetWasm(tf);
}

/** Registers dgpose's kernels on the cpu/wasm backends tfjs has loaded (initBackend does this). */
export async function registerFastKernels(): Promise<string[]> {
  return registerDGPoseKernels(await loadTf());
}
