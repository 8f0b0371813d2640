// Creation: from data, filled, ranges, identity, random, and the seedable Generator whose state
// saves and restores exactly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Generator, arange, empty, eye, fromTypedArray, full, fullLike, linspace, manualSeed, ones, onesLike, rand, randint, randLike,
  randn, randnLike, randperm, tensor, zeros, zerosLike,
} from '../../src/index.js';
import { defaultGenerator } from '../../src/tensor/random.js';

test('tensor() infers shape and dtype like torch.tensor, and copies its input', () => {
  assert.equal(tensor([1, 2]).dtype, 'int64');
  assert.equal(tensor([1, 2.5]).dtype, 'float32');
  assert.equal(tensor([true, 1]).dtype, 'int64');
  assert.equal(tensor([NaN]).dtype, 'float32');
  assert.equal(tensor([]).dtype, 'float32');
  assert.deepEqual(tensor([]).shape, [0]);
  assert.deepEqual(tensor([[], []]).shape, [2, 0]);
  assert.deepEqual(tensor(5).shape, []);
  assert.equal(tensor(true).dtype, 'bool');
  assert.deepEqual(tensor([[[1]], [[2]]]).shape, [2, 1, 1]);
  assert.deepEqual(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(tensor([new Float32Array([1, 2]), new Float32Array([3, 4])]).toArray(), [[1, 2], [3, 4]]);
  assert.equal(tensor(new Int32Array([1])).dtype, 'int32');
  assert.equal(tensor(new Uint8Array([1])).dtype, 'uint8');
  assert.equal(tensor(new Float64Array([1])).dtype, 'float64');
  assert.equal(tensor(new Float32Array([1.5]), { dtype: 'int64' }).item(), 1);
  const src = new Float32Array([1, 2]);
  const t = tensor(src);
  src[0] = 9;
  assert.equal(t.toArray()[0], 1, 'tensor() copies');
  const w = fromTypedArray(src, [2]);
  src[1] = 7;
  assert.equal(w.toArray()[1], 7, 'fromTypedArray() shares');
  const bits = new Uint16Array([0x3c00, 0xc000]);
  assert.deepEqual(tensor(bits, { dtype: 'float16' }).toArray(), [1, -2]);
  assert.deepEqual(fromTypedArray(new Uint16Array([0x3f80]), [1], 'bfloat16').toArray(), [1]);
  const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  const copy = tensor(x);
  assert.equal(copy.requiresGrad, false);
  assert.notEqual(copy.storage, x.storage);
});

test('zeros, ones, full, empty and the *Like functions, in every dtype, with shapes given either way', () => {
  assert.deepEqual(zeros(2, 3).shape, [2, 3]);
  assert.deepEqual(zeros([2, 3]).shape, [2, 3]);
  assert.deepEqual(zeros().shape, []);
  assert.deepEqual(ones([2], { dtype: 'int32' }).toArray(), [1, 1]);
  assert.deepEqual(full([2], -1.5, { dtype: 'float16' }).toArray(), [-1.5, -1.5]);
  assert.deepEqual(full([2], 7.9, { dtype: 'int64' }).toArray(), [7, 7]);
  assert.deepEqual(full([2], 2, { dtype: 'bool' }).toArray(), [1, 1]);
  assert.deepEqual(empty(2, { dtype: 'uint8' }).shape, [2]);
  const t = tensor([[1, 2]], { dtype: 'bfloat16' });
  assert.equal(zerosLike(t).dtype, 'bfloat16');
  assert.deepEqual(onesLike(t, { dtype: 'int64' }).toArray(), [[1, 1]]);
  assert.deepEqual(fullLike(t, 3).toArray(), [[3, 3]]);
  assert.equal(ones([2], { requiresGrad: true }).requiresGrad, true);
  assert.equal(zerosLike(t, { requiresGrad: true }).requiresGrad, true);
  // uninitialised-memory optimisations never leak garbage into zeros
  for (let i = 0; i < 5; i++) {
    const big = ones(4096).mul(3);
    assert.equal(big.sum().item(), 3 * 4096);
    assert.equal(zeros(4096).sum().item(), 0);
  }
});

test('arange, linspace and eye follow PyTorch', () => {
  assert.deepEqual(arange(4).toArray(), [0, 1, 2, 3]);
  assert.deepEqual(arange(2, 5).toArray(), [2, 3, 4]);
  assert.deepEqual(arange(5, 0, -2).toArray(), [5, 3, 1]);
  assert.equal(arange(5).dtype, 'int64');
  assert.equal(arange(0, 1, 0.25).dtype, 'float32');
  assert.deepEqual(arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(arange(0, 1, 0.3).toArray().length, 4);
  assert.deepEqual(arange(3, { dtype: 'float64' }).toArray(), [0, 1, 2]);
  assert.deepEqual(arange(0).shape, [0]);
  assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(linspace(-1, 1, 1).toArray(), [-1]);
  assert.deepEqual(linspace(0, 1, 0).shape, [0]);
  assert.equal(linspace(0, 0.1, 7).toArray()[6], Math.fround(0.1), 'the last value is exactly end');
  assert.deepEqual(linspace(0, 10, 3, { dtype: 'int64' }).toArray(), [0, 5, 10]);
  assert.deepEqual(eye(2).toArray(), [[1, 0], [0, 1]]);
  assert.deepEqual(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(eye(3, 1, { dtype: 'int64' }).toArray(), [[1], [0], [0]]);
  assert.deepEqual(eye(2, { dtype: 'bool' }).toArray(), [[1, 0], [0, 1]]);
  assert.deepEqual(eye(0).shape, [0, 0]);
});

test('rand, randn, randint, randperm: ranges, dtypes and rough distributions', () => {
  manualSeed(123);
  const u = rand(10000, { dtype: 'float64' }).toTypedArray() as Float64Array;
  assert.ok(u.every((v) => v >= 0 && v < 1));
  const mean = u.reduce((a, b) => a + b, 0) / u.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `uniform mean ${mean}`);
  const n = randn([10000], { dtype: 'float64' });
  assert.ok(Math.abs(n.mean().item()) < 0.05);
  assert.ok(Math.abs(n.std().item() - 1) < 0.05);
  assert.equal(randn(3, { dtype: 'float16' }).dtype, 'float16');
  const i = randint(-2, 3, [1000]);
  assert.equal(i.dtype, 'int64');
  const iv = i.toArray() as number[];
  assert.ok(iv.every((v) => v >= -2 && v < 3));
  assert.equal(new Set(iv).size, 5);
  const p = randperm(50).toArray() as number[];
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 50 }, (_, k) => k));
  assert.deepEqual(randperm(0).shape, [0]);
  assert.deepEqual(randLike(tensor([[1, 2]], { dtype: 'float64' })).shape, [1, 2]);
  assert.equal(randnLike(tensor([1], { dtype: 'bfloat16' })).dtype, 'bfloat16');
  assert.deepEqual(rand(0, 3).shape, [0, 3]);
});

