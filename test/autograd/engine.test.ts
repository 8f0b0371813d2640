// The autograd graph: backward with and without a gradient, accumulation into .grad in place,
// retainGraph, noGrad, detach, retainGrad, gradients through views and broadcasting, and the
// in-place rules (saved tensors, leaves, views, non-leaves inside a graph).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enableGrad, isGradEnabled, noGrad, ones, setGradEnabled, tensor, zeros, type Tensor } from '../../src/index.js';
import { assertTensorClose } from '../helpers.js';

const f32 = (v: number[] | number[][], requiresGrad = false) => tensor(v, { dtype: 'float32', requiresGrad });

test('backward() of a scalar, backward(gradient) of a tensor, and backward on a leaf', () => {
  const x = f32([1, 2, 3], true);
  x.mul(x).sum().backward();
  assertTensorClose(x.grad!, [2, 4, 6]);
  const y = f32([1, 2], true);
  y.mul(3).backward(f32([1, 10]));
  assertTensorClose(y.grad!, [3, 30]);
  const z = f32([[1, 2]], true);
  z.exp().backward(ones(1, 2, { dtype: 'float64' }));
  assertTensorClose(z.grad!, [Math.E, Math.E ** 2], { rtol: 1e-6 });
  assert.equal(z.grad!.dtype, 'float32', 'the gradient takes the tensor\'s dtype');
  const leaf = f32([5, 6], true);
  leaf.backward(f32([1, 2]));
  assertTensorClose(leaf.grad!, [1, 2]);
  assert.throws(() => f32([1, 2], true).mul(2).backward(), /backward: gradient can be implied only for a one-element output, this one has shape \[2\]/);
  assert.throws(() => f32([1, 2], true).mul(2).backward(f32([1])), /backward: gradient has shape \[1\], expected \[2\]/);
  assert.throws(() => f32([1, 2]).sum().backward(), /backward: the tensor does not require grad/);
  assert.throws(() => f32([1], true).mul(2).backward([1] as never), /backward: expected gradient to be a Tensor/);
  // a one-element, non-scalar output needs no gradient either
  const w = f32([[2]], true);
  w.square().backward();
  assertTensorClose(w.grad!, [4]);
});

test('.grad accumulates across backward calls in place, keeping its storage', () => {
  const w = f32([1, 2, 3], true);
  w.mul(2).sum().backward();
  const g = w.grad!;
  const storage = g.storage;
  w.mul(w).sum().backward();
  assert.equal(w.grad, g, 'the same tensor');
  assert.equal(w.grad!.storage, storage, 'the same memory');
  assertTensorClose(w.grad!, [4, 6, 8]);
  w.grad = null;
  w.sum().backward();
  assertTensorClose(w.grad!, [1, 1, 1]);
  // the first gradient is a copy: later accumulation does not write into a tensor the graph handed over
  const a = f32([1, 2], true);
  const upstream = f32([5, 5]);
  a.mul(1).backward(upstream);
  a.mul(1).backward(upstream);
  assertTensorClose(upstream, [5, 5]);
  assertTensorClose(a.grad!, [10, 10]);
});

test('a tensor used several times sums its gradients (diamonds, reuse, broadcasting)', () => {
  const x = f32([1, 2], true);
  const a = x.mul(3), b = x.exp();
  a.mul(b).add(a).sum().backward();
  // d/dx [3x e^x + 3x] = 3 e^x + 3x e^x + 3
  assertTensorClose(x.grad!, [1, 2].map((v) => 3 * Math.exp(v) + 3 * v * Math.exp(v) + 3), { rtol: 1e-6 });
  const row = f32([1, 2, 3], true), col = f32([[1], [2]], true);
  row.mul(col).sum().backward();
  assertTensorClose(row.grad!, [3, 3, 3]);
  assertTensorClose(col.grad!, [6, 6], {}, [2, 1]);
  const s = tensor(2, { dtype: 'float32', requiresGrad: true });
  s.mul(ones(3, 4)).sum().backward();
  assert.deepEqual(s.grad!.shape, []);
  assert.equal(s.grad!.item(), 12);
});

