import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, defineConfig, type Plugin } from 'vite';
import { collectAssets } from './assets';

/**
 * Copies the zoo weights, MoveNet and tfjs's .wasm files into the build (and serves them in `vite dev`),
 * plus `assets.json` saying what is there: the built app runs offline, from its own static files.
 */
function playgroundAssets(): Plugin {
  const { files, manifest, moveNetDir } = collectAssets(path.dirname(fileURLToPath(import.meta.url)));
  const byUrl = new Map(files.map((f) => [`/${f.url}`, f.file]));
  const manifestJson = JSON.stringify(manifest, null, 1);
  return {
    name: 'dgpose-playground-assets',
    buildStart() {
      this.info(
        moveNetDir
          ? `MoveNet ${manifest.movenet?.variant} from ${moveNetDir}`
          : 'MoveNet not found: set DGPOSE_MOVENET_DIR (uploads will use Semi-DGPose for the pose)',
      );
    },
    generateBundle() {
      for (const f of files) this.emitFile({ type: 'asset', fileName: f.url, source: fs.readFileSync(f.file) });
      this.emitFile({ type: 'asset', fileName: 'assets.json', source: manifestJson });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0];
        if (url === '/assets.json') {
          res.setHeader('content-type', 'application/json');
          res.end(manifestJson);
          return;
        }
        const file = byUrl.get(url);
        if (!file) return next();
        res.setHeader(
          'content-type',
          url.endsWith('.wasm')
            ? 'application/wasm'
            : url.endsWith('.json')
              ? 'application/json'
              : 'application/octet-stream',
        );
        fs.createReadStream(file).pipe(res);
      });
    },
  };
}

// tfjs's packages import tfjs-core both ways (core's initBackend lazily, everything else eagerly); vite
// lists every importer of that harmless case, thousands of lines long
const logger = createLogger();
const warn = logger.warn.bind(logger);
logger.warn = (msg, opts) => {
  if (!msg.includes('dynamic import will not move module into another chunk')) warn(msg, opts);
};

export default defineConfig({
  base: './',
  customLogger: logger,
  plugins: [playgroundAssets()],
  build: {
    target: 'es2022',
    // tfjs alone is ~1.5 MB minified; one chunk per backend would not load faster offline
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
  preview: { host: '127.0.0.1', port: 5178 },
  server: { host: '127.0.0.1', port: 5178 },
});
