// Losses with PyTorch's semantics, including its exact weighted means: nll and cross entropy
// with class weights divide by the total weight of the counted (not ignored) targets. Cross
// entropy goes through the log-softmax kernel, so logits of magnitude 1e4 stay finite. Halves
// compute in float32 and round the loss once.

import { record } from '../../autograd/graph.js';
import { autocastArgs } from '../../autograd/autocast.js';
import { describe, isHalf } from '../../tensor/dtype.js';
import { sameShape, shapeStr, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { logSoftmax } from './activation.js';
import {
  checkFloatTensor, checkNumber, checkReduction, checkTensorArg, checkVector, computeDtype, kernelArray, kernelOutput,
  optionalFloatTensor, reduce, toDtype, type Reduction,
} from './args.js';

export interface LossOptions {
  /** 'mean' (default), 'sum' or 'none' (one loss per element). */
  reduction?: Reduction;
}

export interface NllLossOptions extends LossOptions {
  /** A weight per class. */
  weight?: Tensor | null;
  /** Targets with this value count neither in the loss nor in the mean's denominator. Default -100. */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** Mix the target with the uniform distribution: (1 - s) * target + s / C. Default 0. */
  labelSmoothing?: number;
}

/** Runs fn on float32 copies of half-precision inputs and rounds its result once. */
function inComputeDtype(inputs: readonly Tensor[], fn: (...xs: Tensor[]) => Tensor): Tensor {
  const dtype = inputs[0]!.dtype;
  if (!isHalf(dtype)) return fn(...inputs);
  return fn(...inputs.map((t) => (isHalf(t.dtype) ? t.to('float32') : t))).to(dtype);
}

function checkClassTarget(target: Tensor, op: string): void {
  if (target.dtype !== 'int64' && target.dtype !== 'int32') {
    throw new TypeError(`${op}: expected target to hold class indices (int64 or int32), got ${target.dtype}`);
  }
}

/** The target shape for class indices: the input's shape without the class dim (dim 1, or 0 for 1-d input). */
function classTargetShape(input: Tensor): number[] {
  return input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
}

function checkIgnoreIndex(x: unknown, op: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`${op}: expected ignoreIndex to be an integer, got ${describe(x)}`);
  return x;
}

/** Negative log likelihood of log-probabilities input [N, C, ...] (or [C]) at class-index targets [N, ...]. */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  [input, target] = autocastArgs(op, input, target);
  checkFloatTensor(input, op);
  checkTensorArg(target, op, 'target');
  checkClassTarget(target, op);
  const weight = optionalFloatTensor(options.weight, op, 'weight');
  const ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  if (input.ndim === 0) throw new RangeError(`${op}: expected an input of shape [C] or [N, C, ...], got a 0-d tensor`);
  const classes = input.shape[input.ndim === 1 ? 0 : 1]!;
  const want = classTargetShape(input);
  if (!sameShape(target.shape, want)) throw new RangeError(`${op}: expected target of shape ${shapeStr(want)} for input ${shapeStr(input.shape)}, got ${shapeStr(target.shape)}`);
  if (weight) checkVector(weight, classes, op, 'weight', 'one per class');

  const outer = input.ndim === 1 ? 1 : input.shape[0]!, inner = sizeOf(input.shape.slice(2));
  const count = outer * inner;
  const tc = target.contiguous();
  const tdata = tc.data;
  const cls = new Int32Array(count); // -1: ignored
  for (let e = 0; e < count; e++) {
    const v = Number(tdata[tc.offset + e]!);
    if (v === ignoreIndex) { cls[e] = -1; continue; }
    if (!(v >= 0 && v < classes)) throw new RangeError(`${op}: target ${v} is out of bounds for ${classes} classes (ignoreIndex is ${ignoreIndex})`);
    cls[e] = v;
  }
  const cd = computeDtype(input.dtype);
  const x = kernelArray(input, cd);
  const w = weight ? kernelArray(weight, cd) : null;
  const wt = new Float64Array(count);
  const losses = new Float64Array(count);
  let total = 0, totalWeight = 0;
  for (let e = 0; e < count; e++) {
    const y = cls[e]!;
    if (y < 0) continue;
    const o = Math.floor(e / inner), i = e - o * inner;
    wt[e] = w ? w[y]! : 1;
    losses[e] = -wt[e]! * x[(o * classes + y) * inner + i]!;
    total += losses[e]!;
    totalWeight += wt[e]!;
  }
  let out: Tensor;
  if (reduction === 'none') {
    const [t, ta] = kernelOutput(want, cd);
    ta.set(losses);
    out = t;
  } else {
    const [t, ta] = kernelOutput([], cd);
    ta[0] = reduction === 'sum' ? total : total / totalWeight;
    out = t;
  }
  return record(toDtype(out, input.dtype), op, [input], (g) => {
    const [dx, dxa] = kernelOutput(input.shape, cd, true);
    const ga = kernelArray(g, cd);
    const scale = reduction === 'mean' ? 1 / totalWeight : 1;
    for (let e = 0; e < count; e++) {
      const y = cls[e]!;
      if (y < 0) continue;
      const o = Math.floor(e / inner), i = e - o * inner;
      dxa[(o * classes + y) * inner + i] = -wt[e]! * scale * ga[reduction === 'none' ? e : 0]!;
    }
    return [toDtype(dx, input.dtype)];
  }, [input]);
}

