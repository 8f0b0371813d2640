// Max, average and adaptive average pooling over NCHW (or CHW) input. Output sizes follow
// PyTorch's formulas exactly: with ceilMode the last window may hang over the end, but it must
// start inside the input or the left padding.

import { backend, type Pool2dGeometry } from '../../backend/index.js';
import { record } from '../../autograd/graph.js';
import { allocateUninitialized, describe } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkBool, checkFloatTensor, checkInt, checkPair, computeDtype, kernelArray, kernelOutput, toDtype, type IntPair } from './args.js';

export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: IntPair | null;
  padding?: IntPair;
  dilation?: IntPair;
  ceilMode?: boolean;
  /** Also return the flat h*w index of each maximum in its plane (int64), for maxUnpool. */
  returnIndices?: boolean;
}

export interface AvgPool2dOptions {
  /** Default: the kernel size. */
  stride?: IntPair | null;
  padding?: IntPair;
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead. */
  divisorOverride?: number | null;
}

/** PyTorch's pooling output size (pooling_output_shape). */
export function poolOutputSize(size: number, kernel: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  let out = Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  // the last window must start inside the input or the left padding
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

interface Planes {
  /** the input as 4-d */
  x4: Tensor;
  batched: boolean;
}

function asPlanes(input: Tensor, op: string): Planes {
  checkFloatTensor(input, op);
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`${op}: expected a 4-d input [N, C, H, W] (or 3-d [C, H, W]), got ${shapeStr(input.shape)}`);
  const x4 = input.ndim === 4 ? input : input.unsqueeze(0);
  if (x4.shape[1] === 0 || x4.shape[2] === 0 || x4.shape[3] === 0) {
    throw new RangeError(`${op}: expected non-zero channels, height and width, got input ${shapeStr(input.shape)}`);
  }
  return { x4, batched: input.ndim === 4 };
}

function poolGeometry(op: string, x4: Tensor, kernelSize: IntPair, stride: IntPair | null | undefined, padding: IntPair, dilation: IntPair, ceilMode: boolean): Pool2dGeometry {
  const [kh, kw] = checkPair(kernelSize, op, 'kernelSize', 1);
  const [strideH, strideW] = stride === null || stride === undefined ? [kh, kw] : checkPair(stride, op, 'stride', 1);
  const [padH, padW] = checkPair(padding, op, 'padding', 0);
  const [dilationH, dilationW] = checkPair(dilation, op, 'dilation', 1);
  checkBool(ceilMode, op, 'ceilMode');
  if (padH > Math.floor(kh / 2) || padW > Math.floor(kw / 2)) {
    throw new RangeError(`${op}: padding [${padH}, ${padW}] must be at most half the kernel size [${kh}, ${kw}]`);
  }
  const [n, c, h, w] = x4.shape as [number, number, number, number];
  const oh = poolOutputSize(h, kh, padH, strideH, dilationH, ceilMode), ow = poolOutputSize(w, kw, padW, strideW, dilationW, ceilMode);
  if (oh < 1 || ow < 1) {
    throw new RangeError(`${op}: the output would be empty (${oh}x${ow}) for input ${h}x${w}, kernel [${kh}, ${kw}], stride [${strideH}, ${strideW}], padding [${padH}, ${padW}], dilation [${dilationH}, ${dilationW}]`);
  }
  return { planes: n * c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, oh, ow };
}

function int64FromInt32(src: Int32Array, shape: readonly number[]): Tensor {
  const out = Tensor.empty(shape, 'int64');
  const d = out.data as BigInt64Array;
  for (let i = 0; i < src.length; i++) d[i] = BigInt(src[i]!);
  return out;
}

