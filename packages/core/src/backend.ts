/*
 * The one backend switch of dgpose (CONVENTIONS.md rule 3). Every tfjs module is imported lazily
 * inside these functions, so importing @dgpose/core never loads tfjs (metrics depends on core and
 * must work without it). Library code never calls setBackend anywhere else.
 */
import { DGPoseError } from './errors';
import { registerDGPoseKernels } from './kernels/register';
import type { TF } from './kernels/types';
import { prepareWasmThreads, WASM_PTHREAD_POOL_SIZE, type WasmModuleLike } from './kernels/wasm-threads';

/** A tfjs backend family dgpose can select. 'tensorflow' is @tensorflow/tfjs-node(-gpu). */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Valid backend names, in the default order of preference. */
export const BACKEND_NAMES: readonly BackendName[] = Object.freeze(['tensorflow', 'wasm', 'cpu'] as const);

/** The npm packages tried, in order, for the 'tensorflow' backend (optional peers). */
export const TENSORFLOW_MODULES: readonly string[] = Object.freeze(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);

/** One try of {@link initBackend}. */
export interface BackendAttempt {
  /** The backend family tried. */
  name: BackendName;
  /** The npm package tried, for 'tensorflow' (node-gpu, then node). */
  module?: string;
  /** Whether this try gave a working backend. */
  ok: boolean;
  /** Why it failed, or a note (e.g. a thread fallback) when it worked. */
  reason?: string;
}

export interface InitBackendOptions {
  /** Order to try; default ['tensorflow', 'wasm', 'cpu']. The env var DGPOSE_BACKEND (comma list) overrides it. */
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
}

export interface InitBackendResult {
  /** The active tfjs backend name ('tensorflow', 'wasm' or 'cpu'). */
  backend: string;
  /** Every try, in order, with the reason of each failure. */
  attempts: BackendAttempt[];
  /** wasm threads in use (1 on other backends). */
  threads: number;
  /** Whether @tensorflow/tfjs-layers was importable (it registers the gradients training needs). */
  gradients: boolean;
  /** Our kernels now registered, as "Kernel@backend". */
  kernels: string[];
}

/**
 * Literal dynamic imports, so that bundlers see (and split out) the tfjs packages a browser build
 * needs; the optional tfjs-node peers are imported by a computed name that bundlers leave alone.
 */
const LOADERS: Record<string, () => Promise<unknown>> = {
  '@tensorflow/tfjs-core': () => import('@tensorflow/tfjs-core'),
  '@tensorflow/tfjs-backend-wasm': () => import('@tensorflow/tfjs-backend-wasm'),
  '@tensorflow/tfjs-backend-cpu': () => import('@tensorflow/tfjs-backend-cpu'),
  '@tensorflow/tfjs-layers': () => import('@tensorflow/tfjs-layers'),
};

/** Hooks for tests only (not exported from the package entry). */
export const __testing = {
  /** Module loader; tests may replace it to simulate packages that are missing or broken. */
  load: (name: string): Promise<unknown> => (LOADERS[name] ?? (() => import(/* webpackIgnore: true */ /* @vite-ignore */ name)))(),
  /** Replaces the bundle text the thread patch verifies (to test the fallback). */
  wasmBundleText: undefined as string | undefined,
  /** Replaces the threads self-check (to test the fallback). */
  threadsSelfCheck: undefined as ((tf: TF, wasm: WasmModuleLike, n: number) => Promise<string | null>) | undefined,
  /** Timeout for a threaded wasm init, in ms. */
  threadsInitTimeoutMs: 30000,
  reset(): void {
    tensorflowFailures.clear();
  },
};

const tensorflowFailures = new Map<string, string>();

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

const isNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

