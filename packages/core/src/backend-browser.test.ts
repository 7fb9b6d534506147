// initBackend's choice in a browser and with stand-in GPU / tensorflow backends. No real browser,
// GPU or tfjs-node here: `__testing.isNode = false` makes initBackend act as in a page, and stub
// backends are registered under the names tfjs-backend-webgl/-webgpu and tfjs-node register.
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { isDGPoseError } from './errors';
import {
  __testing,
  backendLine,
  initBackend,
  shutdownBackend,
  GPU_BACKEND_MODULES,
  TENSORFLOW_MODULES,
} from './backend';

// threaded inits take seconds on a loaded 2-core machine; the root jest config ignores the preset's testTimeout
jest.setTimeout(60_000);

const realLoad = __testing.load;
let loaded: string[] = [];
const STUBS = ['webgl', 'webgpu', 'tensorflow'];

/** Registers a working stand-in backend `name` (a cpu backend under another name). */
function registerWorking(name: string): void {
  if (!tf.engine().registryFactory[name]) tf.registerBackend(name, () => new MathBackendCPU());
}
/** Registers a backend whose initialisation fails, as webgl does without a context. */
function registerFailing(name: string, why: string): void {
  if (!tf.engine().registryFactory[name]) {
    tf.registerBackend(name, () => {
      throw new Error(why);
    });
  }
}
/** A loader that records every module asked for; `modules` maps a name to what loading it does. */
function loader(modules: Record<string, () => void>): (name: string) => Promise<unknown> {
  return async (name) => {
    loaded.push(name);
    if (modules[name]) {
      modules[name]();
      return {};
    }
    if (
      name.startsWith('@tensorflow/tfjs-node') ||
      name in GPU_BACKEND_MODULES ||
      Object.values(GPU_BACKEND_MODULES).includes(name)
    ) {
      throw new Error(`Cannot find module '${name}'`);
    }
    return realLoad(name);
  };
}

beforeEach(() => {
  delete process.env.DGPOSE_BACKEND;
  delete process.env.DGPOSE_WASM_THREADS;
  __testing.reset();
  loaded = [];
});
afterEach(() => {
  __testing.load = realLoad;
  __testing.reset();
  for (const n of STUBS) if (tf.engine().registryFactory[n]) tf.removeBackend(n);
});
afterAll(async () => {
  await shutdownBackend();
});

describe('initBackend in a browser', () => {
  test('default order webgpu, webgl, wasm, cpu; never a Node-only import; no notice for packages the app did not install', async () => {
    __testing.isNode = false;
    __testing.load = loader({});
    const logs: string[] = [];
    const r = await initBackend({ log: (m) => logs.push(m) });
    expect(r.attempts.map((a) => a.name)).toEqual(['webgpu', 'webgl', 'wasm']);
    expect(r.backend).toBe('wasm');
    expect(loaded.some((m) => m.startsWith('@tensorflow/tfjs-node') || m.startsWith('node:'))).toBe(false);
    expect(loaded).toEqual(expect.arrayContaining([GPU_BACKEND_MODULES.webgpu, GPU_BACKEND_MODULES.webgl]));
    expect(r.notice).toBeUndefined();
    expect(logs).toEqual([
      '[dgpose] tfjs backend: wasm (1 thread); skipped webgpu (not installed), webgl (not installed); DGPOSE_VERBOSE=1 for details',
    ]);
  });

  test('wasm threads in a browser are left to tfjs: no Node thread patch, no Node built-in fetched', async () => {
    await shutdownBackend();
    __testing.isNode = false;
    __testing.load = loader({});
    const p = process as unknown as { getBuiltinModule?: (n: string) => unknown };
    const orig = p.getBuiltinModule;
    const asked: string[] = [];
    if (orig) p.getBuiltinModule = (n: string) => (asked.push(n), orig.call(process, n));
    try {
      const r = await initBackend({ prefer: ['wasm'], threads: 2, log: () => {} });
      expect(r.backend).toBe('wasm');
      expect(r.threads).toBe(1); // tfjs-wasm in this (Node) runtime says no threads, as a browser without COOP/COEP would
      expect(asked).toEqual([]);
    } finally {
      p.getBuiltinModule = orig;
      await shutdownBackend();
    }
  });

  test("prefer ['webgpu','webgl','wasm','cpu'] takes webgl when webgpu is missing, with a short notice", async () => {
    __testing.isNode = false;
    __testing.load = loader({ [GPU_BACKEND_MODULES.webgl]: () => registerWorking('webgl') });
    const r = await initBackend({ prefer: ['webgpu', 'webgl', 'wasm', 'cpu'], log: () => {} });
    expect(r.backend).toBe('webgl');
    expect(tf.getBackend()).toBe('webgl');
    expect(r.attempts).toEqual([
      {
        name: 'webgpu',
        ok: false,
        reason: expect.stringContaining(`Cannot find module '${GPU_BACKEND_MODULES.webgpu}'`),
      },
      { name: 'webgl', ok: true },
    ]);
    expect(r.notice).toBe('WebGPU not installed; using webgl');
  });

  test('a backend the app imported itself is used without loading anything', async () => {
    __testing.isNode = false;
    __testing.load = loader({});
    registerWorking('webgpu');
    const r = await initBackend({ log: () => {} });
    expect(r.backend).toBe('webgpu');
    expect(r.notice).toBeUndefined();
    expect(loaded.filter((m) => m !== '@tensorflow/tfjs-core' && m !== '@tensorflow/tfjs-layers')).toEqual([]);
  });

  test('an app-given loader is used, and a failing WebGL (no context) falls back to wasm with a notice', async () => {
    __testing.isNode = false;
    __testing.load = loader({});
    let called = 0;
    const r = await initBackend({
      prefer: ['webgl', 'wasm'],
      backends: {
        webgl: async () => {
          called++;
          registerFailing('webgl', 'WebGL is not supported on this device');
        },
      },
      log: () => {},
    });
    expect(called).toBe(1);
    expect(r.backend).toBe('wasm');
    expect(r.attempts[0]).toEqual({
      name: 'webgl',
      ok: false,
      reason: "setBackend('webgl') returned false: Error: WebGL is not supported on this device",
    });
    expect(r.notice).toBe('WebGL unavailable; using wasm');
  });

  test('a webgpu package that registers nothing (no navigator.gpu) is reported, not thrown', async () => {
    __testing.isNode = false;
    __testing.load = loader({ [GPU_BACKEND_MODULES.webgpu]: () => {} });
    const r = await initBackend({ prefer: ['webgpu', 'cpu'], log: () => {} });
    expect(r.backend).toBe('cpu');
    expect(r.attempts[0].reason).toMatch(/registered no 'webgpu' backend/);
    expect(r.notice).toBe('WebGPU unavailable; using cpu');
  });

  test("an explicit 'tensorflow' in a browser is skipped without importing tfjs-node", async () => {
    __testing.isNode = false;
    __testing.load = loader({});
    const r = await initBackend({ prefer: ['tensorflow', 'cpu'], log: () => {} });
    expect(r.attempts[0]).toEqual({
      name: 'tensorflow',
      ok: false,
      reason: expect.stringMatching(/runs only in Node/),
    });
    expect(loaded.some((m) => m.startsWith('@tensorflow/tfjs-node'))).toBe(false);
    expect(r.notice).toBe('tfjs-node Node only; using cpu');
  });

  test('bad backends / wasmPaths options are E_ARG', async () => {
    for (const o of [
      { backends: { webgl: 'x' } },
      { backends: { opengl: async () => ({}) } },
      { backends: null },
      { wasmPaths: '' },
    ]) {
      await initBackend(o as never).then(
        () => {
          throw new Error('expected E_ARG');
        },
        (e) => expect(isDGPoseError(e, 'E_ARG')).toBe(true),
      );
    }
  });
});

