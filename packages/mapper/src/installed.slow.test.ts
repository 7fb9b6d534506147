/*
 * Slow: builds core, layers and mapper (JS only) into a temporary node_modules laid out as an install
 * would be (mapper with its package.json, dist/ and the `files` it publishes), then loads the shipped
 * weights through '@dgpose/mapper/node' from plain Node, once as CJS (require) and once as ESM (import).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const pkgs = path.resolve(__dirname, '../..');

function build(name: string, root: string): string {
  const dir = path.join(root, 'node_modules', '@dgpose', name);
  fs.mkdirSync(dir, { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgs, name, 'package.json'), 'utf8')) as { files?: string[] };
  fs.copyFileSync(path.join(pkgs, name, 'package.json'), path.join(dir, 'package.json'));
  execFileSync('pnpm', ['exec', 'tsup', '--no-dts', '--out-dir', path.join(dir, 'dist')], {
    cwd: path.join(pkgs, name),
    stdio: 'pipe',
  });
  for (const f of pkg.files ?? [])
    if (f !== 'dist' && fs.existsSync(path.join(pkgs, name, f)))
      fs.cpSync(path.join(pkgs, name, f), path.join(dir, f), { recursive: true });
  return dir;
}

describe('installed package', () => {
  it('loads the shipped weights from the built package, as CJS and as ESM', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mapper-installed-'));
    try {
      for (const p of ['core', 'layers', 'mapper']) build(p, root);
      const tfDir = path.join(root, 'node_modules', '@tensorflow');
      fs.mkdirSync(tfDir, { recursive: true });
      for (const t of ['tfjs-core', 'tfjs-backend-cpu', 'tfjs-layers']) {
        fs.symlinkSync(
          fs.realpathSync(path.join(pkgs, 'mapper', 'node_modules', '@tensorflow', t)),
          path.join(tfDir, t),
        );
      }
      const body = (load: string): string => `${load}
        await tf.setBackend('cpu');
        for (const name of PRETRAINED_MAPPERS) {
          const m = await loadPretrainedMapper(name);
          const out = m.map([new Array(36).fill(30)]);
          console.log(name, out.shape.join('x'), pretrainedMapperDir(name));
          out.dispose(); m.dispose();
        }`;
      fs.writeFileSync(
        path.join(root, 't.cjs'),
        `(async () => {${body("const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu'); const { loadPretrainedMapper, pretrainedMapperDir, PRETRAINED_MAPPERS } = require('@dgpose/mapper/node');")}})().catch((e) => { console.error(e); process.exit(1); });`,
      );
      fs.writeFileSync(
        path.join(root, 't.mjs'),
        `import * as tf from '@tensorflow/tfjs-core'; import '@tensorflow/tfjs-backend-cpu'; import { loadPretrainedMapper, pretrainedMapperDir, PRETRAINED_MAPPERS } from '@dgpose/mapper/node';\n${body('')}`,
      );
      for (const f of ['t.cjs', 't.mjs']) {
        const out = execFileSync(process.execPath, [f], { cwd: root, encoding: 'utf8' });
        for (const name of ['coco18-64', 'coco18-128']) {
          const size = name.split('-')[1];
          expect(out).toContain(
            `${name} 1x${size}x${size}x18 ${path.join(root, 'node_modules', '@dgpose', 'mapper', 'weights', name)}`,
          );
        }
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 180000);
});
