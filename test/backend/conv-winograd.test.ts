// Winograd F(2x2, 3x3) convolution (native/conv/winograd.h): the forward pass and the stride-1
// input gradient of 3x3 kernels, forced on with setConvAlgorithm('winograd'), against the
// TypeScript reference and against the GEMM path, on every ISA and thread count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackend, setConvAlgorithm } from '../../src/backend/index.js';
import type { Conv2dGeometry } from '../../src/backend/index.js';
import { assertClose, forEachIsa, forEachThreadCount, native, randomArray } from '../helpers.js';

interface Case { n: number; c: number; h: number; w: number; k: number; pad: number; bias?: boolean }

function geometry(cs: Case): Conv2dGeometry {
  const oh = cs.h + 2 * cs.pad - 2, ow = cs.w + 2 * cs.pad - 2;
  return { n: cs.n, c: cs.c, h: cs.h, w: cs.w, k: cs.k, r: 3, s: 3, strideH: 1, strideW: 1, padH: cs.pad, padW: cs.pad, dilationH: 1, dilationW: 1, groups: 1, oh, ow };
}

// More than 16 channels on both sides (16 or fewer take the wide direct kernels first), counts
// not multiples of the micro-kernel's rows or of 16, odd and tiny planes, batch 1 and odd.
const CASES: Case[] = [
  { n: 1, c: 17, h: 1, w: 1, k: 19, pad: 1, bias: true },    // one pixel: a tile that is all padding but its centre
  { n: 3, c: 18, h: 2, w: 2, k: 21, pad: 1 },                // VGG-16's last planes
  { n: 1, c: 20, h: 3, w: 3, k: 17, pad: 1, bias: true },    // odd: the last tile row and column half outside
  { n: 2, c: 33, h: 5, w: 7, k: 25, pad: 1, bias: true },
  { n: 3, c: 19, h: 7, w: 5, k: 40, pad: 0 },                // no padding: 5 x 3 outputs
  { n: 1, c: 24, h: 13, w: 13, k: 29, pad: 1 },
  { n: 5, c: 23, h: 13, w: 6, k: 18, pad: 0, bias: true },
  { n: 1, c: 17, h: 3, w: 4, k: 17, pad: 0 },                // a single output row
  { n: 2, c: 35, h: 9, w: 11, k: 50, pad: 2 },               // padding 2 (the input gradient's is 0)
  { n: 2, c: 17, h: 4, w: 5, k: 18, pad: 3, bias: true },    // padding 3: the input gradient's is -1 (a crop)
  { n: 1, c: 21, h: 66, w: 3, k: 19, pad: 1, bias: true },   // tall: runs of one or two tiles
  { n: 1, c: 18, h: 3, w: 150, k: 20, pad: 1 },              // wide: a tile row longer than one run (64 tiles)
];

function run(nb: NonNullable<ReturnType<typeof native>>, g: Conv2dGeometry, x: Float32Array, w: Float32Array, bias: Float32Array | null, dy: Float32Array) {
  const y = new Float32Array(g.n * g.k * g.oh * g.ow).fill(NaN), dx = new Float32Array(x.length).fill(NaN);
  nb.conv2dForward(g, x, w, bias, y);
  nb.conv2dBackwardInput(g, dy, w, dx);
  return { y, dx };
}

function describe(cs: Case): string {
  return `n${cs.n} c${cs.c} ${cs.h}x${cs.w} k${cs.k} p${cs.pad}`;
}

