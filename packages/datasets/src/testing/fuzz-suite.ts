/*
 * Fuzz targets of @dgpose/datasets: pose-gan's annotation and pairs CSVs, NumPy .npy / .npz, and
 * image decoding. Run by fuzz.test.ts (FUZZ_RUNS cases per target) and fuzz.slow.test.ts
 * (FUZZ_RUNS_SLOW).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import sharp, { type Sharp } from 'sharp';
import { fuzz, fuzzTimeout, mutatedBytes } from '@dgpose/test-utils';
import {
  DEEPFASHION_CSV_HEADER,
  DEEPFASHION_JOINTS,
  parseDeepFashionCsv,
  parseDeepFashionPairs,
} from '../deepfashion-csv';
import { parseNpy, parseNpz } from '../chictopia-npz';
import { loadImage, SkipCounter } from '../image-io';
import { npy, npyUnicode, npz } from './npy';

const number = fc.oneof(
  fc.integer({ min: -2, max: 300 }).map(String),
  fc.double().map(String),
  fc.constantFrom('-1', 'nan', 'NaN', '1e3', '1e999', '.5', '+3', '-0', '3.', '', ' ', 'x', 'Infinity', '0x10', '1_0'),
);
const list = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(number, { minLength: DEEPFASHION_JOINTS, maxLength: DEEPFASHION_JOINTS })
      .map((a) => `[${a.join(', ')}]`),
  },
  { weight: 1, arbitrary: fc.array(number, { maxLength: 20 }).map((a) => `[${a.join(',')}]`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const imageName = fc.oneof(
  fc.constantFrom('a.jpg', 'fasionMENJacketsVestsid0000071603_4full.jpg', ' ', '', 'a.jpg'),
  fc.string({ maxLength: 10 }),
);
const csvRow = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(imageName, list, list).map((p) => p.join(':')) },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }).map((p) => p.join(':')) },
);
const newline = fc.constantFrom('\n', '\r\n', '\r');
const csvText = fc
  .tuple(
    fc.constantFrom(
      DEEPFASHION_CSV_HEADER,
      ` ${DEEPFASHION_CSV_HEADER} `,
      '\ufeff' + DEEPFASHION_CSV_HEADER,
      'name:keypoints_x:keypoints_y',
      '',
    ),
    fc.array(csvRow, { maxLength: 6 }),
    newline,
  )
  .map(([h, rows, nl]) => [h, ...rows].join(nl));
const pairsText = fc
  .tuple(
    fc.constantFrom('from,to', ' from , to', 'to,from', ''),
    fc.array(
      fc.oneof(
        fc.tuple(imageName, imageName).map((p) => p.join(',')),
        fc.string({ maxLength: 12 }),
      ),
      { maxLength: 6 },
    ),
    newline,
  )
  .map(([h, rows, nl]) => [h, ...rows].join(nl));

/** Valid .npy payloads of every dtype parseNpy reads, C and Fortran order, format 1 and 2. */
function validNpys(): Buffer[] {
  const v6 = [0, 1, 2, 3, 4, 5];
  return [
    npy('<f8', [2, 3], [0.5, -1, 2, 1e300, -0, 7]),
    npy('>f8', [3], [1, 2, 3]),
    npy('<f4', [2, 3], v6, { fortran: true }),
    npy('<i8', [2, 3], v6, { version: 2 }),
    npy('<i4', [6], v6),
    npy('>i4', [1, 6], v6),
    npy('<i2', [3, 2], v6),
    npy('|i1', [6], v6),
    npy('<u8', [2], [1, 2]),
    npy('<u4', [2], [1, 2]),
    npy('<u2', [2], [1, 2]),
    npy('|u1', [], [9]),
    npy('|b1', [2, 1, 1], [0, 1]),
    npy('<f8', [0, 3], []),
    npyUnicode(['id0001', 'x', ''], 6),
  ];
}

