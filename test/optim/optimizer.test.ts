// Optimizer behaviour beyond the numbers: state-dict round trips that continue bit for bit,
// zeroGrad, skipped parameters, parameter groups, closures, layouts, and the errors for bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, type Tensor } from '../../src/index.js';
import { Adam, AdamW, RMSprop, SGD, type Optimizer } from '../../src/optim/index.js';
import { randomArray } from '../helpers.js';
import { makeOptimizer, type Options, type OptimizerCase } from './fixtures.js';

const SHAPES = [[4, 3], [5], [2, 2, 2]];

function freshParams(): Tensor[] {
  return SHAPES.map((s, i) => tensor(randomArray(s.reduce((a, b) => a * b, 1), 11 + i, -1, 1), { dtype: 'float32' }).reshape(s).requiresGrad_());
}

/** A fixed gradient for parameter i at step k; parameter 1 has none every third step. */
function gradFor(p: Tensor, i: number, k: number): Tensor | null {
  if (i === 1 && k % 3 === 2) return null;
  return tensor(randomArray(p.numel(), 1000 * k + i, -1, 1), { dtype: 'float32' }).reshape(p.shape);
}

function run(opt: Optimizer, params: Tensor[], from: number, to: number): void {
  for (let k = from; k < to; k++) {
    params.forEach((p, i) => { p.grad = gradFor(p, i, k); });
    opt.step();
  }
}

function bits(t: Tensor): number[] {
  return Array.from(new Uint32Array((t.contiguous().toTypedArray() as Float32Array).slice().buffer));
}

function snapshot(opt: Optimizer, params: Tensor[]) {
  const sd = opt.stateDict();
  const state = Object.fromEntries(Object.entries(sd.state).map(([k, st]) => [k, Object.fromEntries(Object.entries(st).map(([n, v]) => [n, v && typeof v === 'object' ? bits(v as Tensor) : v]))]));
  return { params: params.map(bits), state, groups: sd.param_groups };
}

const CONFIGS: [OptimizerCase['optimizer'], Options][] = [
  ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }],
  ['Adam', { lr: 0.01, amsgrad: true, weightDecay: 0.1 }],
  ['AdamW', { lr: 0.01, betas: [0.8, 0.99] }],
  ['RMSprop', { lr: 0.01, centered: true, momentum: 0.5 }],
];

for (const [kind, options] of CONFIGS) {
  test(`${kind}: a state dict restored mid-run continues bit for bit`, () => {
    const pa = freshParams();
    const a = makeOptimizer(kind, pa, options);
    run(a, pa, 0, 10);

    const pb = freshParams();
    const b = makeOptimizer(kind, pb, options);
    run(b, pb, 0, 5);
    const saved = b.stateDict();
    const pc = pb.map((p) => p.detach().clone().requiresGrad_());
    const c = makeOptimizer(kind, pc, { lr: 123 }); // options come from the state dict
    c.loadStateDict(saved);
    run(b, pb, 5, 6); // the saved dict holds live tensors; the loaded copy must not follow them
    run(c, pc, 5, 10);
    assert.deepEqual(snapshot(c, pc), snapshot(a, pa));
  });
}

