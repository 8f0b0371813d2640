// amp.GradScaler: scale and unscale arithmetic, skipped steps on inf/NaN with backoff, growth after
// growthInterval clean steps, the scale sequence of PyTorch's update rule on a scripted run, state
// round trip, misuse errors, and the native unscale against the TypeScript backend.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amp, nn, optim, zeros, setBackend, backendInfo, tensor, type Tensor } from '../../src/index.js';

function f32(values: number[] | number): Tensor {
  return tensor(values, { dtype: 'float32' });
}

function param(values: number[]): nn.Parameter {
  return new nn.Parameter(f32(values));
}

function arr(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number>);
}

/** One step of sum(p * c) through the scaler; c may hold inf/NaN to make the gradients non-finite. */
function scaledStep(scaler: amp.GradScaler, opt: optim.Optimizer, p: nn.Parameter, c: number[]): boolean {
  opt.zeroGrad();
  scaler.scale(p.mul(f32(c)).sum()).backward();
  const stepped = scaler.step(opt);
  scaler.update();
  return stepped;
}

test('GradScaler.scale multiplies by the scale in float32; unscale divides the gradients back exactly', () => {
  const scaler = new amp.GradScaler();
  assert.equal(scaler.getScale(), 65536);
  const p = param([0.5, -1.25, 3]);
  const c = [0.1, 1e-7, -3.3];
  const loss = p.mul(f32(c)).sum();
  const scaled = scaler.scale(loss);
  assert.equal(scaled.dtype, 'float32');
  assert.equal(scaled.item(), Math.fround(loss.item() * 65536));
  const half = scaler.scale(loss.to('float16'));
  assert.equal(half.dtype, 'float32', 'a float16 loss is scaled in float32 (x 65536 would overflow float16)');
  assert.equal(Number.isFinite(scaler.scale(f32(2).to('float16')).item()), true);
  scaled.backward();
  assert.deepEqual(arr(p.grad!), c.map((v) => Math.fround(Math.fround(v) * 65536)));
  const opt = new optim.SGD([p], { lr: 0.1 });
  scaler.unscale(opt);
  assert.deepEqual(arr(p.grad!), c.map((v) => Math.fround(v)), 'power-of-two scale: exact');
  // another scale: gradients times float32(1 / scale), rounded to float32, as PyTorch's unscale
  const s3 = new amp.GradScaler({ initScale: 3 });
  const q = param([1, 2, 3]);
  const opt3 = new optim.SGD([q], { lr: 0.1 });
  s3.scale(q.mul(f32(c)).sum()).backward();
  const g = arr(q.grad!);
  s3.unscale(opt3);
  assert.deepEqual(arr(q.grad!), g.map((v) => Math.fround(v * Math.fround(1 / 3))));
  assert.deepEqual(s3.scale([f32(1), f32(2)]).map((t) => t.item()), [3, 6], 'an array of outputs');
});

test('GradScaler.step skips the optimizer step on inf or NaN gradients and backs off the scale', () => {
  for (const bad of [Infinity, -Infinity, NaN]) {
    const scaler = new amp.GradScaler({ initScale: 1024 });
    const p = param([1, 2, 3]);
    const opt = new optim.Adam([p], { lr: 0.1 });
    assert.equal(scaledStep(scaler, opt, p, [1, bad, 1]), false, `${bad}: skipped`);
    assert.deepEqual(arr(p), [1, 2, 3], 'parameters untouched');
    assert.equal(opt.state.size, 0, 'optimizer state untouched (no step counted)');
    assert.equal(scaler.getScale(), 512);
    assert.equal(scaledStep(scaler, opt, p, [1, 1, 1]), true);
    assert.notDeepEqual(arr(p), [1, 2, 3]);
    assert.equal(scaler.getScale(), 512);
  }
});

test('GradScaler.update grows the scale after growthInterval clean steps in a row', () => {
  const scaler = new amp.GradScaler({ initScale: 8, growthFactor: 4, growthInterval: 3 });
  const p = param([1, 2]);
  const opt = new optim.SGD([p], { lr: 0.01 });
  const scales: number[] = [];
  for (let i = 0; i < 7; i++) { scaledStep(scaler, opt, p, [1, 1]); scales.push(scaler.getScale()); }
  assert.deepEqual(scales, [8, 8, 32, 32, 32, 128, 128]);
  // a grown scale that would overflow float32 is not taken, but the count restarts (PyTorch)
  const big = new amp.GradScaler({ initScale: 2 ** 127, growthInterval: 1 });
  const q = param([1]);
  scaledStep(big, new optim.SGD([q], { lr: 0.01 }), q, [1e-30]);
  assert.equal(big.getScale(), 2 ** 127);
  assert.equal(big.stateDict()._growth_tracker, 0);
});

