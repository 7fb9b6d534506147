/* Node only: where this package and its optional dependencies sit on disk. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

/**
 * The folder of the installed @dgpose/zoo (src/ under jest and tsx, dist/ once built: tsup's
 * shims give the ESM build a `__filename`): walks up to the package.json named @dgpose/zoo.
 */
export function zooPackageDir(): string {
  let dir = path.dirname(__filename);
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        if ((JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === '@dgpose/zoo') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`@dgpose/zoo: cannot find the package folder above ${__filename}`);
    dir = up;
  }
}

/** Node's require as seen from this package (resolves its own optional deps and peers). */
export function zooRequire(): NodeRequire {
  return createRequire(path.join(zooPackageDir(), 'package.json'));
}
