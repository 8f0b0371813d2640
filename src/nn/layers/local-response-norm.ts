// LocalResponseNorm (AlexNet): normalise each element by the energy of its neighbouring channels.

import type { Tensor } from '../../tensor/tensor.js';
import { localResponseNorm, type LocalResponseNormOptions } from '../functional/normalization.js';
import { checkInt, checkNumber } from '../functional/args.js';
import { Module } from '../module.js';

export class LocalResponseNorm extends Module {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(size: number, options: LocalResponseNormOptions = {}) {
    super();
    const op = 'LocalResponseNorm';
    this.size = checkInt(size, op, 'size', 1);
    this.alpha = checkNumber(options.alpha ?? 1e-4, op, 'alpha');
    this.beta = checkNumber(options.beta ?? 0.75, op, 'beta');
    this.k = checkNumber(options.k ?? 1, op, 'k');
  }

  override forward(input: Tensor): Tensor {
    return localResponseNorm(input, this.size, { alpha: this.alpha, beta: this.beta, k: this.k });
  }

  override extraRepr(): string {
    return `${this.size}, alpha=${this.alpha}, beta=${this.beta}, k=${this.k}`;
  }
}
