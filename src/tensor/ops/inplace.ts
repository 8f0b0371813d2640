// In-place operations: they write into the tensor's own memory and bump its storage version,
// so autograd can refuse to use a saved tensor that changed underneath it.

import { backend } from '../../backend/index.js';
import type { BinaryOp, UnaryOp } from '../../backend/ops.js';
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { category, describe, isFloating, isHalf, promoteWithScalar, type FloatArray } from '../dtype.js';
import { broadcastShapes, broadcastStrides, coalesce, contiguousStrides, sameShape, shapeStr } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Generator, defaultGenerator } from '../random.js';
import { binary, checkTensor, gradFor, outputOnlyGrad, resultType, scalarTensor, unary, unaryResultType, where } from './elementwise.js';
import { contiguousAs, contiguousCopy, copyStridedInto, filled, storageValue } from './convert.js';
import { recordedInPlace, tracks } from './inplace-graph.js';
import { record } from '../../autograd/graph.js';

function bump(t: Tensor): void {
  t.storage.version++;
}

/** Refuses writing into a tensor whose elements share memory (an expanded view), as PyTorch. */
function checkWritable(t: Tensor, op: string): void {
  if (t.numel() === 0) return;
  for (let i = 0; i < t.ndim; i++) {
    if (t.strides[i] === 0 && t.shape[i]! > 1) {
      throw new Error(`${op}: more than one element of the written-to tensor refers to the same memory (an expanded view of shape ${shapeStr(t.shape)}); clone() it first`);
    }
  }
}

/** o itself, or a copy of it when it reads memory that writing t would change first. */
function unaliased(o: Tensor, t: Tensor): Tensor {
  if (o.storage !== t.storage) return o;
  if (o.offset === t.offset && sameShape(o.shape, t.shape) && o.strides.every((s, i) => s === t.strides[i])) return o;
  return contiguousCopy(o);
}

/** Writes an out-of-place result (same shape as t) into t. */
function writeBack(t: Tensor, res: Tensor): void {
  copyStridedInto(res.dtype === t.dtype ? res : contiguousAs(res, t.dtype), t);
  bump(t);
}

/** The contiguous output array for t's elements (a subarray when t has an offset). */
function outArray(t: Tensor) {
  const n = t.numel();
  return t.offset === 0 && t.data.length === n ? t.data : (t.data as Float32Array).subarray(t.offset, t.offset + n);
}

const UNIT_STRIDE: readonly number[] = [1];

export function binaryInPlace(op: BinaryOp, t: Tensor, other: Tensor | number, alpha: number): void {
  // The optimizer's case, kept lean: same float dtype and shape, both contiguous, nothing to record.
  if (other instanceof Tensor && t instanceof Tensor && typeof alpha === 'number' && t.dtype === other.dtype &&
    (t.dtype === 'float32' || t.dtype === 'float64') && sameShape(t.shape, other.shape) && t.isContiguous() && other.isContiguous() &&
    !(isGradEnabled() && (t.requiresGrad || other.requiresGrad || t._base?.requiresGrad))) {
    const n = t.numel();
    if (n > 0) {
      const src = unaliased(other, t);
      backend().binary(op, t.data, t.offset, UNIT_STRIDE, src.data, src.offset, UNIT_STRIDE, outArray(t), [n], alpha);
      bump(t);
    }
    return;
  }
  const name = `${op}_`;
  checkTensor(t, name);
  if (!(other instanceof Tensor) && typeof other !== 'number') throw new TypeError(`${name}: expected a Tensor or a number, got ${describe(other)}`);
  if (typeof alpha !== 'number') throw new TypeError(`${name}: expected alpha to be a number, got ${describe(alpha)}`);
  const o = other instanceof Tensor ? other : scalarTensor(other, promoteWithScalar(t.dtype, other));
  const shape = broadcastShapes(t.shape, o.shape, name);
  if (!sameShape(shape, t.shape)) throw new RangeError(`${name}: the operand of shape ${shapeStr(o.shape)} does not broadcast to the tensor's shape ${shapeStr(t.shape)}`);
  const rt = resultType(op, t, o);
  if (category(rt) > category(t.dtype)) throw new TypeError(`${name}: the result type ${rt} cannot be stored in place in a ${t.dtype} tensor`);
  checkWritable(t, name);
  if (tracks(t, name, [o])) {
    recordedInPlace(t, (old) => binary(op, old, o, alpha));
    return;
  }
  if (t.numel() === 0) return;
  // Same dtype, contiguous: the kernel writes straight into t (bool needs the 0/1 cast of the general path).
  if (o.dtype === t.dtype && !isHalf(t.dtype) && t.dtype !== 'bool' && t.isContiguous()) {
    const src = unaliased(o, t);
    const c = coalesce(shape, [contiguousStrides(shape), broadcastStrides(src.shape, src.strides, shape)]);
    backend().binary(op, t.data, t.offset, c.strides[0]!, src.data, src.offset, c.strides[1]!, outArray(t), c.shape, alpha);
    bump(t);
    return;
  }
  writeBack(t, binary(op, t.detach(), o.detach(), alpha));
}

