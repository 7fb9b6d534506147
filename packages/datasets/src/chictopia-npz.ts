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

/** Parses one `.npy` payload. */
export function parseNpy(buf: Uint8Array, source = 'npy'): NpyArray {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 10 || b[0] !== 0x93 || b.toString('latin1', 1, 6) !== 'NUMPY') throw bad('not an .npy array (bad magic)', source);
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  if (hstart + hlen > b.length) throw bad('truncated header', source);
  const header = b.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeStr = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeStr === undefined) throw bad(`unreadable header ${header.trim()}`, source);
  const shape = shapeStr.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const n = shape.reduce((a, v) => a * v, 1);
  const off = hstart + hlen;
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) throw bad(`unsupported dtype ${descr}`, source);
  const [, order, kind, sizeStr] = m;
  const size = Number(sizeStr);
  const le = order !== '>';
  if (kind === 'U') {
    if (off + n * size * 4 > b.length) throw bad('truncated data', source);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      let s = '';
      for (let c = 0; c < size; c++) {
        const cp = le ? b.readUInt32LE(off + (i * size + c) * 4) : b.readUInt32BE(off + (i * size + c) * 4);
        if (cp === 0) break;
        s += String.fromCodePoint(cp);
      }
      out.push(s);
    }
    return { descr, shape, data: out };
  }
  if (off + n * size > b.length) throw bad(`truncated data (${b.length - off} of ${n * size} bytes)`, source);
  const read = (i: number): number => {
    const p = off + i * size;
    switch (`${kind}${size}`) {
      case 'f8': return le ? b.readDoubleLE(p) : b.readDoubleBE(p);
      case 'f4': return le ? b.readFloatLE(p) : b.readFloatBE(p);
      case 'i8': return Number(le ? b.readBigInt64LE(p) : b.readBigInt64BE(p));
      case 'i4': return le ? b.readInt32LE(p) : b.readInt32BE(p);
      case 'i2': return le ? b.readInt16LE(p) : b.readInt16BE(p);
      case 'i1': return b.readInt8(p);
      case 'u8': return Number(le ? b.readBigUInt64LE(p) : b.readBigUInt64BE(p));
      case 'u4': return le ? b.readUInt32LE(p) : b.readUInt32BE(p);
      case 'u2': return le ? b.readUInt16LE(p) : b.readUInt16BE(p);
      case 'u1': case 'b1': return b[p];
      default: throw bad(`unsupported dtype ${descr}`, source);
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

/** Reads every array of an `.npz` (zip of `.npy` files), keyed by name without `.npy`. */
export function parseNpz(buf: Uint8Array, source = 'npz'): Record<string, NpyArray> {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65557); i--) {
    if (b.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('not a zip archive (no end of central directory; truncated?)', source);
  let count = b.readUInt16LE(eocd + 10);
  let cd = b.readUInt32LE(eocd + 16);
  if (cd === 0xffffffff || count === 0xffff) {
    const loc = eocd - 20;
    if (loc < 0 || b.readUInt32LE(loc) !== 0x07064b50) throw bad('zip64 locator missing', source);
    const z = Number(b.readBigUInt64LE(loc + 8));
    if (b.readUInt32LE(z) !== 0x06064b50) throw bad('zip64 end record missing', source);
    count = Number(b.readBigUInt64LE(z + 32));
    cd = Number(b.readBigUInt64LE(z + 48));
  }
  const out: Record<string, NpyArray> = {};
  let p = cd;
  for (let k = 0; k < count; k++) {
    if (p + 46 > b.length || b.readUInt32LE(p) !== 0x02014b50) throw bad('corrupt central directory', source);
    const method = b.readUInt16LE(p + 10);
    let comp = b.readUInt32LE(p + 20);
    let uncomp = b.readUInt32LE(p + 24);
    const nlen = b.readUInt16LE(p + 28);
    const xlen = b.readUInt16LE(p + 30);
    const clen = b.readUInt16LE(p + 32);
    let local = b.readUInt32LE(p + 42);
    const name = b.toString('utf8', p + 46, p + 46 + nlen);
    // zip64 extra field (id 1): the 64-bit values of whichever 32-bit fields are 0xffffffff, in order.
    let x = p + 46 + nlen;
    const xend = x + xlen;
    while (x + 4 <= xend) {
      const id = b.readUInt16LE(x);
      const sz = b.readUInt16LE(x + 2);
      if (id === 1) {
        let q = x + 4;
        if (uncomp === 0xffffffff) { uncomp = Number(b.readBigUInt64LE(q)); q += 8; }
        if (comp === 0xffffffff) { comp = Number(b.readBigUInt64LE(q)); q += 8; }
        if (local === 0xffffffff) { local = Number(b.readBigUInt64LE(q)); q += 8; }
      }
      x += 4 + sz;
    }
    p = xend + clen;
    if (local + 30 > b.length || b.readUInt32LE(local) !== 0x04034b50) throw bad(`corrupt local header of ${name}`, source);
    const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
    if (start + comp > b.length) throw bad(`${name} is truncated`, source);
    const raw = b.subarray(start, start + comp);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (e) {
        throw bad(`${name}: ${(e as Error).message}`, source);
      }
    } else throw bad(`${name} uses zip method ${method} (only stored and deflate are read)`, source);
    if (data.length !== uncomp) throw bad(`${name} has ${data.length} bytes, expected ${uncomp}`, source);
    out[name.replace(/\.npy$/, '')] = parseNpy(data, `${source}:${name}`);
  }
  return out;
}
