// AdaptiveAvgPool2d: average pooling to a fixed output size whatever the input size.

import { describe } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { adaptiveAvgPool2d, type AdaptiveSize } from '../functional/pooling.js';
import { Module } from '../module.js';

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
    const ok = (v: unknown) => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 1);
    const valid = typeof outputSize === 'number' ? ok(outputSize) : Array.isArray(outputSize) && outputSize.length === 2 && outputSize.every(ok);
    if (!valid || outputSize === null) throw new TypeError(`AdaptiveAvgPool2d: expected outputSize to be a positive integer or a pair [height, width] (null keeps the input's), got ${describe(outputSize)}`);
  }

  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}`;
  }
}
