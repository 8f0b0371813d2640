import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsBackend, type Backend } from '../../src/backend/index.js';
import type { FloatArray } from '../../src/tensor/dtype.js';
import { assertClose, forEachIsa, forEachThreadCount, native, randomArray } from '../helpers.js';
import { loadFixtures, num, values, type FixtureCase } from './nn-fixtures.js';

const Ctors = [Float32Array, Float64Array] as const;
type Ctor = typeof Ctors[number];
const tol = { rtol: 2e-5, atol: 2e-6 };

function dims(f: FixtureCase): [number, number, number] {
  const s = values(f, 'shape');
  return [s[0]!, s[1]!, s.slice(2).reduce((a, b) => a * b, 1)];
}

function batchNormFixture(b: Backend, f: FixtureCase, C: Ctor): void {
  const [n, c, hw] = dims(f);
  const training = f.training as boolean;
  const affine = 'weight' in f;
  const x = C.from(values(f, 'x')), dy = C.from(values(f, 'dy'));
  const weight = affine ? C.from(values(f, 'weight')) : null, bias = affine ? C.from(values(f, 'bias')) : null;
  const rm = C.from(values(f, 'runningMean')), rv = C.from(values(f, 'runningVar'));
  const y = new C(x.length), saveMean = new C(c), saveInvstd = new C(c);
  const what = `${f.name} (${b.name}, ${C.name})`;
  b.batchNormForward(n, c, hw, x, weight, bias, rm, rv, training, num(f, 'momentum'), num(f, 'eps'), y, saveMean, saveInvstd);
  assertClose(y, values(f, 'y'), tol, `${what}: y`);
  assertClose(saveMean, values(f, 'saveMean'), tol, `${what}: saveMean`);
  assertClose(saveInvstd, values(f, 'saveInvstd'), tol, `${what}: saveInvstd`);
  assertClose(rm, values(f, 'runningMeanAfter'), tol, `${what}: runningMean`);
  assertClose(rv, values(f, 'runningVarAfter'), tol, `${what}: runningVar`);
  const dx = new C(x.length), dweight = new C(c), dbias = new C(c);
  b.batchNormBackward(n, c, hw, x, dy, weight, saveMean, saveInvstd, training, dx, affine ? dweight : null, affine ? dbias : null);
  assertClose(dx, values(f, 'dx'), { rtol: 1e-4, atol: 1e-5 }, `${what}: dx`);
  if (affine) {
    assertClose(dweight, values(f, 'dweight'), { rtol: 1e-4, atol: 1e-5 }, `${what}: dweight`);
    assertClose(dbias, values(f, 'dbias'), { rtol: 1e-4, atol: 1e-5 }, `${what}: dbias`);
  }
}

function lrnFixture(b: Backend, f: FixtureCase, C: Ctor): void {
  const [n, c, hw] = dims(f);
  const size = num(f, 'size'), alpha = num(f, 'alpha'), beta = num(f, 'beta'), k = num(f, 'k');
  const x = C.from(values(f, 'x')), dy = C.from(values(f, 'dy'));
  const y = new C(x.length), scale = new C(x.length), dx = new C(x.length);
  const what = `${f.name} (${b.name}, ${C.name})`;
  b.lrnForward(n, c, hw, size, alpha, beta, k, x, y, scale);
  assertClose(y, values(f, 'y'), tol, `${what}: y`);
  b.lrnBackward(n, c, hw, size, alpha, beta, k, x, y, scale, dy, dx);
  assertClose(dx, values(f, 'dx'), { rtol: 1e-4, atol: 1e-5 }, `${what}: dx`);
}

function runFixture(b: Backend, f: FixtureCase, C: Ctor): void {
  if (f.op === 'batchnorm') batchNormFixture(b, f, C);
  else lrnFixture(b, f, C);
}

