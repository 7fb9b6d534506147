import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs-core';
import { isDGPoseError, type Pose } from '@dgpose/core';
import { pck, PCKH_FASHION } from '@dgpose/metrics';
import { loadImage } from '@dgpose/datasets/node';
import { describeWithSharedData, expectNoLeak, useBackend } from '@dgpose/test-utils';
import { createMoveNet } from './node';
import {
  createMoveNetFromUrl,
  moveNetInput,
  moveNetOutputToPose,
  validateMoveNetConfig,
  MOVENET_SHA256,
  type PoseEstimator,
  type RgbImage,
} from './index';

function solid(w: number, h: number, v = 128): RgbImage {
  return { data: new Uint8Array(w * h * 3).fill(v), width: w, height: h, channels: 3 };
}

describe('MoveNet pre/post-processing', () => {
  beforeAll(() => useBackend('cpu'));

  it('pads to a centred square and maps output back to the image pixels', () => {
    // a 4x2 image (w=4,h=2) -> side 4, padTop 1: the pixel centre (x=1, y=0) is at u=(1+0.5)/4, v=(0+1+0.5)/4
    const out = new Array(51).fill(0);
    for (let j = 0; j < 17; j++) {
      out[3 * j] = 1.5 / 4;
      out[3 * j + 1] = 1.5 / 4;
      out[3 * j + 2] = j === 3 ? 0.1 : 0.9;
    }
    const p = moveNetOutputToPose(out, 4, 2, 0.3);
    expect(p.skeleton).toBe('coco18');
    expect(p.keypoints[0]).toEqual({ x: 1, y: 0, score: expect.closeTo(0.9, 6) });
    // COCO-17 joint 3 (left ear) -> COCO-18 17, below threshold -> null
    expect(p.keypoints[17]).toBeNull();
    expect(p.keypoints[1]).not.toBeNull(); // neck from the shoulders
  });

  it('input tensor: int32, centred black padding, exact when no resize is needed', async () => {
    const im = solid(4, 2, 200);
    const t = moveNetInput(im, 4);
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([1, 4, 4, 3]);
    const v = Array.from(await t.data());
    t.dispose();
    const row = (r: number): number[] => v.slice(r * 12, r * 12 + 12);
    expect(row(0)).toEqual(new Array(12).fill(0));
    expect(row(1)).toEqual(new Array(12).fill(200));
    expect(row(2)).toEqual(new Array(12).fill(200));
    expect(row(3)).toEqual(new Array(12).fill(0));
  });

  it('validates its config', () => {
    expect(() => validateMoveNetConfig({ variant: 'x' as never })).toThrow(/variant/);
    expect(() => validateMoveNetConfig({ scoreThreshold: 2 })).toThrow(/scoreThreshold/);
    expect(() => validateMoveNetConfig({ foo: 1 } as never)).toThrow(/foo/);
  });

  it('a missing model folder is E_IO naming the file', async () => {
    const err = await createMoveNet({ modelDir: '/nonexistent-movenet' }).catch((e: unknown) => e);
    expect(isDGPoseError(err, 'E_IO')).toBe(true);
    expect(String(err)).toMatch(/movenet-thunder\.json/);
  });
});

interface Row {
  name: string;
  pose: Pose;
}
function readRows(csv: string): Map<string, Pose> {
  const out = new Map<string, Pose>();
  for (const line of fs.readFileSync(csv, 'utf8').split('\n').slice(1)) {
    if (!line.trim()) continue;
    const [name, ys, xs] = line.split(':');
    const y = JSON.parse(ys) as number[];
    const x = JSON.parse(xs) as number[];
    out.set(name, {
      skeleton: 'coco18',
      keypoints: x.map((xv, j) => (xv === -1 || y[j] === -1 ? null : { x: xv, y: y[j] })),
    });
  }
  return out;
}

