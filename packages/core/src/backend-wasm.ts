/*
 * The wasm backend: plain init, the threaded init in Node behind the pinned 4.22.0 patch and a
 * self-check (falling back to one thread), and the reset that terminates its threads.
 */
import { registerDGPoseKernels } from './kernels/register';
import type { TF } from './kernels/types';
import { prepareWasmThreads, type WasmModuleLike } from './kernels/wasm-threads';
import { __testing, interop, isNode, reasonOf } from './backend-env';
import { threadsSelfCheck } from './backend-self-check';
import { trySet } from './backend-warn-capture';

interface FactoryEntry {
  factory: () => unknown;
  priority: number;
}
type Engine = { registry: Record<string, unknown>; registryFactory: Record<string, FactoryEntry | undefined> };
const savedWasmFactories = new WeakMap<object, FactoryEntry>();

export function engineOf(tf: TF): Engine {
  return tf.engine() as unknown as Engine;
}

/** Remembers wasm's backend factory so that the backend can be re-created after removeBackend. */
function saveWasmFactory(tf: TF): void {
  const e = engineOf(tf);
  const entry = e.registryFactory.wasm;
  if (entry && !savedWasmFactories.has(e)) savedWasmFactories.set(e, entry);
}

/** Disposes the wasm backend (terminating its threads) and re-registers its factory. */
export function resetWasm(tf: TF): void {
  const e = engineOf(tf);
  saveWasmFactory(tf);
  if (e.registryFactory.wasm) tf.removeBackend('wasm');
  const entry = savedWasmFactories.get(e);
  if (entry) tf.registerBackend('wasm', entry.factory as never, entry.priority);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Tries a threaded wasm init; returns null on success or the reason it was abandoned (wasm reset). */
async function tryThreadedWasm(tf: TF, wasm: WasmModuleLike, n: number): Promise<string | null> {
  let restore: (() => void) | undefined;
  try {
    restore = prepareWasmThreads(tf, wasm, n, { bundleText: __testing.wasmBundleText });
    const why = await withTimeout(trySet(tf, 'wasm'), __testing.threadsInitTimeoutMs, 'threaded wasm init');
    restore();
    restore = undefined;
    const bad = why ?? (await (__testing.threadsSelfCheck ?? threadsSelfCheck)(tf, wasm, n));
    if (bad === null) return null;
    resetWasm(tf);
    return bad;
  } catch (e) {
    restore?.();
    try {
      resetWasm(tf);
    } catch {
      /* the reason below is what matters */
    }
    return reasonOf(e);
  }
}

/** Options of {@link tryWasm}. */
export interface WasmInitOptions {
  /** Threads requested (Node: the patch; browsers: tfjs decides whether threads are available). */
  threads: number;
  /** Where the .wasm binaries are served (browsers), passed to setWasmPaths before the first init. */
  wasmPaths?: string;
  /** Loader given by the app for the wasm package (overrides the default import). */
  loader?: () => Promise<unknown>;
}

/** Initialises wasm; `reason` is null on success. Notes (a thread fallback) go to `notes` and `log`. */
export async function tryWasm(
  tf: TF,
  o: WasmInitOptions,
  notes: string[],
  log: (m: string) => void,
): Promise<{ reason: string | null; threads: number }> {
  const { threads } = o;
  let wasm: WasmModuleLike & { setWasmPaths?: (p: string) => void };
  try {
    wasm = interop<WasmModuleLike>(
      await (o.loader ?? (() => __testing.load('@tensorflow/tfjs-backend-wasm')))(),
      'setThreadsCount',
    );
  } catch (e) {
    return { reason: `@tensorflow/tfjs-backend-wasm not loadable: ${reasonOf(e)}`, threads: 1 };
  }
  saveWasmFactory(tf);
  registerDGPoseKernels(tf);
  const e = engineOf(tf);
  if (e.registry.wasm) {
    // Already initialised: the thread count is fixed until shutdownBackend().
    const current = wasm.getThreadsCount();
    if (current !== threads)
      notes.push(`wasm already initialised with ${current} thread(s); call shutdownBackend() first to change it`);
    return { reason: await trySet(tf, 'wasm'), threads: current };
  }
  if (o.wasmPaths !== undefined && typeof wasm.setWasmPaths === 'function') wasm.setWasmPaths(o.wasmPaths);
  if (threads > 1 && isNode()) {
    const why = await tryThreadedWasm(tf, wasm, threads);
    if (why === null) return { reason: null, threads };
    const msg = `wasm threads: ${threads} requested, falling back to 1 thread: ${why}`;
    notes.push(msg);
    log(`[dgpose] ${msg}`);
  } else if (threads > 1) {
    wasm.setThreadsCount(threads); // browsers: tfjs decides whether threads are available
  }
  if (isNode()) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const reason = await trySet(tf, 'wasm');
  let actual = 1;
  try {
    actual = wasm.getThreadsCount();
  } catch {
    /* not initialised */
  }
  return { reason, threads: actual };
}