test('retainGraph lets backward run twice; without it the second run throws', () => {
  const x = f32([1, 2], true);
  const y = x.exp().sum();
  y.backward({ retainGraph: true });
  y.backward();
  assertTensorClose(x.grad!, [2 * Math.E, 2 * Math.E ** 2], { rtol: 1e-6 });
  assert.throws(() => y.backward(), /sum: trying to backward through the graph a second time \(its saved values were freed\); call backward\(\{ retainGraph: true \}\) the first time/);
  const z = x.mul(2).sum();
  z.backward(null, { retainGraph: true });
  z.backward(tensor(1, { dtype: 'float32' }));
});

test('noGrad records nothing, nests, restores the mode after a throw, and refuses async functions', () => {
  const x = f32([1, 2], true);
  const y = noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  const z = noGrad(() => enableGrad(() => x.mul(2)));
  assert.equal(z.requiresGrad, true);
  assert.equal(isGradEnabled(), true);
  assert.throws(() => noGrad(() => { throw new Error('inside'); }), /inside/);
  assert.equal(isGradEnabled(), true);
  assert.throws(() => noGrad((async () => 1) as never), /noGrad: the function returned a Promise/);
  assert.equal(isGradEnabled(), true);
  const before = setGradEnabled(false);
  assert.equal(x.mul(2).requiresGrad, false);
  setGradEnabled(before);
  assert.throws(() => noGrad(5 as never), /noGrad: expected a function, got number/);
});

test('detach cuts the graph but shares memory; retainGrad keeps a non-leaf\'s gradient', () => {
  const x = f32([1, 2], true);
  const h = x.mul(3);
  const d = h.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.storage, h.storage);
  h.retainGrad();
  const out = h.mul(d).sum();
  out.backward();
  assertTensorClose(h.grad!, [3, 6], {}, undefined, 'h.grad = d');
  assertTensorClose(x.grad!, [9, 18], {}, undefined, 'only through h, not through d');
  assert.throws(() => f32([1]).retainGrad(), /retainGrad: the tensor does not require grad/);
  // a non-leaf without retainGrad keeps no .grad
  const y = f32([1], true);
  const mid = y.mul(2);
  mid.sum().backward();
  assert.equal(mid.grad, null);
});

test('gradients flow through views: narrow, slice, select, transpose, expand, reshape, squeeze', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64', requiresGrad: true });
  const y = x.t().narrow(0, 1, 2).select(1, 1).mul(10)  // x[1, 1:3] * 10
    .add(x.slice(1, 0, 3, 2).reshape(4).sum())           // + sum of columns 0 and 2
    .add(x.unsqueeze(0).expand(3, 2, 3).sum().squeeze())   // + 3 * sum of x
    .sum();                                                // the two scalar terms are added to both elements
  y.backward();
  assertTensorClose(x.grad!, [2 + 6, 6, 2 + 6, 2 + 6, 10 + 6, 10 + 2 + 6], {}, [2, 3]);
});

test('requiresGrad propagates: any input requiring grad makes the result require it', () => {
  const a = f32([1], true), b = f32([2]);
  assert.equal(a.add(b).requiresGrad, true);
  assert.equal(b.add(b).requiresGrad, false);
  assert.equal(a.gt(0).requiresGrad, false, 'comparisons are not differentiable');
  assert.equal(a.argmax().requiresGrad, false);
  assert.equal(a.to('int64').requiresGrad, false);
  assert.equal(a.to('float64').requiresGrad, true);
  assert.throws(() => tensor([1, 2]).requiresGrad_(), /requiresGrad_: only floating-point tensors can require gradients, got int64/);
  assert.throws(() => a.mul(2).requiresGrad_(false), /requiresGrad_: cannot turn off gradients of a non-leaf tensor/);
});