/** npy headers with odd descr and shape text (the part the regexes parse). */
const npyHeader = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('<f8', '<i4', '<U3', '|b1', '<c16', '<f2', 'O', '<U0', '<U99999999', '<f8 '),
      fc.string({ maxLength: 5 }),
    ),
    fc.oneof(
      fc
        .array(fc.oneof(fc.integer({ min: -3, max: 5 }), fc.constantFrom(2 ** 31, 2 ** 53, 1e300)), { maxLength: 4 })
        .map((s) => s.join(', ')),
      fc.string({ maxLength: 8 }),
    ),
    fc.boolean(),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map(([descr, shape, fortran, data]) => {
    const header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape}), }\n`;
    const h = Buffer.alloc(10);
    h.write('\x93NUMPY', 0, 'latin1');
    h[6] = 1;
    h.writeUInt16LE(header.length, 8);
    return Buffer.concat([h, Buffer.from(header, 'latin1'), data]);
  });

function expectNpyShape(a: { shape: number[]; data: ArrayLike<unknown> }): void {
  const n = a.shape.reduce((x, y) => x * y, 1);
  if (!a.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || a.data.length !== n)
    throw new Error(`parsed shape [${a.shape}] disagrees with ${a.data.length} values`);
}

export function datasetsFuzzSuite(numRuns: number): void {
  const timeout = fuzzTimeout(numRuns);
  describe(`datasets fuzz targets (${numRuns} cases each)`, () => {
    it(
      'pose-gan annotation CSV: rows or E_CSV / E_NAN (strict), rows with valid joints (lenient)',
      async () => {
        await fuzz(
          fc.tuple(csvText, fc.boolean(), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 })),
          ([text, strict, width, height]) =>
            parseDeepFashionCsv(text, { file: 'a.csv', strict, width, height, skips: new SkipCounter() }),
          numRuns,
          (out, [text, strict, width, height]) => {
            if (!out.ok) {
              const header = !text
                .replace(/^\ufeff/, '')
                .split(/\r?\n/)[0]
                .replace(/\s+/g, '')
                .startsWith(DEEPFASHION_CSV_HEADER);
              if (
                !(out.code === 'E_CSV' || (strict && out.code === 'E_NAN')) ||
                (!strict && !header && out.code !== 'E_CSV')
              )
                throw new Error(`unexpected ${out.message}`);
              return;
            }
            for (const r of out.value) {
              if (r.keypoints.length !== DEEPFASHION_JOINTS)
                throw new Error(`row ${r.line} has ${r.keypoints.length} joints`);
              for (const k of r.keypoints)
                if (k && !(k.x >= 0 && k.x <= width - 1 && k.y >= 0 && k.y <= height - 1))
                  throw new Error(`row ${r.line}: joint outside the image`);
            }
          },
        );
      },
      timeout,
    );

    it(
      'pose-gan pairs CSV: pairs or E_CSV',
      async () => {
        await fuzz(
          fc.tuple(pairsText, fc.boolean()),
          ([text, strict]) => parseDeepFashionPairs(text, { file: 'p.csv', strict, skips: new SkipCounter() }),
          numRuns,
          (out) => {
            if (!out.ok && out.code !== 'E_CSV') throw new Error(`unexpected ${out.message}`);
          },
        );
      },
      timeout,
    );

    it(
      'npy: mutated arrays and odd headers give arrays whose data fit their shape, or E_IO',
      async () => {
        await fuzz(
          fc.oneof(mutatedBytes(validNpys()), npyHeader),
          (b) => parseNpy(b, 'x.npy'),
          numRuns,
          (out) => {
            if (out.ok) expectNpyShape(out.value);
            else if (out.code !== 'E_IO') throw new Error(`unexpected ${out.message}`);
          },
        );
      },
      timeout,
    );

    it(
      'npz: mutated archives (stored, deflated, several entries) give arrays or E_IO',
      async () => {
        const pose = npy(
          '<f8',
          [3, 14],
          Array.from({ length: 42 }, (_, i) => i),
        );
        const valid = [
          npz({ 'pose.npy': pose }),
          npz({ 'pose.npy': pose }, { deflate: true }),
          npz({ 'a.npy': npy('<i4', [2], [1, 2]), 'b.npy': npyUnicode(['s'], 2) }, { deflate: true }),
        ];
        await fuzz(
          mutatedBytes(valid, 32),
          (b) => parseNpz(b, 'x.npz'),
          numRuns,
          (out) => {
            if (out.ok) Object.values(out.value).forEach(expectNpyShape);
            else if (out.code !== 'E_IO') throw new Error(`unexpected ${out.message}`);
          },
        );
      },
      timeout,
    );

    describe('image decoding', () => {
      let dir: string;
      let valid: Buffer[];
      beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-image-fuzz-'));
        const raw = Buffer.from(Array.from({ length: 8 * 6 * 3 }, (_, i) => (i * 37) % 256));
        const img = (): Sharp => sharp(raw, { raw: { width: 8, height: 6, channels: 3 } });
        valid = [
          await img().png().toBuffer(),
          await img().jpeg().toBuffer(),
          await img().jpeg({ progressive: true }).toBuffer(),
          await img().webp().toBuffer(),
        ];
      });
      afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

      const crop = fc.option(
        fc.record({
          left: fc.integer({ min: -4, max: 10 }),
          top: fc.integer({ min: -4, max: 10 }),
          width: fc.integer({ min: 1, max: 12 }),
          height: fc.integer({ min: 1, max: 12 }),
        }),
        { nil: undefined },
      );
      const size = fc.option(fc.tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 })), {
        nil: undefined,
      });

      it(
        'mutated PNG, JPEG and WebP files give an image of the asked size or E_IMAGE_CORRUPT',
        async () => {
          let k = 0;
          await fuzz(
            fc.tuple(
              fc.constant(null).chain(() => mutatedBytes(valid, 48)),
              crop,
              size,
            ),
            async ([bytes, c, s]) => {
              const file = path.join(dir, `i${k++}`);
              fs.writeFileSync(file, bytes);
              try {
                return await loadImage(file, { ...(c ? { crop: c } : {}), ...(s ? { size: s } : {}) });
              } finally {
                fs.rmSync(file, { force: true });
              }
            },
            numRuns,
            (out, [, c, s]) => {
              if (!out.ok) {
                if (out.code !== 'E_IMAGE_CORRUPT') throw new Error(`unexpected ${out.message}`);
                return;
              }
              const [h, w] = s ?? (c ? [c.height, c.width] : [out.value.sourceHeight, out.value.sourceWidth]);
              const im = out.value.image;
              if (im.width !== w || im.height !== h || im.data.length !== w * h * 3)
                throw new Error(`decoded ${im.width}x${im.height}, asked ${w}x${h}`);
            },
          );
          expect(fs.readdirSync(dir)).toEqual([]);
        },
        timeout,
      );

      it(
        'a valid image followed by any trailing bytes decodes as the image alone',
        async () => {
          const decoded = await Promise.all(
            valid.map(async (b, i) => {
              fs.writeFileSync(path.join(dir, `v${i}`), b);
              return (await loadImage(path.join(dir, `v${i}`))).image.data;
            }),
          );
          await fuzz(
            // The tail: random bytes, then `pad` bytes of one value (past 1 KiB too, without a slow shrink of 2,000 random bytes).
            fc.tuple(
              fc.nat({ max: 2 }),
              fc.uint8Array({ minLength: 1, maxLength: 64 }),
              fc.nat({ max: 4096 }),
              fc.integer({ min: 0, max: 255 }),
            ),
            async ([i, tail, pad, fill]) => {
              const file = path.join(dir, 'trailing');
              fs.writeFileSync(file, Buffer.concat([valid[i], tail, Buffer.alloc(pad, fill)]));
              return loadImage(file);
            },
            numRuns,
            (out, [i]) => {
              if (!out.ok) throw new Error(`refused: ${out.message}`);
              if (!Buffer.from(out.value.image.data).equals(Buffer.from(decoded[i])))
                throw new Error('decoded pixels differ');
            },
          );
        },
        timeout,
      );
    });
  });
}
