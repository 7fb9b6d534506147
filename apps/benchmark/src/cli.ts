#!/usr/bin/env node
/* dgpose-bench: see `dgpose-bench --help` and README.md. */
import { runCli } from './cli-main';

// `dgpose-bench --help | head`: a closed pipe is not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

runCli(process.argv.slice(2)).then(
  (code) => {
    // exit explicitly: a threaded wasm backend must not keep the process alive
    process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`dgpose-bench: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
