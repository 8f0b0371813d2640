// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...}` plus
// an optional "__metadata__" map of strings), padded with spaces to a multiple of 8, then the
// tensors' little-endian bytes back to back. Files written here are byte-identical to those of the
// reference implementation (the one PyTorch users get from `safetensors.torch.save_file`): tensors
// ordered by dtype alignment, largest first, then by name; compact JSON; "__metadata__" first.
// Reading trusts nothing: every length, offset and count is checked before anything is allocated.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DTYPE_INFO, type DType, type StorageArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic, type AtomicWriteResult } from './atomic.js';

/** The reference implementation refuses headers above this size; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

/** Our dtypes by safetensors name. */
const DTYPE_BY_NAME: ReadonlyMap<string, DType> = new Map(Object.values(DTYPE_INFO).map((d) => [d.safetensors, d.name]));

/** Dtypes of the format that this library cannot hold (named in errors rather than "unknown"). */
const FOREIGN_DTYPES = new Set(['I8', 'I16', 'U16', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

/** The reference's serialisation order: descending rank here, then name. */
const ALIGNMENT_RANK: Readonly<Record<DType, number>> = {
  bool: 0, uint8: 1, float16: 2, bfloat16: 3, int32: 4, float32: 5, float64: 6, int64: 7,
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export type TensorDict = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;
export type Metadata = Record<string, string>;

/** One tensor's entry in the header. */
export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte offsets [begin, end) within the data section (after the header). */
  dataOffsets: [number, number];
}

export interface Header {
  /** Tensors in file order (ascending offsets). */
  tensors: TensorInfo[];
  metadata: Metadata;
  /** Where the data section starts in the file: 8 + header length. */
  dataStart: number;
  /** Length of the data section in bytes. */
  dataBytes: number;
}

export interface Loaded {
  /** Tensors in file order. */
  tensors: Map<string, Tensor>;
  metadata: Metadata;
}

/** A file or buffer that is not valid safetensors; `source` names it. */
export class SafetensorsError extends Error {
  constructor(readonly source: string, readonly problem: string) {
    super(`safetensors: ${source}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

// ---- writing ----------------------------------------------------------------------------------

interface Entry { name: string; tensor: Tensor; bytes: Uint8Array }

function entriesOf(tensors: TensorDict, op: string): Entry[] {
  if (tensors === null || typeof tensors !== 'object') throw new TypeError(`${op}: expected a Map or an object of tensors, got ${tensors === null ? 'null' : typeof tensors}`);
  const pairs: [string, unknown][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const out: Entry[] = [];
  for (const [name, tensor] of pairs) {
    if (typeof name !== 'string') throw new TypeError(`${op}: tensor names must be strings, got ${typeof name}`);
    if (name === METADATA_KEY) throw new RangeError(`${op}: '${METADATA_KEY}' is reserved for the metadata and cannot name a tensor`);
    if (!(tensor instanceof Tensor)) throw new TypeError(`${op}: '${name}' is not a Tensor`);
    out.push({ name, tensor, bytes: tensorBytes(tensor) });
  }
  out.sort((a, b) => ALIGNMENT_RANK[b.tensor.dtype] - ALIGNMENT_RANK[a.tensor.dtype] || compareNames(a.name, b.name));
  return out;
}

/** Rust's str ordering: by UTF-8 bytes (differs from JS's UTF-16 order above the BMP). */
function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The tensor's values as little-endian bytes in C order (a view when it is already dense). */
function tensorBytes(t: Tensor): Uint8Array {
  const data: StorageArray = t.isDense() ? t.data : t.toTypedArray();
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN ? bytes : swapBytes(bytes, t.itemSize);
}

function checkMetadata(metadata: unknown, op: string): Metadata | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new TypeError(`${op}: metadata must be an object of strings`);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`${op}: metadata values must be strings (JSON-encode anything else), '${k}' is ${typeof v}`);
  }
  return metadata as Metadata;
}

/** Header bytes (length prefix included) and the data chunks, in file order. */
function layout(tensors: TensorDict, metadata: unknown, op: string): Uint8Array[] {
  const entries = entriesOf(tensors, op);
  const meta = checkMetadata(metadata, op);
  const parts: string[] = [];
  if (meta) parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(meta)}`);
  let offset = 0;
  for (const e of entries) {
    const info = { dtype: DTYPE_INFO[e.tensor.dtype].safetensors, shape: e.tensor.shape, data_offsets: [offset, offset + e.bytes.byteLength] };
    parts.push(`${JSON.stringify(e.name)}:${JSON.stringify(info)}`);
    offset += e.bytes.byteLength;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const head = Buffer.alloc(8 + padded, 0x20);
  head.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(head, 8);
  return [head, ...entries.map((e) => e.bytes)];
}

/** The whole file as one Buffer. */
export function serialize(tensors: TensorDict, metadata?: Metadata): Buffer {
  return Buffer.concat(layout(tensors, metadata, 'safetensors.serialize'));
}

/**
 * Writes a safetensors file atomically (temporary file, fsync, rename, fsync of the directory),
 * streaming each tensor's memory to disk without building the file in memory. Returns the size
 * and SHA-256 of what was written.
 */
export function saveFile(path: string, tensors: TensorDict, metadata?: Metadata): AtomicWriteResult {
  return writeFileAtomic(path, layout(tensors, metadata, 'safetensors.saveFile'));
}

// ---- reading ----------------------------------------------------------------------------------

/** Parses and validates a header given the file's total size; throws SafetensorsError naming `source`. */
export function parseHeader(prefix: Uint8Array, fileSize: number, source: string, readJson: (n: number) => Uint8Array): Header {
  const fail = (problem: string): never => { throw new SafetensorsError(source, problem); };
  if (fileSize < 8) fail(`the file is ${fileSize} bytes, shorter than the 8-byte header length (truncated or not safetensors)`);
  const n64 = Buffer.from(prefix.buffer, prefix.byteOffset, 8).readBigUInt64LE(0);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`the header length is ${n64} bytes, above the ${MAX_HEADER_BYTES}-byte limit (corrupted or not safetensors)`);
  const n = Number(n64);
  if (8 + n > fileSize) fail(`the header length is ${n} bytes but the file has only ${fileSize - 8} bytes after the length (truncated)`);
  if (n < 2) fail(`the header length is ${n} bytes, too short for a JSON object`);
  const jsonBytes = readJson(n);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(jsonBytes);
  } catch {
    return fail('the header is not valid UTF-8');
  }
  if (text[0] !== '{') fail(`the header does not start with '{' (got ${JSON.stringify(text.slice(0, 16))})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail('the header is not a JSON object');
  const metadata: Metadata = {};
  const tensors: TensorInfo[] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`'${METADATA_KEY}' must be an object of strings`);
      for (const [k, v] of Object.entries(value as object)) {
        if (typeof v !== 'string') fail(`'${METADATA_KEY}' value '${k}' is ${v === null ? 'null' : typeof v}, expected a string`);
        metadata[k] = v;
      }
      continue;
    }
    tensors.push(parseTensorInfo(name, value, fail));
  }
  tensors.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  const dataBytes = fileSize - 8 - n;
  let expected = 0;
  for (const t of tensors) {
    const [begin, end] = t.dataOffsets;
    if (begin !== expected) {
      fail(begin > expected
        ? `tensor '${t.name}' starts at data offset ${begin}, but the previous tensor ends at ${expected} (a gap: the offsets must be contiguous)`
        : `tensor '${t.name}' starts at data offset ${begin}, inside the previous tensor which ends at ${expected} (overlap)`);
    }
    if (end > dataBytes) fail(`tensor '${t.name}' ends at data offset ${end}, past the ${dataBytes} bytes of data in the file (truncated)`);
    expected = end;
  }
  if (expected !== dataBytes) fail(`the tensors cover ${expected} bytes of data but the file holds ${dataBytes} (trailing bytes or a missing tensor)`);
  return { tensors, metadata, dataStart: 8 + n, dataBytes };
}

function parseTensorInfo(name: string, value: unknown, fail: (p: string) => never): TensorInfo {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`tensor '${name}': expected an object with dtype, shape and data_offsets`);
  const v = value as Record<string, unknown>;
  const dtypeName = v.dtype;
  if (typeof dtypeName !== 'string') fail(`tensor '${name}': dtype is missing or not a string`);
  const dtype = DTYPE_BY_NAME.get(dtypeName as string);
  if (!dtype) {
    fail(FOREIGN_DTYPES.has(dtypeName as string)
      ? `tensor '${name}': dtype ${dtypeName} is valid safetensors but not supported here (supported: ${[...DTYPE_BY_NAME.keys()].join(', ')})`
      : `tensor '${name}': unknown dtype ${JSON.stringify(dtypeName)}`);
  }
  const shape = v.shape;
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
    fail(`tensor '${name}': shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const offsets = v.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0)) {
    fail(`tensor '${name}': data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
  let numel = 1;
  for (const d of shape as number[]) {
    numel *= d;
    if (numel > Number.MAX_SAFE_INTEGER) fail(`tensor '${name}': shape ${JSON.stringify(shape)} has too many elements`);
  }
  const bytes = numel * DTYPE_INFO[dtype!].bytes;
  if (end - begin !== bytes) {
    fail(`tensor '${name}': ${dtypeName} with shape [${(shape as number[]).join(', ')}] needs ${bytes} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype: dtype!, shape: (shape as number[]).slice(), dataOffsets: [begin, end] };
}

/** A tensor whose storage receives `bytes` (copied, so the result never aliases the input). */
function tensorFrom(info: TensorInfo, fill: (dst: Uint8Array) => void): Tensor {
  const { dtype, shape } = info;
  const numel = (info.dataOffsets[1] - info.dataOffsets[0]) / DTYPE_INFO[dtype].bytes;
  const data = new DTYPE_INFO[dtype].array(numel);
  const dst = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  fill(dst);
  if (!LITTLE_ENDIAN) swapBytes(dst, DTYPE_INFO[dtype].bytes, dst);
  if (dtype === 'bool') for (let i = 0; i < dst.length; i++) dst[i] = dst[i] ? 1 : 0;
  return Tensor.fromStorage(data, dtype, shape);
}

/** Reads a whole safetensors file held in memory. `source` names it in errors. */
export function deserialize(buffer: Uint8Array, source = 'buffer'): Loaded {
  if (!(buffer instanceof Uint8Array)) throw new TypeError(`safetensors.deserialize: expected a Buffer or Uint8Array, got ${buffer === null ? 'null' : typeof buffer}`);
  const header = parseHeader(buffer.length >= 8 ? buffer.subarray(0, 8) : new Uint8Array(8), buffer.length, source, (n) => buffer.subarray(8, 8 + n));
  const tensors = new Map<string, Tensor>();
  for (const info of header.tensors) {
    const from = header.dataStart + info.dataOffsets[0];
    tensors.set(info.name, tensorFrom(info, (dst) => dst.set(buffer.subarray(from, from + dst.length))));
  }
  return { tensors, metadata: header.metadata };
}

/** Reads and validates only the header of a file (for listing checkpoints without loading them). */
export function readHeader(path: string): Header {
  return withFile(path, (fd, size) => readHeaderFd(fd, size, path));
}

/** Reads a safetensors file, each tensor's bytes straight from disk into its own storage. */
export function loadFile(path: string): Loaded {
  return withFile(path, (fd, size) => {
    const header = readHeaderFd(fd, size, path);
    const tensors = new Map<string, Tensor>();
    for (const info of header.tensors) {
      tensors.set(info.name, tensorFrom(info, (dst) => readFully(fd, dst, header.dataStart + info.dataOffsets[0], path)));
    }
    return { tensors, metadata: header.metadata };
  });
}

function readHeaderFd(fd: number, size: number, path: string): Header {
  const prefix = new Uint8Array(8);
  if (size >= 8) readFully(fd, prefix, 0, path);
  return parseHeader(prefix, size, path, (n) => {
    const json = new Uint8Array(n);
    readFully(fd, json, 8, path);
    return json;
  });
}

function withFile<T>(path: string, fn: (fd: number, size: number) => T): T {
  if (typeof path !== 'string') throw new TypeError(`safetensors: expected a file path, got ${typeof path}`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new SafetensorsError(path, `cannot open the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SafetensorsError(path, 'not a regular file');
    return fn(fd, st.size);
  } finally {
    closeSync(fd);
  }
}

/** Reads dst.length bytes at position; a short read (the file shrank underneath us) is an error. */
function readFully(fd: number, dst: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < dst.length) {
    const n = readSync(fd, dst, done, Math.min(dst.length - done, 1 << 30), position + done);
    if (n === 0) throw new SafetensorsError(path, `the file ended at byte ${position + done} while reading ${dst.length} bytes at ${position} (truncated while reading)`);
    done += n;
  }
}

function swapBytes(src: Uint8Array, width: number, dst: Uint8Array = new Uint8Array(src.length)): Uint8Array {
  if (width === 1) { if (dst !== src) dst.set(src); return dst; }
  for (let i = 0; i < src.length; i += width) {
    for (let a = 0, b = width - 1; a <= b; a++, b--) {
      const x = src[i + a]!, y = src[i + b]!;
      dst[i + a] = y;
      dst[i + b] = x;
    }
  }
  return dst;
}
