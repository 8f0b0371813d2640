// Views: new shapes and strides over the same storage, no copying (reshape copies only when the
// strides make a view impossible, as PyTorch does). Gradients flow back through the inverse view.

import { record } from '../../autograd/graph.js';
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { describe } from '../dtype.js';
import { contiguousStrides, normalizeDim, shapeStr, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkTensor, sumToShape } from './elementwise.js';
import { copyStridedInto } from './convert.js';

function makeView(t: Tensor, shape: number[], strides: number[], offset: number, name: string, backward: (g: Tensor) => Tensor): Tensor {
  const out = new Tensor(t.storage, t.dtype, shape, strides, offset);
  out._base = t._base ?? t;
  out._baseGradFn = out._base.gradFn;
  if (!t.requiresGrad || !isGradEnabled()) return out;
  return record(out, name, [t], (g) => [backward(g)]);
}

/** Resolves one -1 in a requested shape against numel. */
function inferShape(shape: readonly number[], numel: number, op: string): number[] {
  let infer = -1, known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < -1) throw new TypeError(`${op}: expected a shape of non-negative integers (one may be -1), got [${shape.join(', ')}]`);
    if (d === -1) {
      if (infer >= 0) throw new RangeError(`${op}: only one dimension can be -1, got [${shape.join(', ')}]`);
      infer = i;
    } else known *= d;
  }
  const out = shape.slice();
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) throw new RangeError(`${op}: shape [${shape.join(', ')}] is invalid for input of size ${numel}`);
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw new RangeError(`${op}: shape [${shape.join(', ')}] is invalid for input of size ${numel}`);
  }
  return out;
}

/** Strides for viewing (shape, strides) as newShape without a copy, or null if impossible (PyTorch's computeStride). */
function viewStrides(shape: Shape, strides: Shape, newShape: Shape): number[] | null {
  if (sizeOf(shape) <= 1) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1]!;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

export function view(t: Tensor, shape: readonly number[]): Tensor {
  checkTensor(t, 'view');
  const newShape = inferShape(shape, t.numel(), 'view');
  const strides = viewStrides(t.shape, t.strides, newShape);
  if (!strides) throw new Error(`view: shape ${shapeStr(newShape)} is not compatible with the input's strides ${shapeStr(t.strides)} (shape ${shapeStr(t.shape)}); use reshape(), which copies when needed`);
  const inShape = t.shape;
  return makeView(t, newShape, strides, t.offset, 'view', (g) => g.reshape(inShape as number[]));
}

export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  checkTensor(t, 'reshape');
  const newShape = inferShape(shape, t.numel(), 'reshape');
  const strides = viewStrides(t.shape, t.strides, newShape);
  const inShape = t.shape;
  if (strides) return makeView(t, newShape, strides, t.offset, 'reshape', (g) => g.reshape(inShape as number[]));
  const c = t.contiguous();
  return makeView(c, newShape, contiguousStrides(newShape), c.offset, 'reshape', (g) => g.reshape(inShape as number[]));
}

export function permute(t: Tensor, dims: readonly number[]): Tensor {
  checkTensor(t, 'permute');
  if (dims.length !== t.ndim) throw new RangeError(`permute: expected ${t.ndim} dims for a tensor of shape ${shapeStr(t.shape)}, got [${dims.join(', ')}]`);
  const norm = dims.map((d) => normalizeDim(d, t.ndim, 'permute'));
  if (new Set(norm).size !== norm.length) throw new RangeError(`permute: dims [${dims.join(', ')}] repeat a dimension`);
  const inverse = new Array<number>(norm.length);
  norm.forEach((d, i) => { inverse[d] = i; });
  return makeView(t, norm.map((d) => t.shape[d]!), norm.map((d) => t.strides[d]!), t.offset, 'permute', (g) => g.permute(inverse));
}

export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor(t, 'transpose');
  if (t.ndim === 0) return makeView(t, [], [], t.offset, 'transpose', (g) => g);
  const a = normalizeDim(dim0, t.ndim, 'transpose'), b = normalizeDim(dim1, t.ndim, 'transpose');
  const perm = Array.from({ length: t.ndim }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(t, perm);
}

