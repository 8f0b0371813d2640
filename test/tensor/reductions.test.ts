// Reductions over any set of dims, with and without keepdim, on any layout; 0-d scalars and
// empty tensors; dtypes of the results; ties and NaN in max/min/argmax.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, manualSeed, randn, tensor, zeros, type Tensor } from '../../src/index.js';
import { assertClose, rng, randomInt } from '../helpers.js';

/** Brute-force reduction of x's values over dims: f gets each group of elements, in order. */
function reduceRef(x: Tensor, dims: number[], keepdim: boolean, f: (xs: number[]) => number): { shape: number[]; values: number[] } {
  const shape = x.shape as number[];
  const vals = Array.from(x.to('float64').toTypedArray() as Float64Array);
  const red = new Set(dims.map((d) => (d < 0 ? d + shape.length : d)));
  const outShapeKeep = shape.map((s, d) => (red.has(d) ? 1 : s));
  const outN = outShapeKeep.reduce((a, b) => a * b, 1);
  const groups: number[][] = Array.from({ length: outN }, () => []);
  for (let i = 0; i < vals.length; i++) {
    let rem = i, o = 0, mul = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const idx = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
      if (!red.has(d)) o += idx * mul;
      mul *= outShapeKeep[d]!;
    }
    groups[o]!.push(vals[i]!);
  }
  return { shape: keepdim ? outShapeKeep : shape.filter((_, d) => !red.has(d)), values: groups.map(f) };
}

const sumF = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const meanF = (xs: number[]) => sumF(xs) / xs.length;
const varF = (c: number) => (xs: number[]) => { const m = meanF(xs); return sumF(xs.map((v) => (v - m) ** 2)) / Math.max(0, xs.length - c); };
const REDUCERS: [string, (x: Tensor, dims: number[], keep: boolean) => Tensor, (xs: number[]) => number][] = [
  ['sum', (x, d, k) => x.sum(d, k), sumF],
  ['mean', (x, d, k) => x.mean(d, k), meanF],
  ['amax', (x, d, k) => x.amax(d, k), (xs) => Math.max(...xs)],
  ['amin', (x, d, k) => x.amin(d, k), (xs) => Math.min(...xs)],
  ['var', (x, d, k) => x.var(d, { keepdim: k }), varF(1)],
  ['var0', (x, d, k) => x.var(d, { correction: 0, keepdim: k }), varF(0)],
  ['std', (x, d, k) => x.std(d, { keepdim: k }), (xs) => Math.sqrt(varF(1)(xs))],
  ['logsumexp', (x, d, k) => x.logsumexp(d, k), (xs) => { const m = Math.max(...xs); return m + Math.log(sumF(xs.map((v) => Math.exp(v - m)))); }],
  ['norm1', (x, d, k) => x.norm(1, d, k), (xs) => sumF(xs.map(Math.abs))],
  ['norm2', (x, d, k) => x.norm(2, d, k), (xs) => Math.sqrt(sumF(xs.map((v) => v * v)))],
  ['norm3', (x, d, k) => x.norm(3, d, k), (xs) => sumF(xs.map((v) => Math.abs(v) ** 3)) ** (1 / 3)],
  ['norm0.5', (x, d, k) => x.norm(0.5, d, k), (xs) => sumF(xs.map((v) => Math.abs(v) ** 0.5)) ** 2],
  ['normInf', (x, d, k) => x.norm(Infinity, d, k), (xs) => Math.max(...xs.map(Math.abs))],
  ['norm0', (x, d, k) => x.norm(0, d, k), (xs) => xs.filter((v) => v !== 0).length],
];

