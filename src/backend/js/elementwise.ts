// Elementwise kernels, casts and copies in TypeScript, for every dtype. Integer and bool arrays
// compute through JS numbers; int64 (BigInt64Array) converts at the edges, exact below 2^53.

import type { DType, FloatArray, StorageArray } from '../../tensor/dtype.js';
import { decodeHalf, encodeHalf, fromBFloat16Bits, fromFloat16Bits, toBFloat16Bits, toFloat16Bits } from '../half.js';
import type { BinaryOp, UnaryOp } from '../ops.js';

type Fn1 = (x: number, p1: number, p2: number) => number;
type Fn2 = (a: number, b: number, p1: number) => number;

/** erfc(x) for x >= 2.5 by its continued fraction (modified Lentz). */
function erfcLarge(x: number): number {
  if (x === Infinity) return 0;
  let f = x, c = x, d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = x + an * d; d = 1 / d;
    c = x + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for float32; use the series / continued fraction pair.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x, term = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  const erfc = erfcLarge(ax);
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** erfc without the cancellation of 1 - erf(x) in the right tail. */
function erfc(x: number): number {
  if (x !== x) return x;
  return x >= 2.5 ? erfcLarge(x) : 1 - erf(x);
}

/**
 * gelu(x) = x * Phi(x) = 0.5 x erfc(-x / sqrt 2): accurate in the negative tail, where
 * 0.5 x (1 + erf(x / sqrt 2)) cancels to 0. gelu(-Infinity) is NaN, as in PyTorch.
 */
function gelu(x: number): number {
  return 0.5 * x * erfc(-x / Math.SQRT2);
}

/** C's pow (PyTorch uses it): unlike Math.pow, pow(1, y) = 1 for every y and pow(-1, +-Infinity) = 1. */
export function cpow(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return Math.pow(x, y);
}

/** floor(a / b) the way Python and PyTorch compute it (exact where a / b rounds to an integer). */
function floorDivide(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && (b < 0) !== (mod < 0)) div -= 1;
  if (div === 0) {
    const q = a / b;
    return q < 0 || Object.is(q, -0) ? -0 : 0;
  }
  let fl = Math.floor(div);
  if (div - fl > 0.5) fl += 1;
  return fl;
}

const relu: Fn1 = (x) => (x > 0 ? x : x !== x ? x : 0);
const clamp: Fn1 = (x, lo, hi) => (x !== x ? x : Math.min(Math.max(x, lo), hi));

export const UNARY: Record<UnaryOp, Fn1> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  relu,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  // PyTorch's (0 < x) - (x < 0): sign(-0) = 0 and sign(NaN) = 0
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  sin: Math.sin,
  cos: Math.cos,
  log1p: Math.log1p,
  expm1: Math.expm1,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => {
    // round half to even, as PyTorch
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  trunc: Math.trunc,
  erf,
  gelu,
  silu: (x) => x / (1 + Math.exp(-x)),
  softplus: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))),
  clamp,
  leakyRelu: (x, s) => (x > 0 ? x : x * s),
  // PyTorch takes p = 0.5 and -0.5 as sqrt and rsqrt (so (-0) ** -0.5 = -Infinity)
  powScalar: (x, p) => (p === 0.5 ? Math.sqrt(x) : p === -0.5 ? 1 / Math.sqrt(x) : cpow(x, p)),
  affine: (x, a, b) => a * x + b,
  relu6: (x) => clamp(x, 0, 6),
  rpowScalar: (x, base) => cpow(base, x),
  log2: Math.log2,
  exp2: (x) => Math.pow(2, x),
  logicalNot: (x) => (x === 0 ? 1 : 0),
  isnan: (x) => (x !== x ? 1 : 0),
  isinf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
  isfinite: (x) => (Number.isFinite(x) ? 1 : 0),
};

