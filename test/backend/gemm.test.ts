import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackend } from '../../src/backend/index.js';
import { assertClose, forEachIsa, forEachThreadCount, native, randomArray, rng, randomInt } from '../helpers.js';

interface Case {
  transA: boolean; transB: boolean; m: number; n: number; k: number; alpha: number; beta: number;
  batch: number; pad: number;
}

// Runs one case through the native backend (every ISA, 1 and 2 threads) against the reference.
function check(cs: Case, seed: number): void {
  const nb = native();
  if (!nb) return;
  const { transA, transB, m, n, k, alpha, beta, batch, pad } = cs;
  // Leading dimensions with padding, matrices spaced by a gap, and a non-zero offset.
  const lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
  const rowsA = transA ? k : m, rowsB = transB ? n : k;
  const strideA = rowsA * lda + 3, strideB = rowsB * ldb + 5, strideC = m * ldc + 7;
  const aOff = 2, bOff = 1, cOff = 3;
  const a = randomArray(aOff + batch * strideA, seed) as Float32Array;
  const b = randomArray(bOff + batch * strideB, seed + 1) as Float32Array;
  const c0 = randomArray(cOff + batch * strideC, seed + 2) as Float32Array;
  // beta = 0 must not read C: fill it with NaN and expect none to come out.
  if (beta === 0) c0.fill(NaN);
  const expected = Float32Array.from(c0);
  jsBackend.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc, batch, strideA, strideB, strideC);
  const what = `gemm ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} m=${m} n=${n} k=${k} alpha=${alpha} beta=${beta} batch=${batch}`;
  forEachIsa((isa) => forEachThreadCount((threads) => {
    const got = Float32Array.from(c0);
    nb.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, got, cOff, ldc, batch, strideA, strideB, strideC);
    // Only C's own elements change: padding between rows and matrices keeps its old value.
    for (let t = 0; t < batch; t++) {
      for (let i = 0; i < m; i++) {
        for (let j = n; j < ldc && cOff + t * strideC + i * ldc + j < got.length; j++) {
          const at = cOff + t * strideC + i * ldc + j;
          assert.ok(Object.is(got[at], c0[at]), `${what} ${isa}: padding element ${at} changed`);
        }
      }
    }
    assertClose(got, expected, { rtol: 1e-4, atol: 2e-6 * Math.max(1, k) }, `${what} ${isa} ${threads} threads`);
  }));
}

test('native sgemm: all transposes, alpha and beta, M/N/K of 0 and 1, odd sizes', () => {
  let seed = 1;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const [m, n, k] of [[0, 5, 3], [4, 0, 3], [3, 4, 0], [1, 1, 1], [1, 7, 1], [5, 1, 9], [1, 1, 33], [13, 35, 17], [37, 33, 65], [12, 32, 8], [25, 97, 130]] as const) {
        for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25], [0, 0.5]] as const) {
          check({ transA, transB, m, n, k, alpha, beta, batch: 1, pad: 0 }, seed++);
        }
      }
    }
  }
});

test('native sgemm: batched with strides and padded leading dimensions', () => {
  let seed = 100;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      check({ transA, transB, m: 7, n: 9, k: 11, alpha: 1, beta: 0, batch: 3, pad: 2 }, seed++);
      check({ transA, transB, m: 19, n: 40, k: 5, alpha: 1.5, beta: -1, batch: 2, pad: 1 }, seed++);
    }
  }
});

test('native sgemm: several depth blocks, column blocks and row blocks', () => {
  let seed = 200;
  check({ transA: false, transB: false, m: 31, n: 45, k: 900, alpha: 1, beta: 0, batch: 1, pad: 0 }, seed++);
  check({ transA: true, transB: true, m: 20, n: 18, k: 777, alpha: 1, beta: 2, batch: 1, pad: 3 }, seed++);
  check({ transA: false, transB: true, m: 3, n: 3200, k: 6, alpha: 1, beta: 0, batch: 1, pad: 0 }, seed++);
  check({ transA: true, transB: false, m: 3100, n: 5, k: 4, alpha: 1, beta: 0.5, batch: 1, pad: 0 }, seed++);
  check({ transA: false, transB: false, m: 100, n: 600, k: 400, alpha: 1, beta: 0, batch: 1, pad: 0 }, seed++);
  // wide enough to be cut into column slices shared out between threads
  check({ transA: true, transB: false, m: 5, n: 4500, k: 40, alpha: 1, beta: 0.5, batch: 1, pad: 1 }, seed++);
  check({ transA: false, transB: true, m: 13, n: 8250, k: 9, alpha: -1, beta: 0, batch: 1, pad: 0 }, seed++);
  // tall and large enough to be cut into row slices
  check({ transA: true, transB: true, m: 1030, n: 70, k: 1900, alpha: 1, beta: 0.5, batch: 1, pad: 1 }, seed++);
});

test('native sgemm: random shapes', () => {
  const r = rng(7);
  for (let t = 0; t < 25; t++) {
    check({
      transA: r() < 0.5, transB: r() < 0.5,
      m: randomInt(r, 1, 70), n: randomInt(r, 1, 90), k: randomInt(r, 1, 70),
      alpha: r() < 0.5 ? 1 : 0.75, beta: r() < 0.5 ? 0 : 1, batch: randomInt(r, 1, 3), pad: randomInt(r, 0, 2),
    }, 300 + t);
  }
});

test('gemm on float64 arrays runs the reference in the native backend too', () => {
  const nb = native();
  if (!nb) return;
  const a = randomArray(6, 1, -1, 1, Float64Array), b = randomArray(6, 2, -1, 1, Float64Array);
  const c1 = new Float64Array(4), c2 = new Float64Array(4);
  jsBackend.gemm(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c1, 0, 2, 1, 0, 0, 0);
  nb.gemm(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c2, 0, 2, 1, 0, 0, 0);
  assert.deepEqual(c2, c1);
  // a hand-derived product: [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]]
  const c = new Float64Array(4);
  jsBackend.gemm(false, false, 2, 2, 2, 1, Float64Array.of(1, 2, 3, 4), 0, 2, Float64Array.of(5, 6, 7, 8), 0, 2, 0, c, 0, 2, 1, 0, 0, 0);
  assert.deepEqual(Array.from(c), [19, 22, 43, 50]);
});
