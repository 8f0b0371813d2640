// Indexing and joining: gather, scatter, indexSelect, cat, stack, pad.

import { record } from '../../autograd/graph.js';
import { describe, isHalf, promoteTypes, type DType, type StorageArray } from '../dtype.js';
import { checkAllocation, normalizeDim, shapeStr, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkTensor, scalarTensor } from './elementwise.js';
import { contiguousAs, contiguousCopy, copyStridedInto, filled } from './convert.js';

function checkIndex(index: unknown, op: string): Tensor {
  const t = checkTensor(index, op, 'index');
  if (t.dtype !== 'int64' && t.dtype !== 'int32') throw new TypeError(`${op}: expected an int64 or int32 index tensor, got ${t.dtype}`);
  return t;
}

/** Index values as numbers, contiguous. */
function indexValues(index: Tensor): Float64Array {
  const c = contiguousAs(index, index.dtype);
  const n = c.numel(), out = new Float64Array(n), d = c.data;
  for (let i = 0; i < n; i++) out[i] = Number(d[c.offset + i]!);
  return out;
}

function addElement(dst: StorageArray, i: number, src: StorageArray, j: number): void {
  if (dst instanceof BigInt64Array) dst[i] = dst[i]! + (src as BigInt64Array)[j]!;
  else (dst as Float32Array)[i] = (dst as Float32Array)[i]! + (src as Float32Array)[j]!;
}

/**
 * Walks index (contiguous, same ndim as the data) and yields, for each element, its flat
 * position p in index/src layout and the flat position q in a contiguous tensor of dataShape
 * with the `dim` coordinate replaced by the index value. Checks bounds.
 */
