/*
 * Which backends initBackend tries, in what order, and how it reports the outcome: the names, the
 * default order for Node and for browsers, the parsing of `prefer` / DGPOSE_BACKEND, the one-line
 * report and the fallback notice.
 */
import { DGPoseError } from './errors';
import { WASM_PTHREAD_POOL_SIZE } from './kernels/wasm-threads';

/**
 * A tfjs backend family dgpose can select. 'tensorflow' is @tensorflow/tfjs-node(-gpu) (Node only);
 * 'webgpu' and 'webgl' are @tensorflow/tfjs-backend-webgpu / -webgl (browsers).
 */
export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** The default order in Node (and the trainer's choices): tensorflow, wasm, cpu. */
export const BACKEND_NAMES: readonly BackendName[] = Object.freeze(['tensorflow', 'wasm', 'cpu'] as const);

/** The default order in a browser or worker: webgpu, webgl, wasm, cpu (tfjs's own priorities). */
export const BROWSER_BACKEND_NAMES: readonly BackendName[] = Object.freeze(['webgpu', 'webgl', 'wasm', 'cpu'] as const);

/** Every name `prefer` and DGPOSE_BACKEND accept. */
export const ALL_BACKEND_NAMES: readonly BackendName[] = Object.freeze([
  'tensorflow',
  'webgpu',
  'webgl',
  'wasm',
  'cpu',
] as const);

/** The npm packages tried, in order, for the 'tensorflow' backend (optional peers). */
export const TENSORFLOW_MODULES: readonly string[] = Object.freeze([
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-node',
]);

/** The npm package of each browser GPU backend (optional peers the app installs). */
export const GPU_BACKEND_MODULES: Readonly<Record<'webgpu' | 'webgl', string>> = Object.freeze({
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  webgl: '@tensorflow/tfjs-backend-webgl',
});

/** One try of initBackend. */
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

/** The default order where the code runs. */
export function defaultOrder(node: boolean): readonly BackendName[] {
  return node ? BACKEND_NAMES : BROWSER_BACKEND_NAMES;
}

/** Validated, de-duplicated order; E_ARG naming the argument and the valid names otherwise. */
export function parseOrder(list: readonly unknown[], argument: string): BackendName[] {
  const out: BackendName[] = [];
  for (const raw of list) {
    const n = typeof raw === 'string' ? raw.trim() : raw;
    if (!(ALL_BACKEND_NAMES as readonly unknown[]).includes(n)) {
      throw new DGPoseError(
        'E_ARG',
        `unknown backend name ${JSON.stringify(n)} in ${argument}; valid: ${ALL_BACKEND_NAMES.join(', ')}`,
        {
          argument,
          expected: `one of ${ALL_BACKEND_NAMES.join(', ')}`,
          got: n,
        },
      );
    }
    if (!out.includes(n as BackendName)) out.push(n as BackendName);
  }
  if (out.length === 0)
    throw new DGPoseError('E_ARG', `${argument} names no backend`, {
      argument,
      expected: `some of ${ALL_BACKEND_NAMES.join(', ')}`,
      got: [...list],
    });
  return out;
}

/** A validated wasm thread count; E_ARG otherwise. */
export function parseThreads(v: unknown, argument: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > WASM_PTHREAD_POOL_SIZE) {
    throw new DGPoseError('E_ARG', `${argument} must be an integer thread count`, {
      argument,
      expected: `an integer in [1, ${WASM_PTHREAD_POOL_SIZE}]`,
      got: v,
    });
  }
  return n;
}

/** A skipped backend in a few words: a missing optional package is the usual, expected case. */
export function shortReason(a: BackendAttempt): string {
  const r = a.reason ?? '';
  if (
    /cannot find (module|package)|MODULE_NOT_FOUND|ERR_MODULE_NOT_FOUND|not installed|Failed to resolve module specifier/i.test(
      r,
    )
  )
    return 'not installed';
  if (/runs only in Node/.test(r)) return 'Node only';
  // tfjs-node installed but its install script (the libtensorflow download) never ran or failed
  if (/tfjs_binding\.node|native addon/i.test(r)) return 'native addon not built';
  if (a.name === 'webgl' || a.name === 'webgpu') return 'unavailable';
  return 'failed';
}

const LABELS: Record<BackendName, string> = {
  tensorflow: 'tfjs-node',
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'wasm',
  cpu: 'cpu',
};

/**
 * A short notice for the user when a backend that was asked for (or that is usually there) could
 * not be used, e.g. `WebGPU unavailable, using webgl`; undefined when nothing worth saying failed.
 * A missing optional package is worth saying only when `explicit` names that backend.
 */
export function fallbackNotice(
  chosen: BackendName,
  attempts: readonly BackendAttempt[],
  explicit: readonly BackendName[] = [],
): string | undefined {
  const seen = new Map<BackendName, string>();
  for (const a of attempts) {
    if (a.ok || seen.has(a.name)) continue;
    const r = shortReason(a);
    if ((r === 'not installed' || r === 'Node only') && !explicit.includes(a.name)) continue;
    seen.set(a.name, r);
  }
  if (seen.size === 0) return undefined;
  return `${[...seen].map(([n, r]) => `${LABELS[n]} ${r}`).join(', ')}; using ${chosen}`;
}

/**
 * The one line initBackend reports, e.g. `[dgpose] tfjs backend: wasm (1 thread); skipped tensorflow (not
 * installed); DGPOSE_VERBOSE=1 for details`. Short by default, since the full loader messages name absolute
 * module paths and run to hundreds of characters; `verbose` gives them.
 */
export function backendLine(
  chosen: { name: string; threads: number },
  attempts: readonly BackendAttempt[],
  o: { env?: boolean; layersFailure?: string | null; verbose?: boolean } = {},
): string {
  const failed = attempts.filter((a) => !a.ok);
  let skipped = '';
  if (failed.length && o.verbose)
    skipped = `; skipped ${failed.map((a) => `${a.name}${a.module ? ` (${a.module})` : ''}: ${a.reason}`).join('; ')}`;
  else if (failed.length) {
    // one entry per backend family (tensorflow tries node-gpu, then node): a package that is there but
    // broken says more than one that is simply absent
    const byName = new Map<string, string>();
    for (const a of failed) {
      const r = shortReason(a);
      if (!byName.has(a.name) || byName.get(a.name) === 'not installed') byName.set(a.name, r);
    }
    skipped = `; skipped ${[...byName].map(([n, r]) => `${n} (${r})`).join(', ')}; DGPOSE_VERBOSE=1 for details`;
  }
  const notes = attempts.filter((a) => a.ok && a.reason).map((a) => a.reason);
  return (
    `[dgpose] tfjs backend: ${chosen.name}${chosen.name === 'wasm' ? ` (${chosen.threads} thread${chosen.threads > 1 ? 's' : ''})` : ''}` +
    (o.env ? ' [DGPOSE_BACKEND]' : '') +
    (o.verbose && notes.length ? ` (${notes.join('; ')})` : '') +
    skipped +
    (o.layersFailure
      ? `; gradients unavailable (@tensorflow/tfjs-layers${o.verbose ? `: ${o.layersFailure}` : ''})`
      : '')
  );
}