export function matrixTranspose(t: Tensor): Tensor {
  checkTensor(t, 't');
  if (t.ndim > 2) throw new RangeError(`t: expected a tensor with at most 2 dimensions, got shape ${shapeStr(t.shape)}; use transpose(dim0, dim1)`);
  return t.ndim < 2 ? t : transpose(t, 0, 1);
}

export function reverseDims(t: Tensor): Tensor {
  return permute(t, Array.from({ length: t.ndim }, (_, i) => t.ndim - 1 - i));
}

function checkInt(x: unknown, op: string, name: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`${op}: expected ${name} to be an integer, got ${describe(x)}`);
  return x;
}

/** Zeros shaped like `shape` with g written into the region `region` selects. */
function scatterBack(shape: Shape, g: Tensor, region: (z: Tensor) => Tensor): Tensor {
  const z = Tensor.empty(shape, g.dtype);
  copyStridedInto(g, region(z));
  return z;
}

export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor(t, 'narrow');
  const d = normalizeDim(dim, t.ndim, 'narrow');
  const size = t.shape[d]!;
  checkInt(start, 'narrow', 'start');
  checkInt(length, 'narrow', 'length');
  const s = start < 0 ? start + size : start;
  if (s < 0 || length < 0 || s + length > size) throw new RangeError(`narrow: start ${start} and length ${length} are out of range for dimension ${d} of size ${size}`);
  const shape = t.shape.slice();
  shape[d] = length;
  const inShape = t.shape;
  return makeView(t, shape, t.strides.slice(), t.offset + s * t.strides[d]!, 'narrow', (g) => scatterBack(inShape, g, (z) => z.narrow(d, s, length)));
}

export function slice(t: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  checkTensor(t, 'slice');
  const d = normalizeDim(dim, t.ndim, 'slice');
  const size = t.shape[d]!;
  checkInt(start, 'slice', 'start');
  if (end !== undefined) checkInt(end, 'slice', 'end');
  checkInt(step, 'slice', 'step');
  if (step <= 0) throw new RangeError(`slice: step must be positive, got ${step}`);
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clampIdx(start), e = Math.max(s, clampIdx(end ?? size));
  const len = Math.ceil((e - s) / step);
  const shape = t.shape.slice(), strides = t.strides.slice();
  shape[d] = len;
  strides[d] = t.strides[d]! * step;
  const inShape = t.shape;
  return makeView(t, shape, strides, t.offset + s * t.strides[d]!, 'slice', (g) => scatterBack(inShape, g, (z) => z.slice(d, s, e, step)));
}

export function select(t: Tensor, dim: number, index: number): Tensor {
  checkTensor(t, 'select');
  const d = normalizeDim(dim, t.ndim, 'select');
  const size = t.shape[d]!;
  checkInt(index, 'select', 'index');
  const i = index < 0 ? index + size : index;
  if (i < 0 || i >= size) throw new RangeError(`select: index ${index} is out of range for dimension ${d} of size ${size}`);
  const shape = t.shape.filter((_, k) => k !== d), strides = t.strides.filter((_, k) => k !== d);
  const inShape = t.shape;
  return makeView(t, shape, strides, t.offset + i * t.strides[d]!, 'select', (g) => scatterBack(inShape, g, (z) => z.select(d, i)));
}

export function expand(t: Tensor, shape: readonly number[]): Tensor {
  checkTensor(t, 'expand');
  if (shape.length < t.ndim) throw new RangeError(`expand: the target shape ${shapeStr(shape)} has fewer dimensions than the input ${shapeStr(t.shape)}`);
  const lead = shape.length - t.ndim;
  const outShape = new Array<number>(shape.length), strides = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const want = checkInt(shape[i], 'expand', 'each size');
    if (i < lead) {
      if (want < 0) throw new RangeError(`expand: -1 is not allowed for a new leading dimension (target ${shapeStr(shape)})`);
      outShape[i] = want;
      strides[i] = 0;
      continue;
    }
    const have = t.shape[i - lead]!;
    if (want === -1 || want === have) {
      outShape[i] = have;
      strides[i] = t.strides[i - lead]!;
    } else if (have === 1 && want >= 0) {
      outShape[i] = want;
      strides[i] = 0;
    } else {
      throw new RangeError(`expand: the size of dimension ${i - lead} (${have}) must match the target ${want} or be 1 (input ${shapeStr(t.shape)}, target ${shapeStr(shape)})`);
    }
  }
  const inShape = t.shape;
  return makeView(t, outShape, strides, t.offset, 'expand', (g) => sumToShape(g, inShape));
}

