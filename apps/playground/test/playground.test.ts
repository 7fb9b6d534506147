/*
 * The playground in a real browser: Debian's chromium driven by playwright-core, the built app served by
 * `vite preview` on 127.0.0.1. Skips with a notice when chromium is not installed; builds the app first
 * when dist/ is missing. The wasm backend is forced (`?backend=wasm`) so outputs are deterministic.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import pixelmatch from 'pixelmatch';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

const APP = path.resolve(__dirname, '..');
const REPO = path.resolve(APP, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const DEEPFASHION = path.resolve(REPO, '../shared/data/realdata/deepfashion');
const PHOTO = 'fasionMENSweatshirtsHoodiesid0000183103_4full.jpg';
const BASELINE = path.join(APP, 'test/__screenshots__/transfer-wasm.png');
const OUTPUT = path.join(APP, 'test/__output__');
// vite's package exports hide its bin; pnpm links the package into the app's node_modules
const VITE = path.join(APP, 'node_modules/vite/bin/vite.js');
// flags from the machine notes: no sandbox as root, no GPU, and none of Chromium's own background traffic
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (!HAVE_CHROMIUM) {
  console.warn(
    `[playground] browser tests skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );
}
const describeBrowser = HAVE_CHROMIUM ? describe : describe.skip;
/** Per-test timeout (the root jest run ignores the preset's testTimeout). */
const T = 180000; // generous: on a 2-core machine shared with trainings a step can take 10x its usual time

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + 60000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`vite preview exited (${child.exitCode}): ${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`vite preview did not answer at ${url}: ${log()}`);
}

/** True when dist/ is missing or any source of the page is newer than it. */
function distStale(): boolean {
  const built = path.join(APP, 'dist/index.html');
  if (!fs.existsSync(built)) return true;
  const t = fs.statSync(built).mtimeMs;
  const sources = [
    'index.html',
    'vite.config.ts',
    'assets.ts',
    ...fs.readdirSync(path.join(APP, 'src')).map((f) => `src/${f}`),
  ];
  return sources.some((f) => fs.statSync(path.join(APP, f)).mtimeMs > t);
}

interface Pixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The RGBA pixels of a canvas of the page (as a PNG data URL: far cheaper to move than a JSON array). */
async function canvasPixels(page: Page, selector: string): Promise<Pixels[]> {
  const urls = await page.evaluate(
    (sel) => Array.from(document.querySelectorAll<HTMLCanvasElement>(sel)).map((c) => c.toDataURL('image/png')),
    selector,
  );
  return urls.map((u) => {
    const png = PNG.sync.read(Buffer.from(u.slice(u.indexOf(',') + 1), 'base64'));
    return { width: png.width, height: png.height, data: png.data };
  });
}

function meanAbsDiff(a: Pixels, b: Pixels): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) s += Math.abs(a.data[i] - b.data[i]);
  return s / ((a.data.length / 4) * 3);
}

/** Mean RGB inside and outside a box (x0,y0,x1,y1 in canvas pixels), and the overall luminance spread. */
function regionStats(
  p: Pixels,
  box: [number, number, number, number],
): { inside: number[]; outside: number[]; std: number } {
  const inside = [0, 0, 0, 0];
  const outside = [0, 0, 0, 0];
  let sum = 0;
  let sum2 = 0;
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      const i = 4 * (y * p.width + x);
      const acc = x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3] ? inside : outside;
      for (let c = 0; c < 3; c++) acc[c] += p.data[i + c];
      acc[3]++;
      const l = (p.data[i] + p.data[i + 1] + p.data[i + 2]) / 3;
      sum += l;
      sum2 += l * l;
    }
  }
  const n = p.width * p.height;
  const mean = (a: number[]): number[] => a.slice(0, 3).map((v) => v / a[3]);
  return { inside: mean(inside), outside: mean(outside), std: Math.sqrt(sum2 / n - (sum / n) ** 2) };
}

async function waitIdle(page: Page, rendersAbove: number): Promise<void> {
  await page.waitForFunction((n) => window.__playground!.renders() > n && window.__playground!.idle(), rendersAbove, {
    timeout: 120000,
  });
}

/** Polls `get` until `re` matches what it returns (jest has no expect.poll); fails showing the last value. */
async function eventually(get: () => Promise<string | null>, re: RegExp, timeoutMs = 120000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: string | null = null;
  while (Date.now() < until) {
    last = await get();
    if (last !== null && re.test(last)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(last).toMatch(re);
}

async function visibleError(page: Page): Promise<string> {
  const el = page.getByTestId('error');
  return (await el.isVisible()) ? ((await el.textContent()) ?? '') : '';
}

async function uploadInPage(
  page: Page,
  make: { width: number; height: number } | { bytes: number[]; name: string; type: string },
): Promise<void> {
  await page.evaluate(async (m) => {
    let file: File;
    if ('width' in m) {
      // a large picture with no person: a smooth gradient, made in the page, as a JPEG (fast to encode)
      const c = new OffscreenCanvas(m.width, m.height);
      const ctx = c.getContext('2d')!;
      const g = ctx.createLinearGradient(0, 0, m.width, m.height);
      g.addColorStop(0, '#3a6ea5');
      g.addColorStop(1, '#f0e6c8');
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, m.width, m.height);
      file = new File(
        [await c.convertToBlob({ type: 'image/jpeg', quality: 0.8 })],
        `huge-${m.width}x${m.height}.jpg`,
        {
          type: 'image/jpeg',
        },
      );
    } else {
      file = new File([new Uint8Array(m.bytes)], m.name, { type: m.type });
    }
    const input = document.querySelector('[data-testid="upload"]') as HTMLInputElement;
    const dt = new DataTransfer();
    dt.items.add(file);
    input.files = dt.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, make);
}

describeBrowser('playground in chromium', () => {
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let origin = '';
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (distStale()) {
      console.warn('[playground] dist/ missing or older than the sources: building the app first (vite build)');
      execFileSync(process.execPath, [VITE, 'build', '--logLevel', 'warn'], { cwd: APP, stdio: 'inherit' });
    }
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    let log = '';
    server = spawn(process.execPath, [VITE, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
      cwd: APP,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d) => (log += d));
    server.stderr!.on('data', (d) => (log += d));
    await waitForServer(`${origin}/`, server, () => log);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    context = await browser.newContext({ viewport: { width: 1000, height: 760 }, deviceScaleFactor: 1 });
    context.on('request', (r) => requests.push(r.url()));
    // the same reason: tfjs's bundle and the first wasm calls can take tens of seconds on a loaded box
    context.setDefaultTimeout(120000);
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${origin}/?backend=wasm`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 120000 });
  }, 480000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) server.kill();
  }, T);

  it(
    'loads: wasm backend shown, the models loaded, no error',
    async () => {
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
      expect(await page.getByTestId('backend').textContent()).toBe('backend: wasm');
      expect(await visibleError(page)).toBe('');
      const latency = (await page.getByTestId('latency').textContent()) ?? '';
      for (const call of ['load conditional-small-64', 'load semi-small-64-100', 'transfer'])
        expect(latency).toContain(call);
    },
    T,
  );

  it(
    'a transfer renders a person: the body region differs from the background',
    async () => {
      expect(await page.evaluate(() => window.__playground!.renders())).toBeGreaterThanOrEqual(1);
      const pose = (await page.evaluate(() => window.__playground!.targetPose()))!;
      const px = (await canvasPixels(page, '#result'))[0];
      const pts = pose.keypoints
        .filter((k): k is { x: number; y: number } => k !== null)
        .map((k) => [(k.x + 0.5) * 4, (k.y + 0.5) * 4]);
      const box: [number, number, number, number] = [
        Math.min(...pts.map((p) => p[0])),
        Math.min(...pts.map((p) => p[1])),
        Math.max(...pts.map((p) => p[0])),
        Math.max(...pts.map((p) => p[1])),
      ];
      const s = regionStats(px, box);
      expect(s.std).toBeGreaterThan(8); // not a flat picture
      const colourGap = Math.hypot(...s.inside.map((v, c) => v - s.outside[c]));
      expect(colourGap).toBeGreaterThan(10); // something person-coloured where the skeleton is
    },
    T,
  );

  it(
    'matches the reference screenshot of that transfer (pixelmatch, <= 2 % of pixels)',
    async () => {
      const shot = PNG.sync.read(await page.getByTestId('result').screenshot());
      fs.mkdirSync(OUTPUT, { recursive: true });
      fs.writeFileSync(path.join(OUTPUT, 'transfer-wasm.png'), PNG.sync.write(shot));
      if (process.env.UPDATE_SCREENSHOTS === '1') {
        fs.mkdirSync(path.dirname(BASELINE), { recursive: true });
        fs.writeFileSync(BASELINE, PNG.sync.write(shot));
      }
      if (!fs.existsSync(BASELINE))
        throw new Error(`no reference screenshot at ${BASELINE}: run with UPDATE_SCREENSHOTS=1 once and commit it`);
      const ref = PNG.sync.read(fs.readFileSync(BASELINE));
      expect([shot.width, shot.height]).toEqual([ref.width, ref.height]);
      const diff = new PNG({ width: ref.width, height: ref.height });
      const differing = pixelmatch(ref.data, shot.data, diff.data, ref.width, ref.height, { threshold: 0.1 });
      if (differing > 0) fs.writeFileSync(path.join(OUTPUT, 'transfer-wasm.diff.png'), PNG.sync.write(diff));
      expect(differing / (ref.width * ref.height)).toBeLessThanOrEqual(0.02);
    },
    T,
  );

  it(
    'dragging a joint moves it and changes the output',
    async () => {
      const before = (await canvasPixels(page, '#result'))[0];
      const renders = await page.evaluate(() => window.__playground!.renders());
      const pose = (await page.evaluate(() => window.__playground!.targetPose()))!;
      const wrist = pose.keypoints[4]!; // r_wrist (COCO-18)
      const box = (await page.getByTestId('target').boundingBox())!;
      const scale = box.width / 64;
      const x = box.x + (wrist.x + 0.5) * scale;
      const y = box.y + (wrist.y + 0.5) * scale;
      await page.mouse.move(x, y);
      await page.mouse.down();
      const dx = wrist.x > 32 ? -60 : 60;
      for (let i = 1; i <= 6; i++) await page.mouse.move(x + (dx * i) / 6, y - (50 * i) / 6);
      await page.mouse.up();
      await waitIdle(page, renders);
      const moved = (await page.evaluate(() => window.__playground!.targetPose()))!.keypoints[4]!;
      expect(Math.abs(moved.x - wrist.x)).toBeGreaterThan(10);
      expect(wrist.y - moved.y).toBeGreaterThan(8);
      const after = (await canvasPixels(page, '#result'))[0];
      expect(meanAbsDiff(before, after)).toBeGreaterThan(1);
    },
    T,
  );

  it(
    'sliders edit the pose (height) and the person is redrawn',
    async () => {
      const renders = await page.evaluate(() => window.__playground!.renders());
      const nose = (await page.evaluate(() => window.__playground!.targetPose()))!.keypoints[0]!;
      await page.getByTestId('height').evaluate((el: HTMLInputElement) => {
        el.value = '1.15';
        el.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await waitIdle(page, renders);
      const taller = (await page.evaluate(() => window.__playground!.targetPose()))!.keypoints[0]!;
      expect(taller.y).toBeLessThan(nose.y - 1);
    },
    T,
  );

  it(
    'samples four different appearances from the prior, and Semi-DGPose estimates a pose',
    async () => {
      await page.getByTestId('sample').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="samples"] canvas').length === 4, null, {
        timeout: 120000,
      });
      const a = await canvasPixels(page, '[data-testid="samples"] canvas');
      expect(meanAbsDiff(a[0], a[1])).toBeGreaterThan(2);
      expect(meanAbsDiff(a[2], a[3])).toBeGreaterThan(2);
      await page.getByTestId('estimate').click();
      await page.waitForFunction(
        () => /estimated \d+ joints/.test(document.querySelector('[data-testid="estimate-info"]')!.textContent ?? ''),
        null,
        { timeout: 120000 },
      );
      const n = Number(/estimated (\d+) joints/.exec((await page.getByTestId('estimate-info').textContent())!)![1]);
      expect(n).toBeGreaterThanOrEqual(12);
      expect(await page.getByTestId('latency').textContent()).toMatch(/generate x4: \d+ ms.*Semi estimatePose: \d+ ms/);
      // the README's picture of the page (after a drag, a height edit, samples and Semi's estimate)
      if (process.env.UPDATE_SCREENSHOTS === '1')
        await page.screenshot({ path: path.join(REPO, 'docs/playground.png') });
    },
    T,
  );

  it(
    'an uploaded DeepFashion photo gets a MoveNet skeleton close to its annotation, and is redrawn',
    async () => {
      const file = path.join(DEEPFASHION, 'images/annotated', PHOTO);
      if (!fs.existsSync(file)) {
        console.warn(
          `[playground] DeepFashion upload test skipped: ${file} absent (../shared/data is not on this machine)`,
        );
        return;
      }
      const renders = await page.evaluate(() => window.__playground!.renders());
      await page.getByTestId('upload').setInputFiles(file);
      await page.waitForFunction(
        () =>
          /MoveNet found \d+ of 18 joints/.test(
            document.querySelector('[data-testid="source-info"]')!.textContent ?? '',
          ),
        null,
        { timeout: 120000 },
      );
      await waitIdle(page, renders);
      expect(await visibleError(page)).toBe('');
      const pose = (await page.evaluate(() => window.__playground!.sourcePose()))!;
      // the pose-gan annotation of this image (256x256, so the page neither pads nor resizes it)
      const row = fs
        .readFileSync(path.join(DEEPFASHION, 'annotations/fasion-annotation-test.csv'), 'utf8')
        .split('\n')
        .find((l) => l.startsWith(PHOTO))!;
      const [ys, xs] = row
        .split(':')
        .slice(1)
        .map((c) => JSON.parse(c) as number[]);
      const errors: number[] = [];
      pose.keypoints.forEach((k, j) => {
        if (k && xs[j] >= 0 && ys[j] >= 0) errors.push(Math.hypot(k.x - xs[j], k.y - ys[j]));
      });
      expect(errors.length).toBeGreaterThanOrEqual(10);
      errors.sort((a, b) => a - b);
      expect(errors[Math.floor(errors.length / 2)]).toBeLessThan(10); // median joint error, pixels of 256
    },
    T,
  );

  it(
    'bad input gets a clear message, and the page keeps working',
    async () => {
      await uploadInPage(page, {
        bytes: Array.from(Buffer.from('just some notes\n')),
        name: 'notes.txt',
        type: 'text/plain',
      });
      await eventually(() => visibleError(page), /"notes.txt" \(text\/plain.*is not an image/);

      await uploadInPage(page, {
        bytes: Array.from({ length: 400 }, (_, i) => (i * 37) % 256),
        name: 'broken.png',
        type: 'image/png',
      });
      await eventually(() => visibleError(page), /"broken.png".*could not be decoded/);

      await uploadInPage(page, { width: 9000, height: 6000 });
      await eventually(() => page.getByTestId('source-info').textContent(), /9000x6000, resized to fit 512 px/);
      const bundled = JSON.parse(fs.readFileSync(path.join(APP, 'dist/assets.json'), 'utf8')) as { movenet: unknown };
      if (bundled.movenet) expect(await visibleError(page)).toMatch(/No person found in "huge-9000x6000.jpg"/);
      // without MoveNet in the build, Semi-DGPose gives every picture a pose: nothing can say "no person"
      else expect(await page.getByTestId('source-info').textContent()).toMatch(/pose from Semi-DGPose/);

      // still alive: a built-in person is redrawn
      const renders = await page.evaluate(() => window.__playground!.renders());
      await page.getByRole('button', { name: 'synthetic person 2' }).click();
      await waitIdle(page, renders);
      expect(pageErrors).toEqual([]);
    },
    T,
  );

  it(
    'weights failing their sha256 check: the page says so',
    async () => {
      const p2 = await context.newPage();
      try {
        await p2.route('**/models/zoo/conditional-small-64/*.bin', async (route) => {
          const res = await route.fetch();
          const body = Buffer.from(await res.body());
          body[body.length >> 1] ^= 0xff; // one flipped byte
          await route.fulfill({ response: res, body });
        });
        await p2.goto(`${origin}/?backend=wasm`);
        await p2.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 120000 });
        const msg = await visibleError(p2);
        expect(msg).toMatch(/Loading conditional-small-64: the weights failed their sha256 check/);
        expect(msg).toContain('E_WEIGHTS_CORRUPT');
      } finally {
        await p2.close();
      }
    },
    T,
  );

  it(
    'the default backend order (webgpu, webgl, wasm) falls back with a notice where there is no GPU',
    async () => {
      const p3 = await context.newPage();
      try {
        p3.on('pageerror', (e) => pageErrors.push(e.message));
        await p3.goto(`${origin}/`);
        await p3.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 120000 });
        // headless chromium here has no WebGPU adapter and only a software WebGL
        expect(await p3.getByTestId('backend').textContent()).toBe('backend: wasm');
        expect(await p3.getByTestId('notice').textContent()).toMatch(
          /WebGL is rendered in software here; WebGPU unavailable; using wasm/,
        );
        expect(await visibleError(p3)).toBe('');
        expect(pageErrors).toEqual([]);
      } finally {
        await p3.close();
      }
    },
    T,
  );

  it(
    'no request left localhost',
    () => {
      expect(requests.length).toBeGreaterThan(5);
      const outside = requests.filter((u) => {
        if (u.startsWith('data:') || u.startsWith('blob:')) return false;
        return new URL(u).hostname !== '127.0.0.1';
      });
      expect(outside).toEqual([]);
    },
    T,
  );
});