test('a Generator reproduces its stream from a seed, and its state saves and restores exactly', () => {
  const g = new Generator(7);
  const first = rand([5], { generator: g }).toArray();
  const state = g.getState();
  const json = JSON.parse(JSON.stringify(state));
  const next = [randn([3], { generator: g }).toArray(), randint(0, 100, [4], { generator: g }).toArray(), randperm(6, { generator: g }).toArray()];
  const h = new Generator(999).setState(json);
  assert.deepEqual([randn([3], { generator: h }).toArray(), randint(0, 100, [4], { generator: h }).toArray(), randperm(6, { generator: h }).toArray()], next);
  assert.deepEqual(rand([5], { generator: new Generator(7) }).toArray(), first);
  assert.notDeepEqual(rand([5], { generator: new Generator(8) }).toArray(), first);
  const c = g.clone();
  assert.deepEqual(rand([4], { generator: c }).toArray(), rand([4], { generator: g }).toArray());
  // seeds beyond 2^32 and bigints are distinct and reproducible
  assert.notDeepEqual(rand([3], { generator: new Generator(2 ** 40) }).toArray(), rand([3], { generator: new Generator(0) }).toArray());
  assert.deepEqual(rand([3], { generator: new Generator(2n ** 60n) }).toArray(), rand([3], { generator: new Generator(2n ** 60n) }).toArray());
  // the default generator follows manualSeed, and in-place fills draw from it
  manualSeed(5);
  const a = rand([3]).toArray();
  const t = zeros(3).uniform_();
  manualSeed(5);
  assert.deepEqual(rand([3]).toArray(), a);
  assert.deepEqual(zeros(3).uniform_().toArray(), t.toArray());
  assert.equal(defaultGenerator().initialSeed(), 5);
});
