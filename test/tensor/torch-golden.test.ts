// Replays PyTorch's outputs and input gradients (test/fixtures/tensor_ops.json) through our API:
// float32 within 1e-6 relative, exact where PyTorch is exact (half rounding, integers, bools).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, pad, stack, where, type Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { decodeTensor, encodedValues, loadFixture, rawValues, type EncodedTensor, type FixtureCase } from './torch-fixture.js';

type Impl = (...xs: Tensor[]) => Tensor | Tensor[];

const unaryNames = ['neg', 'abs', 'exp', 'expm1', 'sin', 'cos', 'sigmoid', 'tanh', 'relu', 'square', 'sign', 'erf', 'floor',
  'ceil', 'trunc', 'exp2', 'log', 'log2', 'log1p', 'sqrt', 'rsqrt', 'reciprocal', 'round', 'relu6', 'gelu', 'silu', 'softplus',
  'isnan', 'isinf', 'isfinite'] as const;

const IMPL: Record<string, Impl> = {
  ...Object.fromEntries(unaryNames.map((op) => [`unary.${op}`, (x: Tensor) => (x[op] as () => Tensor).call(x)])),
  ...Object.fromEntries(unaryNames.map((op) => [`special.${op}`, (x: Tensor) => (x[op] as () => Tensor).call(x)])),
  'special.leakyRelu': (x) => x.leakyRelu(0.1),
  'special.clamp': (x) => x.clamp(-1.5, 2),
  'special.pow3': (x) => x.pow(3),
  'special.pow-0.5': (x) => x.pow(-0.5),
  'specialBinary.maximum': (a, b) => a.maximum(b),
  'specialBinary.minimum': (a, b) => a.minimum(b),
  'specialBinary.pow': (a, b) => a.pow(b),
  'specialBinary.remainder': (a, b) => a.remainder(b),
  'specialBinary.atan2': (a, b) => a.atan2(b),
  'specialBinary.div': (a, b) => a.div(b),
  'specialBinary.floor_divide': (a, b) => a.floorDivide(b),
  'specialBinary.mul': (a, b) => a.mul(b),
  'specialBinary.eq': (a, b) => a.eq(b),
  'specialBinary.lt': (a, b) => a.lt(b),
  'specialBinary.ge': (a, b) => a.ge(b),
  'unary.leakyRelu': (x) => x.leakyRelu(0.1),
  'unary.clamp': (x) => x.clamp(-0.5, 0.7),
  'unary.clampMin': (x) => x.clamp(0.1),
  'unary.pow2': (x) => x.pow(2),
  'unary.pow3': (x) => x.pow(3),
  'unary.pow0.5': (x) => x.pow(0.5),
  'unary.pow-1.5': (x) => x.pow(-1.5),
  'unary.pow0.3333333333333333': (x) => x.pow(1 / 3),
  'binary.add': (a, b) => a.add(b, 0.5),
  'binary.sub': (a, b) => a.sub(b, 2),
  'binary.mul': (a, b) => a.mul(b),
  'binary.div': (a, b) => a.div(b),
  'binary.pow': (a, b) => a.pow(b),
  'binary.maximum': (a, b) => a.maximum(b),
  'binary.minimum': (a, b) => a.minimum(b),
  'binary.atan2': (a, b) => a.atan2(b),
  'binary.remainder': (a, b) => a.remainder(b),
  'binary.floorDivide': (a, b) => a.floorDivide(b),
  'binary.eq': (a, b) => a.eq(b),
  'binary.ne': (a, b) => a.ne(b),
  'binary.lt': (a, b) => a.lt(b),
  'binary.le': (a, b) => a.le(b),
  'binary.gt': (a, b) => a.gt(b),
  'binary.ge': (a, b) => a.ge(b),
  'binary.logical_and': (a, b) => a.logicalAnd(b),
  'binary.logical_or': (a, b) => a.logicalOr(b),
  'binary.logical_xor': (a, b) => a.logicalXor(b),
  'binary.addScalar': (a) => a.add(2.5),
  'binary.rsubScalar': (a) => a.neg().add(2.5),
  'binary.rdivScalar': (a) => a.reciprocal().mul(3),
  where: (a, b, c) => where(c.gt(0), a, b),
  lerp: (a, b) => a.lerp(b, 0.3),
  maskedFill: (a, m) => a.maskedFill(m.gt(0), -2),
  'sum.all': (x) => x.sum(),
  'sum.dims': (x) => x.sum([0, 2]),
  'sum.keepdim': (x) => x.sum(1, true),
  'mean.dims': (x) => x.mean([0, 2], true),
  'mean.all': (x) => x.mean(),
  'prod.dim': (x) => x.prod(1),
  'prod.zeros': (x) => x.prod(1),
  'prod.all': (x) => x.prod(),
  'amax.ties': (x) => x.amax(1),
  'amin.dims': (x) => x.amin([0, 2], true),
  'max.all': (x) => x.max(),
  'max.dim': (x) => { const r = x.max(1); return [r.values, r.indices]; },
  'min.dimKeep': (x) => { const r = x.min(0, true); return [r.values, r.indices]; },
  'argmax.dim': (x) => x.argmax(1),
  'argmin.all': (x) => x.argmin(),
  'argmax.ties': (x) => x.argmax(1),
  'var.dim': (x) => x.var(1),
  'var.unbiased0': (x) => x.var([0, 2], { correction: 0 }),
  'var.all': (x) => x.var(),
  'std.dim': (x) => x.std(2, { keepdim: true }),
  logsumexp: (x) => x.logsumexp(1),
  'logsumexp.dims': (x) => x.logsumexp([0, 2], true),
  ...Object.fromEntries(([[1, '1'], [2, '2'], [3, '3'], [0.5, '0.5'], [Infinity, 'inf']] as const).flatMap(([p, n]) => [
    [`norm.p${n}`, (x: Tensor) => x.norm(p)],
    [`norm.p${n}.dim`, (x: Tensor) => x.norm(p, 1)],
  ])),
  'any.dim': (x) => x.gt(0).any(1),
  'all.dim': (x) => x.gt(0).all(0),
  'matmul.1d1d': (a, b) => a.matmul(b),
  'matmul.2d1d': (a, b) => a.matmul(b),
  'matmul.1d2d': (a, b) => a.matmul(b),
  'matmul.2d2d': (a, b) => a.matmul(b),
  'matmul.batchBroadcast': (a, b) => a.matmul(b),
  'matmul.batch1d': (a, b) => a.matmul(b),
  'matmul.transposed': (a, b) => a.t().matmul(b.t()),
  'matmul.permuted': (a, b) => a.permute(1, 0, 2).matmul(b.transpose(1, 2)),
  cat: (a, b, c) => cat([a, b, c], 1),
  stack: (a, b) => stack([a, b], 1),
  gather: (x, i) => x.gather(1, i),
  'gather.dup': (x, i) => x.gather(0, i),
  scatter: (x, s, i) => x.scatter(0, i, s),
  scatterAdd: (x, s, i) => x.scatterAdd(0, i, s),
  indexSelect: (x, i) => x.indexSelect(0, i),
  'indexSelect.dim1': (x, i) => x.indexSelect(2, i),
  pad: (x) => pad(x, [1, 2, 0, 1], 0.5),
  'pad.negative': (x) => pad(x, [-1, 2, 1, -1]),
  'view.permuteContiguous': (x) => x.permute(2, 0, 1).contiguous().view(4, 6),
  'view.narrowSlice': (x) => x.narrow(0, 1, 3).slice(1, 1, undefined, 2),
  'view.expand': (x) => x.expand(2, 3, 4).mul(1),
  'view.unbindSplit': (x) => x.split([2, 4], 1)[1]!.unbind(0)[2]!,
  'view.chunk': (x) => cat(x.chunk(3).map((c, i) => c.mul(i + 1))),
  'view.squeezeUnsqueeze': (x) => x.squeeze().unsqueeze(1).transpose(0, 2),
  'view.flatten': (x) => x.transpose(0, 1).flatten(1),
  ...Object.fromEntries(['float16', 'bfloat16'].flatMap((dt) => [
    [`${dt}.add`, (a: Tensor, b: Tensor) => a.add(b)],
    [`${dt}.mul`, (a: Tensor, b: Tensor) => a.mul(b)],
    [`${dt}.div`, (a: Tensor, b: Tensor) => a.div(b)],
    [`${dt}.exp`, (a: Tensor) => a.exp()],
    [`${dt}.sum`, (a: Tensor) => a.sum(1)],
    [`${dt}.matmul`, (a: Tensor, b: Tensor) => a.matmul(b)],
    [`${dt}.mixedFloat32`, (a: Tensor, b: Tensor) => a.add(b)],
  ])),
  'float64.addFloat32': (a, b) => a.add(b),
  'int32.add': (a, b) => a.add(b),
  'int32.mul': (a, b) => a.mul(b),
  'int32.floorDivide': (a, b) => a.floorDivide(b),
  'int32.remainder': (a, b) => a.remainder(b),
  'int32.div': (a, b) => a.div(b),
  'int32.sum': (a) => a.sum(),
  'int64.mulScalar': (a) => a.mul(3),
  'int64.addFloatScalar': (a) => a.add(0.5),
  'int64.sqrt': (a) => a.sqrt(),
  'int64.matmul': (a, b) => a.matmul(b),
  'int64.prod': (a) => a.prod(0),
  'int64.mean': (a) => a.mean(0),
  'uint8.neg': (a) => a.neg(),
  'uint8.addWrap': (a, b) => a.add(b),
  'uint8.sum': (a) => a.sum(),
  'bool.add': (a, b) => a.add(b),
  'bool.mul': (a, b) => a.mul(b),
  'bool.sum': (a) => a.sum(),
  'bool.addInt': (a, b) => a.add(b),
  'mixed.intFloat': (a, b) => a.mul(b),
  'mixed.zeroDimFloat64': (a, b) => a.mul(b),
  'mixed.intZeroDimFloat64': (a, b) => a.mul(b),
  'mixed.halfZeroDimFloat32': (a, b) => a.mul(b),
  'empty.sum': (x) => x.sum(0),
  'empty.mean': (x) => x.mean(0),
  'empty.prod': (x) => x.prod(1),
  'empty.sumAll': (x) => x.sum(),
  'empty.logsumexp': (x) => x.logsumexp(1),
  'empty.matmulK0': (a, b) => a.matmul(b),
  'empty.cat': (a, b) => cat([a, b]),
  'zeroDim.ops': (a, b) => a.mul(b).exp().add(a.sum()).sub(b.mean()),
  'zeroDim.broadcast': (a, b) => a.mul(b),
  'zeroDim.reduce': (a) => [a.amax(), a.norm(), a.logsumexp(0), a.prod()],
  'inplace.nonLeaf': (a, b) => a.mul(2).add_(b).mul_(b).sigmoid(),
  'inplace.viewOfNonLeaf': (a) => {
    const y = a.mul(2);
    y.slice(0, 1).slice(1, 1, undefined, 2).mul_(3);
    y.select(1, 0).add_(1);
    return y.exp();
  },
  'inplace.transposedView': (a, b) => {
    const y = a.mul(1);
    y.t().select(0, 1).mul_(b);
    return y.mul(y);
  },
  'inplace.staleView': (a, b) => {
    const y = a.mul(2);
    const v = y.slice(0, 1, 3);
    y.mul_(3);
    const w = y.slice(0, 2);
    y.slice(0, 0, 2).add_(b);
    return v.exp().add(w.sum()).add(y.sum());
  },
  'inplace.relu_': (a) => a.mul(3).relu_().mul(a),
  'inplace.addcmulLerp': (a, b, c) => a.mul(1).addcmul_(b, c, 0.5).lerp_(c, 0.25),
};

