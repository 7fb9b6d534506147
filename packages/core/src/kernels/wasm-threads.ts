/*
 * Multi-threaded tfjs-wasm in Node (shared/design/tfjs-backends.md §1). tfjs-backend-wasm 4.22.0
 * hard-codes WASM_HAS_MULTITHREAD_SUPPORT to false in Node, and forcing the flag fails because
 * (1) Node's Worker rejects the `blob:` URL Emscripten creates its pthread workers from, (2) the
 * worker then `importScripts` the main script from a Blob, which Node cannot do synchronously, and
 * (3) the C++ side caps the pool at os.cpus().length / 2. This module patches exactly those three
 * points. It is tied to the text of the 4.22.0 bundle: every patched snippet is verified first,
 * and any difference throws (the caller then falls back to one thread).
 *
 * No static Node imports: this file is reachable from core's universal entry, so Node built-ins
 * are fetched with process.getBuiltinModule at call time (browsers never get here).
 */

/** The tfjs-backend-wasm version whose bundle text the patch was written against. */
export const WASM_THREADS_PINNED_VERSION = '4.22.0';

/** FNV-1a of the bundle's `wasmWorkerContents` string in 4.22.0. */
const WORKER_FNV1A = 0x34149d9d;

/** The worker's script loader that Node cannot run (importScripts of a Blob URL). */
const WORKER_LOAD_SNIPPET =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}WasmBackendModuleThreadedSimd(Module)';

/** Main-bundle snippets the patch relies on. */
const BUNDLE_SNIPPETS = [
  'factoryConfig.mainScriptUrlOrBlob = new Blob(["var WasmBackendModuleThreadedSimd = " +',
  "if (path.endsWith('.worker.js')) {",
  'return require$$4.cpus().length;',
  "var response = wasmWorkerContents.replace(/\\n/g, '\\\\n');",
];

/** The replacement loader: read the script text asynchronously, define Rollup's globals, eval it. */
const WORKER_LOAD_REPLACEMENT =
  'Promise.resolve(typeof e.data.urlOrBlob=="string"?fs.readFileSync(e.data.urlOrBlob,"utf8"):e.data.urlOrBlob.text())' +
  '.then(src=>{global.require$$0=require("fs");global.require$$1=require("path");global.require$$3=require("perf_hooks");' +
  'global.require$$4=require("os");global.commonjsGlobal=globalThis;(0,eval)(src);WasmBackendModuleThreadedSimd(Module)})' +
  '.catch(ex=>{fs.writeSync(2,"dgpose wasm thread failed to load: "+(ex&&ex.stack||ex)+"\\n");throw ex})';

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Node built-ins without an import statement (bundlers for browsers must not see them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function builtin(name: string): any {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  if (!p || typeof p.getBuiltinModule !== 'function') {
    throw new Error('wasm threads need Node >= 20.16 (process.getBuiltinModule)');
  }
  return p.getBuiltinModule(name);
}

/** Reads the text of the tfjs-backend-wasm Node bundle that `require` resolves to. */
export function readWasmBundleText(): string {
  const fs = builtin('fs');
  let file: string;
  if (typeof require === 'function' && typeof require.resolve === 'function') {
    file = require.resolve('@tensorflow/tfjs-backend-wasm');
  } else {
    // ESM build: resolve as the application would, from the working directory.
    const { createRequire } = builtin('module');
    const path = builtin('path');
    file = createRequire(path.join(process.cwd(), 'noop.js')).resolve('@tensorflow/tfjs-backend-wasm');
  }
  return fs.readFileSync(file, 'utf8') as string;
}

/**
 * Checks the bundle text and returns the patched pthread worker source. Throws an Error saying
 * what differs when the text is not the pinned 4.22.0 bundle.
 */
export function patchedWorkerSource(bundleText: string): string {
  for (const s of BUNDLE_SNIPPETS) {
    if (!bundleText.includes(s))
      throw new Error(
        `tfjs-backend-wasm bundle differs from ${WASM_THREADS_PINNED_VERSION}: missing ${JSON.stringify(s)}`,
      );
  }
  const m = /var wasmWorkerContents = ("(?:[^"\\]|\\.)*");/.exec(bundleText);
  if (!m) throw new Error('tfjs-backend-wasm bundle has no wasmWorkerContents string');
  const worker = JSON.parse(m[1]) as string;
  const h = fnv1a(worker);
  if (h !== WORKER_FNV1A) {
    throw new Error(
      `tfjs-backend-wasm pthread worker differs from ${WASM_THREADS_PINNED_VERSION} (fnv1a ${h.toString(16)}, expected ${WORKER_FNV1A.toString(16)})`,
    );
  }
  if (worker.split(WORKER_LOAD_SNIPPET).length !== 2)
    throw new Error('tfjs-backend-wasm pthread worker loader not found exactly once');
  // function form: a '$$' in a replacement string would be mangled
  const patched = worker.replace(WORKER_LOAD_SNIPPET, () => WORKER_LOAD_REPLACEMENT);
  return patched.replace(/\n/g, '\\n'); // the escaping tfjs applies before making its Blob
}

/** Emscripten pre-spawns this many pthread workers at init (`pthreadPoolSize` in the 4.22.0 bundle). */
export const WASM_PTHREAD_POOL_SIZE = 8;

/** Minimal view of the tfjs-backend-wasm module. */
export interface WasmModuleLike {
  version_wasm: string;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/**
 * Prepares a threaded wasm init: verifies the bundle, makes Node's Worker accept Emscripten's
 * `blob:` worker URLs, sets the multithread flag and the thread count, and makes os.cpus() report
 * 2·n cores. The returned `restore` undoes the Worker and os.cpus patches; call it as soon as
 * setBackend('wasm') has settled: all pthread workers are spawned during init (a pool of 8, and
 * XNNPACK uses n-1 of them), so nothing outside the init ever sees the patches.
 * Throws with a reason when anything differs from the pinned bundle.
 */
export function prepareWasmThreads(
  tf: { env(): { set(flag: string, v: unknown): void } },
  wasm: WasmModuleLike,
  n: number,
  opts: { bundleText?: string } = {},
): () => void {
  if (wasm.version_wasm !== WASM_THREADS_PINNED_VERSION) {
    throw new Error(
      `tfjs-backend-wasm is ${wasm.version_wasm}; the threads patch is pinned to ${WASM_THREADS_PINNED_VERSION}`,
    );
  }
  if (n > WASM_PTHREAD_POOL_SIZE)
    throw new Error(`at most ${WASM_PTHREAD_POOL_SIZE} wasm threads (the pthread pool size), got ${n}`);
  const source = patchedWorkerSource(opts.bundleText ?? readWasmBundleText());
  const wt = builtin('worker_threads');
  const os = builtin('os');
  const OrigWorker = wt.Worker as new (file: unknown, o?: Record<string, unknown>) => object;
  // Node rejects blob: URLs (ERR_WORKER_PATH), so only calls that would fail anyway are redirected.
  wt.Worker = class extends OrigWorker {
    constructor(file: unknown, o?: Record<string, unknown>) {
      if (typeof file === 'string' && file.startsWith('blob:')) super(source, { ...o, eval: true });
      else super(file, o);
    }
  };
  const origCpus = os.cpus;
  os.cpus = () => {
    const c = origCpus.call(os) as unknown[];
    const out: unknown[] = [];
    while (out.length < 2 * n) out.push(c[out.length % c.length]);
    return out;
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(n);
  return () => {
    wt.Worker = OrigWorker;
    os.cpus = origCpus;
  };
}
