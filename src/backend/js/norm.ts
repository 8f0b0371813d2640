// Batch norm and local response norm over contiguous [n, c, hw] blocks, in double precision.

import type { FloatArray } from '../../tensor/dtype.js';

/**
 * Training: per channel, mean and biased variance over n * hw values (two passes, so a large mean
 * cannot cancel the variance away), saveMean / saveInvstd written, running stats updated with the
 * unbiased variance. An empty batch leaves the running stats alone, as PyTorch does.
 * Eval: normalise with the running stats (saveMean / saveInvstd get their mean and invstd).
 */
export function batchNormForward(n: number, c: number, hw: number, x: FloatArray, weight: FloatArray | null, bias: FloatArray | null,
  runningMean: FloatArray | null, runningVar: FloatArray | null, training: boolean, momentum: number, eps: number,
  y: FloatArray, saveMean: FloatArray, saveInvstd: FloatArray, relu = false, reluAffine: Float64Array | null = null): void {
  const count = n * hw;
  for (let ch = 0; ch < c; ch++) {
    let mean: number, invstd: number;
    if (training) {
      if (count === 0) { saveMean[ch] = 0; saveInvstd[ch] = 0; continue; }
      let sum = 0;
      for (let b = 0; b < n; b++) {
        const base = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) sum += x[base + i]!;
      }
      mean = sum / count;
      let ss = 0;
      for (let b = 0; b < n; b++) {
        const base = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) { const d = x[base + i]! - mean; ss += d * d; }
      }
      invstd = 1 / Math.sqrt(ss / count + eps);
      if (runningMean) runningMean[ch] = (1 - momentum) * runningMean[ch]! + momentum * mean;
      if (runningVar) runningVar[ch] = (1 - momentum) * runningVar[ch]! + momentum * (ss / (count - 1));
    } else {
      mean = runningMean ? runningMean[ch]! : 0;
      invstd = 1 / Math.sqrt((runningVar ? runningVar[ch]! : 1) + eps);
    }
    saveMean[ch] = mean;
    saveInvstd[ch] = invstd;
    const scale = (weight ? weight[ch]! : 1) * invstd;
    const shift = (bias ? bias[ch]! : 0) - mean * scale;
    if (relu && reluAffine) { reluAffine[ch] = scale; reluAffine[c + ch] = shift; }
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      if (relu) {
        for (let i = 0; i < hw; i++) { const v = x[base + i]! * scale + shift; y[base + i] = v > 0 || v !== v ? v : 0; }
      } else {
        for (let i = 0; i < hw; i++) y[base + i] = x[base + i]! * scale + shift;
      }
    }
  }
}

/**
 * dbias = sum dy, dweight = sum dy * xhat with xhat = (x - mean) * invstd. Training:
 * dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)); eval: dx = w * invstd * dy.
 * With reluAffine (from the forward with relu), dy is first masked as ReLU's backward would: dy
 * where the forward's output, x * scale + shift rounded as y was stored (y has dy's type), is > 0.
 */
export function batchNormBackward(n: number, c: number, hw: number, x: FloatArray, dyIn: FloatArray, weight: FloatArray | null,
  saveMean: FloatArray, saveInvstd: FloatArray, training: boolean, dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null,
  reluAffine: Float64Array | null = null): void {
  const count = n * hw;
  let dy = dyIn;
  if (reluAffine) {
    const round = dyIn instanceof Float32Array ? Math.fround : (v: number) => v;
    dy = dyIn.slice();
    for (let ch = 0; ch < c; ch++) {
      const scale = reluAffine[ch]!, shift = reluAffine[c + ch]!;
      for (let b = 0; b < n; b++) {
        const base = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) if (!(round(x[base + i]! * scale + shift) > 0)) dy[base + i] = 0;
      }
    }
  }
  for (let ch = 0; ch < c; ch++) {
    const mean = saveMean[ch]!, invstd = saveInvstd[ch]!;
    let sumDy = 0, sumDyXmu = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) { const g = dy[base + i]!; sumDy += g; sumDyXmu += g * (x[base + i]! - mean); }
    }
    if (dbias) dbias[ch] = sumDy;
    if (dweight) dweight[ch] = count === 0 ? 0 : sumDyXmu * invstd;
    if (!dx) continue;
    const scale = (weight ? weight[ch]! : 1) * invstd;
    if (training && count > 0) {
      const meanDy = sumDy / count, k = (sumDyXmu / count) * invstd * invstd;
      for (let b = 0; b < n; b++) {
        const base = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) dx[base + i] = (dy[base + i]! - meanDy - (x[base + i]! - mean) * k) * scale;
      }
    } else {
      for (let b = 0; b < n; b++) {
        const base = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) dx[base + i] = dy[base + i]! * scale;
      }
    }
  }
}

/** The channel window of LocalResponseNorm for channel ch: [ch - size/2, ch + (size-1)/2] clipped. */
function lrnWindow(ch: number, c: number, size: number): [number, number] {
  return [Math.max(0, ch - (size >> 1)), Math.min(c - 1, ch + ((size - 1) >> 1))];
}

/** scale = k + alpha/size * sum over the window of x^2; y = x * scale^-beta. */
export function lrnForward(n: number, c: number, hw: number, size: number, alpha: number, beta: number, k: number, x: FloatArray, y: FloatArray, scale: FloatArray): void {
  const a = alpha / size;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const [lo, hi] = lrnWindow(ch, c, size);
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        let ss = 0;
        for (let j = lo; j <= hi; j++) { const v = x[(b * c + j) * hw + i]!; ss += v * v; }
        const s = k + a * ss;
        scale[base + i] = s;
        y[base + i] = x[base + i]! * Math.pow(s, -beta);
      }
    }
  }
}

/**
 * dx_i = dy_i * s_i^-beta - (2 alpha beta / size) x_i * sum over channels c whose window holds i
 * of dy_c y_c / s_c. Channel c's window holds i when c is in [i - (size-1)/2, i + size/2].
 */
export function lrnBackward(n: number, c: number, hw: number, size: number, alpha: number, beta: number, _k: number, x: FloatArray, y: FloatArray, scale: FloatArray, dy: FloatArray, dx: FloatArray): void {
  const f = (2 * alpha * beta) / size;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const lo = Math.max(0, ch - ((size - 1) >> 1)), hi = Math.min(c - 1, ch + (size >> 1));
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        let t = 0;
        for (let j = lo; j <= hi; j++) { const o = (b * c + j) * hw + i; t += (dy[o]! * y[o]!) / scale[o]!; }
        dx[base + i] = dy[base + i]! * Math.pow(scale[base + i]!, -beta) - f * x[base + i]! * t;
      }
    }
  }
}
