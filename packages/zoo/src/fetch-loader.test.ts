// loadPretrained over fetch, against a local http.createServer serving this package's weights
// folder as an app would serve its static files: only the asked model's files are requested.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs-core';
import { isDGPoseError } from '@dgpose/core';
import { useBackend } from '@dgpose/test-utils';
import { fetchPretrainedBytes, getZooEntry, loadPretrained as loadUniversal } from './index';
import { loadPretrained } from './node';

const WEIGHTS = path.resolve(__dirname, '..', 'weights');
let server: http.Server;
let base: string;
let requests: string[] = [];
/** Per-path overrides: a status code, or bytes to serve instead of the file. */
const overrides = new Map<string, number | Uint8Array>();

beforeAll(async () => {
  await useBackend('cpu');
  server = http.createServer((req, res) => {
    // no keep-alive: fetch would otherwise sometimes reuse a socket the server is closing
    res.setHeader('connection', 'close');
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(p);
    const o = overrides.get(p);
    if (typeof o === 'number') return void res.writeHead(o).end();
    const file = path.join(WEIGHTS, p.replace(/^\/weights\//, ''));
    if (
      o === undefined &&
      (!p.startsWith('/weights/') ||
        !file.startsWith(WEIGHTS) ||
        !fs.existsSync(file) ||
        fs.statSync(file).isDirectory())
    ) {
      // what a SPA dev server does for an unknown path: its index page
      return void res
        .writeHead(p.startsWith('/spa/') ? 200 : 404, { 'content-type': 'text/html' })
        .end('<!doctype html><html></html>');
    }
    res.writeHead(200).end(o ?? fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/weights/`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  requests = [];
  overrides.clear();
});

type Err = Error & { code: string };
/** The error `p` rejects with (the test fails when it resolves). */
async function errorOf(p: Promise<unknown>): Promise<Err> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x as Err,
  );
  if (e === undefined) throw new Error('expected a rejection');
  return e;
}
async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isDGPoseError(e)).toBe(true);
  return (e as { code: string }).code;
}

describe('loadPretrained over fetch', () => {
  test('a name with baseUrl fetches that model only and gives a working model, no tensors left', async () => {
    const before = tf.memory().numTensors;
    const model = await loadUniversal('conditional-small-64', { baseUrl: base });
    expect(requests.sort()).toEqual([
      '/weights/conditional-small-64/group1-shard1of1.bin',
      '/weights/conditional-small-64/model.json',
    ]);
    expect(model.kind).toBe('conditional');
    // a standing person, COCO-18, in a 64x64 frame
    const P = [
      [32, 10],
      [32, 17],
      [26, 17],
      [24, 26],
      [23, 34],
      [38, 17],
      [40, 26],
      [41, 34],
      [28, 35],
      [28, 46],
      [28, 57],
      [36, 35],
      [36, 46],
      [36, 57],
      [31, 9],
      [33, 9],
      [30, 10],
      [34, 10],
    ];
    const [img] = await model.generate({ skeleton: 'coco18', keypoints: P.map(([x, y]) => ({ x, y })) }, 1, {
      seed: 1,
    });
    expect([img.width, img.height]).toEqual([64, 64]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a manifest URL (or its folder) works without baseUrl, and a given fetch is used', async () => {
    const seen: string[] = [];
    const f = (u: string) => (seen.push(u), fetch(u));
    const reg = (await loadUniversal(`${base}pose-regressor-64/model.json`, { fetch: f })) as {
      name: string;
      dispose(): void;
    };
    expect(reg.name).toBe('pose-regressor-64');
    reg.dispose();
    expect(seen).toHaveLength(2);
    const w = await fetchPretrainedBytes(`${base}pose-regressor-64/`, {});
    expect(w.entry?.name).toBe('pose-regressor-64'); // pinned by its folder name
    expect(w.shards[0].byteLength).toBe(getZooEntry('pose-regressor-64').shards[0].byteLength);
  });

  test("the node entry's loadPretrained fetches when given baseUrl, and reads disk otherwise", async () => {
    const m = await loadPretrained('semi-small-64-100', { baseUrl: base });
    expect(requests).toHaveLength(2);
    expect(m.kind).toBe('semi');
    m.dispose();
    requests = [];
    (await loadPretrained('pose-regressor-64')).dispose();
    expect(requests).toEqual([]);
    expect(await codeOf(loadPretrained('pose-regressor-64', { baseUrl: base, weightsRoot: '/x' }))).toBe('E_ARG');
  });

  test('a shard failing its sha256 is E_WEIGHTS_CORRUPT naming the URL', async () => {
    const p = '/weights/pose-regressor-64/group1-shard1of1.bin';
    const bytes = new Uint8Array(fs.readFileSync(path.join(WEIGHTS, 'pose-regressor-64/group1-shard1of1.bin')));
    bytes[1000] ^= 0xff;
    overrides.set(p, bytes);
    const e = await errorOf(loadUniversal('pose-regressor-64', { baseUrl: base }));
    expect(e.code).toBe('E_WEIGHTS_CORRUPT');
    expect(e.message).toContain(`${base}pose-regressor-64/group1-shard1of1.bin`);
    expect(e.message).toMatch(/sha256/);
    overrides.set(p, bytes.subarray(0, 100));
    expect(await codeOf(loadUniversal('pose-regressor-64', { baseUrl: base }))).toBe('E_WEIGHTS_CORRUPT');
  });

  test('a manifest that differs from the registry pins is refused before any shard is fetched', async () => {
    const m = JSON.parse(fs.readFileSync(path.join(WEIGHTS, 'pose-regressor-64/model.json'), 'utf8'));
    m.shards[0].sha256 = '0'.repeat(64);
    overrides.set('/weights/pose-regressor-64/model.json', new TextEncoder().encode(JSON.stringify(m)));
    expect(await codeOf(loadUniversal('pose-regressor-64', { baseUrl: base }))).toBe('E_WEIGHTS_CORRUPT');
    expect(requests).toEqual(['/weights/pose-regressor-64/model.json']);
  });

  test('missing files are E_IO naming the URL and status; an HTML page instead of JSON is E_WEIGHTS_CORRUPT', async () => {
    overrides.set('/weights/pose-regressor-64/group1-shard1of1.bin', 404);
    const e = await errorOf(loadUniversal('pose-regressor-64', { baseUrl: base }));
    expect(e.code).toBe('E_IO');
    expect(e.message).toMatch(/HTTP 404/);
    const spa = base.replace('/weights/', '/spa/');
    const e2 = await errorOf(loadUniversal('pose-regressor-64', { baseUrl: spa }));
    expect(e2.code).toBe('E_WEIGHTS_CORRUPT');
    expect(e2.message).toMatch(/not JSON/);
    const down = await errorOf(loadUniversal('pose-regressor-64', { baseUrl: 'http://127.0.0.1:1/' }));
    expect(down.code).toBe('E_IO');
  });

  test('bad arguments: unknown name, no baseUrl, relative URL outside a page, no fetch', async () => {
    expect(await codeOf(loadUniversal('nope-64', { baseUrl: base }))).toBe('E_ARG');
    const e = (await loadUniversal('conditional-small-64', {}).then(
      () => undefined,
      (x: unknown) => x,
    )) as Error;
    expect(e.message).toMatch(/needs baseUrl/);
    expect(await codeOf(loadUniversal('conditional-small-64', { baseUrl: '/weights/' }))).toBe('E_ARG');
    expect(await codeOf(loadUniversal('conditional-small-64', { baseUrl: base, fetch: 'x' as never }))).toBe('E_ARG');
    expect(requests).toEqual([]);
  });
});