test('batch norm and local response norm match PyTorch (forward, backward, running statistics)', () => {
  const cases = loadFixtures('norm.json');
  assert.ok(cases.some((f) => f.op === 'batchnorm') && cases.some((f) => f.op === 'lrn'));
  for (const f of cases) {
    for (const C of Ctors) runFixture(jsBackend, f, C);
    const nb = native();
    if (nb) forEachIsa(() => runFixture(nb, f, Float32Array));
  }
});

function checkNative(nb: Backend, label: string, run: (b: Backend) => FloatArray[], t = tol): void {
  const expected = run(jsBackend);
  forEachIsa((isa) => forEachThreadCount((threads) => {
    run(nb).forEach((a, i) => assertClose(a, expected[i]!, t, `${label} output ${i} (${isa}, ${threads} threads)`));
  }));
}

test('native batch norm matches the TypeScript reference on every ISA and thread count', () => {
  const nb = native();
  if (!nb) return;
  const shapes: [number, number, number][] = [[3, 7, 17], [1, 1, 100], [2, 5, 1], [64, 3, 4], [3, 2, 33], [0, 4, 9], [2, 3, 0]];
  shapes.forEach(([n, c, hw], s) => {
    const x = randomArray(n * c * hw, 70 + s, -3, 5) as Float32Array;
    const dy = randomArray(n * c * hw, 80 + s) as Float32Array;
    const weight = randomArray(c, 90 + s, 0.5, 1.5) as Float32Array, bias = randomArray(c, 100 + s) as Float32Array;
    for (const training of [true, false]) {
      for (const affine of [true, false]) {
        const label = `batchNorm n=${n} c=${c} hw=${hw} training=${training} affine=${affine}`;
        checkNative(nb, label, (b) => {
          const rm = randomArray(c, 110 + s) as Float32Array, rv = randomArray(c, 120 + s, 0.5, 2) as Float32Array;
          const y = new Float32Array(x.length).fill(7), saveMean = new Float32Array(c), saveInvstd = new Float32Array(c);
          const w = affine ? weight : null, bi = affine ? bias : null;
          b.batchNormForward(n, c, hw, x, w, bi, rm, rv, training, 0.1, 1e-5, y, saveMean, saveInvstd);
          const dx = new Float32Array(x.length).fill(7), dw = new Float32Array(c).fill(7), db = new Float32Array(c).fill(7);
          b.batchNormBackward(n, c, hw, x, dy, w, saveMean, saveInvstd, training, dx, dw, db);
          return [y, saveMean, saveInvstd, rm, rv, dx, dw, db];
        }, { rtol: 1e-4, atol: 2e-5 });
      }
    }
    // Statistics without running buffers, and only some gradients wanted.
    checkNative(nb, `batchNorm n=${n} c=${c} hw=${hw} without running stats`, (b) => {
      const y = new Float32Array(x.length), saveMean = new Float32Array(c), saveInvstd = new Float32Array(c);
      b.batchNormForward(n, c, hw, x, weight, null, null, null, true, 0.1, 1e-5, y, saveMean, saveInvstd);
      const db = new Float32Array(c);
      b.batchNormBackward(n, c, hw, x, dy, weight, saveMean, saveInvstd, true, null, null, db);
      return [y, saveMean, saveInvstd, db];
    }, { rtol: 1e-4, atol: 2e-5 });
  });
});

/** relu as the elementwise kernel computes it: NaN kept, -0 and negatives to +0. */
const reluOf = (v: number): number => (v > 0 || v !== v ? v : 0);

/**
 * Data for the fused ReLU tests, [n, c >= 3, hw]: random, and with ties unless plain. Channel 0 is
 * constant with bias 0 (training: y is exactly 0 there); channel 1 is half its running mean with
 * bias 0 (evaluation: exactly 0); the others have running mean 0 and step by one ulp around an x0
 * whose product with the scale rounds down, with bias = -round(x0 * scale): evaluation's y at x0
 * is 0 with the product rounded first and positive with an FMA (float32 kernels), so a backward
 * that recomputed y unlike the forward would mask dy differently there. A NaN and a -0 as well.
 */
