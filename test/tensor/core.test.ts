import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, ones, arange, randn, noGrad, gradcheck, manualSeed, Generator, cat, stack } from '../../src/index.js';
import { assertTensorClose } from '../helpers.js';

test('creation infers dtypes like torch.tensor', () => {
  assert.equal(tensor([1, 2, 3]).dtype, 'int64');
  assert.equal(tensor([1.5, 2]).dtype, 'float32');
  assert.equal(tensor([true, false]).dtype, 'bool');
  assert.equal(tensor(3).ndim, 0);
  assert.deepEqual(tensor([[1, 2], [3, 4]], { dtype: 'float32' }).toArray(), [[1, 2], [3, 4]]);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged nested array at \[1\]/);
  assert.throws(() => tensor(['a']), /expected numbers or booleans/);
  assert.deepEqual(zeros(2, 0).shape, [2, 0]);
  assert.deepEqual(ones([2, 3], { dtype: 'float16' }).toArray(), [[1, 1, 1], [1, 1, 1]]);
  assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
});

test('views share memory and copy only when needed', () => {
  const a = arange(24, { dtype: 'float32' }).reshape(2, 3, 4);
  const t = a.transpose(0, 2);
  assert.equal(t.storage, a.storage);
  assert.deepEqual(t.shape, [4, 3, 2]);
  assert.equal(t.isContiguous(), false);
  assert.deepEqual(t.contiguous().reshape(-1).toArray().slice(0, 4), [0, 12, 4, 16]);
  assert.throws(() => t.view(24), /not compatible with the input's strides/);
  assert.deepEqual(t.reshape(24).shape, [24]);
  assert.deepEqual(a.narrow(2, 1, 2).toArray(), [[[1, 2], [5, 6], [9, 10]], [[13, 14], [17, 18], [21, 22]]]);
  assert.deepEqual(a.slice(2, 0, 4, 2).select(0, 1).toArray(), [[12, 14], [16, 18], [20, 22]]);
  assert.deepEqual(tensor([1, 2], { dtype: 'float32' }).unsqueeze(1).expand(2, 3).toArray(), [[1, 1, 1], [2, 2, 2]]);
});

test('broadcasting arithmetic and type promotion', () => {
  const a = tensor([[1], [2]], { dtype: 'float32' });
  const b = tensor([10, 20, 30], { dtype: 'float64' });
  const c = a.add(b);
  assert.equal(c.dtype, 'float64');
  assert.deepEqual(c.toArray(), [[11, 21, 31], [12, 22, 32]]);
  assert.equal(tensor([1, 2]).div(2).dtype, 'float32');
  assert.equal(tensor([1, 2]).add(1).dtype, 'int64');
  assert.deepEqual(tensor([1, 2]).add(0.5).toArray(), [1.5, 2.5]);
  assert.throws(() => c.add(tensor([1, 2, 3, 4])), /cannot be broadcast together/);
  assert.equal(tensor([1, 5], { dtype: 'float32' }).gt(2).dtype, 'bool');
});

test('float16 arithmetic rounds once to nearest even', () => {
  // 65504 + 16 overflows; 1 + 2^-11 and 2048 + 1 are ties that go to the even neighbour;
  // 1 + 3 * 2^-11 is a tie between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
  const h = tensor([65504, 1, 2048, 1], { dtype: 'float16' });
  const d = tensor([16, 2 ** -11, 1, 3 * 2 ** -11], { dtype: 'float32' }).half();
  assert.deepEqual(h.add(d).toArray(), [Infinity, 1, 2048, 1 + 2 ** -9]);
});

test('reductions over any dims with keepdim', () => {
  const x = arange(24, { dtype: 'float32' }).reshape(2, 3, 4);
  assertTensorClose(x.sum([0, 2]), [60, 92, 124], {}, [3]);
  assertTensorClose(x.sum([0, 2], true), [60, 92, 124], {}, [1, 3, 1]);
  assertTensorClose(x.mean(), 11.5);
  assertTensorClose(x.amax(1), [8, 9, 10, 11, 20, 21, 22, 23], {}, [2, 4]);
  const m = x.max(2);
  assert.deepEqual(m.indices.toArray(), [[3, 3, 3], [3, 3, 3]]);
  assertTensorClose(tensor([1, 2, 3, 4], { dtype: 'float32' }).var(), 1.6666666, { rtol: 1e-6 });
  assertTensorClose(tensor([3, 4], { dtype: 'float32' }).norm(), 5);
  assertTensorClose(tensor([1000, 1000], { dtype: 'float32' }).logsumexp(0), 1000 + Math.LN2, { rtol: 1e-7 });
});

test('autograd accumulates, frees the graph, and rejects in-place changes to saved tensors', () => {
  const w = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
  w.mul(w).sum().backward();
  assertTensorClose(w.grad!, [2, 4, 6]);
  const gradStorage = w.grad!.storage;
  w.mul(3).sum().backward();
  assertTensorClose(w.grad!, [5, 7, 9]);
  assert.equal(w.grad!.storage, gradStorage, 'accumulation happens in place');

  const y = w.mul(2).sum();
  y.backward();
  assert.throws(() => y.backward(), /backward through the graph a second time/);

  const a = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  const e = a.exp();
  const z = e.mul(e).sum();
  noGrad(() => e.add_(1));
  assert.throws(() => z.backward(), /modified by an in-place operation/);
  assert.throws(() => a.add_(1), /leaf tensor that requires grad/);
});

test('gradcheck passes for a composite of ops and catches a wrong gradient', () => {
  manualSeed(1);
  const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
  const w = randn([4, 2], { dtype: 'float64', requiresGrad: true });
  assert.ok(gradcheck((x, w) => x.matmul(w).tanh().mul(x.sum(1, true)).softplus(), [x, w]));
  const pieces = (x: any) => cat([x.narrow(1, 0, 2).square(), stack([x.select(1, 3), x.select(1, 2)], 1)], 1).amax(0);
  assert.ok(gradcheck(pieces, [x]));
});

test('generators are reproducible and their state round-trips', () => {
  const g = new Generator(42);
  const first = randn([5], { generator: g }).toArray();
  const state = g.getState();
  const second = randn([5], { generator: g }).toArray();
  g.setState(state);
  assert.deepEqual(randn([5], { generator: g }).toArray(), second);
  assert.deepEqual(randn([5], { generator: new Generator(42) }).toArray(), first);
});
