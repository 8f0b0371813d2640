// In-place ops write into the tensor's own memory (contiguous, transposed, strided, offset views
// alike), give the same values as the out-of-place ops, bump the version, and refuse what they
// cannot store.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, manualSeed, noGrad, randn, tensor, zeros, type Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

type InPlace = [string, (t: Tensor, o: Tensor) => Tensor, (t: Tensor, o: Tensor) => Tensor];

// [name, in place, out-of-place equivalent]
const OPS: InPlace[] = [
  ['add_', (t, o) => t.add_(o, 0.5), (t, o) => t.add(o, 0.5)],
  ['sub_', (t, o) => t.sub_(o), (t, o) => t.sub(o)],
  ['mul_', (t, o) => t.mul_(o), (t, o) => t.mul(o)],
  ['div_', (t, o) => t.div_(o), (t, o) => t.div(o)],
  ['add_ scalar', (t) => t.add_(2), (t) => t.add(2)],
  ['mul_ scalar', (t) => t.mul_(-1.5), (t) => t.mul(-1.5)],
  ['clamp_', (t) => t.clamp_(-0.5, 0.25), (t) => t.clamp(-0.5, 0.25)],
  ['clamp_ min', (t) => t.clamp_(0), (t) => t.clamp(0)],
  ['zero_', (t) => t.zero_(), (t) => t.mul(0)],
  ['fill_', (t) => t.fill_(3.5), (t) => t.mul(0).add(3.5)],
  ['copy_', (t, o) => t.copy_(o), (_t, o) => o.clone()],
  ['addcmul_', (t, o) => t.addcmul_(o, o.add(1), 0.5), (t, o) => t.add(o.mul(o.add(1)).mul(0.5))],
  ['addcdiv_', (t, o) => t.addcdiv_(o, o.abs().add(1), -2), (t, o) => t.add(o.div(o.abs().add(1)).mul(-2))],
  ['lerp_', (t, o) => t.lerp_(o, 0.3), (t, o) => t.add(o.sub(t).mul(0.3))],
  ['relu_', (t) => t.relu_(), (t) => t.relu()],
  ['neg_', (t) => t.neg_(), (t) => t.neg()],
  ['sqrt_', (t) => t.abs().sqrt_(), (t) => t.abs().sqrt()],
  ['pow_', (t) => t.pow_(2), (t) => t.pow(2)],
  ['maskedFill_', (t, o) => t.maskedFill_(o.gt(0), -7), (t, o) => t.maskedFill(o.gt(0), -7)],
];

/** Views of a fresh [4, 6] float32 base to write into: [label, base, view]. */
function targets(): [string, Tensor, Tensor][] {
  manualSeed(21);
  const mk = () => randn([4, 6]);
  const out: [string, Tensor, Tensor][] = [];
  let b = mk(); out.push(['contiguous', b, b]);
  b = mk(); out.push(['transposed', b, b.t()]);
  b = mk(); out.push(['row-narrowed (offset)', b, b.narrow(0, 1, 2)]);
  b = mk(); out.push(['column-narrowed', b, b.narrow(1, 2, 3)]);
  b = mk(); out.push(['strided with offset', b, b.slice(0, 1, 4, 2).slice(1, 1, 6, 2)]);
  b = mk(); out.push(['0-d element', b, b.select(0, 2).select(0, 3)]);
  b = mk(); out.push(['empty', b, b.narrow(1, 2, 0)]);
  return out;
}

