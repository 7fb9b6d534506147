import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { execFileSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { isDGPoseError } from './errors';
import {
  __testing,
  backendLine,
  initBackend,
  shutdownBackend,
  registerFastKernels,
  ALL_BACKEND_NAMES,
  TENSORFLOW_MODULES,
} from './backend';

const realLoad = __testing.load;
const ENV_KEYS = ['DGPOSE_BACKEND', 'DGPOSE_WASM_THREADS'] as const;
const savedEnv: Record<string, string | undefined> = {};

function tfNodeInstalled(mod: string): boolean {
  try {
    require.resolve(mod);
    return true;
  } catch {
    return false;
  }
}

async function expectError(
  p: Promise<unknown>,
  code: string,
): Promise<Error & { code: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    expect(isDGPoseError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    return e as Error & { code: string; details: Record<string, unknown> };
  }
  throw new Error(`expected a ${code} error`);
}

beforeEach(() => {
  for (const k of ENV_KEYS) {
    savedEnv[k] = process.env[k];
    delete process.env[k];
  }
  __testing.load = realLoad;
  __testing.reset();
});
afterEach(() => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  __testing.load = realLoad;
});
afterAll(async () => {
  await shutdownBackend();
});

describe('initBackend', () => {
  test('default order: tensorflow packages fail with recorded reasons, then wasm is chosen', async () => {
    const logs: string[] = [];
    const r = await initBackend({ log: (m) => logs.push(m) });
    const tfAttempts = r.attempts.filter((a) => a.name === 'tensorflow');
    expect(tfAttempts.map((a) => a.module)).toEqual([...TENSORFLOW_MODULES]);
    if (!TENSORFLOW_MODULES.some(tfNodeInstalled) || tfAttempts.every((a) => !a.ok)) {
      // not usable here: each try says why (missing package or missing native binding)
      for (const a of tfAttempts) {
        expect(a.ok).toBe(false);
        expect(a.reason).toMatch(/tfjs-node/);
      }
      expect(r.backend).toBe('wasm');
      expect(r.attempts[r.attempts.length - 1]).toEqual({ name: 'wasm', ok: true });
      expect(tf.getBackend()).toBe('wasm');
      expect(r.threads).toBe(1);
    }
    expect(r.gradients).toBe(true);
    expect(r.kernels).toEqual(expect.arrayContaining(['Conv2DBackpropFilter@wasm', 'Conv2DBackpropInput@wasm']));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(`tfjs backend: ${r.backend}`);
    // one short line: no module paths, the full reasons behind DGPOSE_VERBOSE (they stay in r.attempts)
    expect(logs[0].length).toBeLessThan(160);
    expect(logs[0]).not.toMatch(/node_modules|\.pnpm/);
    if (r.attempts.some((a) => !a.ok)) expect(logs[0]).toContain('DGPOSE_VERBOSE=1');
  }, 120000); // loading the tfjs-node packages (to fail) is slow on a loaded machine

  test('backendLine: short by default, full reasons when verbose', () => {
    const path = '/work/node_modules/.pnpm/@tensorflow+tfjs-node@4.22.0/lib/napi-v8/tfjs_binding.node';
    const attempts = [
      {
        name: 'tensorflow' as const,
        module: '@tensorflow/tfjs-node-gpu',
        ok: false,
        reason: "@tensorflow/tfjs-node-gpu not loadable: Cannot find module '@tensorflow/tfjs-node-gpu'",
      },
      {
        name: 'tensorflow' as const,
        module: '@tensorflow/tfjs-node',
        ok: false,
        reason: `@tensorflow/tfjs-node not loadable: The Node.js native addon module (tfjs_binding.node) can not be found at path: ${path}`,
      },
      { name: 'wasm' as const, ok: true, reason: '2 threads failed the self-check; 1 thread' },
    ];
    expect(backendLine({ name: 'wasm', threads: 1 }, attempts.slice(0, 1))).toBe(
      '[dgpose] tfjs backend: wasm (1 thread); skipped tensorflow (not installed); DGPOSE_VERBOSE=1 for details',
    );
    // node-gpu absent, node there without its addon: the informative reason is the one shown
    expect(backendLine({ name: 'wasm', threads: 1 }, attempts)).toBe(
      '[dgpose] tfjs backend: wasm (1 thread); skipped tensorflow (native addon not built); DGPOSE_VERBOSE=1 for details',
    );
    expect(backendLine({ name: 'wasm', threads: 1 }, attempts.slice(1))).toBe(
      '[dgpose] tfjs backend: wasm (1 thread); skipped tensorflow (native addon not built); DGPOSE_VERBOSE=1 for details',
    );
    const v = backendLine({ name: 'wasm', threads: 1 }, attempts, { verbose: true, env: true });
    expect(v).toContain(path);
    expect(v).toContain('[DGPOSE_BACKEND]');
    expect(v).toContain('2 threads failed the self-check');
    expect(backendLine({ name: 'cpu', threads: 1 }, [{ name: 'cpu', ok: true }])).toBe('[dgpose] tfjs backend: cpu');
    expect(backendLine({ name: 'cpu', threads: 1 }, [{ name: 'cpu', ok: true }], { layersFailure: 'boom /x/y' })).toBe(
      '[dgpose] tfjs backend: cpu; gradients unavailable (@tensorflow/tfjs-layers)',
    );
  });

  test('prefer sets the order', async () => {
    const r = await initBackend({ prefer: ['cpu', 'wasm'], log: () => {} });
    expect(r.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(r.attempts).toEqual([{ name: 'cpu', ok: true }]);
    expect(r.kernels).toEqual(expect.arrayContaining(['ResizeNearestNeighborGrad@cpu']));
    const r2 = await initBackend({ prefer: ['wasm'], log: () => {} });
    expect(r2.backend).toBe('wasm');
  });

  test('DGPOSE_BACKEND overrides prefer', async () => {
    process.env.DGPOSE_BACKEND = ' wasm , cpu ';
    const logs: string[] = [];
    const r = await initBackend({ prefer: ['cpu'], log: (m) => logs.push(m) });
    expect(r.backend).toBe('wasm');
    expect(r.attempts.map((a) => a.name)).toEqual(['wasm']);
    expect(logs[0]).toContain('DGPOSE_BACKEND');
    process.env.DGPOSE_BACKEND = 'cpu';
    expect((await initBackend({ prefer: ['wasm'], log: () => {} })).backend).toBe('cpu');
  });

  test('unknown names are E_ARG listing the valid names', async () => {
    const e = await expectError(initBackend({ prefer: ['opengl' as never] }), 'E_ARG');
    for (const n of ALL_BACKEND_NAMES) expect(e.message).toContain(n);
    expect(e.details.argument).toBe('prefer');
    process.env.DGPOSE_BACKEND = 'wasm,gpu';
    const e2 = await expectError(initBackend(), 'E_ARG');
    expect(e2.details.argument).toBe('DGPOSE_BACKEND');
    expect(e2.message).toContain('"gpu"');
    delete process.env.DGPOSE_BACKEND;
    await expectError(initBackend({ threads: 0 }), 'E_ARG');
    await expectError(initBackend({ threads: 1.5 }), 'E_ARG');
    process.env.DGPOSE_WASM_THREADS = 'two';
    await expectError(initBackend(), 'E_ARG');
  });

  test('E_BACKEND lists every attempt and why it failed', async () => {
    __testing.load = (name) =>
      name === '@tensorflow/tfjs-core' || name === '@tensorflow/tfjs-layers'
        ? realLoad(name)
        : Promise.reject(new Error(`Cannot find module '${name}'`));
    const e = await expectError(initBackend({ log: () => {} }), 'E_BACKEND');
    for (const n of [...TENSORFLOW_MODULES, '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu']) {
      expect(e.message).toContain(`Cannot find module '${n}'`);
    }
    const attempts = e.details.got as { name: string; ok: boolean }[];
    expect(attempts.map((a) => a.name)).toEqual(['tensorflow', 'tensorflow', 'wasm', 'cpu']);
    expect(attempts.every((a) => !a.ok)).toBe(true);
  });

  test('a backend whose setBackend returns false is reported, and the next one is tried', async () => {
    // A stand-in tfjs-node: loads fine, but its backend fails to initialise (setBackend -> false).
    __testing.load = async (name) => {
      if (!name.startsWith('@tensorflow/tfjs-node')) return realLoad(name);
      if (!tf.engine().registryFactory.tensorflow) {
        tf.registerBackend('tensorflow', () => {
          throw new Error('libtensorflow missing');
        });
      }
      return {};
    };
    const r = await initBackend({ log: () => {} });
    expect(r.attempts[0]).toEqual({
      name: 'tensorflow',
      module: TENSORFLOW_MODULES[0],
      ok: false,
      reason: "setBackend('tensorflow') returned false: Error: libtensorflow missing",
    });
    expect(r.backend).toBe('wasm');
    tf.removeBackend('tensorflow');
  });

  test('registerFastKernels registers ours on the loaded backends without switching', async () => {
    await initBackend({ prefer: ['cpu'], log: () => {} });
    const names = await registerFastKernels();
    expect(names).toEqual(
      expect.arrayContaining([
        'Slice@wasm',
        'Concat@wasm',
        'Conv2DBackpropFilter@wasm',
        'Conv2DBackpropInput@wasm',
        'ResizeNearestNeighborGrad@cpu',
        'Conv2DBackpropFilter@cpu',
      ]),
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  test('concurrent calls run one after the other', async () => {
    const [a, b] = await Promise.all([
      initBackend({ prefer: ['cpu'], log: () => {} }),
      initBackend({ prefer: ['wasm'], log: () => {} }),
    ]);
    expect([a.backend, b.backend]).toEqual(['cpu', 'wasm']);
    expect(tf.getBackend()).toBe('wasm');
  });

  test('without tfjs-core it is E_BACKEND naming the peer', async () => {
    __testing.load = (name) => Promise.reject(new Error(`Cannot find module '${name}'`));
    const e = await expectError(initBackend({ log: () => {} }), 'E_BACKEND');
    expect(e.message).toContain('@tensorflow/tfjs-core');
  });
});

describe('the core entry stays free of tfjs and Node built-ins', () => {
  const entry = path.resolve(__dirname, 'index.ts');

  test('bundles for the browser with tfjs external', () => {
    const r = buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      external: ['@tensorflow/*'],
      logLevel: 'silent',
    });
    expect(r.errors).toEqual([]);
  });

  test('importing it loads no tfjs module', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-core-'));
    const out = path.join(dir, 'core.cjs');
    buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: out,
      external: ['@tensorflow/*'],
      logLevel: 'silent',
    });
    const probe =
      "const M=require('module');const seen=[];const orig=M._load;M._load=function(r,...a){if(String(r).startsWith('@tensorflow/'))seen.push(r);return orig.call(this,r,...a)};" +
      `const core=require(${JSON.stringify(out)});if(typeof core.initBackend!=='function')throw new Error('no initBackend');console.log(JSON.stringify(seen));`;
    const seen = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).trim());
    fs.rmSync(dir, { recursive: true, force: true });
    expect(seen).toEqual([]);
  });
});
