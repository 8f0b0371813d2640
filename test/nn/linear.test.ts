import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, nn, randn, Generator, type DType } from '../../src/index.js';
import { assertTensorClose } from '../helpers.js';
import { fromFixture, loadFixture } from './fixture.js';

const F = nn.functional;
const fixture = loadFixture('nn_linear.json');

for (const dtype of ['float64', 'float32'] as DType[]) {
  test(`linear matches PyTorch with gradients (${dtype})`, () => {
    const tol = dtype === 'float64' ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-5 };
    for (const c of fixture.cases) {
      const x = fromFixture(c.input, dtype).requiresGrad_();
      const w = fromFixture(c.weight, dtype).requiresGrad_();
      const b = c.bias ? fromFixture(c.bias, dtype).requiresGrad_() : null;
      const y = F.linear(x, w, b);
      assertTensorClose(y, c.output.data, tol, c.output.shape, `${c.name}: output`);
      y.backward(fromFixture(c.gradOutput, dtype));
      assertTensorClose(x.grad!, c.gradInput.data, tol, c.input.shape, `${c.name}: input gradient`);
      assertTensorClose(w.grad!, c.gradWeight.data, tol, c.weight.shape, `${c.name}: weight gradient`);
      if (b) assertTensorClose(b.grad!, c.gradBias.data, tol, c.bias.shape, `${c.name}: bias gradient`);
    }
  });
}

test('linear passes gradcheck in float64, with non-contiguous input', () => {
  const o = { dtype: 'float64' as DType, requiresGrad: true };
  gradcheck((x, w, b) => F.linear(x, w, b), [randn(4, 3, o), randn(2, 3, o), randn(2, o)]);
  gradcheck((x, w) => F.linear(x.transpose(0, 1), w), [randn(3, 2, 4, o), randn(5, 4, o)]);
  gradcheck((x, w) => F.linear(x, w), [randn(3, o), randn(2, 3, o)]);
});

test('Linear initialises like PyTorch: U(+-1/sqrt(inFeatures)) for weight and bias, seedable', () => {
  const lin = new nn.Linear(400, 300);
  const bound = 1 / Math.sqrt(400);
  for (const p of [lin.weight, lin.bias!]) {
    const v = p.toFloat32Array();
    const max = v.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
    assert.ok(max <= bound && max > 0.98 * bound, `max |value| ${max} vs bound ${bound}`);
  }
  // variance of U(-a, a) is a^2 / 3
  const variance = lin.weight.square().mean().item();
  assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 0.02, `variance ${variance}`);
  const a = new nn.Linear(5, 4, { generator: new Generator(7) }), b = new nn.Linear(5, 4, { generator: new Generator(7) });
  assert.deepEqual(a.weight.toArray(), b.weight.toArray());
  assert.deepEqual(a.bias!.toArray(), b.bias!.toArray());
  assert.equal(new nn.Linear(2, 3, { dtype: 'float64' }).weight.dtype, 'float64');
});

test('half-precision linear accumulates in float32 and rounds once', () => {
  const x = randn(7, 300).mul(30).half(), w = randn(5, 300).mul(30).half(), b = randn(5).half();
  const ref = F.linear(x.float(), w.float(), b.float()).half();
  const y = F.linear(x, w, b);
  assert.equal(y.dtype, 'float16');
  assert.deepEqual(y.toArray(), ref.toArray());
});

test('linear checks its arguments', () => {
  assert.throws(() => F.linear(randn(3, 5), randn(4, 4)), /linear: input has 5 features \(last dimension of \[3, 5\]\), weight expects 4/);
  assert.throws(() => F.linear(randn(3, 4), randn(4)), /linear: expected a 2-d weight \[outFeatures, inFeatures\], got \[4\]/);
  assert.throws(() => F.linear(randn(3, 4), randn(2, 4), randn(3)), /linear: expected bias of shape \[2\] \(one per output feature\), got \[3\]/);
  assert.throws(() => F.linear(randn(3, 4), randn(2, 4, { dtype: 'float64' })), /linear: input is float32 but weight is float64/);
  assert.throws(() => new nn.Linear(3, -1), /Linear: expected outFeatures to be an integer >= 0, got number -1/);
  assert.throws(() => new nn.Linear(3, 2).call(randn(2, 2)), /linear: input has 2 features/);
});
