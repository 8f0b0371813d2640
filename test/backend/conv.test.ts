import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsBackend, setIsa } from '../../src/backend/index.js';
import type { Conv2dGeometry } from '../../src/backend/index.js';
import { assertClose, forEachIsa, forEachThreadCount, native, randomArray } from '../helpers.js';

interface ConvCase {
  n: number; c: number; h: number; w: number; k: number; r: number; s: number;
  stride?: [number, number]; pad?: [number, number]; dilation?: [number, number]; groups?: number; bias?: boolean;
}

function geometry(cs: ConvCase): Conv2dGeometry {
  const [strideH, strideW] = cs.stride ?? [1, 1];
  const [padH, padW] = cs.pad ?? [0, 0];
  const [dilationH, dilationW] = cs.dilation ?? [1, 1];
  const oh = Math.floor((cs.h + 2 * padH - dilationH * (cs.r - 1) - 1) / strideH) + 1;
  const ow = Math.floor((cs.w + 2 * padW - dilationW * (cs.s - 1) - 1) / strideW) + 1;
  return { n: cs.n, c: cs.c, h: cs.h, w: cs.w, k: cs.k, r: cs.r, s: cs.s, strideH, strideW, padH, padW, dilationH, dilationW, groups: cs.groups ?? 1, oh, ow };
}

