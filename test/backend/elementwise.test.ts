import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsBackend } from '../../src/backend/index.js';
import { BINARY, UNARY } from '../../src/backend/js/elementwise.js';
import { COMPARISONS, type BinaryOp, type UnaryOp } from '../../src/backend/ops.js';
import { SMALL_BINARY_MAX } from '../../src/backend/native-elementwise.js';
import { assertClose, forEachIsa, forEachThreadCount, native, randomArray, rng } from '../helpers.js';
import { assertSame, assertUlp, mixedFloats, nums, numel, randomLayout, randomShape, SPECIALS, TORCH } from './strided-cases.js';

// Largest distance from the float64 reference (rounded to float32) each native unary op may have,
// in float32 steps. 0: bit-exact. The vectorised exp/log family stays within a few ulp; sin, cos
// and pow use libm.
const UNARY_ULP: Record<UnaryOp, number> = {
  neg: 0, abs: 0, exp: 2, log: 2, sqrt: 0, rsqrt: 1, sigmoid: 3, tanh: 2, relu: 0, square: 0, reciprocal: 0, sign: 0,
  sin: 1, cos: 1, log1p: 3, expm1: 2, floor: 0, ceil: 0, round: 0, trunc: 0, erf: 3, gelu: 4, silu: 4, softplus: 4,
  clamp: 0, leakyRelu: 1, powScalar: 1, affine: 0, relu6: 0, rpowScalar: 1, log2: 2, exp2: 2, logicalNot: 0,
  isnan: 0, isinf: 0, isfinite: 0,
};
const PARAMS: Partial<Record<UnaryOp, [number, number][]>> = {
  clamp: [[-1, 2], [-Infinity, 0.5], [3, 1]],
  leakyRelu: [[0.01, 0], [0.2, 0]],
  powScalar: [[2, 0], [3, 0], [0.5, 0], [-0.5, 0], [-1, 0], [-2, 0], [0, 0], [1, 0], [2.5, 0], [-1.7, 0]],
  affine: [[0.1, -3], [2, 0.25]],
  rpowScalar: [[2, 0], [0.5, 0]],
};

function unaryInputs(n: number, seed: number): Float32Array {
  const x = mixedFloats(n, seed, -20, 20);
  const tiny = randomArray(Math.min(n, 200), seed + 7, -1e-3, 1e-3);
  for (let i = 0; i < tiny.length; i++) x[(i * 7 + 3) % n] = tiny[i]!;
  for (let i = 0; i < Math.min(n, SPECIALS.length); i++) x[i] = SPECIALS[i]!;
  return x;
}

test('native unary ops agree with the float64 reference within their ulp bound, on every ISA', () => {
  const nb = native();
  if (!nb) return;
  const x = unaryInputs(4099, 1);
  for (const op of Object.keys(UNARY) as UnaryOp[]) {
    for (const [p1, p2] of PARAMS[op] ?? [[0, 0]]) {
      const ref = Float64Array.from(x, (v) => UNARY[op](v, p1, p2));
      forEachIsa((isa) => {
        const got = new Float32Array(x.length);
        nb.unary(op, x, 0, got, 0, x.length, p1, p2);
        assertUlp(got, ref, UNARY_ULP[op], `${op}(${p1}, ${p2}) on ${isa}`, x);
      });
    }
  }
});

test('native unary ops: offsets, in place, every size, uint8 predicates, threads', () => {
  const nb = native();
  if (!nb) return;
  for (const n of [0, 1, 7, 16, 33, 1000, 70001]) {
    const x = unaryInputs(n + 5, n);
    for (const op of ['exp', 'gelu', 'relu', 'clamp', 'isnan', 'isfinite', 'logicalNot'] as UnaryOp[]) {
      const want = new Float32Array(n + 3);
      jsBackend.unary(op, x, 5, want, 3, n, -1, 2);
      forEachThreadCount((t) => forEachIsa((isa) => {
        const got = new Float32Array(n + 3);
        nb.unary(op, x, 5, got, 3, n, -1, 2);
        assertUlp(got, want, UNARY_ULP[op], `${op} n=${n} ${isa} ${t} threads`);
        const inPlace = x.slice(5, 5 + n);
        nb.unary(op, inPlace, 0, inPlace, 0, n, -1, 2);
        assertUlp(inPlace, want.subarray(3), UNARY_ULP[op], `${op} in place n=${n} ${isa}`);
      }));
    }
    for (const op of ['isnan', 'isinf', 'isfinite', 'logicalNot'] as UnaryOp[]) {
      const want = new Uint8Array(n);
      jsBackend.unary(op, x, 5, want, 0, n, 0, 0);
      forEachIsa((isa) => {
        const got = new Uint8Array(n);
        nb.unary(op, x, 5, got, 0, n, 0, 0);
        assertSame(got, want, `${op} into uint8 n=${n} ${isa}`);
      });
    }
  }
});

