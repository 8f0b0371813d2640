// The Tensor: a typed view (dtype, shape, strides, offset) of a Storage, plus its place in the
// autograd graph. The operations live in ops/*.ts, one family per file; the methods here only
// forward to them so that the class reads as the API's table of contents.

import { AccumulateGrad, type Node } from '../autograd/graph.js';
import { runBackward, type BackwardOptions } from '../autograd/engine.js';
import { DTYPE_INFO, allocateStorage, allocateUninitialized, isFloating, type DType, type StorageArray } from './dtype.js';
import { contiguousStrides, shapeStr, sizeOf, type Shape } from './shape.js';
import { Storage } from './storage.js';
import { keepBuffer } from './buffer-pool.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as vw from './ops/view.js';
import * as ix from './ops/indexing.js';
import * as mm from './ops/matmul.js';
import * as ip from './ops/inplace.js';
import * as cv from './ops/convert.js';
import * as ig from './ops/inplace-graph.js';
import { formatTensor } from './format.js';
import type { Generator } from './random.js';

export type Scalar = number;
export type TensorOrScalar = Tensor | number;

export class Tensor {
  readonly storage: Storage;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  /** Element offset of this view in its storage. */
  readonly offset: number;
  /** Whether gradients flow to this tensor. Set by requiresGrad_() on leaves; by ops on results. */
  requiresGrad = false;
  /** The accumulated gradient (leaves, and non-leaves after retainGrad()). */
  grad: Tensor | null = null;
  /** The node that produced this tensor (null for leaves). */
  gradFn: Node | null = null;
  private accumulatorNode: AccumulateGrad | null = null;
  /**
   * @internal For a view (made by view, narrow, permute, ...): the tensor that owns the memory it
   * looks into, so that an in-place op on the view can update that tensor's place in the graph.
   */
  _base: Tensor | null = null;
  /**
   * @internal For a view: its base's gradFn when the view's own gradFn was made. When an in-place
   * op gives the base a new node, the view is stale and gets a node reading the new base.
   */
  _baseGradFn: Node | null = null;

  constructor(storage: Storage, dtype: DType, shape: readonly number[], strides: readonly number[], offset = 0) {
    this.storage = storage;
    this.dtype = dtype;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
  }

