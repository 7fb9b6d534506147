/*
 * Minimal NumPy .npy / .npz reader (Node only) for the DeeperCut pose files of ChictopiaPlus
 * (`np.savez_compressed(out, pose=pose)` in classner/up `pose/pose_deepercut.py`) and mmpose's npz
 * test files. Reads numeric and fixed-width unicode arrays; zip entries stored or deflated, zip64 extras.
 */
import { inflateRawSync } from 'node:zlib';
import { DGPoseError } from '@dgpose/core';

/** One array: C-order data. Numeric dtypes become Float64Array (exact for every int up to 2^53); `U` dtypes a string[]. */
export interface NpyArray {
  /** NumPy dtype descr, e.g. `<f8`, `<i4`, `<U67`. */
  descr: string;
  shape: number[];
  data: Float64Array | string[];
}

function bad(what: string, source: string): DGPoseError {
  return new DGPoseError('E_IO', `cannot read NumPy data in ${source}: ${what}`, { argument: 'npz', path: source });
}

/** Element sizes of the numeric dtypes read (kind + bytes); `U` (UTF-32 strings) takes any width >= 1. */
const NUMERIC = new Set(['f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1']);
/** Largest uncompressed npz entry inflated (1 GiB): a bound on what a small, crafted archive can make us allocate. */
export const MAX_NPZ_ENTRY_BYTES = 2 ** 30;

/**
 * Bounds-checked little-endian reads of `b`: a field that would lie past the end is a coded
 * "truncated or corrupt" error naming `what`, never Node's RangeError.
 */
function reader(b: Buffer, source: string) {
  const need = (at: number, n: number, what: string): void => {
    if (!(Number.isSafeInteger(at) && at >= 0 && at + n <= b.length))
      throw bad(`${what} lies outside the ${b.length}-byte file (truncated or corrupt)`, source);
  };
  return {
    need,
    u16: (at: number, what: string): number => (need(at, 2, what), b.readUInt16LE(at)),
    u32: (at: number, what: string): number => (need(at, 4, what), b.readUInt32LE(at)),
    u64: (at: number, what: string): number => {
      need(at, 8, what);
      const v = b.readBigUInt64LE(at);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`${what} is ${v}, beyond any file size`, source);
      return Number(v);
    },
  };
}

