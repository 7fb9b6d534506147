/* Test helper: runs the dgpose-train CLI from its TypeScript sources in a child process (tsx, with
 * the workspace packages mapped to their sources by tsconfig.src.json, so no build is needed). */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const TRAINER_DIR = path.resolve(__dirname, '..', '..');

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process exits: its code (or 128 + signal number) and output. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Current output so far. */
  output(): { stdout: string; stderr: string };
}

export function spawnCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(TRAINER_DIR, 'src', 'cli.ts'), ...args], {
    cwd: TRAINER_DIR,
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: path.join(TRAINER_DIR, 'tsconfig.src.json'),
      DGPOSE_BACKEND: 'cpu',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    },
  );
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Runs the CLI to completion. */
export async function runCliChild(args: string[], env: Record<string, string> = {}) {
  return spawnCli(args, env).done;
}

/** What testing/train-child.ts prints. */
export type TrainChildOutput =
  | {
      ok: true;
      result: import('../train').TrainResult;
      tensors: [number, number];
      batches: { indices: number[]; labelled: number[] }[];
    }
  | { ok: false; code: string | null; message: string };

/** Runs train() in a child process (see testing/train-child.ts). */
export async function trainInChild(spec: {
  options: import('../train').TrainOptions;
  abortAtStep?: number;
  abortLaterAtStep?: number;
  fault?: { under: string; code: import('./fault-fs').FaultCode; fromStep: number };
}): Promise<TrainChildOutput> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(TRAINER_DIR, 'src', 'testing', 'train-child.ts'), JSON.stringify(spec)],
    {
      cwd: TRAINER_DIR,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(TRAINER_DIR, 'tsconfig.src.json'), DGPOSE_BACKEND: 'cpu' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`train child failed (exit ${code}): ${stderr}${stdout}`);
  return JSON.parse(line) as TrainChildOutput;
}
