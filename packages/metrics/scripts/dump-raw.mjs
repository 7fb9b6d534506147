// Decodes images with sharp to raw interleaved 8-bit RGB, exactly as the parity tests decode them
// (src/__fixtures__/decode.ts makes the same call), so scikit-image and @dgpose/metrics score
// bit-identical pixels. Usage: node scripts/dump-raw.mjs <outDir> <image>...
// Writes <outDir>/<i>.raw and <outDir>/index.json ([{ file, width, height, channels, sha256 }]).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const [outDir, ...files] = process.argv.slice(2);
if (!outDir || files.length === 0) {
  console.error('usage: node scripts/dump-raw.mjs <outDir> <image>...');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const index = [];
for (const [i, file] of files.entries()) {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  writeFileSync(join(outDir, `${i}.raw`), data);
  index.push({
    file,
    width: info.width,
    height: info.height,
    channels: info.channels,
    sha256: createHash('sha256').update(data).digest('hex'),
  });
}
writeFileSync(join(outDir, 'index.json'), JSON.stringify(index));