const CASES: ConvCase[] = [
  { n: 1, c: 1, h: 1, w: 1, k: 1, r: 1, s: 1 },                                             // 1x1 image, 1x1 kernel
  { n: 3, c: 3, h: 7, w: 9, k: 5, r: 3, s: 3, pad: [1, 1], bias: true },                   // odd sizes
  { n: 2, c: 4, h: 1, w: 1, k: 6, r: 3, s: 3, pad: [1, 1], bias: true },                   // 1x1 image, 3x3 kernel
  { n: 1, c: 2, h: 3, w: 2, k: 3, r: 5, s: 5, pad: [2, 2] },                               // kernel larger than input
  { n: 2, c: 3, h: 11, w: 10, k: 4, r: 2, s: 2, stride: [3, 3] },                          // stride > kernel
  { n: 3, c: 5, h: 9, w: 11, k: 7, r: 3, s: 3, pad: [2, 2], dilation: [2, 2], bias: true }, // dilation 2
  { n: 2, c: 6, h: 8, w: 7, k: 4, r: 3, s: 3, pad: [1, 1], groups: 2, bias: true },        // groups 2
  { n: 3, c: 4, h: 9, w: 9, k: 8, r: 3, s: 3, pad: [1, 1], groups: 4 },                    // depthwise, multiplier 2
  { n: 2, c: 5, h: 10, w: 9, k: 5, r: 3, s: 3, stride: [2, 2], pad: [1, 1], groups: 5, bias: true }, // depthwise stride 2
  { n: 1, c: 3, h: 6, w: 5, k: 3, r: 3, s: 3, pad: [2, 2], dilation: [2, 2], groups: 3 },  // depthwise dilated
  { n: 3, c: 16, h: 6, w: 6, k: 9, r: 1, s: 1 },                                           // 1x1
  { n: 2, c: 8, h: 9, w: 7, k: 12, r: 1, s: 1, stride: [2, 2] },                           // 1x1 stride 2 projection
  { n: 2, c: 8, h: 5, w: 6, k: 6, r: 1, s: 1, groups: 2 },                                 // grouped 1x1
  { n: 2, c: 7, h: 4, w: 5, k: 5, r: 1, s: 1, pad: [1, 1], bias: true },                   // padded 1x1
  { n: 2, c: 5, h: 12, w: 13, k: 6, r: 3, s: 3, stride: [2, 2], pad: [1, 1], bias: true }, // 3x3 stride 2
  { n: 1, c: 3, h: 17, w: 15, k: 4, r: 5, s: 3, stride: [2, 1], pad: [0, 2], dilation: [1, 2] }, // asymmetric
  { n: 2, c: 40, h: 8, w: 8, k: 33, r: 3, s: 3, pad: [1, 1], bias: true },                 // several GEMM slivers
  { n: 3, c: 4, h: 5, w: 6, k: 6, r: 3, s: 3, pad: [4, 4] },                               // padding beyond the kernel reach
  // output planes a multiple of 16 pixels: taps read planes at constant offsets (AVX-512 packer)
  { n: 3, c: 7, h: 8, w: 8, k: 13, r: 3, s: 3, pad: [1, 1], bias: true },                  // stride 1, 'same'
  { n: 2, c: 5, h: 8, w: 8, k: 6, r: 3, s: 3, pad: [2, 2], dilation: [2, 2] },             // dilated 'same'
  { n: 2, c: 3, h: 4, w: 4, k: 5, r: 5, s: 5, pad: [2, 2] },                               // kernel wider than the image
  { n: 3, c: 6, h: 8, w: 8, k: 9, r: 3, s: 3, stride: [2, 2], pad: [1, 1], bias: true },   // stride 2 via phase planes
  { n: 2, c: 5, h: 7, w: 7, k: 4, r: 3, s: 3, stride: [2, 2], pad: [1, 1] },               // stride 2, odd input
  { n: 3, c: 6, h: 8, w: 8, k: 5, r: 1, s: 1, stride: [2, 2] },                            // 1x1 stride 2 (one phase)
  { n: 2, c: 4, h: 12, w: 12, k: 5, r: 3, s: 3, stride: [3, 3], pad: [1, 1] },             // stride 3
  { n: 2, c: 3, h: 9, w: 9, k: 4, r: 3, s: 3, stride: [2, 2] },                            // stride 2, no padding (general packer)
  { n: 2, c: 6, h: 8, w: 8, k: 8, r: 3, s: 3, pad: [1, 1], groups: 2, bias: true },        // groups over planes
  { n: 2, c: 4, h: 8, w: 8, k: 6, r: 3, s: 3, stride: [2, 2], pad: [1, 1], groups: 2 },    // groups over phase planes
  // stride 1 with at most 16 channels on one side: direct kernels over wide planes (conv/conv_wide.h)
  { n: 3, c: 1, h: 28, w: 28, k: 6, r: 5, s: 5, pad: [2, 2], bias: true },                 // LeNet-5 conv1
  { n: 5, c: 6, h: 14, w: 14, k: 16, r: 5, s: 5, bias: true },                             // LeNet-5 conv2
  { n: 3, c: 5, h: 13, w: 11, k: 7, r: 5, s: 3, pad: [1, 2], bias: true },                 // odd, unequal kernel and padding
  { n: 2, c: 17, h: 9, w: 10, k: 11, r: 3, s: 4, pad: [1, 0] },                            // k <= 16 < c: wide forward and weight grad only
  { n: 2, c: 9, h: 7, w: 12, k: 19, r: 2, s: 3, pad: [0, 1], bias: true },                 // c <= 16 < k: wide input grad only
  { n: 3, c: 3, h: 11, w: 9, k: 13, r: 3, s: 3, pad: [3, 1], dilation: [2, 3] },           // dilated, padding past reach in width
  { n: 1, c: 2, h: 5, w: 3, k: 3, r: 1, s: 3, pad: [0, 1] },                               // one kernel row
  // 1x1 on planes under half a GEMM tile: products written to a buffer, then scattered into images
  { n: 5, c: 20, h: 2, w: 2, k: 37, r: 1, s: 1, bias: true },                              // MobileNet's 2x2 pointwise
  { n: 3, c: 8, h: 3, w: 5, k: 12, r: 1, s: 1, groups: 4 },                                // grouped, 15-pixel planes
  { n: 4, c: 6, h: 3, w: 3, k: 7, r: 1, s: 1, stride: [2, 2], pad: [1, 1] },               // strided, padded 1x1 to 2x2
  // strided 1x1: the weight gradient reads a subsampled NHWC copy (vector gather for stride 2)
  { n: 2, c: 5, h: 9, w: 37, k: 6, r: 1, s: 1, stride: [2, 2], pad: [1, 1], bias: true },  // padded, rows past the image
  { n: 3, c: 7, h: 11, w: 10, k: 4, r: 1, s: 1, stride: [3, 2], pad: [2, 0] },             // uneven strides, padding beyond a stride
  { n: 2, c: 6, h: 8, w: 8, k: 4, r: 1, s: 1, stride: [2, 2], groups: 2 },                  // grouped projection
  // pointwise weight gradient as dot products over copied rows (conv/pointwise_weight.h): tiles
  // of every size, planes shorter than a vector and runs that straddle images
  { n: 1, c: 7, h: 1, w: 1, k: 5, r: 1, s: 1, bias: true },                                // 1x1 planes, batch 1
  { n: 3, c: 13, h: 2, w: 2, k: 11, r: 1, s: 1 },                                          // 2x2 planes, odd batch
  { n: 5, c: 9, h: 3, w: 3, k: 17, r: 1, s: 1, bias: true },                               // 3x3 planes
  { n: 3, c: 19, h: 4, w: 4, k: 23, r: 1, s: 1 },                                          // 4x4 planes, odd channels
  { n: 1, c: 10, h: 7, w: 7, k: 29, r: 1, s: 1 },                                          // 7x7 planes, batch 1
  { n: 3, c: 12, h: 4, w: 4, k: 18, r: 1, s: 1, groups: 3 },                               // grouped
];

