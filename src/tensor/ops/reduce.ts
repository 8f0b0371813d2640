// Reductions over any set of dims (keepdim or not) and their derivatives. Adjacent reduced dims
// go to the kernel as one [outer, red, inner] block; separate runs are reduced one after another.

import { backend } from '../../backend/index.js';
import type { ReduceOp } from '../../backend/ops.js';
import { record } from '../../autograd/graph.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { describe, isFloating, isHalf, type DType } from '../dtype.js';
import { normalizeDim, normalizeDims, shapeStr, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkTensor } from './elementwise.js';
import { contiguousAs, contiguousCopy, filled } from './convert.js';
import { scatterRaw } from './indexing.js';

/** Groups sorted dims into runs of adjacent dims. */
function runsOf(dims: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    if (last && last[1] === d - 1) last[1] = d;
    else runs.push([d, d]);
  }
  return runs;
}

/** How partial results of a reduction combine when its dims are reduced in separate runs. */
const COMBINE: Partial<Record<ReduceOp, ReduceOp>> = { sumSquares: 'sum', sumAbs: 'sum', maxAbs: 'max' };

/** Reduces contiguous x over dims, keeping them as size 1; result in outDtype (no autograd). */
function reduceKeep(op: ReduceOp, x: Tensor, dims: readonly number[], outDtype: DType): Tensor {
  let cur = x;
  const runs = runsOf(dims);
  // mean over several runs: sum each run, divide once at the end.
  const stepOp: ReduceOp = op === 'mean' && runs.length > 1 ? 'sum' : op;
  for (let r = runs.length - 1; r >= 0; r--) {
    const [a, b] = runs[r]!;
    // the first run reduces x; later runs combine partial results (sums of squares add up)
    const runOp = r === runs.length - 1 ? stepOp : COMBINE[stepOp] ?? stepOp;
    const shape = cur.shape;
    let outer = 1, red = 1, inner = 1;
    const outShape = shape.slice();
    for (let d = 0; d < shape.length; d++) {
      if (d < a) outer *= shape[d]!;
      else if (d > b) inner *= shape[d]!;
      else { red *= shape[d]!; outShape[d] = 1; }
    }
    const out = Tensor.uninitialized(outShape, outDtype);
    if (out.numel() > 0) backend().reduce(runOp, cur.data, cur.offset, outer, red, inner, out.data);
    cur = out;
  }
  if (stepOp !== op) {
    const count = sizeOf(dims.map((d) => x.shape[d]!));
    backend().unary('affine', cur.data, 0, cur.data, 0, cur.numel(), 1 / count, 0);
  }
  return cur;
}

function dropDims(shape: Shape, dims: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) if (!dims.includes(i)) out.push(shape[i]!);
  return out;
}

/** Gradient of a reduction's output, reshaped back to keepdim form and expanded to the input. */
function expandBack(g: Tensor, inShape: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  let gk = g;
  if (!keepdim) {
    const keepShape = inShape.slice();
    for (const d of dims) keepShape[d] = 1;
    gk = g.reshape(keepShape);
  }
  return gk.expand(inShape as number[]);
}

function sumResultType(d: DType): DType {
  return isFloating(d) ? d : 'int64';
}

/** Shared path for sum, mean, amax, amin, prod over dims. */
function simpleReduce(op: 'sum' | 'mean' | 'max' | 'min' | 'prod', x: Tensor, dimsArg: number | readonly number[] | null | undefined, keepdim: boolean): { out: Tensor; dims: number[] } {
  const name = op === 'max' ? 'amax' : op === 'min' ? 'amin' : op;
  checkTensor(x, name);
  const dims = normalizeDims(dimsArg, x.ndim, name);
  if ((op === 'max' || op === 'min') && dims.some((d) => x.shape[d] === 0)) {
    throw new RangeError(`${name}: cannot reduce over a dimension of size 0 (input ${shapeStr(x.shape)})`);
  }
  const outDtype: DType = op === 'sum' || op === 'prod' ? sumResultType(x.dtype) : op === 'mean' ? (isFloating(x.dtype) ? x.dtype : 'float32') : x.dtype;
  const computeDtype: DType = isHalf(x.dtype) || (isFloating(outDtype) && !isFloating(x.dtype)) ? 'float32' : x.dtype;
  const xc = contiguousAs(x, computeDtype);
  const kernelOut: DType = isHalf(outDtype) ? 'float32' : outDtype;
  let out = dims.length === 0 ? (kernelOut === xc.dtype ? contiguousCopy(xc) : contiguousAs(xc, kernelOut)) : reduceKeep(op, xc, dims, kernelOut);
  if (kernelOut !== outDtype) out = contiguousAs(out, outDtype);
  if (!keepdim) out = Tensor.fromStorage(out.data, out.dtype, dropDims(x.shape, dims)); // out is fresh: drop the kept dims in place
  return { out, dims };
}