function check(cases: Case[], seed0: number, everyIsa: boolean): void {
  const nb = native();
  if (!nb) return;
  let seed = seed0;
  for (const cs of cases) {
    const g = geometry(cs);
    const x = randomArray(g.n * g.c * g.h * g.w, seed++) as Float32Array;
    const w = randomArray(g.k * g.c * 9, seed++) as Float32Array;
    const bias = cs.bias ? randomArray(g.k, seed++) as Float32Array : null;
    const dy = randomArray(g.n * g.k * g.oh * g.ow, seed++) as Float32Array;
    const y0 = new Float32Array(g.n * g.k * g.oh * g.ow), dx0 = new Float32Array(x.length);
    jsBackend.conv2dForward(g, x, w, bias, y0);
    jsBackend.conv2dBackwardInput(g, dy, w, dx0);
    // F(2x2, 3x3) rounds about as well as the direct sum (~1e-6 relative to the sums' size).
    const tolY = { rtol: 1e-4, atol: 1e-5 * Math.sqrt(g.c * 9) }, tolDx = { rtol: 1e-4, atol: 1e-5 * Math.sqrt(g.k * 9) };
    const body = (at: string) => forEachThreadCount((threads) => {
      const where = `${describe(cs)} ${at} ${threads} threads`;
      try {
        setConvAlgorithm('gemm');
        const ref = run(nb, g, x, w, bias, dy);
        setConvAlgorithm('winograd');
        const win = run(nb, g, x, w, bias, dy);
        assertClose(win.y, y0, tolY, `${where} forward vs TypeScript`);
        assertClose(win.dx, dx0, tolDx, `${where} input gradient vs TypeScript`);
        assertClose(win.y, ref.y, tolY, `${where} forward vs GEMM path`);
        assertClose(win.dx, ref.dx, tolDx, `${where} input gradient vs GEMM path`);
        // A different summation order: bitwise equal results would mean Winograd never ran.
        assert.ok(win.y.some((v, i) => v !== ref.y[i]), `${where}: forward identical to the GEMM path`);
        assert.ok(win.dx.some((v, i) => v !== ref.dx[i]), `${where}: input gradient identical to the GEMM path`);
      } finally {
        setConvAlgorithm('auto');
      }
    });
    if (everyIsa) forEachIsa(body);
    else body('auto isa');
  }
}

test('Winograd conv2d (forward, stride-1 input gradient) matches the TypeScript reference and the GEMM path on odd shapes, every ISA and thread count', () => {
  check(CASES, 101, true);
});

test('Winograd conv2d over several tile blocks, A slivers and depth blocks', () => {
  check([
    { n: 3, c: 40, h: 20, w: 19, k: 33, pad: 1, bias: true },  // 300 tiles: several blocks per thread
    { n: 2, c: 200, h: 9, w: 9, k: 37, pad: 1 },               // 200 input channels: two depth blocks
    { n: 1, c: 20, h: 40, w: 35, k: 19, pad: 0, bias: true },  // 323 tiles in one block, ragged last sliver
  ], 201, false);
});

test('conv2d in auto mode takes Winograd on a VGG-like layer and agrees with the reference', () => {
  const nb = native();
  if (!nb) return;
  const g = geometry({ n: 2, c: 64, h: 16, w: 16, k: 64, pad: 1 });
  const x = randomArray(g.n * g.c * g.h * g.w, 301) as Float32Array;
  const w = randomArray(g.k * g.c * 9, 302) as Float32Array;
  const bias = randomArray(g.k, 303) as Float32Array;
  const dy = randomArray(g.n * g.k * g.oh * g.ow, 304) as Float32Array;
  const y0 = new Float32Array(dy.length), dx0 = new Float32Array(x.length);
  jsBackend.conv2dForward(g, x, w, bias, y0);
  jsBackend.conv2dBackwardInput(g, dy, w, dx0);
  const tol = { rtol: 1e-4, atol: 1e-5 * Math.sqrt(64 * 9) };
  forEachThreadCount((threads) => {
    const auto = run(nb, g, x, w, bias, dy);
    try {
      setConvAlgorithm('winograd');
      const win = run(nb, g, x, w, bias, dy);
      assert.deepEqual(auto.y, win.y, `${threads} threads: auto forward is the Winograd result`);
      assert.deepEqual(auto.dx, win.dx, `${threads} threads: auto input gradient is the Winograd result`);
    } finally {
      setConvAlgorithm('auto');
    }
    assertClose(auto.y, y0, tol, `${threads} threads forward`);
    assertClose(auto.dx, dx0, tol, `${threads} threads input gradient`);
  });
});

test('setConvAlgorithm rejects an unknown name', () => {
  if (!native()) return;
  assert.equal(setConvAlgorithm('fft' as 'auto'), false);
  assert.equal(setConvAlgorithm('auto'), true);
});