function fusedReluData(n: number, c: number, hw: number, seed: number, plain: boolean, C: Ctor) {
  const x = randomArray(n * c * hw, 170 + seed, -3, 5, C);
  const dy = randomArray(n * c * hw, 180 + seed, -1, 1, C);
  const weight = randomArray(c, 190 + seed, -1, 1.5, C), bias = randomArray(c, 200 + seed, -1, 1, C);
  const rm = randomArray(c, 210 + seed, -1, 1, C), rv = randomArray(c, 220 + seed, 0.5, 2, C);
  if (!plain && x.length > 0) {
    const round = C === Float32Array ? Math.fround : (v: number) => v;
    const ulp = (v: number) => (C === Float32Array ? Math.max(Math.abs(v) * 2 ** -23, 2 ** -149) : Math.max(Math.abs(v) * 2 ** -52, 2 ** -1074));
    bias[0] = 0; bias[1] = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < hw; i++) {
        x[(b * c + 0) * hw + i] = 1.5;
        if ((b + i) % 2 === 0) x[(b * c + 1) * hw + i] = rm[1]!;
      }
    }
    for (let ch = 2; ch < c; ch++) {
      rm[ch] = 0;
      const scale = round(weight[ch]! * (1 / Math.sqrt(rv[ch]! + 1e-5)));  // the native kernels' float factor
      let x0 = 0.75;
      while (C === Float32Array && !(x0 * scale - round(x0 * scale) > 0)) x0 = round(x0 + ulp(x0));
      bias[ch] = -round(x0 * scale);
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < hw; i++) {
          const j = b * hw + i;
          x[(b * c + ch) * hw + i] = j % 3 === 1 ? x0 : round(x0 + (j % 33 - 16) * ulp(x0));
        }
      }
    }
    x[Math.min(5, x.length - 1)] = NaN;
    x[Math.min(6, x.length - 1)] = -0;
  }
  return { x, dy, weight, bias, rm, rv };
}

/** Batch norm forward and backward, with the fused ReLU or as batch norm, ReLU, ReLU's backward, batch norm's backward. */
function bnRelu(b: Backend, n: number, c: number, hw: number, d: ReturnType<typeof fusedReluData>, training: boolean, fused: boolean, C: Ctor): FloatArray[] {
  const rm = d.rm.slice(), rv = d.rv.slice();
  const y = new C(d.x.length).fill(7), saveMean = new C(c), saveInvstd = new C(c);
  const affine = fused ? new Float64Array(2 * c) : null;
  b.batchNormForward(n, c, hw, d.x, d.weight, d.bias, rm, rv, training, 0.1, 1e-5, y, saveMean, saveInvstd, fused, affine);
  if (!fused) y.forEach((v, i) => { y[i] = reluOf(v); });
  const g = fused ? d.dy : d.dy.map((v, i) => (y[i]! > 0 ? v : 0));
  const dx = new C(d.x.length).fill(7), dw = new C(c).fill(7), db = new C(c).fill(7);
  b.batchNormBackward(n, c, hw, d.x, g, d.weight, saveMean, saveInvstd, training, dx, dw, db, affine);
  return [y, saveMean, saveInvstd, rm, rv, dx, dw, db];
}

// channel by channel (hw >= 256) and image by image, odd sizes, planes shorter than a vector, empty
const fusedShapes: [number, number, number][] = [[3, 7, 17], [2, 3, 300], [64, 5, 4], [1, 3, 33], [5, 4, 1], [7, 3, 3], [0, 3, 5]];

test('batch norm with a fused ReLU gives exactly batch norm then ReLU, forward and backward, ties included, on every backend', () => {
  const nb = native();
  fusedShapes.forEach(([n, c, hw], s) => {
    for (const C of Ctors) {
      const d = fusedReluData(n, c, hw, s, false, C);
      for (const training of [true, false]) {
        const check = (name: string, b: Backend): void => {
          const want = bnRelu(b, n, c, hw, d, training, false, C), got = bnRelu(b, n, c, hw, d, training, true, C);
          got.forEach((a, i) => assert.deepEqual(a, want[i], `batchNorm+relu ${n}x${c}x${hw} ${C.name} training=${training} output ${i} (${name})`));
        };
        check('js', jsBackend);
        if (nb) forEachIsa((isa) => forEachThreadCount((threads) => check(`native ${isa}, ${threads} threads`, nb)));
      }
    }
  });
});