test('every in-place op on every kind of view equals the out-of-place op and leaves the rest of the base alone', () => {
  for (const [name, inplace, outOfPlace] of OPS) {
    for (const [label, base, view] of targets()) {
      manualSeed(7);
      const operand = randn(view.shape as number[]);
      const before = base.clone();
      const expected = outOfPlace(view.clone(), operand);
      const version = view._version;
      const storage = view.storage;
      const returned = inplace(view, operand);
      const what = `${name} on ${label}`;
      if (name !== 'sqrt_') assert.equal(returned, view, `${what}: returns the tensor itself`);
      if (name === 'sqrt_') continue; // sqrt_ ran on a copy (abs())
      assert.equal(view.storage, storage, `${what}: same memory`);
      if (view.numel() > 0) assert.ok(view._version > version, `${what}: version bumped`);
      assertClose(view.contiguous().toTypedArray() as Float32Array, expected.contiguous().toTypedArray() as Float32Array, { rtol: 1e-6, atol: 1e-7 }, what);
      // elements outside the view are unchanged: mark the view's elements in a mask of the base
      const mask = zeros(base.shape as number[]);
      const mview = label === 'contiguous' ? mask : label === 'transposed' ? mask.t() : label.startsWith('row') ? mask.narrow(0, 1, 2)
        : label.startsWith('column') ? mask.narrow(1, 2, 3) : label.startsWith('strided') ? mask.slice(0, 1, 4, 2).slice(1, 1, 6, 2)
          : label.startsWith('0-d') ? mask.select(0, 2).select(0, 3) : mask.narrow(1, 2, 0);
      mview.fill_(1);
      const outside = mask.eq(0);
      assert.deepEqual(base.maskedFill(mask.gt(0), 0).toArray(), before.maskedFill(outside.logicalNot(), 0).toArray(), `${what}: rest of the base unchanged`);
    }
  }
});

