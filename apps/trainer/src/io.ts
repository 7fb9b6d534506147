/*
 * Filesystem failures of dgpose-train as coded errors. Every failure reaches the user as
 * `DGPoseError('E_IO')` naming the path and the operating system's own reason (EROFS, EACCES,
 * ENOSPC, ENOENT, ...), in words and as the code. Also: the early check that the output folder can
 * be written, and the atomic replacement of a whole folder (final/).
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError, isDGPoseError } from '@dgpose/core';

/** Reasons in words for the errno codes a training run meets. */
const REASONS: Readonly<Record<string, string>> = Object.freeze({
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'already exists',
  ENOTEMPTY: 'folder not empty',
  EMFILE: 'too many open files',
  EIO: 'input/output error of the device',
  EBUSY: 'resource busy',
  EXDEV: 'crosses file systems',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
});

/** The errno code of `e` (`'ENOSPC'`, ...) when it is a Node system error, else null. */
export function errnoCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && !isDGPoseError(e) ? code : null;
}

/** `ENOSPC (no space left on device)`, or the error's message when it has no errno code. */
export function describeCause(e: unknown): string {
  const code = errnoCode(e);
  if (code) return REASONS[code] ? `${code} (${REASONS[code]})` : code;
  return e instanceof Error ? e.message : String(e);
}

/**
 * `E_IO`: `could not <what> <file>: ENOSPC (no space left on device)`. `file` is the path the
 * operation was about; the system error's own path, when another, is named too.
 */
export function ioError(what: string, file: string, cause: unknown): DGPoseError {
  const own = (cause as { path?: unknown } | null)?.path;
  const also = typeof own === 'string' && path.resolve(own) !== path.resolve(file) ? ` at ${own}` : '';
  return new DGPoseError('E_IO', `could not ${what} ${file}: ${describeCause(cause)}${also}`, {
    argument: file,
    path: file,
    cause,
  });
}

/**
 * Passes DGPoseErrors (core's writeFileAtomic and saveWeights already code their own) and anything
 * that is no system error through; turns a system error into {@link ioError}.
 */
export function asIoError(e: unknown, what: string, file: string): unknown {
  if (isDGPoseError(e) || errnoCode(e) === null) return e;
  return ioError(what, file, e);
}

/** Runs `fn`, turning its system errors into E_IO about `what` `file`. */
export async function withIo<T>(what: string, file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asIoError(e, what, file);
  }
}

/**
 * Checks, before any work, that `dir` (created later if missing) can be written: it or its nearest
 * existing ancestor must be a folder this process may create entries in. Says why not (E_IO): a
 * read-only file system, a permission, a file in the way. Node's recursive mkdir reports ENOENT for
 * some of these, and a later `rm` under `--force` EROFS on "unlink": this names the real cause.
 */
export async function checkWritableFolder(dir: string, role = 'output folder'): Promise<void> {
  const target = path.resolve(dir);
  let at = target;
  for (;;) {
    try {
      const st = await fsp.stat(at);
      if (!st.isDirectory()) {
        const err = Object.assign(new Error(`${at} is not a folder`), {
          code: at === target ? 'EEXIST' : 'ENOTDIR',
          path: at,
        });
        throw new DGPoseError('E_IO', `cannot use ${target} as the ${role}: ${at} is a file, not a folder`, {
          argument: 'out',
          path: at,
          cause: err,
        });
      }
      break;
    } catch (e) {
      if (isDGPoseError(e)) throw e;
      const code = errnoCode(e);
      // a missing component (or a file further up: ENOTDIR) is looked for higher up
      if ((code === 'ENOENT' || code === 'ENOTDIR') && path.dirname(at) !== at) {
        at = path.dirname(at);
        continue;
      }
      throw new DGPoseError('E_IO', `cannot use ${target} as the ${role}: ${at}: ${describeCause(e)}`, {
        argument: 'out',
        path: at,
        cause: e,
      });
    }
  }
  try {
    // W_OK reports EROFS for a read-only mount and EACCES for a folder of someone else
    await fsp.access(at, fsc.W_OK | fsc.X_OK);
  } catch (e) {
    const where = at === target ? at : `${at} (where it would be created)`;
    throw new DGPoseError('E_IO', `cannot write the ${role} ${target}: ${where}: ${describeCause(e)}`, {
      argument: 'out',
      path: at,
      cause: e,
    });
  }
}

