// Max, average and adaptive average pooling over contiguous NCHW planes, in double precision.
// These follow PyTorch's CPU kernels exactly, window by window:
// - a window starts at o * stride - pad and its taps are start + j * dilation, j < kernel;
// - ceil_mode is the caller's choice of oh/ow, so the last window may run past the padded edge;
//   max pooling clips it to the input, average pooling counts it only up to the padded edge.

import type { Pool2dGeometry } from '../backend.js';
import type { FloatArray } from '../../tensor/dtype.js';

/** First tap index >= 0 and one past the last tap < size, for the window starting at `start`. */
function taps(start: number, k: number, d: number, size: number): [number, number] {
  let first = 0;
  if (start < 0) first = Math.ceil(-start / d);
  let end = k;
  const last = start + (k - 1) * d;
  if (last >= size) end = Math.max(0, Math.floor((size - 1 - start) / d) + 1);
  return [first, Math.max(first, end)];
}

/** One pooling window: its plane, output index in the plane, and its taps inside the input. */
interface Window {
  plane: number; out: number;
  /** first row / column of the window (may be in the padding) */
  hs: number; ws: number;
  /** taps [i0, i1) down and [j0, j1) across that fall inside the input */
  i0: number; i1: number; j0: number; j1: number;
}

/** Calls fn for every window, plane by plane in row-major output order (one object, reused). */
function forEachWindow(g: Pool2dGeometry, fn: (w: Readonly<Window>) => void): void {
  const win: Window = { plane: 0, out: 0, hs: 0, ws: 0, i0: 0, i1: 0, j0: 0, j1: 0 };
  for (let p = 0; p < g.planes; p++) {
    win.plane = p;
    for (let oh = 0; oh < g.oh; oh++) {
      win.hs = oh * g.strideH - g.padH;
      [win.i0, win.i1] = taps(win.hs, g.kh, g.dilationH, g.h);
      for (let ow = 0; ow < g.ow; ow++) {
        win.out = oh * g.ow + ow;
        win.ws = ow * g.strideW - g.padW;
        [win.j0, win.j1] = taps(win.ws, g.kw, g.dilationW, g.w);
        fn(win);
      }
    }
  }
}

/** Max over each window (first maximum wins, a NaN replaces any number, as PyTorch's CPU kernel). */
export function maxPool2dForward(g: Pool2dGeometry, x: FloatArray, y: FloatArray, indices: Int32Array): void {
  forEachWindow(g, ({ plane, out, hs, ws, i0, i1, j0, j1 }) => {
    const xb = plane * g.h * g.w;
    let best = -Infinity;
    // An all -Inf window reports its first tap (an empty one, impossible for PyTorch's shapes, -1).
    let at = i0 < i1 && j0 < j1 ? (hs + i0 * g.dilationH) * g.w + ws + j0 * g.dilationW : -1;
    for (let i = i0; i < i1; i++) {
      const row = (hs + i * g.dilationH) * g.w;
      for (let j = j0; j < j1; j++) {
        const idx = row + ws + j * g.dilationW;
        const v = x[xb + idx]!;
        if (v > best || v !== v) { best = v; at = idx; }
      }
    }
    y[plane * g.oh * g.ow + out] = best;
    indices[plane * g.oh * g.ow + out] = at;
  });
}

/** dx = 0, then dx[plane, indices] += dy (negative indices, from empty windows, are skipped). */
export function maxPool2dBackward(g: Pool2dGeometry, dy: FloatArray, indices: Int32Array, dx: FloatArray): void {
  const hw = g.h * g.w, ohw = g.oh * g.ow;
  dx.fill(0, 0, g.planes * hw);
  for (let p = 0; p < g.planes; p++) {
    for (let o = 0; o < ohw; o++) {
      const at = indices[p * ohw + o]!;
      if (at >= 0) dx[p * hw + at] += dy[p * ohw + o]!;
    }
  }
}

/**
 * The divisor of an average-pooling window along one axis: the taps inside the padded input
 * (countIncludePad) or inside the input. The 2-d divisor is the product of the two axes'.
 */
