import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, nn, randn, ones, manualSeed, Generator, type DType } from '../../src/index.js';

const F = nn.functional;

test('dropout is reproducible with a seed, scales the kept values by 1 / (1 - p), drops about p', () => {
  const x = ones(100, 100);
  manualSeed(42);
  const a = F.dropout(x, 0.3);
  manualSeed(42);
  const b = F.dropout(x, 0.3);
  assert.deepEqual(a.toArray(), b.toArray());
  const c = F.dropout(x, 0.3);
  assert.notDeepEqual(a.toArray(), c.toArray());
  const v = a.toFloat32Array();
  const kept = v.filter((e) => e !== 0);
  assert.ok(kept.every((e) => e === Math.fround(1 / 0.7)));
  assert.ok(Math.abs(1 - kept.length / v.length - 0.3) < 0.02, `dropped ${1 - kept.length / v.length}`);
  const g1 = F.dropout(x, 0.5, true, { generator: new Generator(1) });
  const g2 = F.dropout(x, 0.5, true, { generator: new Generator(1) });
  assert.deepEqual(g1.toArray(), g2.toArray());
});

test('dropout is the identity in evaluation or with p = 0, zero with p = 1', () => {
  const x = randn(3, 4);
  assert.equal(F.dropout(x, 0.5, false), x);
  assert.equal(F.dropout(x, 0), x);
  assert.ok(F.dropout(x, 1).toFloat32Array().every((v) => v === 0));
  const d = new nn.Dropout(0.5, { generator: new Generator(3) });
  d.eval();
  assert.equal(d.call(x), x);
  d.train();
  const y = d.call(x);
  assert.deepEqual(new nn.Dropout(0.5, { generator: new Generator(3) }).call(x).toArray(), y.toArray());
  assert.throws(() => new nn.Dropout(1.5), /Dropout: expected a probability p between 0 and 1, got number 1.5/);
  assert.throws(() => F.dropout(x, -0.1), /dropout: expected a probability p between 0 and 1/);
});

test('dropout gradients flow through the kept elements only (gradcheck)', () => {
  const x = randn(4, 5, { dtype: 'float64' as DType, requiresGrad: true });
  gradcheck((a) => F.dropout(a, 0.4, true, { generator: new Generator(9) }), [x]);
  const h = randn(50).half().requiresGrad_();
  const y = F.dropout(h, 0.5, true, { generator: new Generator(2) });
  assert.equal(y.dtype, 'float16');
  y.sum().backward();
  assert.deepEqual(Array.from(h.grad!.toFloat32Array()).map((g) => g !== 0), Array.from(y.toFloat32Array()).map((v, i) => v !== 0 || h.toFloat32Array()[i] === 0));
});
