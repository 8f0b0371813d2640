// Backward reuses gradient memory it owns outright: ReLU (sigmoid, tanh) backward writes over
// the gradient it receives, and a second gradient for the same tensor is added in place. These
// tests build the graphs where that would go wrong if ownership were misjudged: one gradient
// tensor sent to two consumers, views of one gradient, the caller's own gradient, retained
// gradients, and compare with hand-derived values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, randn, tensor } from '../../src/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { pooledByteCount } from '../../src/tensor/buffer-pool.js';
import { record } from '../../src/autograd/graph.js';
import { assertTensorClose } from '../helpers.js';

const f32 = (v: number[], requiresGrad = false) => tensor(v, { dtype: 'float32', requiresGrad });

test('one gradient sent to two ReLUs (add returns it for both inputs): neither sees the other\'s result', () => {
  const a = f32([-1, 2, 3], true), b = f32([4, -5, 6], true);
  const s = a.mul(1).relu().add(b.mul(1).relu());
  s.mul(f32([1, 10, 100])).sum().backward();
  assertTensorClose(a.grad!, [0, 10, 100]);
  assertTensorClose(b.grad!, [1, 0, 100]);
  // the same with sigmoid and tanh, whose backward kernels also write in place
  const c = f32([0.5, -1], true);
  const t = c.mul(1).sigmoid().add(c.mul(1).tanh());
  t.sum().backward();
  const sg = (v: number) => 1 / (1 + Math.exp(-v));
  assertTensorClose(c.grad!, [0.5, -1].map((v) => sg(v) * (1 - sg(v)) + 1 - Math.tanh(v) ** 2), { rtol: 1e-5 });
});

test('the caller\'s gradient is never overwritten, nor one a view of it shares', () => {
  const x = f32([-1, 2, -3, 4], true);
  const g = f32([1, 2, 3, 4]);
  x.mul(1).relu().backward(g);
  assert.deepEqual(g.toArray(), [1, 2, 3, 4]);
  assertTensorClose(x.grad!, [0, 2, 0, 4]);
  const y = f32([1, -2, 3, -4], true);
  const g2 = f32([5, 6, 7, 8]);
  y.mul(1).relu().reshape([2, 2]).backward(g2.reshape([2, 2]));
  assert.deepEqual(g2.toArray(), [5, 6, 7, 8]);
  assertTensorClose(y.grad!, [5, 0, 7, 0]);
});

test('pieces of one gradient (cat backward) are not overwritten while another piece is pending', () => {
  const a = f32([-1, 2], true), b = f32([3, -4], true);
  const joined = cat([a.mul(1).relu(), b.mul(1).relu()], 0);
  // a consumer that also reads the whole gradient: the cat output feeds a sum and a product
  joined.mul(f32([1, 2, 3, 4])).sum().add(joined.sum()).backward();
  assertTensorClose(a.grad!, [0, 3]);
  assertTensorClose(b.grad!, [4, 0]);
});

test('gradients meeting at one tensor are summed, in place when the engine owns the first', () => {
  // x feeds three branches (a residual-style graph): d/dx = 2 + relu'(x) * 3 + 2x
  const x = f32([-2, 1, 3], true);
  const h = x.mul(1);
  const out = h.mul(2).add(h.relu().mul(3)).add(h.mul(h));
  out.sum().backward();
  assertTensorClose(x.grad!, [2 + 0 - 4, 2 + 3 + 2, 2 + 3 + 6]);
  // a retained gradient in the middle keeps its own copy
  const y = f32([1, -1], true);
  const m = y.mul(1);
  m.retainGrad();
  const r = m.relu();
  r.add(m).sum().backward();
  assertTensorClose(m.grad!, [2, 1]);
  assertTensorClose(y.grad!, [2, 1]);
});

test('backward twice through a retained graph gives the same gradients (nothing saved was overwritten)', () => {
  const x = f32([-1, 0.5, 2], true);
  const y = x.mul(2).relu();
  const z = y.add(y).sum();
  z.backward({ retainGraph: true });
  assertTensorClose(x.grad!, [0, 4, 4]);
  z.backward();
  assertTensorClose(x.grad!, [0, 8, 8]);
});

test('the memory of a gradient backward has consumed is reused by the next allocation of its size', () => {
  const x = randn([256, 256], { requiresGrad: true });
  const before = pooledByteCount();
  x.mul(2).relu().mul(3).sum().backward();
  const bytes = 256 * 256 * 4;
  assert.ok(pooledByteCount() >= before + bytes, `pooled ${pooledByteCount() - before} bytes, expected at least ${bytes}`);
  const held = pooledByteCount();
  const t = Tensor.uninitialized([256, 256]);
  assert.equal(pooledByteCount(), held - bytes, 'the allocation took a pooled buffer');
  t.fill_(1);
  assert.equal(t.sum().item(), 256 * 256);
  // the gradient itself lives in memory of its own
  assertTensorClose(x.grad!, x.detach().gt(0).float().mul(6).toFloat32Array());
});

