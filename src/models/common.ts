// Shared building blocks and option checks for the zoo.

import { describe } from '../tensor/dtype.js';
import { BatchNorm2d, Conv2d, ReLU, Sequential } from '../nn/index.js';

export interface ZooOptions {
  /** Number of output classes (default 10). */
  numClasses?: number;
  /** Input image channels (default 3; LeNet-5: 1). */
  inChannels?: number;
}

export function checkCount(value: unknown, what: string, model: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`${model}: ${what} must be a positive integer, got ${describe(value)}`);
  return value;
}

/**
 * A ReLU that overwrites its input. The zoo applies it only to values nothing else reads (the
 * output of a convolution, batch norm, linear layer or residual sum, none of which keeps its output
 * for backward), which saves an activation-sized buffer per layer; the numbers are the same.
 */
export function reluInPlace(): ReLU {
  return new ReLU({ inplace: true });
}

/** Conv (no bias) + BatchNorm + ReLU, as the specification's conv_bn. */
export function convBn(inC: number, outC: number, kernel: number, stride = 1, padding = 0, groups = 1): Sequential {
  return new Sequential(new Conv2d(inC, outC, kernel, { stride, padding, groups, bias: false }), new BatchNorm2d(outC), reluInPlace());
}
