/* Private test helpers shared by the dgpose packages. Never published. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// Tests train networks without initBackend; the product gets these gradients from initBackend (core's gradients.ts).
import '@tensorflow/tfjs-layers';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transformSync } from 'esbuild';

let prodSet = false;
/** Switches tfjs to `name` ('cpu' | 'wasm'), failing loudly if the switch is refused. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (!prodSet) {
    tf.enableProdMode();
    prodSet = true;
  }
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`could not switch tfjs to ${name}`);
  await tf.ready();
}

/** The backends every tensor test runs on. */
export const TEST_BACKENDS = ['cpu', 'wasm'] as const;

/**
 * Runs `fn` and asserts that the number of live tensors (and the backend's data ids, which also
 * catch leaks inside custom kernels) is the same after as before. Returns fn's result.
 */
export async function expectNoLeak<T>(fn: () => T | Promise<T>, opts: { allowed?: number } = {}): Promise<T> {
  const before = tf.memory().numTensors;
  const ids = (): number => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const idsBefore = ids();
  const out = await fn();
  const after = tf.memory().numTensors;
  const idsAfter = ids();
  const allowed = opts.allowed ?? 0;
  if (after - before !== allowed)
    throw new Error(`tensor leak: ${before} tensors before, ${after} after (allowed +${allowed})`);
  if (idsAfter - idsBefore !== allowed)
    throw new Error(`backend data leak: ${idsBefore} data ids before, ${idsAfter} after`);
  return out;
}

/** Max absolute difference between two tensors or arrays (shapes must agree). */
export function maxAbsDiff(a: tf.Tensor | ArrayLike<number>, b: tf.Tensor | ArrayLike<number>): number {
  const av = a instanceof tf.Tensor ? a.dataSync() : a;
  const bv = b instanceof tf.Tensor ? b.dataSync() : b;
  if (a instanceof tf.Tensor && b instanceof tf.Tensor && a.shape.join() !== b.shape.join()) {
    throw new Error(`shape mismatch: [${a.shape}] vs [${b.shape}]`);
  }
  if (av.length !== bv.length) throw new Error(`length mismatch: ${av.length} vs ${bv.length}`);
  let m = 0;
  for (let i = 0; i < av.length; i++) m = Math.max(m, Math.abs(av[i] - bv[i]));
  return m;
}

/** Asserts |a - b| <= atol + rtol * |b| elementwise, with a message naming the worst element. */
export function expectTensorsClose(
  a: tf.Tensor | ArrayLike<number>,
  b: tf.Tensor | ArrayLike<number>,
  opts: { atol?: number; rtol?: number } = {},
): void {
  const { atol = 1e-5, rtol = 1e-5 } = opts;
  const av = a instanceof tf.Tensor ? a.dataSync() : a;
  const bv = b instanceof tf.Tensor ? b.dataSync() : b;
  if (a instanceof tf.Tensor && b instanceof tf.Tensor && a.shape.join() !== b.shape.join()) {
    throw new Error(`shape mismatch: [${a.shape}] vs [${b.shape}]`);
  }
  if (av.length !== bv.length) throw new Error(`length mismatch: ${av.length} vs ${bv.length}`);
  for (let i = 0; i < av.length; i++) {
    const tol = atol + rtol * Math.abs(bv[i]);
    if (!(Math.abs(av[i] - bv[i]) <= tol)) throw new Error(`element ${i}: ${av[i]} vs ${bv[i]} (tolerance ${tol})`);
  }
}

/** Deterministic pseudo-random floats in [lo, hi) for fixtures (mulberry32). */
export function seededFloats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** Path of ../shared/data (beside the repo), or null when absent (tests then skip with a notice). */
export function sharedDataDir(): string | null {
  const dir = path.resolve(__dirname, '../../../../shared/data');
  return fs.existsSync(dir) ? dir : null;
}

/** `describe` that skips, with a printed notice, when ../shared/data is absent. */
export function describeWithSharedData(name: string, fn: (dataDir: string) => void): void {
  const dir = sharedDataDir();
  if (dir === null) {
    // eslint-disable-next-line no-console
    console.warn(`[skip] ${name}: ../shared/data not found beside the repository; real-data tests skipped`);
    describe.skip(name, () => fn(''));
  } else {
    describe(name, () => fn(dir));
  }
}

/**
 * Extracts the first ```ts block of a package README and runs it with `@dgpose/*` imports
 * resolved to the workspace sources. Returns whatever the block's last `export`-free run yields
 * (the block may be async: top-level await is wrapped).
 */
export async function runReadmeExample(packageDir: string): Promise<void> {
  const md = fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8');
  const m = /```ts\n([\s\S]*?)```/.exec(md);
  if (!m) throw new Error(`no \`\`\`ts block in ${packageDir}/README.md`);
  const pkgs = path.resolve(packageDir, '..');
  const src = m[1].replace(/from '@dgpose\/([a-z-]+)(\/node)?'/g, (_s, name: string, node?: string) => {
    const file = path.join(pkgs, name, 'src', node ? 'node.ts' : 'index.ts');
    return `from ${JSON.stringify(file)}`;
  });
  // Imports stay at the top; the rest runs inside an async function so the example may `await`.
  const imports: string[] = [];
  const body = src.replace(/^import\s[\s\S]*?from\s+['"][^'"]+['"];?[ \t]*$/gm, (s) => {
    imports.push(s);
    return '';
  });
  const wrapped = `${imports.join('\n')}\nexport default (async () => {\n${body}\n})();`;
  const { code } = transformSync(wrapped, { loader: 'ts', format: 'cjs', target: 'es2022' });
  const mod = { exports: {} as { default?: Promise<unknown> } };
  // Resolve through jest's require so TypeScript sources are transformed.
  const fn = new Function('require', 'module', 'exports', code);
  fn(require, mod, mod.exports);
  await mod.exports.default;
}
export { numericGradient, analyticGradient } from './finite-diff';
export { expectBrowserSafe } from './browser-safe';
export type { BrowserSafeOptions, BrowserSafeReport } from './browser-safe';
export { expectDGPoseError, rejectsWithDGPoseError } from './errors';
export type { ExpectedDGPoseError, ThrownDGPoseError } from './errors';
export {
  FUZZ_RUNS,
  FUZZ_RUNS_SLOW,
  FUZZ_CASE_MS,
  fuzz,
  fuzzTimeout,
  fuzzParameters,
  mutatedBytes,
  mutatedJson,
  valueOrDGPoseError,
} from './fuzz';
export type { FuzzOutcome } from './fuzz';
