import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsBackend, type Backend, type Pool2dGeometry } from '../../src/backend/index.js';
import type { FloatArray } from '../../src/tensor/dtype.js';
import { assertClose, forEachIsa, forEachThreadCount, native, randomArray, rng } from '../helpers.js';
import { loadFixtures, pair, values, type FixtureCase } from './nn-fixtures.js';

/** PyTorch's output size along one axis, ceil_mode included. */
function outSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

interface PoolCase { n: number; c: number; h: number; w: number; kh: number; kw: number; s: [number, number]; p: [number, number]; d: [number, number]; ceil: boolean }

function geometry(t: PoolCase): Pool2dGeometry {
  return {
    planes: t.n * t.c, h: t.h, w: t.w, kh: t.kh, kw: t.kw, strideH: t.s[0], strideW: t.s[1], padH: t.p[0], padW: t.p[1],
    dilationH: t.d[0], dilationW: t.d[1],
    oh: outSize(t.h, t.kh, t.s[0], t.p[0], t.d[0], t.ceil), ow: outSize(t.w, t.kw, t.s[1], t.p[1], t.d[1], t.ceil),
  };
}

const Ctors = [Float32Array, Float64Array] as const;

function fixtureGeometry(f: FixtureCase): Pool2dGeometry {
  const [n, c, h, w] = values(f, 'shape');
  const [, , oh, ow] = values(f, 'outShape');
  if (f.op === 'adaptive') return { planes: n! * c!, h: h!, w: w!, kh: 0, kw: 0, strideH: 0, strideW: 0, padH: 0, padW: 0, dilationH: 1, dilationW: 1, oh: oh!, ow: ow! };
  const [kh, kw] = pair(f, 'kernel'), [sh, sw] = pair(f, 'stride'), [ph, pw] = pair(f, 'padding'), [dh, dw] = pair(f, 'dilation');
  return { planes: n! * c!, h: h!, w: w!, kh, kw, strideH: sh, strideW: sw, padH: ph, padW: pw, dilationH: dh, dilationW: dw, oh: oh!, ow: ow! };
}

/** Forward and backward of one fixture case on a backend, for one array type. */
function runFixture(b: Backend, f: FixtureCase, Ctor: typeof Ctors[number]): void {
  const g = fixtureGeometry(f);
  const x = Ctor.from(values(f, 'x')), dy = Ctor.from(values(f, 'dy'));
  const y = new Ctor(g.planes * g.oh * g.ow), dx = new Ctor(g.planes * g.h * g.w);
  const tol = { rtol: 1e-5, atol: 1e-6 };
  const what = `${f.name} (${b.name}, ${Ctor.name})`;
  if (f.op === 'max') {
    const idx = new Int32Array(y.length);
    b.maxPool2dForward(g, x, y, idx);
    assert.deepEqual(Array.from(idx), values(f, 'indices'), `${what}: indices`);
    b.maxPool2dBackward(g, dy, idx, dx);
  } else if (f.op === 'avg') {
    const include = f.countIncludePad as boolean, divisor = f.divisor as number;
    b.avgPool2dForward(g, x, y, include, divisor);
    b.avgPool2dBackward(g, dy, dx, include, divisor);
  } else {
    b.adaptiveAvgPool2dForward(g.planes, g.h, g.w, g.oh, g.ow, x, y);
    b.adaptiveAvgPool2dBackward(g.planes, g.h, g.w, g.oh, g.ow, dy, dx);
  }
  assertClose(y, values(f, 'y'), tol, `${what}: y`);
  assertClose(dx, values(f, 'dx'), tol, `${what}: dx`);
}

test('pooling matches PyTorch (max with ceil_mode and NaN, avg with and without padding counted, adaptive)', () => {
  const cases = loadFixtures('pool.json');
  assert.ok(cases.length >= 10);
  for (const f of cases) {
    for (const Ctor of Ctors) runFixture(jsBackend, f, Ctor);
    const nb = native();
    if (nb) forEachIsa(() => runFixture(nb, f, Float32Array));
  }
});