  /** A new contiguous tensor filled with zeros. */
  static empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(new Storage(allocateStorage(dtype, sizeOf(shape))), dtype, shape.slice(), contiguousStrides(shape), 0);
  }

  /** A new contiguous tensor with unspecified contents: only for outputs that get fully written. */
  static uninitialized(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(new Storage(allocateUninitialized(dtype, sizeOf(shape))), dtype, shape.slice(), contiguousStrides(shape), 0);
  }

  /** Wraps an existing storage array as a contiguous tensor (no copy). */
  static fromStorage(data: StorageArray, dtype: DType, shape: Shape): Tensor {
    return new Tensor(new Storage(data), dtype, shape.slice(), contiguousStrides(shape), 0);
  }

  // ---- metadata -------------------------------------------------------------------------
  get ndim(): number { return this.shape.length; }
  numel(): number { return sizeOf(this.shape); }
  dim(): number { return this.shape.length; }
  /** The raw storage array (shared with views: index it with offset and strides). */
  get data(): StorageArray { return this.storage.data; }
  get isLeaf(): boolean { return this.gradFn === null; }
  get _version(): number { return this.storage.version; }
  get itemSize(): number { return DTYPE_INFO[this.dtype].bytes; }
  isFloatingPoint(): boolean { return isFloating(this.dtype); }

  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const d = this.shape[i]!;
      if (d === 1) continue;
      if (this.strides[i] !== expected) return false;
      expected *= d;
    }
    return true;
  }

  /** True when this tensor is exactly its whole storage, in order (kernels can take .data as is). */
  isDense(): boolean {
    return this.offset === 0 && this.storage.data.length === this.numel() && this.isContiguous();
  }

  toString(): string { return formatTensor(this); }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return formatTensor(this); }

  // ---- reading values -------------------------------------------------------------------
  item(): number { return cv.item(this); }
  /**
   * Nested arrays of numbers (float16/bfloat16 decoded, int64 as numbers; a 0-d tensor gives a
   * number). Typed `any` because the nesting depth is the tensor's ndim.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  toArray(): any { return cv.toNested(this); }
  /** A contiguous copy of the values in this dtype's storage array type. */
  toTypedArray(): StorageArray { return cv.toTypedArray(this); }
  /** A contiguous copy of the values as float32. */
  toFloat32Array(): Float32Array { return cv.toFloat32Array(this); }

  // ---- conversion and copies ------------------------------------------------------------
  to(dtype: DType): Tensor { return cv.to(this, dtype); }
  float(): Tensor { return cv.to(this, 'float32'); }
  double(): Tensor { return cv.to(this, 'float64'); }
  half(): Tensor { return cv.to(this, 'float16'); }
  bfloat16(): Tensor { return cv.to(this, 'bfloat16'); }
  int(): Tensor { return cv.to(this, 'int32'); }
  long(): Tensor { return cv.to(this, 'int64'); }
  bool(): Tensor { return cv.to(this, 'bool'); }
  clone(): Tensor { return cv.clone(this); }
  contiguous(): Tensor { return cv.contiguous(this); }
  /** Same data, cut from the graph. */
  detach(): Tensor { return new Tensor(this.storage, this.dtype, this.shape, this.strides, this.offset); }

  // ---- autograd -------------------------------------------------------------------------
  requiresGrad_(requires = true): this {
    if (this.gradFn && !requires) throw new Error('requiresGrad_: cannot turn off gradients of a non-leaf tensor; use detach()');
    if (requires && !isFloating(this.dtype)) throw new TypeError(`requiresGrad_: only floating-point tensors can require gradients, got ${this.dtype}`);
    this.requiresGrad = requires;
    return this;
  }

  /** Keeps .grad for a non-leaf tensor after backward. */
  retainGrad(): this {
    this._edge();
    if (!this.requiresGrad) throw new Error('retainGrad: the tensor does not require grad');
    if (this.gradFn) this.gradFn.retained = this;
    return this;
  }

  /**
   * Computes gradients of this tensor with respect to the leaves that require grad and adds them
   * into their .grad. A non-scalar tensor needs `gradient` (the vector in the vector-Jacobian product).
   */
  backward(gradient?: Tensor | null | BackwardOptions, options: BackwardOptions = {}): void {
    if (gradient !== null && typeof gradient === 'object' && !(gradient instanceof Tensor) && !Array.isArray(gradient) && !ArrayBuffer.isView(gradient)) {
      return this.backward(null, gradient as BackwardOptions); // backward({ retainGraph: true })
    }
    this._edge(); // a view whose base changed in place backpropagates through the new base
    if (!this.requiresGrad) throw new Error('backward: the tensor does not require grad and has no gradFn (did every input have requiresGrad false, or was it made inside noGrad?)');
    let g: Tensor;
    if (gradient === undefined || gradient === null) {
      if (this.numel() !== 1) throw new Error(`backward: gradient can be implied only for a one-element output, this one has shape ${shapeStr(this.shape)}`);
      g = cv.fullLike(this, 1);
    } else {
      if (!(gradient instanceof Tensor)) throw new TypeError('backward: expected gradient to be a Tensor');
      if (gradient.shape.length !== this.shape.length || gradient.shape.some((d, i) => d !== this.shape[i])) {
        throw new RangeError(`backward: gradient has shape ${shapeStr(gradient.shape)}, expected ${shapeStr(this.shape)}`);
      }
      g = gradient.dtype === this.dtype ? gradient : gradient.to(this.dtype);
    }
    runBackward(this, g, options);
  }

  /**
   * Makes this tensor hold other's data (storage, dtype, shape, strides) while keeping its
   * identity, as PyTorch's `param.data = ...`: Module.to(dtype) converts parameters this way so
   * that optimizers holding them keep working. Not recorded by autograd.
   */
  setData(other: Tensor): this {
    if (!(other instanceof Tensor)) throw new TypeError('setData: expected a Tensor');
    const self = this as { storage: Storage; dtype: DType; shape: readonly number[]; strides: readonly number[]; offset: number };
    self.storage = other.storage;
    self.dtype = other.dtype;
    self.shape = other.shape;
    self.strides = other.strides;
    self.offset = other.offset;
    this._base = other._base;
    this._baseGradFn = other._baseGradFn;
    return this;
  }

  /** @internal The node gradients of this tensor go to (refreshing a view whose base changed in place). */
  _edge(): Node | null {
    if (this._base !== null && this._base.gradFn !== this._baseGradFn && !(this.gradFn === null && this.requiresGrad)) ig.refreshView(this);
    if (this.gradFn) return this.gradFn;
    return this.requiresGrad ? this._accumulator() : null;
  }

  /** @internal the leaf's gradient sink */
  _accumulator(): AccumulateGrad {
    if (!this.accumulatorNode) this.accumulatorNode = new AccumulateGrad(this);
    return this.accumulatorNode;
  }

  /**
   * @internal adds g into .grad: in place once .grad exists, so its storage stays the same.
   * `owned`: backward holds the only reference to g's memory, so a first gradient of .grad's dtype
   * and layout becomes .grad itself (taken out of the buffer pool's reach) instead of a copy.
   */
  _accumulateGrad(g: Tensor, owned = false): void {
    const gg = g.dtype === this.dtype ? g : g.to(this.dtype);
    if (this.grad) {
      if (this.grad.shape.length !== gg.shape.length || this.grad.shape.some((d, i) => d !== gg.shape[i])) {
        throw new RangeError(`backward: .grad has shape ${shapeStr(this.grad.shape)} but the incoming gradient has shape ${shapeStr(gg.shape)}`);
      }
      ip.addInPlace(this.grad, gg, 1);
    } else if (owned && gg === g && g.isContiguous() && g.shape.length === this.shape.length && g.shape.every((d, i) => d === this.shape[i])) {
      keepBuffer(g.storage);
      this.grad = g;
    } else {
      this.grad = cv.clone(gg); // own copy: g may be shared with other tensors' gradients
    }
  }

  // ---- views ----------------------------------------------------------------------------
  view(...shape: (number | readonly number[])[]): Tensor { return vw.view(this, flatArgs(shape)); }
  reshape(...shape: (number | readonly number[])[]): Tensor { return vw.reshape(this, flatArgs(shape)); }
  permute(...dims: (number | readonly number[])[]): Tensor { return vw.permute(this, flatArgs(dims)); }
  transpose(dim0: number, dim1: number): Tensor { return vw.transpose(this, dim0, dim1); }
  /** Transpose of a matrix (ndim <= 2). */
  t(): Tensor { return vw.matrixTranspose(this); }
  get T(): Tensor { return vw.reverseDims(this); }
  narrow(dim: number, start: number, length: number): Tensor { return vw.narrow(this, dim, start, length); }
  /** Python-style slice along one dim: start inclusive, end exclusive, negative counts from the end. */
  slice(dim: number, start = 0, end?: number, step = 1): Tensor { return vw.slice(this, dim, start, end, step); }
  select(dim: number, index: number): Tensor { return vw.select(this, dim, index); }
  expand(...shape: (number | readonly number[])[]): Tensor { return vw.expand(this, flatArgs(shape)); }
  expandAs(other: Tensor): Tensor { return vw.expand(this, ew.checkTensor(other, 'expandAs', 'other').shape); }
  squeeze(dim?: number | readonly number[]): Tensor { return vw.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return vw.unsqueeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Tensor { return vw.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return vw.unflatten(this, dim, sizes); }
  split(sizeOrSections: number | readonly number[], dim = 0): Tensor[] { return vw.split(this, sizeOrSections, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return vw.chunk(this, chunks, dim); }
  unbind(dim = 0): Tensor[] { return vw.unbind(this, dim); }

  // ---- elementwise ----------------------------------------------------------------------
  add(other: TensorOrScalar, alpha = 1): Tensor { return ew.binary('add', this, other, alpha); }
  sub(other: TensorOrScalar, alpha = 1): Tensor { return ew.binary('sub', this, other, alpha); }
  mul(other: TensorOrScalar): Tensor { return ew.binary('mul', this, other); }
  div(other: TensorOrScalar): Tensor { return ew.binary('div', this, other); }
  pow(exponent: TensorOrScalar): Tensor { return ew.pow(this, exponent); }
  maximum(other: TensorOrScalar): Tensor { return ew.binary('maximum', this, other); }
  minimum(other: TensorOrScalar): Tensor { return ew.binary('minimum', this, other); }
  atan2(other: TensorOrScalar): Tensor { return ew.binary('atan2', this, other); }
  remainder(other: TensorOrScalar): Tensor { return ew.binary('remainder', this, other); }
  floorDivide(other: TensorOrScalar): Tensor { return ew.binary('floorDiv', this, other); }
  eq(other: TensorOrScalar): Tensor { return ew.binary('eq', this, other); }
  ne(other: TensorOrScalar): Tensor { return ew.binary('ne', this, other); }
  lt(other: TensorOrScalar): Tensor { return ew.binary('lt', this, other); }
  le(other: TensorOrScalar): Tensor { return ew.binary('le', this, other); }
  gt(other: TensorOrScalar): Tensor { return ew.binary('gt', this, other); }
  ge(other: TensorOrScalar): Tensor { return ew.binary('ge', this, other); }
  logicalAnd(other: TensorOrScalar): Tensor { return ew.binary('logicalAnd', this, other); }
  logicalOr(other: TensorOrScalar): Tensor { return ew.binary('logicalOr', this, other); }
  logicalXor(other: TensorOrScalar): Tensor { return ew.binary('logicalXor', this, other); }
  logicalNot(): Tensor { return ew.unary('logicalNot', this); }
  neg(): Tensor { return ew.unary('neg', this); }
  abs(): Tensor { return ew.unary('abs', this); }
  exp(): Tensor { return ew.unary('exp', this); }
  exp2(): Tensor { return ew.unary('exp2', this); }
  expm1(): Tensor { return ew.unary('expm1', this); }
  log(): Tensor { return ew.unary('log', this); }
  log2(): Tensor { return ew.unary('log2', this); }
  log1p(): Tensor { return ew.unary('log1p', this); }
  sqrt(): Tensor { return ew.unary('sqrt', this); }
  rsqrt(): Tensor { return ew.unary('rsqrt', this); }
  square(): Tensor { return ew.unary('square', this); }
  reciprocal(): Tensor { return ew.unary('reciprocal', this); }
  sign(): Tensor { return ew.unary('sign', this); }
  sin(): Tensor { return ew.unary('sin', this); }
  cos(): Tensor { return ew.unary('cos', this); }
  sigmoid(): Tensor { return ew.unary('sigmoid', this); }
  tanh(): Tensor { return ew.unary('tanh', this); }
  relu(): Tensor { return ew.unary('relu', this); }
  relu6(): Tensor { return ew.unary('relu6', this); }
  leakyRelu(negativeSlope = 0.01): Tensor { return ew.unary('leakyRelu', this, negativeSlope); }
  gelu(): Tensor { return ew.unary('gelu', this); }
  silu(): Tensor { return ew.unary('silu', this); }
  softplus(): Tensor { return ew.unary('softplus', this); }
  erf(): Tensor { return ew.unary('erf', this); }
  floor(): Tensor { return ew.unary('floor', this); }
  ceil(): Tensor { return ew.unary('ceil', this); }
  round(): Tensor { return ew.unary('round', this); }
  trunc(): Tensor { return ew.unary('trunc', this); }
  isnan(): Tensor { return ew.unary('isnan', this); }
  isinf(): Tensor { return ew.unary('isinf', this); }
  isfinite(): Tensor { return ew.unary('isfinite', this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  clip(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  /** where(cond, this, other): this where cond is true, else other. */
  where(condition: Tensor, other: TensorOrScalar): Tensor { return ew.where(condition, this, other); }
  maskedFill(mask: Tensor, value: number): Tensor { return ew.where(mask, value, this); }
  lerp(end: Tensor, weight: TensorOrScalar): Tensor { return ew.lerp(this, end, weight); }

  // ---- reductions -----------------------------------------------------------------------
  sum(dims?: number | readonly number[] | null, keepdim = false): Tensor { return red.sum(this, dims, keepdim); }
  mean(dims?: number | readonly number[] | null, keepdim = false): Tensor { return red.mean(this, dims, keepdim); }
  prod(dim?: number | null, keepdim = false): Tensor { return red.prod(this, dim, keepdim); }
  /** The largest value over dims (all by default). */
  amax(dims?: number | readonly number[] | null, keepdim = false): Tensor { return red.amax(this, dims, keepdim); }
  amin(dims?: number | readonly number[] | null, keepdim = false): Tensor { return red.amin(this, dims, keepdim); }
  /** max() of all elements, or max(dim) as { values, indices } like PyTorch. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.amax(this, null, false) : red.maxWithIndices(this, dim, keepdim, 'max');
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.amin(this, null, false) : red.maxWithIndices(this, dim, keepdim, 'min');
  }
  argmax(dim?: number | null, keepdim = false): Tensor { return red.argExtreme(this, dim, keepdim, 'argmax'); }
  argmin(dim?: number | null, keepdim = false): Tensor { return red.argExtreme(this, dim, keepdim, 'argmin'); }
  /** Variance with Bessel's correction by default (correction = 1), as torch.var. */
  var(dims?: number | readonly number[] | null, options?: red.VarianceOptions): Tensor { return red.varianceWithOptions(this, dims, options, 'var'); }
  std(dims?: number | readonly number[] | null, options?: red.VarianceOptions): Tensor { return red.varianceWithOptions(this, dims, options, 'std').sqrt(); }
  logsumexp(dims: number | readonly number[], keepdim = false): Tensor { return red.logsumexp(this, dims, keepdim); }
  /** p-norm over dims (all by default); p may be any positive number or Infinity. */
  norm(p = 2, dims?: number | readonly number[] | null, keepdim = false): Tensor { return red.norm(this, p, dims, keepdim); }
  any(dim?: number | null, keepdim = false): Tensor { return red.anyAll(this, dim, keepdim, 'any'); }
  all(dim?: number | null, keepdim = false): Tensor { return red.anyAll(this, dim, keepdim, 'all'); }

  // ---- linear algebra -------------------------------------------------------------------
  matmul(other: Tensor): Tensor { return mm.matmul(this, other); }
  mm(other: Tensor): Tensor { return mm.mm(this, other); }
  bmm(other: Tensor): Tensor { return mm.bmm(this, other); }

  // ---- indexing -------------------------------------------------------------------------
  gather(dim: number, index: Tensor): Tensor { return ix.gather(this, dim, index); }
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor { return ix.scatter(this, dim, index, src, 'none'); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ix.scatter(this, dim, index, src, 'add'); }
  indexSelect(dim: number, index: Tensor): Tensor { return ix.indexSelect(this, dim, index); }

  // ---- in place (write into this tensor's memory; bump its version) ----------------------
  add_(other: TensorOrScalar, alpha = 1): this { ip.binaryInPlace('add', this, other, alpha); return this; }
  sub_(other: TensorOrScalar, alpha = 1): this { ip.binaryInPlace('sub', this, other, alpha); return this; }
  mul_(other: TensorOrScalar): this { ip.binaryInPlace('mul', this, other, 1); return this; }
  div_(other: TensorOrScalar): this { ip.binaryInPlace('div', this, other, 1); return this; }
  pow_(exponent: number): this { ip.unaryInPlace('powScalar', this, exponent, 0); return this; }
  clamp_(min?: number | null, max?: number | null): this { ip.clampInPlace(this, min, max); return this; }
  relu_(): this { ip.unaryInPlace('relu', this, 0, 0); return this; }
  neg_(): this { ip.unaryInPlace('neg', this, 0, 0); return this; }
  sqrt_(): this { ip.unaryInPlace('sqrt', this, 0, 0); return this; }
  zero_(): this { ip.fillInPlace(this, 0); return this; }
  fill_(value: number): this { ip.fillInPlace(this, value); return this; }
  copy_(src: Tensor): this { ip.copyInPlace(this, src); return this; }
  /** this += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this { ip.addcInPlace(this, t1, t2, value, 'addcmul'); return this; }
  /** this += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this { ip.addcInPlace(this, t1, t2, value, 'addcdiv'); return this; }
  /** this += weight * (end - this) */
  lerp_(end: Tensor, weight: number): this { ip.lerpInPlace(this, end, weight); return this; }
  maskedFill_(mask: Tensor, value: number): this { ip.maskedFillInPlace(this, mask, value); return this; }
  uniform_(low = 0, high = 1, generator?: Generator): this { ip.randomInPlace(this, 'uniform', low, high, generator); return this; }
  normal_(mean = 0, std = 1, generator?: Generator): this { ip.randomInPlace(this, 'normal', mean, std, generator); return this; }
}

function flatArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as readonly number[]).slice();
  return args as number[];
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