function reasonOf(e: unknown): string {
  const m = e instanceof Error ? e.message : typeof e === 'object' && e && 'message' in e ? String((e as { message: unknown }).message) : String(e);
  const line = m.split('\n').find((l) => l.trim() !== '') ?? m;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Node's ESM import of a CJS package may put the exports under `default`. */
function interop<T>(m: unknown, key: string): T {
  const o = m as Record<string, unknown>;
  if (o && !(key in o) && o.default && typeof o.default === 'object' && key in (o.default as object)) return o.default as T;
  return m as T;
}

function parseOrder(list: readonly string[], argument: string): BackendName[] {
  const out: BackendName[] = [];
  for (const raw of list) {
    const n = raw.trim();
    if (!(BACKEND_NAMES as readonly string[]).includes(n)) {
      throw new DGPoseError('E_ARG', `unknown backend name ${JSON.stringify(n)} in ${argument}`, {
        argument,
        expected: `one of ${BACKEND_NAMES.join(', ')}`,
        got: n,
      });
    }
    if (!out.includes(n as BackendName)) out.push(n as BackendName);
  }
  if (out.length === 0) throw new DGPoseError('E_ARG', `${argument} names no backend`, { argument, expected: `some of ${BACKEND_NAMES.join(', ')}`, got: [...list] });
  return out;
}

function parseThreads(v: unknown, argument: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > WASM_PTHREAD_POOL_SIZE) {
    throw new DGPoseError('E_ARG', `${argument} must be an integer thread count`, { argument, expected: `an integer in [1, ${WASM_PTHREAD_POOL_SIZE}]`, got: v });
  }
  return n;
}

async function loadTf(): Promise<TF> {
  try {
    return interop<TF>(await __testing.load('@tensorflow/tfjs-core'), 'setBackend');
  } catch (e) {
    throw new DGPoseError('E_BACKEND', 'initBackend needs the peer @tensorflow/tfjs-core (npm i @tensorflow/tfjs-core)', { cause: e, got: reasonOf(e) });
  }
}

interface FactoryEntry {
  factory: () => unknown;
  priority: number;
}
type Engine = { registry: Record<string, unknown>; registryFactory: Record<string, FactoryEntry | undefined> };
const savedWasmFactories = new WeakMap<object, FactoryEntry>();

function engineOf(tf: TF): Engine {
  return tf.engine() as unknown as Engine;
}

/** Remembers wasm's backend factory so that the backend can be re-created after removeBackend. */
function saveWasmFactory(tf: TF): void {
  const e = engineOf(tf);
  const entry = e.registryFactory.wasm;
  if (entry && !savedWasmFactories.has(e)) savedWasmFactories.set(e, entry);
}

/** Disposes the wasm backend (terminating its threads) and re-registers its factory. */
function resetWasm(tf: TF): void {
  const e = engineOf(tf);
  saveWasmFactory(tf);
  if (e.registryFactory.wasm) tf.removeBackend('wasm');
  const entry = savedWasmFactories.get(e);
  if (entry) tf.registerBackend('wasm', entry.factory as never, entry.priority);
}

/**
 * setBackend with its boolean checked. tfjs reports an initialisation failure only through
 * console.warn, so warnings are captured meanwhile and the first one becomes the reason.
 */
async function trySet(tf: TF, name: string): Promise<string | null> {
  const warns: string[] = [];
  // eslint-disable-next-line no-console
  const origWarn = console.warn;
  // eslint-disable-next-line no-console
  console.warn = (...a: unknown[]) => {
    warns.push(a.map((x) => (x instanceof Error ? x.message : String(x))).join(' '));
  };
  try {
    const ok = await tf.setBackend(name);
    if (!ok) {
      const cause = warns.map((w) => w.split('\n')[0]).find((w) => !w.startsWith('Initialization of backend'));
      return `setBackend('${name}') returned false${cause ? `: ${cause}` : ' (initialisation failed)'}`;
    }
    if (tf.getBackend() !== name) return `setBackend('${name}') left the backend at '${tf.getBackend()}'`;
    return null;
  } catch (e) {
    return reasonOf(e);
  } finally {
    // eslint-disable-next-line no-console
    console.warn = origWarn;
  }
}

/** Runs `fn` with tfjs warnings silenced (tfjs-node registers its kernels before failing on a missing binding). */
async function quietly<T>(tf: TF, fn: () => Promise<T>): Promise<T> {
  const prev = tf.env().getBool('PROD');
  tf.env().set('PROD', true);
  try {
    return await fn();
  } finally {
    tf.env().set('PROD', prev);
  }
}

