import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, nn, randn, full, zeros, noGrad, type DType } from '../../src/index.js';
import { assertTensorClose } from '../helpers.js';
import { fromFixture, loadFixture } from './fixture.js';

const F = nn.functional;
const fixture = loadFixture('nn_conv2d.json');
const o = { dtype: 'float64' as DType, requiresGrad: true };

for (const dtype of ['float64', 'float32'] as DType[]) {
  test(`conv2d matches PyTorch with all three gradients (${dtype}): stride, padding, 'same', 'valid', dilation, groups, depthwise`, () => {
    const tol = dtype === 'float64' ? { rtol: 1e-10, atol: 1e-10 } : { rtol: 1e-4, atol: 1e-4 };
    for (const c of fixture.cases) {
      const x = fromFixture(c.input, dtype).requiresGrad_();
      const w = fromFixture(c.weight, dtype).requiresGrad_();
      const b = c.bias ? fromFixture(c.bias, dtype).requiresGrad_() : null;
      const y = F.conv2d(x, w, b, c.options);
      assertTensorClose(y, c.output.data, tol, c.output.shape, `${c.name}: output`);
      y.backward(fromFixture(c.gradOutput, dtype));
      assertTensorClose(x.grad!, c.gradInput.data, tol, c.input.shape, `${c.name}: input gradient`);
      assertTensorClose(w.grad!, c.gradWeight.data, tol, c.weight.shape, `${c.name}: weight gradient`);
      if (b) assertTensorClose(b.grad!, c.gradBias.data, tol, c.bias.shape, `${c.name}: bias gradient`);
    }
  });
}

test('Conv2d layer: PyTorch init bounds, weights loaded by name give the functional result', () => {
  const conv = new nn.Conv2d(6, 8, [3, 2], { stride: [2, 1], padding: 1, groups: 2 });
  assert.deepEqual(conv.weight.shape, [8, 3, 3, 2]);
  const bound = 1 / Math.sqrt(3 * 3 * 2);
  for (const p of [conv.weight, conv.bias!]) assert.ok(p.toFloat32Array().every((v) => Math.abs(v) <= bound));
  const w = randn(8, 3, 3, 2), b = randn(8);
  conv.loadStateDict(new Map([['weight', w], ['bias', b]]));
  const x = randn(2, 6, 7, 5);
  assertTensorClose(conv.call(x), F.conv2d(x, w, b, { stride: [2, 1], padding: 1, groups: 2 }).toFloat32Array(), { rtol: 0, atol: 0 });
  const same = new nn.Conv2d(2, 3, 4, { padding: 'same', bias: false });
  assert.deepEqual(same.call(randn(1, 2, 5, 6)).shape, [1, 3, 5, 6]);
  assert.equal(same.stateDict().size, 1);
});

test('conv2d passes gradcheck in float64', () => {
  gradcheck((x, w, b) => F.conv2d(x, w, b, { padding: 1 }), [randn(2, 2, 4, 3, o), randn(3, 2, 3, 3, o), randn(3, o)]);
  gradcheck((x, w) => F.conv2d(x, w, null, { stride: [2, 1], dilation: [1, 2], padding: [0, 2] }), [randn(1, 2, 5, 5, o), randn(2, 2, 2, 3, o)]);
  gradcheck((x, w, b) => F.conv2d(x, w, b, { groups: 2, stride: 2, padding: 1 }), [randn(1, 4, 5, 4, o), randn(4, 2, 3, 3, o), randn(4, o)]);
  gradcheck((x, w) => F.conv2d(x, w, null, { groups: 3, padding: 1 }), [randn(2, 3, 4, 4, o), randn(6, 1, 3, 3, o)]);
  gradcheck((x, w) => F.conv2d(x, w, null, { padding: 'same' }), [randn(1, 2, 4, 5, o), randn(2, 2, 2, 4, o)]);
  gradcheck((x, w) => F.conv2d(x.transpose(1, 2), w), [randn(3, 4, 3, o), randn(2, 3, 2, 2, o)]);
});

test('float16 conv2d backward accumulates in float32: finite where a float16 sum would overflow, Inf only above 65504', () => {
  // 2 input channels over a 130 x 130 image, dy = 1. Weight gradient dw[k, c] sums x[c] over ~16900
  // positions: channel 0 is 6 everywhere (true sum ~1.0e5 > 65504: Inf), channel 1 is +8 on the top
  // 60% of rows and -8 below (partial sums pass 81000, the true sum is ~2.7e4: finite).
  const h = 130, w = 130;
  const xv = new Float32Array(2 * h * w);
  for (let i = 0; i < h * w; i++) {
    xv[i] = 6;
    xv[h * w + i] = Math.floor(i / w) < 0.6 * h ? 8 : -8;
  }
  const x = fromFixture({ shape: [1, 2, h, w], dtype: 'float32', data: Array.from(xv) }).half().requiresGrad_();
  const weight = full([2, 2, 3, 3], 0.01).half().requiresGrad_();
  const y = F.conv2d(x, weight, null, { padding: 1 });
  assert.equal(y.dtype, 'float16');
  y.backward(full(y.shape, 1, { dtype: 'float16' }));
  // the float32 computation on the same (float16-representable) values, rounded once
  const x32 = x.detach().float().requiresGrad_(), w32 = weight.detach().float().requiresGrad_();
  F.conv2d(x32, w32, null, { padding: 1 }).backward(full(y.shape, 1));
  const dw32 = w32.grad!.toFloat32Array();
  const dw16 = weight.grad!;
  assert.equal(dw16.dtype, 'float16');
  assert.deepEqual(dw16.toArray(), w32.grad!.half().toArray());
  const got = dw16.toFloat32Array();
  for (let k = 0; k < 2; k++) {
    for (let j = 0; j < 9; j++) {
      const c0 = k * 18 + j, c1 = k * 18 + 9 + j;
      assert.ok(dw32[c0]! > 65504 && got[c0] === Infinity, `channel 0 true value ${dw32[c0]} must give Inf`);
      assert.ok(Math.abs(dw32[c1]!) > 2e4 && Math.abs(dw32[c1]!) < 65504 && Number.isFinite(got[c1]!), `channel 1 true value ${dw32[c1]} must stay finite, got ${got[c1]}`);
    }
  }
  assert.deepEqual(x.grad!.toArray(), x32.grad!.half().toArray());
  // bfloat16's range holds 1e5: all finite, again the float32 result rounded once
  const xb = x.detach().bfloat16(), wb = weight.detach().bfloat16().requiresGrad_();
  F.conv2d(xb, wb, null, { padding: 1 }).sum().backward();
  assert.deepEqual(wb.grad!.toArray(), w32.grad!.bfloat16().toArray());
});