test('every reduction over random dims and layouts matches a brute-force reference', () => {
  manualSeed(5);
  const r = rng(17);
  for (let trial = 0; trial < 40; trial++) {
    const nd = randomInt(r, 1, 4);
    const shape = Array.from({ length: nd }, () => randomInt(r, 1, 5));
    let x = randn(shape, { dtype: 'float64' });
    if (trial % 3 === 1 && nd >= 2) x = x.transpose(0, nd - 1); // non-contiguous
    if (trial % 3 === 2) x = x.narrow(nd - 1, 0, Math.max(1, x.shape[nd - 1]! - 1)); // offset rows
    const dims = [...Array(nd).keys()].filter(() => r() < 0.5).map((d) => (r() < 0.5 ? d - nd : d));
    if (dims.length === 0) dims.push(randomInt(r, 0, nd - 1));
    const keep = r() < 0.5;
    for (const [name, op, f] of REDUCERS) {
      if (name.startsWith('var') || name === 'std') {
        const n = dims.reduce((a, d) => a * x.shape[d < 0 ? d + nd : d]!, 1);
        if (n < 2) continue; // one element: 0/0
      }
      const got = op(x, dims, keep);
      const want = reduceRef(x, dims, keep, f);
      assert.deepEqual([...got.shape], want.shape, `${name} shape over [${dims}] of [${x.shape}]`);
      assertClose(Array.from(got.toTypedArray() as Float64Array), want.values, { rtol: 1e-12, atol: 1e-12 }, `${name} over [${dims}] of [${x.shape}] keepdim ${keep}`);
    }
  }
});

test('a reduction over no dims argument covers all of them; duplicate and out-of-range dims throw', () => {
  const x = arange(24, { dtype: 'float32' }).reshape(2, 3, 4);
  assert.equal(x.sum().item(), 276);
  assert.deepEqual(x.sum(null, true).shape, [1, 1, 1]);
  assert.equal(x.amax().item(), 23);
  assert.equal(x.prod(null).item(), 0);
  assert.deepEqual(x.sum([-1, 0]).toArray(), [60, 92, 124]);
  assert.throws(() => x.sum([0, -3]), /sum: dim list \[0, -3\] repeats a dimension/);
  assert.throws(() => x.sum(3), /sum: dim 3 is out of range for a tensor of 3 dimensions \(expected -3..2\)/);
  assert.throws(() => x.mean(1.5), /mean: expected an integer dim, got 1.5/);
});

test('result dtypes: integer sums and products are int64, means float, halves stay half', () => {
  assert.equal(tensor([1, 2], { dtype: 'int32' }).sum().dtype, 'int64');
  assert.equal(tensor([200, 100], { dtype: 'uint8' }).sum().item(), 300);
  assert.equal(tensor([true, true, false]).sum().item(), 2);
  assert.equal(tensor([true, true, false]).sum().dtype, 'int64');
  assert.equal(tensor([3, 4]).prod().item(), 12);
  assert.equal(tensor([3, 4]).prod().dtype, 'int64');
  assert.equal(tensor([3, 4]).amax().dtype, 'int64');
  assert.equal(tensor([1, 2], { dtype: 'float16' }).sum().dtype, 'float16');
  assert.equal(tensor([1, 2], { dtype: 'bfloat16' }).mean().dtype, 'bfloat16');
  assert.equal(tensor([3, 4], { dtype: 'float64' }).norm().dtype, 'float64');
  assert.equal(tensor([2, 1]).argmax().dtype, 'int64');
  assert.equal(tensor([2, 1]).argmax().item(), 0);
  assert.equal(tensor([2, 1]).any().dtype, 'bool');
  // float16 accumulates in float32: 4096 ones sum exactly even though 2049 is not a float16
  const ones16 = zeros([4096], { dtype: 'float16' }).add(1);
  assert.equal(ones16.sum().item(), 4096);
  assert.equal(zeros([2049], { dtype: 'float16' }).add(1).sum().item(), 2048, 'the float32 sum 2049 rounds to even in float16');
  assert.throws(() => tensor([1, 2]).var(), /var: expected a floating-point tensor, got int64/);
  assert.throws(() => tensor([1, 2]).norm(), /norm: expected a floating-point tensor, got int64/);
});