/** grad += g (both same shape and dtype): the accumulation path, no autograd. */
export function addInPlace(t: Tensor, g: Tensor, alpha: number): void {
  if (t.numel() === 0) return;
  if (g.dtype === t.dtype && !isHalf(t.dtype) && t.isContiguous()) {
    const c = coalesce(t.shape, [contiguousStrides(t.shape), g.strides]);
    backend().binary('add', t.data, t.offset, c.strides[0]!, g.data, g.offset, c.strides[1]!, outArray(t), c.shape, alpha);
    bump(t);
    return;
  }
  writeBack(t, binary('add', t.detach(), g.detach(), alpha));
}

export function unaryInPlace(op: UnaryOp, t: Tensor, p1: number, p2: number): void {
  const name = `${op === 'powScalar' ? 'pow' : op}_`;
  checkTensor(t, name);
  if (typeof p1 !== 'number' || typeof p2 !== 'number') throw new TypeError(`${name}: expected a number parameter, got ${describe(typeof p1 !== 'number' ? p1 : p2)}`);
  const rt = unaryResultType(op, t.dtype, p1, p2);
  if (category(rt) > category(t.dtype)) throw new TypeError(`${name}: the result type ${rt} cannot be stored in place in a ${t.dtype} tensor`);
  checkWritable(t, name);
  if (tracks(t, name, [])) {
    if (!recordedFromOutput(op, t, p1, p2)) recordedInPlace(t, (old) => unary(op, old, p1, p2));
    return;
  }
  if (t.numel() === 0) return;
  if (t.isContiguous() && !isHalf(t.dtype) && isFloating(t.dtype)) {
    backend().unary(op, t.data, t.offset, t.data, t.offset, t.numel(), p1, p2);
    bump(t);
    return;
  }
  writeBack(t, unary(op, t.detach(), p1, p2));
}

/**
 * relu_ (and the other ops whose derivative reads only their output) on a contiguous float32/64
 * tensor that is not a view: computed straight into t's memory and recorded with t itself as the
 * saved output, as PyTorch does. The general path (recordedInPlace) copies the old value first,
 * which made an in-place ReLU dearer than an out-of-place one. False when this does not apply.
 */
function recordedFromOutput(op: UnaryOp, t: Tensor, p1: number, p2: number): boolean {
  const grad = outputOnlyGrad(op);
  if (!grad || t._base !== null || (t.dtype !== 'float32' && t.dtype !== 'float64') || !t.isContiguous() || t.numel() === 0) return false;
  // The old value's place in the graph, for the new node's edge (its memory is about to change,
  // but the derivative never reads it).
  const old = new Tensor(t.storage, t.dtype, t.shape, t.strides, t.offset);
  old.requiresGrad = t.requiresGrad;
  old.gradFn = t.gradFn;
  backend().unary(op, t.data, t.offset, t.data, t.offset, t.numel(), p1, p2);
  bump(t);
  t.gradFn = null;
  record(t, op, [old], (g, gFree) => [grad(g, t, p1, p2, gFree)], [t]);
  return true;
}

export function clampInPlace(t: Tensor, min?: number | null, max?: number | null): void {
  if (min == null && max == null) throw new TypeError('clamp_: at least one of min and max must be given');
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  if (typeof lo !== 'number' || typeof hi !== 'number') throw new TypeError(`clamp_: expected numbers for min and max, got ${describe(min)} and ${describe(max)}`);
  unaryInPlace('clamp', t, lo, hi);
}

export function fillInPlace(t: Tensor, value: number): void {
  checkTensor(t, 'fill_');
  if (typeof value !== 'number') throw new TypeError(`fill_: expected a number, got ${describe(value)}`);
  checkWritable(t, 'fill_');
  if (tracks(t, 'fill_', [])) {
    // The new value does not depend on the old one: its gradient is zero.
    recordedInPlace(t, (old) => record(filled(old.shape, old.dtype, value), 'fill_', [old], (g) => [filled(g.shape, g.dtype, 0)]));
    return;
  }
  if (t.numel() === 0) return;
  if (t.isContiguous()) backend().fill(t.data, t.offset, t.numel(), storageValue(t.dtype, value));
  else copyStridedInto(scalarTensor(value, t.dtype).expand(t.shape as number[]), t);
  bump(t);
}

