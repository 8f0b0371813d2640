// Depthwise conv2d (groups == channels) in the native backend against the TypeScript reference:
// the channel-vectorised kernels (multiplier 1, "same"-style padding at any stride) and the
// general per-plane kernels (everything else), on every ISA and thread count.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackend } from '../../src/backend/index.js';
import type { Conv2dGeometry } from '../../src/backend/index.js';
import { assertClose, forEachIsa, forEachThreadCount, native, randomArray, rng, randomInt } from '../helpers.js';

interface DwCase { n: number; c: number; h: number; w: number; mult?: number; r: number; s?: number; stride?: number; pad?: number; dilation?: number; bias?: boolean }

function geometry(cs: DwCase): Conv2dGeometry {
  const s = cs.s ?? cs.r, stride = cs.stride ?? 1, pad = cs.pad ?? 0, dil = cs.dilation ?? 1;
  const oh = Math.floor((cs.h + 2 * pad - dil * (cs.r - 1) - 1) / stride) + 1;
  const ow = Math.floor((cs.w + 2 * pad - dil * (s - 1) - 1) / stride) + 1;
  return {
    n: cs.n, c: cs.c, h: cs.h, w: cs.w, k: cs.c * (cs.mult ?? 1), r: cs.r, s, strideH: stride, strideW: stride,
    padH: pad, padW: pad, dilationH: dil, dilationW: dil, groups: cs.c, oh, ow,
  };
}

function describe(g: Conv2dGeometry): string {
  return `depthwise n${g.n} c${g.c} k${g.k} ${g.h}x${g.w} ${g.r}x${g.s} s${g.strideH} p${g.padH} d${g.dilationH}`;
}

interface Data { x: Float32Array; w: Float32Array; bias: Float32Array | null; dy: Float32Array }

function makeData(g: Conv2dGeometry, seed: number, bias: boolean): Data {
  return {
    x: randomArray(g.n * g.c * g.h * g.w, seed) as Float32Array,
    w: randomArray(g.k * g.r * g.s, seed + 1) as Float32Array,
    bias: bias ? randomArray(g.k, seed + 2) as Float32Array : null,
    dy: randomArray(g.n * g.k * g.oh * g.ow, seed + 3) as Float32Array,
  };
}

// Every ISA and thread count against the reference; outputs start as NaN so every element must be written.
function checkAgainstReference(g: Conv2dGeometry, d: Data, isas = true): void {
  const nb = native();
  if (!nb) return;
  const y0 = new Float32Array(d.dy.length), dx0 = new Float32Array(d.x.length), dw0 = new Float32Array(d.w.length), db0 = new Float32Array(g.k);
  jsBackend.conv2dForward(g, d.x, d.w, d.bias, y0);
  jsBackend.conv2dBackwardInput(g, d.dy, d.w, dx0);
  jsBackend.conv2dBackwardWeight(g, d.x, d.dy, dw0, db0);
  const tol = { rtol: 1e-4, atol: 1e-5 * Math.sqrt(g.r * g.s + g.n * g.oh * g.ow) };
  const run = (isa: string) => forEachThreadCount((threads) => {
    const at = `${describe(g)} ${isa} ${threads} threads`;
    const y = new Float32Array(y0.length).fill(NaN), dx = new Float32Array(dx0.length).fill(NaN), dw = new Float32Array(dw0.length).fill(NaN);
    nb.conv2dForward(g, d.x, d.w, d.bias, y);
    nb.conv2dBackwardInput(g, d.dy, d.w, dx);
    nb.conv2dBackwardWeight(g, d.x, d.dy, dw, null);
    assertClose(y, y0, tol, `${at} forward`);
    assertClose(dx, dx0, tol, `${at} input gradient`);
    assertClose(dw, dw0, tol, `${at} weight gradient`);
  });
  if (isas) forEachIsa(run);
  else run('auto');
}

