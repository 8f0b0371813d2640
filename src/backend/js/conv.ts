// Reference 2-d convolution on NCHW input with KCRS weights: direct loops over every output,
// any stride, padding, dilation and groups, accumulating in double. Works for Float32Array and
// Float64Array alike; it is the oracle for the native kernels and the float64 path for gradcheck.

import type { Conv2dGeometry } from '../backend.js';
import type { FloatArray } from '../../tensor/dtype.js';

export function conv2dForward(g: Conv2dGeometry, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray): void {
  const { n, c, h, w: wd, k, r, s, oh, ow } = g;
  const cg = c / g.groups, kg = k / g.groups;
  for (let b = 0; b < n; b++) {
    for (let ko = 0; ko < k; ko++) {
      const c0 = Math.floor(ko / kg) * cg;
      const yBase = (b * k + ko) * oh * ow;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let acc = bias ? bias[ko]! : 0;
          for (let ci = 0; ci < cg; ci++) {
            const xPlane = (b * c + c0 + ci) * h * wd;
            const wBase = (ko * cg + ci) * r * s;
            for (let kr = 0; kr < r; kr++) {
              const iy = oy * g.strideH - g.padH + kr * g.dilationH;
              if (iy < 0 || iy >= h) continue;
              for (let ks = 0; ks < s; ks++) {
                const ix = ox * g.strideW - g.padW + ks * g.dilationW;
                if (ix < 0 || ix >= wd) continue;
                acc += x[xPlane + iy * wd + ix]! * w[wBase + kr * s + ks]!;
              }
            }
          }
          y[yBase + oy * ow + ox] = acc;
        }
      }
    }
  }
}

export function conv2dBackwardInput(g: Conv2dGeometry, dy: FloatArray, w: FloatArray, dx: FloatArray): void {
  const { n, c, h, w: wd, k, r, s, oh, ow } = g;
  const cg = c / g.groups, kg = k / g.groups;
  const acc = new Float64Array(dx.length);
  for (let b = 0; b < n; b++) {
    for (let ko = 0; ko < k; ko++) {
      const c0 = Math.floor(ko / kg) * cg;
      const dyBase = (b * k + ko) * oh * ow;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const gv = dy[dyBase + oy * ow + ox]!;
          for (let ci = 0; ci < cg; ci++) {
            const xPlane = (b * c + c0 + ci) * h * wd;
            const wBase = (ko * cg + ci) * r * s;
            for (let kr = 0; kr < r; kr++) {
              const iy = oy * g.strideH - g.padH + kr * g.dilationH;
              if (iy < 0 || iy >= h) continue;
              for (let ks = 0; ks < s; ks++) {
                const ix = ox * g.strideW - g.padW + ks * g.dilationW;
                if (ix < 0 || ix >= wd) continue;
                acc[xPlane + iy * wd + ix] += gv * w[wBase + kr * s + ks]!;
              }
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < acc.length; i++) dx[i] = acc[i]!;
}

export function conv2dBackwardWeight(g: Conv2dGeometry, x: FloatArray, dy: FloatArray, dw: FloatArray, dbias: FloatArray | null): void {
  const { n, c, h, w: wd, k, r, s, oh, ow } = g;
  const cg = c / g.groups, kg = k / g.groups;
  for (let ko = 0; ko < k; ko++) {
    const c0 = Math.floor(ko / kg) * cg;
    for (let ci = 0; ci < cg; ci++) {
      for (let kr = 0; kr < r; kr++) {
        for (let ks = 0; ks < s; ks++) {
          let acc = 0;
          for (let b = 0; b < n; b++) {
            const xPlane = (b * c + c0 + ci) * h * wd;
            const dyBase = (b * k + ko) * oh * ow;
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * g.strideH - g.padH + kr * g.dilationH;
              if (iy < 0 || iy >= h) continue;
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * g.strideW - g.padW + ks * g.dilationW;
                if (ix < 0 || ix >= wd) continue;
                acc += dy[dyBase + oy * ow + ox]! * x[xPlane + iy * wd + ix]!;
              }
            }
          }
          dw[((ko * cg + ci) * r + kr) * s + ks] = acc;
        }
      }
    }
  }
  if (dbias) {
    for (let ko = 0; ko < k; ko++) {
      let acc = 0;
      for (let b = 0; b < n; b++) {
        const base = (b * k + ko) * oh * ow;
        for (let p = 0; p < oh * ow; p++) acc += dy[base + p]!;
      }
      dbias[ko] = acc;
    }
  }
}
