import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, nn, randn, tensor, type DType } from '../../src/index.js';
import { assertTensorClose } from '../helpers.js';
import { fromFixture, loadFixture } from './fixture.js';

const F = nn.functional;
const fixture = loadFixture('nn_pool.json');
const o = { dtype: 'float64' as DType, requiresGrad: true };

/** PyTorch's snake_case options as ours. */
function camel(options: Record<string, unknown>): Record<string, unknown> {
  const names: Record<string, string> = { ceil_mode: 'ceilMode', count_include_pad: 'countIncludePad', divisor_override: 'divisorOverride' };
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [names[k] ?? k, v]));
}

for (const dtype of ['float64', 'float32'] as DType[]) {
  test(`pooling matches PyTorch with gradients (${dtype}): ceilMode, padding, dilation, countIncludePad, divisorOverride, adaptive`, () => {
    const tol = dtype === 'float64' ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-6 };
    for (const c of fixture.cases) {
      const x = fromFixture(c.input, dtype).requiresGrad_();
      const options = camel(c.options);
      let y;
      if (c.fn === 'maxPool2d') {
        const [values, indices] = F.maxPool2d(x, c.args[0], { ...options, returnIndices: true });
        assert.equal(indices.dtype, 'int64');
        assert.deepEqual(Array.from(indices.toTypedArray() as BigInt64Array, Number), c.indices.data, `${c.name}: indices`);
        y = values;
      } else if (c.fn === 'avgPool2d') {
        y = F.avgPool2d(x, c.args[0], options);
      } else {
        y = F.adaptiveAvgPool2d(x, c.args[0]);
      }
      assertTensorClose(y, c.output.data, tol, c.output.shape, `${c.name}: output`);
      y.backward(fromFixture(c.gradOutput, dtype));
      assertTensorClose(x.grad!, c.gradInput.data, tol, c.input.shape, `${c.name}: input gradient`);
    }
  });
}

test('pooling layers equal the functional ops', () => {
  const x = randn(2, 3, 9, 8);
  const same = (a: { toFloat32Array(): Float32Array }, b: { toFloat32Array(): Float32Array }) => assert.deepEqual(a.toFloat32Array(), b.toFloat32Array());
  same(new nn.MaxPool2d(3, { stride: 2, ceilMode: true }).call(x), F.maxPool2d(x, 3, { stride: 2, ceilMode: true }));
  const [v, i] = new nn.MaxPool2d(2, { returnIndices: true }).call(x);
  const [v2, i2] = F.maxPool2d(x, 2, { returnIndices: true });
  same(v, v2);
  assert.deepEqual(i.toArray(), i2.toArray());
  same(new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }).call(x), F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }));
  same(new nn.AdaptiveAvgPool2d([null, 2]).call(x), F.adaptiveAvgPool2d(x, [9, 2]));
  assert.deepEqual(new nn.AdaptiveAvgPool2d(1).call(x).shape, [2, 3, 1, 1]);
});

test('pooling passes gradcheck in float64', () => {
  gradcheck((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [randn(2, 2, 6, 5, o)]);
  gradcheck((x) => F.maxPool2d(x, [2, 3], { stride: 1, dilation: [2, 1] }), [randn(1, 2, 5, 6, o)]);
  gradcheck((x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [randn(1, 2, 6, 7, o)]);
  gradcheck((x) => F.avgPool2d(x, 2, { divisorOverride: 3 }), [randn(2, 1, 4, 4, o)]);
  gradcheck((x) => F.adaptiveAvgPool2d(x, [3, 2]), [randn(1, 2, 7, 5, o)]);
  gradcheck((x) => F.adaptiveAvgPool2d(x.transpose(1, 2), 4), [randn(3, 3, 5, o)]);
});

test('output sizes follow PyTorch: the last ceilMode window must start inside the input or left padding', () => {
  // 5 wide, kernel 2, stride 2, padding 1: floor gives 3; ceil gives 4 but that window would start at 6 - 1 = 5 >= 5
  assert.deepEqual(F.maxPool2d(randn(1, 1, 5, 5), 2, { stride: 2, padding: 1, ceilMode: true }).shape, [1, 1, 3, 3]);
  assert.deepEqual(F.maxPool2d(randn(1, 1, 14, 14), 3, { stride: 2, ceilMode: true }).shape, [1, 1, 7, 7]);
  assert.deepEqual(F.maxPool2d(randn(1, 1, 14, 14), 3, { stride: 2 }).shape, [1, 1, 6, 6]);
  assert.deepEqual(F.avgPool2d(randn(2, 7, 5), 2, { ceilMode: true }).shape, [2, 4, 3]);
});

test('half-precision pooling rounds the float32 result once', () => {
  const x = randn(2, 3, 7, 7).mul(100).half();
  assert.deepEqual(F.avgPool2d(x, 3, { stride: 2, padding: 1 }).toArray(), F.avgPool2d(x.float(), 3, { stride: 2, padding: 1 }).half().toArray());
  assert.deepEqual(F.adaptiveAvgPool2d(x, 3).toArray(), F.adaptiveAvgPool2d(x.float(), 3).half().toArray());
  assert.deepEqual(F.maxPool2d(x, 2).toArray(), F.maxPool2d(x.float(), 2).half().toArray());
});

test('pooling rejects bad arguments with the op and the mismatch', () => {
  const x = randn(1, 2, 6, 6);
  assert.throws(() => F.maxPool2d(x, 3, { padding: 2 }), /maxPool2d: padding \[2, 2\] must be at most half the kernel size \[3, 3\]/);
  assert.throws(() => F.maxPool2d(x, 7), /maxPool2d: the output would be empty \(0x0\) for input 6x6, kernel \[7, 7\]/);
  assert.throws(() => F.avgPool2d(randn(6, 6), 2), /avgPool2d: expected a 4-d input \[N, C, H, W\] \(or 3-d \[C, H, W\]\), got \[6, 6\]/);
  assert.throws(() => F.avgPool2d(x, 2, { divisorOverride: 0 }), /avgPool2d: expected divisorOverride to be an integer >= 1, got number 0/);
  assert.throws(() => F.maxPool2d(x, 0), /maxPool2d: expected kernelSize to be an integer >= 1, got number 0/);
  assert.throws(() => F.maxPool2d(x, [2, 2], { dilation: 0 }), /maxPool2d: expected dilation to be an integer >= 1/);
  assert.throws(() => F.adaptiveAvgPool2d(x, [0, 2]), /adaptiveAvgPool2d: expected outputSize\[0\] to be an integer >= 1, got number 0/);
  assert.throws(() => F.adaptiveAvgPool2d(randn(1, 2, 0, 3), 2), /adaptiveAvgPool2d: expected non-zero channels, height and width, got input \[1, 2, 0, 3\]/);
  assert.throws(() => F.maxPool2d(tensor([[[[1, 2], [3, 4]]]]), 2), /maxPool2d: expected input to be a floating-point tensor, got int64/);
  assert.throws(() => new nn.AdaptiveAvgPool2d([2, 0] as unknown as [number, number]), /AdaptiveAvgPool2d: expected outputSize to be a positive integer or a pair/);
});
