// Elementwise ops: broadcasting, any memory layout (transposed, strided, offset, expanded views),
// 0-d and empty operands, integer and half semantics. Values against PyTorch are in
// torch-golden.test.ts; here the same op must give the same bits whatever the layout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, randn, tensor, where, zeros, manualSeed, type Tensor } from '../../src/index.js';
import { rng, randomInt } from '../helpers.js';

/** Non-contiguous tensors holding the same values as a contiguous [r, c] one, built different ways. */
function layouts(x: Tensor): Tensor[] {
  const [r, c] = x.shape as [number, number];
  const out: Tensor[] = [x];
  const t = x.t().contiguous().t(); // column-major
  out.push(t);
  // every other row and column of a larger tensor, with an offset
  const big = zeros(2 * r + 1, 2 * c + 1);
  const strided = big.slice(0, 1, 1 + 2 * r, 2).slice(1, 1, 1 + 2 * c, 2);
  strided.copy_(x);
  out.push(strided);
  return out;
}

const BINARY: [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ['add', (a, b) => a.add(b, 0.5)], ['sub', (a, b) => a.sub(b)], ['mul', (a, b) => a.mul(b)], ['div', (a, b) => a.div(b)],
  ['pow', (a, b) => a.abs().pow(b)], ['maximum', (a, b) => a.maximum(b)], ['minimum', (a, b) => a.minimum(b)],
  ['atan2', (a, b) => a.atan2(b)], ['remainder', (a, b) => a.remainder(b)], ['floorDivide', (a, b) => a.floorDivide(b)],
  ['lt', (a, b) => a.lt(b)], ['eq', (a, b) => a.eq(b)], ['logicalXor', (a, b) => a.gt(0).logicalXor(b.gt(0))],
];

const UNARY: [string, (a: Tensor) => Tensor][] = [
  ['neg', (a) => a.neg()], ['exp', (a) => a.exp()], ['log', (a) => a.abs().log()], ['sigmoid', (a) => a.sigmoid()],
  ['tanh', (a) => a.tanh()], ['relu', (a) => a.relu()], ['gelu', (a) => a.gelu()], ['clamp', (a) => a.clamp(-0.3, 0.4)],
  ['pow', (a) => a.pow(3)], ['round', (a) => a.mul(4).round()], ['isnan', (a) => a.log().isnan()],
];

function sameBits(a: Tensor, b: Tensor, what: string): void {
  assert.equal(a.dtype, b.dtype, `${what}: dtype`);
  assert.deepEqual([...a.shape], [...b.shape], `${what}: shape`);
  const x = a.toTypedArray(), y = b.toTypedArray();
  for (let i = 0; i < x.length; i++) {
    if (!Object.is(x[i], y[i]) && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) assert.fail(`${what}: element ${i} is ${x[i]}, expected ${y[i]}`);
  }
}

test('binary and unary ops give the same bits on contiguous, column-major and strided-offset operands', () => {
  manualSeed(11);
  const r = rng(5);
  for (const [rows, cols] of [[1, 1], [3, 5], [7, 1], [1, 9], [17, 33], [0, 4]] as const) {
    const a = randn([rows, cols]), b = randn([rows, cols]);
    const la = layouts(a), lb = layouts(b);
    for (const [name, f] of BINARY) {
      const want = f(a, b);
      for (let k = 0; k < 4; k++) {
        const x = la[randomInt(r, 0, la.length - 1)]!, y = lb[randomInt(r, 0, lb.length - 1)]!;
        sameBits(f(x, y), want, `${name} [${rows}, ${cols}]`);
      }
      // broadcasting a row and a column from strided views
      if (rows > 0) sameBits(f(la[2]!, lb[2]!.narrow(0, 0, 1)), f(a, b.narrow(0, 0, 1).contiguous()), `${name} broadcast row`);
    }
    for (const [name, f] of UNARY) {
      const want = f(a);
      for (const x of la) sameBits(f(x), want, `${name} [${rows}, ${cols}]`);
    }
  }
});

