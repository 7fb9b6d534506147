import * as path from 'node:path';
import { runReadmeExample } from '@dgpose/test-utils';

it('README usage example runs', async () => {
  await runReadmeExample(path.resolve(__dirname, '..'));
}, 60000);
