/*
 * @dgpose/core must load where tfjs is not installed (metrics, mapper's analytic code and data tools
 * use it without tensors): bundle each entry as the published build would (deps external), place it in
 * a temp folder with no node_modules above it, and require it in a fresh Node process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-core-no-tfjs-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it.each(['index', 'node'])('src/%s.ts loads and works without tfjs installed', async (entry) => {
  const out = path.join(dir, `${entry}.cjs`);
  await build({
    entryPoints: [path.resolve(__dirname, `${entry}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    outfile: out,
    packages: 'external',
    logLevel: 'silent',
  });
  const script = `
    let tfjsFound = true;
    try { require.resolve('@tensorflow/tfjs-core'); } catch { tfjsFound = false; }
    if (tfjsFound) throw new Error('test setup: tfjs is resolvable from ${dir}');
    const core = require(${JSON.stringify(out)});
    const pose = core.convertPose({ skeleton: 'coco17', keypoints: Array(17).fill({ x: 1, y: 2 }) }, 'coco18');
    core.encodeWeights({ w: { dtype: 'float32', shape: [1], data: new Float32Array([3]) } })
      .then(({ manifest, shards }) => core.decodeWeights(manifest, shards))
      .then((a) => { if (a.w.data[0] !== 3 || pose.keypoints[1].x !== 1) throw new Error('wrong'); console.log('ok'); });
  `;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', timeout: 30000 });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('ok');
});