export function squeeze(t: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor(t, 'squeeze');
  let drop: Set<number>;
  if (dim === undefined) drop = new Set(t.shape.map((s, i) => (s === 1 ? i : -1)).filter((i) => i >= 0));
  else {
    if (typeof dim !== 'number' && !Array.isArray(dim)) throw new TypeError(`squeeze: expected a dim or an array of dims, got ${describe(dim)}`);
    const list = typeof dim === 'number' ? [dim] : dim;
    drop = new Set(list.map((d) => normalizeDim(d, t.ndim, 'squeeze')).filter((d) => t.shape[d] === 1));
  }
  const shape = t.shape.filter((_, i) => !drop.has(i)), strides = t.strides.filter((_, i) => !drop.has(i));
  const inShape = t.shape;
  return makeView(t, shape, strides, t.offset, 'squeeze', (g) => g.reshape(inShape as number[]));
}

export function unsqueeze(t: Tensor, dim: number): Tensor {
  checkTensor(t, 'unsqueeze');
  const d = normalizeDim(dim, t.ndim, 'unsqueeze', 1);
  const shape = t.shape.slice(), strides = t.strides.slice();
  const stride = d < t.ndim ? t.strides[d]! * t.shape[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  const inShape = t.shape;
  return makeView(t, shape, strides, t.offset, 'unsqueeze', (g) => g.reshape(inShape as number[]));
}

export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor(t, 'flatten');
  if (t.ndim === 0) return reshape(t, [1]);
  const s = normalizeDim(startDim, t.ndim, 'flatten'), e = normalizeDim(endDim, t.ndim, 'flatten');
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...t.shape.slice(0, s), sizeOf(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)];
  return reshape(t, shape);
}

export function unflatten(t: Tensor, dim: number, sizes: readonly number[]): Tensor {
  checkTensor(t, 'unflatten');
  const d = normalizeDim(dim, t.ndim, 'unflatten');
  if (!Array.isArray(sizes)) throw new TypeError(`unflatten: expected an array of sizes, got ${describe(sizes)}`);
  const inner = inferShape(sizes, t.shape[d]!, 'unflatten');
  return reshape(t, [...t.shape.slice(0, d), ...inner, ...t.shape.slice(d + 1)]);
}

export function split(t: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  checkTensor(t, 'split');
  const d = normalizeDim(dim, t.ndim, 'split');
  const size = t.shape[d]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) throw new RangeError(`split: expected a positive split size, got ${sizeOrSections}`);
    sizes = [];
    for (let s = 0; s < size; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, size - s));
    if (sizes.length === 0) sizes.push(0);
  } else {
    if (!Array.isArray(sizeOrSections)) throw new TypeError(`split: expected a split size or an array of sizes, got ${describe(sizeOrSections)}`);
    sizes = sizeOrSections.slice();
    const total = sizes.reduce((a, b) => a + b, 0);
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== size) {
      throw new RangeError(`split: sizes [${sizes.join(', ')}] must be non-negative integers summing to ${size} (dimension ${d})`);
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(narrow(t, d, start, s));
    start += s;
  }
  return out;
}

export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor(t, 'chunk');
  if (!Number.isInteger(chunks) || chunks <= 0 || chunks > 2 ** 31 - 1) throw new RangeError(`chunk: expected a positive number of chunks (below 2^31), got ${describe(chunks)}`);
  const d = normalizeDim(dim, t.ndim, 'chunk');
  if (t.shape[d] === 0) return Array.from({ length: chunks }, () => narrow(t, d, 0, 0)); // as PyTorch
  const each = Math.max(1, Math.ceil(t.shape[d]! / chunks));
  return split(t, each, d);
}

export function unbind(t: Tensor, dim = 0): Tensor[] {
  checkTensor(t, 'unbind');
  const d = normalizeDim(dim, t.ndim, 'unbind');
  return Array.from({ length: t.shape[d]! }, (_, i) => select(t, d, i));
}