// Shapes meant to reach every path of the native kernels: edge and interior outputs, vector widths
// 16/8/4 and scalar tails, stride 1, 2 and 3, dilation, windows wider than the input, ceil_mode.
const shapes: PoolCase[] = [
  { n: 2, c: 3, h: 32, w: 32, kh: 2, kw: 2, s: [2, 2], p: [0, 0], d: [1, 1], ceil: false },
  { n: 1, c: 7, h: 33, w: 35, kh: 3, kw: 3, s: [2, 2], p: [1, 1], d: [1, 1], ceil: true },
  { n: 3, c: 1, h: 16, w: 16, kh: 3, kw: 3, s: [2, 2], p: [1, 1], d: [1, 1], ceil: true },
  { n: 1, c: 2, h: 17, w: 41, kh: 3, kw: 3, s: [1, 1], p: [1, 1], d: [1, 1], ceil: false },
  { n: 1, c: 1, h: 1, w: 1, kh: 1, kw: 1, s: [1, 1], p: [0, 0], d: [1, 1], ceil: false },
  { n: 2, c: 2, h: 1, w: 1, kh: 3, kw: 3, s: [1, 1], p: [1, 1], d: [1, 1], ceil: true },
  { n: 1, c: 3, h: 3, w: 4, kh: 5, kw: 5, s: [2, 3], p: [2, 2], d: [1, 1], ceil: true },
  { n: 1, c: 2, h: 13, w: 50, kh: 2, kw: 2, s: [3, 3], p: [1, 0], d: [1, 1], ceil: false },
  { n: 1, c: 2, h: 19, w: 37, kh: 3, kw: 2, s: [2, 2], p: [1, 1], d: [2, 3], ceil: true },
  { n: 1, c: 1, h: 9, w: 70, kh: 2, kw: 4, s: [1, 3], p: [0, 2], d: [1, 1], ceil: true },
  { n: 3, c: 7, h: 8, w: 8, kh: 2, kw: 2, s: [2, 2], p: [0, 0], d: [1, 1], ceil: false },
  { n: 0, c: 3, h: 6, w: 6, kh: 2, kw: 2, s: [2, 2], p: [0, 0], d: [1, 1], ceil: false },
  { n: 1, c: 2, h: 9, w: 35, kh: 2, kw: 2, s: [2, 2], p: [0, 0], d: [1, 1], ceil: true },
  { n: 1, c: 2, h: 6, w: 37, kh: 3, kw: 2, s: [3, 2], p: [0, 0], d: [1, 1], ceil: false },
  // output rows shorter than 8: whole planes at a time
  { n: 2, c: 3, h: 8, w: 8, kh: 3, kw: 3, s: [2, 2], p: [1, 1], d: [1, 1], ceil: true },
  { n: 1, c: 2, h: 7, w: 5, kh: 2, kw: 2, s: [1, 2], p: [1, 1], d: [2, 1], ceil: true },
  { n: 1, c: 1, h: 4, w: 4, kh: 3, kw: 3, s: [1, 1], p: [1, 1], d: [1, 1], ceil: false },
  { n: 3, c: 2, h: 3, w: 5, kh: 2, kw: 2, s: [1, 2], p: [0, 0], d: [1, 1], ceil: false },
  { n: 2, c: 5, h: 4, w: 4, kh: 2, kw: 2, s: [2, 2], p: [0, 0], d: [1, 1], ceil: false },
];

/** Values on a coarse grid so that windows hold ties, plus a few NaN and -Infinity. */
function poolInput(n: number, seed: number): Float32Array {
  const x = randomArray(n, seed, -2, 2) as Float32Array;
  const r = rng(seed + 1);
  for (let i = 0; i < n; i++) {
    x[i] = Math.round(x[i]! * 4) / 4;
    const u = r();
    if (u < 0.01) x[i] = NaN;
    else if (u < 0.03) x[i] = -Infinity;
  }
  return x;
}

function checkNative(nb: Backend, label: string, run: (b: Backend) => FloatArray[], tol = { rtol: 1e-5, atol: 1e-6 }, exact = false): void {
  const expected = run(jsBackend);
  forEachIsa((isa) => forEachThreadCount((threads) => {
    const got = run(nb);
    got.forEach((a, i) => {
      if (exact) assert.deepEqual(Array.from(a), Array.from(expected[i]!), `${label} output ${i} (${isa}, ${threads} threads)`);
      else assertClose(a, expected[i]!, tol, `${label} output ${i} (${isa}, ${threads} threads)`);
    });
  }));
}

