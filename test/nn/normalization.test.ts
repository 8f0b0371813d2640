import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, nn, randn, rand, zeros, ones, type DType } from '../../src/index.js';
import { assertTensorClose } from '../helpers.js';
import { fromFixture, loadFixture } from './fixture.js';
import { batchNormRelu } from '../../src/nn/functional/normalization.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const F = nn.functional;
const fixture = loadFixture('nn_norm.json');
const o = { dtype: 'float64' as DType, requiresGrad: true };

for (const dtype of ['float64', 'float32'] as DType[]) {
  test(`BatchNorm2d matches PyTorch over three training steps then evaluation (${dtype}): outputs, running stats, counts, gradients`, () => {
    const tol = dtype === 'float64' ? { rtol: 1e-10, atol: 1e-10 } : { rtol: 1e-4, atol: 1e-5 };
    for (const c of fixture.batchNorm) {
      const bn = new nn.BatchNorm2d(3, { ...c.options, dtype });
      if (c.init.weight) bn.loadStateDict(new Map([['weight', fromFixture(c.init.weight)], ['bias', fromFixture(c.init.bias)]]), { strict: false });
      c.steps.forEach((s: Record<string, never>, i: number) => {
        const what = `${c.name}, step ${i + 1}`;
        const x = fromFixture(s.input, dtype).requiresGrad_();
        bn.zeroGrad({ setToNone: true });
        const y = bn.call(x);
        assertTensorClose(y, (s.output as { data: number[] }).data, tol, x.shape, `${what}: output`);
        y.backward(fromFixture(s.gradOutput, dtype));
        assertTensorClose(x.grad!, (s.gradInput as { data: number[] }).data, tol, x.shape, `${what}: input gradient`);
        if (s.gradWeight) {
          assertTensorClose(bn.weight!.grad!, (s.gradWeight as { data: number[] }).data, tol, [3], `${what}: weight gradient`);
          assertTensorClose(bn.bias!.grad!, (s.gradBias as { data: number[] }).data, tol, [3], `${what}: bias gradient`);
        }
        if (s.runningMean) {
          assertTensorClose(bn.runningMean!, (s.runningMean as { data: number[] }).data, tol, [3], `${what}: running mean`);
          assertTensorClose(bn.runningVar!, (s.runningVar as { data: number[] }).data, tol, [3], `${what}: running var`);
          assert.equal(bn.numBatchesTracked!.item(), s.numBatchesTracked, `${what}: num_batches_tracked`);
        }
      });
      bn.eval();
      bn.zeroGrad({ setToNone: true });
      const x = fromFixture(c.eval.input, dtype).requiresGrad_();
      const y = bn.call(x);
      assertTensorClose(y, c.eval.output.data, tol, x.shape, `${c.name}, eval: output`);
      y.backward(fromFixture(c.eval.gradOutput, dtype));
      assertTensorClose(x.grad!, c.eval.gradInput.data, tol, x.shape, `${c.name}, eval: input gradient`);
      if (c.eval.gradWeight) assertTensorClose(bn.weight!.grad!, c.eval.gradWeight.data, tol, [3], `${c.name}, eval: weight gradient`);
    }
  });
}

test('batchNorm passes gradcheck in float64 (training and evaluation, with and without affine)', () => {
  const x = randn(3, 2, 2, 3, o), w = rand(2, o).add(0.5).detach().requiresGrad_(), b = randn(2, o);
  gradcheck((a, ww, bb) => F.batchNorm(a, null, null, { weight: ww, bias: bb, training: true }), [x, w, b]);
  gradcheck((a) => F.batchNorm(a, zeros(2, { dtype: 'float64' }), ones(2, { dtype: 'float64' }), { training: true, momentum: 0.5 }), [x]);
  const rm = randn(2, { dtype: 'float64' }), rv = rand(2, { dtype: 'float64' }).add(0.5);
  gradcheck((a, ww, bb) => F.batchNorm(a, rm, rv, { weight: ww, bias: bb }), [x, w, b]);
  gradcheck((a) => F.batchNorm(a, null, null, { training: true }), [randn(5, 3, o)]);
});

