// Joining and indexing: cat, stack, gather, scatter, scatterAdd, indexSelect, pad, on any layout,
// with empty pieces and every dtype; their error messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, cat, ones, pad, stack, tensor, zeros, type Tensor } from '../../src/index.js';

const ar = (...shape: number[]) => arange(shape.reduce((a, b) => a * b, 1), { dtype: 'float32' }).reshape(shape);

test('cat joins along any dim, promotes dtypes, skips nothing and accepts strided pieces', () => {
  const a = ar(2, 3), b = ar(2, 1).add(100);
  assert.deepEqual(cat([a, b], 1).toArray(), [[0, 1, 2, 100], [3, 4, 5, 101]]);
  assert.deepEqual(cat([a, ar(1, 3).expand(2, 3)], 0).toArray(), [[0, 1, 2], [3, 4, 5], [0, 1, 2], [0, 1, 2]]);
  assert.deepEqual(cat([a.t(), a.t()], -1).toArray(), [[0, 3, 0, 3], [1, 4, 1, 4], [2, 5, 2, 5]]);
  assert.deepEqual(cat([a, zeros(0, 3), a.slice(0, 1)], 0).shape, [3, 3]);
  assert.deepEqual(cat([zeros(2, 0), zeros(2, 0)], 1).shape, [2, 0]);
  assert.deepEqual(cat([a]).toArray(), a.toArray());
  assert.notEqual(cat([a]).storage, a.storage, 'cat always copies');
  assert.equal(cat([tensor([1]), tensor([0.5], { dtype: 'float32' })]).dtype, 'float32');
  assert.equal(cat([tensor([1], { dtype: 'float16' }), tensor([2], { dtype: 'float64' })]).dtype, 'float64');
  assert.deepEqual(cat([tensor([true]), tensor([false])]).toArray(), [1, 0]);
  assert.deepEqual(cat([tensor([1], { dtype: 'int32' }), tensor([2], { dtype: 'uint8' })]).toArray(), [1, 2]);
  assert.throws(() => cat([]), /cat: expected a non-empty array of tensors, got an array of length 0/);
  assert.throws(() => cat([tensor(1), tensor(2)]), /cat: zero-dimensional tensors cannot be concatenated; use stack/);
  assert.throws(() => cat([a, zeros(3)]), /cat: tensors\[1\] has 1 dimensions, expected 2 like tensors\[0\]/);
  assert.throws(() => cat([a, zeros(3, 3)], 1), /cat: tensors\[1\] has shape \[3, 3\], which differs from tensors\[0\] \[2, 3\] outside dimension 1/);
  assert.throws(() => cat([a, 5 as never]), /cat: expected tensors\[1\] to be a Tensor, got number 5/);
  assert.throws(() => cat([a], 2), /cat: dim 2 is out of range/);
});

test('stack inserts a new dim at any position, including after the last and for 0-d tensors', () => {
  const a = ar(2, 3), b = ar(2, 3).neg();
  assert.deepEqual(stack([a, b]).shape, [2, 2, 3]);
  assert.deepEqual(stack([a, b], 2).shape, [2, 3, 2]);
  assert.deepEqual(stack([a, b], -1).select(2, 1).toArray(), b.toArray());
  assert.deepEqual(stack([tensor(1), tensor(2)]).toArray(), [1, 2]);
  assert.deepEqual(stack([zeros(0, 2), zeros(0, 2)], 1).shape, [0, 2, 2]);
  assert.throws(() => stack([a, ar(3, 2)]), /stack: tensors\[1\] has shape \[3, 2\], expected \[2, 3\] like tensors\[0\]/);
  assert.throws(() => stack([a, b], 3), /stack: dim 3 is out of range/);
});