test('conv2d forward in half precision rounds the float32 result once', () => {
  const x = randn(2, 3, 6, 6).half(), w = randn(4, 3, 3, 3).half(), b = randn(4).half();
  const y = F.conv2d(x, w, b, { stride: 2, padding: 1 });
  assert.deepEqual(y.toArray(), F.conv2d(x.float(), w.float(), b.float(), { stride: 2, padding: 1 }).half().toArray());
});

test('conv2d rejects bad arguments before any kernel runs, naming the mismatch', () => {
  const x = randn(2, 3, 8, 8);
  assert.throws(() => F.conv2d(x, randn(4, 1, 3, 3)), /conv2d: input has 3 channels, weight expects 1$/);
  assert.throws(() => F.conv2d(x, randn(4, 2, 3, 3), null, { groups: 2 }), /conv2d: input has 3 channels, weight expects 4 \(2 per group x 2 groups\)/);
  assert.throws(() => F.conv2d(randn(1, 4, 5, 5), randn(3, 2, 3, 3), null, { groups: 2 }), /conv2d: weight has 3 output channels, which is not divisible by groups = 2/);
  assert.throws(() => F.conv2d(x, randn(4, 3, 3, 3), randn(5)), /conv2d: expected bias of shape \[4\] \(one per output channel\), got \[5\]/);
  assert.throws(() => F.conv2d(x, randn(4, 3, 3, 3), null, { padding: 'same', stride: 2 }), /conv2d: padding 'same' needs stride 1/);
  assert.throws(() => F.conv2d(x, randn(4, 3, 9, 3)), /conv2d: the \(dilated\) kernel 9x3 is larger than the padded input 8x8/);
  assert.throws(() => F.conv2d(x, randn(4, 3, 3, 3), null, { dilation: 4 }), /conv2d: the \(dilated\) kernel 9x9 is larger than the padded input 8x8/);
  assert.throws(() => F.conv2d(randn(3, 8), randn(4, 3, 3, 3)), /conv2d: expected a 4-d input \[N, C, H, W\] \(or 3-d \[C, H, W\]\), got \[3, 8\]/);
  assert.throws(() => F.conv2d(x, randn(4, 3, 3)), /conv2d: expected a 4-d weight/);
  assert.throws(() => F.conv2d(x, randn(4, 3, 3, 3, { dtype: 'float64' })), /conv2d: input is float32 but weight is float64/);
  assert.throws(() => F.conv2d(x, randn(4, 3, 3, 3), null, { stride: 0 }), /conv2d: expected stride to be an integer >= 1, got number 0/);
  assert.throws(() => F.conv2d(x, randn(4, 3, 3, 3), null, { padding: [1, -1] }), /conv2d: expected padding\[1\] to be an integer >= 0, got number -1/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  assert.throws(() => F.conv2d(x, randn(4, 3, 3, 3), null, { padding: 'full' as any }), /conv2d: expected padding to be an integer, a pair, 'same' or 'valid', got 'full'/);
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /Conv2d: inChannels \(3\) must be divisible by groups \(2\)/);
  assert.throws(() => new nn.Conv2d(3, 6, 3).call(randn(1, 4, 5, 5)), /conv2d: input has 4 channels, weight expects 3/);
  assert.throws(() => F.conv2d(zeros(2, 3, 8, 8, { dtype: 'int32' }), randn(4, 3, 3, 3)), /conv2d: expected input to be a floating-point tensor, got int32/);
  assert.throws(() => F.conv2d(zeros(1, 2, 0, 3), randn(2, 2, 1, 1), null, { padding: 1 }), /conv2d: only the batch dimension may be empty, got input \[1, 2, 0, 3\]/);
});

test('conv2d handles an empty batch and keeps gradients shaped', () => {
  const w = randn(4, 3, 3, 3, { requiresGrad: true });
  const y = F.conv2d(zeros(0, 3, 5, 5), w, null, { padding: 1 });
  assert.deepEqual(y.shape, [0, 4, 5, 5]);
  y.sum().backward();
  assert.ok(w.grad!.toFloat32Array().every((v) => v === 0));
  noGrad(() => assert.equal(F.conv2d(randn(1, 3, 5, 5), w).requiresGrad, false));
});
