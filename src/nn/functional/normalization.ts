// Batch norm and local response norm on the backend kernels. Batch norm views the input as
// [N, C, rest]; in training it normalises with the batch statistics and updates the running
// ones in place (momentum, unbiased variance), in evaluation it uses the running ones.

import { backend } from '../../backend/index.js';
import { record } from '../../autograd/graph.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { describe, type FloatArray } from '../../tensor/dtype.js';
import { shapeStr, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  checkBool, checkFloatTensor, checkInt, checkNumber, checkVector, computeDtype, kernelArray, kernelOutput, optionalFloatTensor,
  toDtype, type ComputeDtype,
} from './args.js';

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use (and update) batch statistics rather than the running ones. Default false. */
  training?: boolean;
  /** Weight of the new batch in the running averages: running = (1 - momentum) * running + momentum * batch. */
  momentum?: number;
  eps?: number;
}

/** A running statistic as the kernel's in-place array, and how to write it back when that was a copy. */
function runningStat(t: Tensor, cd: ComputeDtype): { array: FloatArray; commit: () => void } {
  if (t.dtype === cd && t.isContiguous()) {
    const array = kernelArray(t, cd); // the buffer's own memory: updated in place
    return { array, commit: () => { t.storage.version++; } };
  }
  const copy = kernelArray(t, cd).slice();
  return {
    array: copy,
    commit: () => noGrad(() => { t.copy_(fromArray(copy, t.shape, cd)); }),
  };
}

function fromArray(a: FloatArray, shape: readonly number[], cd: ComputeDtype): Tensor {
  const [t, ta] = kernelOutput(shape, cd);
  ta.set(a);
  return t;
}

export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  return batchNormOp(input, runningMean, runningVar, options, false, false);
}

/**
 * relu(batchNorm(...)) in one pass over memory, for a BatchNorm layer followed by a ReLU whose
 * input nothing else sees (see Sequential): the same values and gradients as the two ops, without
 * ReLU's read and write of the whole activation forward and its gradient pass backward. Half
 * precision inputs take the two ops (their ReLU sees the rounded output).
 */
export function batchNormRelu(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  return batchNormLayer(input, runningMean, runningVar, options, true, false);
}

/**
 * The batch norm layers' call. `consumeInput`: no user code will see the input again and no node
 * saved it without a hold (Sequential), so once backward has used it, its memory is reused
 * (autograd/held-memory.ts). The fused op does not save its output (its backward recomputes the
 * ReLU's mask from the input), so a later op may consume that output as its only holder.
 */
export function batchNormLayer(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions, relu: boolean,
  consumeInput: boolean): Tensor {
  if (relu && input.dtype !== 'float32' && input.dtype !== 'float64') return batchNormOp(input, runningMean, runningVar, options, false, consumeInput).relu_();
  return batchNormOp(input, runningMean, runningVar, options, relu, consumeInput);
}