export function sum(x: Tensor, dims: number | readonly number[] | null | undefined, keepdim: boolean): Tensor {
  const { out, dims: ds } = simpleReduce('sum', x, dims, keepdim);
  if (!isFloating(out.dtype)) return out;
  const inShape = x.shape;
  return record(out, 'sum', [x], (g) => [expandBack(g, inShape, ds, keepdim)]);
}

export function mean(x: Tensor, dims: number | readonly number[] | null | undefined, keepdim: boolean): Tensor {
  const { out, dims: ds } = simpleReduce('mean', x, dims, keepdim);
  const count = sizeOf(ds.map((d) => x.shape[d]!));
  const inShape = x.shape;
  return record(out, 'mean', [x], (g) => [expandBack(g.div(count), inShape, ds, keepdim)]);
}

function extreme(which: 'max' | 'min', x: Tensor, dims: number | readonly number[] | null | undefined, keepdim: boolean): Tensor {
  const { out, dims: ds } = simpleReduce(which, x, dims, keepdim);
  if (!isFloating(out.dtype)) return out;
  const inShape = x.shape;
  // The gradient is shared evenly among the elements equal to the extreme (as PyTorch's amax).
  return record(out, which === 'max' ? 'amax' : 'amin', [x], (g) => {
    const o = expandBack(out, inShape, ds, keepdim);
    const mask = x.eq(o).to(g.dtype);
    const count = mask.sum(ds, true);
    return [expandBack(g, inShape, ds, keepdim).mul(mask).div(count)];
  }, [x, out]);
}

export function amax(x: Tensor, dims: number | readonly number[] | null | undefined, keepdim: boolean): Tensor {
  return extreme('max', x, dims, keepdim);
}

export function amin(x: Tensor, dims: number | readonly number[] | null | undefined, keepdim: boolean): Tensor {
  return extreme('min', x, dims, keepdim);
}

export function prod(x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  checkTensor(x, 'prod');
  const dims = dim === null || dim === undefined ? normalizeDims(undefined, x.ndim, 'prod') : [normalizeDim(dim, x.ndim, 'prod')];
  const { out } = simpleReduce('prod', x, dims, keepdim);
  if (!isFloating(out.dtype)) return out;
  const inShape = x.shape;
  return record(out, 'prod', [x], (g) => [expandBack(g, inShape, dims, keepdim).mul(productOfOthers(x, dims))], [x]);
}

/** For each element, the product of the other elements of its reduction slice (exact with zeros). */
function productOfOthers(x: Tensor, dims: readonly number[]): Tensor {
  const xc = contiguousAs(x, x.dtype === 'float64' ? 'float64' : 'float32');
  const shape = x.shape;
  // Move to [outer, red, inner] with the reduced dims adjacent: dims are either all dims or one.
  const a = dims[0] ?? 0, b = dims[dims.length - 1] ?? -1;
  const outer = sizeOf(shape.slice(0, a)), red = sizeOf(shape.slice(a, b + 1)), inner = sizeOf(shape.slice(b + 1));
  const src = xc.data as Float32Array | Float64Array, base = xc.offset;
  const res = Tensor.empty(shape, xc.dtype);
  const dst = res.data as Float32Array | Float64Array;
  const prefix = new Float64Array(red + 1);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (r: number) => o * red * inner + r * inner + i;
      prefix[0] = 1;
      for (let r = 0; r < red; r++) prefix[r + 1] = prefix[r]! * src[base + at(r)]!;
      let suffix = 1;
      for (let r = red - 1; r >= 0; r--) {
        dst[at(r)] = prefix[r]! * suffix;
        suffix *= src[base + at(r)]!;
      }
    }
  }
  return res.dtype === x.dtype ? res : res.to(x.dtype);
}