test('an in-place change to a tensor backward still needs throws; to one it does not need is fine', () => {
  const a = f32([1, 2], true);
  const e = a.exp();
  const z = e.mul(2).sum();
  noGrad(() => e.add_(1)); // exp saves its output, mul(2) saves its inputs
  assert.throws(() => z.backward(), /was modified by an in-place operation after it was saved/);
  const b = f32([1, 2], true);
  const s = b.mul(2);
  const t = s.add(1).sum(); // add saves nothing
  noGrad(() => s.mul_(100));
  t.backward();
  assertTensorClose(b.grad!, [2, 2]);
  // a change through a view of a saved tensor is caught too
  const c = f32([1, 2, 3], true);
  const sq = c.mul(1);
  const w = sq.mul(sq).sum();
  sq.narrow(0, 1, 1).detach().fill_(0);
  assert.throws(() => w.backward(), /modified by an in-place operation/);
});

test('in-place on a leaf that requires grad, or on its view, is refused; on a non-leaf it is recorded', () => {
  const a = f32([1, 2], true);
  assert.throws(() => a.add_(1), /add_: a leaf tensor that requires grad cannot be modified in place/);
  assert.throws(() => a.narrow(0, 0, 1).mul_(2), /mul_: a view of a leaf tensor that requires grad cannot be modified in place/);
  assert.throws(() => a.zero_(), /zero_|fill_/);
  const h = a.mul(2);
  h.mul_(a);      // h = 2a * a
  h.add_(3);
  h.sum().backward();
  assertTensorClose(a.grad!, [4, 8]);
  assert.equal(h.isLeaf, false);
  // a buffer that did not require grad starts to when an operand does
  const buf = zeros(2, 3);
  const x = f32([1, 2, 3], true);
  buf.select(0, 1).copy_(x.mul(2));
  assert.equal(buf.requiresGrad, true);
  buf.sum().backward();
  assertTensorClose(x.grad!, [2, 2, 2]);
});

test('in-place on views of a non-leaf: the base sees the change in values and gradients', () => {
  const a = tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true });
  const y = a.mul(1);
  y.t().select(0, 1).mul_(10);       // y[:, 1] *= 10
  y.narrow(0, 0, 1).fill_(5);        // y[0, :] = 5
  assert.deepEqual(y.toArray(), [[5, 5], [3, 40]]);
  y.mul(y).sum().backward();
  // y = [[5, 5], [a10, 10 a11]]: dL/da = 2y * dy/da
  assertTensorClose(a.grad!, [0, 0, 6, 800], {}, [2, 2]);
  // a view used after its base was modified through another view still routes its gradient
  const b = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
  const base = b.mul(2);
  const v = base.narrow(0, 1, 2);
  v.mul_(b.narrow(0, 1, 2)); // base = [2 b0, 2 b1^2, 2 b2^2]
  v.sum().add(base.sum()).backward();
  assertTensorClose(b.grad!, [2, 16, 24]);
});

test('a view made before its base changed in place follows the base (PyTorch regenerates its grad_fn)', () => {
  // a view of a buffer that needed no grad, written after the buffer got a value that does
  // (PyTorch refuses this one, calling the stale view a leaf; here it follows the base)
  const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
  const buf = zeros([2, 3], { dtype: 'float64' });
  const row = buf.select(0, 1);
  buf.select(0, 0).copy_(x);
  row.add_(x.mul(x));
  assert.equal(row.requiresGrad, true);
  buf.mul(buf).sum().backward();
  // buf = [x, x^2]: d/dx sum(buf^2) = 2x + 4x^3
  assertTensorClose(x.grad!, [1, 2, 3].map((v) => 2 * v + 4 * v ** 3));
  // a stale view used as an input (not written) reads the base's new node
  const a = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const y = a.mul(1);
  const v = y.narrow(0, 1, 1);
  y.mul_(a); // y = a^2
  v.sum().backward();
  assertTensorClose(a.grad!, [0, 4]);
});

