/*
 * expectBrowserSafe: bundles an entry file for the browser with esbuild and fails when anything in
 * its import graph reaches a Node built-in (`fs`, `node:path`, `fs/promises`, ...), a `/node` entry
 * of a workspace package, or another forbidden module (default: sharp). Workspace `@dgpose/*`
 * imports resolve to their sources, as in jest, so no build is needed. `@tensorflow/*` stays external
 * (peers; tfjs-node is only reached by lazy imports in core's backend module).
 */
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import { build, type Plugin } from 'esbuild';

export interface BrowserSafeOptions {
  /** Extra bare module names (or prefixes ending in '/*') that must not be imported. Default ['sharp']. */
  forbidden?: string[];
  /** Modules left out of the bundle (not followed). Default ['@tensorflow/*']. */
  external?: string[];
}

export interface BrowserSafeReport {
  /** Files that went into the bundle, relative to the repository root. */
  inputs: string[];
  /** Size of the unminified bundle in bytes. */
  bytes: number;
}

const PACKAGES_DIR = path.resolve(__dirname, '../..');
const REPO_ROOT = path.resolve(PACKAGES_DIR, '..');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function matches(spec: string, pattern: string): boolean {
  return pattern.endsWith('/*')
    ? spec.startsWith(pattern.slice(0, -1))
    : spec === pattern || spec.startsWith(`${pattern}/`);
}

/**
 * Bundles `entryFile` for platform 'browser' and throws an Error listing every offending import with
 * its importer. Returns what went into the bundle.
 */
export async function expectBrowserSafe(entryFile: string, opts: BrowserSafeOptions = {}): Promise<BrowserSafeReport> {
  const forbidden = opts.forbidden ?? ['sharp'];
  const external = opts.external ?? ['@tensorflow/*'];
  const offenders: string[] = [];
  const rel = (p: string): string => path.relative(REPO_ROOT, p) || p;

  const guard: Plugin = {
    name: 'browser-safe-guard',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const spec = args.path;
        if (spec.startsWith('.') || path.isAbsolute(spec)) return undefined;
        const why =
          spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0])
            ? 'Node built-in'
            : /^@dgpose\/[a-z-]+\/node$/.test(spec)
              ? 'Node-only entry'
              : forbidden.some((f) => matches(spec, f))
                ? 'forbidden module'
                : undefined;
        if (why) {
          offenders.push(`${spec} (${why}) imported by ${rel(args.importer)}`);
          return { path: spec, external: true };
        }
        const ws = /^@dgpose\/([a-z-]+)$/.exec(spec);
        if (ws) return { path: path.join(PACKAGES_DIR, ws[1], 'src', 'index.ts') };
        return undefined;
      });
    },
  };

  const result = await build({
    entryPoints: [entryFile],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external,
    plugins: [guard],
  }).catch((e: { errors?: { text: string; location?: { file: string; line: number } | null }[] }) => {
    const msgs = (e.errors ?? []).map(
      (m) => `${m.text}${m.location ? ` (${m.location.file}:${m.location.line})` : ''}`,
    );
    throw new Error(`esbuild could not bundle ${rel(entryFile)} for the browser:\n  ${msgs.join('\n  ') || String(e)}`);
  });

  if (offenders.length > 0) {
    throw new Error(`${rel(entryFile)} is not browser-safe:\n  ${[...new Set(offenders)].join('\n  ')}`);
  }
  return {
    inputs: Object.keys(result.metafile.inputs),
    bytes: result.outputFiles.reduce((s, f) => s + f.contents.byteLength, 0),
  };
}
