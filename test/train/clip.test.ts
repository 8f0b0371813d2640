import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, full, zeros } from '../../src/index.js';
import { clipGradNorm, clipGradValue } from '../../src/train/clip.js';
import { assertTensorClose } from '../helpers.js';

function param(values: number[], grad: number[], dtype: 'float32' | 'float16' = 'float32') {
  const p = tensor(values, { dtype, requiresGrad: true });
  p.grad = tensor(grad, { dtype });
  return p;
}

test('clipGradNorm scales in place by maxNorm / (total + 1e-6) and returns the norm before clipping', () => {
  const a = param([0, 0], [3, 0]), b = param([0], [4]);
  const storage = a.grad!.storage;
  const total = clipGradNorm([a, b], 1);
  assert.equal(total, 5);
  const coef = 1 / (5 + 1e-6);
  assertTensorClose(a.grad!, [3 * coef, 0], { rtol: 1e-7 });
  assertTensorClose(b.grad!, [4 * coef], { rtol: 1e-7 });
  assert.equal(a.grad!.storage, storage, 'the gradient keeps its storage');
});

test('clipGradNorm leaves gradients alone when the coefficient is not below 1', () => {
  const a = param([0, 0], [0.3, 0.4]);
  assert.ok(Math.abs(clipGradNorm([a], 10) - 0.5) < 1e-7);
  assertTensorClose(a.grad!, [Math.fround(0.3), Math.fround(0.4)], { rtol: 0, atol: 0 });
});

test('clipGradNorm supports any p > 0 and infinity: the p-norm of per-tensor p-norms', () => {
  const grads = () => [param([0, 0], [1, -2]), param([0, 0, 0], [3, 0, -4])];
  const pnorm = (xs: number[], p: number) => Math.pow(xs.reduce((s, x) => s + Math.abs(x) ** p, 0), 1 / p);
  for (const p of [0.5, 1, 2, 3, 7.5]) {
    const expected = pnorm([pnorm([1, -2], p), pnorm([3, 0, -4], p)], p);
    const got = clipGradNorm(grads(), 1e9, { normType: p });
    assert.ok(Math.abs(got - expected) <= 1e-6 * expected, `p=${p}: ${got} vs ${expected}`);
  }
  const gs = grads();
  assert.equal(clipGradNorm(gs, 2, { normType: Infinity }), 4);
  assertTensorClose(gs[1]!.grad!, [3 * 2 / (4 + 1e-6), 0, -4 * 2 / (4 + 1e-6)], { rtol: 1e-6 });
});

test('clipGradNorm computes float16 norms in float32 or wider', () => {
  const g = param([0, 0], [3000, 4000], 'float16');
  assert.equal(clipGradNorm([g], 1e9), 5000);
  const huge = param([0, 0], [60000, 60000], 'float16');
  assert.ok(Math.abs(clipGradNorm([huge], 1e9) - 60000 * Math.SQRT2) < 1e-6 * 84853);
});

test('clipGradNorm does not overflow on huge gradients', () => {
  const params = Array.from({ length: 100 }, () => param([0], [1e20]));
  const total = clipGradNorm(params, 1);
  assert.ok(Math.abs(total - 1e21) <= 1e21 * 1e-6, `total ${total}`);
  const p = param(new Array(100).fill(0), new Array(100).fill(1e20));
  assert.ok(Math.abs(clipGradNorm([p], 1) - 1e21) <= 1e15);
  assert.ok(Math.abs(clipGradNorm([param([0], [1e30])], 1, { normType: 3 }) - 1e30) <= 1e24);
});

test('clipGradNorm: empty lists, missing grads, bad arguments, non-finite norms', () => {
  assert.equal(clipGradNorm([], 1), 0);
  const noGradParam = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  assert.equal(clipGradNorm([noGradParam], 1), 0);
  assert.throws(() => clipGradNorm([], -1), /maxNorm must be a non-negative number/);
  assert.throws(() => clipGradNorm([], 1, { normType: 0 }), /normType must be > 0/);
  assert.throws(() => clipGradNorm([], 1, { normType: -2 }), /normType must be > 0/);
  assert.throws(() => clipGradNorm(42 as never, 1), /expected a tensor or an iterable/);
  const bad = param([0, 0], [NaN, 1]);
  const other = param([0], [100]);
  assert.throws(() => clipGradNorm([other, bad], 1, { errorIfNonfinite: true }), /total norm of order 2 .* is NaN/);
  assertTensorClose(other.grad!, [100], { rtol: 0, atol: 0 }, undefined, 'untouched before the throw');
  const inf = param([0], [Infinity]);
  assert.equal(clipGradNorm([inf], 1), Infinity);
});

test('clipGradNorm accepts gradient tensors directly', () => {
  const g = full([4], 2);
  assert.equal(clipGradNorm(g, 2), 4);
  assertTensorClose(g, [1, 1, 1, 1], { rtol: 1e-6 });
});

test('clipGradValue clamps in place to [-c, c]', () => {
  const a = param([0, 0, 0], [-5, 0.5, 7]);
  const storage = a.grad!.storage;
  clipGradValue([a], 1);
  assertTensorClose(a.grad!, [-1, 0.5, 1]);
  assert.equal(a.grad!.storage, storage);
  assert.throws(() => clipGradValue([a], -1), /clipValue must be a non-negative number/);
  const h = param([0, 0], [-70000, 3], 'float16');
  clipGradValue([h], 2);
  assertTensorClose(h.grad!, [-2, 2]);
  clipGradValue([zeros(0)], 1);
});

test('clipGradNorm uses the .grad of parameters, frozen ones included, never their values', async () => {
  const { nn } = await import('../../src/index.js');
  const frozen = new nn.Parameter(tensor([100, 100], { dtype: 'float32' }), false);
  const live = new nn.Parameter(tensor([1, 1], { dtype: 'float32' }));
  live.grad = tensor([3, 4], { dtype: 'float32' });
  assert.equal(clipGradNorm([frozen, live], 1), 5);
  assertTensorClose(frozen, [100, 100], { rtol: 0, atol: 0 }, undefined, 'frozen parameter values untouched');
});
