import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { isDGPoseError } from '@dgpose/core';
import { encodePng, loadImage, transformKeypoint, parseSizeOption, SkipCounter } from './image-io';

describe('loadImage', () => {
  let dir: string;
  const W = 10;
  const H = 8;
  const px = (x: number, y: number, c: number) => (x * 20 + y * 3 + c * 50) % 256;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-io-'));
    const raw = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) raw[(y * W + x) * 3 + c] = px(x, y, c);
    await sharp(raw, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(path.join(dir, 'rgb.png'));
    await sharp(Buffer.alloc(6 * 4, 77), { raw: { width: 6, height: 4, channels: 1 } })
      .png()
      .toFile(path.join(dir, 'grey.png'));
    await sharp(Buffer.alloc(4 * 4 * 4, 200), { raw: { width: 4, height: 4, channels: 4 } })
      .png()
      .toFile(path.join(dir, 'rgba.png'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('crops inside the image exactly (lossless source)', async () => {
    const { image, transform } = await loadImage(path.join(dir, 'rgb.png'), {
      crop: { left: 2, top: 1, width: 5, height: 4 },
    });
    expect([image.width, image.height]).toEqual([5, 4]);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 5; x++) expect(image.data[(y * 5 + x) * 3 + 1]).toBe(px(x + 2, y + 1, 1));
    expect(transformKeypoint({ x: 3, y: 2 }, transform)).toEqual({ x: 1, y: 1 });
  });

  it('pads with the fill colour where the crop leaves the image', async () => {
    const { image } = await loadImage(path.join(dir, 'rgb.png'), {
      crop: { left: -2, top: -1, width: 14, height: 10 },
      fill: [1, 2, 3],
    });
    expect([image.width, image.height]).toEqual([14, 10]);
    const at = (x: number, y: number) => Array.from(image.data.subarray((y * 14 + x) * 3, (y * 14 + x) * 3 + 3));
    expect(at(0, 0)).toEqual([1, 2, 3]);
    expect(at(13, 9)).toEqual([1, 2, 3]);
    expect(at(12, 5)).toEqual([1, 2, 3]); // x = 10 in the source: outside
    expect(at(2, 1)).toEqual([px(0, 0, 0), px(0, 0, 1), px(0, 0, 2)]);
    expect(at(11, 8)).toEqual([px(9, 7, 0), px(9, 7, 1), px(9, 7, 2)]);
    const resized = await loadImage(path.join(dir, 'rgb.png'), {
      crop: { left: -2, top: -1, width: 14, height: 10 },
      size: [5, 7],
    });
    expect([resized.image.width, resized.image.height]).toEqual([7, 5]);
    expect(resized.transform.scaleX).toBeCloseTo(0.5, 12);
  });

  it('encodePng writes a PNG that loadImage reads back pixel for pixel', async () => {
    const img = {
      data: Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256),
      width: 5,
      height: 3,
      channels: 3 as const,
    };
    const file = path.join(dir, 'encoded.png');
    fs.writeFileSync(file, await encodePng(img, { compressionLevel: 9 }));
    const back = await loadImage(file);
    expect([back.image.width, back.image.height]).toEqual([5, 3]);
    expect(Array.from(back.image.data)).toEqual(Array.from(img.data));
  });
  it('grey and RGBA sources become RGB', async () => {
    const g = await loadImage(path.join(dir, 'grey.png'));
    expect(g.image.channels).toBe(3);
    expect(g.image.data.length).toBe(6 * 4 * 3);
    expect(new Set(g.image.data)).toEqual(new Set([77]));
    const a = await loadImage(path.join(dir, 'rgba.png'), { size: [2, 2] });
    expect(a.image.data.length).toBe(2 * 2 * 3);
  });

  it('errors: unreadable file E_IO, garbage and truncated PNG E_IMAGE_CORRUPT, bad sizes E_ARG/E_CONFIG', async () => {
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e) => (isDGPoseError(e) ? e.code : String(e)),
      );
    expect(await code(loadImage(path.join(dir, 'none.png')))).toBe('E_IO');
    fs.writeFileSync(path.join(dir, 'junk.jpg'), 'not an image');
    expect(await code(loadImage(path.join(dir, 'junk.jpg')))).toBe('E_IMAGE_CORRUPT');
    const png = fs.readFileSync(path.join(dir, 'rgb.png'));
    fs.writeFileSync(path.join(dir, 'cut.png'), png.subarray(0, png.length - 12));
    expect(await code(loadImage(path.join(dir, 'cut.png'), { crop: { left: 0, top: 0, width: 2, height: 2 } }))).toBe(
      'E_IMAGE_CORRUPT',
    );
    expect(await code(loadImage(path.join(dir, 'rgb.png'), { size: [0, 4] }))).toBe('E_ARG');
    expect(await code(loadImage(path.join(dir, 'rgb.png'), { crop: { left: 0.5, top: 0, width: 2, height: 2 } }))).toBe(
      'E_ARG',
    );
    expect(() => parseSizeOption(-3)).toThrow(/E_CONFIG/);
    expect(parseSizeOption(64)).toEqual([64, 64]);
    expect(parseSizeOption([64, 44])).toEqual([64, 44]);
  });

  it('a valid JPEG or PNG followed by trailing bytes (past 1 KiB too) loads as the image alone', async () => {
    const png = fs.readFileSync(path.join(dir, 'rgb.png'));
    const jpg = await sharp(png).jpeg().toBuffer();
    fs.writeFileSync(path.join(dir, 'plain.jpg'), jpg);
    const want = {
      png: (await loadImage(path.join(dir, 'rgb.png'))).image.data,
      jpg: (await loadImage(path.join(dir, 'plain.jpg'))).image.data,
    };
    for (const [ext, bytes] of [
      ['png', png],
      ['jpg', jpg],
    ] as const) {
      for (const tail of [Buffer.from('trailing'), Buffer.alloc(2000, 0x41)]) {
        fs.writeFileSync(path.join(dir, `tail.${ext}`), Buffer.concat([bytes, tail]));
        expect((await loadImage(path.join(dir, `tail.${ext}`))).image.data).toEqual(want[ext]);
      }
    }
  });

  it('a JPEG cut short is "truncated" even when an earlier segment holds FF D9 (an EXIF thumbnail\'s end)', async () => {
    const jpg = await sharp(fs.readFileSync(path.join(dir, 'rgb.png')))
      .jpeg()
      .toBuffer();
    const app1 = Buffer.from([0xff, 0xe1, 0x00, 0x06, 0xff, 0xd8, 0xff, 0xd9]); // APP1 holding a thumbnail's SOI..EOI
    const withThumb = Buffer.concat([jpg.subarray(0, 2), app1, jpg.subarray(2)]);
    fs.writeFileSync(path.join(dir, 'thumb.jpg'), withThumb);
    expect((await loadImage(path.join(dir, 'thumb.jpg'))).image.width).toBe(W);
    fs.writeFileSync(path.join(dir, 'thumb-cut.jpg'), withThumb.subarray(0, withThumb.length - 40));
    await expect(
      loadImage(path.join(dir, 'thumb-cut.jpg'), { crop: { left: 0, top: 0, width: 2, height: 2 } }),
    ).rejects.toThrow(/E_IMAGE_CORRUPT.*truncated JPEG \(no end-of-image marker\)/);
  });

  it('a PNG whose header claims a side over 8192 px is E_IMAGE_CORRUPT naming its size, not an E_ARG about size (found by fuzz.slow)', async () => {
    const png = Buffer.from(fs.readFileSync(path.join(dir, 'rgb.png')));
    png.writeUInt32BE(16777224, 16); // IHDR width (the chunk's CRC is not checked before the size is read)
    fs.writeFileSync(path.join(dir, 'wide.png'), png);
    await expect(loadImage(path.join(dir, 'wide.png'))).rejects.toThrow(
      /^\[E_IMAGE_CORRUPT\] cannot decode image .*wide\.png: image is 16777224x8, larger than the 8192 px a side returned without a resize/,
    );
  });

  it('SkipCounter counts by reason, keeps 5 examples each, forwards every skip', () => {
    const seen: string[] = [];
    const s = new SkipCounter((r, d) => seen.push(`${r}|${d}`));
    for (let i = 0; i < 7; i++) s.add('a', `x${i}`);
    s.add('b', 'y');
    const r = s.report();
    expect(r.counts).toEqual({ a: 7, b: 1 });
    expect(r.total).toBe(8);
    expect(r.examples.a).toEqual(['x0', 'x1', 'x2', 'x3', 'x4']);
    expect(seen).toHaveLength(8);
  });
});