/**
 * PyTorch's update rule (aten/src/ATen/native/cuda/AmpKernels.cu, amp_update_scale_cuda_kernel;
 * 1.13 has no CPU kernel, so the sequence is derived by hand from it): a non-finite step
 * multiplies the float32 scale by backoffFactor and zeroes the tracker; a clean one increments
 * the tracker, and when it reaches growthInterval multiplies the scale by growthFactor (if the
 * result is finite) and zeroes the tracker.
 */
test('GradScaler follows PyTorch\'s scale sequence on a scripted run of clean and non-finite steps', () => {
  const scaler = new amp.GradScaler({ initScale: 2 ** 16, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3 });
  const p = param([1, -1]);
  const opt = new optim.SGD([p], { lr: 0.001 });
  //              clean clean clean clean  inf  clean clean  nan  inf  clean clean clean clean
  const script = [true, true, true, true, false, true, true, false, false, true, true, true, true];
  const expected = [
    // scale after update, tracker after update
    [65536, 1], [65536, 2], [131072, 0], [131072, 1], [65536, 0], [65536, 1], [65536, 2],
    [32768, 0], [16384, 0], [16384, 1], [16384, 2], [32768, 0], [32768, 1],
  ];
  const got = script.map((clean, i) => {
    const stepped = scaledStep(scaler, opt, p, clean ? [1, 2] : [1, i % 2 ? NaN : Infinity]);
    assert.equal(stepped, clean, `step ${i}`);
    return [scaler.getScale(), (scaler.stateDict() as amp.GradScalerStateDict)._growth_tracker];
  });
  assert.deepEqual(got, expected);
});

test('GradScaler state dict: PyTorch\'s keys, and a restored scaler continues exactly', () => {
  const run = (scaler: amp.GradScaler, p: nn.Parameter, opt: optim.Optimizer, steps: boolean[]): number[] =>
    steps.map((clean) => { scaledStep(scaler, opt, p, clean ? [0.3, 0.7] : [Infinity, 1]); return scaler.getScale(); });
  const script = [true, false, true, true, true, true, false, true, true, true];
  const a = new amp.GradScaler({ initScale: 256, growthInterval: 2, growthFactor: 3, backoffFactor: 0.25 });
  const pa = param([1, 2]);
  const oa = new optim.SGD([pa], { lr: 0.01 });
  const full = run(a, pa, oa, script);
  const b = new amp.GradScaler({ initScale: 256, growthInterval: 2, growthFactor: 3, backoffFactor: 0.25 });
  const pb = param([1, 2]);
  const ob = new optim.SGD([pb], { lr: 0.01 });
  const first = run(b, pb, ob, script.slice(0, 4));
  const saved = JSON.parse(JSON.stringify(b.stateDict()));
  assert.deepEqual(Object.keys(saved).sort(), ['_growth_tracker', 'backoff_factor', 'growth_factor', 'growth_interval', 'scale']);
  const c = new amp.GradScaler();
  c.loadStateDict(saved);
  assert.deepEqual(c.stateDict(), b.stateDict());
  const rest = run(c, pb, ob, script.slice(4));
  assert.deepEqual([...first, ...rest], full);
  assert.deepEqual(arr(pb), arr(pa));
});

