import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, nn, randn, tensor, type DType } from '../../src/index.js';
import { assertTensorClose } from '../helpers.js';

const F = nn.functional;
const o = { dtype: 'float64' as DType, requiresGrad: true };

test('softmax and logSoftmax over any dim equal exp(x - logsumexp(x))', () => {
  const x = randn(3, 4, 5, { dtype: 'float64' });
  for (const dim of [0, 1, 2, -1]) {
    const lse = x.logsumexp(dim, true);
    assertTensorClose(F.logSoftmax(x, dim), x.sub(lse).toTypedArray() as Float64Array, { rtol: 1e-12, atol: 1e-12 });
    assertTensorClose(F.softmax(x, dim), x.sub(lse).exp().toTypedArray() as Float64Array, { rtol: 1e-12, atol: 1e-14 });
  }
  assert.equal(F.softmax(tensor(3.5), 0).item(), 1);
});

test('softmax is stable for logits of magnitude 1e4 in float32', () => {
  const x = tensor([[1e4, 0, -1e4], [-1e4, -1e4, -1e4]], { dtype: 'float32' });
  assert.deepEqual(F.logSoftmax(x, 1).toArray(), [[0, -1e4, -2e4], [-Math.log(3), -Math.log(3), -Math.log(3)].map((v) => Math.fround(v))]);
  assert.deepEqual(F.softmax(x, 1).toArray()[0], [1, 0, 0]);
});

test('activations pass gradcheck in float64', () => {
  const x = randn(3, 4, o);
  gradcheck((a) => F.softmax(a, 1), [x]);
  gradcheck((a) => F.logSoftmax(a, 0), [x]);
  gradcheck((a) => F.logSoftmax(a.transpose(0, 1), -1), [x]);
  gradcheck((a) => F.relu(a), [x]);
  gradcheck((a) => F.relu6(a.mul(4)), [x]);
  gradcheck((a) => F.leakyRelu(a, 0.2), [x]);
  gradcheck((a) => F.sigmoid(a), [x]);
  gradcheck((a) => F.tanh(a), [x]);
  gradcheck((a) => F.relu(a.mul(1), true), [x]);
});

test('activation layers apply their functions', () => {
  const x = tensor([-2, -0.5, 0, 3, 7], { dtype: 'float32' });
  assert.deepEqual(new nn.ReLU().call(x).toArray(), [0, 0, 0, 3, 7]);
  assert.deepEqual(new nn.ReLU6().call(x).toArray(), [0, 0, 0, 3, 6]);
  assert.deepEqual(new nn.LeakyReLU(0.5).call(x).toArray(), [-1, -0.25, 0, 3, 7]);
  assertTensorClose(new nn.Sigmoid().call(x), x.sigmoid().toFloat32Array());
  assertTensorClose(new nn.Tanh().call(x), x.tanh().toFloat32Array());
  assertTensorClose(new nn.Softmax(-1).call(x), F.softmax(x, 0).toFloat32Array());
  assertTensorClose(new nn.LogSoftmax(0).call(x), F.logSoftmax(x, 0).toFloat32Array());
  assert.deepEqual(new nn.Flatten().call(randn(2, 3, 4, 5)).shape, [2, 60]);
  assert.deepEqual(new nn.Flatten(0, 1).call(randn(2, 3, 4)).shape, [6, 4]);
  const id = new nn.Identity();
  assert.equal(id.call(x), x);
  // inplace ReLU overwrites its input
  const y = x.clone();
  assert.equal(new nn.ReLU({ inplace: true }).call(y), y);
  assert.deepEqual(y.toArray(), [0, 0, 0, 3, 7]);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  assert.throws(() => new nn.Softmax(undefined as any), /Softmax: expected an integer dim/);
  assert.throws(() => new nn.Softmax(2).call(x), /Softmax: dim 2 is out of range/);
  assert.throws(() => F.relu(tensor([1, 2])), /relu: expected input to be a floating-point tensor, got int64/);
});

test('half softmax computes in float32 and rounds once', () => {
  const x = randn(4, 9).mul(5).half();
  assert.deepEqual(F.softmax(x, 1).toArray(), F.softmax(x.float(), 1).half().toArray());
  assert.deepEqual(F.logSoftmax(x, 0).toArray(), F.logSoftmax(x.float(), 0).half().toArray());
  const xr = x.clone().requiresGrad_();
  F.logSoftmax(xr, 1).sum().backward();
  assert.equal(xr.grad!.dtype, 'float16');
});