test('max(dim) and min(dim): values and int64 indices, first index among ties, NaN wins', () => {
  const x = tensor([[1, 3, 3], [2, 2, 0], [NaN, 5, NaN]], { dtype: 'float32' });
  const m = x.max(1);
  assert.deepEqual(m.indices.toArray(), [1, 0, 0]);
  assert.equal(m.indices.dtype, 'int64');
  assert.deepEqual(m.values.toArray().map(String), ['3', '2', 'NaN']);
  const k = x.min(0, true);
  assert.deepEqual(k.values.shape, [1, 3]);
  assert.deepEqual(k.indices.toArray(), [[2, 1, 2]]);
  assert.deepEqual(x.argmax(1).toArray(), [1, 0, 0]);
  assert.deepEqual(x.argmin(1, true).toArray(), [[0], [2], [0]]);
  assert.ok(Number.isNaN(x.amax().item()));
  assert.ok(Number.isNaN(x.max().item()));
  assert.equal(x.narrow(0, 0, 2).argmax().item(), 1, 'argmax of all is a flat index');
  assert.equal(tensor([[1, 9], [9, 0]]).argmax().item(), 1);
  const i = tensor([[4, 1], [4, 7]]).max(0);
  assert.deepEqual(i.values.toArray(), [4, 7]);
  assert.deepEqual(i.indices.toArray(), [0, 1]);
});

test('0-d scalars: every reduction returns a 0-d tensor', () => {
  const s = tensor(-2.5);
  for (const r of [s.sum(), s.mean(), s.prod(), s.amax(), s.amin(), s.max(), s.min(), s.norm(), s.norm(1), s.norm(Infinity), s.logsumexp(0),
    s.sum(0), s.sum(-1, true), s.amax(0)]) {
    assert.deepEqual(r.shape, []);
  }
  assert.equal(s.norm().item(), 2.5);
  assert.equal(s.logsumexp(0).item(), -2.5);
  assert.equal(s.max(0).indices.item(), 0);
  assert.equal(s.max(0).values.item(), -2.5);
  assert.equal(s.argmax().item(), 0);
  assert.equal(s.argmax(0).item(), 0);
  assert.ok(Number.isNaN(s.var().item()), 'variance of one value is NaN (0/0)');
  assert.equal(s.var(null, { correction: 0 }).item(), 0);
  assert.equal(tensor(0).any().item(), 0);
  assert.equal(tensor(3).all().item(), 1);
});

test('empty tensors: sums are 0, products 1, means NaN; max/argmax over an empty dim throw', () => {
  const e = zeros(0, 3);
  assert.deepEqual(e.sum(0).toArray(), [0, 0, 0]);
  assert.deepEqual(e.sum(1).shape, [0]);
  assert.deepEqual(e.prod(0).toArray(), [1, 1, 1]);
  assert.ok((e.mean(0).toArray() as number[]).every(Number.isNaN));
  assert.equal(e.sum().item(), 0);
  assert.deepEqual(e.amax(1).shape, [0], 'reducing a non-empty dim of an empty tensor is fine');
  assert.deepEqual(e.max(1).indices.shape, [0]);
  assert.deepEqual(e.argmax(1).shape, [0]);
  assert.deepEqual(e.norm(2, 0).toArray(), [0, 0, 0]);
  assert.deepEqual(e.logsumexp(0).toArray(), [-Infinity, -Infinity, -Infinity]);
  assert.deepEqual(e.any(0).toArray(), [0, 0, 0]);
  assert.deepEqual(e.all(0).toArray(), [1, 1, 1]);
  assert.throws(() => e.amax(0), /amax: cannot reduce over a dimension of size 0 \(input \[0, 3\]\)/);
  assert.throws(() => e.amax(), /amax: cannot reduce over a dimension of size 0/);
  assert.throws(() => e.max(0), /max: cannot reduce over dimension 0 of size 0/);
  assert.throws(() => e.argmax(), /argmax: cannot take the argmax of an empty tensor/);
  assert.throws(() => e.argmin(0), /argmin: cannot reduce over dimension 0 of size 0/);
});

test('any and all on floats, integers and bools over dims', () => {
  const x = tensor([[0, 0.5], [0, 0]], { dtype: 'float32' });
  assert.deepEqual(x.any(1).toArray(), [1, 0]);
  assert.deepEqual(x.all(0).toArray(), [0, 0]);
  assert.equal(x.any().item(), 1);
  assert.deepEqual(tensor([[1, 2], [0, 3]]).all(1, true).toArray(), [[1], [0]]);
  assert.equal(tensor([NaN], { dtype: 'float32' }).all().item(), 1, 'NaN is nonzero');
});