/** Weight shaped to broadcast along the class dim of input. */
function classWeightView(weight: Tensor, input: Tensor, classDim: number): Tensor {
  const shape = input.shape.map((_, d) => (d === classDim ? weight.shape[0]! : 1));
  return weight.to(input.dtype).reshape(shape);
}

/**
 * Cross entropy of logits [N, C, ...] (or [C]) against class indices [N, ...] (int64/int32) or
 * class probabilities shaped like the input.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  [input, target] = autocastArgs(op, input, target);
  checkFloatTensor(input, op);
  checkTensorArg(target, op, 'target');
  const weight = optionalFloatTensor(options.weight, op, 'weight');
  const ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  const smoothing = checkNumber(options.labelSmoothing ?? 0, op, 'labelSmoothing');
  if (!(smoothing >= 0 && smoothing <= 1)) throw new RangeError(`${op}: expected labelSmoothing between 0 and 1, got ${smoothing}`);
  if (input.ndim === 0) throw new RangeError(`${op}: expected an input of shape [C] or [N, C, ...], got a 0-d tensor`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim]!;
  if (weight) checkVector(weight, classes, op, 'weight', 'one per class');
  const probabilities = target.isFloatingPoint();
  if (probabilities) {
    if (!sameShape(target.shape, input.shape)) throw new RangeError(`${op}: class-probability target must have the input's shape ${shapeStr(input.shape)}, got ${shapeStr(target.shape)}`);
  } else {
    checkClassTarget(target, op);
    const want = classTargetShape(input);
    if (!sameShape(target.shape, want)) throw new RangeError(`${op}: expected class-index target of shape ${shapeStr(want)} for input ${shapeStr(input.shape)}, got ${shapeStr(target.shape)}`);
  }

  return inComputeDtype(probabilities ? [input, target] : [input], (x, t) => {
    const logp = logSoftmax(x, classDim);
    if (probabilities) {
      let p = t!;
      if (smoothing > 0) p = p.mul(1 - smoothing).add(smoothing / classes);
      let prod = logp.mul(p);
      if (weight) prod = prod.mul(classWeightView(weight, x, classDim));
      if (reduction === 'none') return prod.sum(classDim).neg();
      const sum = prod.sum().neg();
      return reduction === 'sum' ? sum : sum.div(x.numel() / classes);
    }
    const nll = nllLoss(logp, target, { weight: weight && weight.to(x.dtype), ignoreIndex, reduction });
    if (smoothing === 0) return nll;
    // PyTorch: smooth term -sum_c w_c logp_c, zero at ignored targets; its mean divides by the
    // total weight of the counted targets (their number without weights), like the nll term.
    const ignored = target.eq(ignoreIndex);
    let smooth = (weight ? logp.mul(classWeightView(weight, x, classDim)) : logp).sum(classDim).neg().maskedFill(ignored, 0);
    if (reduction === 'mean') {
      smooth = smooth.sum().div(countedWeight(weight, target, ignoreIndex));
    } else if (reduction === 'sum') {
      smooth = smooth.sum();
    }
    return nll.mul(1 - smoothing).add(smooth.mul(smoothing / classes));
  });
}

/** Sum of the class weights of the targets that are not ignored (their number without weights). */
function countedWeight(weight: Tensor | null, target: Tensor, ignoreIndex: number): number {
  const w = weight ? weight.double().toTypedArray() as Float64Array : null;
  const t = target.contiguous();
  let sum = 0;
  for (let e = 0; e < t.numel(); e++) {
    const v = Number(t.data[t.offset + e]!);
    if (v !== ignoreIndex) sum += w ? w[v]! : 1;
  }
  return sum;
}

