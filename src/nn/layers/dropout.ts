// Dropout: active in training mode only. Give it its own Generator for a mask sequence that does
// not depend on anything else drawing from the default one.

import { describe } from '../../tensor/dtype.js';
import { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { dropout } from '../functional/dropout.js';
import { Module } from '../module.js';

export class Dropout extends Module {
  readonly p: number;
  generator: Generator | null;

  constructor(p = 0.5, options: { generator?: Generator | null } = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: expected a probability p between 0 and 1, got ${describe(p)}`);
    if (options.generator != null && !(options.generator instanceof Generator)) throw new TypeError(`Dropout: expected generator to be a Generator, got ${describe(options.generator)}`);
    this.p = p;
    this.generator = options.generator ?? null;
  }

  override forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training, { generator: this.generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
