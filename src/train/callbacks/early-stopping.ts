// EarlyStopping: stops training when a monitored metric has not improved by more than minDelta
// for `patience` epochs; optionally restores the weights of the best epoch at the end.

import { noGrad } from '../../autograd/grad-mode.js';
import type { Tensor } from '../../tensor/tensor.js';
import { describe } from '../../tensor/dtype.js';
import type { TrainingLoop } from '../training-loop.js';
import type { Callback, EpochLogs } from './callback.js';

export interface EarlyStoppingOptions {
  monitor?: string;
  /** Default: 'max' when the monitor names an accuracy, else 'min'. */
  mode?: 'min' | 'max';
  minDelta?: number;
  patience?: number;
  restoreBestWeights?: boolean;
}

interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number;
  wait: number;
  stoppedEpoch: number | null;
}

export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  private s: EarlyStoppingState = { best: null, bestEpoch: -1, wait: 0, stoppedEpoch: null };
  private bestWeights: Map<string, Tensor> | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`EarlyStopping: expected an options object, got ${describe(opts)}`);
    const options = opts;
    this.monitor = options.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string') throw new TypeError(`EarlyStopping: monitor must be a metric name, got ${describe(this.monitor)}`);
    this.mode = options.mode ?? (/acc/i.test(this.monitor) ? 'max' : 'min');
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`EarlyStopping: mode must be 'min' or 'max', got ${describe(this.mode)}`);
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new RangeError(`EarlyStopping: patience must be a non-negative integer, got ${describe(options.patience)}`);
    if (!Number.isFinite(this.minDelta)) throw new RangeError(`EarlyStopping: minDelta must be a finite number, got ${describe(options.minDelta)}`);
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  /** The epoch training stopped at, or null. */
  get stoppedEpoch(): number | null { return this.s.stoppedEpoch; }
  get bestValue(): number | null { return this.s.best; }
  get bestEpoch(): number { return this.s.bestEpoch; }

  private improved(v: number): boolean {
    if (Number.isNaN(v)) return false;
    if (this.s.best === null) return true;
    return this.mode === 'min' ? v < this.s.best - this.minDelta : v > this.s.best + this.minDelta;
  }

  onEpochEnd(loop: TrainingLoop, logs: EpochLogs): void {
    const v = logs[this.monitor];
    if (typeof v !== 'number') throw new Error(`EarlyStopping: the monitored metric '${this.monitor}' is not in the epoch logs (available: ${Object.keys(logs).join(', ')})`);
    if (this.improved(v)) {
      this.s.best = v;
      this.s.bestEpoch = logs.epoch;
      this.s.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = noGrad(() => new Map([...loop.model.stateDict()].map(([k, t]) => [k, t.clone()])));
      return;
    }
    this.s.wait += 1;
    if (this.s.wait > this.patience) {
      this.s.stoppedEpoch = logs.epoch;
      loop.stopTraining = true;
      loop.log(`EarlyStopping: ${this.monitor} has not improved for ${this.s.wait} epochs (best ${this.s.best} at epoch ${this.s.bestEpoch}); stopping`);
    }
  }

  onTrainEnd(loop: TrainingLoop): void {
    if (this.restoreBestWeights && this.bestWeights && this.s.stoppedEpoch !== null) {
      loop.model.loadStateDict(this.bestWeights);
      loop.log(`EarlyStopping: restored the weights of epoch ${this.s.bestEpoch}`);
    }
  }

  stateDict(): EarlyStoppingState & { bestWeights: Map<string, Tensor> | null } {
    return { ...this.s, bestWeights: this.bestWeights };
  }

  loadStateDict(state: EarlyStoppingState & { bestWeights?: Map<string, Tensor> | null }): void {
    this.s = { best: state.best, bestEpoch: state.bestEpoch, wait: state.wait, stoppedEpoch: state.stoppedEpoch };
    this.bestWeights = state.bestWeights ?? null;
  }
}