test('unary ops match PyTorch (fixtures) and hand-derived values', () => {
  const x = nums(TORCH.x);
  const x32 = Float32Array.from(x);
  const backends = [['js', jsBackend] as const, ...(native() ? [['native', native()!] as const] : [])];
  for (const [name, b] of backends) {
    for (const [op, torchName] of [['exp', 'exp'], ['log', 'log'], ['sqrt', 'sqrt'], ['rsqrt', 'rsqrt'], ['sigmoid', 'sigmoid'],
      ['tanh', 'tanh'], ['relu', 'relu'], ['square', 'square'], ['reciprocal', 'reciprocal'], ['sign', 'sign'], ['log1p', 'log1p'],
      ['expm1', 'expm1'], ['floor', 'floor'], ['ceil', 'ceil'], ['round', 'round'], ['trunc', 'trunc'], ['erf', 'erf'], ['gelu', 'gelu'],
      ['silu', 'silu'], ['softplus', 'softplus'], ['log2', 'log2'], ['exp2', 'exp2'], ['relu6', 'relu6'], ['abs', 'abs'], ['neg', 'neg']] as [UnaryOp, string][]) {
      const got = new Float32Array(x.length);
      b.unary(op, x32, 0, got, 0, x.length, 0, 0);
      // PyTorch in float64 on float32 inputs is the exact answer, except gelu below -5 where its
      // 0.5 x (1 + erf) cancels to 0 (the tail is checked by hand below); allow each op's ulp bound.
      const want = nums(TORCH.unary64[torchName]).map((v, i) => (op === 'gelu' && x[i]! < -5 ? got[i]! : v));
      assertUlp(got, want, Math.max(UNARY_ULP[op], 1), `${name} ${op} vs PyTorch`, x32);
    }
    for (const [op, p1, p2, key] of [['clamp', -1, 2, 'clamp(-1,2)'], ['leakyRelu', 0.1, 0, 'leakyRelu(0.1)'], ['powScalar', 2.5, 0, 'pow(2.5)'],
      ['powScalar', -0.5, 0, 'pow(-0.5)'], ['powScalar', 0.5, 0, 'pow(0.5)']] as [UnaryOp, number, number, string][]) {
      const got = new Float32Array(x.length);
      b.unary(op, x32, 0, got, 0, x.length, p1, p2);
      assertUlp(got, nums(TORCH.unary64[key]), 1, `${name} ${key} vs PyTorch`, x32);
    }
    for (const op of ['isnan', 'isinf', 'isfinite'] as UnaryOp[]) {
      const got = new Uint8Array(x.length);
      b.unary(op, x32, 0, got, 0, x.length, 0, 0);
      assertSame(got, TORCH.unary64[op], `${name} ${op} vs PyTorch`);
    }
    const hand: [UnaryOp, number, number][] = [
      ['gelu', 1, 0.8413447460685429], ['gelu', -1, -0.15865525393145707], ['erf', 0.5, 0.5204998778130465], ['erf', Infinity, 1],
      ['expm1', 1e-10, 1e-10], ['log1p', -1, -Infinity], ['log1p', 1e-10, 1e-10], ['softplus', 0, Math.LN2], ['sigmoid', 0, 0.5],
      ['round', 2.5, 2], ['round', -0.5, -0], ['round', 3.5, 4], ['sign', -0, 0], ['sign', NaN, 0], ['relu', NaN, NaN], ['log2', 8, 3], ['exp2', 10, 1024],
      ['gelu', -Infinity, NaN], ['gelu', -10, -7.619853024160527e-23], ['gelu', -13, -7.95231372e-38], ['silu', -Infinity, NaN], ['exp', -Infinity, 0], ['log', 0, -Infinity], ['log', -1, NaN],
    ];
    for (const [op, v, want] of hand) {
      const got = new Float32Array(1);
      b.unary(op, Float32Array.of(v), 0, got, 0, 1, 0, 0);
      assert.ok(Object.is(got[0], Math.fround(want)) || Math.abs(got[0]! - want) <= 1e-7 * Math.abs(want),
        `${name} ${op}(${v}) = ${got[0]}, expected ${want}`);
    }
  }
});

