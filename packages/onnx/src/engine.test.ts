// The onnxruntime engine's verbs against the tfjs model's, the engine switch, the CLI, and bad input:
// a foreign .onnx, a tampered file, an unsupported layer (no partial file).
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, type Pose } from '@dgpose/core';
import { Module } from '@dgpose/layers';
import { createConditionalDGPose, type RgbImage, type SemiDGPose, type ConditionalDGPose } from '@dgpose/models';
import { useBackend } from '@dgpose/test-utils';
import { loadPretrained, pretrainedDir } from '@dgpose/zoo/node';
import { main } from './cli-main';
import { ONNX_MANIFEST_FILE } from './export';
import { type OnnxDGPoseModel } from './engine';
import { exportOnnxToDir, loadInferenceModel, loadOnnxModel } from './node';

let tmp: string;
let cond: ConditionalDGPose;
let semi: SemiDGPose;
let condOnnx: OnnxDGPoseModel;
let semiOnnx: OnnxDGPoseModel;
let people: RgbImage[];
let poses: Pose[];

function maxPixelDiff(a: RgbImage[], b: RgbImage[]): number {
  expect(a.map((i) => [i.width, i.height])).toEqual(b.map((i) => [i.width, i.height]));
  let m = 0;
  a.forEach((im, k) => im.data.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[k].data[i])))));
  return m;
}

beforeAll(async () => {
  await useBackend('wasm');
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'dgpose-onnx-'));
  cond = (await loadPretrained('conditional-small-64')) as unknown as ConditionalDGPose;
  semi = (await loadPretrained('semi-small-64-25')) as unknown as SemiDGPose;
  await exportOnnxToDir(cond, path.join(tmp, 'cond'));
  await exportOnnxToDir(semi, path.join(tmp, 'semi'));
  condOnnx = await loadOnnxModel(path.join(tmp, 'cond'));
  semiOnnx = await loadOnnxModel(path.join(tmp, 'semi'));
  // test people: Semi samples (poses from p(y)), one of them at another size to exercise the resize
  people = await semi.generate(undefined, 2, { seed: 5 });
  poses = await semi.estimatePose(people);
}, 60000);