test('broadcasting follows NumPy rules, including 0-d and zero-size dims', () => {
  const a = arange(3, { dtype: 'float32' }).reshape(3, 1, 1);
  const b = arange(4, { dtype: 'float32' }).reshape(4, 1).mul(10);
  const c = arange(5, { dtype: 'float32' }).mul(100);
  const s = a.add(b).add(c);
  assert.deepEqual(s.shape, [3, 4, 5]);
  assert.equal(s.select(0, 2).select(0, 3).select(0, 4).item(), 2 + 30 + 400);
  assert.deepEqual(tensor(2).mul(zeros(2, 3)).shape, [2, 3]);
  assert.deepEqual(tensor(2).mul(tensor(3)).shape, []);
  assert.equal(tensor(2).mul(tensor(3)).item(), 6);
  assert.deepEqual(zeros(0, 3).add(zeros(1, 3)).shape, [0, 3]);
  assert.deepEqual(zeros(0).add(zeros(1)).shape, [0]);
  assert.deepEqual(zeros(2, 0).add(tensor(1)).shape, [2, 0]);
  assert.deepEqual(zeros(0).add(tensor(1)).toArray(), []);
  assert.throws(() => zeros(2).add(zeros(3)), /add: shapes \[2\] and \[3\] cannot be broadcast together \(dimension -1: 2 vs 3\)/);
  assert.throws(() => zeros(0).add(zeros(2)), /cannot be broadcast/);
  assert.throws(() => zeros(2, 3).mul(zeros(3, 2)), /mul: shapes \[2, 3\] and \[3, 2\]/);
});

test('integer arithmetic wraps like PyTorch; division gives float; floor division and remainder follow Python', () => {
  const i32 = tensor([2147483647, -2147483648], { dtype: 'int32' });
  assert.deepEqual(i32.add(tensor([1, -1], { dtype: 'int32' })).toArray(), [-2147483648, 2147483647]);
  assert.deepEqual(tensor([250, 3], { dtype: 'uint8' }).add(tensor([10, 255], { dtype: 'uint8' })).toArray(), [4, 2]);
  assert.deepEqual(tensor([1, 0], { dtype: 'uint8' }).neg().toArray(), [255, 0]);
  const q = tensor([7, -7, 7, -7]), d = tensor([2, 2, -2, -2]);
  assert.deepEqual(q.floorDivide(d).toArray(), [3, -4, -4, 3]);
  assert.deepEqual(q.remainder(d).toArray(), [1, 1, -1, -1]);
  assert.equal(q.div(d).dtype, 'float32');
  assert.deepEqual(q.div(d).toArray(), [3.5, -3.5, -3.5, 3.5]);
  assert.throws(() => q.floorDivide(tensor([1, 0, 1, 1])), /floorDivide: integer division by zero/);
  assert.throws(() => q.remainder(0), /remainder: integer division by zero/);
  assert.deepEqual(tensor([1.5, -1.5], { dtype: 'float32' }).floorDivide(0).toArray(), [Infinity, -Infinity], 'float division by zero is IEEE');
  assert.deepEqual(tensor([2, 3]).pow(3).toArray(), [8, 27]);
  assert.equal(tensor([2, 3]).pow(3).dtype, 'int64');
  assert.equal(tensor([2, 3]).pow(0.5).dtype, 'float32');
  assert.deepEqual(tensor([3, 4]).lt(3.5).toArray(), [1, 0]);
  assert.throws(() => tensor([1, 2]).add(tensor([1, 2]), 0.5), /add: expected alpha to be an integer for integer tensors, got number 0.5/);
  assert.deepEqual(tensor([1, 2]).add(tensor([1, 2]), 3).toArray(), [4, 8]);
  assert.deepEqual(tensor([true, false]).add(tensor([true, true])).toArray(), [1, 1], 'bool + bool is logical or');
  assert.equal(tensor([true, false]).add(tensor([true, true])).dtype, 'bool');
  assert.throws(() => tensor([true]).sub(tensor([true])), /sub: subtraction with a bool tensor is not supported/);
  assert.deepEqual(tensor([true, false]).add(1).toArray(), [2, 1]);
  assert.deepEqual(tensor([-3, 0, 5]).abs().toArray(), [3, 0, 5]);
  assert.deepEqual(tensor([-3, 0, 5]).sign().toArray(), [-1, 0, 1]);
  assert.deepEqual(tensor([-3, 0, 5]).relu().toArray(), [0, 0, 5]);
  assert.deepEqual(tensor([-3, 0, 5]).clamp(-1, 2).toArray(), [-1, 0, 2]);
  assert.equal(tensor([-3, 0, 5]).clamp(-1.5).dtype, 'float32');
  assert.equal(tensor([1, 4]).sqrt().dtype, 'float32');
});

