// Flatten dims startDim..endDim into one (default: everything but the batch dim).

import type { Tensor } from '../../tensor/tensor.js';
import { checkTensorArg } from '../functional/args.js';
import { Module } from '../module.js';

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    for (const [v, name] of [[startDim, 'startDim'], [endDim, 'endDim']] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`Flatten: expected ${name} to be an integer, got ${String(v)}`);
    }
  }
  override forward(input: Tensor): Tensor {
    return checkTensorArg(input, 'Flatten').flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string { return `startDim=${this.startDim}, endDim=${this.endDim}`; }
}
