/*
 * The dgpose-train command line (commander): flags -> TrainConfig (flags win over --config), signal
 * handling (first SIGINT/SIGTERM: finish the step, checkpoint, exit 130; second: still wait for that
 * checkpoint; third: exit at once) and exit codes (0 ok, 1 error, 2 bad usage, 130 interrupted).
 */
import { promises as fsp } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BACKEND_NAMES, DGPoseError, isDGPoseError } from '@dgpose/core';
import { CHICTOPIA_LAYOUT, DEEPFASHION_LAYOUT, H36M_LAYOUT } from '@dgpose/datasets/node';
import { DATASET_NAMES, DEFAULT_TRAIN_CONFIG, MODEL_KINDS, PRESET_NAMES, type TrainConfig } from './options';
import { describeCause } from './io';
import { CONFIG_FORMAT, train } from './train';
import { TRAINER_VERSION } from './version';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** Codes that mean the command line or config was wrong (exit 2) rather than the run failing (exit 1). */
const USAGE_CODES = new Set(['E_CONFIG', 'E_ARG']);

function intArg(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*-?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, got "${v}"`);
    return n;
  };
}

function numArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
  return n;
}

const D = DEFAULT_TRAIN_CONFIG;

/** The commander program (exported so tests can check --help). */
export function buildProgram(): Command {
  const p = new Command('dgpose-train')
    .description(
      'Train Conditional-DGPose or Semi-DGPose (de Bem et al., IJCV 2020) with checkpoints, exact resume, sample grids and a JSONL log.',
    )
    .version(TRAINER_VERSION, '-V, --version')
    .addOption(new Option('-m, --model <kind>', `model to train (default ${D.model})`).choices(MODEL_KINDS))
    .addOption(new Option('-p, --preset <name>', `network size preset (default ${D.preset})`).choices(PRESET_NAMES))
    .option(
      '-c, --config <file.json>',
      'JSON file of options (same names as below, camelCase, plus "modelConfig": {...} overriding model config fields) or a config.json of an earlier run; flags win',
    )
    .addOption(
      new Option('-d, --dataset <name>', `training data (default ${D.dataset}: built-in synthetic people)`).choices(
        DATASET_NAMES,
      ),
    )
    .option('-r, --root <dir>', 'data root of a real data set (required with deepfashion, h36m, chictopia)')
    .option('--size <px>', "image side in pixels, a power of two (default: the preset's)", intArg(32))
    .option(
      '--supervision <f>',
      `fraction of labelled training images in (0, 1]: 0.25, 0.5, 0.75 or 1 (default ${D.supervision}); Semi uses the rest unlabelled, Conditional trains on the labelled part only`,
      numArg,
    )
    .option(
      '--supervised-only',
      'with --model semi: the supervised-only baseline, q(y|x) alone trained on the labelled subset only (the images a Semi run with the same --supervision and --seed labels; same steps and batch size)',
    )
    .option(
      '--labelled-per-batch <n>',
      'with --model semi and --supervision < 1: labelled rows in every batch (their own shuffled stream), the rest unlabelled (default: about supervision x batch)',
      intArg(1),
    )
    .option(
      '-s, --steps <n>',
      `total training steps (default ${D.steps}); a resumed run continues up to this count`,
      intArg(1),
    )
    .option('-b, --batch-size <n>', 'images per step (default 8 for tiny, 16 otherwise)', intArg(1))
    .option('--lr <rate>', "learning rate (default: the model config's)", numArg)
    .option(
      '--seed <n>',
      `seed of model init, data order, flips and the labelled subset (default ${D.seed})`,
      intArg(0),
    )
    .option('-o, --out <dir>', `output folder (default ${D.out})`)
    .option('-f, --force', "replace the trainer's files in an existing output folder")
    .option(
      '--resume',
      'continue the run in --out from its newest complete checkpoint (same data order and RNG stream)',
    )
    .option(
      '--init <dir>',
      "start from the weights in DIR (a run's final/, a checkpoint's weights/, a zoo weights folder) with a fresh optimizer at step 0; same model kind and architecture",
    )
    .option(
      '--checkpoint-every <n>',
      `checkpoint every N steps, 0 = only at the end (default ${D.checkpointEvery})`,
      intArg(0),
    )
    .option('--keep <k>', `checkpoints kept, the newest K (default ${D.keep})`, intArg(1))
    .option(
      '--sample-every <n>',
      `sample grid PNG every N steps, 0 = only at the end (default ${D.sampleEvery})`,
      intArg(0),
    )
    .option('--log-every <n>', `log line and progress update every N steps (default ${D.logEvery})`, intArg(1))
    .addOption(
      new Option(
        '--backend <name>',
        'tfjs backend (default auto: tensorflow, then wasm, then cpu; env DGPOSE_BACKEND overrides)',
      ).choices(['auto', ...BACKEND_NAMES]),
    )
    .option('--threads <n>', 'wasm threads, 1 or 2 (default 1)', intArg(1))
    .option('--no-flip', 'no horizontal flip augmentation')
    .option('-q, --quiet', 'no progress bar: plain periodic lines only')
    .addHelpText(
      'after',
      `
Output folder:
  config.json                 resolved options, model config, command line
  log.jsonl                   one JSON line per logged step and per event
  checkpoints/step-000123/    model + optimizer + step + RNG + data order (newest --keep kept)
  checkpoints/latest          name of the newest complete checkpoint
  samples/step-000123.png     input | reconstruction | transfer | samples, one row per preview image
  final/                      exported weights (load with @dgpose/models/node loadModel)

Exit codes:
  0    finished
  1    error (bad data root, refused checkpoint, NaN/Inf loss, I/O)
  2    bad usage (unknown flag or value, unknown preset, existing --out without --force)
  130  interrupted by SIGINT/SIGTERM: the current step finishes and a checkpoint is written
       (continue with --resume); a second signal waits for that checkpoint, a third exits at once

Examples:
  dgpose-train --model conditional --preset tiny --steps 200 --out runs/tiny
  dgpose-train --model semi --supervision 0.25 --dataset deepfashion --root data/pose-gan --size 128 --out runs/df-semi
  dgpose-train --model semi --supervision 0.25 --supervised-only --out runs/sup-25   (baseline: q(y|x) on the labelled 25 % alone)
  dgpose-train --out runs/tiny --resume --steps 400
`,
    )
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s) });
  return p;
}

const FLAG_TO_KEY: Record<string, keyof TrainConfig> = {
  model: 'model',
  preset: 'preset',
  dataset: 'dataset',
  root: 'root',
  size: 'size',
  supervision: 'supervision',
  supervisedOnly: 'supervisedOnly',
  labelledPerBatch: 'labelledPerBatch',
  steps: 'steps',
  batchSize: 'batchSize',
  lr: 'lr',
  seed: 'seed',
  out: 'out',
  force: 'force',
  resume: 'resume',
  init: 'init',
  checkpointEvery: 'checkpointEvery',
  keep: 'keep',
  sampleEvery: 'sampleEvery',
  logEvery: 'logEvery',
  backend: 'backend',
  threads: 'threads',
  flip: 'flip',
  quiet: 'quiet',
};

/**
 * Reads a --config file: plain options, or the config.json of an earlier run (its run-specific
 * fields dropped). Checks only the file's shape (E_CONFIG); the options are validated with the flags.
 */
export async function readConfigFile(file: string): Promise<Partial<TrainConfig>> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new DGPoseError('E_CONFIG', `cannot read --config ${file}: ${describeCause(e)}`, {
      argument: 'config',
      path: file,
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DGPoseError('E_CONFIG', `--config ${file} is not valid JSON: ${(e as Error).message}`, {
      argument: 'config',
      path: file,
    });
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(json)) {
    throw new DGPoseError('E_CONFIG', `--config ${file} must hold a JSON object`, {
      argument: 'config',
      got: json,
      path: file,
    });
  }
  if (json.format === CONFIG_FORMAT) {
    if (!isObject(json.options)) {
      throw new DGPoseError('E_CONFIG', `--config ${file} is a ${CONFIG_FORMAT} without its options`, {
        argument: 'config.options',
        expected: 'an object',
        got: json.options,
        path: file,
      });
    }
    const { out: _o, force: _f, resume: _r, ...rest } = json.options as Partial<TrainConfig>;
    return rest;
  }
  return json as Partial<TrainConfig>;
}

function layoutHelp(e: DGPoseError): string {
  const layouts: Record<string, readonly string[]> = {
    DeepFashion: DEEPFASHION_LAYOUT,
    'Human3.6M': H36M_LAYOUT,
    ChictopiaPlus: CHICTOPIA_LAYOUT,
  };
  const m = e.message;
  const which = /DeepFashion/i.test(m)
    ? 'DeepFashion'
    : /H36M|Human3/i.test(m)
      ? 'Human3.6M'
      : /Chictopia/i.test(m)
        ? 'ChictopiaPlus'
        : null;
  if (!which) return '';
  return `\nexpected ${which} layout:\n${layouts[which].map((l) => `  ${l}`).join('\n')}`;
}

export interface CliIo {
  out?: (s: string) => void;
  err?: (s: string) => void;
}

/** Runs dgpose-train with `argv` (without node and script); resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s));
  const err = io.err ?? ((s: string) => process.stderr.write(s));
  const program = buildProgram();
  program.configureOutput({ writeOut: out, writeErr: err, outputError: (s, write) => write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return EXIT_OK;
      return EXIT_USAGE;
    }
    throw e;
  }
  const flags = program.opts<Record<string, unknown>>();
  const given: Partial<TrainConfig> = {};
  const ctl = new AbortController();
  let signals = 0;
  // A second signal often follows the first at once (an impatient Ctrl-C, a supervisor's TERM after
  // INT): it must not cost the checkpoint being written, so only a third one exits without it.
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      err(`\n${sig}: finishing the current step and writing a checkpoint (a third signal exits at once without it)\n`);
      ctl.abort();
    } else if (signals === 2) {
      err(`${sig} again: still writing the checkpoint; send it once more to exit at once without it\n`);
    } else {
      err(`${sig} a third time: exiting without a checkpoint (the previous one stays valid)\n`);
      process.exit(EXIT_INTERRUPTED);
    }
  };
  try {
    if (typeof flags.config === 'string') Object.assign(given, await readConfigFile(flags.config));
    for (const [flag, key] of Object.entries(FLAG_TO_KEY)) {
      // only what was typed overrides the file (and, on --resume, the stored run)
      if (program.getOptionValueSource(flag) === 'cli') (given as Record<string, unknown>)[key] = flags[flag];
    }
    // a CLI owns the process: skip tfjs debug checks (and its "install tfjs-node" banner on cpu)
    tf.enableProdMode();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const result = await train({
      ...given,
      signal: ctl.signal,
      command: ['dgpose-train', ...argv],
      print: (l) => err(`${l}\n`),
    });
    if (result.status === 'interrupted') return EXIT_INTERRUPTED;
    out(
      `${JSON.stringify({ status: result.status, step: result.step, out: result.out, final: result.final, losses: result.losses })}\n`,
    );
    return EXIT_OK;
  } catch (e) {
    if (isDGPoseError(e)) {
      err(`dgpose-train: ${e.message}${e.code === 'E_DATASET_LAYOUT' ? layoutHelp(e) : ''}\n`);
      return USAGE_CODES.has(e.code) ? EXIT_USAGE : EXIT_ERROR;
    }
    err(`dgpose-train: ${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT_ERROR;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
