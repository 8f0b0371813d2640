// Backward reuses gradient memory it owns outright: ReLU (sigmoid, tanh) backward writes over
// the gradient it receives, and a second gradient for the same tensor is added in place. These
// tests build the graphs where that would go wrong if ownership were misjudged: one gradient
// tensor sent to two consumers, views of one gradient, the caller's own gradient, retained
// gradients, and compare with hand-derived values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, tensor } from '../../src/index.js';
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
