/*
 * Where initBackend runs and how it loads tfjs modules: the runtime test (Node or not), environment
 * variables, the module loaders, and the test hooks. Nothing here imports tfjs or a Node built-in.
 */
import { DGPoseError } from './errors';
import type { TF } from './kernels/types';
import type { WasmModuleLike } from './kernels/wasm-threads';

/**
 * Literal dynamic imports, so that bundlers see (and split out) the tfjs packages a browser build
 * needs. The optional peers (tfjs-node, tfjs-node-gpu, tfjs-backend-webgl, tfjs-backend-webgpu)
 * are imported by a computed name that bundlers leave alone: an app that lacks one still builds,
 * and in a browser the app imports the webgl/webgpu package itself (or passes `backends`).
 */
const LOADERS: Record<string, () => Promise<unknown>> = {
  '@tensorflow/tfjs-core': () => import('@tensorflow/tfjs-core'),
  '@tensorflow/tfjs-backend-wasm': () => import('@tensorflow/tfjs-backend-wasm'),
  '@tensorflow/tfjs-backend-cpu': () => import('@tensorflow/tfjs-backend-cpu'),
  '@tensorflow/tfjs-layers': () => import('@tensorflow/tfjs-layers'),
};

type ProcessLike = { versions?: { node?: string }; env?: Record<string, string | undefined> };
const proc = (): ProcessLike | undefined => (globalThis as { process?: ProcessLike }).process;

/** Hooks for tests only (not exported from the package entry). */
export const __testing = {
  /** Module loader; tests may replace it to simulate packages that are missing or broken. */
  load: (name: string): Promise<unknown> =>
    (LOADERS[name] ?? (() => import(/* webpackIgnore: true */ /* @vite-ignore */ name)))(),
  /** Replaces the runtime test (undefined = ask `process.versions.node`); tests set false to act as a browser. */
  isNode: undefined as boolean | undefined,
  /** Replaces the bundle text the thread patch verifies (to test the fallback). */
  wasmBundleText: undefined as string | undefined,
  /** Replaces the threads self-check (to test the fallback). */
  threadsSelfCheck: undefined as ((tf: TF, wasm: WasmModuleLike, n: number) => Promise<string | null>) | undefined,
  /** Timeout for a threaded wasm init, in ms. */
  threadsInitTimeoutMs: 30000,
  /** Failures of the tfjs-node peers, remembered per process (loading them again is slow and noisy). */
  tensorflowFailures: new Map<string, string>(),
  reset(): void {
    this.tensorflowFailures.clear();
    this.isNode = undefined;
  },
};

/** Whether this is Node (a browser or a worker has no `process.versions.node`). */
export function isNode(): boolean {
  return __testing.isNode ?? typeof proc()?.versions?.node === 'string';
}

/** An environment variable, trimmed; undefined when unset, empty, or where there is no process. */
export function env(name: string): string | undefined {
  const v = proc()?.env?.[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Whether env var `name` is set to 1/true/yes. */
export function envFlag(name: string): boolean {
  const v = env(name);
  return v !== undefined && /^(1|true|yes)$/i.test(v);
}

/** The first non-empty line of an error's message, at most 300 characters. */
export function reasonOf(e: unknown): string {
  const m =
    e instanceof Error
      ? e.message
      : typeof e === 'object' && e && 'message' in e
        ? String((e as { message: unknown }).message)
        : String(e);
  const line = m.split('\n').find((l) => l.trim() !== '') ?? m;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Node's ESM import of a CJS package may put the exports under `default`. */
export function interop<T>(m: unknown, key: string): T {
  const o = m as Record<string, unknown>;
  if (o && !(key in o) && o.default && typeof o.default === 'object' && key in (o.default as object))
    return o.default as T;
  return m as T;
}

/** tfjs-core, or E_BACKEND naming the peer. */
export async function loadTf(): Promise<TF> {
  try {
    return interop<TF>(await __testing.load('@tensorflow/tfjs-core'), 'setBackend');
  } catch (e) {
    throw new DGPoseError(
      'E_BACKEND',
      'initBackend needs the peer @tensorflow/tfjs-core (npm i @tensorflow/tfjs-core)',
      { cause: e, got: reasonOf(e) },
    );
  }
}
