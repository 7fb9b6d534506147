/*
 * Minimal NumPy .npy / .npz reader (Node only) for the DeeperCut pose files of ChictopiaPlus
 * (`np.savez_compressed(out, pose=pose)` in classner/up `pose/pose_deepercut.py`) and mmpose's npz
 * test files. Reads numeric and fixed-width unicode arrays; the zip layer is fflate's (stored or deflated entries).
 */
import { type Unzipped, unzipSync } from 'fflate';
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
 * Reads every array of an `.npz` (zip of `.npy` files), keyed by name without `.npy`. The zip is read by
 * fflate; an entry that declares more than MAX_NPZ_ENTRY_BYTES uncompressed, or a method other than stored or
 * deflate, is refused before it is inflated, and any archive fflate cannot read is a coded E_IO.
 */
export function parseNpz(buf: Uint8Array, source = 'npz'): Record<string, NpyArray> {
  let entries: Unzipped;
  try {
    entries = unzipSync(buf, {
      filter: (f) => {
        if (f.originalSize > MAX_NPZ_ENTRY_BYTES)
          throw bad(
            `${f.name} declares ${f.originalSize} bytes uncompressed, more than the ${MAX_NPZ_ENTRY_BYTES} read`,
            source,
          );
        if (f.compression !== 0 && f.compression !== 8)
          throw bad(`${f.name} uses zip method ${f.compression} (only stored and deflate are read)`, source);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof DGPoseError) throw e;
    throw bad(`not a readable zip archive (${(e as Error).message}; truncated or corrupt?)`, source);
  }
  // A null-prototype record: an entry named '__proto__.npy' is then data, not the record's prototype.
  const out: Record<string, NpyArray> = Object.create(null);
  for (const name of Object.keys(entries))
    out[name.replace(/\.npy$/, '')] = parseNpy(entries[name], `${source}:${name}`);
  return out;
}
