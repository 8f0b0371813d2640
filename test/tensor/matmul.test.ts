// matmul: 1-d, 2-d and batched operands with broadcasting, against a float64 reference; strided
// operands reach GEMM without copies; empty sizes; dtypes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, tensor, zeros, type Tensor } from '../../src/index.js';
import { jsBackend, setBackend, backendInfo } from '../../src/backend/index.js';
import { assertClose, rng, randomInt } from '../helpers.js';

/** out[...b, i, j] = sum_p a[...b, i, p] * b[...b, p, j] in float64 with broadcasting, through toArray. */
function reference(a: Tensor, b: Tensor): { shape: number[]; values: number[] } {
  const A = a.ndim === 1 ? a.unsqueeze(0) : a, B = b.ndim === 1 ? b.unsqueeze(-1) : b;
  const m = A.shape[A.ndim - 2]!, k = A.shape[A.ndim - 1]!, n = B.shape[B.ndim - 1]!;
  const batchA = A.shape.slice(0, -2), batchB = B.shape.slice(0, -2);
  const nb = Math.max(batchA.length, batchB.length);
  const batch = Array.from({ length: nb }, (_, i) => {
    const x = batchA[batchA.length - nb + i] ?? 1, y = batchB[batchB.length - nb + i] ?? 1;
    return x === 1 ? y : x;
  });
  const av = A.to('float64').contiguous().toTypedArray() as Float64Array, bv = B.to('float64').contiguous().toTypedArray() as Float64Array;
  const total = batch.reduce((p, q) => p * q, 1);
  const values: number[] = [];
  for (let t = 0; t < total; t++) {
    let rem = t, offA = 0, offB = 0, sA = m * k, sB = k * n;
    for (let d = nb - 1; d >= 0; d--) {
      const idx = rem % batch[d]!;
      rem = Math.floor(rem / batch[d]!);
      const da = batchA[batchA.length - nb + d], db = batchB[batchB.length - nb + d];
      if (da !== undefined) { offA += (da === 1 ? 0 : idx) * sA; sA *= da; }
      if (db !== undefined) { offB += (db === 1 ? 0 : idx) * sB; sB *= db; }
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += av[offA + i * k + p]! * bv[offB + p * n + j]!;
        values.push(s);
      }
    }
  }
  const shape = [...batch, ...(a.ndim === 1 ? [] : [m]), ...(b.ndim === 1 ? [] : [n])];
  return { shape, values };
}

function check(a: Tensor, b: Tensor, what: string, rtol = 1e-5): void {
  const out = a.matmul(b);
  const want = reference(a, b);
  assert.deepEqual([...out.shape], want.shape, `${what}: shape`);
  assertClose(Array.from(out.to('float64').toTypedArray() as Float64Array), want.values, { rtol, atol: rtol }, what);
}

test('matmul of 1-d and 2-d operands in every combination', () => {
  manualSeed(2);
  check(randn([5]), randn([5]), '1d @ 1d');
  assert.deepEqual(randn([5]).matmul(randn([5])).shape, []);
  check(randn([3, 5]), randn([5]), '2d @ 1d');
  check(randn([5]), randn([5, 4]), '1d @ 2d');
  check(randn([3, 5]), randn([5, 4]), '2d @ 2d');
  check(randn([1, 1]), randn([1, 1]), '1x1');
  check(randn([7, 13]), randn([13, 9]), 'odd sizes');
  const a = randn([4, 5]), b = randn([5, 6]);
  assert.deepEqual(a.mm(b).toArray(), a.matmul(b).toArray());
});

test('batched matmul broadcasts batch dims (and 1-d operands) like PyTorch', () => {
  manualSeed(3);
  check(randn([2, 1, 3, 4]), randn([5, 4, 2]), '[2,1,3,4] @ [5,4,2]');
  check(randn([2, 3, 4]), randn([4]), '[2,3,4] @ [4]');
  check(randn([4]), randn([2, 4, 3]), '[4] @ [2,4,3]');
  check(randn([3, 4]), randn([2, 2, 4, 5]), '[3,4] @ [2,2,4,5]');
  check(randn([2, 3, 4]), randn([2, 4, 5]), 'bmm');
  assert.deepEqual(randn([2, 3, 4]).bmm(randn([2, 4, 5])).shape, [2, 3, 5]);
  assert.deepEqual(randn([2, 1, 3, 4]).matmul(randn([5, 4, 2])).shape, [2, 5, 3, 2]);
});

test('strided operands: transposed, permuted, sliced and expanded views give the right products', () => {
  manualSeed(4);
  const r = rng(8);
  for (let trial = 0; trial < 20; trial++) {
    const m = randomInt(r, 1, 9), k = randomInt(r, 1, 9), n = randomInt(r, 1, 9), bsz = randomInt(r, 1, 3);
    const a = r() < 0.5 ? randn([bsz, k, m]).transpose(1, 2) : randn([m, bsz, k]).permute(1, 0, 2);
    const b = r() < 0.5 ? randn([bsz, n, k]).transpose(-1, -2) : randn([bsz, k, 2 * n]).slice(2, 0, 2 * n, 2);
    check(a, b, `trial ${trial} [${a.shape}] @ [${b.shape}]`);
    check(a.select(0, 0), b, `trial ${trial} 2-d @ batched`);
    check(a, randn([k, n]).expand(bsz, k, n), `trial ${trial} expanded`);
    check(a.select(0, 0).select(0, 0), b.select(0, 0), `trial ${trial} a strided vector`);
  }
});