const CASES: DwCase[] = [
  // MobileNetV1's depthwise layers, scaled down in batch and channels
  { n: 3, c: 20, h: 32, w: 32, r: 3, pad: 1 },
  { n: 2, c: 19, h: 32, w: 32, r: 3, stride: 2, pad: 1 },
  { n: 3, c: 21, h: 16, w: 16, r: 3, pad: 1, bias: true },
  { n: 2, c: 17, h: 8, w: 8, r: 3, stride: 2, pad: 1 },
  { n: 4, c: 37, h: 4, w: 4, r: 3, pad: 1 },
  { n: 4, c: 35, h: 4, w: 4, r: 3, stride: 2, pad: 1, bias: true },
  { n: 5, c: 67, h: 2, w: 2, r: 3, pad: 1 },
  // batch 1, odd channel counts, planes from 1x1 to 33x33
  { n: 1, c: 1, h: 1, w: 1, r: 3, pad: 1 },
  { n: 1, c: 7, h: 1, w: 1, r: 3, pad: 1, bias: true },
  { n: 2, c: 13, h: 3, w: 3, r: 3, pad: 1 },
  { n: 1, c: 9, h: 5, w: 5, r: 3, stride: 2, pad: 1 },
  { n: 2, c: 5, h: 7, w: 9, r: 3, pad: 1 },
  { n: 1, c: 3, h: 33, w: 33, r: 3, pad: 1, bias: true },
  { n: 2, c: 3, h: 33, w: 31, r: 3, stride: 2, pad: 1 },
  { n: 1, c: 2, h: 33, w: 33, r: 5, pad: 2 },
  // weight-gradient lane folds: planes of 2, 8 and 32 pixels (one vector holds 8 or 2 channels, or
  // a channel spans vectors), odd batches
  { n: 3, c: 11, h: 1, w: 2, r: 3, pad: 1 },
  { n: 5, c: 9, h: 2, w: 4, r: 3, pad: 1 },
  { n: 3, c: 5, h: 4, w: 8, r: 3, pad: 1 },
  { n: 1, c: 13, h: 4, w: 4, r: 3, pad: 1 },
  // stride 2 on odd planes, other kernels and strides
  { n: 2, c: 6, h: 9, w: 11, r: 5, stride: 2, pad: 2 },
  { n: 2, c: 4, h: 12, w: 12, r: 1 },
  { n: 2, c: 4, h: 12, w: 10, r: 1, stride: 2 },
  { n: 1, c: 5, h: 13, w: 13, r: 3, stride: 3, pad: 1 },
  { n: 2, c: 3, h: 10, w: 8, r: 4, s: 2, stride: 2, pad: 1 },
  // padding 0 and 2, dilation 2 (general kernels where the output grid cannot hold the input)
  { n: 2, c: 5, h: 8, w: 8, r: 3, pad: 0, bias: true },
  { n: 2, c: 5, h: 8, w: 7, r: 3, pad: 2 },
  { n: 2, c: 4, h: 9, w: 9, r: 3, stride: 2, pad: 0 },
  { n: 2, c: 6, h: 9, w: 10, r: 3, pad: 2, dilation: 2 },
  { n: 2, c: 3, h: 11, w: 11, r: 3, stride: 2, pad: 2, dilation: 2, bias: true },
  { n: 1, c: 3, h: 6, w: 5, r: 3, pad: 1, dilation: 2 },
  // channel multipliers
  { n: 2, c: 3, h: 8, w: 8, mult: 2, r: 3, pad: 1, bias: true },
  { n: 2, c: 5, h: 6, w: 6, mult: 3, r: 3, stride: 2, pad: 1 },
];

test('native depthwise conv2d matches the TypeScript reference on every ISA and thread count', () => {
  let seed = 100;
  for (const cs of CASES) {
    const g = geometry(cs);
    checkAgainstReference(g, makeData(g, seed, cs.bias ?? false));
    seed += 10;
  }
});

test('native depthwise conv2d on random geometries', () => {
  const r = rng(7);
  for (let i = 0; i < 60; i++) {
    const k = [1, 3, 3, 3, 5][randomInt(r, 0, 4)]!;
    const cs: DwCase = {
      n: randomInt(r, 1, 3), c: randomInt(r, 1, 40), h: randomInt(r, 1, 20), w: randomInt(r, 1, 20), r: k,
      stride: randomInt(r, 1, 2), pad: randomInt(r, 0, 2), dilation: randomInt(r, 1, 4) === 4 ? 2 : 1, mult: randomInt(r, 1, 6) === 6 ? 2 : 1,
    };
    const g = geometry(cs);
    if (g.oh < 1 || g.ow < 1) continue;
    checkAgainstReference(g, makeData(g, 1000 + i, randomInt(r, 0, 1) === 1), i % 4 === 0);
  }
});