function describe(cs: ConvCase): string {
  const g = geometry(cs);
  return `conv n${g.n} c${g.c} ${g.h}x${g.w} k${g.k} ${g.r}x${g.s} s${g.strideH},${g.strideW} p${g.padH},${g.padW} d${g.dilationH},${g.dilationW} g${g.groups}`;
}

test('native conv2d forward and both gradients match the TypeScript reference on every ISA and thread count', () => {
  const nb = native();
  if (!nb) return;
  let seed = 1;
  for (const cs of CASES) {
    const g = geometry(cs);
    const x = randomArray(g.n * g.c * g.h * g.w, seed++) as Float32Array;
    const w = randomArray(g.k * (g.c / g.groups) * g.r * g.s, seed++) as Float32Array;
    const bias = cs.bias ? randomArray(g.k, seed++) as Float32Array : null;
    const dy = randomArray(g.n * g.k * g.oh * g.ow, seed++) as Float32Array;
    const y0 = new Float32Array(dy.length), dx0 = new Float32Array(x.length), dw0 = new Float32Array(w.length), db0 = new Float32Array(g.k);
    jsBackend.conv2dForward(g, x, w, bias, y0);
    jsBackend.conv2dBackwardInput(g, dy, w, dx0);
    jsBackend.conv2dBackwardWeight(g, x, dy, dw0, db0);
    const what = describe(cs);
    const tol = { rtol: 1e-4, atol: 1e-5 * Math.sqrt(g.c * g.r * g.s + g.n * g.oh * g.ow) };
    forEachIsa((isa) => forEachThreadCount((threads) => {
      // Outputs start as NaN: every element must be written (nothing is accumulated into old values).
      const y = new Float32Array(y0.length).fill(NaN), dx = new Float32Array(dx0.length).fill(NaN);
      const dw = new Float32Array(dw0.length).fill(NaN), db = new Float32Array(g.k).fill(NaN);
      nb.conv2dForward(g, x, w, bias, y);
      nb.conv2dBackwardInput(g, dy, w, dx);
      nb.conv2dBackwardWeight(g, x, dy, dw, db);
      const at = `${what} ${isa} ${threads} threads`;
      assertClose(y, y0, tol, `${at} forward`);
      assertClose(dx, dx0, tol, `${at} input gradient`);
      assertClose(dw, dw0, tol, `${at} weight gradient`);
      assertClose(db, db0, tol, `${at} bias gradient`);
      const dwOnly = new Float32Array(dw0.length).fill(NaN);
      nb.conv2dBackwardWeight(g, x, dy, dwOnly, null);
      assertClose(dwOnly, dw0, tol, `${at} weight gradient without bias`);
    }));
  }
});