describe('the tensorflow backend (stand-in for tfjs-node / tfjs-node-gpu)', () => {
  test('tfjs-node-gpu, when it works, is chosen first', async () => {
    __testing.load = loader({ [TENSORFLOW_MODULES[0]]: () => registerWorking('tensorflow') });
    const logs: string[] = [];
    const r = await initBackend({ log: (m) => logs.push(m) });
    expect(r.backend).toBe('tensorflow');
    expect(r.attempts).toEqual([{ name: 'tensorflow', module: '@tensorflow/tfjs-node-gpu', ok: true }]);
    expect(loaded).not.toContain('@tensorflow/tfjs-node');
    expect(logs).toEqual(['[dgpose] tfjs backend: tensorflow']);
    expect(r.notice).toBeUndefined();
  });

  test('without node-gpu, tfjs-node is taken', async () => {
    __testing.load = loader({ [TENSORFLOW_MODULES[1]]: () => registerWorking('tensorflow') });
    const r = await initBackend({ log: () => {} });
    expect(r.backend).toBe('tensorflow');
    expect(r.attempts.map((a) => [a.module, a.ok])).toEqual([
      ['@tensorflow/tfjs-node-gpu', false],
      ['@tensorflow/tfjs-node', true],
    ]);
  });

  test('an installed tfjs-node whose native addon was never built: wasm, and the line and notice say why', async () => {
    const addon = '/x/node_modules/.pnpm/@tensorflow+tfjs-node@4.22.0/lib/napi-v8/tfjs_binding.node';
    __testing.load = loader({
      [TENSORFLOW_MODULES[1]]: () => {
        throw new Error(`The Node.js native addon module (tfjs_binding.node) can not be found at path: ${addon}`);
      },
    });
    const logs: string[] = [];
    const r = await initBackend({ log: (m) => logs.push(m) });
    expect(r.backend).toBe('wasm');
    // node-gpu is simply absent; the line names the informative reason of the two
    expect(logs[0]).toBe(
      '[dgpose] tfjs backend: wasm (1 thread); skipped tensorflow (native addon not built); DGPOSE_VERBOSE=1 for details',
    );
    expect(backendLine({ name: 'wasm', threads: 1 }, r.attempts.slice(0, 1))).toContain('tensorflow (not installed)');
    expect(r.notice).toBe('tfjs-node native addon not built; using wasm');
  });
});
