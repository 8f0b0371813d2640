// Reference 2-d convolution on NCHW input with KCRS weights: direct loops over every output,
// any stride, padding, dilation and groups, accumulating in double. Works for Float32Array and
// Float64Array alike; it is the oracle for the native kernels and the float64 path for gradcheck.
//
// All three passes walk the same triples (output element, input element, weight element) that a
// convolution multiplies together; each pass accumulates a different product into a double array.

import type { Conv2dGeometry } from '../backend.js';
import type { FloatArray } from '../../tensor/dtype.js';

/** Calls visit(yIndex, xIndex, wIndex) for every product term of the convolution. */
function eachTerm(g: Conv2dGeometry, visit: (yi: number, xi: number, wi: number) => void): void {
  const { n, c, h, w: wd, k, r, s, oh, ow } = g;
  const cg = c / g.groups, kg = k / g.groups;
  for (let b = 0; b < n; b++) {
    for (let ko = 0; ko < k; ko++) {
      const c0 = Math.floor(ko / kg) * cg;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const yi = ((b * k + ko) * oh + oy) * ow + ox;
          for (let ci = 0; ci < cg; ci++) {
            const xPlane = (b * c + c0 + ci) * h * wd;
            const wBase = (ko * cg + ci) * r * s;
            for (let kr = 0; kr < r; kr++) {
              const iy = oy * g.strideH - g.padH + kr * g.dilationH;
              if (iy < 0 || iy >= h) continue;
              for (let ks = 0; ks < s; ks++) {
                const ix = ox * g.strideW - g.padW + ks * g.dilationW;
                if (ix < 0 || ix >= wd) continue;
                visit(yi, xPlane + iy * wd + ix, wBase + kr * s + ks);
              }
            }
          }
        }
      }
    }
  }
}

function store(acc: Float64Array, out: FloatArray): void {
  for (let i = 0; i < acc.length; i++) out[i] = acc[i]!;
}

export function conv2dForward(g: Conv2dGeometry, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray): void {
  const acc = new Float64Array(g.n * g.k * g.oh * g.ow);
  if (bias) {
    const plane = g.oh * g.ow;
    for (let i = 0; i < acc.length; i++) acc[i] = bias[Math.floor(i / plane) % g.k]!;
  }
  eachTerm(g, (yi, xi, wi) => { acc[yi] += x[xi]! * w[wi]!; });
  store(acc, y);
}

export function conv2dBackwardInput(g: Conv2dGeometry, dy: FloatArray, w: FloatArray, dx: FloatArray): void {
  const acc = new Float64Array(g.n * g.c * g.h * g.w);
  eachTerm(g, (yi, xi, wi) => { acc[xi] += dy[yi]! * w[wi]!; });
  store(acc, dx);
}

export function conv2dBackwardWeight(g: Conv2dGeometry, x: FloatArray, dy: FloatArray, dw: FloatArray, dbias: FloatArray | null): void {
  const acc = new Float64Array(g.k * (g.c / g.groups) * g.r * g.s);
  eachTerm(g, (yi, xi, wi) => { acc[wi] += dy[yi]! * x[xi]!; });
  store(acc, dw);
  if (dbias) {
    const plane = g.oh * g.ow, sums = new Float64Array(g.k);
    for (let i = 0; i < g.n * g.k * plane; i++) sums[Math.floor(i / plane) % g.k] += dy[i]!;
    store(sums, dbias);
  }
}
