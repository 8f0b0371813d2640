// Activations. The pointwise ones are the tensor's own differentiable ops; softmax and
// log-softmax run the softmax kernel over [outer, dim, inner] (max-shifted, so logits of any
// magnitude are stable) with a backward from the saved output.

import { backend } from '../../backend/index.js';
import { record } from '../../autograd/graph.js';
import { autocastArgs } from '../../autograd/autocast.js';
import { checkDType, isFloating, type DType } from '../../tensor/dtype.js';
import { normalizeDim, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkFloatTensor, checkNumber, computeDtype, kernelArray, kernelOutput, toDtype } from './args.js';

/** max(x, 0); inplace overwrites x (recorded in the graph when x is part of one, as PyTorch). */
export function relu(input: Tensor, inplace = false): Tensor {
  checkFloatTensor(input, 'relu');
  return inplace ? input.relu_() : input.relu();
}

/** min(max(x, 0), 6) */
export function relu6(input: Tensor): Tensor {
  return checkFloatTensor(input, 'relu6').relu6();
}

/** x for x > 0, negativeSlope * x otherwise. */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  checkFloatTensor(input, 'leakyRelu');
  return input.leakyRelu(checkNumber(negativeSlope, 'leakyRelu', 'negativeSlope'));
}

export function sigmoid(input: Tensor): Tensor {
  return checkFloatTensor(input, 'sigmoid').sigmoid();
}

export function tanh(input: Tensor): Tensor {
  return checkFloatTensor(input, 'tanh').tanh();
}

function softmaxOp(input: Tensor, dim: number, dtype: DType | undefined, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  checkFloatTensor(input, op);
  let x = input;
  // an explicit dtype overrides autocast, as in PyTorch
  if (dtype === undefined) [x] = autocastArgs(op, input);
  if (dtype !== undefined) {
    checkDType(dtype, op);
    if (!isFloating(dtype)) throw new TypeError(`${op}: expected a floating-point dtype, got ${dtype}`);
    x = input.to(dtype); // converted before the op, as PyTorch's dtype argument
  }
  const d = normalizeDim(dim, x.ndim, op);
  const outer = sizeOf(x.shape.slice(0, d)), size = x.ndim === 0 ? 1 : x.shape[d]!, inner = sizeOf(x.shape.slice(d + 1));
  const cd = computeDtype(x.dtype);
  const [y, ya] = kernelOutput(x.shape, cd);
  if (y.numel() > 0) backend().softmaxForward(outer, size, inner, kernelArray(x, cd), ya, log);
  const out = toDtype(y, x.dtype);
  const src = x;
  // backward reads the float32/float64 output (exact even when out was rounded to a half type)
  return record(out, op, [src], (g) => {
    const [dx, dxa] = kernelOutput(src.shape, cd);
    if (dx.numel() > 0) backend().softmaxBackward(outer, size, inner, ya, kernelArray(g, cd), dxa, log);
    return [toDtype(dx, src.dtype)];
  }, [out]);
}

/** exp(x) / sum(exp(x)) along dim; dtype converts the input first. */
export function softmax(input: Tensor, dim: number, dtype?: DType): Tensor {
  return softmaxOp(input, dim, dtype, false);
}

/** x - logsumexp(x) along dim, computed stably. */
export function logSoftmax(input: Tensor, dim: number, dtype?: DType): Tensor {
  return softmaxOp(input, dim, dtype, true);
}