test('GradScaler misuse: unscale twice, unscale after step, step twice, update before any step, no gradients, float16 gradients, bad options', () => {
  const scaler = new amp.GradScaler();
  const p = param([1, 2]);
  const opt = new optim.SGD([p], { lr: 0.1 });
  scaler.scale(p.sum()).backward();
  scaler.unscale(opt);
  assert.throws(() => scaler.unscale(opt), /already called on this optimizer since the last update/);
  assert.equal(scaler.step(opt), true, 'step after an explicit unscale does not unscale again');
  assert.deepEqual(arr(p), [0.9, 1.9].map(Math.fround));
  assert.throws(() => scaler.unscale(opt), /after step\(\)/);
  assert.throws(() => scaler.step(opt), /already called since the last update/);
  scaler.update();
  assert.throws(() => scaler.update(), /no inf checks were recorded/);
  opt.zeroGrad({ setToNone: true });
  assert.throws(() => scaler.step(opt), /no parameter of this optimizer has a gradient/);
  const h = new nn.Parameter(f32([1, 2]).to('float16'));
  const oh = new optim.SGD([h], { lr: 0.1 });
  scaler.update(1024);
  scaler.scale(h.sum()).backward();
  assert.throws(() => scaler.unscale(oh), /float16 gradient; keep the parameters in float32/);
  assert.equal(scaler.getScale(), 1024, 'update(newScale) sets the scale');
  assert.throws(() => new amp.GradScaler({ growthFactor: 1 }), /growthFactor must be > 1/);
  assert.throws(() => new amp.GradScaler({ backoffFactor: 1 }), /backoffFactor must be < 1/);
  assert.throws(() => new amp.GradScaler({ initScale: 0 }), /initScale must be a positive finite number/);
  assert.throws(() => new amp.GradScaler({ growthInterval: 1.5 }), /growthInterval must be a positive integer/);
  assert.throws(() => new amp.GradScaler().loadStateDict({} as never), /empty/);
  assert.throws(() => new amp.GradScaler().loadStateDict({ scale: 'x' } as never), /expected a number for 'scale'/);
  assert.throws(() => scaler.scale(tensor([1], { dtype: 'int64' })), /floating-point/);
});

test('GradScaler({ enabled: false }) passes everything through', () => {
  const scaler = new amp.GradScaler({ enabled: false });
  const p = param([1, 2]);
  const opt = new optim.SGD([p], { lr: 0.5 });
  const loss = p.sum();
  assert.equal(scaler.scale(loss), loss);
  assert.equal(scaler.getScale(), 1);
  loss.backward();
  scaler.unscale(opt);
  assert.equal(scaler.step(opt), true);
  scaler.update();
  assert.deepEqual(arr(p), [0.5, 1.5]);
  assert.deepEqual(scaler.stateDict(), {});
  scaler.loadStateDict({} as never);
});

test('GradScaler.unscale: native and TypeScript backends agree bit for bit (odd sizes, inf and NaN found anywhere)', () => {
  if (backendInfo().backend !== 'native') return;
  const sizes = [1, 7, 33, 1000, 4099];
  const cases: Array<{ bad: number; at: number } | null> = [null, { bad: NaN, at: 4098 }, { bad: -Infinity, at: 0 }, { bad: Infinity, at: 517 }];
  for (const bad of cases) {
    const results: { grads: number[][]; stepped: boolean }[] = [];
    for (const b of ['native', 'js'] as const) {
      setBackend(b);
      try {
        const params = sizes.map((n, i) => new nn.Parameter(zeros([n]).add(i)));
        const grads = sizes.map((n, i) => {
          const g = new Float32Array(n);
          for (let j = 0; j < n; j++) g[j] = Math.sin(j * 12.9898 + i) * 1e4;
          if (bad && i === sizes.length - 1) g[bad.at] = bad.bad;
          return g;
        });
        params.forEach((p, i) => { p.grad = f32(Array.from(grads[i]!)); });
        const scaler = new amp.GradScaler({ initScale: 3 * 2 ** 10 });
        const opt = new optim.SGD(params, { lr: 0.1 });
        scaler.unscale(opt);
        results.push({ grads: params.map((p) => arr(p.grad!)), stepped: scaler.step(opt) });
      } finally {
        setBackend('native');
      }
    }
    assert.equal(results[0]!.stepped, bad === null);
    assert.equal(results[1]!.stepped, bad === null);
    assert.deepEqual(results[0]!.grads, results[1]!.grads);
  }
});

test('GradScaler.unscale on a non-contiguous gradient (a transposed view) unscales every element and finds an inf in it', () => {
  for (const bad of [false, true]) {
    const p = new nn.Parameter(zeros([3, 2]));
    const g = f32([[1, 2, 3], [4, bad ? Infinity : 5, 6]] as never).t();
    assert.equal(g.isContiguous(), false);
    p.grad = g;
    const scaler = new amp.GradScaler({ initScale: 4 });
    const opt = new optim.SGD([p], { lr: 1 });
    scaler.unscale(opt);
    assert.equal(scaler.foundInf(opt), bad);
    assert.deepEqual(p.grad!.toArray(), [[0.25, 1], [0.5, bad ? Infinity : 1.25], [0.75, 1.5]]);
  }
});