test('BatchNorm2d in float16 normalises in float32 and keeps float16 running statistics', () => {
  const bn = new nn.BatchNorm2d(4).half();
  const x = randn(3, 4, 5, 5).mul(3).add(2).half();
  const y = bn.call(x);
  assert.equal(y.dtype, 'float16');
  const ref = F.batchNorm(x.float(), zeros(4), ones(4), { training: true });
  assert.deepEqual(y.toArray(), ref.half().toArray());
  assert.equal(bn.runningMean!.dtype, 'float16');
  const mean = x.float().mean([0, 2, 3]).mul(0.1);
  assertTensorClose(bn.runningMean!, mean.half().toFloat32Array(), { rtol: 1e-3, atol: 1e-3 });
  assert.equal(bn.numBatchesTracked!.item(), 1);
});

test('batch norm checks its arguments', () => {
  const bn = new nn.BatchNorm2d(3);
  assert.throws(() => bn.call(randn(2, 3, 4)), /BatchNorm2d: expected a 4-d input \[N, C, H, W\], got \[2, 3, 4\]/);
  assert.throws(() => bn.call(randn(2, 4, 3, 3)), /BatchNorm2d: input has 4 channels, expected 3/);
  assert.throws(() => bn.call(randn(1, 3, 1, 1)), /batchNorm: expected more than 1 value per channel when training, got input \[1, 3, 1, 1\]/);
  assert.throws(() => F.batchNorm(randn(2, 3, 4), randn(2), randn(2)), /batchNorm: expected runningMean of shape \[3\] \(one per channel of input \[2, 3, 4\]\), got \[2\]/);
  assert.throws(() => F.batchNorm(randn(2, 3), null, null), /batchNorm: evaluation mode \(training = false\) needs runningMean and runningVar/);
  assert.throws(() => F.batchNorm(randn(2, 3), randn(3), null, { training: true }), /runningMean and runningVar must both be given or both be null/);
  assert.throws(() => new nn.BatchNorm1d(3).call(randn(2, 3, 4, 5)), /BatchNorm1d: expected a 2-d or 3-d input/);
  // evaluation without running statistics uses the batch's, as PyTorch
  const untracked = new nn.BatchNorm2d(3, { trackRunningStats: false }).eval();
  const x = randn(4, 3, 2, 2);
  assertTensorClose(untracked.call(x), F.batchNorm(x, null, null, { training: true }).toFloat32Array(), { rtol: 0, atol: 0 });
});

for (const dtype of ['float64', 'float32'] as DType[]) {
  test(`localResponseNorm matches PyTorch with gradients (${dtype})`, () => {
    const tol = dtype === 'float64' ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-6 };
    for (const c of fixture.localResponseNorm) {
      const x = fromFixture(c.input, dtype).requiresGrad_();
      const y = F.localResponseNorm(x, c.size, c.options);
      assertTensorClose(y, c.output.data, tol, c.output.shape, `${c.name}: output`);
      y.backward(fromFixture(c.gradOutput, dtype));
      assertTensorClose(x.grad!, c.gradInput.data, tol, c.input.shape, `${c.name}: input gradient`);
    }
  });
}

test('localResponseNorm passes gradcheck; the layer uses AlexNet\'s settings as given', () => {
  gradcheck((x) => F.localResponseNorm(x, 3, { alpha: 0.3, beta: 0.75, k: 2 }), [randn(2, 5, 2, 2, o)]);
  gradcheck((x) => F.localResponseNorm(x, 4, { alpha: 1, beta: 0.5 }), [randn(1, 6, 3, o)]);
  const lrn = new nn.LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 });
  const x = randn(2, 8, 3, 3);
  assert.deepEqual(lrn.call(x).toFloat32Array(), F.localResponseNorm(x, 5, { alpha: 1e-4, beta: 0.75, k: 2 }).toFloat32Array());
  assert.throws(() => F.localResponseNorm(randn(3, 4), 2), /localResponseNorm: expected an input with at least 3 dimensions \[N, C, \.\.\.\], got \[3, 4\]/);
  assert.throws(() => new nn.LocalResponseNorm(0), /LocalResponseNorm: expected size to be an integer >= 1, got number 0/);
});

