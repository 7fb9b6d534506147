import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectAssets, findMoveNet, ZOO_MODELS } from '../assets';

const APP = path.resolve(__dirname, '..');
const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

function fakeMoveNet(variant: string, shards: string[]): string {
  const dir = tempDir('pg-movenet-');
  fs.writeFileSync(
    path.join(dir, `movenet-${variant}.json`),
    JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: shards, weights: [] }] }),
  );
  for (const s of shards) if (!s.includes('/')) fs.writeFileSync(path.join(dir, s), 'bin');
  return dir;
}

describe('build-time assets', () => {
  it('lists the zoo weights (manifest and every shard it names), the wasm binaries, and says so in assets.json', () => {
    const { files, manifest } = collectAssets(APP, {
      DGPOSE_MOVENET_DIR: fakeMoveNet('lightning', ['movenet-lightning.bin']),
    });
    expect(manifest.zoo).toEqual({ baseUrl: 'models/zoo/', models: [...ZOO_MODELS] });
    for (const name of ZOO_MODELS) {
      const model = files.find((f) => f.url === `models/zoo/${name}/model.json`)!;
      const shards = (JSON.parse(fs.readFileSync(model.file, 'utf8')) as { shards: { path: string }[] }).shards;
      for (const s of shards)
        expect(files.some((f) => f.url === `models/zoo/${name}/${s.path}` && fs.existsSync(f.file))).toBe(true);
    }
    expect(files.filter((f) => f.url.startsWith('wasm/') && f.url.endsWith('.wasm')).length).toBeGreaterThanOrEqual(1);
    expect(manifest.wasm).toBe('wasm/');
  });

  it('takes MoveNet from DGPOSE_MOVENET_DIR (json + its shards), Thunder when asked', () => {
    const dir = fakeMoveNet('thunder', ['movenet-thunder.bin']);
    const { files, manifest, moveNetDir } = collectAssets(APP, {
      DGPOSE_MOVENET_DIR: dir,
      DGPOSE_MOVENET_VARIANT: 'thunder',
    });
    expect(moveNetDir).toBe(dir);
    expect(manifest.movenet).toEqual({ url: 'models/movenet/movenet-thunder.json', variant: 'thunder' });
    expect(
      files
        .filter((f) => f.url.startsWith('models/movenet/'))
        .map((f) => f.url)
        .sort(),
    ).toEqual(['models/movenet/movenet-thunder.bin', 'models/movenet/movenet-thunder.json']);
  });

  it('refuses a DGPOSE_MOVENET_DIR without the model, and shard paths that leave the folder', () => {
    const empty = tempDir('pg-empty-');
    expect(() => findMoveNet(APP, 'lightning', { DGPOSE_MOVENET_DIR: empty })).toThrow(
      /holds no movenet-lightning.json/,
    );
    const evil = fakeMoveNet('lightning', ['../outside.bin']);
    expect(() => collectAssets(APP, { DGPOSE_MOVENET_DIR: evil })).toThrow(/is not a plain file name/);
  });

  it('without DGPOSE_MOVENET_DIR uses ../shared/data when present, else builds without MoveNet', () => {
    const appElsewhere = tempDir('pg-app-');
    expect(findMoveNet(appElsewhere, 'lightning', {})).toBeNull();
    const shared = path.resolve(APP, '../../../shared/data/realdata/models');
    expect(findMoveNet(APP, 'lightning', {})).toBe(
      fs.existsSync(path.join(shared, 'movenet-lightning.json')) ? shared : null,
    );
  });
});