function checkInputTarget(input: Tensor, target: Tensor, op: string): void {
  checkFloatTensor(input, op);
  checkFloatTensor(target, op, 'target');
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`${op}: input has shape ${shapeStr(input.shape)} but target has shape ${shapeStr(target.shape)}; they must match`);
  }
}

/** Mean squared error. */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const op = 'mseLoss';
  [input, target] = autocastArgs(op, input, target);
  checkInputTarget(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  return inComputeDtype([input, target], (x, t) => reduce(x.sub(t!).square(), reduction));
}

/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const op = 'l1Loss';
  [input, target] = autocastArgs(op, input, target);
  checkInputTarget(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  return inComputeDtype([input, target], (x, t) => reduce(x.sub(t!).abs(), reduction));
}

export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear. Default 1; 0 gives the L1 loss. */
  beta?: number;
}

/** 0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  const op = 'smoothL1Loss';
  [input, target] = autocastArgs(op, input, target);
  checkInputTarget(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  const beta = checkNumber(options.beta ?? 1, op, 'beta');
  if (beta < 0) throw new RangeError(`${op}: expected beta >= 0, got ${beta}`);
  return inComputeDtype([input, target], (x, t) => {
    const d = x.sub(t!);
    if (beta === 0) return reduce(d.abs(), reduction);
    const a = d.abs();
    return reduce(d.square().mul(0.5 / beta).where(a.lt(beta), a.sub(0.5 * beta)), reduction);
  });
}

export interface BceWithLogitsOptions extends LossOptions {
  /** Weight per element, broadcast to the input. */
  weight?: Tensor | null;
  /** Weight of the positive term per class, broadcast along the last dim. */
  posWeight?: Tensor | null;
}

/**
 * Binary cross entropy on logits, stably: (1 - t) x + l (log(1 + e^-|x|) + max(-x, 0)) with
 * l = 1 + (posWeight - 1) t, times weight.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  [input, target] = autocastArgs(op, input, target);
  checkInputTarget(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  const weight = optionalFloatTensor(options.weight, op, 'weight');
  const posWeight = optionalFloatTensor(options.posWeight, op, 'posWeight');
  for (const [t, name] of [[weight, 'weight'], [posWeight, 'posWeight']] as const) {
    if (!t) continue;
    const ok = t.ndim <= input.ndim && t.shape.every((d, i) => d === 1 || d === input.shape[input.ndim - t.ndim + i]);
    if (!ok) throw new RangeError(`${op}: ${name} of shape ${shapeStr(t.shape)} does not broadcast to the input ${shapeStr(input.shape)}`);
  }
  return inComputeDtype([input, target], (x, t) => {
    const softplusNeg = x.neg().softplus(); // log(1 + e^-x), stable for any magnitude
    const term = posWeight ? softplusNeg.mul(posWeight.to(x.dtype).sub(1).mul(t!).add(1)) : softplusNeg;
    let loss = t!.neg().add(1).mul(x).add(term);
    if (weight) loss = loss.mul(weight.to(x.dtype));
    return reduce(loss, reduction);
  });
}