test('Sequential runs BatchNorm then ReLU as one op with exactly the values, gradients and running stats of the two', () => {
  for (const dtype of ['float32', 'float64', 'float16'] as DType[]) {
    for (const inplace of [true, false]) {
      const fusedNet = new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.BatchNorm2d(3), new nn.ReLU({ inplace })).to(dtype);
      const plainBn = new nn.BatchNorm2d(3).to(dtype);
      plainBn.loadStateDict(fusedNet.at(1).stateDict());
      const conv = fusedNet.at(0);
      for (const training of [true, false]) {
        fusedNet.train(training);
        plainBn.train(training);
        const what = `${dtype}, inplace ${inplace}, ${training ? 'training' : 'eval'}`;
        const x = randn(4, 2, 5, 5).mul(2).to(dtype).requiresGrad_();
        const h = conv.call(x).detach().requiresGrad_();
        const fused = (fusedNet.at(1) as nn.BatchNorm2d).forwardRelu(h);
        const plain = F.relu(plainBn.call(h.detach().requiresGrad_()), inplace);
        assert.deepEqual(fused.toArray(), plain.toArray(), `${what}: output`);
        if (dtype !== 'float16') assert.equal(fused.gradFn?.name, 'batchNormRelu', `${what}: the fused op ran`);
        const g = randn(...fused.shape).to(dtype);
        const h2 = h.detach().requiresGrad_();
        const bn = fusedNet.at(1) as nn.BatchNorm2d;
        bn.zeroGrad({ setToNone: true });
        plainBn.zeroGrad({ setToNone: true });
        bn.forwardRelu(h2).backward(g);
        const h3 = h.detach().requiresGrad_();
        F.relu(plainBn.call(h3), inplace).backward(g);
        assert.deepEqual(h2.grad!.toArray(), h3.grad!.toArray(), `${what}: input gradient`);
        assert.deepEqual(bn.weight!.grad!.toArray(), plainBn.weight!.grad!.toArray(), `${what}: weight gradient`);
        assert.deepEqual(bn.bias!.grad!.toArray(), plainBn.bias!.grad!.toArray(), `${what}: bias gradient`);
        assert.deepEqual(bn.runningMean!.toArray(), plainBn.runningMean!.toArray(), `${what}: running mean`);
        assert.deepEqual(bn.runningVar!.toArray(), plainBn.runningVar!.toArray(), `${what}: running var`);
      }
    }
  }
});

test('a BatchNorm subclass with its own forward, or a ReLU subclass, is not fused', () => {
  class Shifted extends nn.BatchNorm2d {
    override forward(input: Tensor): Tensor { return super.forward(input).add(1); }
  }
  class Doubled extends nn.ReLU {
    override forward(input: Tensor): Tensor { return super.forward(input).mul(2); }
  }
  const x = randn(3, 2, 4, 4, { requiresGrad: true });
  const y = new nn.Sequential(new Shifted(2), new nn.ReLU()).call(x);
  assert.equal(y.gradFn?.name, 'relu');
  assert.ok(Array.from(y.toFloat32Array()).every((v) => v >= 0));
  const ref = new nn.BatchNorm2d(2).call(x).relu().mul(2);
  const z = new nn.Sequential(new nn.BatchNorm2d(2), new Doubled()).call(x);
  assert.notEqual(z.gradFn?.name, 'batchNormRelu');
  assert.deepEqual(z.toArray(), ref.toArray());
  assert.equal(new nn.Sequential(new nn.BatchNorm2d(2), new nn.ReLU()).call(x).gradFn?.name, 'batchNormRelu');
  // a batch norm last in the sequence, or followed by something else, runs alone
  assert.equal(new nn.Sequential(new nn.BatchNorm2d(2)).call(x).gradFn?.name, 'batchNorm');
  assert.notEqual(new nn.Sequential(new nn.BatchNorm2d(2), new nn.Identity(), new nn.ReLU()).call(x).gradFn?.name, 'batchNormRelu');
});

test('batchNormRelu passes gradcheck in float64 (training and evaluation)', () => {
  const x = randn(3, 2, 2, 3, o), w = rand(2, o).add(0.5).detach().requiresGrad_(), b = randn(2, o);
  gradcheck((a, ww, bb) => batchNormRelu(a, null, null, { weight: ww, bias: bb, training: true }), [x, w, b]);
  const rm = randn(2, { dtype: 'float64' }), rv = rand(2, { dtype: 'float64' }).add(0.5);
  gradcheck((a, ww, bb) => batchNormRelu(a, rm, rv, { weight: ww, bias: bb }), [x, w, b]);
});
