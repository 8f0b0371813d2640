// Every dtype through creation, conversion (checked against PyTorch), reading values, and type
// promotion (checked against torch.result_type).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DTYPES, full, ones, tensor, where, zeros, type DType, type Tensor } from '../../src/index.js';
import { decodeTensor, encodedValues, loadFixture, rawValues } from './torch-fixture.js';

const fixture = loadFixture();

/** A 2-element tensor of ones (or a 0-d one) in dtype, as the fixture's samples. */
function sample(dtype: DType, zeroDim = false): Tensor {
  return ones(zeroDim ? [] : [2], { dtype });
}

test('binary promotion of two dimensioned tensors matches torch.result_type', () => {
  const bad: string[] = [];
  for (const a of DTYPES) {
    for (const b of DTYPES) {
      const want = fixture.promotion.resultType[`${a},${b}`]!;
      const got = sample(a).mul(sample(b)).dtype;
      if (got !== want) bad.push(`${a} * ${b}: ${got}, torch ${want}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('a 0-d tensor operand promotes like a scalar (only a higher kind wins)', () => {
  const bad: string[] = [];
  for (const a of DTYPES) {
    for (const b of DTYPES) {
      const want = fixture.promotion.resultTypeZeroDim[`${a},${b}`]!;
      const got = sample(a).mul(sample(b, true)).dtype;
      const got2 = sample(b, true).mul(sample(a)).dtype;
      if (got !== want || got2 !== want) bad.push(`${a}[2] * ${b}[]: ${got} / ${got2}, torch ${want}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('JS numbers promote like Python scalars', () => {
  const bad: string[] = [];
  for (const a of DTYPES) {
    for (const [kind, value] of [['int', 2], ['float', 2.5]] as const) {
      const want = fixture.promotion.resultTypeScalar[`${a},${kind}`]!;
      const got = sample(a).mul(value).dtype;
      if (got !== want) bad.push(`${a} * ${value}: ${got}, torch ${want}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('each binary op has PyTorch\'s result dtype, and refuses what PyTorch refuses', () => {
  const ops: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
    add: (a, b) => a.add(b), sub: (a, b) => a.sub(b), mul: (a, b) => a.mul(b), div: (a, b) => a.div(b),
    maximum: (a, b) => a.maximum(b), eq: (a, b) => a.eq(b), lt: (a, b) => a.lt(b), pow: (a, b) => a.pow(b),
    atan2: (a, b) => a.atan2(b), remainder: (a, b) => a.remainder(b), floorDivide: (a, b) => a.floorDivide(b),
    where: (a, b) => where(ones(a.shape as number[], { dtype: 'bool' }), a, b),
  };
  const bad: string[] = [];
  for (const [op, table] of Object.entries(fixture.promotion.ops)) {
    for (const [pair, want] of Object.entries(table)) {
      const [a, b] = pair.split(',') as [DType, DType];
      // torch 1.13 lacks some CPU half kernels (atan2): a missing kernel is not a dtype rule.
      if (want === 'error' && op === 'atan2') continue;
      let got: string;
      try {
        got = ops[op]!(sample(a), sample(b)).dtype;
      } catch (e) {
        got = 'error';
        assert.match((e as Error).message, new RegExp(`^${op}`), `${op}(${pair}) error names the op`);
      }
      if (got !== want) bad.push(`${op}(${pair}): ${got}, torch ${want}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('to(dtype) matches PyTorch bit for bit: nearest-even into float16/bfloat16, NaN/Inf kept, truncation into integers', () => {
  const bad: string[] = [];
  for (const c of fixture.conversion) {
    const x = decodeTensor(c.input);
    const y = x.to(c.to);
    assert.equal(y.dtype, c.to);
    const got = rawValues(y), want = encodedValues(c.output);
    for (let i = 0; i < want.length; i++) {
      const g = got[i]!, w = want[i]!;
      // NaN payloads differ between conversions; any NaN pattern is a NaN
      const isNanBits = (v: number) => (c.to === 'float16' ? (v & 0x7c00) === 0x7c00 && (v & 0x3ff) !== 0 : c.to === 'bfloat16' ? (v & 0x7f80) === 0x7f80 && (v & 0x7f) !== 0 : Number.isNaN(v));
      if (g === w || (isNanBits(g) && isNanBits(w))) continue;
      bad.push(`${c.input.dtype} ${encodedValues(c.input)[i]} -> ${c.to}: ${g}, torch ${w}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('creation, item and toArray in every dtype', () => {
  const values = [0, 1, 2, 3];
  for (const dtype of DTYPES) {
    const t = tensor([[0, 1], [2, 3]], { dtype });
    assert.equal(t.dtype, dtype);
    assert.deepEqual(t.shape, [2, 2]);
    const expect = dtype === 'bool' ? [[0, 1], [1, 1]] : [[0, 1], [2, 3]];
    assert.deepEqual(t.toArray(), expect, dtype);
    assert.equal(t.select(1, 1).select(0, 1).item(), dtype === 'bool' ? 1 : 3);
    assert.equal(tensor(values, { dtype }).numel(), 4);
    assert.deepEqual(zeros([2, 0], { dtype }).toArray(), [[], []]);
    assert.equal(full([], 1, { dtype }).item(), 1);
    assert.equal(full([], 1, { dtype }).ndim, 0);
    assert.equal(tensor(values, { dtype }).toTypedArray().length, 4);
    assert.equal(t.transpose(0, 1).clone().dtype, dtype);
    assert.deepEqual(t.transpose(0, 1).contiguous().toArray(), dtype === 'bool' ? [[0, 1], [1, 1]] : [[0, 2], [1, 3]]);
    // round trip through float64 is exact for these values
    assert.deepEqual(t.to('float64').to(dtype).toArray(), expect);
  }
});

test('float16 and bfloat16 values read back exactly, including Inf, NaN, subnormals and -0', () => {
  const h = tensor([65504, -65504, 6.103515625e-5, 5.960464477539063e-8, Infinity, -Infinity, NaN, -0], { dtype: 'float16' });
  const v = h.toArray() as number[];
  assert.deepEqual(v.slice(0, 6), [65504, -65504, 6.103515625e-5, 5.960464477539063e-8, Infinity, -Infinity]);
  assert.ok(Number.isNaN(v[6]));
  assert.ok(Object.is(v[7], -0));
  assert.equal(tensor([65520], { dtype: 'float16' }).item(), Infinity, '65520 rounds up to Inf');
  assert.equal(tensor([65519], { dtype: 'float16' }).item(), 65504);
  // 3.39e38 rounds down to bfloat16's largest finite value; 3.4e38 is past the midpoint to 2^128
  const b = tensor([1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.39e38, NaN, 3.4e38], { dtype: 'bfloat16' });
  const bv = b.toArray() as number[];
  assert.deepEqual(bv.slice(0, 3), [1, 1 + 2 ** -6, 3.3895313892515355e38]);
  assert.ok(Number.isNaN(bv[3]));
  assert.equal(bv[4], Infinity);
  assert.equal(h.toFloat32Array()[0], 65504);
});

test('to() between integer types wraps like PyTorch; float to bool is nonzero (NaN is true)', () => {
  assert.deepEqual(tensor([256, -1, 300]).to('uint8').toArray(), [0, 255, 44]);
  assert.deepEqual(tensor([2 ** 31, 2 ** 32 + 5]).to('int32').toArray(), [-(2 ** 31), 5]);
  assert.deepEqual(tensor([NaN, 0, -0, 0.1], { dtype: 'float32' }).to('bool').toArray(), [1, 0, 0, 1]);
  assert.deepEqual(tensor([NaN, 0, 0.1], { dtype: 'bool' }).toArray(), [1, 0, 1]);
  assert.deepEqual(tensor([-2.7, 2.7, -0.5], { dtype: 'float32' }).to('int64').toArray(), [-2, 2, 0]);
  // to() of the same dtype is the tensor itself, as PyTorch
  const x = tensor([1, 2], { dtype: 'float32' });
  assert.equal(x.to('float32'), x);
});

test('int64 holds values beyond 2^31 and reads them back', () => {
  const big = tensor([2 ** 40, -(2 ** 40) - 1]);
  assert.deepEqual(big.toArray(), [2 ** 40, -(2 ** 40) - 1]);
  assert.deepEqual(big.add(1).toArray(), [2 ** 40 + 1, -(2 ** 40)]);
  assert.equal((big.toTypedArray() as BigInt64Array)[0], 2n ** 40n);
  assert.deepEqual(tensor(new BigInt64Array([5n, -7n])).toArray(), [5, -7]);
});
