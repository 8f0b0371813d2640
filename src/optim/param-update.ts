// Hands a fused update kernel the flat arrays of one parameter and its gradient, whatever their
// layout: contiguous float32/float64 parameters are updated where they live; float16/bfloat16
// parameters are widened to float32, updated with float32 state and rounded back once; the rare
// non-contiguous parameter is updated through a contiguous copy.

import { backend } from '../backend/index.js';
import { isHalf, type DType, type FloatArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { contiguousCopy, copyStridedInto } from '../tensor/ops/convert.js';

/** The update over n elements of p (from pOff) with gradient g (from gOff). */
export type UpdateKernel = (n: number, p: FloatArray, pOff: number, g: FloatArray, gOff: number) => void;

/** The dtype optimizer state has for a parameter: float32 for 16-bit floats, else the parameter's. */
export function stateDType(param: Tensor): DType {
  return isHalf(param.dtype) ? 'float32' : param.dtype;
}

// Reused float32 buffers for 16-bit parameters and their gradients (grown on demand).
let scratchP = new Float32Array(0);
let scratchG = new Float32Array(0);

function widened(t: Tensor, scratch: Float32Array): Float32Array {
  const n = t.numel();
  const src = t.isContiguous() ? t : contiguousCopy(t);
  backend().cast(src.data, src.dtype, src.offset, scratch, 'float32', 0, n);
  return scratch;
}

/** Applies kernel to param in place (bumping its version); grad has param's shape and dtype. */
export function updateParam(param: Tensor, grad: Tensor, kernel: UpdateKernel): void {
  const n = param.numel();
  if (n === 0) return;
  if (isHalf(param.dtype)) {
    if (scratchP.length < n) { scratchP = new Float32Array(n); scratchG = new Float32Array(n); }
    const p = widened(param, scratchP);
    const g = widened(grad, scratchG);
    kernel(n, p, 0, g, 0);
    if (param.isContiguous()) {
      backend().cast(p, 'float32', 0, param.data, param.dtype, param.offset, n);
    } else {
      const rounded = Tensor.empty(param.shape, param.dtype);
      backend().cast(p, 'float32', 0, rounded.data, param.dtype, 0, n);
      copyStridedInto(rounded, param);
    }
  } else {
    // A gradient sharing the parameter's memory would be overwritten while it is read.
    const g = grad.isContiguous() && grad.storage !== param.storage ? grad : contiguousCopy(grad);
    if (param.isContiguous()) {
      kernel(n, param.data as FloatArray, param.offset, g.data as FloatArray, g.offset);
    } else {
      const p = contiguousCopy(param);
      kernel(n, p.data as FloatArray, 0, g.data as FloatArray, g.offset);
      copyStridedInto(p, param);
    }
  }
  param.storage.version++;
}
