// Data types: names, storage arrays, promotion rules.
// float16 and bfloat16 are stored as their 16-bit patterns in Uint16Array; arithmetic on them is
// done in float32 and rounded once at the end. bool is stored as 0/1 bytes.

import { noteAllocated, takeBuffer } from './buffer-pool.js';

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'uint8' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'];

export type FloatArray = Float32Array | Float64Array;
export type NumberArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;
export type StorageArray = NumberArray | BigInt64Array;

export interface DTypeInfo {
  readonly name: DType;
  readonly bytes: number;
  readonly isFloat: boolean;
  /** Storage constructor. */
  readonly array: { new (n: number): StorageArray; new (buf: ArrayBuffer, byteOffset: number, length: number): StorageArray };
  /** Name used in safetensors headers. */
  readonly safetensors: string;
}

export const DTYPE_INFO: Readonly<Record<DType, DTypeInfo>> = {
  float32: { name: 'float32', bytes: 4, isFloat: true, array: Float32Array, safetensors: 'F32' },
  float64: { name: 'float64', bytes: 8, isFloat: true, array: Float64Array, safetensors: 'F64' },
  float16: { name: 'float16', bytes: 2, isFloat: true, array: Uint16Array, safetensors: 'F16' },
  bfloat16: { name: 'bfloat16', bytes: 2, isFloat: true, array: Uint16Array, safetensors: 'BF16' },
  int32: { name: 'int32', bytes: 4, isFloat: false, array: Int32Array, safetensors: 'I32' },
  int64: { name: 'int64', bytes: 8, isFloat: false, array: BigInt64Array, safetensors: 'I64' },
  uint8: { name: 'uint8', bytes: 1, isFloat: false, array: Uint8Array, safetensors: 'U8' },
  bool: { name: 'bool', bytes: 1, isFloat: false, array: Uint8Array, safetensors: 'BOOL' },
} as const;

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_INFO, x);
}

export function checkDType(x: unknown, where: string): DType {
  if (!isDType(x)) throw new TypeError(`${where}: expected a dtype (${DTYPES.join(', ')}), got ${describe(x)}`);
  return x;
}

export function isFloating(d: DType): boolean {
  const info = DTYPE_INFO[d];
  if (info === undefined) throw new TypeError(`isFloating: expected a dtype (${DTYPES.join(', ')}), got ${describe(d)}`);
  return info.isFloat;
}

/** float16 and bfloat16: stored in 16 bits, computed in float32. */
export function isHalf(d: DType): boolean {
  return d === 'float16' || d === 'bfloat16';
}

/** A zero-filled array that owns its ArrayBuffer (for arrays handed to users). */
export function allocate(dtype: DType, n: number): StorageArray {
  try {
    return new DTYPE_INFO[dtype].array(n);
  } catch (e) {
    throw new RangeError(`cannot allocate a ${dtype} tensor of ${n} elements (${n * DTYPE_INFO[dtype].bytes} bytes): ${(e as Error).message}`);
  }
}