test('gather picks along a dim with an index smaller than the input, on any layout', () => {
  const x = ar(3, 4);
  const idx = tensor([[3, 0], [1, 1], [0, 2]]);
  assert.deepEqual(x.gather(1, idx).toArray(), [[3, 0], [5, 5], [8, 10]]);
  assert.deepEqual(x.gather(0, tensor([[2, 0, 1]])).toArray(), [[8, 1, 6]]);
  assert.deepEqual(x.t().gather(0, idx).toArray(), [[3, 4], [1, 5], [0, 6]], 'a transposed input');
  assert.deepEqual(x.gather(1, tensor([[0, 1, 2]]).t().expand(3, 2)).toArray(), [[0, 0], [5, 5], [10, 10]], 'a strided index');
  assert.deepEqual(x.gather(1, tensor([[3], [2], [1]], { dtype: 'int32' })).toArray(), [[3], [6], [9]], 'int32 index');
  assert.deepEqual(x.gather(1, zeros([3, 0], { dtype: 'int64' })).shape, [3, 0]);
  assert.equal(tensor(5).gather(0, tensor(0)).item(), 5);
  for (const dtype of ['float16', 'int64', 'uint8', 'bool'] as const) {
    assert.deepEqual(tensor([[1, 0], [0, 1]], { dtype }).gather(1, tensor([[1], [1]])).toArray(), [[0], [1]], dtype);
  }
  assert.throws(() => x.gather(1, tensor([[4]])), /gather: index 4 is out of bounds for dimension 1 with size 4/);
  assert.throws(() => x.gather(1, tensor([[0.5]], { dtype: 'float32' })), /gather: expected an int64 or int32 index tensor, got float32/);
  assert.throws(() => x.gather(1, tensor([0])), /gather: index must have as many dimensions as the input \(2\), got 1/);
  assert.throws(() => x.gather(1, zeros([4, 1], { dtype: 'int64' })), /gather: index \[4, 1\] is larger than the input \[3, 4\] in dimension 0/);
});

test('scatter writes and scatterAdd accumulates, with tensor or number sources', () => {
  const base = zeros(3, 4);
  const idx = tensor([[0, 1, 2, 0], [2, 0, 0, 1]]);
  const src = ar(2, 4).add(1);
  assert.deepEqual(base.scatter(0, idx, src).toArray(), [[1, 6, 7, 4], [0, 2, 0, 8], [5, 0, 3, 0]]);
  assert.deepEqual(base.toArray(), zeros(3, 4).toArray(), 'scatter is out of place');
  assert.deepEqual(base.scatterAdd(0, tensor([[0, 0, 0, 0], [0, 0, 1, 1]]), src).toArray(), [[6, 8, 3, 4], [0, 0, 7, 8], [0, 0, 0, 0]]);
  assert.deepEqual(base.scatter(1, tensor([[3], [0], [1]]), 9).toArray(), [[0, 0, 0, 9], [9, 0, 0, 0], [0, 9, 0, 0]]);
  // src larger than the index: only its leading corner is read
  assert.deepEqual(zeros(2, 2).scatter(0, tensor([[1, 0]]), ar(3, 3)).toArray(), [[0, 1], [0, 0]]);
  assert.deepEqual(zeros([2], { dtype: 'int64' }).scatterAdd(0, tensor([1, 1, 0]), tensor([5, 6, 7])).toArray(), [7, 11]);
  assert.deepEqual(zeros([2], { dtype: 'float16' }).scatterAdd(0, tensor([1, 1]), tensor([0.5, 0.25], { dtype: 'float16' })).toArray(), [0, 0.75]);
  assert.deepEqual(ar(2, 3).t().scatter(0, tensor([[2, 0]]), tensor([[7, 8]], { dtype: 'float32' })).toArray(), [[0, 8], [1, 4], [7, 5]], 'strided input');
  assert.throws(() => base.scatter(0, idx, tensor([[1]])), /scatter: src has dtype int64, expected float32 like the input/);
  assert.throws(() => base.scatter(0, tensor([[3]]), 1), /scatter: index 3 is out of bounds for dimension 0 with size 3/);
  assert.throws(() => base.scatter(0, idx, ones(1, 4)), /scatter: index \[2, 4\] is larger than src \[1, 4\] in dimension 0/);
  assert.throws(() => base.scatterAdd(0, idx, 'a' as never), /scatter: expected src to be a Tensor/);
});