function walkIndex(op: string, dataShape: readonly number[], dim: number, index: Tensor, visit: (p: number, q: number) => void): void {
  const idx = indexValues(index);
  const ishape = index.shape, nd = ishape.length;
  const dataStrides = new Array<number>(nd);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) { dataStrides[d] = s; s *= dataShape[d]!; }
  const coord = new Array<number>(nd).fill(0);
  const size = dataShape[dim] ?? 1;
  for (let p = 0; p < idx.length; p++) {
    const v = idx[p]!;
    if (!(v >= -size && v < size)) throw new RangeError(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size}`);
    let q = 0;
    for (let d = 0; d < nd; d++) q += (d === dim ? (v < 0 ? v + size : v) : coord[d]!) * dataStrides[d]!;
    visit(p, q);
    for (let d = nd - 1; d >= 0; d--) {
      if (++coord[d]! < ishape[d]!) break;
      coord[d] = 0;
    }
  }
}

function checkGatherShapes(op: string, data: Tensor, dim: number, index: Tensor, other?: Tensor): void {
  if (index.ndim !== data.ndim && !(data.ndim === 0 && index.ndim <= 1)) {
    throw new RangeError(`${op}: index must have as many dimensions as the input (${data.ndim}), got ${index.ndim}`);
  }
  for (let d = 0; d < index.ndim; d++) {
    if (d !== dim && index.shape[d]! > (data.shape[d] ?? 1)) throw new RangeError(`${op}: index ${shapeStr(index.shape)} is larger than the input ${shapeStr(data.shape)} in dimension ${d}`);
    if (other && index.shape[d]! > (other.shape[d] ?? 1)) throw new RangeError(`${op}: index ${shapeStr(index.shape)} is larger than src ${shapeStr(other.shape)} in dimension ${d}`);
  }
}

export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, 'gather');
  checkIndex(index, 'gather');
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, 'gather');
  checkGatherShapes('gather', x, d, index);
  const xc = contiguousAs(x, x.dtype);
  const out = Tensor.empty(index.shape, x.dtype);
  const src = xc.data, dst = out.data, off = xc.offset;
  walkIndex('gather', x.ndim === 0 ? [1] : x.shape, d, index, (p, q) => { (dst as Float32Array)[p] = (src as Float32Array)[off + q]!; });
  const inShape = x.shape;
  return record(out, 'gather', [x], (g) => [scatterRaw(Tensor.empty(inShape, g.dtype), d, index, g, 'add')]);
}

/** out = target with src scattered in (reduce 'none': written, 'add': added); target is modified (no autograd). */
export function scatterRaw(target: Tensor, dim: number, index: Tensor, src: Tensor, reduce: 'none' | 'add'): Tensor {
  const half = isHalf(target.dtype);
  const work = half ? contiguousAs(target, 'float32') : target;
  const s = contiguousAs(src, work.dtype);
  const sData = s.data, sOff = s.offset, sStrides = s.strides;
  const tData = work.data, tOff = work.offset;
  // src may be larger than index: read it through its own strides at the index coordinates.
  const ishape = index.shape;
  const coordStride = new Array<number>(ishape.length);
  let acc = 1;
  for (let d = ishape.length - 1; d >= 0; d--) { coordStride[d] = acc; acc *= ishape[d]!; }
  walkIndex('scatter', target.ndim === 0 ? [1] : target.shape, dim, index, (p, q) => {
    let j = sOff;
    for (let d = 0; d < ishape.length; d++) j += Math.floor(p / coordStride[d]!) % ishape[d]! * (sStrides[d] ?? 0);
    if (reduce === 'add') addElement(tData, tOff + q, sData, j);
    else (tData as Float32Array)[tOff + q] = (sData as Float32Array)[j]!;
  });
  if (half) copyStridedInto(contiguousAs(work, target.dtype), target);
  return target;
}

export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number, reduce: 'none' | 'add'): Tensor {
  checkTensor(x, 'scatter');
  checkIndex(index, 'scatter');
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, 'scatter');
  const s = typeof src === 'number' ? scalarTensor(src, x.dtype).expand(index.shape as number[]) : checkTensor(src, 'scatter', 'src');
  if (s.dtype !== x.dtype) throw new TypeError(`scatter: src has dtype ${s.dtype}, expected ${x.dtype} like the input`);
  checkGatherShapes('scatter', x, d, index, s);
  const out = scatterRaw(contiguousCopy(x), d, index, s, reduce);
  const srcShape = s.shape;
  return record(out, reduce === 'add' ? 'scatterAdd' : 'scatter', [x, s], (g) => {
    const gx = reduce === 'add' ? g : scatterRaw(contiguousCopy(g), d, index, corner(filled(g.shape, g.dtype, 0), index.shape), 'none');
    let gs: Tensor | null = null;
    if (s.requiresGrad) {
      const picked = gather(g, d, index);
      gs = picked.shape.every((v, i) => v === srcShape[i]) ? picked : padTo(picked, srcShape);
    }
    return [gx, gs];
  });
}

/** Zero-pads (at the end of each dim) a tensor up to shape. */
function padTo(t: Tensor, shape: readonly number[]): Tensor {
  const out = Tensor.empty(shape, t.dtype);
  copyStridedInto(t, corner(out, t.shape));
  return out;
}

/** The leading corner of t with the given shape (a view). */
function corner(t: Tensor, shape: readonly number[]): Tensor {
  let r = t;
  for (let d = 0; d < shape.length; d++) r = r.narrow(d, 0, shape[d]!);
  return r;
}

export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, 'indexSelect');
  checkIndex(index, 'indexSelect');
  if (index.ndim > 1) throw new RangeError(`indexSelect: expected a 1-d index, got shape ${shapeStr(index.shape)}`);
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, 'indexSelect');
  const idx = indexValues(index);
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  const outShape = x.ndim === 0 ? [] : x.shape.slice();
  if (x.ndim > 0) outShape[d] = idx.length;
  const out = Tensor.empty(outShape, x.dtype);
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (!(v >= -size && v < size)) throw new RangeError(`indexSelect: index ${v} is out of bounds for dimension ${d} with size ${size}`);
    if (x.ndim === 0) { copyStridedInto(x, out); continue; }
    copyStridedInto(x.select(d, v < 0 ? v + size : v).detach(), out.select(d, i).detach());
  }
  const inShape = x.shape;
  return record(out, 'indexSelect', [x], (g) => {
    const gx = Tensor.empty(inShape, g.dtype);
    if (x.ndim === 0) return [g.sum()];
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i]! < 0 ? idx[i]! + size : idx[i]!;
      const dst = gx.select(d, v).detach();
      dst.add_(g.select(d, i));
    }
    return [gx];
  });
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) throw new TypeError(`cat: expected a non-empty array of tensors, got ${describe(tensors)}`);
  tensors.forEach((t, i) => checkTensor(t, 'cat', `tensors[${i}]`));
  const first = tensors[0]!;
  if (first.ndim === 0) throw new RangeError('cat: zero-dimensional tensors cannot be concatenated; use stack');
  const d = normalizeDim(dim, first.ndim, 'cat');
  let dtype: DType = first.dtype;
  let total = 0;
  for (const [i, t] of tensors.entries()) {
    if (t.ndim !== first.ndim) throw new RangeError(`cat: tensors[${i}] has ${t.ndim} dimensions, expected ${first.ndim} like tensors[0]`);
    for (let k = 0; k < t.ndim; k++) {
      if (k !== d && t.shape[k] !== first.shape[k]) throw new RangeError(`cat: tensors[${i}] has shape ${shapeStr(t.shape)}, which differs from tensors[0] ${shapeStr(first.shape)} outside dimension ${d}`);
    }
    dtype = promoteTypes(dtype, t.dtype);
    total += t.shape[d]!;
  }
  const shape = first.shape.slice();
  shape[d] = total;
  const out = Tensor.uninitialized(shape, dtype); // the pieces cover it
  let start = 0;
  for (const t of tensors) {
    const len = t.shape[d]!;
    if (len > 0 && sizeOf(t.shape) > 0) copyStridedInto(t.dtype === dtype ? t : contiguousAs(t, dtype), out.narrow(d, start, len).detach());
    start += len;
  }
  const sizes = tensors.map((t) => t.shape[d]!);
  return record(out, 'cat', tensors, (g) => {
    let s = 0;
    return tensors.map((t, i) => {
      const piece = g.narrow(d, s, sizes[i]!);
      s += sizes[i]!;
      return t.requiresGrad ? (piece.dtype === t.dtype ? piece : piece.to(t.dtype)) : null;
    });
  });
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) throw new TypeError(`stack: expected a non-empty array of tensors, got ${describe(tensors)}`);
  tensors.forEach((t, i) => {
    checkTensor(t, 'stack', `tensors[${i}]`);
    if (t.shape.length !== tensors[0]!.shape.length || t.shape.some((v, k) => v !== tensors[0]!.shape[k])) {
      throw new RangeError(`stack: tensors[${i}] has shape ${shapeStr(t.shape)}, expected ${shapeStr(tensors[0]!.shape)} like tensors[0]`);
    }
  });
  const d = normalizeDim(dim, tensors[0]!.ndim, 'stack', 1);
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}

/**
 * Pads the last dims: pads = [left, right] for the last dim, then [top, bottom] for the one
 * before, and so on (PyTorch's F.pad order). Negative pads crop. mode 'constant' only.
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  checkTensor(x, 'pad');
  if (typeof value !== 'number') throw new TypeError(`pad: expected a number fill value, got ${describe(value)}`);
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length / 2 > x.ndim || pads.some((p) => !Number.isInteger(p))) {
    throw new RangeError(`pad: expected an even-length array of integers covering at most ${x.ndim} dims, got [${String(pads)}]`);
  }
  const shape = x.shape.slice();
  let src: Tensor = x;
  const dstStart = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    const lo = pads[2 * i]!, hi = pads[2 * i + 1]!;
    const size = shape[d]! + lo + hi;
    if (size < 0) throw new RangeError(`pad: padding [${lo}, ${hi}] makes dimension ${d} of size ${shape[d]} negative`);
    // Crop the source where a pad is negative.
    const cropLo = Math.max(0, -lo), cropHi = Math.max(0, -hi);
    src = src.narrow(d, cropLo, Math.max(0, shape[d]! - cropLo - cropHi));
    dstStart[d] = Math.max(0, lo);
    shape[d] = size;
  }
  checkAllocation(shape, x.dtype, 'pad');
  const out = filled(shape, x.dtype, value);
  let region = out;
  for (let d = 0; d < x.ndim; d++) region = region.narrow(d, dstStart[d]!, src.shape[d]!);
  if (src.numel() > 0) copyStridedInto(src.detach(), region.detach());
  const result = out.detach();
  const inShape = x.shape;
  return record(result, 'pad', [x], (g) => {
    let gr = g;
    for (let d = 0; d < x.ndim; d++) gr = gr.narrow(d, dstStart[d]!, src.shape[d]!);
    const gx = Tensor.empty(inShape, g.dtype);
    let dst = gx;
    for (let i = 0; i < pads.length / 2; i++) {
      const d = x.ndim - 1 - i;
      dst = dst.narrow(d, Math.max(0, -pads[2 * i]!), src.shape[d]!);
    }
    copyStridedInto(gr, dst);
    return [gx];
  });
}
