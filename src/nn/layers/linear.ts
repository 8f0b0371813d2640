// Linear: y = x W^T + b, with PyTorch's default initialisation (W ~ kaiming_uniform(a = sqrt(5)),
// b ~ U(-1/sqrt(inFeatures), 1/sqrt(inFeatures))).

import { Tensor } from '../../tensor/tensor.js';
import type { Generator } from '../../tensor/random.js';
import { linear } from '../functional/linear.js';
import { checkInt } from '../functional/args.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { parameterDtype, type ParameterOptions } from './options.js';

export interface LinearOptions extends ParameterOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = checkInt(inFeatures, 'Linear', 'inFeatures', 0);
    this.outFeatures = checkInt(outFeatures, 'Linear', 'outFeatures', 0);
    const dtype = parameterDtype(options, 'Linear');
    this.weight = this.registerParameter('weight', new Parameter(Tensor.empty([outFeatures, inFeatures], dtype)));
    this.bias = this.registerParameter('bias', options.bias ?? true ? new Parameter(Tensor.empty([outFeatures], dtype)) : null);
    this.resetParameters(options.generator);
  }

  /** PyTorch's default initialisation. */
  resetParameters(generator?: Generator): void {
    initWeightAndBias(this.weight, this.bias, generator);
  }

  override forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Linear and Conv2d defaults: W ~ kaiming_uniform(a = sqrt(5)), b ~ U(+-1/sqrt(fanIn)). */
export function initWeightAndBias(weight: Parameter, bias: Parameter | null, generator?: Generator): void {
  kaimingUniform_(weight, { a: Math.sqrt(5), generator });
  if (bias) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound, { generator });
  }
}