test('float16 and bfloat16 compute in float32 and round once; mixed with float32 they promote', () => {
  const h = tensor([1, 2048, 0.1], { dtype: 'float16' });
  const sum = h.add(tensor([2 ** -11, 1, 0.2], { dtype: 'float16' }));
  assert.equal(sum.dtype, 'float16');
  assert.deepEqual((sum.toArray() as number[]).slice(0, 2), [1, 2048]);
  assert.equal(h.add(tensor([0.5], { dtype: 'float32' })).dtype, 'float32');
  assert.equal(h.add(tensor([0.5], { dtype: 'bfloat16' })).dtype, 'float32');
  assert.equal(h.mul(2.5).dtype, 'float16');
  assert.equal(h.mul(tensor(2.5, { dtype: 'float64' })).dtype, 'float16', 'a 0-d float64 does not lift float16');
  assert.deepEqual(h.gt(1).toArray(), [0, 1, 0]);
  const b = tensor([256, 1], { dtype: 'bfloat16' }).add(tensor([1, 2 ** -8], { dtype: 'bfloat16' }));
  assert.deepEqual(b.toArray(), [256, 1], 'ties go to even in bfloat16');
  assert.equal(tensor([60000], { dtype: 'float16' }).mul(2).item(), Infinity);
  assert.equal(tensor([60000], { dtype: 'float16' }).mul(2).div(4).item(), Infinity, 'each op rounds into float16');
});

test('NaN and infinities propagate as in PyTorch', () => {
  const x = tensor([NaN, 1, -Infinity], { dtype: 'float32' });
  const y = tensor([0, NaN, 2], { dtype: 'float32' });
  assert.deepEqual(x.maximum(y).toArray().map(String), ['NaN', 'NaN', '2']);
  assert.deepEqual(x.minimum(y).toArray().map(String), ['NaN', 'NaN', '-Infinity']);
  assert.deepEqual(x.clamp(0, 0.5).toArray().map(String), ['NaN', '0.5', '0']);
  assert.deepEqual(x.relu().toArray().map(String), ['NaN', '1', '0']);
  assert.deepEqual(x.eq(x).toArray(), [0, 1, 1]);
  assert.deepEqual(x.ne(x).toArray(), [1, 0, 0]);
  assert.deepEqual(x.isnan().toArray(), [1, 0, 0]);
  assert.deepEqual(tensor([2, 1], { dtype: 'float32' }).clamp(3, 1).toArray(), [1, 1], 'min > max gives max');
  assert.deepEqual(tensor([-2, 1], { dtype: 'float32' }).clamp(null, 0).toArray(), [-2, 0]);
});

