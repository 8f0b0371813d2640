// ExponentialLR: multiplies the rate by gamma every epoch (torch.optim.lr_scheduler.ExponentialLR).

import { checkKnownOptions, checkNumber } from '../check.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface ExponentialLROptions extends SchedulerOptions {
  gamma: number;
}

export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super('ExponentialLR', optimizer, checkKnownOptions('ExponentialLR', options, ['gamma', 'lastEpoch']));
    this.gamma = checkNumber('ExponentialLR', 'gamma', options.gamma);
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}
