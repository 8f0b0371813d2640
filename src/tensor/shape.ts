// Shapes and strides: validation, broadcasting, dim normalisation, coalescing for kernels.

import { constants } from 'node:buffer';
import { DTYPE_INFO, type DType } from './dtype.js';

export type Shape = readonly number[];

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function checkShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: expected a shape (an array of non-negative integers), got ${typeof shape}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new TypeError(`${op}: expected a shape of non-negative integers, got [${shape.join(', ')}]`);
    }
  }
  if (sizeOf(shape) > 2 ** 32) throw new RangeError(`${op}: shape [${shape.join(', ')}] has more than 2^32 elements`);
  return shape.slice();
}

/** Refuses, naming the op, a tensor larger than the runtime can allocate (V8 caps one array's bytes). */
export function checkAllocation(shape: Shape, dtype: DType, op: string): void {
  const n = sizeOf(shape), bytes = n * DTYPE_INFO[dtype].bytes;
  if (bytes > constants.MAX_LENGTH) {
    throw new RangeError(`${op}: a ${dtype} tensor of shape ${shapeStr(shape)} needs ${bytes} bytes, more than the ${constants.MAX_LENGTH} bytes one array can hold`);
  }
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy/PyTorch broadcasting of two shapes. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  if (sameShape(a, b)) return a.slice();
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else throw new RangeError(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together (dimension ${i - n}: ${da} vs ${db})`);
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if expanded to `outShape` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, strides: Shape, outShape: Shape): number[] {
  const n = outShape.length, off = n - shape.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = i - off;
    out[i] = j < 0 || shape[j] === 1 ? 0 : strides[j]!;
  }
  return out;
}

export function normalizeDim(dim: unknown, ndim: number, op: string, extra = 0): number {
  const n = ndim + extra; // extra = 1 for insertion points (unsqueeze, stack)
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new TypeError(`${op}: expected an integer dim, got ${String(dim)}`);
  const lo = -Math.max(n, 1), hi = Math.max(n, 1) - 1;
  if (dim < lo || dim > hi) throw new RangeError(`${op}: dim ${dim} is out of range for a tensor of ${ndim} dimension${ndim === 1 ? '' : 's'} (expected ${lo}..${hi})`);
  return dim < 0 ? dim + Math.max(n, 1) : dim;
}

/** Dims for a reduction: undefined = all; duplicates rejected; sorted ascending. */
export function normalizeDims(dims: number | readonly number[] | undefined | null, ndim: number, op: string): number[] {
  if (dims === undefined || dims === null) {
    const all = new Array<number>(ndim);
    for (let i = 0; i < ndim; i++) all[i] = i;
    return all;
  }
  if (typeof dims === 'number') {
    const d = normalizeDim(dims, ndim, op);
    return ndim === 0 ? [] : [d];
  }
  if (!Array.isArray(dims)) throw new TypeError(`${op}: expected a dim or an array of dims, got ${typeof dims}`);
  const out = dims.map((d) => normalizeDim(d, ndim, op));
  if (new Set(out).size !== out.length) throw new RangeError(`${op}: dim list [${dims.join(', ')}] repeats a dimension`);
  if (ndim === 0) return [];
  return out.length > 1 ? out.sort((x, y) => x - y) : out;
}

/**
 * Merges adjacent dims that every operand walks contiguously, so kernels see as few dims as
 * possible (an elementwise op on contiguous tensors becomes 1-d). Size-1 dims are dropped.
 */
export function coalesce(shape: Shape, strideSets: readonly Shape[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strideSets.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const size = shape[i]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    if (merge) {
      for (let k = 0; k < strideSets.length; k++) {
        if (outStrides[k]![last] !== strideSets[k]![i]! * size) { merge = false; break; }
      }
    }
    if (merge) {
      outShape[last] = outShape[last]! * size;
      for (let k = 0; k < strideSets.length; k++) outStrides[k]![last] = strideSets[k]![i]!;
    } else {
      outShape.push(size);
      for (let k = 0; k < strideSets.length; k++) outStrides[k]!.push(strideSets[k]![i]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}
