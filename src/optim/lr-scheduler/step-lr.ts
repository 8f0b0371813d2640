// StepLR: multiplies the rate by gamma every stepSize epochs (torch.optim.lr_scheduler.StepLR).

import { checkKnownOptions, checkNumber } from '../check.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface StepLROptions extends SchedulerOptions {
  stepSize: number;
  /** default 0.1 */
  gamma?: number;
}

export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super('StepLR', optimizer, checkKnownOptions('StepLR', options, ['stepSize', 'gamma', 'lastEpoch']));
    this.stepSize = checkNumber('StepLR', 'stepSize', options.stepSize, { integer: true, min: 1 });
    this.gamma = checkNumber('StepLR', 'gamma', options.gamma ?? 0.1);
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}
