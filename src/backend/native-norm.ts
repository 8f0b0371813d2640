// Native batch norm and local response norm (native/bind_norm.cc): float32 overrides, the
// TypeScript backend otherwise.

import type { Backend } from './backend.js';
import type { FloatArray } from '../tensor/dtype.js';

export interface NormAddon {
  /** meta = [n, c, hw, training (0/1), momentum, eps, relu (0/1)] */
  batchNormForwardF32(meta: Float64Array, x: Float32Array, weight: Float32Array | null, bias: Float32Array | null,
    runningMean: Float32Array | null, runningVar: Float32Array | null, y: Float32Array, saveMean: Float32Array, saveInvstd: Float32Array,
    reluAffine: Float64Array | null): void;
  /** meta = [n, c, hw, training (0/1)] */
  batchNormBackwardF32(meta: Float64Array, x: Float32Array, dy: Float32Array, weight: Float32Array | null, saveMean: Float32Array,
    saveInvstd: Float32Array, dx: Float32Array | null, dweight: Float32Array | null, dbias: Float32Array | null, reluAffine: Float64Array | null): void;
  /** meta = [n, c, hw, size, alpha, beta, k] */
  lrnForwardF32(meta: Float64Array, x: Float32Array, y: Float32Array, scale: Float32Array): void;
  lrnBackwardF32(meta: Float64Array, x: Float32Array, y: Float32Array, scale: Float32Array, dy: Float32Array, dx: Float32Array): void;
}

/** True when every array given is a Float32Array (null stands for an absent optional one). */
function allF32(...arrays: (FloatArray | null)[]): boolean {
  return arrays.every((a) => a === null || a instanceof Float32Array);
}

export function normOverrides(addon: NormAddon, js: Backend): Pick<Backend, 'batchNormForward' | 'batchNormBackward' | 'lrnForward' | 'lrnBackward'> {
  const meta = new Float64Array(7);
  return {
    batchNormForward(n, c, hw, x, weight, bias, runningMean, runningVar, training, momentum, eps, y, saveMean, saveInvstd, relu = false, reluAffine = null) {
      if (!allF32(x, weight, bias, runningMean, runningVar, y, saveMean, saveInvstd)) {
        js.batchNormForward(n, c, hw, x, weight, bias, runningMean, runningVar, training, momentum, eps, y, saveMean, saveInvstd, relu, reluAffine);
        return;
      }
      if (reluAffine && reluAffine.length < 2 * c) throw new RangeError(`batchNormForward: reluAffine holds ${reluAffine.length} values, expected ${2 * c}`);
      meta[0] = n; meta[1] = c; meta[2] = hw; meta[3] = training ? 1 : 0; meta[4] = momentum; meta[5] = eps; meta[6] = relu ? 1 : 0;
      addon.batchNormForwardF32(meta, x as Float32Array, weight as Float32Array | null, bias as Float32Array | null,
        runningMean as Float32Array | null, runningVar as Float32Array | null, y as Float32Array, saveMean as Float32Array, saveInvstd as Float32Array,
        relu ? reluAffine : null);
    },
    batchNormBackward(n, c, hw, x, dy, weight, saveMean, saveInvstd, training, dx, dweight, dbias, reluAffine = null) {
      if (!allF32(x, dy, weight, saveMean, saveInvstd, dx, dweight, dbias)) {
        js.batchNormBackward(n, c, hw, x, dy, weight, saveMean, saveInvstd, training, dx, dweight, dbias, reluAffine);
        return;
      }
      if (reluAffine && reluAffine.length < 2 * c) throw new RangeError(`batchNormBackward: reluAffine holds ${reluAffine.length} values, expected ${2 * c}`);
      meta[0] = n; meta[1] = c; meta[2] = hw; meta[3] = training ? 1 : 0;
      addon.batchNormBackwardF32(meta, x as Float32Array, dy as Float32Array, weight as Float32Array | null, saveMean as Float32Array,
        saveInvstd as Float32Array, dx as Float32Array | null, dweight as Float32Array | null, dbias as Float32Array | null,
        reluAffine);
    },
    lrnForward(n, c, hw, size, alpha, beta, k, x, y, scale) {
      if (!allF32(x, y, scale)) { js.lrnForward(n, c, hw, size, alpha, beta, k, x, y, scale); return; }
      meta[0] = n; meta[1] = c; meta[2] = hw; meta[3] = size; meta[4] = alpha; meta[5] = beta; meta[6] = k;
      addon.lrnForwardF32(meta, x as Float32Array, y as Float32Array, scale as Float32Array);
    },
    lrnBackward(n, c, hw, size, alpha, beta, k, x, y, scale, dy, dx) {
      if (!allF32(x, y, scale, dy, dx)) { js.lrnBackward(n, c, hw, size, alpha, beta, k, x, y, scale, dy, dx); return; }
      meta[0] = n; meta[1] = c; meta[2] = hw; meta[3] = size; meta[4] = alpha; meta[5] = beta; meta[6] = k;
      addon.lrnBackwardF32(meta, x as Float32Array, y as Float32Array, scale as Float32Array, dy as Float32Array, dx as Float32Array);
    },
  };
}
