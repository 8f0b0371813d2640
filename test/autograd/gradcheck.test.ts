// gradcheck itself: it must catch wrong gradients, and every differentiable method of Tensor
// (and the free functions cat, stack, pad, where) must have a case in gradcheck-cases.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, gradcheck, tensor, noGrad } from '../../src/index.js';
import { BINARY_CASES, INDEXING_CASES, INPLACE_CASES, MATMUL_CASES, REDUCTION_CASES, UNARY_CASES, VIEW_CASES, u } from './gradcheck-cases.js';

/** Methods with no gradient to check: reading values, metadata, comparisons, indices, random fills. */
const NOT_DIFFERENTIABLE = new Set([
  'constructor', 'ndim', 'numel', 'dim', 'data', 'isLeaf', '_version', 'itemSize', 'isFloatingPoint', 'isContiguous', 'isDense',
  'toString', 'item', 'toArray', 'toTypedArray', 'toFloat32Array', 'int', 'long', 'bool', 'detach', 'requiresGrad_', 'retainGrad',
  'backward', 'setData', 'floorDivide', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd',
  'logicalOr', 'logicalXor', 'logicalNot', 'isnan', 'isinf', 'isfinite', 'argmax', 'argmin', 'any', 'all', 'uniform_', 'normal_',
]);

test('every differentiable Tensor method and free function has a gradcheck case', () => {
  const covered = new Set([UNARY_CASES, BINARY_CASES, REDUCTION_CASES, MATMUL_CASES, VIEW_CASES, INDEXING_CASES, INPLACE_CASES].flat().flatMap((c) => c.covers));
  // internal methods (_accumulateGrad, ...) are not API
  const methods = Object.getOwnPropertyNames(Tensor.prototype).filter((m) => !NOT_DIFFERENTIABLE.has(m) && !m.startsWith('_'));
  const missing = [...methods, 'cat', 'stack', 'pad', 'where'].filter((m) => !covered.has(m));
  assert.deepEqual(missing, []);
});

test('gradcheck catches a wrong gradient, and can report instead of throwing', () => {
  // x * detach(x): backward sees d/dx = x, the function's derivative is 2x
  const wrong = (x: Tensor) => x.mul(x.detach());
  assert.throws(() => gradcheck(wrong, [u([3])]), /gradcheck: input 0 element 0: analytic gradient .*, numerical/);
  assert.equal(gradcheck(wrong, [u([3])], { raiseException: false }), false);
  // a missing gradient (an input the output does not reach through the graph) is also caught
  const cut = (x: Tensor) => noGrad(() => x.exp()).add(x.mul(0));
  assert.throws(() => gradcheck(cut, [u([2])]), /analytic gradient 0, numerical/);
  assert.equal(gradcheck((x: Tensor) => x.exp(), [u([3])]), true);
});

test('gradcheck checks every input that requires grad, and every output', () => {
  const a = u([2]), b = u([2]);
  const bWrong = (x: Tensor, y: Tensor) => [x.mul(2), x.mul(y.detach()).add(y)];
  assert.throws(() => gradcheck(bWrong, [a, b]), /gradcheck: input 1 element/);
  const frozen = tensor([1, 2], { dtype: 'float64' });
  assert.equal(gradcheck((x: Tensor, y: Tensor) => x.mul(y), [u([2]), frozen]), true);
});

test('gradcheck wants float64, contiguous inputs', () => {
  const f32 = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  assert.throws(() => gradcheck((x: Tensor) => x.exp(), [f32]), /gradcheck: input 0 must be float64 to be checked, got float32/);
  const t = u([2, 3]).detach().t().requiresGrad_();
  assert.throws(() => gradcheck((x: Tensor) => x.exp(), [t]), /gradcheck: input 0 must be contiguous/);
});
