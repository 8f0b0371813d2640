// The IDX format of MNIST, EMNIST and Fashion-MNIST: a big-endian header (two zero bytes, a type
// byte, the number of dimensions), one big-endian uint32 per dimension, then the values in C order,
// big-endian. Gzipped files (as distributed) are read transparently: recognised by the gzip magic
// number, not by their name.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataFileError, reason } from './errors.js';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxData {
  type: IdxType;
  shape: number[];
  data: IdxArray;
}

/** Type byte -> element type and size. */
const TYPES: ReadonlyMap<number, [IdxType, number]> = new Map([
  [0x08, ['uint8', 1]], [0x09, ['int8', 1]], [0x0b, ['int16', 2]], [0x0c, ['int32', 4]], [0x0d, ['float32', 4]], [0x0e, ['float64', 8]],
]);
const TYPE_BYTE: Readonly<Record<IdxType, number>> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

/** Largest uncompressed file we accept from a .gz (guards against a decompression bomb). */
const MAX_UNCOMPRESSED = 2 ** 32;

/** The file's bytes, gunzipped when they start with the gzip magic number. */
export function readMaybeGzip(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new DataFileError(path, `cannot read the file (${reason(e)})`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw, { maxOutputLength: MAX_UNCOMPRESSED });
    } catch (e) {
      throw new DataFileError(path, `the gzip data is truncated or corrupt (${(e as Error).message})`);
    }
  }
  return raw;
}

/** Parses IDX bytes; `path` names the file in errors. */
export function parseIdx(bytes: Uint8Array, path: string): IdxData {
  const fail = (problem: string): never => { throw new DataFileError(path, problem); };
  if (bytes.length < 4) fail(`${bytes.length} bytes is too short for an IDX header (4 bytes of magic number)`);
  const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
  const info = TYPES.get(bytes[2]!);
  if (bytes[0] !== 0 || bytes[1] !== 0 || !info) {
    fail(`magic number 0x${magic} is not IDX (expected 0x0000TTNN with type TT in 08 ubyte, 09 byte, 0B short, 0C int, 0D float, 0E double)`);
  }
  const [type, size] = info!;
  const ndim = bytes[3]!;
  if (ndim === 0) fail(`magic number 0x${magic} declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) fail(`the file is ${bytes.length} bytes, too short for the ${ndim} dimension sizes its header declares (${headerBytes} bytes of header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const expected = headerBytes + count * size;
  if (bytes.length !== expected) {
    fail(`${type} data of shape [${shape.join(', ')}] needs ${expected} bytes (header included), the file has ${bytes.length}${bytes.length < expected ? ' (truncated)' : ''}`);
  }
  return { type, shape, data: decode(bytes, headerBytes, count, type) };
}

function decode(bytes: Uint8Array, start: number, count: number, type: IdxType): IdxArray {
  // Copies into plain typed arrays (bytes may be a Buffer, whose slice() is a view).
  if (type === 'uint8') return new Uint8Array(bytes.subarray(start, start + count));
  if (type === 'int8') return new Int8Array(new Uint8Array(bytes.subarray(start, start + count)).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start);
  switch (type) {
    case 'int16': { const a = new Int16Array(count); for (let i = 0; i < count; i++) a[i] = view.getInt16(2 * i, false); return a; }
    case 'int32': { const a = new Int32Array(count); for (let i = 0; i < count; i++) a[i] = view.getInt32(4 * i, false); return a; }
    case 'float32': { const a = new Float32Array(count); for (let i = 0; i < count; i++) a[i] = view.getFloat32(4 * i, false); return a; }
    default: { const a = new Float64Array(count); for (let i = 0; i < count; i++) a[i] = view.getFloat64(8 * i, false); return a; }
  }
}

/** Reads an IDX file, gzipped or not. */
export function readIdx(path: string): IdxData {
  return parseIdx(readMaybeGzip(path), path);
}

/** IDX bytes for an array (big-endian), e.g. to write test files or export data. */
export function encodeIdx(type: IdxType, shape: readonly number[], values: ArrayLike<number>): Uint8Array {
  const size = TYPES.get(TYPE_BYTE[type])![1];
  const count = shape.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new RangeError(`encodeIdx: ${values.length} values do not fill shape [${shape.join(', ')}]`);
  const out = new Uint8Array(4 + 4 * shape.length + count * size);
  const view = new DataView(out.buffer);
  out[2] = TYPE_BYTE[type];
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const o = 4 + 4 * shape.length;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    switch (type) {
      case 'uint8': view.setUint8(o + i, v); break;
      case 'int8': view.setInt8(o + i, v); break;
      case 'int16': view.setInt16(o + 2 * i, v, false); break;
      case 'int32': view.setInt32(o + 4 * i, v, false); break;
      case 'float32': view.setFloat32(o + 4 * i, v, false); break;
      case 'float64': view.setFloat64(o + 8 * i, v, false); break;
    }
  }
  return out;
}

/** The path of `name` or `name.gz` in `dir`, or null when neither is a file. */
export function findMaybeGzipped(dir: string, name: string): string | null {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch { /* not there */ }
  }
  return null;
}
