// AvgPool2d: the mean over each window (no parameters).

import type { Tensor } from '../../tensor/tensor.js';
import { avgPool2d, type AvgPool2dOptions } from '../functional/pooling.js';
import { checkBool, checkInt, checkPair, type IntPair } from '../functional/args.js';
import { Module } from '../module.js';

export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: IntPair, options: AvgPool2dOptions = {}) {
    super();
    const op = 'AvgPool2d';
    this.kernelSize = checkPair(kernelSize, op, 'kernelSize', 1);
    this.stride = options.stride === null || options.stride === undefined ? this.kernelSize : checkPair(options.stride, op, 'stride', 1);
    this.padding = checkPair(options.padding ?? 0, op, 'padding', 0);
    this.ceilMode = checkBool(options.ceilMode ?? false, op, 'ceilMode');
    this.countIncludePad = checkBool(options.countIncludePad ?? true, op, 'countIncludePad');
    this.divisorOverride = options.divisorOverride === null || options.divisorOverride === undefined ? null : checkInt(options.divisorOverride, op, 'divisorOverride', 1);
  }

  override forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernelSize=[${this.kernelSize.join(', ')}], stride=[${this.stride.join(', ')}], padding=[${this.padding.join(', ')}]`;
  }
}
