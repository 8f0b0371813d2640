// Parameter initialisation (torch.nn.init): each fills a tensor in place without recording the
// graph, optionally from a given Generator, and returns it. Fan-in and fan-out follow PyTorch:
// for a weight [out, in, k...], fanIn = in * prod(k) and fanOut = out * prod(k).

import { noGrad } from '../autograd/grad-mode.js';
import { describe } from '../tensor/dtype.js';
import { shapeStr, sizeOf } from '../tensor/shape.js';
import type { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'leakyRelu' | 'selu';

export type FanMode = 'fan_in' | 'fan_out' | 'fanIn' | 'fanOut';

export interface RandomInitOptions {
  generator?: Generator;
}

export interface KaimingOptions extends RandomInitOptions {
  /** The negative slope of the leaky ReLU that follows (used when nonlinearity is leaky_relu). Default 0. */
  a?: number;
  /** 'fan_in' (default) keeps the forward pass's variance, 'fan_out' the backward pass's. */
  mode?: FanMode;
  /** Default 'leaky_relu'. */
  nonlinearity?: Nonlinearity;
}

export interface XavierOptions extends RandomInitOptions {
  /** Default 1. */
  gain?: number;
}

function checkTarget(t: unknown, op: string): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`init.${op}: expected a Tensor, got ${describe(t)}`);
  if (!t.isFloatingPoint()) throw new TypeError(`init.${op}: expected a floating-point tensor, got ${t.dtype}`);
  return t;
}

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || Number.isNaN(slope)) throw new TypeError(`init.calculateGain: expected a numeric negative slope, got ${describe(param)}`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new RangeError(`init.calculateGain: unsupported nonlinearity ${describe(nonlinearity)}`);
  }
}

/** [fanIn, fanOut] of a weight with at least 2 dims. */
export function calculateFanInAndFanOut(t: Tensor, op = 'calculateFanInAndFanOut'): [number, number] {
  if (t.ndim < 2) throw new RangeError(`init.${op}: fan in and fan out need a tensor with at least 2 dimensions, got ${shapeStr(t.shape)}`);
  const receptive = sizeOf(t.shape.slice(2));
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

function fanFor(t: Tensor, mode: FanMode, op: string): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t, op);
  if (mode === 'fan_in' || mode === 'fanIn') return fanIn;
  if (mode === 'fan_out' || mode === 'fanOut') return fanOut;
  throw new RangeError(`init.${op}: expected mode 'fan_in' or 'fan_out', got ${describe(mode)}`);
}

/** Fills with U(a, b). */
export function uniform_(tensor: Tensor, a = 0, b = 1, options: RandomInitOptions = {}): Tensor {
  const t = checkTarget(tensor, 'uniform_');
  return noGrad(() => t.uniform_(a, b, options.generator));
}

/** Fills with N(mean, std^2). */
export function normal_(tensor: Tensor, mean = 0, std = 1, options: RandomInitOptions = {}): Tensor {
  const t = checkTarget(tensor, 'normal_');
  return noGrad(() => t.normal_(mean, std, options.generator));
}

export function constant_(tensor: Tensor, value: number): Tensor {
  const t = checkTarget(tensor, 'constant_');
  return noGrad(() => t.fill_(value));
}

export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}

export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

function kaimingStd(t: Tensor, options: KaimingOptions, op: string): number {
  const fan = fanFor(t, options.mode ?? 'fan_in', op);
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

/** He initialisation, uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan). */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const t = checkTarget(tensor, 'kaimingUniform_');
  const bound = Math.sqrt(3) * kaimingStd(t, options, 'kaimingUniform_');
  return uniform_(t, -bound, bound, options);
}

/** He initialisation, normal: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const t = checkTarget(tensor, 'kaimingNormal_');
  return normal_(t, 0, kaimingStd(t, options, 'kaimingNormal_'), options);
}

function xavierStd(t: Tensor, options: XavierOptions, op: string): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t, op);
  const gain = options.gain ?? 1;
  return fanIn + fanOut === 0 ? 0 : gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** Glorot initialisation, uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(tensor: Tensor, options: XavierOptions = {}): Tensor {
  const t = checkTarget(tensor, 'xavierUniform_');
  const a = Math.sqrt(3) * xavierStd(t, options, 'xavierUniform_');
  return uniform_(t, -a, a, options);
}

/** Glorot initialisation, normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(tensor: Tensor, options: XavierOptions = {}): Tensor {
  const t = checkTarget(tensor, 'xavierNormal_');
  return normal_(t, 0, xavierStd(t, options, 'xavierNormal_'), options);
}
