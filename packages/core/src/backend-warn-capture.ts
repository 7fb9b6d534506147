/*
 * setBackend with its boolean checked. tfjs reports a backend's failed initialisation only through
 * console.warn (and returns false), so console.warn is swapped for a collector while setBackend
 * runs, and the first real warning becomes the reason. This is the one place console.warn is touched.
 */
import type { TF } from './kernels/types';
import { reasonOf } from './backend-env';

/** Null when `name` is now the active backend, else why not. */
export async function trySet(tf: TF, name: string): Promise<string | null> {
  const warns: string[] = [];
  // eslint-disable-next-line no-console
  const origWarn = console.warn;
  // eslint-disable-next-line no-console
  console.warn = (...a: unknown[]) => {
    warns.push(a.map((x) => (x instanceof Error ? x.message : String(x))).join(' '));
  };
  try {
    const ok = await tf.setBackend(name);
    if (!ok) {
      const cause = warns.map((w) => w.split('\n')[0]).find((w) => !w.startsWith('Initialization of backend'));
      return `setBackend('${name}') returned false${cause ? `: ${cause}` : ' (initialisation failed)'}`;
    }
    if (tf.getBackend() !== name) return `setBackend('${name}') left the backend at '${tf.getBackend()}'`;
    return null;
  } catch (e) {
    return reasonOf(e);
  } finally {
    // eslint-disable-next-line no-console
    console.warn = origWarn;
  }
}

/** Runs `fn` with tfjs warnings silenced (tfjs-node registers its kernels before failing on a missing binding). */
export async function quietly<T>(tf: TF, fn: () => Promise<T>): Promise<T> {
  const prev = tf.env().getBool('PROD');
  tf.env().set('PROD', true);
  try {
    return await fn();
  } finally {
    tf.env().set('PROD', prev);
  }
}
