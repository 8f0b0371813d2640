// Matrix products. Strided operands go to GEMM as they are when one of their two inner strides
// is 1 (a transposed view costs nothing); broadcast batch dims keep stride 0.

import { backend } from '../../backend/index.js';
import { record } from '../../autograd/graph.js';
import { autocastArgs } from '../../autograd/autocast.js';
import { isFloating, promoteTypes, type DType, type FloatArray } from '../dtype.js';
import { broadcastShapes, coalesce, shapeStr, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkTensor } from './elementwise.js';
import { contiguousAs, contiguousCopy } from './convert.js';

interface GemmOperand {
  t: Tensor;
  trans: boolean;
  ld: number;
  batchStride: number;
}

/** Describes the [batch..., rows, cols] tensor t as GEMM input, copying only if it must. */
function asOperand(t: Tensor): GemmOperand {
  const nd = t.ndim, rows = t.shape[nd - 2]!, cols = t.shape[nd - 1]!;
  const batchShape = t.shape.slice(0, nd - 2);
  const c = coalesce(batchShape, [t.strides.slice(0, nd - 2)]);
  const batchOk = c.shape.length <= 1;
  const rs = t.strides[nd - 2]!, cs = t.strides[nd - 1]!;
  if (batchOk) {
    const batchStride = c.shape.length === 1 ? c.strides[0]![0]! : 0;
    if ((cs === 1 || cols === 1) && rs >= Math.max(1, cols)) return { t, trans: false, ld: rs, batchStride };
    if ((rs === 1 || rows === 1) && cs >= Math.max(1, rows)) return { t, trans: true, ld: cs, batchStride };
    if (rows <= 1 && cols <= 1) return { t, trans: false, ld: 1, batchStride };
  }
  const cc = contiguousCopy(t);
  return { t: cc, trans: false, ld: Math.max(1, cols), batchStride: rows * cols };
}

/** out[..., M, N] = a[..., M, K] @ b[..., K, N], same batch shape on both (no autograd). */
function bmmRaw(a: Tensor, b: Tensor, dtype: DType): Tensor {
  const nd = a.ndim;
  const m = a.shape[nd - 2]!, k = a.shape[nd - 1]!, n = b.shape[nd - 1]!;
  const batchShape = a.shape.slice(0, nd - 2);
  const batch = sizeOf(batchShape);
  const compute: DType = dtype === 'float64' || !isFloating(dtype) ? 'float64' : 'float32';
  const A = asOperand(a.dtype === compute ? a : contiguousAs(a, compute));
  const B = asOperand(b.dtype === compute ? b : contiguousAs(b, compute));
  let out = Tensor.uninitialized([...batchShape, m, n], compute);
  if (batch > 0 && m > 0 && n > 0) {
    backend().gemm(A.trans, B.trans, m, n, k, 1, A.t.data as FloatArray, A.t.offset, A.ld, B.t.data as FloatArray, B.t.offset, B.ld, 0,
      out.data as FloatArray, 0, n, batch, A.batchStride, B.batchStride, m * n);
  }
  if (compute !== dtype) out = contiguousAs(out, dtype);
  return out;
}

/** Differentiable batched product with equal batch shapes. */
function bmmSameBatch(a: Tensor, b: Tensor): Tensor {
  const dtype = promoteTypes(a.dtype, b.dtype);
  const out = bmmRaw(a, b, dtype);
  if (!isFloating(dtype)) return out;
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? castTo(bmmSameBatch(g, b.transpose(-1, -2)), a.dtype) : null,
    b.requiresGrad ? castTo(bmmSameBatch(a.transpose(-1, -2), g), b.dtype) : null,
  ], [a, b]);
}

function castTo(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : t.to(dtype);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'matmul', 'the first operand');
  checkTensor(b, 'matmul', 'the second operand');
  [a, b] = autocastArgs('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) throw new RangeError(`matmul: both operands need at least 1 dimension, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(-1) : b;
  const k = a2.shape[a2.ndim - 1]!, k2 = b2.shape[b2.ndim - 2]!;
  if (k !== k2) throw new RangeError(`matmul: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied (${k} vs ${k2})`);
  const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), 'matmul');
  const m = a2.shape[a2.ndim - 2]!, n = b2.shape[b2.ndim - 1]!;
  const ae = a2.ndim - 2 === batch.length && a2.shape.slice(0, -2).every((v, i) => v === batch[i]) ? a2 : a2.expand([...batch, m, k]);
  const be = b2.ndim - 2 === batch.length && b2.shape.slice(0, -2).every((v, i) => v === batch[i]) ? b2 : b2.expand([...batch, k, n]);
  let out = bmmSameBatch(ae, be);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}

export function mm(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'mm', 'the first operand');
  checkTensor(b, 'mm', 'the second operand');
  if (a.ndim !== 2 || b.ndim !== 2) throw new RangeError(`mm: expected two 2-d tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  return matmul(a, b);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'bmm', 'the first operand');
  checkTensor(b, 'bmm', 'the second operand');
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new RangeError(`bmm: expected two 3-d tensors with the same batch size, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  return matmul(a, b);
}