function pyRemainder(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

export const BINARY: Record<BinaryOp, Fn2> = {
  add: (a, b, alpha) => a + alpha * b,
  sub: (a, b, alpha) => a - alpha * b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: cpow,
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  atan2: Math.atan2,
  remainder: pyRemainder,
  floorDiv: floorDivide,
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  logicalXor: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
  reluBackward: (g, x) => (x > 0 ? g : 0),
  sigmoidBackward: (g, s) => g * s * (1 - s),
  tanhBackward: (g, t) => g * (1 - t * t),
  leakyReluBackward: (g, x, s) => (x > 0 ? g : g * s),
  relu6Backward: (g, x) => (x > 0 && x < 6 ? g : 0),
};

// ---- reading and writing any storage array as numbers ------------------------------------

/** Wraps a storage array as number get/set, converting half and int64 at the edges. */
export interface NumView {
  get(i: number): number;
  set(i: number, v: number): void;
}

export function numView(arr: StorageArray, dtype: DType): NumView {
  if (arr instanceof BigInt64Array) {
    return { get: (i) => Number(arr[i]!), set: (i, v) => { arr[i] = BigInt(Number.isFinite(v) ? Math.trunc(v) : 0); } };
  }
  if (dtype === 'float16') {
    const a = arr as Uint16Array;
    return { get: (i) => fromFloat16Bits(a[i]!), set: (i, v) => { a[i] = toFloat16Bits(v); } };
  }
  if (dtype === 'bfloat16') {
    const a = arr as Uint16Array;
    return { get: (i) => fromBFloat16Bits(a[i]!), set: (i, v) => { a[i] = toBFloat16Bits(v); } };
  }
  const a = arr as Float32Array;
  if (dtype === 'bool') return { get: (i) => a[i]!, set: (i, v) => { a[i] = v !== 0 ? 1 : 0; } };
  if (dtype === 'int32' || dtype === 'uint8') {
    // PyTorch truncates toward zero when a float goes into an integer tensor.
    return { get: (i) => a[i]!, set: (i, v) => { a[i] = Number.isFinite(v) ? Math.trunc(v) : 0; } };
  }
  return { get: (i) => a[i]!, set: (i, v) => { a[i] = v; } };
}

/** The dtype a raw storage array holds when the array alone must tell (no halves, no bool). */
export function arrayDType(arr: StorageArray): DType {
  if (arr instanceof Float32Array) return 'float32';
  if (arr instanceof Float64Array) return 'float64';
  if (arr instanceof Int32Array) return 'int32';
  if (arr instanceof BigInt64Array) return 'int64';
  if (arr instanceof Uint16Array) return 'float16';
  return 'uint8';
}

// ---- kernels --------------------------------------------------------------------------------

export function cast(src: StorageArray, srcDtype: DType, srcOff: number, dst: StorageArray, dstDtype: DType, dstOff: number, n: number): void {
  if (srcDtype === dstDtype || (src.constructor === dst.constructor && srcDtype !== 'float16' && srcDtype !== 'bfloat16' && dstDtype !== 'bool' && dstDtype !== 'float16' && dstDtype !== 'bfloat16' && !(dst instanceof Uint8Array))) {
    (dst as Float32Array).set((src as Float32Array).subarray(srcOff, srcOff + n), dstOff);
    return;
  }
  if ((srcDtype === 'float16' || srcDtype === 'bfloat16') && (dst instanceof Float32Array || dst instanceof Float64Array)) {
    decodeHalf(src as Uint16Array, dst, srcDtype === 'bfloat16', srcOff, dstOff, n);
    return;
  }
  if ((dstDtype === 'float16' || dstDtype === 'bfloat16') && (src instanceof Float32Array || src instanceof Float64Array)) {
    encodeHalf(src, dst as Uint16Array, dstDtype === 'bfloat16', srcOff, dstOff, n);
    return;
  }
  if (src instanceof BigInt64Array && dst instanceof BigInt64Array) {
    dst.set(src.subarray(srcOff, srcOff + n), dstOff);
    return;
  }
  const s = numView(src, srcDtype), d = numView(dst, dstDtype);
  for (let i = 0; i < n; i++) d.set(dstOff + i, s.get(srcOff + i));
}

/** Calls body(outIndex, aIndex, bIndex) over shape in row-major order. */
function walk2(shape: readonly number[], aOff: number, aStrides: readonly number[], bOff: number, bStrides: readonly number[],
  body: (o: number, ai: number, bi: number) => void): void {
  const nd = shape.length;
  let total = 1;
  for (const s of shape) total *= s;
  if (total === 0) return;
  if (nd === 0) { body(0, aOff, bOff); return; }
  const idx = new Array<number>(nd).fill(0);
  const inner = shape[nd - 1]!, sa = aStrides[nd - 1]!, sb = bStrides[nd - 1]!;
  let ai = aOff, bi = bOff, o = 0;
  for (;;) {
    for (let j = 0, a = ai, b = bi; j < inner; j++, a += sa, b += sb) body(o++, a, b);
    let d = nd - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      ai += aStrides[d]!; bi += bStrides[d]!;
      if (idx[d]! < shape[d]!) break;
      ai -= aStrides[d]! * shape[d]!; bi -= bStrides[d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

export function copyStrided(src: StorageArray, srcOff: number, srcStrides: readonly number[], dst: StorageArray, dstOff: number, dstStrides: readonly number[], shape: readonly number[]): void {
  const s = src as Float32Array, d = dst as Float32Array; // same element kind on both sides
  walk2(shape, srcOff, srcStrides, dstOff, dstStrides, (_o, si, di) => { d[di] = s[si]!; });
}

export function fill(dst: StorageArray, dstOff: number, n: number, value: number): void {
  if (dst instanceof BigInt64Array) dst.fill(BigInt(value), dstOff, dstOff + n);
  else (dst as Float32Array).fill(value, dstOff, dstOff + n);
}

function isFloatArray(a: StorageArray): a is FloatArray {
  return a instanceof Float32Array || a instanceof Float64Array;
}

export function unary(op: UnaryOp, x: StorageArray, xOff: number, out: StorageArray, outOff: number, n: number, p1: number, p2: number): void {
  const f = UNARY[op];
  if (isFloatArray(x) && (isFloatArray(out) || out instanceof Uint8Array || out instanceof Int32Array)) {
    const o = out as Float32Array;
    for (let i = 0; i < n; i++) o[outOff + i] = f(x[xOff + i]!, p1, p2);
    return;
  }
  const xv = numView(x, arrayDType(x)), ov = numView(out, arrayDType(out));
  for (let i = 0; i < n; i++) ov.set(outOff + i, f(xv.get(xOff + i), p1, p2));
}

export function binary(op: BinaryOp, a: StorageArray, aOff: number, aStrides: readonly number[], b: StorageArray, bOff: number, bStrides: readonly number[], out: StorageArray, shape: readonly number[], p1: number): void {
  const f = BINARY[op];
  if (!(a instanceof BigInt64Array) && !(b instanceof BigInt64Array) && !(out instanceof BigInt64Array)) {
    const A = a as Float32Array, B = b as Float32Array, O = out as Float32Array;
    // Integer outputs truncate (typed arrays wrap otherwise); the tensor layer picks int outputs only for int-closed ops.
    walk2(shape, aOff, aStrides, bOff, bStrides, (o, ai, bi) => { O[o] = f(A[ai]!, B[bi]!, p1); });
    return;
  }
  const av = numView(a, arrayDType(a)), bv = numView(b, arrayDType(b)), ov = numView(out, arrayDType(out));
  walk2(shape, aOff, aStrides, bOff, bStrides, (o, ai, bi) => ov.set(o, f(av.get(ai), bv.get(bi), p1)));
}

export function where(cond: Uint8Array, cOff: number, cStrides: readonly number[], a: StorageArray, aOff: number, aStrides: readonly number[], b: StorageArray, bOff: number, bStrides: readonly number[], out: StorageArray, shape: readonly number[]): void {
  // Two walks: first copy a or b by condition through a pair walk over (cond, a), then fill b.
  const O = out as Float32Array, A = a as Float32Array, B = b as Float32Array;
  const pick = new Uint8Array(O.length);
  walk2(shape, cOff, cStrides, aOff, aStrides, (o, ci, ai) => { if (cond[ci]) { O[o] = A[ai]!; pick[o] = 1; } });
  walk2(shape, cOff, cStrides, bOff, bStrides, (o, _ci, bi) => { if (!pick[o]) O[o] = B[bi]!; });
}

export function addcmul(y: FloatArray, yOff: number, t1: FloatArray, t1Off: number, t2: FloatArray, t2Off: number, value: number, n: number): void {
  for (let i = 0; i < n; i++) y[yOff + i] += value * t1[t1Off + i]! * t2[t2Off + i]!;
}

export function addcdiv(y: FloatArray, yOff: number, t1: FloatArray, t1Off: number, t2: FloatArray, t2Off: number, value: number, n: number): void {
  for (let i = 0; i < n; i++) y[yOff + i] += (value * t1[t1Off + i]!) / t2[t2Off + i]!;
}
