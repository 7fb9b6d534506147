// Shared tsup preset: ESM + CJS + d.ts, peers and workspace deps left external.
/** @param {{ entry?: string[] | Record<string,string> }} [o] */
module.exports = function preset(o = {}) {
  return {
    entry: o.entry ?? ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    splitting: false,
    treeshake: true,
    outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
  };
};
