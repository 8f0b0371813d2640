// SequentialLR: hands the optimizer to one scheduler after another at the milestone epochs, e.g. a
// LinearLR warm-up then CosineAnnealingLR (torch.optim.lr_scheduler.SequentialLR). At a milestone
// the next scheduler restarts from epoch 0 through its closed form, as PyTorch does.

import { describe } from '../../tensor/dtype.js';
import { checkKnownOptions, checkNumber } from '../check.js';
import type { Optimizer } from '../optimizer.js';
import { checkOptimizer, LRScheduler, type SchedulerOptions, type SchedulerStateDict } from './scheduler.js';

export interface SequentialLROptions extends SchedulerOptions {
  /** Built on the same optimizer. */
  schedulers: readonly LRScheduler[];
  /** One fewer than the schedulers: the epochs at which the next one takes over. */
  milestones: readonly number[];
}

export class SequentialLR extends LRScheduler {
  private readonly schedulers: LRScheduler[];
  milestones: number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    checkOptimizer('SequentialLR', optimizer);
    const { schedulers, milestones } = checkKnownOptions('SequentialLR', options, ['schedulers', 'milestones', 'lastEpoch']);
    if (!Array.isArray(schedulers) || schedulers.length === 0 || !schedulers.every((s) => s instanceof LRScheduler)) {
      throw new TypeError(`SequentialLR: schedulers must be a non-empty array of schedulers, got ${describe(schedulers)}`);
    }
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) throw new Error(`SequentialLR: schedulers[${i}] belongs to a different optimizer`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new RangeError(`SequentialLR: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${describe(milestones)}`);
    }
    milestones.forEach((m, i) => checkNumber('SequentialLR', `milestones[${i}]`, m, { integer: true, min: 0 }));
    super('SequentialLR', optimizer, {});
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    // PyTorch: lastEpoch + 1, the rates back to initialLr, every scheduler's own construction step
    // undone, then the first scheduler's initial step.
    this.lastEpoch = checkNumber('SequentialLR', 'lastEpoch', options.lastEpoch ?? -1, { integer: true, min: -1 }) + 1;
    for (const g of optimizer.paramGroups) g.lr = g.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!.initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  protected getLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  override step(): void {
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  protected override transientFields(): string[] {
    return [...super.transientFields(), 'schedulers'];
  }

  protected override torchNames(): Record<string, string> {
    return { ...super.torchNames(), milestones: '_milestones' };
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), _schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(sd: SchedulerStateDict): void {
    super.loadStateDict(sd);
    const inner = sd._schedulers;
    if (!Array.isArray(inner) || inner.length !== this.schedulers.length) {
      throw new RangeError(`SequentialLR.loadStateDict: expected _schedulers with ${this.schedulers.length} state dicts, got ${describe(inner)}`);
    }
    inner.forEach((s, i) => this.schedulers[i]!.loadStateDict(s as SchedulerStateDict));
  }
}