test('native conv2d weight gradient: an inf in x reaches only the taps that read it (wide planes mask their extra columns)', () => {
  const nb = native();
  if (!nb) return;
  const g = geometry({ n: 2, c: 3, h: 9, w: 10, k: 5, r: 3, s: 3 });
  const x = randomArray(g.n * g.c * g.h * g.w, 21) as Float32Array;
  x[(1 * g.c + 2) * g.h * g.w + 4 * g.w + g.w - 1] = Infinity;  // last column: read by tap column 2 only
  const dy = randomArray(g.n * g.k * g.oh * g.ow, 22) as Float32Array;
  const dw0 = new Float32Array(g.k * g.c * g.r * g.s);
  jsBackend.conv2dBackwardWeight(g, x, dy, dw0, null);
  assert.ok(dw0.some((v) => Number.isFinite(v)) && dw0.some((v) => !Number.isFinite(v)), 'the case mixes finite and infinite gradients');
  forEachIsa((isa) => forEachThreadCount((threads) => {
    const dw = new Float32Array(dw0.length).fill(NaN);
    nb.conv2dBackwardWeight(g, x, dy, dw, null);
    for (let i = 0; i < dw.length; i++) {
      assert.equal(Number.isFinite(dw[i]), Number.isFinite(dw0[i]), `${isa} ${threads} threads: element ${i} is ${dw[i]}, expected ${dw0[i]}`);
    }
    assertClose(dw.map((v) => (Number.isFinite(v) ? v : 0)), dw0.map((v) => (Number.isFinite(v) ? v : 0)), { rtol: 1e-4, atol: 1e-4 }, `${isa} ${threads} threads`);
  }));
});

test('native conv2d on ResNet-like shapes spanning several GEMM blocks', () => {
  const nb = native();
  if (!nb) return;
  for (const cs of [
    { n: 3, c: 24, h: 20, w: 20, k: 40, r: 3, s: 3, pad: [1, 1] as [number, number], bias: true },
    { n: 5, c: 64, h: 4, w: 4, k: 70, r: 3, s: 3, pad: [1, 1] as [number, number] },
    // pointwise (MobileNet): the weight gradient packs x's planes directly, images split between threads
    { n: 7, c: 67, h: 5, w: 7, k: 45, r: 1, s: 1, bias: true },
    { n: 5, c: 130, h: 4, w: 4, k: 33, r: 1, s: 1 },
    // several depth blocks (reduced and added in turn) and several groups of x rows per block
    { n: 9, c: 300, h: 12, w: 12, k: 20, r: 1, s: 1 },
    { n: 33, c: 70, h: 7, w: 7, k: 31, r: 1, s: 1 },
    // 2x2 pointwise, wide enough for column slices per thread (4096 columns)
    { n: 1024, c: 19, h: 2, w: 2, k: 21, r: 1, s: 1, bias: true },
    // images x pixels wide enough for column slices that cut through images
    { n: 4, c: 3, h: 32, w: 33, k: 5, r: 3, s: 3, pad: [1, 1] as [number, number], bias: true },
    // strided input gradient over several column-buffer chunks (3 images, then 1)
    { n: 4, c: 32, h: 48, w: 48, k: 8, r: 3, s: 3, stride: [2, 2] as [number, number], pad: [1, 1] as [number, number] },
  ]) {
    const g = geometry(cs);
    const x = randomArray(g.n * g.c * g.h * g.w, 11) as Float32Array;
    const w = randomArray(g.k * g.c * g.r * g.s, 12) as Float32Array;
    const bias = randomArray(g.k, 13) as Float32Array;
    const dy = randomArray(g.n * g.k * g.oh * g.ow, 14) as Float32Array;
    const y0 = new Float32Array(dy.length), dx0 = new Float32Array(x.length), dw0 = new Float32Array(w.length);
    jsBackend.conv2dForward(g, x, w, bias, y0);
    jsBackend.conv2dBackwardInput(g, dy, w, dx0);
    jsBackend.conv2dBackwardWeight(g, x, dy, dw0, null);
    const tol = { rtol: 1e-4, atol: 1e-4 };
    forEachThreadCount((threads) => {
      const y = new Float32Array(y0.length), dx = new Float32Array(dx0.length), dw = new Float32Array(dw0.length);
      nb.conv2dForward(g, x, w, bias, y);
      nb.conv2dBackwardInput(g, dy, w, dx);
      nb.conv2dBackwardWeight(g, x, dy, dw, null);
      assertClose(y, y0, tol, `${describe(cs)} forward ${threads} threads`);
      assertClose(dx, dx0, tol, `${describe(cs)} input gradient ${threads} threads`);
      assertClose(dw, dw0, { rtol: 1e-4, atol: 1e-3 }, `${describe(cs)} weight gradient ${threads} threads`);
    });
  }
});

