// Loss modules: the functional losses with their options fixed at construction. Class weights
// are buffers named as PyTorch names them (weight, pos_weight), so they follow to(dtype) and
// appear in the state dict.

import type { Tensor } from '../../tensor/tensor.js';
import {
  binaryCrossEntropyWithLogits, crossEntropy, l1Loss, mseLoss, nllLoss, smoothL1Loss,
  type BceWithLogitsOptions, type CrossEntropyOptions, type LossOptions, type NllLossOptions, type SmoothL1LossOptions,
} from '../functional/loss.js';
import { checkReduction, optionalFloatTensor, type Reduction } from '../functional/args.js';
import { Module } from '../module.js';

abstract class Loss extends Module {
  readonly reduction: Reduction;
  constructor(options: LossOptions, layer: string) {
    super();
    this.reduction = checkReduction(options.reduction ?? 'mean', layer);
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
  override extraRepr(): string { return `reduction='${this.reduction}'`; }
}

export class NLLLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  constructor(options: NllLossOptions = {}) {
    super(options, 'NLLLoss');
    this.weight = this.registerBuffer('weight', optionalFloatTensor(options.weight, 'NLLLoss', 'weight'));
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

export class CrossEntropyLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(options: CrossEntropyOptions = {}) {
    super(options, 'CrossEntropyLoss');
    this.weight = this.registerBuffer('weight', optionalFloatTensor(options.weight, 'CrossEntropyLoss', 'weight'));
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

export class MSELoss extends Loss {
  constructor(options: LossOptions = {}) { super(options, 'MSELoss'); }
  override forward(input: Tensor, target: Tensor): Tensor { return mseLoss(input, target, { reduction: this.reduction }); }
}

export class L1Loss extends Loss {
  constructor(options: LossOptions = {}) { super(options, 'L1Loss'); }
  override forward(input: Tensor, target: Tensor): Tensor { return l1Loss(input, target, { reduction: this.reduction }); }
}

export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(options: SmoothL1LossOptions = {}) {
    super(options, 'SmoothL1Loss');
    this.beta = options.beta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor { return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

export class BCEWithLogitsLoss extends Loss {
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;
  constructor(options: BceWithLogitsOptions = {}) {
    super(options, 'BCEWithLogitsLoss');
    this.weight = this.registerBuffer('weight', optionalFloatTensor(options.weight, 'BCEWithLogitsLoss', 'weight'));
    this.posWeight = this.registerBuffer('pos_weight', optionalFloatTensor(options.posWeight, 'BCEWithLogitsLoss', 'posWeight'));
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}
