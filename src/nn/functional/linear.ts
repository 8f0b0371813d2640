// linear(x, W, b) = x W^T + b over the last dim of x, as one GEMM (bias preloaded into the
// output, beta = 1), with a backward of two GEMMs and a column sum. Halves compute in float32
// and round once.

import { backend } from '../../backend/index.js';
import { record } from '../../autograd/graph.js';
import { autocastArgs } from '../../autograd/autocast.js';
import { shapeStr, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkFloatTensor, checkSameDtype, checkVector, computeDtype, kernelArray, kernelOutput, optionalFloatTensor, toDtype } from './args.js';

export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const op = 'linear';
  [input, weight, bias] = autocastArgs(op, input, weight, bias);
  checkFloatTensor(input, op);
  checkFloatTensor(weight, op, 'weight');
  const b = optionalFloatTensor(bias, op, 'bias');
  if (weight.ndim !== 2) throw new RangeError(`${op}: expected a 2-d weight [outFeatures, inFeatures], got ${shapeStr(weight.shape)}`);
  if (input.ndim === 0) throw new RangeError(`${op}: expected an input with at least 1 dimension, got a 0-d tensor`);
  const outF = weight.shape[0]!, inF = weight.shape[1]!;
  const last = input.shape[input.ndim - 1]!;
  if (last !== inF) throw new RangeError(`${op}: input has ${last} features (last dimension of ${shapeStr(input.shape)}), weight expects ${inF}`);
  checkSameDtype(input, weight, op, 'input', 'weight');
  if (b) {
    checkVector(b, outF, op, 'bias', 'one per output feature');
    checkSameDtype(input, b, op, 'input', 'bias');
  }

  const cd = computeDtype(input.dtype);
  const m = sizeOf(input.shape.slice(0, -1));
  const outShape = [...input.shape.slice(0, -1), outF];
  const [y, ya] = kernelOutput(outShape, cd, inF === 0 && !b);
  if (m > 0 && outF > 0) {
    const x = kernelArray(input, cd), w = kernelArray(weight, cd);
    let beta = 0;
    if (b) {
      const ba = kernelArray(b, cd);
      for (let r = 0; r < m; r++) ya.set(ba, r * outF);
      beta = 1;
    }
    if (inF > 0) backend().gemm(false, true, m, outF, inF, 1, x, 0, inF, w, 0, inF, beta, ya, 0, outF, 1, 0, 0, 0);
  }
  const out = toDtype(y, input.dtype);
  return record(out, op, [input, weight, b], (g) => {
    const ga = kernelArray(g, cd);
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null;
    if (input.requiresGrad) {
      const [t, a] = kernelOutput(input.shape, cd, outF === 0);
      if (m > 0 && inF > 0 && outF > 0) backend().gemm(false, false, m, inF, outF, 1, ga, 0, outF, kernelArray(weight, cd), 0, inF, 0, a, 0, inF, 1, 0, 0, 0);
      gx = toDtype(t, input.dtype);
    }
    if (weight.requiresGrad) {
      const [t, a] = kernelOutput(weight.shape, cd, m === 0);
      if (outF > 0 && inF > 0 && m > 0) backend().gemm(true, false, outF, inF, m, 1, ga, 0, outF, kernelArray(input, cd), 0, inF, 0, a, 0, inF, 1, 0, 0, 0);
      gw = toDtype(t, weight.dtype);
    }
    if (b && b.requiresGrad) {
      const [t, a] = kernelOutput([outF], cd);
      if (outF > 0) backend().reduce('sum', ga, 0, 1, m, outF, a);
      gb = toDtype(t, b.dtype);
    }
    return [gx, gw, gb];
  }, [input, weight]);
}