test('where broadcasts condition and operands, promotes, and takes numbers', () => {
  const c = tensor([[true], [false]]);
  const a = tensor([1, 2, 3], { dtype: 'float32' });
  const w = where(c, a, 0);
  assert.deepEqual(w.toArray(), [[1, 2, 3], [0, 0, 0]]);
  assert.equal(w.dtype, 'float32');
  assert.equal(where(c, tensor([1, 2, 3]), 0.5).dtype, 'float32');
  assert.equal(where(c, tensor([1, 2, 3]), 2).dtype, 'int64');
  assert.deepEqual(where(c, 1, 2).toArray(), [[1], [2]]);
  assert.equal(where(c, tensor([1], { dtype: 'float16' }), tensor([1], { dtype: 'float64' })).dtype, 'float64');
  // a strided condition
  const big = arange(12).reshape(3, 4).gt(5).t();
  assert.deepEqual(where(big, 1, 0).toArray(), [[0, 0, 1], [0, 0, 1], [0, 1, 1], [0, 1, 1]]);
  assert.deepEqual(where(tensor(true), zeros(2), 5).toArray(), [0, 0]);
  assert.deepEqual(where(zeros(0, 2).gt(0), 1, 2).shape, [0, 2]);
  assert.throws(() => where(tensor([1, 0]), 1, 2), /where: expected a bool condition, got int64/);
  assert.throws(() => where(tensor([true, false]), zeros(3), 2), /where: shapes \[2\] and \[3\] cannot be broadcast/);
  assert.deepEqual(a.maskedFill(tensor([true, false, true]), -1).toArray(), [-1, 2, -1]);
  assert.deepEqual(a.lerp(tensor([3, 2, 1], { dtype: 'float32' }), tensor([0, 0.5, 1], { dtype: 'float32' })).toArray(), [1, 2, 1]);
});

test('0-d and empty operands through every unary op', () => {
  const ops = ['neg', 'abs', 'exp', 'exp2', 'expm1', 'log', 'log2', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sign',
    'sin', 'cos', 'sigmoid', 'tanh', 'relu', 'relu6', 'gelu', 'silu', 'softplus', 'erf', 'floor', 'ceil', 'round', 'trunc',
    'isnan', 'isinf', 'isfinite', 'logicalNot', 'leakyRelu'] as const;
  for (const op of ops) {
    for (const dtype of ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'] as const) {
      const s = tensor(1, { dtype });
      const r = (s[op] as () => Tensor).call(s);
      assert.deepEqual(r.shape, [], `${op} ${dtype} 0-d`);
      const e = (zeros([0, 3], { dtype })[op] as () => Tensor).call(zeros([0, 3], { dtype }));
      assert.deepEqual(e.shape, [0, 3], `${op} ${dtype} empty`);
      assert.equal(e.dtype, r.dtype, `${op} ${dtype}: empty and 0-d agree on the dtype`);
    }
  }
});

test('random shapes: a.op(b) equals the op on values read one by one', () => {
  const r = rng(99);
  manualSeed(3);
  for (let trial = 0; trial < 30; trial++) {
    const nd = randomInt(r, 0, 4);
    const shape = Array.from({ length: nd }, () => randomInt(r, 0, 4));
    // b broadcasts: some dims set to 1, maybe fewer dims
    const bShape = shape.slice(randomInt(r, 0, nd)).map((d) => (r() < 0.3 ? 1 : d));
    const a = randn(shape, { dtype: 'float64' }), b = randn(bShape, { dtype: 'float64' });
    const out = a.mul(b).add(a);
    const av = a.toTypedArray() as Float64Array, bv = b.toTypedArray() as Float64Array, ov = out.toTypedArray() as Float64Array;
    const n = out.numel();
    for (let i = 0; i < n; i++) {
      // unravel i over out.shape, then ravel into a and b (broadcast dims read index 0)
      let rem = i, ai = 0, bi = 0, aStride = 1, bStride = 1;
      for (let d = shape.length - 1; d >= 0; d--) {
        const idx = rem % shape[d]!;
        rem = Math.floor(rem / shape[d]!);
        ai += idx * aStride;
        aStride *= shape[d]!;
        const bd = d - (shape.length - bShape.length);
        if (bd >= 0) {
          bi += (bShape[bd] === 1 ? 0 : idx) * bStride;
          bStride *= bShape[bd]!;
        }
      }
      assert.equal(ov[i], av[ai]! * bv[bi]! + av[ai]!, `trial ${trial} shape [${shape}] * [${bShape}] element ${i}`);
    }
  }
});
