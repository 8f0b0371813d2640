import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, empty, zeros, Generator } from '../../src/index.js';

const init = nn.init;

function stats(v: Float32Array): { max: number; std: number; mean: number } {
  let s = 0, s2 = 0, max = 0;
  for (const x of v) { s += x; s2 += x * x; max = Math.max(max, Math.abs(x)); }
  const mean = s / v.length;
  return { max, mean, std: Math.sqrt(s2 / v.length - mean * mean) };
}

test('calculateGain matches torch.nn.init.calculate_gain', () => {
  assert.equal(init.calculateGain('linear'), 1);
  assert.equal(init.calculateGain('conv2d'), 1);
  assert.equal(init.calculateGain('sigmoid'), 1);
  assert.equal(init.calculateGain('tanh'), 5 / 3);
  assert.equal(init.calculateGain('relu'), Math.SQRT2);
  assert.equal(init.calculateGain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(init.calculateGain('leaky_relu', Math.sqrt(5)), Math.sqrt(2 / 6));
  assert.equal(init.calculateGain('selu'), 0.75);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  assert.throws(() => init.calculateGain('swish' as any), /init.calculateGain: unsupported nonlinearity 'swish'/);
});

test('kaiming and xavier use PyTorch\'s fans, bounds and standard deviations', () => {
  const w = empty(64, 32, 3, 3); // fanIn 288, fanOut 576
  init.kaimingUniform_(w, { nonlinearity: 'relu' });
  let s = stats(w.toFloat32Array());
  const bound = Math.sqrt(2) * Math.sqrt(3 / 288);
  assert.ok(s.max <= bound && s.max > 0.99 * bound);
  init.kaimingUniform_(w, { mode: 'fan_out', nonlinearity: 'relu' });
  assert.ok(stats(w.toFloat32Array()).max <= Math.sqrt(2) * Math.sqrt(3 / 576) + 1e-7);
  init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' });
  s = stats(w.toFloat32Array());
  assert.ok(Math.abs(s.std / Math.sqrt(2 / 576) - 1) < 0.03, `std ${s.std}`);
  init.xavierUniform_(w, { gain: 2 });
  assert.ok(stats(w.toFloat32Array()).max <= 2 * Math.sqrt(6 / (288 + 576)) + 1e-7);
  init.xavierNormal_(w);
  s = stats(w.toFloat32Array());
  assert.ok(Math.abs(s.std / Math.sqrt(2 / (288 + 576)) - 1) < 0.03, `std ${s.std}`);
  init.normal_(w, 3, 0.5);
  s = stats(w.toFloat32Array());
  assert.ok(Math.abs(s.mean - 3) < 0.02 && Math.abs(s.std - 0.5) < 0.02);
  init.uniform_(w, -2, -1);
  assert.ok(w.toFloat32Array().every((x) => x >= -2 && x < -1));
  assert.throws(() => init.kaimingUniform_(zeros(5)), /fan in and fan out need a tensor with at least 2 dimensions, got \[5\]/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  assert.throws(() => init.kaimingNormal_(w, { mode: 'in' as any }), /expected mode 'fan_in' or 'fan_out', got 'in'/);
});

test('init works on parameters that require grad, without recording, and is seedable', () => {
  const p = new nn.Parameter(empty(3, 4));
  init.constant_(p, 2.5);
  assert.ok(p.toFloat32Array().every((x) => x === 2.5) && p.isLeaf && p.gradFn === null);
  init.zeros_(p);
  assert.ok(p.toFloat32Array().every((x) => x === 0));
  init.ones_(p);
  assert.ok(p.toFloat32Array().every((x) => x === 1));
  const a = init.kaimingUniform_(empty(4, 4), { generator: new Generator(5) });
  const b = init.kaimingUniform_(empty(4, 4), { generator: new Generator(5) });
  assert.deepEqual(a.toArray(), b.toArray());
  assert.throws(() => init.zeros_(zeros(2, { dtype: 'int64' })), /init.constant_: expected a floating-point tensor, got int64/);
});