test('only gradient memory allocated by the running backward is recycled, never memory a backward function returns from elsewhere', () => {
  const n = 128 * 128;
  const outside = randn([128, 128]); // memory from before backward, handed out as a gradient below
  const keep = outside.toFloat32Array();
  const x = randn([128, 128], { requiresGrad: true });
  // y = x, with a backward that returns `outside` itself as x's gradient: the engine owns that
  // gradient as far as its counts go, but did not allocate it, so it must not reuse its memory
  const y = record(x.detach().mul(1), 'leak', [x], () => [outside]);
  y.mul(2).relu().sum().backward();
  // take every pooled buffer of this size and overwrite it: `outside` must not be among them
  for (let i = 0; i < 8; i++) Tensor.uninitialized([128, 128]).fill_(-1);
  assert.deepEqual(outside.toFloat32Array(), keep, 'the returned tensor kept its values');
  assert.deepEqual(x.grad!.toFloat32Array(), keep);
  assert.equal(n, keep.length);
});

test('recycled memory never reaches a gradient kept after backward (leaf .grad, retainGrad, retainGraph)', () => {
  const x = randn([256, 256], { requiresGrad: true });
  const h = x.mul(3);
  h.retainGrad();
  const out = h.relu().mul(2).sum();
  out.backward({ retainGraph: true });
  const gx = x.grad!.toFloat32Array(), gh = h.grad!.toFloat32Array();
  for (let i = 0; i < 8; i++) Tensor.uninitialized([256, 256]).fill_(NaN);
  assert.deepEqual(x.grad!.toFloat32Array(), gx);
  assert.deepEqual(h.grad!.toFloat32Array(), gh);
  x.grad = null;
  out.backward();
  assert.deepEqual(x.grad!.toFloat32Array(), gx, 'a second backward through the retained graph');
});

test('gradients through a branching graph match the hand-derived ones, step after step, while recycled memory is overwritten', () => {
  // y = sum((relu(x * a) + relu(x * b) * x) * c): every buffer is 64 KB, large enough to be
  // recycled, and the add's dense gradient goes to both branches
  const n = 128;
  const x = randn([n, n], { requiresGrad: true });
  const a = randn([n, n]), b = randn([n, n]), c = randn([n, n]);
  const held: { t: Tensor; values: Float32Array }[] = []; // gradients a user keeps from earlier steps
  for (let step = 0; step < 3; step++) {
    x.grad = null;
    const h1 = x.mul(a), h2 = x.mul(b);
    h1.retainGrad();
    const r2 = h2.relu();
    r2.retainGrad();
    const y = h1.relu().add(r2.mul(x)).mul(c).sum();
    y.backward({ retainGraph: true });
    const xs = x.detach().toFloat32Array(), as = a.toFloat32Array(), bs = b.toFloat32Array(), cs = c.toFloat32Array();
    const want = new Float32Array(n * n), wantH1 = new Float32Array(n * n), wantR2 = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) {
      const p1 = xs[i]! * as[i]!, p2 = xs[i]! * bs[i]!;
      wantH1[i] = p1 > 0 ? cs[i]! : 0;
      wantR2[i] = cs[i]! * xs[i]!;
      want[i] = cs[i]! * ((p1 > 0 ? as[i]! : 0) + (p2 > 0 ? 2 * p2 : 0));
    }
    assertTensorClose(x.grad!, want);
    assertTensorClose(h1.grad!, wantH1);
    assertTensorClose(r2.grad!, wantR2);
    held.push({ t: x.grad!, values: x.grad!.toFloat32Array() }, { t: h1.grad!, values: h1.grad!.toFloat32Array() }, { t: r2.grad!, values: r2.grad!.toFloat32Array() });
    // a second backward through the retained graph adds the same gradient again
    y.backward();
    assertTensorClose(x.grad!, want.map((v) => 2 * v));
    held.pop(); held.pop(); held.pop();
    x.grad = x.grad!.detach().clone(); // keep a copy, then let later steps allocate freely
    held.push({ t: x.grad, values: x.grad.toFloat32Array() });
    for (let i = 0; i < 16; i++) Tensor.uninitialized([n, n]).fill_(NaN);
    for (const h of held) assert.deepEqual(h.t.toFloat32Array(), h.values, 'a gradient the user holds kept its values');
  }
});

test('a leaf\'s first gradient that backward owned becomes its .grad, is never recycled, and is not shared with another leaf', () => {
  const x = randn([256, 256], { requiresGrad: true });
  x.mul(2).relu().mul(3).sum().backward();
  const expected = x.detach().gt(0).float().mul(6).toFloat32Array();
  for (let i = 0; i < 4; i++) Tensor.uninitialized([256, 256]).fill_(-1); // would take its memory had it been pooled
  assertTensorClose(x.grad!, expected);
  // add's backward sends one gradient tensor to both inputs: at most one leaf may take it
  const a = randn([256, 256], { requiresGrad: true }), b = randn([256, 256], { requiresGrad: true });
  a.add(b).sum().backward();
  assert.notEqual(a.grad!.storage, b.grad!.storage);
  a.grad!.fill_(5);
  assert.equal(b.grad!.sum().item(), 256 * 256);
  // a second backward adds into the same .grad
  const g = x.grad!;
  x.mul(2).relu().mul(3).sum().backward();
  assert.equal(x.grad, g);
  assertTensorClose(x.grad!, expected.map((v) => 2 * v));
});
