// Slow (~1 min: an esbuild bundle, headless Chromium): `pnpm test:slow`. The library's browser API in a
// real page, as an app uses it: core's initBackend (browser order, wasm with wasmPaths, no Node-only
// import), toRgbImage of a canvas, ImageData and a Blob, and the zoo's loadPretrained over fetch from
// the page's own static files. Debian's chromium is needed (installed by .ci/run); without it the
// test is skipped with a notice.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function chromiumPath(): string | null {
  try {
    return (
      execFileSync('bash', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() ||
      null
    );
  } catch {
    return null;
  }
}

const ENTRY = `
import { initBackend, toRgbImage } from '@dgpose/core';
import { loadPretrained } from '@dgpose/zoo';
const out = {};
const code = (p) => p.then(() => 'resolved', (e) => e.code ?? String(e));
(async () => {
  try {
    const r = await initBackend({ prefer: ['tensorflow', 'wasm', 'cpu'], wasmPaths: '/wasm/', log: (m) => (out.line = m) });
    out.backend = r.backend;
    out.attempts = r.attempts;
    const c = document.createElement('canvas');
    c.width = 40;
    c.height = 30;
    const g = c.getContext('2d');
    g.fillStyle = 'rgb(200,10,20)';
    g.fillRect(0, 0, 40, 30);
    const im = await toRgbImage(c);
    out.canvas = [im.width, im.height, im.data[0], im.data[1], im.data[2]];
    const reg = await loadPretrained('pose-regressor-64', { baseUrl: '/weights/' });
    const [pose] = await reg.estimate([await toRgbImage(new ImageData(new Uint8ClampedArray(64 * 64 * 4).fill(128), 64, 64))]);
    out.joints = pose.keypoints.length;
    reg.dispose();
    out.missing = await code(loadPretrained('conditional-small-64', { baseUrl: '/nowhere/' }));
    out.tampered = await code(loadPretrained('pose-regressor-64', { baseUrl: '/tampered/' }));
    out.notImage = await code(toRgbImage(new Blob(['not an image'], { type: 'text/plain' })));
  } catch (e) {
    out.error = String(e && e.stack ? e.stack : e);
  }
  window.__out = out;
})();
`;

const exe = chromiumPath();
if (exe === null) {
  // eslint-disable-next-line no-console
  console.warn('[skip] browser.slow.test: no chromium on PATH (apt-get install chromium)');
}
(exe === null ? describe.skip : describe)('the browser API in headless Chromium', () => {
  it('initBackend, toRgbImage and loadPretrained over fetch work in a page, offline', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-browser-'));
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      const u = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push(u);
      if (u === '/')
        return void res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><script type="module" src="/out/entry.js"></script>');
      let file: string | undefined;
      let body: Buffer | undefined;
      if (u.startsWith('/out/')) file = path.join(tmp, u);
      else if (u.startsWith('/weights/')) file = path.join(ROOT, 'packages', 'zoo', u);
      else if (u.startsWith('/tampered/')) {
        file = path.join(ROOT, 'packages', 'zoo', 'weights', u.slice('/tampered/'.length));
        if (file.endsWith('.bin') && fs.existsSync(file)) {
          body = fs.readFileSync(file);
          body[100] ^= 0xff;
        }
      } else if (u.startsWith('/wasm/'))
        file = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), u.slice('/wasm/'.length));
      if (!file || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return void res.writeHead(404).end();
      const type = file.endsWith('.js')
        ? 'text/javascript'
        : file.endsWith('.wasm')
          ? 'application/wasm'
          : file.endsWith('.json')
            ? 'application/json'
            : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type }).end(body ?? fs.readFileSync(file));
    });
    const browser = await chromium.launch({ executablePath: exe as string, args: ['--no-sandbox'] });
    try {
      fs.writeFileSync(path.join(tmp, 'entry.js'), ENTRY);
      await build({
        entryPoints: [path.join(tmp, 'entry.js')],
        bundle: true,
        format: 'esm',
        splitting: true,
        platform: 'browser',
        outdir: path.join(tmp, 'out'),
        logLevel: 'silent',
        // the workspace sources, as the jest preset maps them
        plugins: [
          {
            name: 'dgpose-sources',
            setup(b) {
              b.onResolve({ filter: /^@dgpose\/[a-z-]+$/ }, (a) => ({
                path: path.join(ROOT, 'packages', a.path.slice('@dgpose/'.length), 'src', 'index.ts'),
              }));
            },
          },
        ],
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const page = await browser.newPage();
      const outside: string[] = [];
      await page.route('**/*', (route) => {
        if (route.request().url().startsWith(origin)) return route.continue();
        outside.push(route.request().url());
        return route.abort();
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => (window as unknown as { __out?: unknown }).__out, null, { timeout: 120_000 });
      const out = (await page.evaluate(() => (window as unknown as { __out: unknown }).__out)) as Record<
        string,
        unknown
      >;
      expect(out.error).toBeUndefined();
      expect(errors).toEqual([]);
      expect(out.backend).toBe('wasm');
      // tensorflow is refused without an import in a page
      expect(out.attempts).toEqual([
        { name: 'tensorflow', ok: false, reason: expect.stringMatching(/runs only in Node/) },
        { name: 'wasm', ok: true },
      ]);
      expect(out.line).toMatch(/^\[dgpose\] tfjs backend: wasm/);
      expect(out.canvas).toEqual([40, 30, 200, 10, 20]);
      expect(out.joints).toBe(18);
      expect([out.missing, out.tampered, out.notImage]).toEqual(['E_IO', 'E_WEIGHTS_CORRUPT', 'E_IMAGE_CORRUPT']);
      // only the asked model's files, the .wasm binary from the app itself, nothing from elsewhere
      expect(requests.filter((u) => u.startsWith('/weights/')).sort()).toEqual([
        '/weights/pose-regressor-64/group1-shard1of1.bin',
        '/weights/pose-regressor-64/model.json',
      ]);
      expect(requests.some((u) => u.startsWith('/wasm/') && u.endsWith('.wasm'))).toBe(true);
      expect(outside).toEqual([]);
    } finally {
      await browser.close();
      await new Promise((r) => server.close(r));
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 300_000);
});