/** Parses one `.npy` payload (format 1, 2 or 3: the header length is 2 bytes in 1, 4 in 2 and 3). */
export function parseNpy(buf: Uint8Array, source = 'npy'): NpyArray {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const r = reader(b, source);
  if (b.length < 10 || b[0] !== 0x93 || b.toString('latin1', 1, 6) !== 'NUMPY')
    throw bad('not an .npy array (bad magic)', source);
  const major = b[6];
  if (major < 1 || major > 3)
    throw bad(`unsupported .npy format version ${major}.${b[7]} (expected 1.0, 2.0 or 3.0)`, source);
  const hlen = major === 1 ? r.u16(8, 'header length') : r.u32(8, 'header length');
  const hstart = major === 1 ? 10 : 12;
  r.need(hstart, hlen, 'header');
  const header = b.toString(major === 3 ? 'utf8' : 'latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeStr = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeStr === undefined)
    throw bad(`unreadable header ${JSON.stringify(header.trim().slice(0, 80))}`, source);
  const dims = shapeStr
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (!dims.every((d) => /^\d+$/.test(d) && Number.isSafeInteger(Number(d))))
    throw bad(`shape (${shapeStr}) is not a tuple of non-negative integers`, source);
  const shape = dims.map(Number);
  const n = shape.reduce((a, v) => a * v, 1);
  const off = hstart + hlen;
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const kindSize = m ? `${m[2]}${m[3]}` : '';
  if (!m || !(NUMERIC.has(kindSize) || (m[2] === 'U' && Number(m[3]) >= 1)))
    throw bad(`unsupported dtype ${descr}`, source);
  const [, order, kind, sizeStr] = m;
  const size = Number(sizeStr);
  const le = order !== '>';
  // Checked before any allocation or loop: n is then bounded by the file's size (size >= 1).
  const bytes = n * size * (kind === 'U' ? 4 : 1);
  if (!(off + bytes <= b.length)) throw bad(`truncated data (${b.length - off} of ${bytes} bytes)`, source);
  if (kind === 'U') {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      let s = '';
      for (let c = 0; c < size; c++) {
        const cp = le ? b.readUInt32LE(off + (i * size + c) * 4) : b.readUInt32BE(off + (i * size + c) * 4);
        if (cp === 0) break;
        if (cp > 0x10ffff) throw bad(`string ${i} holds ${cp}, not a Unicode code point`, source);
        s += String.fromCodePoint(cp);
      }
      out.push(s);
    }
    return { descr, shape, data: out };
  }
  const read = (i: number): number => {
    const p = off + i * size;
    switch (kindSize) {
      case 'f8':
        return le ? b.readDoubleLE(p) : b.readDoubleBE(p);
      case 'f4':
        return le ? b.readFloatLE(p) : b.readFloatBE(p);
      case 'i8':
        return Number(le ? b.readBigInt64LE(p) : b.readBigInt64BE(p));
      case 'i4':
        return le ? b.readInt32LE(p) : b.readInt32BE(p);
      case 'i2':
        return le ? b.readInt16LE(p) : b.readInt16BE(p);
      case 'i1':
        return b.readInt8(p);
      case 'u8':
        return Number(le ? b.readBigUInt64LE(p) : b.readBigUInt64BE(p));
      case 'u4':
        return le ? b.readUInt32LE(p) : b.readUInt32BE(p);
      case 'u2':
        return le ? b.readUInt16LE(p) : b.readUInt16BE(p);
      default:
        return b[p]; // u1, b1
    }
  };
  const data = new Float64Array(n);
  if (fortran && shape.length > 1) {
    // Column-major on disk: element (i0, i1, ...) sits at i0 + s0*(i1 + s1*(...)).
    const idx = new Array(shape.length).fill(0);
    for (let c = 0; c < n; c++) {
      let f = 0;
      for (let d = shape.length - 1; d >= 0; d--) f = f * shape[d] + idx[d];
      data[c] = read(f);
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
  } else for (let i = 0; i < n; i++) data[i] = read(i);
  return { descr, shape, data };
}

/**
 * Reads every array of an `.npz` (zip of `.npy` files), keyed by name without `.npy`. Every offset
 * and size is checked against the file before use, and inflation stops at the entry's declared size.
 */
export function parseNpz(buf: Uint8Array, source = 'npz'): Record<string, NpyArray> {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const r = reader(b, source);
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65557); i--) {
    if (b.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('not a zip archive (no end of central directory; truncated?)', source);
  let count = r.u16(eocd + 10, 'entry count');
  let cd = r.u32(eocd + 16, 'central directory offset');
  if (cd === 0xffffffff || count === 0xffff) {
    const loc = eocd - 20;
    if (loc < 0 || r.u32(loc, 'zip64 locator') !== 0x07064b50) throw bad('zip64 locator missing', source);
    const z = r.u64(loc + 8, 'zip64 end record offset');
    if (r.u32(z, 'zip64 end record') !== 0x06064b50) throw bad('zip64 end record missing', source);
    count = r.u64(z + 32, 'zip64 entry count');
    cd = r.u64(z + 48, 'zip64 central directory offset');
  }
  // A null-prototype record: an entry named '__proto__.npy' is then data, not the record's prototype.
  const out: Record<string, NpyArray> = Object.create(null);
  let p = cd;
  for (let k = 0; k < count; k++) {
    if (p + 46 > b.length || r.u32(p, 'central directory') !== 0x02014b50)
      throw bad('corrupt central directory', source);
    const method = r.u16(p + 10, 'compression method');
    let comp = r.u32(p + 20, 'compressed size');
    let uncomp = r.u32(p + 24, 'uncompressed size');
    const nlen = r.u16(p + 28, 'name length');
    const xlen = r.u16(p + 30, 'extra length');
    const clen = r.u16(p + 32, 'comment length');
    let local = r.u32(p + 42, 'local header offset');
    r.need(p + 46, nlen + xlen + clen, 'central directory entry');
    const name = b.toString('utf8', p + 46, p + 46 + nlen);
    // zip64 extra field (id 1): the 64-bit values of whichever 32-bit fields are 0xffffffff, in order.
    let x = p + 46 + nlen;
    const xend = x + xlen;
    while (x + 4 <= xend) {
      const id = r.u16(x, 'extra field id');
      const sz = r.u16(x + 2, 'extra field size');
      if (x + 4 + sz > xend) throw bad(`${name}: extra field overruns its entry`, source);
      if (id === 1) {
        let q = x + 4;
        const next = (what: string): number => {
          if (q + 8 > x + 4 + sz) throw bad(`${name}: zip64 extra field lacks the ${what}`, source);
          const v = r.u64(q, `${name} zip64 ${what}`);
          q += 8;
          return v;
        };
        if (uncomp === 0xffffffff) uncomp = next('uncompressed size');
        if (comp === 0xffffffff) comp = next('compressed size');
        if (local === 0xffffffff) local = next('local header offset');
      }
      x += 4 + sz;
    }
    p = xend + clen;
    if (local + 30 > b.length || r.u32(local, `local header of ${name}`) !== 0x04034b50)
      throw bad(`corrupt local header of ${name}`, source);
    const start = local + 30 + r.u16(local + 26, 'local name length') + r.u16(local + 28, 'local extra length');
    if (start + comp > b.length) throw bad(`${name} is truncated`, source);
    if (uncomp > MAX_NPZ_ENTRY_BYTES)
      throw bad(`${name} declares ${uncomp} bytes uncompressed, more than the ${MAX_NPZ_ENTRY_BYTES} read`, source);
    const raw = b.subarray(start, start + comp);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        // maxOutputLength: a deflate stream that inflates past its declared size (a zip bomb) stops there.
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, uncomp) });
      } catch (e) {
        throw bad(`${name}: ${(e as Error).message}`, source);
      }
    } else throw bad(`${name} uses zip method ${method} (only stored and deflate are read)`, source);
    if (data.length !== uncomp) throw bad(`${name} has ${data.length} bytes, expected ${uncomp}`, source);
    out[name.replace(/\.npy$/, '')] = parseNpy(data, `${source}:${name}`);
  }
  return out;
}