test('stateDict has PyTorch\'s structure and names', () => {
  const params = freshParams();
  const opt = new Adam([{ params: [params[0]!, params[1]!] }, { params: [params[2]!], lr: 0.1, amsgrad: true }], { lr: 0.01 });
  params.forEach((p) => { p.grad = zeros(p.shape, { dtype: 'float32' }); });
  params[1]!.grad = null;
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(sd.param_groups, [
    { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, params: [0, 1] },
    { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: true, maximize: false, params: [2] },
  ]);
  assert.deepEqual(Object.keys(sd.state), ['0', '2']);
  assert.deepEqual(Object.keys(sd.state[0]!), ['step', 'exp_avg', 'exp_avg_sq']);
  assert.deepEqual(Object.keys(sd.state[2]!), ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
  assert.equal(sd.state[0]!.step, 1);
  const sgd = new SGD(params, { lr: 0.1 });
  params.forEach((p) => { p.grad = zeros(p.shape, { dtype: 'float32' }); });
  sgd.step();
  assert.deepEqual(sgd.stateDict().state[0], { momentum_buffer: null }); // as PyTorch without momentum
});

test('loadStateDict takes PyTorch\'s layout: step as a tensor, state in another dtype, string keys', () => {
  const p = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
  const opt = new Adam([p], { lr: 0.1 });
  opt.loadStateDict({
    state: { '0': { step: tensor(4, { dtype: 'float32' }), exp_avg: tensor([0.1, 0.2, 0.3], { dtype: 'float64' }), exp_avg_sq: tensor([0.01, 0.01, 0.01], { dtype: 'float64' }) } },
    param_groups: [{ lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, foreach: null, capturable: false, differentiable: false, fused: false, params: [0] }],
  });
  const st = opt.state.get(p)!;
  assert.equal(st.step, 4);
  assert.equal(st.expAvg.dtype, 'float32');
  assert.equal(opt.paramGroups[0]!.lr, 0.05);
  p.grad = tensor([1, 1, 1], { dtype: 'float32' });
  opt.step();
  assert.equal(opt.state.get(p)!.step, 5);
});

test('loadStateDict rejects a dict that does not fit', () => {
  const params = freshParams();
  const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
  const other = new SGD(params.slice(0, 2), { lr: 0.1 });
  assert.throws(() => opt.loadStateDict(other.stateDict()), /SGD.loadStateDict: parameter group 0 has 2 parameters in the state dict, 3 in the optimizer/);
  assert.throws(() => opt.loadStateDict({ state: {}, param_groups: [] }), /the state dict has 0 parameter groups, the optimizer has 1/);
  const sd = opt.stateDict();
  sd.state[0] = { momentum_buffer: zeros([2], { dtype: 'float32' }) };
  assert.throws(() => opt.loadStateDict(sd), /state of parameter 0, momentum_buffer: shape \[2\], the parameter has \[4, 3\]/);
  sd.state[0] = {};
  sd.state[7] = { momentum_buffer: null };
  assert.throws(() => opt.loadStateDict(sd), /state of parameter 7: no parameter has this index/);
  const bad = opt.stateDict();
  bad.param_groups[0]!.lr = -1;
  assert.throws(() => opt.loadStateDict(bad), /SGD: lr must be a number >= 0, got number -1/);
  assert.throws(() => opt.loadStateDict(null as never), /expected \{ state, param_groups \}/);
  const adam = new Adam(params);
  const asd = adam.stateDict();
  asd.state[0] = { step: 1, exp_avg: zeros([4, 3], { dtype: 'float32' }) };
  assert.throws(() => adam.loadStateDict(asd), /state of parameter 0: 'exp_avg_sq' must be a tensor, got undefined/);
});

test('zeroGrad: null by default; setToNone false zeroes in place, keeping each grad and its storage', () => {
  const params = freshParams();
  const opt = new SGD(params, { lr: 0.1 });
  params.forEach((p) => p.mul(2).sum().backward());
  const grads = params.map((p) => p.grad!);
  const storages = grads.map((g) => g.storage);
  opt.zeroGrad({ setToNone: false });
  params.forEach((p, i) => {
    assert.equal(p.grad, grads[i]);
    assert.equal(p.grad!.storage, storages[i]);
    assert.ok(Array.from(p.grad!.toTypedArray() as Float32Array).every((v) => v === 0));
  });
  params.forEach((p) => p.mul(3).sum().backward()); // accumulates into the same memory
  params.forEach((p, i) => {
    assert.equal(p.grad!.storage, storages[i]);
    assert.ok(Array.from(p.grad!.toTypedArray() as Float32Array).every((v) => v === 3));
  });
  opt.zeroGrad();
  params.forEach((p) => assert.equal(p.grad, null));
});

test('parameters without a gradient are skipped and get no state', () => {
  const [a, b] = freshParams();
  const before = b!.toArray();
  const opt = new Adam([a!, b!], { lr: 0.1 });
  a!.grad = tensor(randomArray(12, 3), { dtype: 'float32' }).reshape([4, 3]);
  opt.step();
  assert.deepEqual(b!.toArray(), before);
  assert.equal(opt.state.has(b!), false);
  assert.equal(opt.state.get(a!)!.step, 1);
});

test('step updates in place, bumps the version, and works on a leaf that requires grad', () => {
  const p = tensor([1, 2, 3, 4], { dtype: 'float32', requiresGrad: true });
  const storage = p.storage, version = p._version;
  const opt = new SGD([p], { lr: 0.5 });
  p.mul(p).sum().backward();
  opt.step();
  assert.equal(p.storage, storage);
  assert.ok(p._version > version);
  assert.deepEqual(p.toArray(), [0, 0, 0, 0]); // p - 0.5 * 2p
});

test('step(closure) evaluates the closure with gradients on and returns its result', () => {
  const p = tensor([3], { dtype: 'float32', requiresGrad: true });
  const opt = new SGD([p], { lr: 0.25 });
  const loss = opt.step(() => {
    opt.zeroGrad();
    const l = p.mul(p).sum();
    l.backward();
    return l;
  });
  assert.equal(loss!.item(), 9);
  assert.deepEqual(p.toArray(), [1.5]);
  assert.throws(() => opt.step(42 as never), /SGD.step: closure must be a function, got number 42/);
});

test('parameter groups keep their own options; addParamGroup fills the rest from the defaults', () => {
  const [a, b, c] = freshParams();
  const opt = new SGD([{ params: [a!], lr: 0.5 }, { params: b! }], { lr: 0.1, momentum: 0.9 });
  opt.addParamGroup({ params: [c!], momentum: 0, weightDecay: 0.1, name: 'head' });
  assert.deepEqual(opt.paramGroups.map((g) => [g.lr, g.momentum, g.weightDecay]), [[0.5, 0.9, 0], [0.1, 0.9, 0], [0.1, 0, 0.1]]);
  assert.equal(opt.paramGroups[2]!.name, 'head');
  assert.throws(() => opt.addParamGroup({ params: [a!] }), /SGD.addParamGroup: params\[0\] is already in another parameter group/);
  const d = zeros([2], { dtype: 'float32' }).requiresGrad_();
  assert.throws(() => opt.addParamGroup({ params: [d, d] }), /params\[1\] appears twice in the group/);
  assert.throws(() => opt.addParamGroup({ params: [d], weight_decay: 0.1 }), /unknown option 'weight_decay'; did you mean 'weightDecay'\?/);
  assert.throws(() => opt.addParamGroup({ params: new Set([d]) }), /params must be ordered/);
  assert.throws(() => opt.addParamGroup({ params: [d.mul(2)] }), /params\[0\] is not a leaf tensor/);
  assert.throws(() => opt.addParamGroup({ params: [zeros([2], { dtype: 'int32' })] }), /params\[0\] is int32; only floating-point tensors can be optimized/);
  assert.throws(() => opt.addParamGroup({ params: [d], lr: -1 }), /SGD: lr must be a number >= 0, got number -1/);
  assert.equal(opt.paramGroups.length, 3);
});

test('optimizers reject bad options with clear errors', () => {
  const p = () => [zeros([2], { dtype: 'float32' }).requiresGrad_()];
  assert.throws(() => new SGD(p(), { lr: -0.1 }), /SGD: lr must be a number >= 0, got number -0.1/);
  assert.throws(() => new SGD(p()), /SGD: lr is required \(in the options or in every parameter group\)/);
  assert.throws(() => new SGD(p(), { lr: 0.1, nesterov: true }), /SGD: nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0/);
  assert.throws(() => new SGD(p(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /nesterov needs momentum > 0 and dampening 0/);
  assert.throws(() => new SGD(p(), { lr: 0.1, momentum: -1 }), /SGD: momentum must be a number >= 0, got number -1/);
  assert.throws(() => new SGD(p(), { lr: 0.1, momentom: 0.9 } as never), /SGD: unknown option 'momentom' \(known: lr, momentum, dampening, weightDecay, nesterov, maximize\)/);
  assert.throws(() => new Adam(p(), { betas: [1, 0.999] }), /Adam: betas\[0\] must be a number >= 0 < 1, got number 1/);
  assert.throws(() => new Adam(p(), { betas: [0.9, -0.1] }), /Adam: betas\[1\] must be a number >= 0 < 1, got number -0.1/);
  assert.throws(() => new Adam(p(), { betas: [0.9] as never }), /Adam: betas must be \[beta1, beta2\], got an array of length 1/);
  assert.throws(() => new AdamW(p(), { eps: -1 }), /AdamW: eps must be a number >= 0, got number -1/);
  assert.throws(() => new AdamW(p(), { weightDecay: Number.NaN }), /AdamW: weightDecay must be a number >= 0, got number NaN/);
  assert.throws(() => new Adam(p(), { amsgrad: 1 as never }), /Adam: amsgrad must be a boolean, got number 1/);
  assert.throws(() => new RMSprop(p(), { alpha: -0.5 }), /RMSprop: alpha must be a number >= 0, got number -0.5/);
  assert.throws(() => new Adam([]), /Adam: got an empty parameter list/);
  assert.throws(() => new Adam(p(), null as never), /Adam: options must be an object like \{ lr, betas, eps, ... \}, got null/);
  assert.throws(() => new Adam(zeros([2], { dtype: 'float32' }) as never), /Adam: params must be an iterable of Tensors or of parameter groups/);
  assert.throws(() => new Adam([{ lr: 0.1 }] as never), /a parameter group is an object with a 'params' entry/);
});

test('a gradient of the wrong shape or dtype is an error, not a crash', () => {
  const p = zeros([3], { dtype: 'float32' }).requiresGrad_();
  const opt = new Adam([p]);
  p.grad = zeros([4], { dtype: 'float32' });
  assert.throws(() => opt.step(), /Adam.step: a parameter of shape \[3\] \(float32\) has a gradient of shape \[4\] \(float32\)/);
  p.grad = zeros([3], { dtype: 'float64' });
  assert.throws(() => opt.step(), /has a gradient of shape \[3\] \(float64\)/);
});

test('non-contiguous parameters and gradients update like contiguous ones', () => {
  const base = randomArray(12, 5, -1, 1);
  const g = randomArray(12, 6, -1, 1);
  const dense = tensor(base, { dtype: 'float32' }).reshape([3, 4]).requiresGrad_();
  const strided = tensor(base, { dtype: 'float32' }).reshape([4, 3]).t(); // [3, 4] view, column-major
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) strided.data[j * 3 + i] = base[i * 4 + j]!;
  strided.requiresGrad_();
  const gradDense = tensor(g, { dtype: 'float32' }).reshape([3, 4]);
  const gradStrided = tensor(g, { dtype: 'float32' }).reshape([4, 3]).t();
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) gradStrided.data[j * 3 + i] = g[i * 4 + j]!;
  const o1 = new Adam([dense], { lr: 0.1, amsgrad: true });
  const o2 = new Adam([strided], { lr: 0.1, amsgrad: true });
  for (let k = 0; k < 3; k++) {
    dense.grad = gradDense;
    strided.grad = gradStrided;
    o1.step();
    o2.step();
  }
  assert.equal(strided.isContiguous(), false);
  assert.deepEqual(strided.toArray(), dense.toArray());
});

test('float64 parameters keep float64 state and use the reference kernels', () => {
  const p = tensor([1, -2, 3], { dtype: 'float64', requiresGrad: true });
  const opt = new RMSprop([p], { lr: 0.01, centered: true, momentum: 0.9 });
  p.grad = tensor([0.5, 0.25, -1], { dtype: 'float64' });
  opt.step();
  const st = opt.state.get(p)!;
  assert.equal(st.squareAvg.dtype, 'float64');
  // step 1 by hand: sq = 0.01 g^2, ga = 0.01 g, avg = sqrt(sq - ga^2) + eps, buf = g / avg, p -= lr * buf
  const expected = [1, -2, 3].map((x, i) => {
    const gv = [0.5, 0.25, -1][i]!;
    const avg = Math.sqrt((1 - 0.99) * gv * gv - ((1 - 0.99) * gv) ** 2) + 1e-8;
    return x + -0.01 * (gv / avg);
  });
  const got = p.toArray() as number[];
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-14, `element ${i}: ${v} vs ${expected[i]}`));
});