/** max(dim) / min(dim): values with their int64 indices, as PyTorch's named tuple. */
export function maxWithIndices(x: Tensor, dim: number, keepdim: boolean, which: 'max' | 'min'): { values: Tensor; indices: Tensor } {
  checkTensor(x, which);
  const d = normalizeDim(dim, x.ndim, which);
  if (x.ndim > 0 && x.shape[d] === 0) throw new RangeError(`${which}: cannot reduce over dimension ${d} of size 0 (input ${shapeStr(x.shape)})`);
  const indices = argExtreme(x, d, true, which === 'max' ? 'argmax' : 'argmin');
  const values = noGrad(() => x.gather(x.ndim === 0 ? 0 : d, indices));
  const inShape = x.shape;
  const finalValues = keepdim || x.ndim === 0 ? values : values.squeeze(d);
  const finalIndices = keepdim || x.ndim === 0 ? indices : indices.squeeze(d);
  if (!isFloating(x.dtype)) return { values: finalValues, indices: finalIndices };
  const v = record(finalValues.detach(), which, [x], (g) => {
    const gk = keepdim || x.ndim === 0 ? g : g.unsqueeze(d);
    return [scatterRaw(Tensor.empty(inShape, g.dtype), x.ndim === 0 ? 0 : d, indices, gk, 'add')];
  });
  return { values: v, indices: finalIndices };
}

export function argExtreme(x: Tensor, dim: number | null | undefined, keepdim: boolean, op: 'argmax' | 'argmin'): Tensor {
  checkTensor(x, op);
  if (dim === null || dim === undefined) {
    if (x.numel() === 0) throw new RangeError(`${op}: cannot take the ${op} of an empty tensor`);
    const flat = contiguousAs(x, isHalf(x.dtype) ? 'float32' : x.dtype);
    const out = Tensor.empty(keepdim ? x.shape.map(() => 1) : [], 'int64');
    backend().reduce(op, flat.data, flat.offset, 1, flat.numel(), 1, out.data);
    return out;
  }
  const d = normalizeDim(dim, x.ndim, op);
  if (x.ndim === 0) return Tensor.empty([], 'int64');
  if (x.shape[d] === 0) throw new RangeError(`${op}: cannot reduce over dimension ${d} of size 0 (input ${shapeStr(x.shape)})`);
  const xc = contiguousAs(x, isHalf(x.dtype) ? 'float32' : x.dtype);
  const outShape = x.shape.slice();
  outShape[d] = 1;
  const out = Tensor.empty(outShape, 'int64');
  if (out.numel() > 0) backend().reduce(op, xc.data, xc.offset, sizeOf(x.shape.slice(0, d)), x.shape[d]!, sizeOf(x.shape.slice(d + 1)), out.data);
  return keepdim ? out : out.squeeze(d).detach();
}

export function variance(x: Tensor, dims: number | readonly number[] | null | undefined, correction: number, keepdim: boolean): Tensor {
  checkTensor(x, 'var');
  if (!isFloating(x.dtype)) throw new TypeError(`var: expected a floating-point tensor, got ${x.dtype}`);
  const ds = normalizeDims(dims, x.ndim, 'var');
  const n = sizeOf(ds.map((d) => x.shape[d]!));
  const centered = x.sub(x.mean(ds, true));
  return centered.square().sum(ds, keepdim).div(Math.max(0, n - correction));
}

export interface VarianceOptions {
  /** Subtracted from the count in the divisor: 1 (Bessel's correction, the default) or 0 (biased). */
  correction?: number;
  keepdim?: boolean;
}

/** var/std with their options object checked. */
export function varianceWithOptions(x: Tensor, dims: number | readonly number[] | null | undefined, options: VarianceOptions | undefined, op: 'var' | 'std'): Tensor {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError(`${op}: expected an options object, got ${describe(options)}`);
  const correction = options?.correction ?? 1;
  if (typeof correction !== 'number' || !Number.isFinite(correction)) throw new TypeError(`${op}: expected a finite number for correction, got ${describe(correction)}`);
  checkTensor(x, op);
  if (!isFloating(x.dtype)) throw new TypeError(`${op}: expected a floating-point tensor, got ${x.dtype}`);
  return variance(x, dims, correction, options?.keepdim ?? false);
}

