/* Node only: loads an optional peer as seen from this package (mocked in the missing-peer test). */
import { createRequire } from 'node:module';

/** require(id) from this file's folder (src/ under jest and tsx, dist/ once built; tsup's shims give ESM a __filename). */
export function optionalRequire(id: string): unknown {
  return createRequire(__filename)(id);
}
