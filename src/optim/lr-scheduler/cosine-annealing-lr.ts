// CosineAnnealingLR (Loshchilov and Hutter, "SGDR: Stochastic Gradient Descent with Warm
// Restarts", 2017, without the restarts): torch.optim.lr_scheduler.CosineAnnealingLR in its
// recursive form, so the sequence matches PyTorch's to the last bit of float64 arithmetic, also
// past tMax (where the rate climbs back up along the cosine) and when other code changes the rate.

import { checkKnownOptions, checkNumber } from '../check.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** Half-period in epochs. */
  tMax: number;
  /** default 0 */
  etaMin?: number;
}

export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super('CosineAnnealingLR', optimizer, checkKnownOptions('CosineAnnealingLR', options, ['tMax', 'etaMin', 'lastEpoch']));
    this.tMax = checkNumber('CosineAnnealingLR', 'tMax', options.tMax, { above: 0 });
    this.etaMin = checkNumber('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0);
    this.initialStep();
  }

  protected override torchNames(): Record<string, string> {
    return { ...super.torchNames(), tMax: 'T_max' };
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const e = this.lastEpoch, T = this.tMax, etaMin = this.etaMin;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      // resuming at lastEpoch > 0: the closed form once
      return this.baseLrs.map((b) => etaMin + (b - etaMin) * (1 + Math.cos((e * Math.PI) / T)) / 2);
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      return groups.map((g, i) => g.lr + (this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / T)) / 2);
    }
    return groups.map((g) => (1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T)) * (g.lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax)) / 2);
  }
}