export function logsumexp(x: Tensor, dims: number | readonly number[], keepdim: boolean): Tensor {
  checkTensor(x, 'logsumexp');
  const ds = normalizeDims(dims, x.ndim, 'logsumexp');
  const xf = isFloating(x.dtype) ? x : x.to('float32');
  // Shift by the (detached) max for stability; an infinite max shifts by 0 instead.
  const m = noGrad(() => {
    if (xf.numel() === 0) return filled(xf.shape.map((s, d) => (ds.includes(d) ? 1 : s)), xf.dtype, 0); // an empty sum: log 0 = -Infinity
    const mx = xf.amax(ds, true);
    return mx.where(mx.isfinite(), 0);
  });
  const out = xf.sub(m).exp().sum(ds, true).log().add(m);
  return keepdim ? out : out.squeeze(ds);
}

export function norm(x: Tensor, p: number, dimsArg: number | readonly number[] | null | undefined, keepdim: boolean): Tensor {
  checkTensor(x, 'norm');
  if (!isFloating(x.dtype)) throw new TypeError(`norm: expected a floating-point tensor, got ${x.dtype}`);
  if (typeof p !== 'number' || Number.isNaN(p) || p < 0) throw new RangeError(`norm: expected p >= 0 (or Infinity), got ${p}`);
  const dims = normalizeDims(dimsArg, x.ndim, 'norm');
  if (dims.length === 0) return p === 0 ? x.ne(0).to(x.dtype) : x.abs(); // a 0-d tensor: |x|
  const inShape = x.shape;
  // Accumulate in float64 so that large values do not overflow before the root is taken.
  const xc = contiguousAs(x, x.dtype === 'float64' ? 'float64' : 'float32');
  const op: ReduceOp = p === Infinity ? 'maxAbs' : p === 1 ? 'sumAbs' : p === 2 ? 'sumSquares' : 'sum';
  const base = p === Infinity || p === 1 || p === 2 ? xc : p === 0 ? xc.ne(0).to('float64') : powAbs(xc, p);
  let acc = reduceKeep(op, base, dims, 'float64');
  if (p === 2) acc = acc.sqrt();
  else if (p !== Infinity && p !== 1 && p !== 0) acc = acc.pow(1 / p);
  let out = contiguousAs(acc, x.dtype);
  if (!keepdim) out = out.reshape(dropDims(inShape, dims)).detach();
  const result = out;
  return record(result, 'norm', [x], (g) => {
    const nk = expandBack(result, inShape, dims, keepdim);
    const gk = expandBack(g, inShape, dims, keepdim);
    if (p === 0) return [x.mul(0)];
    if (p === 1) return [gk.mul(x.sign())];
    if (p === Infinity) {
      const mask = x.abs().eq(nk).to(x.dtype);
      return [gk.mul(x.sign()).mul(mask).div(mask.sum(dims, true))];
    }
    // d||x||_p / dx = sign(x) |x|^(p-1) / ||x||^(p-1), taken as 0 where the norm is 0 (and, for
    // p < 1 where |x|^(p-1) is infinite, where x is 0, as PyTorch)
    const scale = p === 2 ? x : p < 1 ? x.sign().mul(x.abs().pow(p - 1)).where(x.ne(0), 0) : x.sign().mul(x.abs().pow(p - 1));
    const den = p === 2 ? nk : nk.pow(p - 1);
    return [gk.mul(scale).div(den).where(nk.ne(0), 0)];
  }, [x, result]);
}

function powAbs(x: Tensor, p: number): Tensor {
  return noGrad(() => x.to('float64').abs().pow(p));
}

export function anyAll(x: Tensor, dim: number | null | undefined, keepdim: boolean, op: 'any' | 'all'): Tensor {
  checkTensor(x, op);
  const dims = dim === null || dim === undefined ? normalizeDims(undefined, x.ndim, op) : [normalizeDim(dim, x.ndim, op)];
  const xc = contiguousAs(x, isHalf(x.dtype) ? 'float32' : x.dtype);
  let out = dims.length === 0 ? xc.ne(0) : reduceKeep(op, xc, dims, 'bool');
  if (!keepdim) out = out.reshape(dropDims(x.shape, dims)).detach();
  return out;
}
