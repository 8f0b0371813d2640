// Activation layers: thin modules over the functional ops (no parameters).

import type { Tensor } from '../../tensor/tensor.js';
import { checkBool, checkNumber } from '../functional/args.js';
import { leakyRelu, logSoftmax, relu, relu6, sigmoid, softmax, tanh } from '../functional/activation.js';
import { normalizeDim } from '../../tensor/shape.js';
import { Module } from '../module.js';

export class ReLU extends Module {
  /** Overwrite the input (recorded in the graph when the input is part of one). */
  readonly inplace: boolean;
  constructor(options: { inplace?: boolean } = {}) {
    super();
    this.inplace = checkBool(options.inplace ?? false, 'ReLU', 'inplace');
  }
  override forward(input: Tensor): Tensor { return relu(input, this.inplace); }
  override extraRepr(): string { return this.inplace ? 'inplace=true' : ''; }
}

export class ReLU6 extends Module {
  override forward(input: Tensor): Tensor { return relu6(input); }
}

export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = checkNumber(negativeSlope, 'LeakyReLU', 'negativeSlope');
  }
  override forward(input: Tensor): Tensor { return leakyRelu(input, this.negativeSlope); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor { return sigmoid(input); }
}

export class Tanh extends Module {
  override forward(input: Tensor): Tensor { return tanh(input); }
}

/** Softmax and LogSoftmax over one dim (explicit: PyTorch's implicit dim choice is not supported). */
abstract class SoftmaxLayer extends Module {
  readonly dim: number;
  constructor(dim: number, private readonly log: boolean) {
    super();
    const layer = log ? 'LogSoftmax' : 'Softmax';
    // the range is checked against the input at forward time
    if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new TypeError(`${layer}: expected an integer dim (PyTorch's implicit dim is not supported), got ${String(dim)}`);
    this.dim = dim;
  }
  override forward(input: Tensor): Tensor {
    const d = normalizeDim(this.dim, input.ndim, this.log ? 'LogSoftmax' : 'Softmax');
    return this.log ? logSoftmax(input, d) : softmax(input, d);
  }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

export class Softmax extends SoftmaxLayer {
  constructor(dim: number) { super(dim, false); }
}

export class LogSoftmax extends SoftmaxLayer {
  constructor(dim: number) { super(dim, true); }
}
