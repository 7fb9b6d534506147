import * as path from 'node:path';
import { expectBrowserSafe } from '@dgpose/test-utils';

// Convention 1b: the main entry bundles for browsers (no fs/path/node:* in its graph).
it('the main entry bundles for the browser platform without Node built-ins', async () => {
  await expectBrowserSafe(path.join(__dirname, 'index.ts'));
}, 60000);