afterAll(async () => {
  await condOnnx?.dispose();
  await semiOnnx?.dispose();
  cond?.dispose();
  semi?.dispose();
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('verbs: onnxruntime against tfjs', () => {
  it('writes the graphs and a manifest with opset, IR version and documented inputs', async () => {
    const m = JSON.parse(await fsp.readFile(path.join(tmp, 'semi', ONNX_MANIFEST_FILE), 'utf8'));
    expect(Object.keys(m.graphs).sort()).toEqual(['decoder', 'encoder', 'mapper', 'pose-estimator', 'pose-maps']);
    expect([m.opset, m.irVersion]).toEqual([15, 8]);
    expect(m.graphs.decoder.inputs.map((i: { name: string }) => i.name)).toEqual(['z', 'pose', 'visible']);
    expect(m.graphs.encoder.inputs[0]).toMatchObject({ name: 'image', shape: ['batch', 64, 64, 3] });
  });

  it('transfer (Conditional) matches tfjs to one grey level', async () => {
    const target = [poses[1], poses[0]];
    const a = await cond.transfer(people, poses, target);
    const b = await condOnnx.transfer(people, poses, target);
    expect(maxPixelDiff(a, b)).toBeLessThanOrEqual(1);
  });

  it('reconstruct with a resize (Conditional) matches tfjs', async () => {
    // a 96x80 frame: the image is resized (bilinear, aligned corners), the pose scaled with it
    const big = people[0];
    const W = 96;
    const H = 80;
    const data = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let k = 0; k < 3; k++)
          data[(y * W + x) * 3 + k] = big.data[(Math.floor((y * 64) / H) * 64 + Math.floor((x * 64) / W)) * 3 + k];
    const img: RgbImage = { data, width: W, height: H, channels: 3 };
    const pose: Pose = {
      ...poses[0],
      keypoints: poses[0].keypoints.map((k) => (k ? { x: (k.x * (W - 1)) / 63, y: (k.y * (H - 1)) / 63 } : null)),
    };
    const a = await cond.reconstruct([img], [pose]);
    const b = await condOnnx.reconstruct([img], [pose]);
    expect(maxPixelDiff(a, b)).toBeLessThanOrEqual(1);
  });

  it('estimatePose and reconstruct without poses (Semi) match tfjs', async () => {
    const a = await semi.estimatePose(people);
    const b = await semiOnnx.estimatePose(people);
    a.forEach((p, i) =>
      p.keypoints.forEach((k, j) => {
        const o = b[i].keypoints[j];
        expect(k === null).toBe(o === null);
        if (k && o) expect(Math.max(Math.abs(k.x - o.x), Math.abs(k.y - o.y))).toBeLessThan(1e-3);
      }),
    );
    expect(maxPixelDiff(await semi.reconstruct(people), await semiOnnx.reconstruct(people))).toBeLessThanOrEqual(1);
  });

  it('crossDomainTransfer converts the target skeleton', async () => {
    const out = await condOnnx.crossDomainTransfer([people[0]], [poses[0]], [poses[1]], {
      targetSize: { width: 64, height: 64 },
    });
    expect(out[0]).toMatchObject({ width: 64, height: 64, channels: 3 });
  });

  it('generate: deterministic per seed; Semi samples a pose when none is given; Conditional needs one', async () => {
    const a = await condOnnx.generate(poses[0], 2, { seed: 1 });
    const b = await condOnnx.generate(poses[0], 2, { seed: 1 });
    const c = await condOnnx.generate(poses[0], 2, { seed: 2 });
    expect(maxPixelDiff(a, b)).toBe(0);
    expect(maxPixelDiff(a, c)).toBeGreaterThan(0);
    expect((await semiOnnx.generate(undefined, 3, { seed: 4 })).length).toBe(3);
    await expect(condOnnx.generate(undefined, 1)).rejects.toMatchObject({ code: 'E_ARG' });
    await expect(condOnnx.estimatePose(people)).rejects.toMatchObject({ code: 'E_ARG' });
    await expect(condOnnx.reconstruct(people)).rejects.toMatchObject({ code: 'E_ARG' });
  });

  it('decodeArrays matches decodeTensors', async () => {
    const z = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i));
    const p = Float32Array.from({ length: 36 }, (_, i) => 0.5 * Math.cos(i * 1.3));
    const zt = tf.tensor2d(z, [1, 32]);
    const pt = tf.tensor2d(p, [1, 36]);
    const ref = cond.decodeTensors(zt, pt);
    const got = await condOnnx.decodeArrays(z, p);
    const r = await ref.data();
    let m = 0;
    r.forEach((v, i) => (m = Math.max(m, Math.abs(v - got[i]))));
    expect(m).toBeLessThan(1e-4);
    tf.dispose([zt, pt, ref]);
  });
});

describe('engine switch', () => {
  it("loadInferenceModel: 'onnxruntime' from an export or from weights, 'tfjs' from weights", async () => {
    const fromExport = await loadInferenceModel(path.join(tmp, 'cond'), { engine: 'onnxruntime' });
    expect((fromExport as OnnxDGPoseModel).engine).toBe('onnxruntime');
    await (fromExport as OnnxDGPoseModel).dispose();
    const fromWeights = (await loadInferenceModel(pretrainedDir('conditional-small-64'))) as OnnxDGPoseModel;
    expect(fromWeights.engine).toBe('onnxruntime'); // the default when onnxruntime-node is installed
    expect(
      maxPixelDiff(
        await fromWeights.transfer([people[0]], [poses[0]], [poses[1]]),
        await condOnnx.transfer([people[0]], [poses[0]], [poses[1]]),
      ),
    ).toBe(0);
    await fromWeights.dispose();
    const tfjs = await loadInferenceModel(pretrainedDir('conditional-small-64'), { engine: 'tfjs' });
    expect('trainStep' in tfjs).toBe(true);
    (tfjs as ConditionalDGPose).dispose();
    await expect(loadInferenceModel(path.join(tmp, 'cond'), { engine: 'tfjs' })).rejects.toMatchObject({
      code: 'E_ARG',
    });
  });
});