test('indexSelect takes whole slices by a 1-d index, repeats allowed, on any layout', () => {
  const x = ar(4, 3);
  assert.deepEqual(x.indexSelect(0, tensor([3, 0, 3])).toArray(), [[9, 10, 11], [0, 1, 2], [9, 10, 11]]);
  assert.deepEqual(x.indexSelect(1, tensor([2, 0], { dtype: 'int32' })).toArray(), [[2, 0], [5, 3], [8, 6], [11, 9]]);
  assert.deepEqual(x.t().indexSelect(1, tensor([1])).toArray(), [[3], [4], [5]]);
  assert.deepEqual(x.indexSelect(0, zeros([0], { dtype: 'int64' })).shape, [0, 3]);
  assert.deepEqual(x.indexSelect(0, tensor(2)).shape, [1, 3], 'a 0-d index selects one slice');
  assert.deepEqual(zeros(0, 2).indexSelect(1, tensor([1, 1, 0])).shape, [0, 3]);
  assert.throws(() => x.indexSelect(0, tensor([4])), /indexSelect: index 4 is out of bounds for dimension 0 with size 4/);
  assert.throws(() => x.indexSelect(0, tensor([[1]])), /indexSelect: expected a 1-d index, got shape \[1, 1\]/);
  assert.throws(() => x.indexSelect(2, tensor([0])), /indexSelect: dim 2 is out of range/);
});

test('pad adds constant borders to the last dims and crops with negative pads', () => {
  const x = ar(2, 3);
  assert.deepEqual(pad(x, [1, 2]).toArray(), [[0, 0, 1, 2, 0, 0], [0, 3, 4, 5, 0, 0]]);
  assert.deepEqual(pad(x, [0, 0, 1, 0], -1).toArray(), [[-1, -1, -1], [0, 1, 2], [3, 4, 5]]);
  assert.deepEqual(pad(x, [-1, 1]).toArray(), [[1, 2, 0], [4, 5, 0]]);
  assert.deepEqual(pad(x, [-3, 0]).shape, [2, 0]);
  assert.deepEqual(pad(x.t(), [1, 0]).toArray(), [[0, 0, 3], [0, 1, 4], [0, 2, 5]], 'a transposed input');
  assert.deepEqual(pad(zeros(2, 0), [1, 1]).toArray(), [[0, 0], [0, 0]]);
  assert.deepEqual(pad(tensor([1, 2]), [1, 0], 7).toArray(), [7, 1, 2]);
  assert.equal(pad(tensor([1, 2]), [1, 0], 7).dtype, 'int64');
  assert.deepEqual(pad(x, []).toArray(), x.toArray());
  assert.throws(() => pad(x, [1]), /pad: expected an even-length array of integers covering at most 2 dims, got \[1\]/);
  assert.throws(() => pad(x, [1, 1, 1, 1, 1, 1]), /covering at most 2 dims/);
  assert.throws(() => pad(x, [-2, -2]), /pad: padding \[-2, -2\] makes dimension 1 of size 3 negative/);
  assert.throws(() => pad(x, [0.5, 0]), /pad: expected an even-length array of integers/);
});

test('every indexing op keeps the dtype of its input', () => {
  for (const dtype of ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'] as const) {
    const x: Tensor = tensor([[1, 0, 1], [0, 1, 1]], { dtype });
    assert.equal(cat([x, x]).dtype, dtype);
    assert.equal(stack([x, x]).dtype, dtype);
    assert.equal(pad(x, [1, 1]).dtype, dtype);
    assert.equal(x.indexSelect(1, tensor([2, 0])).dtype, dtype);
    assert.deepEqual(x.indexSelect(1, tensor([2, 0])).toArray(), [[1, 1], [1, 0]], dtype);
    assert.deepEqual(x.scatter(1, tensor([[0], [2]]), tensor([[0], [0]], { dtype })).toArray(), [[0, 0, 1], [0, 1, 0]], dtype);
  }
});
