/*
 * The dgpose-bench command line (commander): `run` (the default command) and `merge`.
 * Exit codes: 0 ok, 1 error (bad data root, refused checkpoint, I/O), 2 bad usage (unknown flag,
 * value, preset or model name, an existing --out without --force).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DGPoseError, isDGPoseError } from '@dgpose/core';
import { consoleTables } from './format';
import { mergeShards } from './merge';
import {
  BACKENDS,
  CEILING_ESTIMATORS,
  DATASETS,
  DEFAULT_BENCH_CONFIG as D,
  ESTIMATORS,
  SPEED_PRESETS,
  SSIM_CHOICES,
  parseShard,
  type BenchConfig,
} from './options';
import { BENCH_VERSION, runBenchmark } from './run';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

const USAGE_CODES = new Set(['E_CONFIG', 'E_ARG']);

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

function intArg(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, got "${v}"`);
    return n;
  };
}

function listArg(v: string, prev: string[] | undefined): string[] {
  return [
    ...(prev ?? []),
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

function shardArg(v: string): { index: number; count: number } {
  try {
    return parseShard(v);
  } catch {
    throw new InvalidArgumentError(`expected i/n with 0 <= i < n (e.g. 0/4), got "${v}"`);
  }
}

/**
 * The error for words left over after `run`'s options: an unknown command when `run` was only the
 * default (`dgpose-bench frobnicate`), else an argument `run` does not take.
 */
function unexpectedWords(program: Command, words: string[]): DGPoseError {
  const commands = program.commands.map((c) => c.name());
  if (program.args[0] !== 'run') {
    return new DGPoseError('E_ARG', `unknown command '${words[0]}' (see dgpose-bench --help)`, {
      argument: 'command',
      expected: commands,
      got: words[0],
    });
  }
  return new DGPoseError('E_ARG', `run takes no arguments, only options (see dgpose-bench run --help)`, {
    argument: 'run',
    expected: 'options',
    got: words,
  });
}