test('state survives a parameter changing dtype in place (Module.to keeps parameter identity)', () => {
  const p = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
  const opt = new Adam([p], { lr: 0.1 });
  for (let k = 0; k < 3; k++) {
    p.grad = tensor([0.5, -0.5, 1], { dtype: 'float32' });
    opt.step();
  }
  const before = Array.from(opt.state.get(p)!.expAvg.toTypedArray() as Float32Array);
  p.setData(p.detach().to('float64'));
  p.grad = tensor([1, 1, 1], { dtype: 'float64' });
  opt.step();
  const st = opt.state.get(p)!;
  assert.equal(st.step, 4);
  assert.equal(st.expAvg.dtype, 'float64');
  const after = st.expAvg.toArray() as number[];
  after.forEach((v, i) => assert.ok(Math.abs(v - (0.9 * before[i]! + 0.1)) < 1e-12, `exp_avg[${i}] ${v}`));
});

test('loadStateDict fills options an older state dict lacks from the defaults', () => {
  const p = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  const opt = new SGD([p], { lr: 0.1 });
  opt.loadStateDict({ state: {}, param_groups: [{ lr: 0.2, momentum: 0.9, dampening: 0, weight_decay: 0, nesterov: false, params: [0] }] });
  assert.equal(opt.paramGroups[0]!.maximize, false);
  assert.equal(opt.paramGroups[0]!.momentum, 0.9);
});
