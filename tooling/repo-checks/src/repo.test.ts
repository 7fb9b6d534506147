// Repository rules from CONVENTIONS.md, checked on every test run.
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
interface Pkg {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
  files?: string[];
  scripts?: Record<string, string>;
}
function readPkgs(dir: string): { dir: string; pkg: Pkg }[] {
  const base = path.join(root, dir);
  if (!fs.existsSync(base)) return [];
  return fs
    .readdirSync(base)
    .filter((d) => fs.existsSync(path.join(base, d, 'package.json')))
    .map((d) => ({
      dir: path.join(base, d),
      pkg: JSON.parse(fs.readFileSync(path.join(base, d, 'package.json'), 'utf8')) as Pkg,
    }));
}
const packages = readPkgs('packages');
const apps = readPkgs('apps');
const publishable = packages.filter((p) => !p.pkg.private);

// Allowed runtime edges (dependencies + peerDependencies) between workspace packages.
// core <- layers, core <- losses, layers + losses <- objectives, core + layers <- mapper,
// core <- datasets, core <- metrics, layers + losses + objectives + mapper <- models <- zoo; models (+ zoo) <- onnx.
const ALLOWED: Record<string, string[]> = {
  '@dgpose/core': [],
  '@dgpose/metrics': ['@dgpose/core'],
  '@dgpose/layers': ['@dgpose/core'],
  '@dgpose/losses': ['@dgpose/core'],
  '@dgpose/objectives': ['@dgpose/core', '@dgpose/layers', '@dgpose/losses'],
  '@dgpose/mapper': ['@dgpose/core', '@dgpose/layers'],
  '@dgpose/datasets': ['@dgpose/core'],
  '@dgpose/models': ['@dgpose/core', '@dgpose/layers', '@dgpose/losses', '@dgpose/objectives', '@dgpose/mapper'],
  '@dgpose/zoo': [
    '@dgpose/core',
    '@dgpose/layers',
    '@dgpose/losses',
    '@dgpose/objectives',
    '@dgpose/mapper',
    '@dgpose/models',
    '@dgpose/metrics',
    '@dgpose/datasets',
  ],
  // onnx: the exporter reads models (+ mapper, objectives' prior sampling); the zoo is an optional peer of its CLI
  '@dgpose/onnx': [
    '@dgpose/core',
    '@dgpose/layers',
    '@dgpose/losses',
    '@dgpose/objectives',
    '@dgpose/mapper',
    '@dgpose/models',
    '@dgpose/zoo',
  ],
  '@dgpose/test-utils': [],
};

describe('workspace packages', () => {
  it('finds the packages', () => {
    expect(packages.map((p) => p.pkg.name)).toEqual(expect.arrayContaining(['@dgpose/core', '@dgpose/metrics']));
  });

  it.each(packages.map((p) => [p.pkg.name, p.pkg] as const))('%s follows the dependency direction', (name, pkg) => {
    const allowed = ALLOWED[name];
    expect(allowed).toBeDefined();
    const runtime = { ...pkg.dependencies, ...pkg.peerDependencies };
    const internal = Object.keys(runtime).filter((d) => d.startsWith('@dgpose/'));
    const bad = internal.filter((d) => !allowed.includes(d));
    expect(bad).toEqual([]);
  });

  it.each(publishable.map((p) => [p.pkg.name, p] as const))('%s has the published shape', (_name, { dir, pkg }) => {
    const exp = pkg.exports as Record<string, { import?: Record<string, string>; require?: Record<string, string> }>;
    expect(Object.keys(exp)).toEqual(expect.arrayContaining(['.', './package.json']));
    // types first in each condition (TypeScript resolves the first match)
    for (const cond of ['import', 'require'] as const) expect(Object.keys(exp['.'][cond] ?? {})[0]).toBe('types');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist']));
    expect(fs.existsSync(path.join(dir, 'README.md'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toMatch(/```ts\n/);
    // never the tfjs union package or a backend as a hard dependency of a library
    const deps = Object.keys(pkg.dependencies ?? {});
    expect(
      deps.filter(
        (d) =>
          d === '@tensorflow/tfjs' || d.startsWith('@tensorflow/tfjs-backend') || d.startsWith('@tensorflow/tfjs-node'),
      ),
    ).toEqual([]);
    expect(deps).not.toContain('@tensorflow/tfjs-core');
  });

  it('has no dependency cycles', () => {
    const graph = new Map(
      packages.map((p) => [
        p.pkg.name,
        Object.keys({ ...p.pkg.dependencies, ...p.pkg.peerDependencies }).filter((d) => d.startsWith('@dgpose/')),
      ]),
    );
    const state = new Map<string, number>();
    const visit = (n: string, trail: string[]): void => {
      if (state.get(n) === 2) return;
      if (state.get(n) === 1) throw new Error(`cycle: ${[...trail, n].join(' -> ')}`);
      state.set(n, 1);
      for (const d of graph.get(n) ?? []) visit(d, [...trail, n]);
      state.set(n, 2);
    };
    for (const n of graph.keys()) visit(n, []);
  });

  it('apps are private', () => {
    for (const a of apps) expect(a.pkg.private).toBe(true);
  });

  it('every package has a changeset in history', () => {
    const cfg = JSON.parse(fs.readFileSync(path.join(root, '.changeset/config.json'), 'utf8'));
    expect(cfg.changelog).toBe('@changesets/cli/changelog'); // needs no network
    expect(cfg.privatePackages).toEqual({ version: false, tag: false });
    const sets = fs.readdirSync(path.join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    const text = sets.map((f) => fs.readFileSync(path.join(root, '.changeset', f), 'utf8')).join('\n');
    const changelogs = (dir: string): boolean => fs.existsSync(path.join(dir, 'CHANGELOG.md'));
    for (const p of publishable) {
      // a package is covered by a pending changeset or by a released changelog
      expect([p.pkg.name, text.includes(`"${p.pkg.name}"`) || changelogs(p.dir)]).toEqual([p.pkg.name, true]);
    }
  });
});