// Ops whose native kernels use libm's float32 functions or float32 parameters (as PyTorch does)
// where the reference rounds once from float64.
const BINARY_TOL: Partial<Record<BinaryOp, { rtol: number; atol: number }>> = {
  pow: { rtol: 1.2e-7, atol: 0 }, atan2: { rtol: 1.2e-7, atol: 0 },
  // the slope is a float32 in the native kernel, as in PyTorch
  leakyReluBackward: { rtol: 1.2e-7, atol: 0 },
};

test('native binary ops match the TypeScript backend on random shapes, strides and broadcasts', () => {
  const nb = native();
  if (!nb) return;
  const r = rng(42);
  for (let trial = 0; trial < 60; trial++) {
    const shape = randomShape(r);
    const la = randomLayout(shape, r, true), lb = randomLayout(shape, r, true);
    const a = mixedFloats(la.size, trial * 2 + 1, -3, 3, 0.1), b = mixedFloats(lb.size, trial * 2 + 2, -3, 3, 0.1);
    // some equal pairs so that eq/ge/le and maximum ties are exercised
    for (let i = 0; i < Math.min(a.length, b.length); i += 5) b[i] = a[i]!;
    const n = numel(shape);
    for (const op of Object.keys(BINARY) as BinaryOp[]) {
      const p1 = op === 'add' || op === 'sub' ? (trial % 2 ? 1 : 0.3) : 0.1;
      const want = new Float32Array(n);
      jsBackend.binary(op, a, la.off, la.strides, b, lb.off, lb.strides, want, shape, p1);
      const wantU8 = COMPARISONS.has(op) ? new Uint8Array(n) : null;
      if (wantU8) jsBackend.binary(op, a, la.off, la.strides, b, lb.off, lb.strides, wantU8, shape, p1);
      forEachIsa((isa) => {
        const got = new Float32Array(n);
        nb.binary(op, a, la.off, la.strides, b, lb.off, lb.strides, got, shape, p1);
        const what = `${op} shape [${shape}] a ${JSON.stringify(la)} b ${JSON.stringify(lb)} ${isa}`;
        const tol = BINARY_TOL[op];
        if (tol) assertClose(got, want, tol, what);
        else assertSame(got, want, what);
        if (wantU8) {
          const gotU8 = new Uint8Array(n);
          nb.binary(op, a, la.off, la.strides, b, lb.off, lb.strides, gotU8, shape, p1);
          assertSame(gotU8, wantU8, `${what} into uint8`);
        }
      });
    }
  }
});

test('native binary ops on large broadcasts take every threaded path and agree with one thread', () => {
  const nb = native();
  if (!nb) return;
  const cases: { shape: number[]; a: [number, number[]]; b: [number, number[]] }[] = [
    // bias [C] over [N, C, H*W]: broadcast on the outer dimensions
    { shape: [4, 64, 49 * 4], a: [0, [64 * 196, 196, 1]], b: [0, [0, 1, 0]] },
    // [N, C] + [C]: a broadcast row
    { shape: [3000, 37], a: [0, [37, 1]], b: [0, [0, 1]] },
    // two long rows: threads split the columns
    { shape: [2, 70000], a: [0, [70000, 1]], b: [0, [0, 1]] },
    // transposed a, scalar b
    { shape: [300, 301], a: [0, [1, 300]], b: [0, [0, 0]] },
    // one long contiguous row
    { shape: [200003], a: [1, [1]], b: [2, [1]] },
  ];
  for (const c of cases) {
    const sizeOf = ([off, st]: [number, number[]]) => off + 1 + c.shape.reduce((s, d, i) => s + (d - 1) * st[i]!, 0);
    const a = randomArray(sizeOf(c.a), 1) as Float32Array, b = randomArray(sizeOf(c.b), 2) as Float32Array;
    for (const op of ['add', 'mul', 'maximum', 'gt'] as BinaryOp[]) {
      const n = numel(c.shape);
      const want = new Float32Array(n);
      jsBackend.binary(op, a, c.a[0], c.a[1], b, c.b[0], c.b[1], want, c.shape, 1);
      forEachThreadCount((t) => forEachIsa((isa) => {
        const got = new Float32Array(n);
        nb.binary(op, a, c.a[0], c.a[1], b, c.b[0], c.b[1], got, c.shape, 1);
        assertSame(got, want, `${op} [${c.shape}] ${isa} ${t} threads`);
      }));
    }
  }
});

