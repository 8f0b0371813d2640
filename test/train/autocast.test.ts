// amp.autocast: which dtype each op runs in, differentiable casts (float32 master weights get
// float32 gradients equal to those of the explicit casts), nesting, the disabled flag, exceptions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amp, gradcheck, manualSeed, models, nn, randn, tensor, type DType, type Tensor } from '../../src/index.js';

const F = nn.functional;

function bits(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number>);
}

for (const dtype of ['float16', 'bfloat16'] as const) {
  test(`autocast(${dtype}): conv2d, linear and matmul run in ${dtype}; softmax, logSoftmax and the losses in float32; the rest follows promotion`, () => {
    manualSeed(1);
    const x = randn([2, 3, 6, 6]), w = randn([4, 3, 3, 3]), b = randn([4]);
    const a = randn([5, 7]), m = randn([7, 3]), lw = randn([3, 7]), lb = randn([3]);
    const target = tensor([1, 0], { dtype: 'int64' });
    amp.autocast({ dtype }, () => {
      assert.equal(amp.isAutocastEnabled(), true);
      assert.equal(amp.autocastDtype(), dtype);
      assert.equal(F.conv2d(x, w, b, { padding: 1 }).dtype, dtype);
      assert.equal(F.linear(a, lw, lb).dtype, dtype);
      assert.equal(a.matmul(m).dtype, dtype);
      assert.equal(new nn.Linear(7, 3).forward(a).dtype, dtype, 'layers go through the functional ops');
      const h = F.linear(a, lw, lb); // lower precision
      assert.equal(F.softmax(h, 1).dtype, 'float32');
      assert.equal(F.logSoftmax(h, 1).dtype, 'float32');
      assert.equal(F.softmax(h, 1, 'float64').dtype, 'float64', 'an explicit dtype wins, as in PyTorch');
      assert.equal(F.crossEntropy(h.narrow(0, 0, 2), target).dtype, 'float32');
      assert.equal(F.mseLoss(h, h.detach().to('float32')).dtype, 'float32');
      assert.equal(F.l1Loss(h, h.detach()).dtype, 'float32');
      assert.equal(F.smoothL1Loss(h, h.detach()).dtype, 'float32');
      assert.equal(F.binaryCrossEntropyWithLogits(h, h.detach().sigmoid()).dtype, 'float32');
      assert.equal(F.relu(h).dtype, dtype, 'pointwise ops keep their input dtype');
      assert.equal(h.add(randn([3])).dtype, 'float32', `${dtype} + float32 promotes to float32`);
      const bn = F.batchNorm(F.conv2d(x, w, b), randn([4]).abs(), randn([4]).abs().add(1), { training: true, weight: randn([4]), bias: randn([4]) });
      assert.equal(bn.dtype, dtype, 'batch norm takes the activation dtype with float32 parameters and statistics');
      // float64 is left alone, as PyTorch does
      assert.equal(F.linear(a.double(), lw.double()).dtype, 'float64');
    });
    assert.equal(amp.isAutocastEnabled(), false);
    assert.equal(F.linear(a, lw, lb).dtype, 'float32', 'outside autocast nothing changes');
  });

  test(`autocast(${dtype}): float32 parameters get float32 gradients, equal to those of explicit casts`, () => {
    manualSeed(2);
    const conv = new nn.Conv2d(2, 3, 3, { padding: 1 }), fc = new nn.Linear(3 * 5 * 5, 4);
    const x = randn([3, 2, 5, 5]).requiresGrad_(), target = tensor([0, 3, 1], { dtype: 'int64' });
    const loss = amp.autocast({ dtype }, () => F.crossEntropy(fc.forward(conv.forward(x).relu().flatten(1)), target));
    assert.equal(loss.dtype, 'float32');
    loss.backward();
    const params = [conv.weight, conv.bias!, fc.weight, fc.bias!];
    for (const p of params) assert.equal(p.grad!.dtype, 'float32');
    assert.equal(x.grad!.dtype, 'float32');
    const got = [...params.map((p) => bits(p.grad!)), bits(x.grad!)];
    // the same computation written with explicit, differentiable casts
    for (const p of params) p.grad = null;
    x.grad = null;
    const c = (t: Tensor) => t.to(dtype);
    const h = F.conv2d(c(x), c(conv.weight), c(conv.bias!), { padding: 1 }).relu().flatten(1);
    F.crossEntropy(F.linear(h, c(fc.weight), c(fc.bias!)).float(), target).backward();
    assert.deepEqual([...params.map((p) => bits(p.grad!)), bits(x.grad!)], got);
  });
}

