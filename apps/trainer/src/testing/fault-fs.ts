/*
 * Test helper: makes the filesystem fail under one folder as a read-only mount (EROFS), a folder of
 * another user (EACCES) or a full disk (ENOSPC) would, by patching node:fs in this process (tests
 * run as root, where permissions do not bite, and cannot mount anything). Patched: the promise API
 * (what the trainer, core and models use) and the sync calls of the JSONL log.
 *   EROFS / EACCES: every call that would change something under `under` fails, as does
 *                   `access(..., W_OK)`; reads work.
 *   ENOSPC:         folders and files are still created, but writing data fails (a sync write first
 *                   writes half of its buffer, as a disk filling up mid-write does).
 */
// the default import is node:fs itself (a namespace import would be a copy, and patching it would change nothing)
import fs from 'node:fs';
import * as path from 'node:path';
import { syncBuiltinESMExports } from 'node:module';

export type FaultCode = 'EROFS' | 'EACCES' | 'ENOSPC';

const MESSAGES: Record<FaultCode, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  ENOSPC: 'no space left on device',
};

function sysError(code: FaultCode, syscall: string, p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${MESSAGES[code]}, ${syscall} '${p}'`), {
    code,
    syscall,
    path: p,
    errno: -1,
  });
}

const isWriteFlag = (flags: unknown): boolean =>
  flags !== undefined && flags !== 'r' && flags !== fs.constants.O_RDONLY && flags !== 'rs';

/** Patches node:fs until the returned function is called. */
export function injectFsFault(under: string, code: FaultCode): () => void {
  const root = path.resolve(under);
  const inside = (p: unknown): boolean => {
    if (typeof p !== 'string' && !(p instanceof URL) && !Buffer.isBuffer(p)) return false;
    const abs = path.resolve(String(p instanceof URL ? p.pathname : p));
    return abs === root || abs.startsWith(root + path.sep);
  };
  const fsp = fs.promises as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const sync = fs as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved: [Record<string, unknown>, string, unknown][] = [];
  const patch = (obj: Record<string, unknown>, name: string, fn: unknown): void => {
    saved.push([obj, name, obj[name]]);
    obj[name] = fn;
  };
  const readOnly = code !== 'ENOSPC';

  // calls that change what is under `under`, failing whatever their data
  const changing = readOnly
    ? ['mkdir', 'rm', 'rmdir', 'unlink', 'writeFile', 'appendFile', 'mkdtemp', 'copyFile', 'truncate']
    : ['writeFile', 'appendFile'];
  for (const name of changing) {
    const orig = fsp[name];
    patch(fsp, name, (...a: unknown[]) =>
      inside(a[0]) ? Promise.reject(sysError(code, name, String(a[0]))) : orig(...a),
    );
  }
  const rename = fsp.rename;
  patch(fsp, 'rename', (from: unknown, to: unknown) =>
    readOnly && (inside(from) || inside(to))
      ? Promise.reject(sysError(code, 'rename', String(inside(from) ? from : to)))
      : rename(from, to),
  );
  const access = fsp.access;
  patch(fsp, 'access', (p: unknown, mode?: unknown) =>
    readOnly && inside(p) && typeof mode === 'number' && (mode & fs.constants.W_OK) !== 0
      ? Promise.reject(sysError(code, 'access', String(p)))
      : access(p, mode),
  );
  const open = fsp.open;
  patch(fsp, 'open', async (p: unknown, flags?: unknown, mode?: unknown) => {
    if (!inside(p) || !isWriteFlag(flags)) return open(p, flags, mode);
    if (readOnly) throw sysError(code, 'open', String(p));
    // ENOSPC: the file is created, its data cannot be written
    const h = (await open(p, flags, mode)) as fs.promises.FileHandle;
    const fail = (syscall: string) => () => Promise.reject(sysError(code, syscall, String(p)));
    return Object.assign(Object.create(h) as fs.promises.FileHandle, {
      writeFile: fail('write'),
      write: fail('write'),
      appendFile: fail('write'),
      close: () => h.close(),
      sync: () => h.sync(),
    });
  });

  // the log's sync calls
  const faultyFds = new Set<number>();
  for (const name of readOnly ? ['mkdirSync'] : []) {
    const orig = sync[name];
    patch(sync, name, (...a: unknown[]) => {
      if (inside(a[0])) throw sysError(code, name.replace(/Sync$/, ''), String(a[0]));
      return orig(...a);
    });
  }
  const openSync = sync.openSync;
  patch(sync, 'openSync', (p: unknown, flags?: unknown, mode?: unknown) => {
    if (inside(p) && isWriteFlag(flags) && readOnly) throw sysError(code, 'open', String(p));
    const fd = openSync(p, flags, mode) as number;
    if (inside(p) && isWriteFlag(flags)) faultyFds.add(fd);
    return fd;
  });
  const writeSync = sync.writeSync;
  const halfWritten = new Set<number>();
  patch(sync, 'writeSync', (fd: unknown, buf: unknown, ...rest: unknown[]) => {
    if (!faultyFds.has(fd as number)) return writeSync(fd, buf, ...rest);
    if (!halfWritten.has(fd as number) && Buffer.isBuffer(buf)) {
      // a disk filling up mid-write: half the bytes land, the next write fails
      halfWritten.add(fd as number);
      const off = (rest[0] as number | undefined) ?? 0;
      const len = (rest[1] as number | undefined) ?? buf.length - off;
      return writeSync(fd, buf, off, Math.max(1, Math.floor(len / 2)));
    }
    throw sysError(code, 'write', `fd ${String(fd)}`);
  });
  const closeSync = sync.closeSync;
  patch(sync, 'closeSync', (fd: unknown) => {
    faultyFds.delete(fd as number);
    return closeSync(fd);
  });
  syncBuiltinESMExports();
  return () => {
    for (const [obj, name, fn] of saved.reverse()) obj[name] = fn;
    syncBuiltinESMExports();
  };
}
