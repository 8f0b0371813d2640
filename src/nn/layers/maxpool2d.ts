// MaxPool2d: the maximum over each window (no parameters).

import type { Tensor } from '../../tensor/tensor.js';
import { maxPool2d, type MaxPool2dOptions } from '../functional/pooling.js';
import { checkBool, checkPair, type IntPair } from '../functional/args.js';
import { Module } from '../module.js';

/** Max over each window; with returnIndices, forward returns [values, int64 indices]. */
export class MaxPool2d<WithIndices extends boolean = false> extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceilMode: boolean;
  readonly returnIndices: WithIndices;

  constructor(kernelSize: IntPair, options: Omit<MaxPool2dOptions, 'returnIndices'> & { returnIndices?: WithIndices } = {}) {
    super();
    const op = 'MaxPool2d';
    this.kernelSize = checkPair(kernelSize, op, 'kernelSize', 1);
    this.stride = options.stride === null || options.stride === undefined ? this.kernelSize : checkPair(options.stride, op, 'stride', 1);
    this.padding = checkPair(options.padding ?? 0, op, 'padding', 0);
    this.dilation = checkPair(options.dilation ?? 1, op, 'dilation', 1);
    this.ceilMode = checkBool(options.ceilMode ?? false, op, 'ceilMode');
    this.returnIndices = checkBool(options.returnIndices ?? false, op, 'returnIndices') as WithIndices;
  }

  override forward(input: Tensor): WithIndices extends true ? [Tensor, Tensor] : Tensor {
    const options = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    type Out = WithIndices extends true ? [Tensor, Tensor] : Tensor;
    if (this.returnIndices) return maxPool2d(input, this.kernelSize, { ...options, returnIndices: true }) as Out;
    return maxPool2d(input, this.kernelSize, options) as Out;
  }

  override extraRepr(): string {
    return `kernelSize=[${this.kernelSize.join(', ')}], stride=[${this.stride.join(', ')}], padding=[${this.padding.join(', ')}], dilation=[${this.dilation.join(', ')}], ceilMode=${this.ceilMode}`;
  }
}
