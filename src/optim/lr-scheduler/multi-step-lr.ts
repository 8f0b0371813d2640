// MultiStepLR: multiplies the rate by gamma at each milestone epoch; a milestone listed k times
// multiplies by gamma^k (torch.optim.lr_scheduler.MultiStepLR).

import { describe } from '../../tensor/dtype.js';
import { checkKnownOptions, checkNumber } from '../check.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface MultiStepLROptions extends SchedulerOptions {
  milestones: readonly number[];
  /** default 0.1 */
  gamma?: number;
}

export class MultiStepLR extends LRScheduler {
  /** Sorted, with repeats. */
  milestones: number[];
  gamma: number;

  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    super('MultiStepLR', optimizer, checkKnownOptions('MultiStepLR', options, ['milestones', 'gamma', 'lastEpoch']));
    if (!Array.isArray(options.milestones)) throw new TypeError(`MultiStepLR: milestones must be an array of epochs, got ${describe(options.milestones)}`);
    this.milestones = options.milestones.map((m, i) => checkNumber('MultiStepLR', `milestones[${i}]`, m, { integer: true })).sort((a, b) => a - b);
    this.gamma = checkNumber('MultiStepLR', 'gamma', options.gamma ?? 0.1);
    this.initialStep();
  }

  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    const groups = this.optimizer.paramGroups;
    if (count === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}
