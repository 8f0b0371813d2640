// Softmax and log-softmax over the middle axis of [outer, dim, inner], in double precision.

import type { FloatArray } from '../../tensor/dtype.js';

export function softmaxForward(outer: number, dim: number, inner: number, x: FloatArray, y: FloatArray, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * dim * inner + i;
      let max = -Infinity;
      for (let d = 0; d < dim; d++) max = Math.max(max, x[base + d * inner]!);
      if (max === -Infinity || max !== max) max = 0; // all -inf (gives NaN as PyTorch) or NaN present
      let sum = 0;
      for (let d = 0; d < dim; d++) sum += Math.exp(x[base + d * inner]! - max);
      if (log) {
        const lse = Math.log(sum);
        for (let d = 0; d < dim; d++) y[base + d * inner] = x[base + d * inner]! - max - lse;
      } else {
        for (let d = 0; d < dim; d++) y[base + d * inner] = Math.exp(x[base + d * inner]! - max) / sum;
      }
    }
  }
}

export function softmaxBackward(outer: number, dim: number, inner: number, y: FloatArray, dy: FloatArray, dx: FloatArray, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * dim * inner + i;
      let s = 0;
      if (log) {
        // dx = dy - exp(y) * sum(dy)
        for (let d = 0; d < dim; d++) s += dy[base + d * inner]!;
        for (let d = 0; d < dim; d++) { const j = base + d * inner; dx[j] = dy[j]! - Math.exp(y[j]!) * s; }
      } else {
        // dx = y * (dy - sum(dy * y))
        for (let d = 0; d < dim; d++) { const j = base + d * inner; s += dy[j]! * y[j]!; }
        for (let d = 0; d < dim; d++) { const j = base + d * inner; dx[j] = y[j]! * (dy[j]! - s); }
      }
    }
  }
}
