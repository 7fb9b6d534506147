import * as path from 'node:path';
import { runReadmeExample, useBackend } from '@dgpose/test-utils';

describe('README', () => {
  it('runs the usage example', async () => {
    await useBackend('cpu');
    await runReadmeExample(path.resolve(__dirname, '..'));
  });
});