export function maxPool2d(input: Tensor, kernelSize: IntPair, options: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: IntPair, options?: MaxPool2dOptions): Tensor;
export function maxPool2d(input: Tensor, kernelSize: IntPair, options: MaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  const op = 'maxPool2d';
  const { x4, batched } = asPlanes(input, op);
  const g = poolGeometry(op, x4, kernelSize, options.stride, options.padding ?? 0, options.dilation ?? 1, options.ceilMode ?? false);
  const returnIndices = checkBool(options.returnIndices ?? false, op, 'returnIndices');
  const cd = computeDtype(x4.dtype);
  const outShape = [x4.shape[0]!, x4.shape[1]!, g.oh, g.ow];
  const [y, ya] = kernelOutput(outShape, cd);
  const indices = allocateUninitialized('int32', y.numel()) as Int32Array; // the kernel writes every index
  if (y.numel() > 0) backend().maxPool2dForward(g, kernelArray(x4, cd), ya, indices);
  const out = record(toDtype(y, x4.dtype), op, [x4], (grad) => {
    const [dx, dxa] = kernelOutput(x4.shape, cd);
    if (grad.numel() > 0) backend().maxPool2dBackward(g, kernelArray(grad, cd), indices, dxa);
    return [toDtype(dx, x4.dtype)];
  });
  const result = batched ? out : out.squeeze(0);
  if (!returnIndices) return result;
  return [result, int64FromInt32(indices, result.shape)];
}

export function avgPool2d(input: Tensor, kernelSize: IntPair, options: AvgPool2dOptions = {}): Tensor {
  const op = 'avgPool2d';
  const { x4, batched } = asPlanes(input, op);
  const g = poolGeometry(op, x4, kernelSize, options.stride, options.padding ?? 0, 1, options.ceilMode ?? false);
  const countIncludePad = checkBool(options.countIncludePad ?? true, op, 'countIncludePad');
  const divisor = options.divisorOverride === null || options.divisorOverride === undefined ? 0 : checkInt(options.divisorOverride, op, 'divisorOverride', 1);
  const cd = computeDtype(x4.dtype);
  const [y, ya] = kernelOutput([x4.shape[0]!, x4.shape[1]!, g.oh, g.ow], cd);
  if (y.numel() > 0) backend().avgPool2dForward(g, kernelArray(x4, cd), ya, countIncludePad, divisor);
  const out = record(toDtype(y, x4.dtype), op, [x4], (grad) => {
    const [dx, dxa] = kernelOutput(x4.shape, cd);
    if (grad.numel() > 0) backend().avgPool2dBackward(g, kernelArray(grad, cd), dxa, countIncludePad, divisor);
    return [toDtype(dx, x4.dtype)];
  });
  return batched ? out : out.squeeze(0);
}

/** Output size for adaptive pooling: a size for both dims, or [h, w] where null keeps the input's. */
export type AdaptiveSize = number | readonly [number | null, number | null];

export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  const op = 'adaptiveAvgPool2d';
  const { x4, batched } = asPlanes(input, op);
  const [n, c, h, w] = x4.shape as [number, number, number, number];
  let oh: number, ow: number;
  if (typeof outputSize === 'number') {
    oh = ow = checkInt(outputSize, op, 'outputSize', 1);
  } else if (Array.isArray(outputSize) && outputSize.length === 2) {
    oh = outputSize[0] === null ? h : checkInt(outputSize[0], op, 'outputSize[0]', 1);
    ow = outputSize[1] === null ? w : checkInt(outputSize[1], op, 'outputSize[1]', 1);
  } else {
    throw new TypeError(`${op}: expected outputSize to be an integer or a pair [height, width] (null keeps the input's), got ${describe(outputSize)}`);
  }
  const cd = computeDtype(x4.dtype);
  const planes = n * c;
  const [y, ya] = kernelOutput([n, c, oh, ow], cd);
  if (y.numel() > 0) backend().adaptiveAvgPool2dForward(planes, h, w, oh, ow, kernelArray(x4, cd), ya);
  const out = record(toDtype(y, x4.dtype), op, [x4], (grad) => {
    const [dx, dxa] = kernelOutput(x4.shape, cd);
    if (grad.numel() > 0) backend().adaptiveAvgPool2dBackward(planes, h, w, oh, ow, kernelArray(grad, cd), dxa);
    return [toDtype(dx, x4.dtype)];
  });
  return batched ? out : out.squeeze(0);
}