test('in-place ops inside a graph keep the values the gradient needs (relu_, sigmoid via add_, clamp_)', () => {
  const x = tensor([-1, 0.5, 2], { dtype: 'float64', requiresGrad: true });
  const y = x.mul(2).relu_().mul(1).clamp_(0, 3);
  y.sum().backward();
  assertTensorClose(x.grad!, [0, 2, 0]);
  // relu_ saves its output, so changing that in place again breaks its backward, as in PyTorch
  const bad = x.mul(2).relu_().clamp_(0, 3);
  assert.throws(() => bad.sum().backward(), /relu: a tensor needed for its gradient \(shape \[3\]\) was modified by an in-place operation/);
  const z = tensor([Infinity, 1], { dtype: 'float64', requiresGrad: true });
  const filled = z.mul(1).fill_(2);
  assert.deepEqual(filled.toArray(), [2, 2], 'fill_ does not turn Inf into NaN');
  filled.sum().backward();
  assertTensorClose(z.grad!, [0, 0]);
  const c = z.mul(1);
  c.copy_(f32([7, 8]));
  assert.deepEqual(c.toArray(), [7, 8]);
});

test('relu_ on an intermediate computes in its memory and saves it as the output', () => {
  const x = tensor([-1, 0.5, 2], { dtype: 'float32', requiresGrad: true });
  const h = x.mul(3);
  const storage = h.storage;
  const y = h.relu_();
  assert.equal(y, h);
  assert.equal(y.storage, storage, 'no new memory');
  assert.deepEqual(y.toArray(), [0, 1.5, 6]);
  y.mul(y).sum().backward(); // d/dx (3x)^2 for 3x > 0: 18x
  assertTensorClose(x.grad!, [0, 9, 36]);
  // a tensor saved before the in-place op (by mul) no longer holds what backward needs
  const a = tensor([1, -2], { dtype: 'float32', requiresGrad: true });
  const b = a.mul(1);
  const sq = b.mul(b);
  b.relu_();
  assert.throws(() => sq.sum().backward(), /mul: a tensor needed for its gradient \(shape \[2\]\) was modified by an in-place operation/);
  // and the output relu_ saved must not change before backward either
  const c = tensor([1, 2], { dtype: 'float32', requiresGrad: true }).mul(1).relu_();
  const d = c.sum();
  c.mul_(2);
  assert.throws(() => d.backward(), /relu: a tensor needed for its gradient/);
});

test('gradients of mixed dtypes come back in each input\'s dtype', () => {
  const a = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  const b = tensor([3, 4], { dtype: 'float64', requiresGrad: true });
  const h = tensor([1, 2], { dtype: 'float16', requiresGrad: true });
  a.mul(b).add(h.to('float32').mul(2)).sum().backward();
  assert.equal(a.grad!.dtype, 'float32');
  assert.equal(b.grad!.dtype, 'float64');
  assert.equal(h.grad!.dtype, 'float16');
  assertTensorClose(a.grad!, [3, 4]);
  assertTensorClose(b.grad!, [1, 2]);
  assertTensorClose(h.grad!, [2, 2]);
});

test('empty and 0-d tensors through backward', () => {
  const e = zeros([0, 3], { requiresGrad: true });
  e.sum().backward();
  assert.deepEqual(e.grad!.shape, [0, 3]);
  const s = tensor(3, { dtype: 'float32', requiresGrad: true });
  s.mul(s).backward();
  assert.equal(s.grad!.item(), 6);
  const m = zeros([2, 0], { requiresGrad: true });
  m.matmul(zeros(0, 4)).sum().backward();
  assert.deepEqual(m.grad!.shape, [2, 0]);
});

test('a long chain backward does not overflow the stack', () => {
  const x = f32([1], true);
  let y: Tensor = x;
  for (let i = 0; i < 20000; i++) y = y.add(1);
  y.sum().backward();
  assertTensorClose(x.grad!, [1]);
});