function batchNormOp(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions, relu: boolean,
  consumeInput: boolean): Tensor {
  const op = relu ? 'batchNormRelu' : 'batchNorm';
  checkFloatTensor(input, op);
  if (input.ndim < 2) throw new RangeError(`${op}: expected an input with at least 2 dimensions [N, C, ...], got ${shapeStr(input.shape)}`);
  const n = input.shape[0]!, c = input.shape[1]!, hw = sizeOf(input.shape.slice(2));
  const weight = optionalFloatTensor(options.weight, op, 'weight');
  const bias = optionalFloatTensor(options.bias, op, 'bias');
  const rm = optionalFloatTensor(runningMean, op, 'runningMean');
  const rv = optionalFloatTensor(runningVar, op, 'runningVar');
  const what = `one per channel of input ${shapeStr(input.shape)}`;
  for (const [t, name] of [[weight, 'weight'], [bias, 'bias'], [rm, 'runningMean'], [rv, 'runningVar']] as const) {
    if (t) checkVector(t, c, op, name, what);
  }
  if ((rm === null) !== (rv === null)) throw new TypeError(`${op}: runningMean and runningVar must both be given or both be null`);
  const training = checkBool(options.training ?? false, op, 'training');
  const momentum = checkNumber(options.momentum ?? 0.1, op, 'momentum');
  const eps = checkNumber(options.eps ?? 1e-5, op, 'eps');
  if (eps < 0) throw new RangeError(`${op}: expected eps >= 0, got ${eps}`);
  if (!training && !rm) throw new TypeError(`${op}: evaluation mode (training = false) needs runningMean and runningVar`);
  if (training && n * hw <= 1) throw new RangeError(`${op}: expected more than 1 value per channel when training, got input ${shapeStr(input.shape)}`);

  const cd = computeDtype(input.dtype);
  const [y, ya] = kernelOutput(input.shape, cd);
  const [, saveMean] = kernelOutput([c], cd);
  const [, saveInvstd] = kernelOutput([c], cd);
  // relu: the factors of the forward's y, from which the backward recomputes the ReLU's mask
  const reluAffine = relu ? new Float64Array(2 * c) : null;
  const wa = weight ? kernelArray(weight, cd) : null, ba = bias ? kernelArray(bias, cd) : null;
  const mean = rm ? runningStat(rm, cd) : null, variance = rv ? runningStat(rv, cd) : null;
  if (c > 0 && n * hw > 0) {
    backend().batchNormForward(n, c, hw, kernelArray(input, cd), wa, ba, mean?.array ?? null, variance?.array ?? null, training, momentum, eps, ya, saveMean, saveInvstd, relu, reluAffine);
  }
  if (!training) {
    // the backward of evaluation mode reads the running statistics as they were at this forward
    saveMean.set(mean!.array);
    for (let i = 0; i < c; i++) saveInvstd[i] = 1 / Math.sqrt(variance!.array[i]! + eps);
  } else if (mean) {
    mean.commit();
    variance!.commit();
  }
  const out = toDtype(y, input.dtype);
  return record(out, op, [input, weight, bias], (g) => {
    const empty = n * hw === 0;
    const [dx, dxa] = input.requiresGrad ? kernelOutput(input.shape, cd) : [null, null];
    const [dw, dwa] = weight && weight.requiresGrad ? kernelOutput([c], cd, empty) : [null, null];
    const [db, dba] = bias && bias.requiresGrad ? kernelOutput([c], cd, empty) : [null, null];
    if (c > 0 && !empty) {
      backend().batchNormBackward(n, c, hw, kernelArray(input, cd), kernelArray(g, cd), weight ? kernelArray(weight, cd) : null,
        saveMean, saveInvstd, training, dxa, dwa, dba, reluAffine);
    }
    return [dx && toDtype(dx, input.dtype), dw && toDtype(dw, weight!.dtype), db && toDtype(db, bias!.dtype)];
  }, [input, ...(weight ? [weight] : [])], { consumed: consumeInput ? input : null });
}

export interface LocalResponseNormOptions {
  alpha?: number;
  beta?: number;
  k?: number;
}

/**
 * Local response normalisation across channels (AlexNet): y = x / (k + alpha / size * sum of x^2
 * over the `size` neighbouring channels)^beta, on input [N, C, ...].
 */
export function localResponseNorm(input: Tensor, size: number, options: LocalResponseNormOptions = {}): Tensor {
  const op = 'localResponseNorm';
  checkFloatTensor(input, op);
  if (input.ndim < 3) throw new RangeError(`${op}: expected an input with at least 3 dimensions [N, C, ...], got ${shapeStr(input.shape)}`);
  checkInt(size, op, 'size', 1);
  if (typeof options !== 'object' || options === null) throw new TypeError(`${op}: expected an options object, got ${describe(options)}`);
  const alpha = checkNumber(options.alpha ?? 1e-4, op, 'alpha');
  const beta = checkNumber(options.beta ?? 0.75, op, 'beta');
  const k = checkNumber(options.k ?? 1, op, 'k');
  const n = input.shape[0]!, c = input.shape[1]!, hw = sizeOf(input.shape.slice(2));
  const cd = computeDtype(input.dtype);
  const [y, ya] = kernelOutput(input.shape, cd);
  const [, scale] = kernelOutput(input.shape, cd);
  if (y.numel() > 0) backend().lrnForward(n, c, hw, size, alpha, beta, k, kernelArray(input, cd), ya, scale);
  const out = toDtype(y, input.dtype);
  return record(out, op, [input], (g) => {
    const [dx, dxa] = kernelOutput(input.shape, cd);
    if (dx.numel() > 0) backend().lrnBackward(n, c, hw, size, alpha, beta, k, kernelArray(input, cd), ya, scale, kernelArray(g, cd), dxa);
    return [toDtype(dx, input.dtype)];
  }, [input, out]);
}