test('transposed views go to GEMM as they are, without a copy', () => {
  const before = backendInfo().backend;
  setBackend('js');
  const original = jsBackend.gemm;
  const seen: { a: unknown; b: unknown; transA: boolean; transB: boolean }[] = [];
  (jsBackend as { gemm: typeof original }).gemm = (...args: Parameters<typeof original>) => {
    seen.push({ transA: args[0], transB: args[1], a: args[6], b: args[9] });
    original(...args);
  };
  try {
    const a = randn([5, 3]), b = randn([4, 5]);
    const out = a.t().matmul(b.t());
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.a, a.data, 'A read in place');
    assert.equal(seen[0]!.b, b.data, 'B read in place');
    assert.equal(seen[0]!.transA, true);
    assert.equal(seen[0]!.transB, true);
    check(a.t(), b.t(), 'transposed values');
    assert.deepEqual(out.shape, [3, 4]);
    seen.length = 0;
    const big = randn([6, 8]), wide = randn([8, 10]);
    big.narrow(0, 1, 3).matmul(wide.narrow(1, 2, 5));
    assert.equal(seen[0]!.a, big.data, 'a row-narrowed operand (offset, ld 8) is read in place');
    assert.equal(seen[0]!.b, wide.data, 'a column-narrowed operand (ld 10) is read in place');
    check(big.narrow(0, 1, 3), wide.narrow(1, 2, 5), 'narrowed values');
    seen.length = 0;
    const batch = randn([3, 4, 5]);
    batch.transpose(1, 2).matmul(randn([4, 2]).expand(3, 4, 2));
    assert.equal(seen[0]!.a, batch.data, 'batched transposed operand read in place');
  } finally {
    (jsBackend as { gemm: typeof original }).gemm = original;
    setBackend(before);
  }
});

test('empty sizes: zero rows, columns, inner size or batch', () => {
  assert.deepEqual(zeros(0, 3).matmul(zeros(3, 4)).shape, [0, 4]);
  assert.deepEqual(zeros(2, 3).matmul(zeros(3, 0)).shape, [2, 0]);
  assert.deepEqual(zeros(2, 0).matmul(zeros(0, 4)).toArray(), [[0, 0, 0, 0], [0, 0, 0, 0]]);
  assert.deepEqual(zeros(0).matmul(zeros(0)).item(), 0);
  assert.deepEqual(zeros(0, 2, 3).matmul(zeros(3, 4)).shape, [0, 2, 4]);
  // a NaN-filled output buffer must not leak: beta = 0 does not read C
  const a = tensor([[NaN, 1]], { dtype: 'float32' }).narrow(1, 1, 1);
  assert.deepEqual(a.matmul(tensor([[2]], { dtype: 'float32' })).toArray(), [[2]]);
});

test('dtypes: float64 and integers exact, halves round once, mixed floats promote', () => {
  const i = tensor([[1, 2], [3, 4]]).matmul(tensor([[5], [6]]));
  assert.equal(i.dtype, 'int64');
  assert.deepEqual(i.toArray(), [[17], [39]]);
  assert.equal(tensor([[2 ** 40]]).matmul(tensor([[3]])).item(), 3 * 2 ** 40);
  const h = tensor([[1, 2048]], { dtype: 'float16' }).matmul(tensor([[1], [1]], { dtype: 'float16' }));
  assert.equal(h.dtype, 'float16');
  assert.equal(h.item(), 2048, '2049 rounds to even in float16');
  assert.equal(tensor([[1, 2]], { dtype: 'float32' }).matmul(tensor([[1], [1]], { dtype: 'float64' })).dtype, 'float64');
  check(randn([3, 4], { dtype: 'float64' }), randn([4, 2], { dtype: 'float64' }), 'float64', 1e-12);
});

test('shape errors name matmul, mm or bmm and the shapes', () => {
  assert.throws(() => zeros(2, 3).matmul(zeros(4, 2)), /matmul: shapes \[2, 3\] and \[4, 2\] cannot be multiplied \(3 vs 4\)/);
  assert.throws(() => zeros(3).matmul(zeros(4)), /matmul: shapes \[3\] and \[4\] cannot be multiplied/);
  assert.throws(() => tensor(1).matmul(zeros(1)), /matmul: both operands need at least 1 dimension/);
  assert.throws(() => zeros(2, 2, 3).matmul(zeros(3, 3, 2)), /matmul: shapes \[2\] and \[3\] cannot be broadcast/);
  assert.throws(() => zeros(2, 3).mm(zeros(3)), /mm: expected two 2-d tensors, got shapes \[2, 3\] and \[3\]/);
  assert.throws(() => zeros(2, 3, 4).bmm(zeros(3, 4, 2)), /bmm: expected two 3-d tensors with the same batch size/);
  assert.throws(() => zeros(2).matmul(5 as never), /matmul: expected the second operand to be a Tensor, got number 5/);
});
