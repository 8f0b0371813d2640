// Argument checking and kernel-facing conversions shared by the functional ops. Every op checks
// all of its arguments here before any kernel runs: kernels trust their inputs, so a bad shape
// must stop in TypeScript with an error that names the op and the mismatch.

import { describe, isFloating, type DType, type FloatArray } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { contiguousAs } from '../../tensor/ops/convert.js';

/** An integer for both spatial dims, or one per dim as [height, width]. */
export type IntPair = number | readonly [number, number];

export type Reduction = 'mean' | 'sum' | 'none';

export function checkTensorArg(x: unknown, op: string, name = 'input'): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected ${name} to be a Tensor, got ${describe(x)}`);
  return x;
}

export function checkFloatTensor(x: unknown, op: string, name = 'input'): Tensor {
  const t = checkTensorArg(x, op, name);
  if (!isFloating(t.dtype)) throw new TypeError(`${op}: expected ${name} to be a floating-point tensor, got ${t.dtype}`);
  return t;
}

/** An optional tensor argument (null/undefined: absent). */
export function optionalFloatTensor(x: unknown, op: string, name: string): Tensor | null {
  return x === null || x === undefined ? null : checkFloatTensor(x, op, name);
}

export function checkSameDtype(a: Tensor, b: Tensor, op: string, aName: string, bName: string): void {
  if (a.dtype !== b.dtype) throw new TypeError(`${op}: ${aName} is ${a.dtype} but ${bName} is ${b.dtype}; they must have the same dtype`);
}

/** Checks t is 1-d with `size` elements. */
export function checkVector(t: Tensor, size: number, op: string, name: string, what: string): void {
  if (t.ndim !== 1 || t.shape[0] !== size) throw new RangeError(`${op}: expected ${name} of shape [${size}] (${what}), got ${shapeStr(t.shape)}`);
}

export function checkInt(x: unknown, op: string, name: string, min: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) {
    throw new RangeError(`${op}: expected ${name} to be an integer >= ${min}, got ${describe(x)}`);
  }
  return x;
}

/** [h, w] from a number or a pair of integers, each >= min. */
export function checkPair(x: unknown, op: string, name: string, min: number): [number, number] {
  if (typeof x === 'number') {
    checkInt(x, op, name, min);
    return [x, x];
  }
  if (Array.isArray(x) && x.length === 2) return [checkInt(x[0], op, `${name}[0]`, min), checkInt(x[1], op, `${name}[1]`, min)];
  throw new TypeError(`${op}: expected ${name} to be an integer or a pair [height, width], got ${describe(x)}`);
}

export function checkNumber(x: unknown, op: string, name: string): number {
  if (typeof x !== 'number' || Number.isNaN(x)) throw new TypeError(`${op}: expected ${name} to be a number, got ${describe(x)}`);
  return x;
}

export function checkBool(x: unknown, op: string, name: string): boolean {
  if (typeof x !== 'boolean') throw new TypeError(`${op}: expected ${name} to be a boolean, got ${describe(x)}`);
  return x;
}

export function checkReduction(x: unknown, op: string): Reduction {
  if (x !== 'mean' && x !== 'sum' && x !== 'none') throw new RangeError(`${op}: expected reduction 'mean', 'sum' or 'none', got ${describe(x)}`);
  return x;
}

/** Applies a loss reduction to the per-element losses. */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? loss.mean() : reduction === 'sum' ? loss.sum() : loss;
}

/** The dtype kernels compute in: float64 stays, everything else (float32 and the halves) is float32. */
export type ComputeDtype = 'float32' | 'float64';
export function computeDtype(d: DType): ComputeDtype {
  return d === 'float64' ? 'float64' : 'float32';
}

/**
 * t's values as a dense array in the compute dtype for a kernel (which takes no offsets): t's own
 * memory when it already is one, a subarray view when only offset, else a converted copy.
 */
export function kernelArray(t: Tensor, cd: ComputeDtype): FloatArray {
  const c = contiguousAs(t, cd);
  const n = c.numel();
  const data = c.data as FloatArray;
  return c.offset === 0 && data.length === n ? data : data.subarray(c.offset, c.offset + n);
}

/** A kernel result (a fresh tensor in the compute dtype) rounded once into dtype. */
export function toDtype(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : contiguousAs(t, dtype);
}

/**
 * A new contiguous tensor in the compute dtype and its array, for a kernel to write: left
 * uninitialised (large zero fills cost real time per step) unless `zeroed`, which is for outputs
 * written only in part or by a kernel call that may be skipped.
 */
export function kernelOutput(shape: readonly number[], cd: ComputeDtype, zeroed = false): [Tensor, FloatArray] {
  const t = zeroed ? Tensor.empty(shape, cd) : Tensor.uninitialized(shape, cd);
  return [t, t.data as FloatArray];
}
