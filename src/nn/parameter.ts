// Parameter: a tensor that a Module owns and an optimizer updates. It is a leaf that requires
// grad by default; Module.to(dtype) swaps its data in place (Tensor.setData), so its identity,
// and so every optimizer holding it, survives a dtype change.

import { Tensor } from '../tensor/tensor.js';
import { describe, isFloating } from '../tensor/dtype.js';

export class Parameter extends Tensor {
  /** Shares data's memory (no copy) as a new leaf; requiresGrad needs a floating dtype. */
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new TypeError(`Parameter: expected a Tensor, got ${describe(data)}`);
    if (requiresGrad && !isFloating(data.dtype)) throw new TypeError(`Parameter: only floating-point tensors can require gradients, got ${data.dtype} (pass requiresGrad = false)`);
    super(data.storage, data.dtype, data.shape, data.strides, data.offset);
    this.requiresGrad = requiresGrad;
  }
}

export function isParameter(x: unknown): x is Parameter {
  return x instanceof Parameter;
}
