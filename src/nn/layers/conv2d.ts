// Conv2d over NCHW input, weight [outChannels, inChannels / groups, kH, kW], initialised as
// PyTorch does by default.

import { Tensor } from '../../tensor/tensor.js';
import type { Generator } from '../../tensor/random.js';
import { conv2dLayer, type Conv2dOptions } from '../functional/conv.js';
import { checkInt, checkPair, type IntPair } from '../functional/args.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { initWeightAndBias } from './linear.js';
import { parameterDtype, type ParameterOptions } from './options.js';

export interface Conv2dLayerOptions extends Conv2dOptions, ParameterOptions {
  /** Learn a bias per output channel (default true). */
  bias?: boolean;
}

export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: IntPair, options: Conv2dLayerOptions = {}) {
    super();
    const op = 'Conv2d';
    this.inChannels = checkInt(inChannels, op, 'inChannels', 0);
    this.outChannels = checkInt(outChannels, op, 'outChannels', 0);
    this.kernelSize = checkPair(kernelSize, op, 'kernelSize', 1);
    this.stride = checkPair(options.stride ?? 1, op, 'stride', 1);
    this.dilation = checkPair(options.dilation ?? 1, op, 'dilation', 1);
    this.groups = checkInt(options.groups ?? 1, op, 'groups', 1);
    const padding = options.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) throw new RangeError(`${op}: padding 'same' needs stride 1, got stride [${this.stride.join(', ')}]`);
      this.padding = padding;
    } else {
      this.padding = checkPair(padding, op, 'padding', 0);
    }
    if (inChannels % this.groups !== 0) throw new RangeError(`${op}: inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new RangeError(`${op}: outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    const dtype = parameterDtype(options, op);
    this.weight = this.registerParameter('weight', new Parameter(Tensor.empty([outChannels, inChannels / this.groups, ...this.kernelSize], dtype)));
    this.bias = this.registerParameter('bias', options.bias ?? true ? new Parameter(Tensor.empty([outChannels], dtype)) : null);
    this.resetParameters(options.generator);
  }

  /** PyTorch's default initialisation. */
  resetParameters(generator?: Generator): void {
    initWeightAndBias(this.weight, this.bias, generator);
  }

  override forward(input: Tensor): Tensor {
    return this._forwardPrivate(input, false);
  }

  /** @internal Sequential's call: forward; `consumeInput` as in conv2dLayer. */
  _forwardPrivate(input: Tensor, consumeInput: boolean): Tensor {
    return conv2dLayer(input, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups }, consumeInput);
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(', ')}]`, `stride=[${this.stride.join(', ')}]`];
    if (this.padding === 'same' || this.padding === 'valid') parts.push(`padding='${this.padding}'`);
    else if (this.padding[0] !== 0 || this.padding[1] !== 0) parts.push(`padding=[${this.padding.join(', ')}]`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation=[${this.dilation.join(', ')}]`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push('bias=false');
    return parts.join(', ');
  }
}
