/*
 * Training-step time of the REAL Conditional-DGPose and Semi-DGPose `small` models with the zoo's shipped
 * config (packages/zoo/scripts/zoo-train-config-{conditional,semi}.json: maxChannels 64, z at every scale,
 * part appearance, adversarial term on), 64x64, batch 8, all rows labelled, beside the same architecture
 * in PyTorch (bench/torch_mirror.py, layer for layer; the parameter counts of both sides are printed and
 * must match). Like the SSIM bench against scikit-image, the two sides alternate in ONE run (round r:
 * `steps` tfjs steps, then `steps` torch steps, per model), so load from other processes penalises
 * neither more than the other; the best and the median step of each side and the ratio of the bests
 * are printed. Without Debian's python3-torch the torch side is skipped with a notice.
 *
 *   pnpm --filter @dgpose/models bench:torch [-- --rounds 4 --steps 3 --threads 1 --torch-threads 2 --profile]
 *   env PYTHON (default /usr/bin/python3)
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dgpose/core';
import { createConditionalDGPose } from '../src/factory';
import { createSemiDGPose } from '../src/node';
import { disposeBatch, syntheticSamples, toBatch } from '../src/testing';
import type { ConditionalConfig, SemiConfig } from '../src/types';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const ROUNDS = Number(opt('rounds', '4'));
const STEPS = Number(opt('steps', '3'));
const THREADS = Number(opt('threads', '1'));
const TORCH_THREADS = Number(opt('torch-threads', '2'));
const PROFILE = args.includes('--profile');
const BATCH = 8;
const SIZE = 64;
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

// the shipped zoo configs (packages/zoo/scripts/zoo-train-config-conditional.json and -semi.json)
const SHIPPED = {
  maxChannels: 64,
  latentInjection: 'every-scale',
  partAppearance: true,
  lr: 0.001,
  klWarmupSteps: 500,
} as const;
const COND_CONFIG = { ...SHIPPED, lossWeights: { l1: 100, kl: 0.005, adv: 1, l1Mask: 300 } };
const SEMI_CONFIG = { ...SHIPPED, lossWeights: { l1: 100, kl: 0.005, adv: 1, l1Mask: 300, pose: 1, klPose: 0.005 } };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The torch side: a persistent child answering one JSON line per command. */
class TorchSide {
  private readonly lines: AsyncIterableIterator<string>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }
  static async start(
    configs: Record<string, ConditionalConfig | SemiConfig>,
  ): Promise<{ side: TorchSide; info: { torch: string; threads: number; params: Record<string, number> } } | string> {
    const script = path.join(__dirname, 'torch_mirror.py');
    const child = spawn(PYTHON, [script], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(TORCH_THREADS) },
    });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    const started = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!started) return `${PYTHON} could not be started`;
    const side = new TorchSide(child);
    try {
      const info = await side.ask(`init ${JSON.stringify({ threads: TORCH_THREADS, batch: BATCH, configs })}`);
      return { side, info: info as never };
    } catch {
      child.kill();
      return (err.trim().split('\n').pop() ?? 'no answer').slice(0, 200);
    }
  }
  async ask(cmd: string): Promise<unknown> {
    this.child.stdin.write(`${cmd}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error('torch side exited');
    return JSON.parse(r.value);
  }
  close(): void {
    this.child.stdin.end('quit\n');
  }
}

async function profileStep(name: string, m: { trainStep: (b: never) => Promise<unknown> }, b: unknown): Promise<void> {
  const info = await tf.profile(async () => {
    await m.trainStep(b as never);
  });
  const byName = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byName.set(k.name, e);
    total += ms;
  }
  console.log(
    `\n${name}: kernel time of one step (tf.profile; ${info.kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels)`,
  );
  console.log('| kernel | calls | ms |\n| --- | --- | --- |');
  const sorted = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
  for (const [k, e] of sorted.slice(0, 14)) console.log(`| ${k} | ${e.calls} | ${e.ms.toFixed(1)} |`);
  const rest = sorted.slice(14).reduce((s, [, e]) => s + e.ms, 0);
  console.log(`| ${sorted.length - 14} others | | ${rest.toFixed(1)} |`);
}

async function main(): Promise<void> {
  const be = await initBackend({ prefer: ['wasm'], threads: THREADS, log: () => undefined });
  const cond = await createConditionalDGPose({ preset: 'small', config: COND_CONFIG });
  const semi = await createSemiDGPose({ preset: 'small', config: SEMI_CONFIG as never });
  const samples = syntheticSamples(BATCH, SIZE, 1);
  const batch = toBatch(samples, SIZE); // every row labelled (Semi: the semi-small-64-100 case)
  const models = { conditional: cond, semi } as const;
  const torch = await TorchSide.start({ conditional: cond.config, semi: semi.config });
  const torchInfo = typeof torch === 'string' ? null : torch.info;
  console.log(
    `tfjs ${tf.version_core} on ${be.backend}, ${be.threads} thread(s) | ` +
      (torchInfo
        ? `PyTorch ${torchInfo.torch}, ${torchInfo.threads} thread(s), OPENBLAS_NUM_THREADS=1`
        : `PyTorch not timed: ${torch as string} (apt-get install python3-torch libopenblas0-pthread)`),
  );
  console.log(
    `64x64, batch ${BATCH}, ${ROUNDS} interleaved rounds of ${STEPS} steps per side and model (after 2 warm-up steps each)\n`,
  );
  const times: Record<string, { tfjs: number[]; torch: number[]; tfjsCpu: number[]; torchCpu: number[] }> = {};
  for (const [name, m] of Object.entries(models)) {
    times[name] = { tfjs: [], torch: [], tfjsCpu: [], torchCpu: [] };
    const ours = m.paramCount();
    const theirs = torchInfo?.params[name];
    console.log(
      `${name.padEnd(12)} parameters: tfjs ${ours.toLocaleString('en')}${theirs === undefined ? '' : `, torch ${theirs.toLocaleString('en')}${theirs === ours ? ' (match)' : ' (MISMATCH)'}`}`,
    );
    if (theirs !== undefined && theirs !== ours)
      throw new Error(`parameter counts differ for ${name}: tfjs ${ours}, torch ${theirs}`);
    for (let i = 0; i < 2; i++) await m.trainStep(batch);
    if (torchInfo) await (torch as { side: TorchSide }).side.ask(`step ${name} 2`);
  }
  const tensorsBefore = tf.memory().numTensors;
  const load0 = os.loadavg()[0];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, m] of Object.entries(models)) {
      for (let i = 0; i < STEPS; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await m.trainStep(batch);
        times[name].tfjs.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        times[name].tfjsCpu.push((c.user + c.system) / 1000);
      }
      if (torchInfo) {
        const r = (await (torch as { side: TorchSide }).side.ask(`step ${name} ${STEPS}`)) as [number, number][];
        times[name].torch.push(...r.map((v) => v[0]));
        times[name].torchCpu.push(...r.map((v) => v[1]));
      }
    }
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  // CPU time per step sums every thread: on a loaded machine a 1-thread side's CPU time stays close to its
  // unloaded wall time, while wall times of both sides (and CPU time of spinning threads) inflate
  console.log(
    `\nwall time per step (the target: ratio of the bests); load average ${load0.toFixed(1)} -> ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
  );
  console.log(
    '| model | tfjs best | tfjs median | torch best | torch median | ratio of bests | tfjs CPU best | torch CPU best |\n| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const [name, t] of Object.entries(times)) {
    const tb = Math.min(...t.tfjs);
    const pb = t.torch.length ? Math.min(...t.torch) : NaN;
    const tc = Math.min(...t.tfjsCpu);
    console.log(
      `| ${name} | ${tb.toFixed(0)} ms | ${median(t.tfjs).toFixed(0)} ms | ${t.torch.length ? `${pb.toFixed(1)} ms | ${median(t.torch).toFixed(1)} ms | ${(tb / pb).toFixed(2)}x` : 'n/a | n/a | n/a'} | ${tc.toFixed(0)} ms | ${t.torchCpu.length ? `${Math.min(...t.torchCpu).toFixed(0)} ms` : 'n/a'} |`,
    );
  }
  console.log(`\ntensors after the timed steps: ${leaked >= 0 ? '+' : ''}${leaked} (0 = no leak)`);
  if (PROFILE) for (const [name, m] of Object.entries(models)) await profileStep(name, m, batch);
  if (torchInfo) (torch as { side: TorchSide }).side.close();
  disposeBatch(batch);
  cond.dispose();
  semi.dispose();
  process.exit(0); // a threaded wasm pool keeps the event loop alive
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