/**
 * Replaces folder `target` as a whole: `write` fills `<target>.tmp-<pid>`, which is renamed onto
 * `target` once complete (the previous folder is moved to `<target>.old-<pid>` first and removed
 * after). A crash leaves the old complete folder or the new one, plus leftovers that
 * {@link recoverFolderSwaps} resolves. System errors become E_IO naming the folder.
 */
export async function replaceFolderAtomic(target: string, write: (dir: string) => Promise<void>): Promise<void> {
  const abs = path.resolve(target);
  const tmp = `${abs}.tmp-${process.pid}`;
  const old = `${abs}.old-${process.pid}`;
  await withIo('clear the temp folder', tmp, () => fsp.rm(tmp, { recursive: true, force: true }));
  await withIo('create the temp folder', tmp, () => fsp.mkdir(tmp, { recursive: true }));
  try {
    await write(tmp);
    await fsyncFolder(tmp);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw asIoError(e, 'write', tmp);
  }
  const had = await exists(abs);
  if (had) await withIo('move the previous folder aside', abs, () => fsp.rename(abs, old));
  await withIo('rename the new folder into place at', abs, () => fsp.rename(tmp, abs));
  await fsyncFolder(path.dirname(abs));
  if (had) await withIo('remove the previous folder', old, () => fsp.rm(old, { recursive: true, force: true }));
}

/** `<base>.tmp-<id>` / `<base>.old-<pid>`: what a folder swap leaves when cut short. */
const SWAP_LEFTOVER = /^(.+)\.(tmp-[^/\\]+|old-\d+)$/;

/**
 * Resolves what crashes inside {@link replaceFolderAtomic} (or @dgpose/models' saveCheckpoint, which
 * swaps the same way) left in `parent`, for the folders whose name matches `base`: partial
 * `<name>.tmp-<id>` folders are removed; a `<name>.old-<id>` is the previous complete folder, moved
 * back when `<name>` is missing and removed otherwise. Returns what it did, one line each.
 */
export async function recoverFolderSwaps(parent: string, base: RegExp): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(parent);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw ioError('list', parent, e);
  }
  const leftovers = names
    .map((n) => ({ n, m: SWAP_LEFTOVER.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null && base.test(x.m[1]))
    .sort((a, b) => (a.n < b.n ? -1 : 1));
  const done: string[] = [];
  // partial writes first: an .old folder is then judged against the complete folders only
  for (const { n } of leftovers.filter((x) => x.m[2].startsWith('tmp-'))) {
    const p = path.join(parent, n);
    await withIo('remove the partial folder', p, () => fsp.rm(p, { recursive: true, force: true }));
    done.push(`removed partial ${n} (a write cut short)`);
  }
  for (const { n, m } of leftovers.filter((x) => x.m[2].startsWith('old-'))) {
    const p = path.join(parent, n);
    const target = path.join(parent, m[1]);
    if (await exists(target)) {
      await withIo('remove the replaced folder', p, () => fsp.rm(p, { recursive: true, force: true }));
      done.push(`removed ${n} (replaced by ${m[1]})`);
    } else {
      await withIo('move back the previous folder to', target, () => fsp.rename(p, target));
      done.push(`restored ${m[1]} from ${n} (its replacement was cut short)`);
    }
  }
  return done;
}

/** A temp file of core's writeFileAtomic: `.<name>.<pid>.<12 hex>.tmp` beside the file it replaces. */
const ATOMIC_WRITE_TEMP = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temp files that writes killed half way through (core's writeFileAtomic) left in `dir`
 * (not below it). The file each was to replace is untouched: old content or new, never partial.
 */
export async function removeAtomicWriteLeftovers(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw ioError('list', dir, e);
  }
  const done: string[] = [];
  for (const n of names.filter((x) => ATOMIC_WRITE_TEMP.test(x)).sort()) {
    await withIo('remove the temp file', path.join(dir, n), () => fsp.rm(path.join(dir, n), { force: true }));
    done.push(`removed ${n} (a write cut short)`);
  }
  return done;
}

async function exists(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    () => true,
    () => false,
  );
}

/** fsync a folder so renames inside it survive a power cut (skipped where folders cannot be opened). */
async function fsyncFolder(dir: string): Promise<void> {
  let h: fsp.FileHandle | undefined;
  try {
    h = await fsp.open(dir, 'r');
    await h.sync();
  } catch (e) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES', 'ENOTSUP'].includes(errnoCode(e) ?? ''))
      throw ioError('fsync the folder', dir, e);
  } finally {
    await h?.close().catch(() => undefined);
  }
}