/** Conv small enough to check by hand, big enough to be split across threads. */
async function defaultThreadsSelfCheck(tf: TF, wasm: WasmModuleLike, n: number): Promise<string | null> {
  const got = wasm.getThreadsCount();
  if (got !== n) return `getThreadsCount() is ${got}, expected ${n}`;
  const [B, H, W, C, K, O] = [2, 12, 12, 8, 3, 16];
  const xs = new Float32Array(B * H * W * C).map((_, i) => Math.sin(i * 0.37));
  const ws = new Float32Array(K * K * C * O).map((_, i) => Math.cos(i * 0.11));
  const y = tf.tidy(() => tf.conv2d(tf.tensor4d(xs, [B, H, W, C]), tf.tensor4d(ws, [K, K, C, O]), 1, 'same'));
  const got4 = await y.data();
  y.dispose();
  let worst = 0;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let o = 0; o < O; o++) {
          let s = 0;
          for (let di = 0; di < K; di++)
            for (let dj = 0; dj < K; dj++) {
              const yi = i + di - 1;
              const xj = j + dj - 1;
              if (yi < 0 || yi >= H || xj < 0 || xj >= W) continue;
              for (let c = 0; c < C; c++) s += xs[((b * H + yi) * W + xj) * C + c] * ws[((di * K + dj) * C + c) * O + o];
            }
          worst = Math.max(worst, Math.abs(s - got4[((b * H + i) * W + j) * O + o]));
        }
  return worst <= 1e-3 ? null : `threaded conv2d differs from the reference by ${worst}`;
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
    const bad = why ?? (await (__testing.threadsSelfCheck ?? defaultThreadsSelfCheck)(tf, wasm, n));
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

