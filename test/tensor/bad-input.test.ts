// Wrong shapes, dtypes, dims and argument types: each public function throws an Error that names
// the op, says what it expected and what it got. (fuzz.test.ts throws random calls at everything;
// this file pins the messages a user sees for the common mistakes.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Generator, arange, cat, eye, fromTypedArray, full, fullLike, gradcheck, linspace, noGrad, ones, pad, promoteTypes, rand, randint,
  randn, randperm, setNumThreads, stack, tensor, where, zeros, zerosLike, isFloating, type Tensor,
} from '../../src/index.js';
import { setBackend } from '../../src/backend/index.js';

const x = () => tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });

/** [call, message pattern]: every pattern starts with the op's name. */
const CASES: [() => unknown, RegExp][] = [
  // creation
  [() => zeros(2, -1), /^zeros: expected a shape of non-negative integers, got \[2, -1\]/],
  [() => zeros(2, 1.5), /^zeros: expected a shape of non-negative integers, got \[2, 1.5\]/],
  [() => ones(NaN), /^ones: expected a shape of non-negative integers, got \[NaN\]/],
  [() => zeros('3' as never), /^zeros: expected a shape of non-negative integers, got \[3\]/],
  [() => zeros(1e10, 1e10), /^zeros: shape \[10000000000, 10000000000\] has more than 2\^32 elements/],
  [() => zeros(2 ** 31), /^zeros: a float32 tensor of shape \[2147483648\] needs 8589934592 bytes, more than/],
  [() => zeros([2], { dtype: 'float8' as never }), /^zeros: expected a dtype \(float32, .*\), got 'float8'/],
  [() => zeros([2], { dtype: 'int64', requiresGrad: true }), /^zeros: only floating-point tensors can require gradients, got int64/],
  [() => full([2], 'a' as never), /^full: expected a number fill value, got 'a'/],
  [() => full([2], 1, 'float32' as never), /^full: expected an options object, got 'float32'/],
  [() => tensor([[1, 2], [3]]), /^tensor: ragged nested array at \[1\]: expected length 2, got 1/],
  [() => tensor(['a']), /^tensor: expected numbers or booleans, got 'a' at \[0\]/],
  [() => tensor([1], null as never), /^tensor: expected an options object, got null/],
  [() => tensor(new Float32Array(4), { shape: [3] }), /^tensor: 4 values cannot fill shape \[3\]/],
  [() => tensor(new Uint16Array(2)), /^tensor: a Uint16Array holds float16 or bfloat16 bits/],
  [() => tensor(new Float32Array(2), { dtype: 'x' as never }), /^tensor: expected a dtype .*, got 'x'/],
  [() => fromTypedArray([1, 2] as never), /^fromTypedArray: expected a TypedArray, got an array of length 2/],
  [() => fromTypedArray(new Float32Array(4), [3]), /^fromTypedArray: 4 values do not match shape \[3\]/],
  [() => fromTypedArray(new Float32Array(4), [4], 'int32'), /^fromTypedArray: a Float32Array cannot hold int32/],
  [() => zerosLike([1, 2] as never), /^zerosLike: expected input to be a Tensor, got an array of length 2/],
  [() => fullLike(x(), 1, { dtype: 'nope' as never }), /^full: expected a dtype/],
  [() => arange(5, 0), /^arange: the range 5..0 cannot be walked with step 1/],
  [() => arange(0, 5, 0), /^arange: step must not be zero/],
  [() => arange(NaN), /^arange: start, end and step must be finite, got 0, NaN, 1/],
  [() => arange('5' as never), /^arange: expected arange\(end\), arange\(start, end\) or arange\(start, end, step\)/],
  [() => arange(0, 1e10), /^arange: a float64 tensor of shape \[10000000000\] needs/],
  [() => linspace(0, 1, -1), /^linspace: expected a non-negative integer number of steps, got number -1/],
  [() => linspace('a' as never, 1, 3), /^linspace: expected numbers for start and end, got 'a' and number 1/],
  [() => eye(-2), /^eye: expected a shape of non-negative integers, got \[-2, -2\]/],
  [() => rand([2], { dtype: 'int64' }), /^rand: expected a floating-point dtype, got int64/],
  [() => randn([2], { generator: {} as never }), /^randn: expected options.generator to be a Generator, got an object/],
  [() => randint(5, 5, [2]), /^randint: expected integers low < high, got number 5 and number 5/],
  [() => randperm(-1), /^randperm: expected a non-negative integer, got number -1/],
  [() => new Generator(1.5), /^manualSeed: expected an integer seed, got 1.5/],
  [() => new Generator().setState({ algorithm: 'mt' } as never), /^Generator.setState: expected \{ algorithm: 'xoshiro128\*\*', state: \[4 unsigned 32-bit integers\] \}, got/],
  // dtypes
  [() => promoteTypes('float32', 'f16' as never), /^promoteTypes: expected two dtypes .*, got 'float32' and 'f16'/],
  [() => isFloating('x' as never), /^isFloating: expected a dtype .*, got 'x'/],
  [() => x().to('half' as never), /^to: expected a dtype .*, got 'half'/],
  // elementwise
  [() => x().add(zeros(3, 2)), /^add: shapes \[2, 3\] and \[3, 2\] cannot be broadcast together \(dimension -2: 2 vs 3\)/],
  [() => x().add('1' as never), /^add: expected the second operand to be a Tensor or a number, got '1'/],
  [() => x().add(1, 'x' as never), /^add: expected alpha to be a number, got 'x'/],
  [() => x().mul(undefined as never), /^mul: expected the second operand to be a Tensor or a number, got undefined/],
  [() => x().pow([2] as never), /^pow: expected the second operand to be a Tensor or a number, got an array of length 1/],
  [() => x().leakyRelu('0.1' as never), /^leakyRelu: expected a number parameter, got '0.1'/],
  [() => x().clamp(), /^clamp: at least one of min and max must be given/],
  [() => x().clamp('0' as never), /^clamp: expected numbers for min and max, got '0' and undefined/],
  [() => tensor([true]).sub(tensor([true])), /^sub: subtraction with a bool tensor is not supported/],
  [() => tensor([true]).pow(tensor([true])), /^pow: not supported for two bool tensors/],
  [() => tensor([1]).floorDivide(0), /^floorDivide: integer division by zero/],
  [() => where(x().gt(0), x(), zeros(3, 2)), /^where: shapes \[2, 3\] and \[3, 2\] cannot be broadcast/],
  [() => where(x(), 1, 2), /^where: expected a bool condition, got float32/],
  [() => where(x().gt(0), 'a' as never, 2), /^where: expected the second argument to be a Tensor or a number, got 'a'/],
  [() => x().lerp(5 as never, 0.5), /^lerp: expected end to be a Tensor, got number 5/],
  // reductions
  [() => x().sum(2), /^sum: dim 2 is out of range for a tensor of 2 dimensions \(expected -2..1\)/],
  [() => x().sum('0' as never), /^sum: expected a dim or an array of dims, got string/],
  [() => x().mean([0, 0]), /^mean: dim list \[0, 0\] repeats a dimension/],
  [() => x().amax([1.5]), /^amax: expected an integer dim, got 1.5/],
  [() => x().max(5), /^max: dim 5 is out of range/],
  [() => x().var(0, { correction: 'one' as never }), /^var: expected a finite number for correction, got 'one'/],
  [() => x().std(0, 3 as never), /^std: expected an options object, got number 3/],
  [() => x().norm(-1), /^norm: expected p >= 0 \(or Infinity\), got -1/],
  [() => tensor([1]).norm(), /^norm: expected a floating-point tensor, got int64/],
  [() => zeros(0).argmax(), /^argmax: cannot take the argmax of an empty tensor/],
  [() => zeros(0, 2).amin(0), /^amin: cannot reduce over a dimension of size 0 \(input \[0, 2\]\)/],
  // views
  [() => x().view(4), /^view: shape \[4\] is invalid for input of size 6/],
  [() => x().t().view(6), /^view: shape \[6\] is not compatible with the input's strides \[1, 3\] \(shape \[3, 2\]\); use reshape\(\)/],
  [() => x().reshape(-1, -1), /^reshape: only one dimension can be -1, got \[-1, -1\]/],
  [() => x().reshape('a' as never), /^reshape: expected a shape of non-negative integers \(one may be -1\), got \[a\]/],
  [() => x().permute(0), /^permute: expected 2 dims for a tensor of shape \[2, 3\], got \[0\]/],
  [() => x().transpose(0, 2), /^transpose: dim 2 is out of range for a tensor of 2 dimensions/],
  [() => x().narrow(1, 2, 2), /^narrow: start 2 and length 2 are out of range for dimension 1 of size 3/],
  [() => x().narrow(1, 0.5, 1), /^narrow: expected start to be an integer, got number 0.5/],
  [() => x().slice(0, 0, 2, -1), /^slice: step must be positive, got -1/],
  [() => x().select(0, 2), /^select: index 2 is out of range for dimension 0 of size 2/],
  [() => x().expand(3, 3), /^expand: the size of dimension 0 \(2\) must match the target 3 or be 1/],
  [() => x().expandAs(null as never), /^expandAs: expected other to be a Tensor, got null/],
  [() => x().squeeze('0' as never), /^squeeze: expected a dim or an array of dims, got '0'/],
  [() => x().unsqueeze(3), /^unsqueeze: dim 3 is out of range for a tensor of 2 dimensions \(expected -3..2\)/],
  [() => x().flatten(1, 0), /^flatten: startDim 1 comes after endDim 0/],
  [() => x().unflatten(1, 3 as never), /^unflatten: expected an array of sizes, got number 3/],
  [() => x().split('2' as never), /^split: expected a split size or an array of sizes, got '2'/],
  [() => x().split([1, 2]), /^split: sizes \[1, 2\] must be non-negative integers summing to 2 \(dimension 0\)/],
  [() => x().chunk(0), /^chunk: expected a positive number of chunks \(below 2\^31\), got number 0/],
  [() => tensor([1, 2]).item(), /^item: expected a tensor with one element, got shape \[2\] \(2 elements\)/],
  // matmul and indexing
  [() => x().matmul(x()), /^matmul: shapes \[2, 3\] and \[2, 3\] cannot be multiplied \(3 vs 2\)/],
  [() => x().mm(zeros(3)), /^mm: expected two 2-d tensors, got shapes \[2, 3\] and \[3\]/],
  [() => x().gather(1, tensor([[3]])), /^gather: index 3 is out of bounds for dimension 1 with size 3/],
  [() => x().gather(1, x()), /^gather: expected an int64 or int32 index tensor, got float32/],
  [() => x().scatter(0, tensor([[0]]), tensor([[1]])), /^scatter: src has dtype int64, expected float32 like the input/],
  [() => x().indexSelect(0, tensor([-3])), /^indexSelect: index -3 is out of bounds for dimension 0 with size 2/],
  [() => cat([x(), zeros(2)]), /^cat: tensors\[1\] has 1 dimensions, expected 2 like tensors\[0\]/],
  [() => cat(x() as never), /^cat: expected a non-empty array of tensors, got a Tensor/],
  [() => stack([x(), zeros(3, 2)]), /^stack: tensors\[1\] has shape \[3, 2\], expected \[2, 3\] like tensors\[0\]/],
  [() => pad(x(), [1, 1, 1]), /^pad: expected an even-length array of integers covering at most 2 dims, got \[1,1,1\]/],
  [() => pad(x(), [1, 1], 'a' as never), /^pad: expected a number fill value, got 'a'/],
  [() => pad(x(), [1e10, 0]), /^pad: a float32 tensor of shape \[2, 10000000003\] needs/],
  // in place
  [() => tensor([1, 2]).add_(0.5), /^add_: the result type float32 cannot be stored in place in a int64 tensor/],
  [() => x().add_(zeros(3, 2, 3)), /^add_: the operand of shape \[3, 2, 3\] does not broadcast to the tensor's shape \[2, 3\]/],
  [() => x().mul_(zeros(2)), /^mul_: shapes \[2, 3\] and \[2\] cannot be broadcast together/],
  [() => x().add_(1, '2' as never), /^add_: expected alpha to be a number, got '2'/],
  [() => x().pow_('2' as never), /^pow_: expected a number parameter, got '2'/],
  [() => x().fill_('1' as never), /^fill_: expected a number, got '1'/],
  [() => x().copy_([1, 2, 3] as never), /^copy_: expected src to be a Tensor, got an array of length 3/],
  [() => x().addcmul_(x(), x(), 'a' as never), /^addcmul_: expected value to be a number, got 'a'/],
  [() => x().lerp_(x(), null as never), /^lerp_: expected weight to be a number, got null/],
  [() => x().maskedFill_(x(), 1), /^maskedFill_: expected a bool mask, got float32/],
  [() => x().uniform_(0, 1, {} as never), /^uniform_: expected a Generator, got an object/],
  [() => x().normal_('0' as never), /^normal_: expected numbers for the distribution's parameters, got '0' and number 1/],
  [() => zeros(2, 1).expand(2, 3).mul_(2), /^mul_: more than one element of the written-to tensor refers to the same memory/],
  // autograd
  [() => x().backward(), /^backward: the tensor does not require grad and has no gradFn/],
  [() => x().requiresGrad_().mul(2).backward(), /^backward: gradient can be implied only for a one-element output, this one has shape \[2, 3\]/],
  [() => x().requiresGrad_().mul(2).backward(zeros(3)), /^backward: gradient has shape \[3\], expected \[2, 3\]/],
  [() => tensor([1]).requiresGrad_(), /^requiresGrad_: only floating-point tensors can require gradients, got int64/],
  [() => noGrad('f' as never), /^noGrad: expected a function, got string/],
  [() => gradcheck('f' as never, []), /^gradcheck: expected fn to be a function, got string/],
  [() => gradcheck((t: Tensor) => t, [1] as never), /^gradcheck: expected inputs to be an array of tensors/],
  [() => gradcheck(() => 1 as never, [zeros(1, { dtype: 'float64', requiresGrad: true })]), /^gradcheck: expected fn to return a Tensor or a non-empty array of tensors/],
  // backend
  [() => setNumThreads(-1), /^setNumThreads: expected a non-negative integer \(0 = default\), got -1/],
  [() => setBackend('gpu' as never), /^setBackend: expected 'native' or 'js', got 'gpu'/],
];

test('bad input throws an Error that names the op, what it expected and what it got', () => {
  const failures: string[] = [];
  CASES.forEach(([call, pattern], i) => {
    try {
      call();
      failures.push(`case ${i} (${pattern}): did not throw`);
    } catch (e) {
      if (!(e instanceof Error)) failures.push(`case ${i}: threw a non-Error ${String(e)}`);
      else if (!pattern.test(e.message)) failures.push(`case ${i}: message '${e.message}' does not match ${pattern}`);
    }
  });
  assert.deepEqual(failures, []);
});

test('a failed op leaves its inputs untouched', () => {
  const t = x();
  const before = t.toArray();
  assert.throws(() => t.add_(zeros(4)));
  assert.throws(() => t.narrow(0, 0, 5).fill_(1));
  assert.throws(() => t.gather(1, tensor([[0, 9]])));
  assert.throws(() => t.copy_(zeros(5)));
  assert.deepEqual(t.toArray(), before);
  assert.equal(t._version, 0);
});
