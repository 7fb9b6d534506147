#!/usr/bin/env node
/* The dgpose-onnx bin (see cli-main.ts). */
import { main } from './cli-main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