export function copyInPlace(t: Tensor, src: Tensor): void {
  checkTensor(t, 'copy_');
  checkTensor(src, 'copy_', 'src');
  const shape = broadcastShapes(t.shape, src.shape, 'copy_');
  if (!sameShape(shape, t.shape)) throw new RangeError(`copy_: src of shape ${shapeStr(src.shape)} does not broadcast to the tensor's shape ${shapeStr(t.shape)}`);
  checkWritable(t, 'copy_');
  const value = (): Tensor => {
    const s = src.dtype === t.dtype ? unaliased(src, t) : contiguousAs(src, t.dtype);
    return sameShape(s.shape, t.shape) ? s : s.detach().expand(t.shape as number[]);
  };
  if (tracks(t, 'copy_', [src])) {
    recordedInPlace(t, (old) => record(contiguousCopy(value()), 'copy_', [old, src], (g) => [filled(g.shape, g.dtype, 0), gradFor(g, src)]));
    return;
  }
  if (t.numel() === 0) return;
  copyStridedInto(value(), t);
  bump(t);
}

export function addcInPlace(t: Tensor, t1: Tensor, t2: Tensor, value: number, kind: 'addcmul' | 'addcdiv'): void {
  const name = `${kind}_`;
  checkTensor(t, name);
  checkTensor(t1, name, 'tensor1');
  checkTensor(t2, name, 'tensor2');
  if (typeof value !== 'number') throw new TypeError(`${name}: expected value to be a number, got ${describe(value)}`);
  const fast = !isGradEnabled() || (!t.requiresGrad && !t1.requiresGrad && !t2.requiresGrad);
  const n = t.numel();
  if (fast && (t.dtype === 'float32' || t.dtype === 'float64') && t1.dtype === t.dtype && t2.dtype === t.dtype &&
    sameShape(t1.shape, t.shape) && sameShape(t2.shape, t.shape) && t.isContiguous() && t1.isContiguous() && t2.isContiguous()) {
    if (n > 0) {
      const f = kind === 'addcmul' ? backend().addcmul : backend().addcdiv;
      const a = unaliased(t1, t), b = unaliased(t2, t);
      f(t.data as FloatArray, t.offset, a.data as FloatArray, a.offset, b.data as FloatArray, b.offset, value, n);
      bump(t);
    }
    return;
  }
  const term = kind === 'addcmul' ? t1.mul(t2) : t1.div(t2);
  binaryInPlace('add', t, term, value);
}

export function lerpInPlace(t: Tensor, end: Tensor, weight: number): void {
  checkTensor(t, 'lerp_');
  checkTensor(end, 'lerp_', 'end');
  if (typeof weight !== 'number') throw new TypeError(`lerp_: expected weight to be a number, got ${describe(weight)}`);
  binaryInPlace('add', t, end.sub(t), weight);
}

export function maskedFillInPlace(t: Tensor, mask: Tensor, value: number): void {
  checkTensor(t, 'maskedFill_');
  checkTensor(mask, 'maskedFill_', 'mask');
  if (mask.dtype !== 'bool') throw new TypeError(`maskedFill_: expected a bool mask, got ${mask.dtype}`);
  const shape = broadcastShapes(t.shape, mask.shape, 'maskedFill_');
  if (!sameShape(shape, t.shape)) throw new RangeError(`maskedFill_: mask of shape ${shapeStr(mask.shape)} does not broadcast to ${shapeStr(t.shape)}`);
  if (tracks(t, 'maskedFill_', [])) {
    recordedInPlace(t, (old) => where(mask, value, old));
    return;
  }
  if (t.numel() === 0) return;
  writeBack(t, where(mask, value, t.detach()));
}

export function randomInPlace(t: Tensor, kind: 'uniform' | 'normal', a: number, b: number, generator?: Generator): void {
  const name = `${kind}_`;
  checkTensor(t, name);
  if (!isFloating(t.dtype)) throw new TypeError(`${name}: expected a floating-point tensor, got ${t.dtype}`);
  if (typeof a !== 'number' || typeof b !== 'number') throw new TypeError(`${name}: expected numbers for the distribution's parameters, got ${describe(a)} and ${describe(b)}`);
  if (generator !== undefined && !(generator instanceof Generator)) throw new TypeError(`${name}: expected a Generator, got ${describe(generator)}`);
  checkWritable(t, name);
  if (tracks(t, name, [])) throw new Error(`${name}: cannot fill a tensor that is part of a recorded graph; use noGrad()`);
  const n = t.numel();
  if (n === 0) return;
  const gen = generator ?? defaultGenerator();
  const vals = new Float64Array(n);
  if (kind === 'uniform') gen.fillUniform(vals, a, b);
  else gen.fillNormal(vals, a, b);
  const src = Tensor.fromStorage(vals, 'float64', t.shape);
  copyStridedInto(t.dtype === 'float64' ? src : contiguousAs(src, t.dtype), t);
  bump(t);
}