test('binary ops match PyTorch on special values (fixtures)', () => {
  const A = Float32Array.from(nums(TORCH.binary.a)), B = Float32Array.from(nums(TORCH.binary.b));
  const n = A.length;
  const backends = [['js', jsBackend] as const, ...(native() ? [['native', native()!] as const] : [])];
  for (const [name, be] of backends) {
    for (const op of ['pow', 'maximum', 'minimum', 'remainder', 'floorDiv', 'atan2'] as BinaryOp[]) {
      const got = new Float32Array(n);
      be.binary(op, A, 0, [1], B, 0, [1], got, [n], 1);
      const want = nums(TORCH.binary[op]);
      for (let i = 0; i < n; i++) {
        const ok = Object.is(got[i], Math.fround(want[i]!)) || (Number.isNaN(got[i]!) && Number.isNaN(want[i]!)) ||
          Math.abs(got[i]! - want[i]!) <= 2.5e-7 * Math.abs(want[i]!);
        assert.ok(ok, `${name} ${op}(${A[i]}, ${B[i]}) = ${got[i]}, PyTorch gives ${want[i]}`);
      }
    }
  }
});

test('native where matches the TypeScript backend on random strided layouts', () => {
  const nb = native();
  if (!nb) return;
  const r = rng(7);
  for (let trial = 0; trial < 40; trial++) {
    const shape = trial === 0 ? [300, 257] : randomShape(r);
    const lc = randomLayout(shape, r, true), la = randomLayout(shape, r, true), lb = randomLayout(shape, r, true);
    const cond = Uint8Array.from({ length: lc.size }, () => (r() < 0.5 ? 1 : 0));
    const a = randomArray(la.size, trial + 1) as Float32Array, b = randomArray(lb.size, trial + 100) as Float32Array;
    const n = numel(shape);
    const want = new Float32Array(n);
    jsBackend.where(cond, lc.off, lc.strides, a, la.off, la.strides, b, lb.off, lb.strides, want, shape);
    forEachThreadCount((t) => forEachIsa((isa) => {
      const got = new Float32Array(n);
      nb.where(cond, lc.off, lc.strides, a, la.off, la.strides, b, lb.off, lb.strides, got, shape);
      assertSame(got, want, `where [${shape}] ${isa} ${t} threads`);
    }));
  }
});

test('native addcmul and addcdiv update in place like the TypeScript backend', () => {
  const nb = native();
  if (!nb) return;
  for (const n of [0, 1, 17, 100003]) {
    const t1 = randomArray(n + 2, 1) as Float32Array, t2 = randomArray(n + 1, 2, 0.5, 2) as Float32Array;
    const y0 = randomArray(n + 3, 3) as Float32Array;
    for (const op of ['addcmul', 'addcdiv'] as const) {
      const want = y0.slice();
      jsBackend[op](want, 3, t1, 2, t2, 1, -0.7, n);
      forEachThreadCount((t) => forEachIsa((isa) => {
        const got = y0.slice();
        nb[op](got, 3, t1, 2, t2, 1, -0.7, n);
        assertClose(got, want, { rtol: 3e-7, atol: 1e-7 }, `${op} n=${n} ${isa} ${t} threads`);
      }));
    }
  }
});

test('small float32 add/sub/mul/div (computed in TypeScript) equal the native kernels bit for bit', () => {
  const nb = native();
  if (!nb) return;
  const n = SMALL_BINARY_MAX + 1;
  const a = mixedFloats(n, 5, -1e3, 1e3, 0.3), b = mixedFloats(n, 6, -1e3, 1e3, 0.3);
  for (const op of ['add', 'sub', 'mul', 'div'] as BinaryOp[]) {
    for (const alpha of [1, 0.3]) {
      for (const [sa, sb] of [[1, 1], [1, 0], [0, 1]]) {
        const big = new Float32Array(n), small = new Float32Array(n - 1);
        nb.binary(op, a, 0, [sa!], b, 0, [sb!], big, [n], alpha);  // native kernel
        nb.binary(op, a, 0, [sa!], b, 0, [sb!], small, [n - 1], alpha);  // TypeScript loop
        assertSame(new Uint32Array(small.buffer), new Uint32Array(big.buffer, 0, n - 1), `${op} alpha ${alpha} strides ${sa}/${sb}`);
      }
    }
  }
});
