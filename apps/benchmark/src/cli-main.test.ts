import { EXIT_USAGE, runCli } from './cli-main';

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runCli(args, { out: () => undefined, err: (s) => (stderr += s) });
  return { code, stderr };
}

describe('dgpose-bench command words', () => {
  it('an unknown command says so and lists the commands (not "too many arguments for run")', async () => {
    for (const args of [['frobnicate'], ['--quiet', 'frobnicate']]) {
      const r = await cli(args);
      expect(r.code).toBe(EXIT_USAGE);
      expect(r.stderr).toBe(
        `dgpose-bench: [E_ARG] unknown command 'frobnicate' (see dgpose-bench --help), expected ["run","merge"], got frobnicate\n`,
      );
    }
  });
  it('a word after an explicit run is an argument run does not take', async () => {
    const r = await cli(['run', 'frobnicate']);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(
      /\[E_ARG\] run takes no arguments, only options \(see dgpose-bench run --help\), expected options, got \["frobnicate"\]/,
    );
  });
  it('--estimator none --estimator-weights X is a usage error', async () => {
    const r = await cli(['--estimator', 'none', '--estimator-weights', 'X']);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(
      /\[E_CONFIG\] --estimator-weights \(pose-regressor weights\) go with --estimator regressor/,
    );
  });
});