export function buildProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command('dgpose-bench')
    .description(
      "Reproduce the DGPose paper's image-quality tables (2-5), pose-accuracy curves (Figs. 20/21) and Semi-DGPose pose estimation by supervision, with a self-contained HTML report.",
    )
    .version(BENCH_VERSION, '-V, --version')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  program
    .command('run', { isDefault: true })
    .description('evaluate zoo models and/or checkpoints; write results.json, report.md, report.html and image grids')
    .option(
      '-m, --models <names>',
      'zoo models, comma-separated or repeated (default: every DGPose model of the zoo)',
      listArg,
    )
    .option(
      '-c, --checkpoint <dir>',
      'a model folder: saveModel output, a checkpoint, or a dgpose-train run folder (repeatable)',
      listArg,
    )
    .addOption(
      new Option('-d, --dataset <name>', `test data (default ${D.dataset}: the built-in synthetic people)`).choices(
        DATASETS,
      ),
    )
    .option('-r, --root <dir>', 'root of a real data set (required with deepfashion, h36m, chictopia)')
    .option(
      '--skip-missing',
      'DeepFashion: skip annotated images missing from the images folder (counted in results.json) instead of refusing the root',
    )
    .option('-n, --n <count>', `test images, evenly spaced over the test split; 0 = all (default ${D.n})`, intArg(0))
    .option('--pairs <count>', `transfer pairs (same identity, other pose); 0 = none (default ${D.pairs})`, intArg(0))
    .option('--shard <i/n>', 'evaluate only slice i of n of the selection (then: dgpose-bench merge)', shardArg)
    .option('-o, --out <dir>', `output folder (default ${D.out})`)
    .option('-f, --force', "replace the benchmark's files in an existing output folder")
    .addOption(
      new Option(
        '--backend <name>',
        'tfjs backend (default auto: tensorflow, wasm, cpu; env DGPOSE_BACKEND overrides)',
      ).choices(BACKENDS),
    )
    .option('--threads <n>', 'wasm threads (default 1)', intArg(1))
    .addOption(
      new Option(
        '--ssim <convention>',
        `SSIM convention: pg2 (PG2 score.py: 7x7 uniform) or wang (11x11 Gaussian) (default ${D.ssim})`,
      ).choices(SSIM_CHOICES),
    )
    .addOption(
      new Option(
        '--estimator <name>',
        'pose estimator for generated images (default auto: regressor on synthetic data, movenet on real)',
      ).choices(ESTIMATORS),
    )
    .option('--estimator-weights <dir>', "pose-regressor weights folder instead of the zoo's pose-regressor-64")
    .option(
      '--ceiling-estimators <list>',
      `estimators run, besides --estimator, on the ground-truth images (their ceiling) and on the transfers: auto (every available one; MoveNet skipped with a notice when its files are missing), none, or a list of ${CEILING_ESTIMATORS.filter((e) => e !== 'auto' && e !== 'none').join(', ')} (default auto)`,
      listArg,
    )
    .option(
      '--movenet-dir <dir>',
      'folder of movenet-<variant>.json and .bin (default: env DGPOSE_MOVENET_DIR, else ../shared/data/realdata/models beside the repository)',
    )
    .option('--zoo-weights <dir>', "folder of zoo weights (<name>/model.json) instead of the zoo package's own")
    .option('-b, --batch-size <n>', `images per forward pass (default ${D.batchSize})`, intArg(1))
    .option('--grid-rows <n>', `rows of each model's image grid (default ${D.gridRows})`, intArg(0))
    .option('--no-speed', 'skip the speed section')
    .addOption(
      new Option(
        '-p, --preset <name>',
        `preset of the model whose training step is timed (default ${D.speedPreset})`,
      ).choices(SPEED_PRESETS),
    )
    .option('--speed-steps <n>', `timed training steps after a warm-up (default ${D.speedSteps})`, intArg(1))
    .option('--seed <n>', `synthetic data seed (default ${D.seed}, the zoo's evaluation split)`, intArg(0))
    .option(
      '--synthetic-identities <n>',
      `synthetic identities over both splits (default ${D.syntheticIdentities}; 20 % held out for test)`,
      intArg(1),
    )
    .option('--synthetic-poses <n>', `synthetic poses per identity (default ${D.syntheticPoses})`, intArg(1))
    .option('-q, --quiet', 'no progress lines on stderr')
    // run is the default command, so commander hands it any unknown command word: caught in the action.
    .allowExcessArguments(true)
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      if (cmd.args.length > 0) throw unexpectedWords(program, cmd.args);
      const cfg: Partial<BenchConfig> = {
        models: (o.models as string[] | undefined) ?? [],
        checkpoints: (o.checkpoint as string[] | undefined) ?? [],
        dataset: o.dataset as BenchConfig['dataset'] | undefined,
        root: o.root as string | undefined,
        skipMissing: o.skipMissing === true,
        n: o.n as number | undefined,
        pairs: o.pairs as number | undefined,
        shard: o.shard as BenchConfig['shard'] | undefined,
        out: o.out as string | undefined,
        force: o.force === true,
        backend: o.backend as BenchConfig['backend'] | undefined,
        threads: o.threads as number | undefined,
        ssim: o.ssim as BenchConfig['ssim'] | undefined,
        estimator: o.estimator as BenchConfig['estimator'] | undefined,
        estimatorWeights: o.estimatorWeights as string | undefined,
        ceilingEstimators: o.ceilingEstimators as BenchConfig['ceilingEstimators'] | undefined,
        movenetDir: o.movenetDir as string | undefined,
        zooWeights: o.zooWeights as string | undefined,
        batchSize: o.batchSize as number | undefined,
        gridRows: o.gridRows as number | undefined,
        speed: o.speed !== false,
        speedPreset: o.preset as BenchConfig['speedPreset'] | undefined,
        speedSteps: o.speedSteps as number | undefined,
        seed: o.seed as number | undefined,
        syntheticIdentities: o.syntheticIdentities as number | undefined,
        syntheticPoses: o.syntheticPoses as number | undefined,
        quiet: o.quiet === true,
      };
      const r = await runBenchmark({
        ...cfg,
        log: cfg.quiet ? () => undefined : (m) => io.err(`dgpose-bench: ${m}\n`),
        command: `dgpose-bench ${process.argv.slice(2).join(' ')}`.trim(),
      });
      io.out(`${consoleTables(r.results)}\n`);
      io.out(`wrote ${r.files.join(', ')}\n`);
      done(EXIT_OK);
    });

  program
    .command('merge')
    .description('combine the output folders of --shard runs into one result and report')
    .argument('<dirs...>', 'output folders of the shard runs')
    .requiredOption('-o, --out <dir>', 'output folder of the merged result')
    .option('-f, --force', "replace the benchmark's files in an existing output folder")
    .action(async (dirs: string[], o: { out: string; force?: boolean }) => {
      const r = await mergeShards(dirs, o.out, {
        force: o.force === true,
        log: (m) => io.err(`dgpose-bench: ${m}\n`),
        command: `dgpose-bench ${process.argv.slice(2).join(' ')}`.trim(),
      });
      io.out(`${consoleTables(r.results)}\n`);
      io.out(`wrote ${r.files.join(', ')}\n`);
      done(EXIT_OK);
    });

  program.addHelpText(
    'after',
    `
Examples:
  dgpose-bench run                                   every zoo model on the built-in synthetic test split (64x64)
  dgpose-bench run --checkpoint runs/tiny-cond --n 32 --out bench/tiny
  dgpose-bench run --dataset deepfashion --root data/pose-gan --estimator movenet
  dgpose-bench run --shard 0/2 --out bench/s0 && dgpose-bench run --shard 1/2 --out bench/s1
  dgpose-bench merge bench/s0 bench/s1 --out bench/all

Exit codes: 0 ok; 1 error (bad data root, refused checkpoint, I/O); 2 bad usage (unknown flag, value,
preset or model, an existing --out without --force).`,
  );
  return program;
}

/** Runs the CLI with `argv` (without node and script); resolves the exit code. */
export async function runCli(
  argv: string[],
  io: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; parse errors were already printed by commander
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (isDGPoseError(e)) {
      io.err(`dgpose-bench: ${e.message}\n`);
      return USAGE_CODES.has(e.code) ? EXIT_USAGE : EXIT_ERROR;
    }
    io.err(`dgpose-bench: ${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT_ERROR;
  }
}
