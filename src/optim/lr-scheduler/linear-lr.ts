// LinearLR: scales the rate linearly from startFactor to endFactor over totalIters epochs, a
// common warm-up (torch.optim.lr_scheduler.LinearLR, recursive form).

import { checkKnownOptions, checkNumber } from '../check.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface LinearLROptions extends SchedulerOptions {
  /** default 1/3 */
  startFactor?: number;
  /** default 1 */
  endFactor?: number;
  /** default 5 */
  totalIters?: number;
}

export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super('LinearLR', optimizer, checkKnownOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch']));
    this.startFactor = checkNumber('LinearLR', 'startFactor', options.startFactor ?? 1 / 3, { above: 0, max: 1 });
    this.endFactor = checkNumber('LinearLR', 'endFactor', options.endFactor ?? 1, { min: 0, max: 1 });
    this.totalIters = checkNumber('LinearLR', 'totalIters', options.totalIters ?? 5, { integer: true, min: 1 });
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const s = this.startFactor, e = this.endFactor;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * s);
    if (this.lastEpoch > this.totalIters) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (e - s) / (this.totalIters * s + (this.lastEpoch - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const s = this.startFactor, e = this.endFactor;
    return this.baseLrs.map((b) => b * (s + (e - s) * Math.min(this.totalIters, this.lastEpoch) / this.totalIters));
  }
}
