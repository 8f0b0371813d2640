// float16 and bfloat16 parameters: the optimizer state is float32, each update runs in float32
// and the parameter is rounded once per step.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, type Tensor } from '../../src/index.js';
import { jsBackend } from '../../src/backend/index.js';
import { fromBFloat16Bits, fromFloat16Bits, toBFloat16Bits, toFloat16Bits } from '../../src/backend/half.js';
import { Adam, SGD } from '../../src/optim/index.js';
import { randomArray } from '../helpers.js';

for (const dtype of ['float16', 'bfloat16'] as const) {
  const decode = dtype === 'float16' ? fromFloat16Bits : fromBFloat16Bits;
  const encode = dtype === 'float16' ? toFloat16Bits : toBFloat16Bits;

  test(`${dtype}: Adam keeps float32 state and rounds the parameter once per step`, () => {
    const n = 37;
    const p = tensor(randomArray(n, 1, -1, 1), { dtype: 'float32' }).to(dtype).requiresGrad_();
    const opt = new Adam([p], { lr: 0.01, weightDecay: 0.1, amsgrad: true });
    // The same update by hand: float32 copies, the reference kernel, one rounding.
    const p32 = Float32Array.from(p.toTypedArray() as Uint16Array, decode);
    const m = new Float32Array(n), v = new Float32Array(n), vmax = new Float32Array(n);
    for (let step = 1; step <= 4; step++) {
      const g = tensor(randomArray(n, 10 + step, -1, 1), { dtype: 'float32' }).to(dtype);
      p.grad = g;
      opt.step();
      const g32 = Float32Array.from(g.toTypedArray() as Uint16Array, decode);
      jsBackend.adamUpdate(n, p32, 0, g32, 0, m, v, vmax, {
        gradSign: 1, weightDecay: 0.1, decoupledDecay: 1, beta1: 0.9, oneMinusBeta1: 1 - 0.9, beta2: 0.999, oneMinusBeta2: 1 - 0.999,
        amsgrad: true, biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** step), eps: 1e-8, negStepSize: -(0.01 / (1 - 0.9 ** step)),
      });
      for (let i = 0; i < n; i++) p32[i] = decode(encode(p32[i]!)); // the stored parameter is rounded
      const st = opt.state.get(p)!;
      for (const t of [st.expAvg, st.expAvgSq, st.maxExpAvgSq!]) assert.equal(t.dtype, 'float32');
      assert.equal(p.dtype, dtype);
      assert.deepEqual(Array.from(st.expAvg.toTypedArray() as Float32Array), Array.from(m), `step ${step}: exp_avg`);
      assert.deepEqual(Array.from(st.expAvgSq.toTypedArray() as Float32Array), Array.from(v), `step ${step}: exp_avg_sq`);
      assert.deepEqual(Array.from(p.toTypedArray() as Uint16Array), Array.from(p32, encode), `step ${step}: param bits`);
    }
  });

  test(`${dtype}: SGD with momentum trains a quadratic to its minimum`, () => {
    const target = tensor([0.5, -1.25, 2, 0.125, -0.75], { dtype: 'float32' }).to(dtype);
    const p = zeros([5], { dtype }).requiresGrad_();
    const opt = new SGD([p], { lr: 0.05, momentum: 0.9 });
    let loss = Infinity;
    for (let k = 0; k < 150; k++) {
      loss = opt.step(() => {
        opt.zeroGrad();
        const l = p.sub(target).pow(2).sum();
        l.backward();
        return l;
      })!.item();
    }
    assert.equal(opt.state.get(p)!.momentumBuffer!.dtype, 'float32');
    assert.ok(loss < 1e-3, `final loss ${loss}`);
  });

  test(`${dtype}: the state dict holds float32 state, and loading casts other dtypes to it`, () => {
    const p = zeros([3], { dtype }).requiresGrad_();
    const opt = new Adam([p]);
    p.grad = tensor([1, 2, 3], { dtype: 'float32' }).to(dtype);
    opt.step();
    const sd = opt.stateDict();
    assert.equal((sd.state[0]!.exp_avg as Tensor).dtype, 'float32');
    sd.state[0]!.exp_avg = tensor([1, 2, 3], { dtype: 'float32' }).to(dtype); // as PyTorch would save it
    const q = zeros([3], { dtype }).requiresGrad_();
    const restored = new Adam([q]);
    restored.loadStateDict(sd);
    const st = restored.state.get(q)!;
    assert.equal(st.expAvg.dtype, 'float32');
    assert.deepEqual(st.expAvg.toArray(), [1, 2, 3]);
  });
}
