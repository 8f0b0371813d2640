// conv2d on NCHW input with KCRS weights (any stride, padding, dilation and groups). The forward
// and both backward passes are backend kernels; halves compute in float32 end to end (so a
// float16 weight gradient accumulates in float32 and rounds once) and float64 stays float64.

import { backend, type Conv2dGeometry } from '../../backend/index.js';
import { record } from '../../autograd/graph.js';
import { autocastArgs } from '../../autograd/autocast.js';
import { describe } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { pad } from '../../tensor/ops/indexing.js';
import {
  checkFloatTensor, checkInt, checkPair, checkSameDtype, checkVector, computeDtype, kernelArray, kernelOutput,
  optionalFloatTensor, toDtype, type IntPair,
} from './args.js';

export interface Conv2dOptions {
  stride?: IntPair;
  /** Zero padding per side, or 'valid' (none) or 'same' (output as large as the input; stride 1 only). */
  padding?: IntPair | 'same' | 'valid';
  dilation?: IntPair;
  groups?: number;
}

/** One output size of a convolution or pooling window walk (PyTorch's formula, floor mode). */
export function convOutputSize(size: number, kernel: number, pad: number, stride: number, dilation: number): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  return conv2dLayer(input, weight, bias, options, false);
}

/**
 * The Conv2d layer's call. `consumeInput`: no user code will see the input again and no node
 * saved it without a hold (Sequential), so once backward has used it, its memory is reused
 * (autograd/held-memory.ts).
 */
export function conv2dLayer(input: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions, consumeInput: boolean): Tensor {
  const op = 'conv2d';
  const original = input;
  [input, weight, bias] = autocastArgs(op, input, weight, bias);
  checkFloatTensor(input, op);
  checkFloatTensor(weight, op, 'weight');
  const b = optionalFloatTensor(bias, op, 'bias');
  if (typeof options !== 'object' || options === null) throw new TypeError(`${op}: expected an options object, got ${describe(options)}`);
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`${op}: expected a 4-d input [N, C, H, W] (or 3-d [C, H, W]), got ${shapeStr(input.shape)}`);
  if (weight.ndim !== 4) throw new RangeError(`${op}: expected a 4-d weight [outChannels, inChannels / groups, kH, kW], got ${shapeStr(weight.shape)}`);
  checkSameDtype(input, weight, op, 'input', 'weight');
  const [strideH, strideW] = checkPair(options.stride ?? 1, op, 'stride', 1);
  const [dilationH, dilationW] = checkPair(options.dilation ?? 1, op, 'dilation', 1);
  const groups = checkInt(options.groups ?? 1, op, 'groups', 1);
  const batched = input.ndim === 4;
  const x4 = batched ? input : input.unsqueeze(0);
  const [n, c, h, w] = x4.shape as [number, number, number, number];
  const [k, cPerGroup, r, s] = weight.shape as [number, number, number, number];
  if (c !== cPerGroup * groups) {
    const expects = groups === 1 ? `${cPerGroup}` : `${cPerGroup * groups} (${cPerGroup} per group x ${groups} groups)`;
    throw new RangeError(`${op}: input has ${c} channels, weight expects ${expects}`);
  }
  if (k % groups !== 0) throw new RangeError(`${op}: weight has ${k} output channels, which is not divisible by groups = ${groups}`);
  if (r === 0 || s === 0) throw new RangeError(`${op}: the kernel size must be positive, got weight ${shapeStr(weight.shape)}`);
  if (c === 0 || h === 0 || w === 0) throw new RangeError(`${op}: only the batch dimension may be empty, got input ${shapeStr(input.shape)}`);
  if (b) {
    checkVector(b, k, op, 'bias', 'one per output channel');
    checkSameDtype(input, b, op, 'input', 'bias');
  }

  // Padding: explicit, 'valid' or 'same' (an odd total pads one more at the bottom/right, as PyTorch).
  let padH: number, padW: number, extraH = 0, extraW = 0;
  const padding = options.padding ?? 0;
  if (padding === 'valid') {
    padH = padW = 0;
  } else if (padding === 'same') {
    if (strideH !== 1 || strideW !== 1) throw new RangeError(`${op}: padding 'same' needs stride 1, got stride [${strideH}, ${strideW}]`);
    const totalH = dilationH * (r - 1), totalW = dilationW * (s - 1);
    padH = Math.floor(totalH / 2); padW = Math.floor(totalW / 2);
    extraH = totalH - 2 * padH; extraW = totalW - 2 * padW;
  } else if (typeof padding === 'string') {
    throw new RangeError(`${op}: expected padding to be an integer, a pair, 'same' or 'valid', got '${padding}'`);
  } else {
    [padH, padW] = checkPair(padding, op, 'padding', 0);
  }
  const hp = h + extraH, wp = w + extraW;
  const spanH = dilationH * (r - 1) + 1, spanW = dilationW * (s - 1) + 1;
  if (spanH > hp + 2 * padH || spanW > wp + 2 * padW) {
    throw new RangeError(`${op}: the (dilated) kernel ${spanH}x${spanW} is larger than the padded input ${hp + 2 * padH}x${wp + 2 * padW} (input ${shapeStr(input.shape)}, padding [${padH}, ${padW}])`);
  }
  const geometry: Conv2dGeometry = {
    n, c, h: hp, w: wp, k, r, s, strideH, strideW, padH, padW, dilationH, dilationW, groups,
    oh: convOutputSize(hp, r, padH, strideH, dilationH), ow: convOutputSize(wp, s, padW, strideW, dilationW),
  };
  const xin = extraH > 0 || extraW > 0 ? pad(x4, [0, extraW, 0, extraH]) : x4;
  const out = convolve(xin, weight, b, geometry, consumeInput && xin === original ? original : null); // not a cast, pad or view of it
  return batched ? out : out.squeeze(0);
}

/** The differentiable kernel call on checked arguments. */
function convolve(x: Tensor, weight: Tensor, bias: Tensor | null, g: Conv2dGeometry, consumed: Tensor | null): Tensor {
  const cd = computeDtype(x.dtype);
  const [y, ya] = kernelOutput([g.n, g.k, g.oh, g.ow], cd);
  if (y.numel() > 0) backend().conv2dForward(g, kernelArray(x, cd), kernelArray(weight, cd), bias ? kernelArray(bias, cd) : null, ya);
  const out = toDtype(y, x.dtype);
  return record(out, 'conv2d', [x, weight, bias], (grad) => {
    const dy = kernelArray(grad, cd);
    // an empty batch (or no output channels): every gradient is zero
    const empty = grad.numel() === 0;
    let dx: Tensor | null = null, dw: Tensor | null = null, db: Tensor | null = null;
    if (x.requiresGrad) {
      const [t, a] = kernelOutput(x.shape, cd, empty);
      if (!empty) backend().conv2dBackwardInput(g, dy, kernelArray(weight, cd), a);
      dx = toDtype(t, x.dtype);
    }
    const wantBias = bias !== null && bias.requiresGrad;
    if (weight.requiresGrad || wantBias) {
      const [t, a] = kernelOutput(weight.shape, cd, empty);
      const [tb, ab] = bias ? kernelOutput([g.k], cd, empty) : [null, null];
      if (!empty) backend().conv2dBackwardWeight(g, kernelArray(x, cd), dy, a, ab);
      if (weight.requiresGrad) dw = toDtype(t, weight.dtype);
      if (wantBias) db = toDtype(tb!, bias.dtype);
    }
    return [dx, dw, db];
  }, [x, weight], { consumed });
}