/** Compares a tensor with a fixture tensor: dtype, shape, values (exact unless float32/float64). */
function compare(got: Tensor, want: EncodedTensor, what: string, tol?: FixtureCase['tol']): void {
  assert.equal(got.dtype, want.dtype, `${what}: dtype`);
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  const w = encodedValues(want);
  if (want.dtype === 'float32' || want.dtype === 'float64') {
    const rtol = tol?.rtol ?? (want.dtype === 'float32' ? 1e-6 : 1e-12);
    // absolute slack relative to the tensor's scale, for values that cancel to near zero
    const scale = w.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
    const atol = tol?.atol ?? rtol * Math.max(scale, 1e-30);
    assertClose(rawValues(got), w, { rtol, atol }, what);
  } else {
    assert.deepEqual(rawValues(got), w, `${what}: values`);
  }
}

const fixture = loadFixture();

test('every fixture case has an implementation', () => {
  const missing = fixture.cases.map((c) => c.name).filter((n) => !IMPL[n]);
  assert.deepEqual(missing, []);
});

for (const c of fixture.cases) {
  test(`torch golden: ${c.name}`, () => {
    const inputs = c.inputs.map(decodeTensor);
    if (c.grads) inputs.forEach((t, i) => { if (c.grads![i]) t.requiresGrad_(); });
    const out = IMPL[c.name]!(...inputs);
    const outs = Array.isArray(out) ? out : [out];
    assert.equal(outs.length, c.outputs.length, 'number of outputs');
    outs.forEach((o, k) => compare(o, c.outputs[k]!, `${c.name} output ${k}`, c.tol));
    if (!c.grads) return;
    let loss: Tensor | null = null;
    outs.forEach((o, k) => {
      const w = c.weights![k];
      if (!w) return;
      const term = o.mul(decodeTensor(w)).sum();
      loss = loss ? loss.add(term) : term;
    });
    loss!.backward();
    c.grads.forEach((g, i) => {
      if (!g) return;
      assert.ok(inputs[i]!.grad, `${c.name}: input ${i} got no gradient`);
      compare(inputs[i]!.grad!, g, `${c.name} grad ${i}`, c.tol);
    });
  });
}
