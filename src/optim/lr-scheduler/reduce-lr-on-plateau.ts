// ReduceLROnPlateau: multiplies the rate by factor when a watched metric (validation loss, say)
// has not improved for more than `patience` steps, then waits `cooldown` steps before counting
// again (torch.optim.lr_scheduler.ReduceLROnPlateau). Unlike the other schedulers it steps with the
// metric and does not change the rate at construction.

import { describe } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkChoice, checkKnownOptions, checkNumber } from '../check.js';
import type { Optimizer } from '../optimizer.js';
import { checkOptimizer, type SchedulerStateDict } from './scheduler.js';

export interface ReduceLROnPlateauOptions {
  /** 'min': lower is better (default); 'max': higher is better. */
  mode?: 'min' | 'max';
  /** New rate = rate * factor (default 0.1; must be < 1). */
  factor?: number;
  /** Steps without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** How much better counts as better (default 1e-4). */
  threshold?: number;
  /** 'rel': relative to the best (default); 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting bad steps again (default 0). */
  cooldown?: number;
  /** Lower bound on the rate, one for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

const OWNER = 'ReduceLROnPlateau';

export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  /** The best metric so far (the worst possible value before the first step). */
  best: number;
  numBadEpochs = 0;
  eps: number;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    this.optimizer = checkOptimizer(OWNER, optimizer);
    const o = checkKnownOptions(OWNER, options, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    this.factor = checkNumber(OWNER, 'factor', o.factor ?? 0.1, { below: 1 });
    const groups = optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups) throw new RangeError(`${OWNER}: expected ${groups} minLr values (one per parameter group), got ${minLr.length}`);
      this.minLrs = minLr.map((v, i) => checkNumber(OWNER, `minLr[${i}]`, v));
    } else {
      this.minLrs = new Array<number>(groups).fill(checkNumber(OWNER, 'minLr', minLr));
    }
    this.patience = checkNumber(OWNER, 'patience', o.patience ?? 10, { integer: true, min: 0 });
    this.cooldown = checkNumber(OWNER, 'cooldown', o.cooldown ?? 0, { integer: true, min: 0 });
    this.mode = checkChoice(OWNER, 'mode', o.mode ?? 'min', ['min', 'max'] as const);
    this.threshold = checkNumber(OWNER, 'threshold', o.threshold ?? 1e-4);
    this.thresholdMode = checkChoice(OWNER, 'thresholdMode', o.thresholdMode ?? 'rel', ['rel', 'abs'] as const);
    this.eps = checkNumber(OWNER, 'eps', o.eps ?? 1e-8);
    this.best = this.modeWorse();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether a is better than best by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Records this step's metric (a number or a one-element tensor) and reduces the rates if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== 'number') throw new TypeError(`${OWNER}.step: expected the metric as a number or a one-element Tensor, got ${describe(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const old = g.lr;
      const next = Math.max(old * this.factor, this.minLrs[i]!);
      if (old - next > this.eps) g.lr = next;
    });
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * The state under PyTorch's names. best is ±Infinity before the first improvement; JSON writes
   * that as null, which loadStateDict reads back as "no best yet".
   */
  stateDict(): SchedulerStateDict {
    return {
      factor: this.factor, min_lrs: [...this.minLrs], patience: this.patience, cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter, mode: this.mode, threshold: this.threshold, threshold_mode: this.thresholdMode,
      best: this.best, num_bad_epochs: this.numBadEpochs, mode_worse: this.modeWorse(), eps: this.eps,
      last_epoch: this.lastEpoch, _last_lr: [...this.lastLr],
    };
  }

  loadStateDict(sd: SchedulerStateDict): void {
    const at = `${OWNER}.loadStateDict`;
    if (!sd || typeof sd !== 'object') throw new TypeError(`${at}: expected an object from stateDict(), got ${describe(sd)}`);
    const num = (key: string, rule = {}): number => checkNumber(at, key, sd[key], rule);
    const mode = checkChoice(at, 'mode', sd.mode, ['min', 'max'] as const);
    const thresholdMode = checkChoice(at, 'threshold_mode', sd.threshold_mode, ['rel', 'abs'] as const);
    const minLrs = sd.min_lrs;
    if (!Array.isArray(minLrs) || minLrs.length !== this.optimizer.paramGroups.length) throw new RangeError(`${at}: min_lrs must have one value per parameter group, got ${describe(minLrs)}`);
    const lastLr = sd._last_lr;
    this.factor = num('factor', { below: 1 });
    this.minLrs = minLrs.map((v, i) => checkNumber(at, `min_lrs[${i}]`, v));
    this.patience = num('patience', { integer: true, min: 0 });
    this.cooldown = num('cooldown', { integer: true, min: 0 });
    this.cooldownCounter = num('cooldown_counter', { integer: true, min: 0 });
    this.mode = mode;
    this.threshold = num('threshold');
    this.thresholdMode = thresholdMode;
    this.best = sd.best === null ? this.modeWorse() : num('best');
    this.numBadEpochs = num('num_bad_epochs', { integer: true, min: 0 });
    this.eps = num('eps');
    this.lastEpoch = num('last_epoch', { integer: true, min: 0 });
    if (Array.isArray(lastLr)) this.lastLr = lastLr.map((v, i) => checkNumber(at, `_last_lr[${i}]`, v));
  }
}