async function tryWasm(tf: TF, threads: number, notes: string[], log: (m: string) => void): Promise<{ reason: string | null; threads: number }> {
  let wasm: WasmModuleLike;
  try {
    wasm = interop<WasmModuleLike>(await __testing.load('@tensorflow/tfjs-backend-wasm'), 'setThreadsCount');
  } catch (e) {
    return { reason: `@tensorflow/tfjs-backend-wasm not loadable: ${reasonOf(e)}`, threads: 1 };
  }
  saveWasmFactory(tf);
  registerDGPoseKernels(tf);
  const e = engineOf(tf);
  if (e.registry.wasm) {
    // Already initialised: the thread count is fixed until shutdownBackend().
    const current = wasm.getThreadsCount();
    if (current !== threads) notes.push(`wasm already initialised with ${current} thread(s); call shutdownBackend() first to change it`);
    return { reason: await trySet(tf, 'wasm'), threads: current };
  }
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

let layersState: Promise<string | null> | undefined;

/**
 * Selects and initialises a tfjs backend. Tries, in order, 'tensorflow' (@tensorflow/tfjs-node-gpu,
 * then @tensorflow/tfjs-node), 'wasm', 'cpu', or `prefer`, or the comma list in env DGPOSE_BACKEND
 * (which wins, so a run can be re-targeted without code changes). Checks setBackend's boolean,
 * imports @tensorflow/tfjs-layers once for its gradient registrations, registers dgpose's kernels
 * (wasm: Conv2DBackpropFilter and a fast Conv2DBackpropInput; cpu: a correct
 * ResizeNearestNeighborGrad and a fast Conv2DBackpropFilter), and logs its choice once.
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

async function initBackendNow(opts: InitBackendOptions): Promise<InitBackendResult> {
  if (opts === null || typeof opts !== 'object') throw new DGPoseError('E_ARG', 'initBackend options must be an object', { argument: 'opts', got: opts });
  if (opts.log !== undefined && typeof opts.log !== 'function') {
    throw new DGPoseError('E_ARG', 'log must be a function', { argument: 'log', expected: '(message: string) => void', got: typeof opts.log });
  }
  if (opts.prefer !== undefined && !Array.isArray(opts.prefer)) {
    throw new DGPoseError('E_ARG', 'prefer must be an array of backend names', { argument: 'prefer', expected: BACKEND_NAMES, got: opts.prefer });
  }
  const envOrder = env('DGPOSE_BACKEND');
  const order = envOrder !== undefined ? parseOrder(envOrder.split(','), 'DGPOSE_BACKEND') : parseOrder(opts.prefer ?? BACKEND_NAMES, 'prefer');
  const envThreads = env('DGPOSE_WASM_THREADS');
  const threads = envThreads !== undefined ? parseThreads(envThreads, 'DGPOSE_WASM_THREADS') : parseThreads(opts.threads ?? 1, 'threads');
  // eslint-disable-next-line no-console
  const log = opts.log ?? ((m: string) => console.info(m));

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
      for (const mod of TENSORFLOW_MODULES) {
        const cached = tensorflowFailures.get(mod);
        if (cached !== undefined) {
          attempts.push({ name, module: mod, ok: false, reason: cached });
          continue;
        }
        let reason: string | null;
        try {
          await quietly(tf, () => __testing.load(mod));
          reason = await trySet(tf, 'tensorflow');
        } catch (e) {
          reason = `${mod} not loadable: ${reasonOf(e)}`;
          tensorflowFailures.set(mod, reason);
        }
        attempts.push(reason === null ? { name, module: mod, ok: true } : { name, module: mod, ok: false, reason });
        if (reason === null) break;
      }
      if (attempts[attempts.length - 1]?.ok) chosen = { name, threads: 1 };
    } else if (name === 'wasm') {
      const notes: string[] = [];
      const r = await tryWasm(tf, threads, notes, log);
      const note = notes.length ? notes.join('; ') : undefined;
      if (r.reason === null) {
        attempts.push(note ? { name, ok: true, reason: note } : { name, ok: true });
        chosen = { name, threads: r.threads };
      } else {
        attempts.push({ name, ok: false, reason: note ? `${r.reason} (${note})` : r.reason });
      }
    } else {
      let reason: string | null;
      try {
        await __testing.load('@tensorflow/tfjs-backend-cpu');
        registerDGPoseKernels(tf);
        reason = await trySet(tf, 'cpu');
      } catch (e) {
        reason = `@tensorflow/tfjs-backend-cpu not loadable: ${reasonOf(e)}`;
      }
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
  log(backendLine(chosen, attempts, { env: envOrder !== undefined, layersFailure, verbose: opts.verbose ?? envFlag('DGPOSE_VERBOSE') }));
  return { backend: tf.getBackend(), attempts, threads: chosen.threads, gradients: layersFailure === null, kernels };
}

/** Whether env var `name` is set to 1/true/yes (never throws where there is no process). */
function envFlag(name: string): boolean {
  const v = typeof process !== 'undefined' ? process.env?.[name] : undefined;
  return v !== undefined && /^(1|true|yes)$/i.test(v.trim());
}

/** A skipped backend in a few words: a missing optional package is the usual, expected case. */
function shortReason(a: BackendAttempt): string {
  const r = a.reason ?? '';
  if (/cannot find (module|package)|MODULE_NOT_FOUND|ERR_MODULE_NOT_FOUND|not installed/i.test(r)) return 'not installed';
  // tfjs-node installed but its install script (the libtensorflow download) never ran or failed
  if (/tfjs_binding\.node|native addon/i.test(r)) return 'native addon not built';
  return 'failed';
}

/**
 * The one line initBackend reports, e.g. `[dgpose] tfjs backend: wasm (1 thread); skipped tensorflow (not
 * installed; DGPOSE_VERBOSE=1 for details)`. Short by default, since the full loader messages name absolute
 * module paths and run to hundreds of characters; `verbose` gives them.
 */
export function backendLine(
  chosen: { name: string; threads: number },
  attempts: readonly BackendAttempt[],
  o: { env?: boolean; layersFailure?: string | null; verbose?: boolean } = {},
): string {
  const failed = attempts.filter((a) => !a.ok);
  let skipped = '';
  if (failed.length && o.verbose) skipped = `; skipped ${failed.map((a) => `${a.name}${a.module ? ` (${a.module})` : ''}: ${a.reason}`).join('; ')}`;
  else if (failed.length) {
    // one entry per backend family (tensorflow tries node-gpu, then node: the first one's reason stands)
    const byName = new Map<string, string>();
    for (const a of failed) if (!byName.has(a.name)) byName.set(a.name, shortReason(a));
    skipped = `; skipped ${[...byName].map(([n, r]) => `${n} (${r})`).join(', ')}; DGPOSE_VERBOSE=1 for details`;
  }
  const notes = attempts.filter((a) => a.ok && a.reason).map((a) => a.reason);
  return (
    `[dgpose] tfjs backend: ${chosen.name}${chosen.name === 'wasm' ? ` (${chosen.threads} thread${chosen.threads > 1 ? 's' : ''})` : ''}` +
    (o.env ? ' [DGPOSE_BACKEND]' : '') +
    (o.verbose && notes.length ? ` (${notes.join('; ')})` : '') +
    skipped +
    (o.layersFailure ? `; gradients unavailable (@tensorflow/tfjs-layers${o.verbose ? `: ${o.layersFailure}` : ''})` : '')
  );
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