test('native max pooling matches the TypeScript reference on every ISA and thread count', () => {
  const nb = native();
  if (!nb) return;
  shapes.forEach((t, k) => {
    const g = geometry(t);
    const x = poolInput(g.planes * t.h * t.w, 10 + k);
    const dy = randomArray(g.planes * g.oh * g.ow, 20 + k) as Float32Array;
    const label = `maxPool2d ${JSON.stringify(t)}`;
    checkNative(nb, `${label} forward`, (b) => {
      const y = new Float32Array(g.planes * g.oh * g.ow), idx = new Int32Array(y.length);
      b.maxPool2dForward(g, x, y, idx);
      return [y, new Float32Array(idx)];
    }, undefined, true);
    const idx = new Int32Array(dy.length);
    jsBackend.maxPool2dForward(g, x, new Float32Array(dy.length), idx);
    checkNative(nb, `${label} backward`, (b) => {
      const dx = new Float32Array(g.planes * t.h * t.w).fill(7);
      b.maxPool2dBackward(g, dy, idx, dx);
      return [dx];
    });
  });
});

test('native average pooling matches the TypeScript reference on every ISA and thread count', () => {
  const nb = native();
  if (!nb) return;
  shapes.forEach((t, k) => {
    const g = geometry(t);
    const x = randomArray(g.planes * t.h * t.w, 30 + k) as Float32Array;
    const dy = randomArray(g.planes * g.oh * g.ow, 40 + k) as Float32Array;
    for (const [include, divisor] of [[true, 0], [false, 0], [false, 3]] as const) {
      const label = `avgPool2d ${JSON.stringify(t)} includePad=${include} divisor=${divisor}`;
      checkNative(nb, label, (b) => {
        const y = new Float32Array(g.planes * g.oh * g.ow).fill(7), dx = new Float32Array(g.planes * t.h * t.w).fill(7);
        b.avgPool2dForward(g, x, y, include, divisor);
        b.avgPool2dBackward(g, dy, dx, include, divisor);
        return [y, dx];
      });
    }
  });
});

test('native adaptive average pooling matches the TypeScript reference on every ISA and thread count', () => {
  const nb = native();
  if (!nb) return;
  const sizes: [number, number, number, number, number][] = [
    [6, 7, 7, 1, 1], [3, 4, 4, 1, 1], [5, 2, 2, 1, 1], [3, 3, 5, 1, 1], [2, 9, 33, 1, 1], [2, 7, 5, 3, 2], [1, 5, 5, 4, 4], [3, 3, 2, 5, 4], [2, 8, 8, 4, 4], [1, 1, 1, 1, 1], [0, 4, 4, 2, 2],
  ];
  sizes.forEach(([planes, h, w, oh, ow], k) => {
    const x = randomArray(planes * h * w, 50 + k) as Float32Array;
    const dy = randomArray(planes * oh * ow, 60 + k) as Float32Array;
    checkNative(nb, `adaptiveAvgPool2d ${planes}x${h}x${w} -> ${oh}x${ow}`, (b) => {
      const y = new Float32Array(planes * oh * ow), dx = new Float32Array(planes * h * w).fill(7);
      b.adaptiveAvgPool2dForward(planes, h, w, oh, ow, x, y);
      b.adaptiveAvgPool2dBackward(planes, h, w, oh, ow, dy, dx);
      return [y, dx];
    });
  });
});

test('max pooling reports the first maximum, the last NaN, and the first tap of an all -Infinity window', () => {
  // One plane of 1x6, windows of 3 with stride 3: [1, 3, 3] and [NaN, 2, NaN].
  const g: Pool2dGeometry = { planes: 1, h: 1, w: 6, kh: 1, kw: 3, strideH: 1, strideW: 3, padH: 0, padW: 0, dilationH: 1, dilationW: 1, oh: 1, ow: 2 };
  for (const b of [jsBackend, native()]) {
    if (!b) continue;
    const y = new Float32Array(2), idx = new Int32Array(2);
    b.maxPool2dForward(g, Float32Array.from([1, 3, 3, NaN, 2, NaN]), y, idx);
    assert.deepEqual(Array.from(idx), [1, 5], b.name);
    assert.ok(y[0] === 3 && Number.isNaN(y[1]), b.name);
    b.maxPool2dForward(g, Float32Array.from([-Infinity, -Infinity, -Infinity, 0, 0, 0]), y, idx);
    assert.deepEqual(Array.from(idx), [0, 3], b.name);
    assert.deepEqual(Array.from(y), [-Infinity, 0], b.name);
  }
});