test('native batch norm with a fused ReLU matches the TypeScript reference on every ISA and thread count', () => {
  const nb = native();
  if (!nb) return;
  // random data: no value within rounding of the ReLU's boundary, where the two may round apart
  fusedShapes.forEach(([n, c, hw], s) => {
    const d = fusedReluData(n, c, hw, s, true, Float32Array);
    for (const training of [true, false]) {
      checkNative(nb, `batchNorm+relu ${n}x${c}x${hw} training=${training}`, (b) => bnRelu(b, n, c, hw, d, training, true, Float32Array), { rtol: 1e-4, atol: 2e-5 });
    }
  });
});

test('native batch norm keeps float32 accuracy on channels of 65536 values with a large mean', () => {
  const nb = native();
  if (!nb) return;
  // Each channel holds 65536 values around 1000 with a spread of 0.01: as 16 planes of 4096 (the
  // kernel goes channel by channel), as 4096 planes of 16 (image by image) and as 16384 planes of 4
  // (row by row).
  for (const [n, c, hw] of [[16, 2, 4096], [4096, 2, 16], [16384, 2, 4]] as const) {
    const x = randomArray(n * c * hw, 5, -0.01, 0.01) as Float32Array;
    for (let i = 0; i < x.length; i++) x[i]! += 1000;
    const x64 = Float64Array.from(x);
    const mean = new Float64Array(c), invstd = new Float64Array(c), y64 = new Float64Array(x.length);
    jsBackend.batchNormForward(n, c, hw, x64, null, null, null, null, true, 0.1, 0, y64, mean, invstd);
    forEachIsa((isa) => forEachThreadCount((threads) => {
      const what = `${n}x${c}x${hw} (${isa}, ${threads} threads)`;
      const y = new Float32Array(x.length), m = new Float32Array(c), s = new Float32Array(c);
      nb.batchNormForward(n, c, hw, x, null, null, null, null, true, 0.1, 0, y, m, s);
      assertClose(m, mean, { rtol: 1e-7, atol: 0 }, `mean ${what}`);
      assertClose(s, invstd, { rtol: 1e-6, atol: 0 }, `invstd ${what}`);
      assertClose(y, y64, { rtol: 1e-5, atol: 1e-4 }, `y ${what}`);
    }));
  }
});

test('native local response norm matches the TypeScript reference on every ISA and thread count', () => {
  const nb = native();
  if (!nb) return;
  const shapes: [number, number, number][] = [[2, 7, 17], [1, 16, 130], [3, 1, 5], [1, 3, 1], [0, 4, 9], [4, 5, 64]];
  const params: [number, number, number, number][] = [[5, 1e-4, 0.75, 2], [5, 0.5, 0.75, 1], [2, 0.3, 0.5, 1], [3, 0.2, 1, 1.5], [4, 0.4, 0.6, 1], [1, 0.1, 0.8, 2]];
  shapes.forEach(([n, c, hw], s) => {
    const x = randomArray(n * c * hw, 130 + s, -3, 3) as Float32Array;
    const dy = randomArray(n * c * hw, 140 + s) as Float32Array;
    for (const [size, alpha, beta, k] of params) {
      checkNative(nb, `lrn n=${n} c=${c} hw=${hw} size=${size} alpha=${alpha} beta=${beta} k=${k}`, (b) => {
        const y = new Float32Array(x.length), scale = new Float32Array(x.length), dx = new Float32Array(x.length).fill(7);
        b.lrnForward(n, c, hw, size, alpha, beta, k, x, y, scale);
        b.lrnBackward(n, c, hw, size, alpha, beta, k, x, y, scale, dy, dx);
        return [y, scale, dx];
      }, { rtol: 1e-5, atol: 1e-6 });
    }
  });
});
