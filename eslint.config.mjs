// ESLint for the whole monorepo (flat config), run from the root by `pnpm lint`.
// Beyond the recommended sets it carries two layout rules of CONVENTIONS.md that were only checked
// by bundle tests: no deep imports across packages, and no Node built-ins in a package's
// universal entry (the files reachable from its `src/index.ts`).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The files reachable from each package's `src/index.ts` through relative static imports and
 * re-exports (dynamic `import()` included: a bundler follows it too). These must run in a browser.
 */
function universalFiles() {
  const files = new Set();
  const spec =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm;
  const resolveTs = (from, s) => {
    const base = resolve(dirname(from), s);
    for (const f of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
      if (existsSync(f) && f.endsWith('.ts')) return f;
    }
    return null;
  };
  const walk = (file) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(spec)) {
      const next = resolveTs(file, m[1] ?? m[2] ?? m[3]);
      if (next) walk(next);
    }
  };
  // test-utils is private and Node-only (jest helpers).
  for (const pkg of readdirSync(join(root, 'packages')).filter((p) => p !== 'test-utils')) {
    const entry = join(root, 'packages', pkg, 'src', 'index.ts');
    if (existsSync(entry)) walk(entry);
  }
  return [...files].map((f) => relative(root, f).split('\\').join('/'));
}

const nodeBuiltins = [...new Set(builtinModules.filter((m) => !m.startsWith('_')).flatMap((m) => [m, `node:${m}`]))];

const deepImports = {
  group: ['@dgpose/*/src', '@dgpose/*/src/**', '@dgpose/*/dist', '@dgpose/*/dist/**'],
  message: "Import a package through its entry ('@dgpose/x' or '@dgpose/x/node'), never its src/ or dist/.",
};

const typeChecked = ['packages/*/src/**/*.ts', 'apps/trainer/src/**/*.ts', 'apps/benchmark/src/**/*.ts'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.turbo/**',
      '**/coverage/**',
      '**/__fixtures__/**/*.json',
      'out/**',
      'tmp/**',
      '.scratch/**',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring out a field, a callback's slot).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // `import('x').T` stays allowed: it names a type of an optional peer without importing it.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
    },
  },
  {
    // CommonJS configs and scripts.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Type-aware rules, only the cheap ones that catch real async bugs, only on the files a
    // tsconfig includes (the project service then reuses each package's program).
    files: typeChecked,
    ignores: ['**/*.d.ts', '**/*.test.ts', '**/testing/**', '**/__fixtures__/**'],
    languageOptions: { parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // Libraries talk through return values and errors; a test that prints says so. CLIs, scripts
    // and benchmarks print by design.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/cli.ts', '**/cli-*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Universal entries: no Node built-ins, no sharp (they must bundle for the browser).
    files: universalFiles(),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, 'sharp'].map((name) => ({
            name,
            message: "Node-only: the main entry must run in a browser. Put this behind the package's ./node entry.",
          })),
          patterns: [deepImports],
        },
      ],
    },
  },
);