test('native pointwise weight gradient is bit-identical on 1 and 2 threads (AVX-512 dot-product path)', () => {
  const nb = native();
  // Threads own whole tiles of dw there; the GEMM path of other ISAs sums image ranges per thread.
  if (!nb || !setIsa('avx512')) return;
  try {
    for (const cs of [{ n: 9, c: 40, h: 8, w: 8, k: 37, r: 1, s: 1 }, { n: 17, c: 64, h: 2, w: 2, k: 50, r: 1, s: 1, groups: 2 }]) {
      const g = geometry(cs);
      const x = randomArray(g.n * g.c * g.h * g.w, 31) as Float32Array;
      const dy = randomArray(g.n * g.k * g.oh * g.ow, 32) as Float32Array;
      const results: Float32Array[] = [];
      forEachThreadCount(() => {
        const dw = new Float32Array(g.k * (g.c / g.groups)).fill(NaN);
        nb.conv2dBackwardWeight(g, x, dy, dw, null);
        results.push(dw);
      });
      for (const dw of results.slice(1)) assert.deepEqual(dw, results[0], describe(cs));
    }
  } finally {
    setIsa('auto');
  }
});

interface FixtureCase {
  name: string; n: number; c: number; h: number; w: number; k: number; r: number; s: number;
  stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number;
  x: number[]; weight: number[]; bias: number[]; dy: number[]; y: number[]; dx: number[]; dweight: number[]; dbias: number[];
}

test('TypeScript conv2d matches PyTorch (forward, input, weight and bias gradients) in float64', () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = path.resolve(here, '..', '..', '..', 'test', 'fixtures', 'conv2d-torch.json');
  const cases = JSON.parse(readFileSync(file, 'utf8')) as FixtureCase[];
  assert.ok(cases.length >= 3, 'fixture holds its cases');
  for (const fc of cases) {
    const g = geometry({ n: fc.n, c: fc.c, h: fc.h, w: fc.w, k: fc.k, r: fc.r, s: fc.s, stride: fc.stride, pad: fc.padding, dilation: fc.dilation, groups: fc.groups });
    const x = Float64Array.from(fc.x), w = Float64Array.from(fc.weight), b = Float64Array.from(fc.bias), dy = Float64Array.from(fc.dy);
    const y = new Float64Array(fc.y.length), dx = new Float64Array(fc.dx.length), dw = new Float64Array(fc.dweight.length), db = new Float64Array(fc.k);
    assert.equal(y.length, g.n * g.k * g.oh * g.ow, `${fc.name}: output size`);
    jsBackend.conv2dForward(g, x, w, b, y);
    jsBackend.conv2dBackwardInput(g, dy, w, dx);
    jsBackend.conv2dBackwardWeight(g, x, dy, dw, db);
    const tol = { rtol: 1e-10, atol: 1e-12 };
    assertClose(y, fc.y, tol, `${fc.name} forward`);
    assertClose(dx, fc.dx, tol, `${fc.name} input gradient`);
    assertClose(dw, fc.dweight, tol, `${fc.name} weight gradient`);
    assertClose(db, fc.dbias, tol, `${fc.name} bias gradient`);
  }
});
