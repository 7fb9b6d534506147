/*
 * Our export against the reference export (issue 12): the same Conditional network built in PyTorch
 * (bench/torch_reference.py over the models' PyTorch twin, packages/models/bench/torch_mirror.py) and exported
 * with torch.onnx.export, both .onnx files timed in onnxruntime-node in ONE interleaved run, batch 1, same
 * session options. Targets: our graphs not slower than the reference's; our engine (plain arrays in and out)
 * at most 1.3x the reference graphs run raw.
 *
 *   pnpm --filter @dgpose/onnx bench            (after verbs.bench.ts)
 *   tsx bench/reference.bench.ts [-- --reps 60 --threads 1 --model conditional-small-64]
 *
 * Needs Debian's python3-torch (`apt-get install -y python3-torch libopenblas0-pthread`; /usr/bin/python3,
 * OPENBLAS_NUM_THREADS=1); skipped with a notice without it. Parameter counts of both sides are printed.
 * Per graph: best and median wall time and the median process CPU time per call.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { initBackend } from '@dgpose/core';
import { loadPretrained } from '@dgpose/zoo/node';
import type { ConditionalDGPose } from '@dgpose/models';
import { createOnnxEngine, exportOnnx } from '../src/node';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const REPS = Number(opt('reps', '60'));
const THREADS = Number(opt('threads', '1'));
const MODEL = opt('model', 'conditional-small-64');
const PYTHON = process.env.DGPOSE_TORCH_PYTHON ?? '/usr/bin/python3';
const TWIN = path.resolve(__dirname, '../../models/bench/torch_mirror.py');

function skip(why: string): void {
  console.log(`reference export (PyTorch) skipped: ${why}`);
}

async function main(): Promise<void> {
  const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return skip(`no PyTorch at ${PYTHON} (apt-get install -y python3-torch libopenblas0-pthread)`);
  if (!existsSync(TWIN)) return skip(`the PyTorch twin ${path.relative(process.cwd(), TWIN)} is missing`);
  await initBackend({ prefer: ['wasm'], threads: 1, log: () => undefined });
  const m = (await loadPretrained(MODEL)) as unknown as ConditionalDGPose;
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'dgpose-onnx-ref-'));
  try {
    await fsp.writeFile(path.join(tmp, 'config.json'), JSON.stringify(m.config));
    const py = spawnSync(PYTHON, [path.join(__dirname, 'torch_reference.py'), path.join(tmp, 'config.json'), tmp], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    });
    if (py.status !== 0) throw new Error(`torch_reference.py failed:\n${py.stderr}`);
    const info = JSON.parse(py.stdout.trim().split('\n').pop() as string) as {
      torch: string;
      params: Record<string, number>;
    };
    const ours = m.paramCounts();
    console.log(`${MODEL}: parameters, ours (tfjs) | PyTorch twin`);
    for (const k of Object.keys(info.params))
      console.log(
        `  ${k.padEnd(18)}${String(ours[k]).padStart(9)} | ${String(info.params[k]).padStart(9)}${ours[k] === info.params[k] ? '' : '  MISMATCH'}`,
      );

    const so = { graphOptimizationLevel: 'all' as const, intraOpNumThreads: THREADS, interOpNumThreads: 1 };
    const exp = await exportOnnx(m, { graphs: ['encoder', 'decoder'] });
    const session = (bytes: Uint8Array | string): Promise<ort.InferenceSession> =>
      typeof bytes === 'string' ? ort.InferenceSession.create(bytes, so) : ort.InferenceSession.create(bytes, so);
    const ourEnc = await session(exp.files['encoder.onnx']);
    const ourDec = await session(exp.files['decoder.onnx']);
    const refEnc = await session(path.join(tmp, 'encoder.onnx'));
    const refDec = await session(path.join(tmp, 'decoder.onnx'));
    const engine = await createOnnxEngine(await exportOnnx(m), { ort, sessionOptions: so });

    const S = m.config.imageSize;
    const J = m.joints;
    const d = m.config.latentDim;
    const image = new Float32Array(S * S * 3).map((_, i) => Math.sin(i) * 0.9);
    const z = new Float32Array(d).map((_, i) => 0.3 * Math.cos(i));
    const pose = new Float32Array(2 * J).map((_, i) => 0.4 * Math.sin(i));
    const visible = new Float32Array(J).fill(1);
    const t = (data: Float32Array, dims: number[]): ort.Tensor => new ort.Tensor('float32', data, dims);
    const encFeeds = (): Record<string, ort.Tensor> => ({
      image: t(image, [1, S, S, 3]),
      pose: t(pose, [1, 2 * J]),
      visible: t(visible, [1, J]),
    });
    const decFeeds = (): Record<string, ort.Tensor> => ({
      z: t(z, [1, d]),
      pose: t(pose, [1, 2 * J]),
      visible: t(visible, [1, J]),
    });
    const imgs = [
      { data: Uint8Array.from(image, (v) => Math.round((v + 1) * 127.5)), width: S, height: S, channels: 3 as const },
    ];
    const poses = [
      {
        skeleton: 'coco18' as const,
        keypoints: Array.from({ length: J }, (_, j) => ({
          x: ((pose[2 * j] + 1) * (S - 1)) / 2,
          y: ((pose[2 * j + 1] + 1) * (S - 1)) / 2,
        })),
      },
    ];

    const rows: [string, () => Promise<unknown>][] = [
      ['decoder: ours, raw session', () => ourDec.run(decFeeds())],
      ['decoder: PyTorch export, raw session', () => refDec.run(decFeeds())],
      ['decoder: our engine (decodeArrays)', () => engine.decodeArrays(z, pose, visible)],
      ['encoder: ours, raw session', () => ourEnc.run(encFeeds())],
      ['encoder: PyTorch export, raw session', () => refEnc.run(encFeeds())],
      ['transfer: ours, raw encoder + decoder', async () => (await ourEnc.run(encFeeds()), ourDec.run(decFeeds()))],
      ['transfer: PyTorch export, raw enc + dec', async () => (await refEnc.run(encFeeds()), refDec.run(decFeeds()))],
      ['transfer: our engine (verb, images)', () => engine.transfer(imgs, poses, poses)],
    ];
    const times: number[][] = rows.map(() => []);
    const cpu: number[][] = rows.map(() => []);
    for (let i = 0; i < REPS + 5; i++) {
      for (let r = 0; r < rows.length; r++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await rows[r][1]();
        const wall = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (i >= 5) {
          times[r].push(wall);
          cpu[r].push((c.user + c.system) / 1000);
        }
      }
    }
    const stat = (v: number[]): { best: number; median: number } => {
      const s = [...v].sort((a, b) => a - b);
      return { best: s[0], median: s[Math.floor(s.length / 2)] };
    };
    const st = times.map(stat);
    const cs = cpu.map(stat);
    console.log(
      `\nonnxruntime-node ${ort.env.versions.node}, torch ${info.torch} (torch.onnx.export, opset 15), intra-op threads ${THREADS}, optimisation 'all', batch 1, ${REPS} interleaved rounds`,
    );
    console.log(`${'graph'.padEnd(42)}${'best'.padStart(10)}${'median'.padStart(10)}${'CPU median'.padStart(12)}`);
    rows.forEach(([name], r) =>
      console.log(
        `${name.padEnd(42)}${st[r].best.toFixed(3).padStart(7)} ms${st[r].median.toFixed(3).padStart(7)} ms${cs[r].median.toFixed(3).padStart(9)} ms`,
      ),
    );
    // on a shared machine the median wall time mostly measures waiting: the CPU time is what a call costs
    const ratio = (a: number, b: number): string =>
      `${(st[a].best / st[b].best).toFixed(2)}x best, ${(cs[a].median / cs[b].median).toFixed(2)}x CPU median`;
    console.log(
      `\nours / PyTorch export (target <= 1): decoder ${ratio(0, 1)}; encoder ${ratio(3, 4)}; transfer ${ratio(5, 6)}`,
    );
    console.log(`our engine / PyTorch export raw (target <= 1.3): decode ${ratio(2, 1)}; transfer ${ratio(7, 6)}`);
    await Promise.all([ourEnc, ourDec, refEnc, refDec].map((s) => s.release()));
    await engine.dispose();
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
    m.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
