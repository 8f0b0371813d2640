// Conversions and copies: to(dtype), clone, contiguous, reading values out.

import { backend } from '../../backend/index.js';
import { fromBFloat16Bits, fromFloat16Bits, toBFloat16Bits, toFloat16Bits } from '../../backend/half.js';
import { record } from '../../autograd/graph.js';
import { allocate, checkDType, isFloating, type DType, type StorageArray } from '../dtype.js';
import { checkAllocation, coalesce, contiguousStrides, shapeStr, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/** The storage representation of a number in a dtype (float16 bits, 0/1 for bool, ...). */
export function storageValue(dtype: DType, value: number): number {
  switch (dtype) {
    case 'float16': return toFloat16Bits(value);
    case 'bfloat16': return toBFloat16Bits(value);
    case 'bool': return value !== 0 ? 1 : 0; // NaN is true, as in PyTorch
    case 'int32': case 'int64': case 'uint8': return Number.isFinite(value) ? Math.trunc(value) : 0;
    default: return value;
  }
}

/** Reads element i of a storage array as a number. */
export function readValue(dtype: DType, data: StorageArray, i: number): number {
  const v = data[i]!;
  if (typeof v === 'bigint') return Number(v);
  if (dtype === 'float16') return fromFloat16Bits(v);
  if (dtype === 'bfloat16') return fromBFloat16Bits(v);
  return v;
}

/** Copies src's elements into dst (same shape, same dtype), any strides. */
export function copyStridedInto(src: Tensor, dst: Tensor): void {
  if (src.numel() === 0) return;
  const c = coalesce(src.shape, [src.strides, dst.strides]);
  backend().copyStrided(src.data, src.offset, c.strides[0]!, dst.data, dst.offset, c.strides[1]!, c.shape);
}

/** A contiguous copy with the same dtype (no autograd). */
export function contiguousCopy(t: Tensor): Tensor {
  const out = Tensor.uninitialized(t.shape, t.dtype);
  copyStridedInto(t, out);
  return out;
}

/** t itself when contiguous in `dtype`, otherwise a contiguous copy converted to it (no autograd). */
export function contiguousAs(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t.isContiguous() ? t : contiguousCopy(t);
  const src = t.isContiguous() ? t : contiguousCopy(t);
  const out = Tensor.uninitialized(t.shape, dtype);
  backend().cast(src.data, src.dtype, src.offset, out.data, dtype, 0, out.numel());
  return out;
}

export function contiguous(t: Tensor): Tensor {
  if (t.isContiguous()) return t;
  checkAllocation(t.shape, t.dtype, 'contiguous');
  return record(contiguousCopy(t), 'contiguous', [t], (g) => [g]);
}

export function clone(t: Tensor): Tensor {
  checkAllocation(t.shape, t.dtype, 'clone');
  return record(contiguousCopy(t), 'clone', [t], (g) => [g]);
}

export function to(t: Tensor, dtype: DType): Tensor {
  checkDType(dtype, 'to');
  if (t.dtype === dtype) return t;
  const out = contiguousAs(t, dtype);
  if (!isFloating(dtype)) return out;
  return record(out, 'to', [t], (g) => [to(g, t.dtype)]);
}

export function fullLike(t: Tensor, value: number, dtype: DType = t.dtype): Tensor {
  return filled(t.shape, dtype, value);
}

/** A new contiguous tensor of shape filled with value (no autograd). */
export function filled(shape: readonly number[], dtype: DType, value: number): Tensor {
  const out = Tensor.uninitialized(shape, dtype);
  const n = out.numel();
  if (n > 0) backend().fill(out.data, 0, n, storageValue(dtype, value));
  return out;
}

export function item(t: Tensor): number {
  if (t.numel() !== 1) throw new RangeError(`item: expected a tensor with one element, got shape ${shapeStr(t.shape)} (${t.numel()} elements)`);
  return readValue(t.dtype, t.data, t.offset);
}

export function toTypedArray(t: Tensor): StorageArray {
  checkAllocation(t.shape, t.dtype, 'toTypedArray');
  const c = t.isContiguous() ? t : contiguousCopy(t);
  const n = c.numel();
  const out = allocate(t.dtype, n);
  (out as Float32Array).set((c.data as Float32Array).subarray(c.offset, c.offset + n));
  return out;
}

export function toFloat32Array(t: Tensor): Float32Array {
  checkAllocation(t.shape, 'float32', 'toFloat32Array');
  if (t.dtype === 'float32') return toTypedArray(t) as Float32Array;
  const out = contiguousAs(t, 'float32').data as Float32Array;
  // a small tensor's storage is a view into a shared slab: hand users an array that owns its buffer
  return out.byteLength === out.buffer.byteLength ? out : out.slice();
}

/** Above this many numbers and arrays, nested JS arrays are not a sensible way to read a tensor. */
const MAX_NESTED = 2 ** 27;

export function toNested(t: Tensor): unknown {
  let arrays = 1, level = 1;
  for (const d of t.shape.slice(0, -1)) { level *= d; arrays += level; }
  if (t.numel() > MAX_NESTED || arrays > MAX_NESTED) {
    throw new RangeError(`toArray: a tensor of shape ${shapeStr(t.shape)} is too large for nested arrays (more than ${MAX_NESTED} entries); read it with toTypedArray()`);
  }
  const c = t.isContiguous() ? t : contiguousCopy(t);
  const { dtype, data, offset } = c;
  if (t.ndim === 0) return readValue(dtype, data, offset);
  let pos = offset;
  const build = (d: number): unknown[] => {
    const n = t.shape[d]!;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = d === t.ndim - 1 ? readValue(dtype, data, pos++) : build(d + 1);
    return out;
  };
  return build(0);
}

/** Contiguous strides helper re-exported for ops that build views. */
export { contiguousStrides, sizeOf };
