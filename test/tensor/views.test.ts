// Views: new shapes and strides over the same memory. When a view is possible and when reshape
// must copy; 0-d scalars and empty tensors through every view op.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, ones, tensor, zeros, type Tensor } from '../../src/index.js';

const ar = (...shape: number[]) => arange(shape.reduce((a, b) => a * b, 1), { dtype: 'float32' }).reshape(shape);

/** Element at a multi-index, read through shape/strides/offset (independent of the ops under test). */
function at(t: Tensor, idx: number[]): number {
  let p = t.offset;
  idx.forEach((v, d) => { p += v * t.strides[d]!; });
  return Number(t.data[p]);
}

test('view shares memory; reshape views when it can and copies when it must', () => {
  const x = ar(2, 3, 4);
  const v = x.view(6, 4);
  assert.equal(v.storage, x.storage);
  assert.deepEqual(v.strides, [4, 1]);
  assert.deepEqual(x.view(-1, 12).shape, [2, 12]);
  // a narrowed tensor can still merge the dims its strides keep contiguous
  const n = x.narrow(2, 0, 2); // strides [12, 4, 1]
  const merged = n.view(6, 2);
  assert.equal(merged.storage, x.storage);
  assert.deepEqual(merged.strides, [4, 1]);
  assert.deepEqual(merged.toArray(), [[0, 1], [4, 5], [8, 9], [12, 13], [16, 17], [20, 21]]);
  assert.throws(() => n.view(12), /view: shape \[12\] is not compatible with the input's strides/);
  const r = n.reshape(12);
  assert.notEqual(r.storage, x.storage, 'reshape copies when no view exists');
  assert.deepEqual(r.toArray(), [0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21]);
  assert.equal(x.reshape(4, 6).storage, x.storage, 'reshape of a contiguous tensor is a view');
  // splitting a transposed dim is a view; merging it is not
  const t = ar(4, 6).t(); // [6, 4], strides [1, 6]
  const split = t.view(2, 3, 4);
  assert.equal(split.storage, t.storage);
  assert.deepEqual(split.strides, [3, 1, 6]);
  assert.throws(() => t.view(24), /not compatible/);
  assert.throws(() => x.view(5, 5), /shape \[5, 5\] is invalid for input of size 24/);
  assert.throws(() => x.view(-1, -1), /only one dimension can be -1/);
  assert.throws(() => x.view(7, -1), /invalid for input of size 24/);
});

test('transpose, permute, t and T are views with permuted strides', () => {
  const x = ar(2, 3, 4);
  const p = x.permute(2, 0, 1);
  assert.deepEqual(p.shape, [4, 2, 3]);
  assert.deepEqual(p.strides, [1, 12, 4]);
  assert.equal(p.storage, x.storage);
  assert.equal(at(p, [3, 1, 2]), at(x, [1, 2, 3]));
  assert.deepEqual(x.permute([-1, -3, -2]).shape, [4, 2, 3]);
  assert.deepEqual(x.transpose(0, -1).shape, [4, 3, 2]);
  assert.deepEqual(x.T.shape, [4, 3, 2]);
  assert.deepEqual(ar(2, 3).t().toArray(), [[0, 3], [1, 4], [2, 5]]);
  assert.deepEqual(ar(3).t().shape, [3]);
  assert.throws(() => x.t(), /t: expected a tensor with at most 2 dimensions/);
  assert.throws(() => x.permute(0, 1), /permute: expected 3 dims/);
  assert.throws(() => x.permute(0, 1, 1), /repeat a dimension/);
  assert.throws(() => x.transpose(0, 3), /dim 3 is out of range/);
});

test('narrow, slice with steps and negative bounds, select and unbind', () => {
  const x = ar(5, 6);
  assert.deepEqual(x.narrow(1, -2, 2).toArray()[0], [4, 5]);
  assert.deepEqual(x.slice(1, 1, undefined, 2).toArray()[1], [7, 9, 11]);
  assert.deepEqual(x.slice(1, -4, -1, 2).toArray()[0], [2, 4]);
  assert.deepEqual(x.slice(0, 1, 100, 3).shape, [2, 6], 'end is clamped');
  assert.deepEqual(x.slice(0, 4, 2).shape, [0, 6], 'an empty slice');
  assert.deepEqual(x.slice(0, 0, 5, 7).shape, [1, 6], 'a step beyond the end');
  const s = x.slice(0, 1, 5, 2).slice(1, 0, 6, 4); // rows 1, 3; cols 0, 4
  assert.deepEqual(s.toArray(), [[6, 10], [18, 22]]);
  assert.equal(s.storage, x.storage);
  assert.equal(s.offset, 6);
  assert.deepEqual(x.select(1, -1).toArray(), [5, 11, 17, 23, 29]);
  assert.deepEqual(x.select(0, 2).shape, [6]);
  assert.deepEqual(x.unbind(1).map((c) => c.shape[0]), [5, 5, 5, 5, 5, 5]);
  assert.deepEqual(x.unbind(0)[4]!.toArray(), [24, 25, 26, 27, 28, 29]);
  assert.throws(() => x.narrow(0, 3, 3), /narrow: start 3 and length 3 are out of range for dimension 0 of size 5/);
  assert.throws(() => x.slice(0, 0, 5, 0), /slice: step must be positive/);
  assert.throws(() => x.select(0, 5), /select: index 5 is out of range/);
  assert.throws(() => x.select(0, -6), /select: index -6 is out of range/);
});

test('writes through a view (with an offset and strides) land in the base', () => {
  const x = zeros(4, 5);
  x.slice(0, 1, 4, 2).slice(1, 1, 5, 3).fill_(7); // rows 1, 3; cols 1, 4
  assert.deepEqual(x.toArray(), [[0, 0, 0, 0, 0], [0, 7, 0, 0, 7], [0, 0, 0, 0, 0], [0, 7, 0, 0, 7]]);
  x.t().select(0, 0).copy_(tensor([1, 2, 3, 4], { dtype: 'float32' }));
  assert.deepEqual(x.select(1, 0).toArray(), [1, 2, 3, 4]);
});

test('expand broadcasts with stride 0; squeeze, unsqueeze, flatten, unflatten', () => {
  const c = tensor([[1], [2]], { dtype: 'float32' });
  const e = c.expand(3, 2, 4);
  assert.deepEqual(e.strides, [0, 1, 0]);
  assert.equal(e.storage, c.storage);
  assert.deepEqual(e.select(0, 2).toArray(), [[1, 1, 1, 1], [2, 2, 2, 2]]);
  assert.deepEqual(c.expand(-1, 3).shape, [2, 3]);
  assert.deepEqual(c.expandAs(zeros(2, 5)).shape, [2, 5]);
  assert.throws(() => c.expand(3, 4), /expand: the size of dimension 0 \(2\) must match the target 3 or be 1/);
  assert.throws(() => c.expand(2), /fewer dimensions/);
  assert.throws(() => c.expand(-1, 2, 2), /-1 is not allowed for a new leading dimension/);

  const y = zeros(1, 3, 1, 2);
  assert.deepEqual(y.squeeze().shape, [3, 2]);
  assert.deepEqual(y.squeeze(2).shape, [1, 3, 2]);
  assert.deepEqual(y.squeeze(1).shape, [1, 3, 1, 2], 'squeezing a dim that is not 1 is a no-op');
  assert.deepEqual(y.squeeze([0, -2]).shape, [3, 2]);
  assert.deepEqual(y.unsqueeze(-1).shape, [1, 3, 1, 2, 1]);
  assert.deepEqual(y.unsqueeze(4).shape, [1, 3, 1, 2, 1]);
  assert.deepEqual(y.unsqueeze(0).shape, [1, 1, 3, 1, 2]);
  assert.throws(() => y.unsqueeze(5), /unsqueeze: dim 5 is out of range/);
  const x = ar(2, 3, 4);
  assert.deepEqual(x.flatten().shape, [24]);
  assert.deepEqual(x.flatten(1).shape, [2, 12]);
  assert.deepEqual(x.flatten(0, 1).shape, [6, 4]);
  assert.deepEqual(x.unflatten(2, [2, -1]).shape, [2, 3, 2, 2]);
  assert.deepEqual(x.transpose(1, 2).flatten(1).toArray()[0], [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  assert.throws(() => x.flatten(2, 1), /startDim 2 comes after endDim 1/);
});

test('split, chunk and unbind give views of the right sizes (PyTorch rules)', () => {
  const x = ar(7, 2);
  assert.deepEqual(x.split(3).map((p) => p.shape[0]), [3, 3, 1]);
  assert.deepEqual(x.split([2, 5]).map((p) => p.shape[0]), [2, 5]);
  assert.deepEqual(x.chunk(3).map((p) => p.shape[0]), [3, 3, 1]);
  assert.deepEqual(x.chunk(4).map((p) => p.shape[0]), [2, 2, 2, 1]);
  assert.deepEqual(ar(6).chunk(4).map((p) => p.shape[0]), [2, 2, 2], 'chunk may return fewer chunks');
  assert.deepEqual(ar(2).chunk(5).map((p) => p.shape[0]), [1, 1]);
  assert.deepEqual(zeros(0).chunk(3).map((p) => p.shape[0]), [0, 0, 0], 'an empty tensor gives empty chunks');
  assert.deepEqual(zeros(0).split(2).map((p) => p.shape[0]), [0]);
  assert.ok(x.split(3).every((p) => p.storage === x.storage));
  assert.deepEqual(x.split(1, 1)[1]!.toArray(), [[1], [3], [5], [7], [9], [11], [13]]);
  assert.throws(() => x.split([2, 4]), /split: sizes \[2, 4\] must be non-negative integers summing to 7/);
  assert.throws(() => x.split(0), /split: expected a positive split size, got 0/);
  assert.throws(() => x.chunk(0), /chunk: expected a positive number of chunks/);
});

test('contiguous() is the tensor itself when already contiguous; clone() always copies', () => {
  const x = ar(2, 3);
  assert.equal(x.contiguous(), x);
  const c = x.clone();
  assert.notEqual(c.storage, x.storage);
  assert.deepEqual(c.toArray(), x.toArray());
  const t = x.t();
  assert.equal(t.isContiguous(), false);
  const tc = t.contiguous();
  assert.notEqual(tc, t);
  assert.equal(tc.isContiguous(), true);
  assert.deepEqual(tc.strides, [2, 1]);
  assert.deepEqual(tc.toArray(), [[0, 3], [1, 4], [2, 5]]);
  // size-1 dims do not break contiguity, whatever their stride
  assert.equal(ar(3, 1).expand(3, 1).isContiguous(), true);
  assert.equal(ar(1, 4).transpose(0, 1).isContiguous(), true);
  // a narrowed tensor with an offset is contiguous but not dense
  const n = ar(4, 3).narrow(0, 1, 2);
  assert.equal(n.isContiguous(), true);
  assert.equal(n.isDense(), false);
  assert.deepEqual(n.clone().toArray(), [[3, 4, 5], [6, 7, 8]]);
});

test('0-d scalars go through every view op', () => {
  const s = tensor(3.5);
  assert.deepEqual(s.view([]).shape, []);
  assert.deepEqual(s.view(1).shape, [1]);
  assert.deepEqual(s.view(-1).shape, [1]);
  assert.deepEqual(s.reshape(1, 1).shape, [1, 1]);
  assert.deepEqual(s.unsqueeze(0).shape, [1]);
  assert.deepEqual(s.unsqueeze(-1).shape, [1]);
  assert.deepEqual(s.squeeze().shape, []);
  assert.deepEqual(s.squeeze(0).shape, []);
  assert.deepEqual(s.expand(3).toArray(), [3.5, 3.5, 3.5]);
  assert.deepEqual(s.expand([]).shape, []);
  assert.deepEqual(s.transpose(0, -1).shape, []);
  assert.deepEqual(s.T.shape, []);
  assert.deepEqual(s.t().shape, []);
  assert.deepEqual(s.permute([]).shape, []);
  assert.deepEqual(s.flatten().shape, [1]);
  assert.equal(s.contiguous().item(), 3.5);
  assert.equal(s.clone().item(), 3.5);
  assert.equal(ones(1, 1).view([]).item(), 1);
  assert.throws(() => s.view(2), /invalid for input of size 1/);
  assert.throws(() => s.unsqueeze(1), /unsqueeze: dim 1 is out of range/);
});

test('empty tensors go through every view op', () => {
  const e = zeros(2, 0, 3);
  assert.deepEqual(e.view(0, 6).shape, [0, 6]);
  assert.deepEqual(e.view(-1).shape, [0]);
  assert.deepEqual(e.reshape(3, -1, 2).shape, [3, 0, 2]);
  assert.throws(() => e.view(-1, 0), /shape \[-1, 0\] is invalid for input of size 0/);
  assert.deepEqual(e.permute(2, 0, 1).shape, [3, 2, 0]);
  assert.deepEqual(e.transpose(0, 1).contiguous().shape, [0, 2, 3]);
  assert.deepEqual(e.narrow(2, 1, 2).shape, [2, 0, 2]);
  assert.deepEqual(e.slice(0, 1).shape, [1, 0, 3]);
  assert.deepEqual(e.select(0, 1).shape, [0, 3]);
  assert.deepEqual(e.unsqueeze(1).shape, [2, 1, 0, 3]);
  assert.deepEqual(e.flatten().shape, [0]);
  assert.deepEqual(e.unbind(1), []);
  assert.deepEqual(zeros(0, 1).expand(0, 4).shape, [0, 4]);
  assert.deepEqual(zeros(1, 3).expand(0, 3).shape, [0, 3]);
  assert.deepEqual(e.clone().toArray(), [[], []]);
  assert.deepEqual(e.T.toArray(), [[], [], []]);
  assert.equal(e.contiguous().numel(), 0);
});