// Small tensors are views into shared slabs. A typed array of its own costs a small tensor far
// more than its bytes (about 0.5 us for 256 bytes: V8 allocates and tracks a backing store per
// ArrayBuffer, and the GC sweeps them), which dominated the cost of an op on 64 elements. A slab
// is handed out once, front to back, so every region starts zeroed; it is freed when the last
// tensor in it is. Only tensor storage comes from slabs: arrays given to users own their buffer.
const SLAB_BYTES = 65536;
const SLAB_MAX_BYTES = 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function fromSlab(info: DTypeInfo, n: number, bytes: number): StorageArray {
  const span = (bytes + 15) & ~15; // 16-byte alignment for vector loads
  if (slabUsed + span > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new info.array(slab, slabUsed, n);
  slabUsed += span;
  return out;
}

/** A zero-filled array for a tensor's storage (small ones share a slab). */
export function allocateStorage(dtype: DType, n: number): StorageArray {
  const info = DTYPE_INFO[dtype];
  const bytes = n * info.bytes;
  return bytes <= SLAB_MAX_BYTES ? fromSlab(info, n, bytes) : allocate(dtype, n);
}

/** Below this many bytes zero-filling is cheaper than going around it. */
const UNINITIALIZED_MIN_BYTES = 4096;

/**
 * A storage array with unspecified contents, for outputs a kernel overwrites entirely. Large
 * typed arrays are zero-filled by V8 at several GB/s, a real cost per step for activations of
 * tens of megabytes; Buffer.allocUnsafeSlow skips that.
 */
export function allocateUninitialized(dtype: DType, n: number): StorageArray {
  const info = DTYPE_INFO[dtype];
  const bytes = n * info.bytes;
  if (bytes <= SLAB_MAX_BYTES) return fromSlab(info, n, bytes);
  if (bytes < UNINITIALIZED_MIN_BYTES) return allocate(dtype, n);
  const recycled = takeBuffer(bytes);
  if (recycled) {
    noteAllocated(recycled);
    return new info.array(recycled, 0, n);
  }
  const buf = Buffer.allocUnsafeSlow(bytes);
  noteAllocated(buf.buffer as ArrayBuffer);
  return new info.array(buf.buffer as ArrayBuffer, buf.byteOffset, n);
}

const FLOAT_RANK: Partial<Record<DType, number>> = { float16: 1, bfloat16: 1, float32: 2, float64: 3 };
const INT_RANK: Partial<Record<DType, number>> = { bool: 0, uint8: 1, int32: 2, int64: 3 };

/** PyTorch's promotion for two tensor operands. */
export function promoteTypes(a: DType, b: DType): DType {
  if (!isDType(a) || !isDType(b)) throw new TypeError(`promoteTypes: expected two dtypes (${DTYPES.join(', ')}), got ${describe(a)} and ${describe(b)}`);
  return promote(a, b);
}

/** promoteTypes for dtypes already known to be valid (the tensor layer's own calls). */
function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  const fa = FLOAT_RANK[a], fb = FLOAT_RANK[b];
  if (fa !== undefined && fb !== undefined) {
    if (fa === 1 && fb === 1) return 'float32'; // float16 with bfloat16
    return fa >= fb ? a : b;
  }
  if (fa !== undefined) return a;
  if (fb !== undefined) return b;
  return (INT_RANK[a] ?? 0) >= (INT_RANK[b] ?? 0) ? a : b;
}

/** The kind of a dtype for promotion: bool < integer < floating point. */
export function category(d: DType): number {
  return d === 'bool' ? 0 : isFloating(d) ? 2 : 1;
}

/**
 * PyTorch's promotion for two tensor operands, where a 0-d tensor counts like a scalar: it decides
 * the result only when its kind (bool < integer < float) is higher than the other's, so
 * float32[n] * float64 0-d stays float32, while int64[n] * float64 0-d is float64.
 */
export function promoteOperands(a: { dtype: DType; shape: readonly number[] }, b: { dtype: DType; shape: readonly number[] }): DType {
  const za = a.shape.length === 0, zb = b.shape.length === 0;
  if (za === zb) return promote(a.dtype, b.dtype);
  const dim = za ? b.dtype : a.dtype, zero = za ? a.dtype : b.dtype;
  return category(zero) > category(dim) ? zero : dim;
}

/** Promotion of a tensor with a JS number: a non-integral number lifts integer tensors to float32. */
export function promoteWithScalar(t: DType, s: number): DType {
  if (isFloating(t)) return t;
  if (!Number.isInteger(s)) return 'float32';
  if (t === 'bool') return 'int64';
  return t;
}

/** The dtype arithmetic results get when inputs are integers but the op is inherently floating. */
export function floatResultType(d: DType): DType {
  return isFloating(d) ? d : 'float32';
}

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'string') return `'${x}'`;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return `${typeof x} ${String(x)}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  if (typeof x === 'function') return 'a function';
  const name = (x as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}
