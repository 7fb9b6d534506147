import { expectDGPoseError } from '@dgpose/test-utils';
import { parseNpy, parseNpz } from './chictopia-npz';
import { npy, npyUnicode, npz } from './testing/npy';

describe('parseNpy', () => {
  it('reads every numeric dtype in C and Fortran order, and unicode strings', () => {
    expect(parseNpy(npy('<f8', [2, 2], [1, 2, 3, 4]))).toEqual({
      descr: '<f8',
      shape: [2, 2],
      data: Float64Array.from([1, 2, 3, 4]),
    });
    expect(parseNpy(npy('<f4', [2, 3], [0, 1, 2, 3, 4, 5], { fortran: true })).data).toEqual(
      Float64Array.from([0, 1, 2, 3, 4, 5]),
    );
    expect(parseNpy(npy('>i4', [3], [-1, 0, 7], { version: 2 })).data).toEqual(Float64Array.from([-1, 0, 7]));
    expect(parseNpy(npy('<u8', [1], [2 ** 40])).data).toEqual(Float64Array.from([2 ** 40]));
    expect(parseNpy(npyUnicode(['ab', ''], 3)).data).toEqual(['ab', '']);
  });

  // Each of these threw a RangeError or returned a shape its data did not fit before (found by fuzz.test.ts).
  it.each([
    ['a negative dimension', "'shape': (-1,)", /shape \(-1,\) is not a tuple of non-negative integers/],
    ['a non-numeric dimension', "'shape': (!,)", /shape \(!,\) is not a tuple of non-negative integers/],
    ['a huge dimension', "'shape': (9007199254740993,)", /is not a tuple of non-negative integers/],
    ['a zero-width string dtype', "'descr': '<U0'", /unsupported dtype <U0/],
    ['an unsupported dtype', "'descr': '<c16'", /unsupported dtype <c16/],
  ])('%s is a coded E_IO error', (_, edit, message) => {
    const valid = npy('<f8', [1], [1]).toString('latin1');
    const [key] = edit.split(':');
    const bytes = Buffer.from(valid.replace(new RegExp(`${key}: [^,]*(,\\))?`), edit), 'latin1');
    expectDGPoseError(() => parseNpy(bytes, 'x.npy'), 'E_IO', message);
  });

  it('a header length past the end, or an unknown format version, is E_IO', () => {
    const b = npy('<f8', [1], [1]);
    b.writeUInt16LE(5000, 8);
    expectDGPoseError(() => parseNpy(b, 'x.npy'), 'E_IO', /header lies outside the \d+-byte file/);
    const v = npy('<f8', [1], [1]);
    v[6] = 9;
    expectDGPoseError(() => parseNpy(v, 'x.npy'), 'E_IO', /unsupported .npy format version 9\.0/);
  });
});

describe('parseNpz', () => {
  const pose = npy('<f8', [1, 2], [3, 4]);

  it('reads stored and deflated archives with several entries', () => {
    const out = parseNpz(npz({ 'a.npy': pose, 'b.npy': npy('|u1', [2], [5, 6]) }, { deflate: true }));
    expect(Object.keys(out)).toEqual(['a', 'b']);
    expect(out.b.data).toEqual(Float64Array.from([5, 6]));
  });

  it("an entry named '__proto__.npy' is an entry, not the record's prototype", () => {
    const out = parseNpz(npz({ '__proto__.npy': pose }));
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(out['__proto__'].data).toEqual(Float64Array.from([3, 4]));
  });

  it('offsets past the end (central directory, zip64 records, extra fields) are coded E_IO or read safely, never RangeError', () => {
    const z = npz({ 'a.npy': pose });
    const eocd = z.length - 22;
    const cd = z.readUInt32LE(eocd + 16);
    // zip64 marker with no locator before it
    const a = Buffer.from(z);
    a.writeUInt32LE(0xffffffff, eocd + 16);
    expectDGPoseError(() => parseNpz(a, 'a.npz'), 'E_IO');
    // a central-directory extra field longer than the file: fflate reads the one entry through its local
    // header and never looks past the end, so the array comes back whole
    const b = Buffer.from(z);
    b.writeUInt16LE(60000, cd + 30);
    expect(parseNpz(b, 'b.npz')).toEqual(parseNpz(z, 'z.npz'));
    // a zip64 extra field that claims a 64-bit size it does not hold
    const name = Buffer.from('a.npy');
    const extra = Buffer.from([1, 0, 0, 0]);
    const c = Buffer.from(z);
    c.writeUInt32LE(0xffffffff, cd + 24);
    const withExtra = Buffer.concat([c.subarray(0, cd + 46 + name.length), extra, c.subarray(cd + 46 + name.length)]);
    withExtra.writeUInt16LE(extra.length, cd + 30);
    withExtra.writeUInt32LE(
      withExtra.readUInt32LE(withExtra.length - 22 + 12) + extra.length,
      withExtra.length - 22 + 12,
    );
    expectDGPoseError(() => parseNpz(withExtra, 'c.npz'), 'E_IO');
  });

  it('a deflated entry that inflates past its declared size stops there (E_IO)', () => {
    // a valid 100,000-element array that declares 1,000 bytes: fflate inflates 1,000 bytes, npy sees them truncated
    const big = npy('<f8', [100000], new Array<number>(100000).fill(0));
    const z = npz({ 'a.npy': big }, { deflate: true });
    const cd = z.readUInt32LE(z.length - 22 + 16);
    z.writeUInt32LE(1000, cd + 24); // declared uncompressed size: 1000 bytes
    expectDGPoseError(() => parseNpz(z, 'bomb.npz'), 'E_IO', /bomb\.npz:a\.npy/);
  });
});
