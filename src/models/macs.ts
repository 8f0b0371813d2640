// Counting a model's size and cost: parameters, and multiply-accumulates per image of its
// convolutions and linear layers (measured by running one image through it with those two layer
// types instrumented, so any architecture is counted the same way).

import { noGrad } from '../autograd/grad-mode.js';
import { Conv2d, Linear, type Module } from '../nn/index.js';
import { zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';

export function countParameters(model: Module): number {
  let n = 0;
  for (const p of model.parameters()) n += p.numel();
  return n;
}

/** Multiply-accumulates of one forward pass of a single image of shape [C, H, W], eval mode. */
export function countMacs(model: Module, imageShape: readonly number[]): number {
  let macs = 0;
  const convForward = Conv2d.prototype.forward;
  const linearForward = Linear.prototype.forward;
  Conv2d.prototype.forward = function (this: Conv2d, x: Tensor): Tensor {
    const y = convForward.call(this, x);
    macs += y.numel() * (this.inChannels / this.groups) * this.kernelSize[0] * this.kernelSize[1];
    return y;
  };
  Linear.prototype.forward = function (this: Linear, x: Tensor): Tensor {
    const y = linearForward.call(this, x);
    macs += y.numel() * this.inFeatures;
    return y;
  };
  const wasTraining = model.training;
  try {
    model.eval();
    noGrad(() => model.forward(zeros([1, ...imageShape])));
  } finally {
    Conv2d.prototype.forward = convForward;
    Linear.prototype.forward = linearForward;
    model.train(wasTraining);
  }
  return macs;
}
