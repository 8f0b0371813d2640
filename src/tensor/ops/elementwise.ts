// Elementwise operations with broadcasting and type promotion, and their derivatives.
// float16/bfloat16 inputs are computed in float32 and rounded once into the result.

import { backend } from '../../backend/index.js';
import { COMPARISONS, type BinaryOp, type UnaryOp } from '../../backend/ops.js';
import { record } from '../../autograd/graph.js';
import { describe, isFloating, isHalf, promoteOperands, promoteWithScalar, type DType } from '../dtype.js';
import { isGradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { broadcastShapes, broadcastStrides, checkAllocation, coalesce, contiguousStrides, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { contiguousAs, storageValue } from './convert.js';

export function checkTensor(x: unknown, op: string, name = 'input'): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected ${name} to be a Tensor, got ${describe(x)}`);
  return x;
}

/** A 0-d tensor holding a JS number. */
export function scalarTensor(value: number, dtype: DType): Tensor {
  if (typeof value !== 'number') throw new TypeError(`expected a number, got ${describe(value)}`);
  const t = Tensor.empty([], dtype);
  const v = storageValue(dtype, value);
  if (t.data instanceof BigInt64Array) t.data[0] = BigInt(v);
  else t.data[0] = v;
  return t;
}

/** Sums a broadcast gradient back to the shape of the input it belongs to. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const s = dims.length > 0 ? g.sum(dims, true) : g;
  return s.reshape(shape as number[]);
}

/** Gradient for an input: summed to its shape, in its dtype. */
export function gradFor(g: Tensor, input: Tensor): Tensor {
  const s = sumToShape(g, input.shape);
  return s.dtype === input.dtype ? s : s.to(input.dtype);
}

// ---- unary ----------------------------------------------------------------------------------

const BOOL_RESULT: ReadonlySet<UnaryOp> = new Set(['logicalNot', 'isnan', 'isinf', 'isfinite']);
/** Ops that keep an integer input's dtype (the rest give float32 for integer inputs). */
const INT_CLOSED: ReadonlySet<UnaryOp> = new Set(['neg', 'abs', 'relu', 'square', 'sign', 'floor', 'ceil', 'round', 'trunc', 'clamp', 'relu6', 'affine', 'powScalar']);

type UnaryGrad = (g: Tensor, x: Tensor, out: Tensor, p1: number, p2: number, gFree: boolean) => Tensor | null;

const LN2 = Math.LN2;
const UNARY_GRAD: Partial<Record<UnaryOp, UnaryGrad>> = {
  neg: (g) => g.neg(),
  abs: (g, x) => g.mul(x.sign()),
  exp: (g, _x, out) => g.mul(out),
  exp2: (g, _x, out) => g.mul(out).mul(LN2),
  expm1: (g, _x, out) => g.mul(out.add(1)),
  log: (g, x) => g.div(x),
  log2: (g, x) => g.div(x.mul(LN2)),
  log1p: (g, x) => g.div(x.add(1)),
  sqrt: (g, _x, out) => g.div(out.mul(2)),
  rsqrt: (g, _x, out) => g.mul(out.pow(3)).mul(-0.5),
  square: (g, x) => g.mul(x).mul(2),
  reciprocal: (g, _x, out) => g.mul(out.square()).neg(),
  sign: (g) => g.mul(0),
  floor: (g) => g.mul(0),
  ceil: (g) => g.mul(0),
  round: (g) => g.mul(0),
  trunc: (g) => g.mul(0),
  sin: (g, x) => g.mul(x.cos()),
  cos: (g, x) => g.mul(x.sin()).neg(),
  sigmoid: (g, _x, out, _p1, _p2, free) => fromOutputBackward('sigmoidBackward', g, out, free),
  tanh: (g, _x, out, _p1, _p2, free) => fromOutputBackward('tanhBackward', g, out, free),
  relu: (g, _x, out, _p1, _p2, free) => fromOutputBackward('reluBackward', g, out, free),
  relu6: (g, x) => binary('relu6Backward', g, x),
  leakyRelu: (g, x, _out, slope) => binary('leakyReluBackward', g, x, slope),
  erf: (g, x) => g.mul(x.square().neg().exp().mul(2 / Math.sqrt(Math.PI))),
  gelu: (g, x) => {
    const cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
    const pdf = x.square().mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
    return g.mul(cdf.add(x.mul(pdf)));
  },
  silu: (g, x) => {
    const s = x.sigmoid();
    return g.mul(s.mul(x.mul(s.neg().add(1)).add(1)));
  },
  softplus: (g, x) => g.mul(x.sigmoid()),
  clamp: (g, x, _out, lo, hi) => g.mul(x.ge(lo).logicalAnd(x.le(hi))),
  powScalar: (g, x, _out, p) => (p === 0 ? g.mul(0) : g.mul(x.pow(p - 1)).mul(p)),
  rpowScalar: (g, _x, out, base) => g.mul(out).mul(Math.log(base)),
  affine: (g, _x, _out, a) => g.mul(a),
};

/**
 * dx = kernel(g, out), elementwise. When the engine says g's memory is free (nothing else refers
 * to it), the result is written over g: no new activation-sized buffer per ReLU in backward.
 */
function fromOutputBackward(kernel: BinaryOp, g: Tensor, out: Tensor, gFree: boolean): Tensor {
  if (gFree && g.storage !== out.storage && g.dtype === out.dtype && (g.dtype === 'float32' || g.dtype === 'float64') && g.isDense() && out.isContiguous() && sameShape(g.shape, out.shape)) {
    const n = g.numel();
    if (n > 0) backend().binary(kernel, g.data, 0, UNIT_STRIDE, out.data, out.offset, UNIT_STRIDE, g.data, [n], 1);
    g.storage.version++;
    return g;
  }
  return binary(kernel, g, out);
}

/** What each derivative reads: the input, the output, both, or neither (for in-place checks). */
const UNARY_SAVES: Partial<Record<UnaryOp, 'x' | 'out' | 'both'>> = {
  exp: 'out', exp2: 'out', expm1: 'out', sqrt: 'out', rsqrt: 'out', reciprocal: 'out', sigmoid: 'out', tanh: 'out', relu: 'out', rpowScalar: 'out',
};

/**
 * The derivative of op as a function of its output alone, for ops whose backward reads nothing
 * else (relu, sigmoid, tanh, exp, ...); null for the others. An in-place version of such an op
 * needs no copy of the old value to be differentiable.
 */
export function outputOnlyGrad(op: UnaryOp): ((g: Tensor, out: Tensor, p1: number, p2: number, gFree: boolean) => Tensor | null) | null {
  const grad = UNARY_GRAD[op];
  if (!grad || UNARY_SAVES[op] !== 'out') return null;
  return (g, out, p1, p2, gFree) => grad(g, out, out, p1, p2, gFree);
}

export function unaryResultType(op: UnaryOp, x: DType, p1: number, p2: number): DType {
  if (BOOL_RESULT.has(op)) return 'bool';
  if (isFloating(x)) return x;
  if (x === 'bool' || !INT_CLOSED.has(op)) return 'float32';
  const fractional = (v: number) => Number.isFinite(v) && !Number.isInteger(v);
  if ((op === 'clamp' || op === 'affine') && (fractional(p1) || fractional(p2))) return 'float32';
  if (op === 'powScalar') return Number.isInteger(p1) && p1 >= 0 ? x : 'float32';
  return x;
}

export function unary(op: UnaryOp, x: Tensor, p1 = 0, p2 = 0): Tensor {
  checkTensor(x, op);
  if (typeof p1 !== 'number' || typeof p2 !== 'number') throw new TypeError(`${op}: expected a number parameter, got ${describe(typeof p1 !== 'number' ? p1 : p2)}`);
  const outDtype = unaryResultType(op, x.dtype, p1, p2);
  // Halves compute in float32; integers that give a float result are converted first.
  const computeDtype: DType = isHalf(x.dtype) || (isFloating(outDtype) && !isFloating(x.dtype)) ? 'float32' : x.dtype;
  const xc = contiguousAs(x, computeDtype);
  const resultCompute: DType = isHalf(outDtype) ? 'float32' : outDtype;
  let out = Tensor.uninitialized(x.shape, resultCompute);
  const n = out.numel();
  if (n > 0) backend().unary(op, xc.data, xc.offset, out.data, 0, n, p1, p2);
  if (resultCompute !== outDtype) out = contiguousAs(out, outDtype);
  const grad = UNARY_GRAD[op];
  if (!grad || !isFloating(outDtype) || !x.requiresGrad || !isGradEnabled()) return out;
  const result = out;
  const saves = UNARY_SAVES[op] ?? 'x';
  return record(result, op, [x], (g, gFree) => [grad(g, x, result, p1, p2, gFree)], saves === 'x' ? [x] : saves === 'out' ? [result] : [x, result]);
}

export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  checkTensor(x, 'clamp');
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  if (typeof lo !== 'number' || typeof hi !== 'number') throw new TypeError(`clamp: expected numbers for min and max, got ${describe(min)} and ${describe(max)}`);
  if (min == null && max == null) throw new TypeError('clamp: at least one of min and max must be given');
  return unary('clamp', x, lo, hi);
}

// ---- binary ---------------------------------------------------------------------------------

type BinaryGrad = (g: Tensor, a: Tensor, b: Tensor, out: Tensor, alpha: number) => [Tensor | null, Tensor | null];

const BINARY_GRAD: Partial<Record<BinaryOp, BinaryGrad>> = {
  add: (g, _a, _b, _o, alpha) => [g, alpha === 1 ? g : g.mul(alpha)],
  sub: (g, _a, _b, _o, alpha) => [g, g.mul(-alpha)],
  mul: (g, a, b) => [g.mul(b), g.mul(a)],
  div: (g, _a, b, out) => [g.div(b), g.mul(out).div(b).neg()],
  pow: (g, a, b, out) => [
    g.mul(b).mul(a.pow(b.sub(1))),
    // d/db a^b = a^b ln a; PyTorch masks a == 0 (where b >= 0) to 0 instead of NaN
    g.mul(out).mul(a.log()).where(a.ne(0), 0),
  ],
  maximum: (g, a, b) => tieSplit(g, a, b, 'gt'),
  minimum: (g, a, b) => tieSplit(g, a, b, 'lt'),
  atan2: (g, a, b) => {
    const den = a.square().add(b.square());
    return [g.mul(b).div(den), g.mul(a).div(den).neg()];
  },
  remainder: (g, a, b) => [g, g.mul(a.div(b).floor()).neg()],
};

/** maximum/minimum: the winner gets the gradient, ties split it in half (as PyTorch). */
function tieSplit(g: Tensor, a: Tensor, b: Tensor, wins: 'gt' | 'lt'): [Tensor, Tensor] {
  const aw = wins === 'gt' ? a.gt(b) : a.lt(b);
  const tie = a.eq(b);
  const half = g.mul(0.5);
  const ga = g.where(aw, half.where(tie, 0));
  const gb = g.where(aw.logicalOr(tie).logicalNot(), half.where(tie, 0));
  return [ga, gb];
}

/** Public names of the binary ops whose kernel code differs. */
const BINARY_NAME: Partial<Record<BinaryOp, string>> = { floorDiv: 'floorDivide' };

export function binaryName(op: BinaryOp): string {
  return BINARY_NAME[op] ?? op;
}

/** The dtype of a binary op's result, by PyTorch's rules; throws where PyTorch refuses the dtypes. */
export function resultType(op: BinaryOp, a: Tensor, b: Tensor): DType {
  if (COMPARISONS.has(op)) return 'bool';
  if (op === 'sub' && (a.dtype === 'bool' || b.dtype === 'bool')) {
    throw new TypeError('sub: subtraction with a bool tensor is not supported; use logicalXor() or logicalNot() to invert a mask');
  }
  const p = promoteOperands(a, b);
  if ((op === 'div' || op === 'atan2') && !isFloating(p)) return 'float32';
  if (p === 'bool') {
    // bool + bool is logical or, bool * bool logical and (as PyTorch); the rest have no bool meaning
    if (op === 'add' || op === 'mul' || op === 'maximum' || op === 'minimum') return 'bool';
    throw new TypeError(`${binaryName(op)}: not supported for two bool tensors (convert one with .to('int64') or .float())`);
  }
  return p;
}

function operand(x: Tensor | number, other: Tensor, op: string, pos: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new TypeError(`${op}: expected ${pos} to be a Tensor or a number, got ${describe(x)}`);
  return scalarTensor(x, promoteWithScalar(other.dtype, x));
}

/**
 * The common case of a training step, kept lean: two contiguous float32/float64 tensors of one
 * shape and dtype. No promotion, broadcasting or stride coalescing to do: the kernel sees one
 * flat run of numel elements.
 */
function sameLayoutFloat(op: BinaryOp, a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && (a.dtype === 'float32' || a.dtype === 'float64') && !COMPARISONS.has(op) &&
    sameShape(a.shape, b.shape) && a.isContiguous() && b.isContiguous();
}

const UNIT_STRIDE: readonly number[] = [1];
const ZERO_STRIDE: readonly number[] = [0];
// A number operand goes to the kernel through these (read during the call only).
const SCALAR_F32 = new Float32Array(1);
const SCALAR_F64 = new Float64Array(1);

export function binary(op: BinaryOp, a: Tensor | number, b: Tensor | number, alpha = 1): Tensor {
  if (a instanceof Tensor && b instanceof Tensor && typeof alpha === 'number' && sameLayoutFloat(op, a, b)) {
    const out = Tensor.uninitialized(a.shape, a.dtype);
    const n = out.data.length;
    if (n > 0) backend().binary(op, a.data, a.offset, UNIT_STRIDE, b.data, b.offset, UNIT_STRIDE, out.data, [n], alpha);
    return recordBinary(op, a, b, out, alpha);
  }
  // ... and a contiguous float tensor with a number (x * 2, x + 1): no 0-d tensor unless recording needs one
  if (a instanceof Tensor && typeof b === 'number' && typeof alpha === 'number' && (a.dtype === 'float32' || a.dtype === 'float64') &&
    !COMPARISONS.has(op) && a.isContiguous()) {
    const out = Tensor.uninitialized(a.shape, a.dtype);
    const n = out.data.length;
    if (n > 0) {
      const s = a.dtype === 'float32' ? SCALAR_F32 : SCALAR_F64;
      s[0] = b;
      backend().binary(op, a.data, a.offset, UNIT_STRIDE, s, 0, ZERO_STRIDE, out.data, [n], alpha);
    }
    return a.requiresGrad && isGradEnabled() ? recordBinary(op, a, scalarTensor(b, a.dtype), out, alpha) : out;
  }
  const ta = a instanceof Tensor ? a : null, tb = b instanceof Tensor ? b : null;
  if (!ta && !tb) throw new TypeError(`${op}: expected at least one Tensor operand, got ${describe(a)} and ${describe(b)}`);
  const A = operand(a, (ta ?? tb)!, op, 'the first operand');
  const B = operand(b, (tb ?? ta)!, op, 'the second operand');
  const outDtype = resultType(op, A, B);
  const operandDtype = COMPARISONS.has(op) ? promoteOperands(A, B) : outDtype;
  const computeDtype: DType = isHalf(operandDtype) ? 'float32' : operandDtype === 'bool' ? 'uint8' : operandDtype;
  if (alpha !== 1 && (typeof alpha !== 'number' || (!isFloating(computeDtype) && !Number.isInteger(alpha)))) {
    throw new TypeError(`${op}: expected alpha to be ${isFloating(computeDtype) ? 'a number' : 'an integer for integer tensors'}, got ${describe(alpha)}`);
  }
  const shape = broadcastShapes(A.shape, B.shape, binaryName(op));
  if (shape.length > 1) checkAllocation(shape, outDtype, binaryName(op)); // broadcasting can ask for a lot
  const Ac = A.dtype === computeDtype ? A : contiguousAs(A, computeDtype);
  const Bc = B.dtype === computeDtype ? B : contiguousAs(B, computeDtype);
  if ((op === 'floorDiv' || op === 'remainder') && !isFloating(computeDtype) && Bc.numel() > 0 && noGrad(() => Bc.eq(0).any().item()) !== 0) {
    throw new RangeError(`${binaryName(op)}: integer division by zero`);
  }
  const resultCompute: DType = COMPARISONS.has(op) ? 'bool' : computeDtype;
  let out = Tensor.uninitialized(shape, resultCompute);
  if (sizeOf(shape) > 0) {
    const c = coalesce(shape, [broadcastStrides(Ac.shape, Ac.strides, shape), broadcastStrides(Bc.shape, Bc.strides, shape), contiguousStrides(shape)]);
    backend().binary(op, Ac.data, Ac.offset, c.strides[0]!, Bc.data, Bc.offset, c.strides[1]!, out.data, c.shape, alpha);
  }
  if (resultCompute !== outDtype) out = contiguousAs(out, outDtype);
  return recordBinary(op, A, B, out, alpha);
}

/** Records a binary op's result in the graph when an operand requires grad (and grad mode is on). */
function recordBinary(op: BinaryOp, A: Tensor, B: Tensor, result: Tensor, alpha: number): Tensor {
  if (!(A.requiresGrad || B.requiresGrad) || !isGradEnabled()) return result;
  const grad = BINARY_GRAD[op];
  if (!grad || !isFloating(result.dtype)) return result;
  return record(result, op, [A, B], (g) => {
    const [ga, gb] = grad(g, A, B, result, alpha);
    return [A.requiresGrad && ga ? gradFor(ga, A) : null, B.requiresGrad && gb ? gradFor(gb, B) : null];
  }, op === 'add' || op === 'sub' ? [] : op === 'div' ? [B, result] : op === 'pow' ? [A, B, result] : [A, B]);
}

export function pow(x: Tensor, exponent: Tensor | number): Tensor {
  checkTensor(x, 'pow');
  if (typeof exponent === 'number') {
    if (exponent === 1) return unary('affine', x, 1, 0);
    if (exponent === 2) return unary('square', x);
    if (exponent === 0.5) return unary('sqrt', x);
    // as PyTorch, which also makes (-Infinity) ** -0.5 NaN like 1 / sqrt(-Infinity)
    if (exponent === -0.5 && isFloating(x.dtype)) return unary('rsqrt', x);
    if (exponent === -1 && isFloating(x.dtype)) return unary('reciprocal', x);
    return unary('powScalar', x, exponent);
  }
  return binary('pow', x, exponent);
}

// ---- where / lerp ---------------------------------------------------------------------------

export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkTensor(condition, 'where', 'condition');
  if (condition.dtype !== 'bool') throw new TypeError(`where: expected a bool condition, got ${condition.dtype}`);
  const ta = a instanceof Tensor ? a : null, tb = b instanceof Tensor ? b : null;
  if (typeof a !== 'number' && !ta) throw new TypeError(`where: expected the second argument to be a Tensor or a number, got ${describe(a)}`);
  if (typeof b !== 'number' && !tb) throw new TypeError(`where: expected the third argument to be a Tensor or a number, got ${describe(b)}`);
  const ref = ta ?? tb;
  const A = ta ?? scalarTensor(a as number, ref ? promoteWithScalar(ref.dtype, a as number) : 'float32');
  const B = tb ?? scalarTensor(b as number, promoteWithScalar(A.dtype, b as number));
  const outDtype = promoteOperands(A, B);
  const computeDtype: DType = isHalf(outDtype) ? 'float32' : outDtype;
  const shape = broadcastShapes(broadcastShapes(condition.shape, A.shape, 'where'), B.shape, 'where');
  checkAllocation(shape, outDtype, 'where');
  const Ac = A.dtype === computeDtype ? A : contiguousAs(A, computeDtype);
  const Bc = B.dtype === computeDtype ? B : contiguousAs(B, computeDtype);
  let out = Tensor.uninitialized(shape, computeDtype);
  if (sizeOf(shape) > 0) {
    const c = coalesce(shape, [
      broadcastStrides(condition.shape, condition.strides, shape),
      broadcastStrides(Ac.shape, Ac.strides, shape),
      broadcastStrides(Bc.shape, Bc.strides, shape),
      contiguousStrides(shape),
    ]);
    backend().where(condition.data as Uint8Array, condition.offset, c.strides[0]!, Ac.data, Ac.offset, c.strides[1]!, Bc.data, Bc.offset, c.strides[2]!, out.data, c.shape);
  }
  if (computeDtype !== outDtype) out = contiguousAs(out, outDtype);
  if (!isFloating(outDtype)) return out;
  return record(out, 'where', [A, B], (g) => [
    A.requiresGrad ? gradFor(where(condition, g, 0), A) : null,
    B.requiresGrad ? gradFor(where(condition, 0, g), B) : null,
  ]);
}

/** start + weight * (end - start) */
export function lerp(start: Tensor, end: Tensor, weight: Tensor | number): Tensor {
  checkTensor(start, 'lerp');
  checkTensor(end, 'lerp', 'end');
  return start.add(end.sub(start).mul(weight));
}