test('native depthwise conv2d: an Inf reaches only the outputs whose window holds it', () => {
  if (!native()) return;
  // 4x4 planes fill one 16-lane vector: a wrong shift would read the neighbouring row or channel.
  for (const stride of [1, 2]) {
    const g = geometry({ n: 2, c: 6, h: 4, w: 4, r: 3, stride, pad: 1 });
    const d = makeData(g, 77, false);
    d.x[(1 * g.c + 2) * g.h * g.w + 1 * g.w + 3] = Infinity;  // image 1, channel 2, row 1, last column
    d.dy[(0 * g.k + 3) * g.oh * g.ow + g.ow - 1] = -Infinity;  // image 0, channel 3, first row, last column
    const y = new Float32Array(d.dy.length), dx = new Float32Array(d.x.length), dw = new Float32Array(d.w.length);
    jsBackend.conv2dForward(g, d.x, d.w, null, y);
    jsBackend.conv2dBackwardInput(g, d.dy, d.w, dx);
    jsBackend.conv2dBackwardWeight(g, d.x, d.dy, dw, null);
    const nonFinite = (a: Float32Array) => a.reduce((cnt, v) => cnt + (Number.isFinite(v) ? 0 : 1), 0);
    assert.equal(nonFinite(y), stride === 1 ? 6 : 2, 'reference forward');
    assert.ok(nonFinite(dx) > 0 && nonFinite(dw) > 0, 'reference gradients');
    checkAgainstReference(g, d);
  }
});

test('native depthwise conv2d: channel ranges split between threads on unit boundaries', () => {
  // Enough work that the driver gives each thread its own channel range (about 64 K multiply-adds
  // per thread at least); planes whose units hold 1, 4 and 16 channels of a 16-lane vector.
  const cases: DwCase[] = [
    { n: 8, c: 601, h: 2, w: 2, r: 3, pad: 1 },
    { n: 4, c: 203, h: 3, w: 3, r: 3, pad: 1, bias: true },
    { n: 4, c: 301, h: 7, w: 7, r: 3, stride: 2, pad: 1 },
    { n: 3, c: 350, h: 8, w: 8, r: 3, stride: 2, pad: 1 },
  ];
  let seed = 500;
  for (const cs of cases) {
    const g = geometry(cs);
    checkAgainstReference(g, makeData(g, seed, cs.bias ?? false));
    seed += 10;
  }
});

test('native depthwise conv2d: batches of several image groups', () => {
  // More images than one call of the shift kernels takes (8 on unstaged planes, 32 below 64 pixels, about 64 KB of
  // phase planes when staged), so the weight gradient sums partials across groups and the
  // prefetches of the next group and of the next block of channels run.
  const cases: DwCase[] = [
    { n: 11, c: 6, h: 32, w: 32, r: 3, stride: 2, pad: 1 },
    { n: 10, c: 9, h: 15, w: 17, r: 3, stride: 2, pad: 1, bias: true },
    { n: 9, c: 5, h: 16, w: 16, r: 3, pad: 1, bias: true },
    { n: 17, c: 3, h: 9, w: 8, r: 3, pad: 1 },
    // planes under 64 pixels take 32 images per call
    { n: 67, c: 37, h: 4, w: 4, r: 3, pad: 1 },
    { n: 33, c: 13, h: 2, w: 2, r: 3, pad: 1, bias: true },
    { n: 35, c: 7, h: 3, w: 5, r: 3, pad: 1 },
    { n: 34, c: 5, h: 4, w: 4, r: 5, pad: 2 },
  ];
  let seed = 700;
  for (const cs of cases) {
    const g = geometry(cs);
    checkAgainstReference(g, makeData(g, seed, cs.bias ?? false), false);
    seed += 10;
  }
});