test('autocast: gradcheck through the autocast ops on float64 (left in float64, as PyTorch)', () => {
  manualSeed(3);
  const o = { dtype: 'float64' as DType, requiresGrad: true };
  const x = randn([2, 2, 4, 4], o), w = randn([3, 2, 3, 3], o), b = randn([3], o);
  gradcheck((xx, ww, bb) => amp.autocast({}, () => F.conv2d(xx!, ww!, bb!, { padding: 1 })), [x, w, b]);
  const a = randn([3, 4], o), lw = randn([2, 4], o);
  gradcheck((aa, ww) => amp.autocast({}, () => F.logSoftmax(F.linear(aa!, ww!), 1)), [a, lw]);
});

test('autocast: the cast itself is differentiable in float32 <-> float16 (gradient rounded once)', () => {
  // d/dw sum(w.to(float16) * c) = c rounded to float16, returned as float32
  const w = tensor([0.1, -2.5, 3.3], { requiresGrad: true });
  const c = tensor([1 / 3, 1e-3, 7]).to('float16');
  amp.autocast({ dtype: 'float16' }, () => w.to('float16').mul(c).sum()).backward();
  assert.equal(w.grad!.dtype, 'float32');
  assert.deepEqual(bits(w.grad!), bits(c.float()));
});

test('autocast: nesting restores the outer state; enabled: false makes a float32 region; an exception restores the state', () => {
  const a = randn([2, 3]), w = randn([4, 3]);
  amp.autocast({ dtype: 'bfloat16' }, () => {
    amp.autocast({ dtype: 'float16' }, () => {
      assert.equal(F.linear(a, w).dtype, 'float16');
      amp.autocast({ enabled: false }, () => {
        assert.equal(amp.isAutocastEnabled(), false);
        assert.equal(F.linear(a, w).dtype, 'float32');
      });
      assert.equal(F.linear(a, w).dtype, 'float16');
    });
    assert.equal(amp.autocastDtype(), 'bfloat16');
    assert.equal(F.linear(a, w).dtype, 'bfloat16');
    assert.equal(amp.autocast({}, () => F.linear(a, w).dtype), 'bfloat16', 'no dtype: keep the enclosing one');
    assert.throws(() => amp.autocast({ dtype: 'float16' }, () => { throw new Error('boom'); }), /boom/);
    assert.equal(amp.autocastDtype(), 'bfloat16');
    assert.equal(amp.isAutocastEnabled(), true);
  });
  assert.equal(amp.isAutocastEnabled(), false);
  assert.throws(() => amp.autocast({}, (async () => 1) as never), /Promise/);
  assert.equal(amp.isAutocastEnabled(), false);
  assert.throws(() => amp.autocast({ dtype: 'float64' as never }, () => 1), /float16' or 'bfloat16/);
  assert.throws(() => amp.autocast(null as never, () => 1), /options object/);
});

test('autocast: every zoo model runs forward and backward in float16 with float32 parameters and gradients', { timeout: 120_000 }, () => {
  manualSeed(4);
  const target = tensor([1, 2], { dtype: 'int64' });
  for (const name of models.MODEL_NAMES) {
    const model = models.createModel(name);
    const x = randn(name === 'lenet5' ? [2, 1, 28, 28] : [2, 3, 32, 32]);
    const out = amp.autocast({ dtype: 'float16' }, () => model.forward(x)) as Tensor | Tensor[];
    const main = Array.isArray(out) ? out[0]! : out;
    assert.equal(main.dtype, 'float16', name);
    const loss = amp.autocast({ dtype: 'float16' }, () => F.crossEntropy(main, target));
    assert.equal(loss.dtype, 'float32', name);
    loss.backward();
    for (const [pname, p] of model.namedParameters()) {
      assert.equal(p.dtype, 'float32', `${name}.${pname}`);
      if (p.grad) assert.equal(p.grad.dtype, 'float32', `${name}.${pname}.grad`);
    }
    for (const [bname, buf] of model.namedBuffers()) if (buf.isFloatingPoint()) assert.equal(buf.dtype, 'float32', `${name}.${bname} stays float32`);
  }
});