function avgCount(start: number, k: number, d: number, size: number, pad: number, includePad: boolean): number {
  if (includePad) {
    const [a, b] = taps(start + pad, k, d, size + 2 * pad);
    return b - a;
  }
  const [a, b] = taps(start, k, d, size);
  return b - a;
}

function avgDivisor(g: Pool2dGeometry, w: Readonly<Window>, countIncludePad: boolean, divisor: number): number {
  if (divisor > 0) return divisor;
  return avgCount(w.hs, g.kh, g.dilationH, g.h, g.padH, countIncludePad) * avgCount(w.ws, g.kw, g.dilationW, g.w, g.padW, countIncludePad);
}

/** Average of each window; divisor > 0 overrides the count. An empty window gives 0. */
export function avgPool2dForward(g: Pool2dGeometry, x: FloatArray, y: FloatArray, countIncludePad: boolean, divisor: number): void {
  forEachWindow(g, (w) => {
    const { plane, out, hs, ws, i0, i1, j0, j1 } = w;
    let sum = 0;
    for (let i = i0; i < i1; i++) {
      const row = plane * g.h * g.w + (hs + i * g.dilationH) * g.w + ws;
      for (let j = j0; j < j1; j++) sum += x[row + j * g.dilationW]!;
    }
    const empty = i0 >= i1 || j0 >= j1;
    y[plane * g.oh * g.ow + out] = empty ? 0 : sum / avgDivisor(g, w, countIncludePad, divisor);
  });
}

/** dx = 0, then each dy / divisor is added to every input of its window. */
export function avgPool2dBackward(g: Pool2dGeometry, dy: FloatArray, dx: FloatArray, countIncludePad: boolean, divisor: number): void {
  const hw = g.h * g.w;
  const acc = new Float64Array(g.planes * hw);
  forEachWindow(g, (w) => {
    const { plane, out, hs, ws, i0, i1, j0, j1 } = w;
    const v = dy[plane * g.oh * g.ow + out]! / avgDivisor(g, w, countIncludePad, divisor);
    for (let i = i0; i < i1; i++) {
      const row = plane * hw + (hs + i * g.dilationH) * g.w + ws;
      for (let j = j0; j < j1; j++) acc[row + j * g.dilationW] += v;
    }
  });
  for (let i = 0; i < acc.length; i++) dx[i] = acc[i]!;
}

/** PyTorch's adaptive window along one axis: [floor(i * size / out), ceil((i + 1) * size / out)). */
export function adaptiveRange(i: number, size: number, out: number): [number, number] {
  return [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
}

export function adaptiveAvgPool2dForward(planes: number, h: number, w: number, oh: number, ow: number, x: FloatArray, y: FloatArray): void {
  for (let p = 0; p < planes; p++) {
    for (let a = 0; a < oh; a++) {
      const [h0, h1] = adaptiveRange(a, h, oh);
      for (let b = 0; b < ow; b++) {
        const [w0, w1] = adaptiveRange(b, w, ow);
        let sum = 0;
        for (let i = h0; i < h1; i++) for (let j = w0; j < w1; j++) sum += x[p * h * w + i * w + j]!;
        y[(p * oh + a) * ow + b] = sum / ((h1 - h0) * (w1 - w0));
      }
    }
  }
}

export function adaptiveAvgPool2dBackward(planes: number, h: number, w: number, oh: number, ow: number, dy: FloatArray, dx: FloatArray): void {
  const acc = new Float64Array(h * w);
  for (let p = 0; p < planes; p++) {
    acc.fill(0);
    for (let a = 0; a < oh; a++) {
      const [h0, h1] = adaptiveRange(a, h, oh);
      for (let b = 0; b < ow; b++) {
        const [w0, w1] = adaptiveRange(b, w, ow);
        const v = dy[(p * oh + a) * ow + b]! / ((h1 - h0) * (w1 - w0));
        for (let i = h0; i < h1; i++) for (let j = w0; j < w1; j++) acc[i * w + j] += v;
      }
    }
    for (let i = 0; i < h * w; i++) dx[p * h * w + i] = acc[i]!;
  }
}
