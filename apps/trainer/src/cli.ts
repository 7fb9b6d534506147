#!/usr/bin/env node
/* dgpose-train: see `dgpose-train --help` and README.md. */
import { runCli } from './cli-main';

runCli(process.argv.slice(2)).then(
  (code) => {
    // exit explicitly: a threaded wasm backend or a pending prefetch must not keep the process alive
    process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`dgpose-train: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