describeWithSharedData('MoveNet on the real annotated DeepFashion images', (dataDir) => {
  const root = path.join(dataDir, 'realdata', 'deepfashion');
  // the shared test copy of MoveNet's files (the package ships none; users give a folder or URL)
  const modelDir = path.join(dataDir, 'realdata', 'models');
  let rows: Row[] = [];
  let images: RgbImage[] = [];
  let thunder: PoseEstimator;

  beforeAll(async () => {
    await useBackend('wasm');
    const gt = readRows(path.join(root, 'annotations', 'fasion-annotation-test.csv'));
    const names = fs
      .readdirSync(path.join(root, 'images', 'annotated'))
      .filter((n) => gt.has(n))
      .sort();
    rows = names.map((name) => ({ name, pose: gt.get(name)! }));
    images = await Promise.all(
      names.map(async (n) => (await loadImage(path.join(root, 'images', 'annotated', n))).image),
    );
    thunder = await createMoveNet({ variant: 'thunder', modelDir, sha256: MOVENET_SHA256.thunder });
  });
  afterAll(() => thunder?.dispose());

  it('PCKh (head box, alpha 0.5) against the annotations is high', async () => {
    expect(rows.length).toBe(3); // only 3 of the 7 annotated images have rows in the test CSV
    const pred = await thunder.estimate(images);
    const res = pck(
      pred,
      rows.map((r) => r.pose),
      PCKH_FASHION,
    );
    // eslint-disable-next-line no-console
    console.log(
      `MoveNet thunder PCKh@0.5 on ${res.images} real DeepFashion images: ${res.pck.toFixed(3)} (${res.correct}/${res.total})`,
    );
    expect(res.images).toBe(3);
    expect(res.pck).toBeGreaterThanOrEqual(0.8);
    // and it is not trivially satisfied: a pose shifted by 40 px scores far lower
    const shifted = pred.map((p) => ({
      ...p,
      keypoints: p.keypoints.map((k) => (k ? { x: k.x + 40, y: k.y } : null)),
    }));
    expect(
      pck(
        shifted,
        rows.map((r) => r.pose),
        PCKH_FASHION,
      ).pck,
    ).toBeLessThan(0.3);
  });

  it('lightning agrees, and poses follow a non-square crop of the image', async () => {
    const light = await createMoveNet({ variant: 'lightning', modelDir });
    try {
      const res = pck(
        await light.estimate(images),
        rows.map((r) => r.pose),
        PCKH_FASHION,
      );
      // eslint-disable-next-line no-console
      console.log(`MoveNet lightning PCKh@0.5: ${res.pck.toFixed(3)}`);
      expect(res.pck).toBeGreaterThanOrEqual(0.6);
    } finally {
      light.dispose();
    }
    // crop the 256x256 image to its middle 176 columns (the PATN layout): keypoints move by -40 in x
    const im = images[0];
    const data = new Uint8Array(176 * 256 * 3);
    for (let y = 0; y < 256; y++) data.set(im.data.subarray((y * 256 + 40) * 3, (y * 256 + 216) * 3), y * 176 * 3);
    const [cropped] = await thunder.estimate([{ data, width: 176, height: 256, channels: 3 }]);
    const gt = rows[0].pose.keypoints.map((k) => (k && k.x >= 40 && k.x < 216 ? { x: k.x - 40, y: k.y } : null));
    expect(pck([cropped], [{ skeleton: 'coco18', keypoints: gt }], PCKH_FASHION).pck).toBeGreaterThanOrEqual(0.8);
  });

  it('estimate leaves no tensors; dispose frees the graph weights', async () => {
    await expectNoLeak(() => thunder.estimate(images.slice(0, 1)));
    const before = tf.memory().numTensors;
    const light = await createMoveNet({ variant: 'lightning', modelDir });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    light.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(light.estimate(images)).rejects.toThrow(/disposed/);
  });
});

describeWithSharedData('MoveNet from a URL or a file path', (dataDir) => {
  const modelDir = path.join(dataDir, 'realdata', 'models');
  let server: http.Server;
  let base = '';
  let requests: string[] = [];
  beforeAll(async () => {
    await useBackend('wasm');
    server = http.createServer((req, res) => {
      res.setHeader('connection', 'close');
      const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push(name);
      const file = path.join(modelDir, name);
      if (!fs.existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    requests = [];
  });

  it('fetches the json and its weights, takes the variant from the graph, checks the sha256', async () => {
    const converter = await import('@tensorflow/tfjs-converter');
    const est = await createMoveNetFromUrl(`${base}movenet-lightning.json`, {
      converter,
      sha256: MOVENET_SHA256.lightning,
    });
    try {
      expect(est.name).toBe('movenet-lightning');
      expect(requests).toEqual(['movenet-lightning.json', 'movenet-lightning.bin']);
      const [p] = await expectNoLeak(() => est.estimate([solid(64, 48)]));
      expect(p.skeleton).toBe('coco18');
    } finally {
      est.dispose();
    }
    const bad = await createMoveNetFromUrl(`${base}movenet-lightning.json`, {
      converter,
      sha256: MOVENET_SHA256.thunder,
    }).catch((e: unknown) => e);
    expect(isDGPoseError(bad, 'E_WEIGHTS_CORRUPT')).toBe(true);
    const wrong = await createMoveNetFromUrl(`${base}movenet-lightning.json`, { converter, variant: 'thunder' }).catch(
      (e: unknown) => e,
    );
    expect(isDGPoseError(wrong, 'E_CONFIG')).toBe(true);
    const missing = await createMoveNetFromUrl(`${base}movenet-nope.json`, { converter }).catch((e: unknown) => e);
    expect(isDGPoseError(missing, 'E_IO')).toBe(true);
    expect(String(missing)).toMatch(/HTTP 404/);
  });

  it('the node createMoveNet takes an http URL, a .json path, or DGPOSE_MOVENET_DIR', async () => {
    const byUrl = await createMoveNet({ modelUrl: `${base}movenet-lightning.json` });
    expect(byUrl.name).toBe('movenet-lightning');
    byUrl.dispose();
    const byPath = await createMoveNet({ modelUrl: path.join(modelDir, 'movenet-lightning.json') });
    expect(byPath.name).toBe('movenet-lightning');
    byPath.dispose();
    const saved = process.env.DGPOSE_MOVENET_DIR;
    process.env.DGPOSE_MOVENET_DIR = modelDir;
    try {
      const byEnv = await createMoveNet({ variant: 'lightning' });
      byEnv.dispose();
    } finally {
      if (saved === undefined) delete process.env.DGPOSE_MOVENET_DIR;
      else process.env.DGPOSE_MOVENET_DIR = saved;
    }
    const notGraph = await createMoveNet({
      modelUrl: path.resolve(__dirname, '..', 'weights', 'pose-regressor-64', 'model.json'),
    }).catch((e: unknown) => e);
    expect(isDGPoseError(notGraph, 'E_WEIGHTS_CORRUPT')).toBe(true);
  });
});
