import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { runReadmeExample, useBackend } from '@dgpose/test-utils';
import { ZOO } from './index';

const DIR = path.resolve(__dirname, '..');

it('the README usage block runs', async () => {
  await useBackend('wasm');
  const before = tf.memory().numTensors;
  await runReadmeExample(DIR);
  expect(tf.memory().numTensors).toBe(before);
});

it('the README registry table lists every entry with its recorded metrics', () => {
  const md = fs.readFileSync(path.join(DIR, 'README.md'), 'utf8');
  for (const e of ZOO) {
    const row = md.split('\n').find((l) => l.startsWith(`| \`${e.name}\``));
    expect(row).toBeDefined();
    for (const [k, v] of Object.entries(e.metrics)) {
      if (k === 'images' || k === 'pairs' || k === 'realPckh') continue;
      expect(row).toContain(k.endsWith('Psnr') ? v.toFixed(2) : v.toFixed(3));
    }
  }
});