describe('bad input', () => {
  it('an .onnx whose inputs are not ours: E_WEIGHTS_MISMATCH naming the file and both interfaces', async () => {
    const dir = path.join(tmp, 'foreign');
    await fsp.cp(path.join(tmp, 'semi'), dir, { recursive: true });
    await fsp.copyFile(path.join(dir, 'mapper.onnx'), path.join(dir, 'encoder.onnx'));
    const err = await loadOnnxModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DGPoseError);
    expect((err as DGPoseError).code).toBe('E_WEIGHTS_MISMATCH');
    expect((err as DGPoseError).message).toMatch(/encoder\.onnx is not the 'encoder' graph/);
    expect((err as DGPoseError).message).toMatch(/image \[batch,64,64,3\]/);
  });

  it('an export of another image size: E_WEIGHTS_MISMATCH', async () => {
    const dir = path.join(tmp, 'resized');
    await fsp.cp(path.join(tmp, 'cond'), dir, { recursive: true });
    const mf = path.join(dir, ONNX_MANIFEST_FILE);
    const m = JSON.parse(await fsp.readFile(mf, 'utf8'));
    m.imageSize = 128;
    await fsp.writeFile(mf, JSON.stringify(m));
    await expect(loadOnnxModel(dir)).rejects.toMatchObject({ code: 'E_WEIGHTS_MISMATCH' });
  });

  it('a file that does not match its sha256: E_WEIGHTS_CORRUPT', async () => {
    const dir = path.join(tmp, 'tampered');
    await fsp.cp(path.join(tmp, 'cond'), dir, { recursive: true });
    const mf = path.join(dir, ONNX_MANIFEST_FILE);
    const m = JSON.parse(await fsp.readFile(mf, 'utf8'));
    m.graphs.decoder.sha256 = '0'.repeat(64);
    await fsp.writeFile(mf, JSON.stringify(m));
    await expect(loadOnnxModel(dir)).rejects.toMatchObject({ code: 'E_WEIGHTS_CORRUPT' });
    await expect(loadOnnxModel(path.join(tmp, 'nothing-here'))).rejects.toMatchObject({ code: 'E_IO' });
  });

  it('an unsupported layer: E_EXPORT_UNSUPPORTED naming it, and no file written', async () => {
    class Mystery extends Module {
      constructor() {
        super('mystery');
      }
      call(x: tf.Tensor): tf.Tensor {
        return x;
      }
    }
    const model = await createConditionalDGPose({ preset: 'tiny' });
    const block = model.net.decoder.blocks[1] as unknown as { addModule(k: string, m: Module): Module; norm: unknown };
    Object.defineProperty(block, 'norm', { value: block.addModule('odd', new Mystery()) });
    const dir = path.join(tmp, 'unsupported');
    const err = await exportOnnxToDir(model, dir).catch((e: unknown) => e);
    model.dispose();
    expect((err as DGPoseError).code).toBe('E_EXPORT_UNSUPPORTED');
    expect((err as DGPoseError).message).toMatch(/decoder\.up\d\.odd \(mystery\)/);
    expect(await fsp.readdir(dir).catch(() => [])).toEqual([]);
  });
});

describe('dgpose-onnx CLI', () => {
  it('exports a weights folder, prints the interface, refuses bad usage', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    const dir = path.join(tmp, 'cli');
    expect(
      await main(
        ['export', pretrainedDir('conditional-small-64-noadv'), '--out', dir, '--graphs', 'encoder,decoder'],
        io,
      ),
    ).toBe(0);
    expect((await fsp.readdir(dir)).sort()).toEqual(['decoder.onnx', 'dgpose-onnx.json', 'encoder.onnx']);
    expect(await main(['info', dir], io)).toBe(0);
    expect(out.join('\n')).toMatch(/in {2}pose \[batch, 36\]/);
    expect(await main(['export', '--out', dir], io)).toBe(2);
    expect(await main(['export', path.join(tmp, 'nowhere'), '--out', path.join(tmp, 'x')], io)).toBe(1);
    expect(err.join('\n')).toMatch(/neither exported weights/);
    expect(await main(['frobnicate'], io)).toBe(2);
  });
});
