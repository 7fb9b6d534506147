/* Test-only writers of NumPy .npy arrays and .npz (zip) archives, as np.save / np.savez write them. */
import { crc32, deflateRawSync } from 'node:zlib';

export type NpyDescr =
  '<f8' | '>f8' | '<f4' | '<i8' | '<i4' | '>i4' | '<i2' | '|i1' | '<u8' | '<u4' | '<u2' | '|u1' | '|b1';

/**
 * A .npy array (format 1.0, or 2.0 with a 4-byte header length): `values` in C order, or in
 * Fortran order on disk when `fortran` is set (the values are still given in C order).
 */
export function npy(
  descr: NpyDescr,
  shape: number[],
  values: number[],
  opts: { fortran?: boolean; version?: 1 | 2 } = {},
): Buffer {
  const version = opts.version ?? 1;
  const fortran = opts.fortran ?? false;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const pre = version === 1 ? 10 : 12;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  header += ' '.repeat(64 - ((pre + header.length + 1) % 64)) + '\n';
  const h = Buffer.alloc(pre);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = version;
  if (version === 1) h.writeUInt16LE(header.length, 8);
  else h.writeUInt32LE(header.length, 8);
  const size = Number(descr.slice(2));
  const le = descr[0] !== '>';
  const kind = descr[1];
  const order = fortran ? fortranOrder(shape) : values.map((_, i) => i);
  const d = Buffer.alloc(values.length * size);
  order.forEach((c, i) => {
    const v = values[c];
    const p = i * size;
    if (kind === 'f' && size === 8) (le ? d.writeDoubleLE : d.writeDoubleBE).call(d, v, p);
    else if (kind === 'f') d.writeFloatLE(v, p);
    else if (kind === 'i' && size === 8) d.writeBigInt64LE(BigInt(v), p);
    else if (kind === 'u' && size === 8) d.writeBigUInt64LE(BigInt(v), p);
    else if (kind === 'i' && size === 1) d.writeInt8(v, p);
    else if (kind === 'i' && size === 2) d.writeInt16LE(v, p);
    else if (kind === 'i') (le ? d.writeInt32LE : d.writeInt32BE).call(d, v, p);
    else if (size === 1) d.writeUInt8(v, p);
    else if (size === 2) d.writeUInt16LE(v, p);
    else d.writeUInt32LE(v, p);
  });
  return Buffer.concat([h, Buffer.from(header, 'latin1'), d]);
}

/** A .npy of fixed-width unicode strings (`<U{width}`). */
export function npyUnicode(strings: string[], width: number): Buffer {
  let header = `{'descr': '<U${width}', 'fortran_order': False, 'shape': (${strings.length},), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = 1;
  h.writeUInt16LE(header.length, 8);
  const d = Buffer.alloc(strings.length * width * 4);
  strings.forEach((s, i) =>
    [...s].slice(0, width).forEach((ch, c) => d.writeUInt32LE(ch.codePointAt(0) as number, (i * width + c) * 4)),
  );
  return Buffer.concat([h, Buffer.from(header, 'latin1'), d]);
}

/** C-order index of each Fortran-order position. */
function fortranOrder(shape: number[]): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  const idx = new Array(shape.length).fill(0);
  for (let f = 0; f < n; f++) {
    let c = 0;
    for (let d = 0; d < shape.length; d++) c = c * shape[d] + idx[d];
    out.push(c);
    for (let d = 0; d < shape.length; d++) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** A zip of `entries` (name -> bytes), stored (np.savez) or deflated (np.savez_compressed). */
export function npz(entries: Record<string, Buffer>, opts: { deflate?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const body = opts.deflate ? deflateRawSync(data) : data;
    const crc = crc32(data) >>> 0;
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(opts.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(opts.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, body);
    centrals.push(central, n);
    offset += 30 + n.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Object.keys(entries).length, 8);
  eocd.writeUInt16LE(Object.keys(entries).length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}