test('the operand broadcasts to the tensor, never the other way', () => {
  const t = zeros(2, 3);
  t.add_(tensor([1, 2, 3], { dtype: 'float32' }));
  t.mul_(tensor([[2], [3]], { dtype: 'float32' }));
  assert.deepEqual(t.toArray(), [[2, 4, 6], [3, 6, 9]]);
  t.copy_(tensor(7));
  assert.deepEqual(t.toArray(), [[7, 7, 7], [7, 7, 7]]);
  t.copy_(tensor([1, 2, 3], { dtype: 'float64' }));
  assert.deepEqual(t.toArray(), [[1, 2, 3], [1, 2, 3]]);
  assert.throws(() => zeros(3).add_(zeros(2, 3)), /add_: the operand of shape \[2, 3\] does not broadcast to the tensor's shape \[3\]/);
  assert.throws(() => zeros(3).copy_(zeros(2, 3)), /copy_: src of shape \[2, 3\] does not broadcast to the tensor's shape \[3\]/);
  assert.throws(() => zeros(3).addcmul_(zeros(2, 3), zeros(3)), /does not broadcast to the tensor's shape \[3\]/);
});

test('in-place ops refuse results the tensor cannot hold, as PyTorch', () => {
  const i = tensor([1, 2, 3]);
  assert.throws(() => i.add_(0.5), /add_: the result type float32 cannot be stored in place in a int64 tensor/);
  assert.throws(() => i.div_(2), /div_: the result type float32 cannot be stored in place in a int64 tensor/);
  assert.throws(() => i.mul_(tensor([1.5], { dtype: 'float32' })), /mul_: the result type float32 cannot be stored/);
  assert.throws(() => i.sqrt_(), /sqrt_: the result type float32 cannot be stored in place in a int64 tensor/);
  assert.throws(() => i.clamp_(0.5), /clamp_: the result type float32 cannot be stored/);
  assert.throws(() => tensor([true]).add_(2), /add_: the result type int64 cannot be stored in place in a bool tensor/);
  assert.throws(() => zeros(2, 1).expand(2, 3).add_(1), /add_: more than one element of the written-to tensor refers to the same memory/);
  assert.throws(() => zeros(2, 1).expand(2, 3).fill_(1), /fill_: more than one element/);
  // what they can hold is fine
  assert.deepEqual(i.add_(tensor([1, 1, 1], { dtype: 'int32' })).toArray(), [2, 3, 4]);
  assert.deepEqual(i.mul_(3).toArray(), [6, 9, 12]);
  assert.deepEqual(i.pow_(2).toArray(), [36, 81, 144]);
  assert.deepEqual(tensor([1, 2], { dtype: 'float32' }).add_(tensor([1, 2])).toArray(), [2, 4]);
  const b = tensor([true, false, false]);
  b.add_(tensor([true, true, false]));
  assert.deepEqual(b.toArray(), [1, 1, 0], 'bool += bool is logical or, stored as 0/1');
  assert.deepEqual(Array.from(b.toTypedArray() as Uint8Array), [1, 1, 0]);
  const u = tensor([250], { dtype: 'uint8' });
  u.add_(10);
  assert.equal(u.item(), 4, 'uint8 wraps');
});

test('half tensors round once per in-place op', () => {
  const h = tensor([2048, 1], { dtype: 'float16' });
  h.add_(1);
  assert.deepEqual(h.toArray(), [2048, 2]);
  h.mul_(tensor([0.5, 0.5], { dtype: 'float32' }));
  assert.deepEqual(h.toArray(), [1024, 1]);
  const b = tensor([1, 2], { dtype: 'bfloat16' });
  b.addcmul_(tensor([1, 1], { dtype: 'bfloat16' }), tensor([2 ** -8, 1], { dtype: 'bfloat16' }));
  assert.deepEqual(b.toArray(), [1, 3]);
  b.fill_(0.1);
  assert.deepEqual(b.toArray(), [0.10009765625, 0.10009765625]);
});

test('an operand overlapping the target is read before anything is written', () => {
  const x = arange(5, { dtype: 'float32' });
  x.narrow(0, 1, 4).copy_(x.narrow(0, 0, 4));
  assert.deepEqual(x.toArray(), [0, 0, 1, 2, 3]);
  const y = arange(5, { dtype: 'float32' });
  y.narrow(0, 1, 4).add_(y.narrow(0, 0, 4));
  assert.deepEqual(y.toArray(), [0, 1, 3, 5, 7]);
  const m = arange(4, { dtype: 'float32' }).reshape(2, 2);
  m.add_(m.t());
  assert.deepEqual(m.toArray(), [[0, 3], [3, 6]]);
  const z = arange(4, { dtype: 'float32' });
  z.narrow(0, 0, 3).addcmul_(z.narrow(0, 1, 3), z.narrow(0, 1, 3));
  assert.deepEqual(z.toArray(), [1, 5, 11, 3]);
  const s = arange(3, { dtype: 'float32' });
  s.mul_(s);
  assert.deepEqual(s.toArray(), [0, 1, 4], 'the same view as operand is fine');
});

test('random in-place fills: uniform_ and normal_ on views, in range, reproducible', () => {
  const x = zeros(3, 4);
  manualSeed(1);
  x.t().narrow(0, 1, 2).uniform_(2, 3);
  const filled = x.narrow(1, 1, 2);
  assert.ok((filled.toTypedArray() as Float32Array).every((v) => v >= 2 && v < 3));
  assert.ok((x.select(1, 0).toTypedArray() as Float32Array).every((v) => v === 0));
  manualSeed(1);
  const again = zeros(3, 4);
  again.t().narrow(0, 1, 2).uniform_(2, 3);
  assert.deepEqual(again.toArray(), x.toArray());
  const n = zeros(1000, { dtype: 'float64' }).normal_(5, 2);
  assert.ok(Math.abs(n.mean().item() - 5) < 0.3);
  assert.ok(Math.abs(n.std().item() - 2) < 0.3);
  assert.throws(() => zeros([2], { dtype: 'int64' }).uniform_(), /uniform_: expected a floating-point tensor, got int64/);
});

test('in-place ops under noGrad on parameters are allowed (the optimizer path)', () => {
  const p = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  noGrad(() => {
    p.sub_(tensor([0.5, 0.5], { dtype: 'float32' }));
    p.narrow(0, 0, 1).mul_(2);
  });
  assert.deepEqual(p.toArray(), [1, 1.5]);
  assert.equal(p.isLeaf, true);
  assert.equal(p.requiresGrad, true);
});
