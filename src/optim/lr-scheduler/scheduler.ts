// The learning-rate scheduler base, as torch.optim.lr_scheduler._LRScheduler: the constructor
// records each group's initialLr (or requires it when resuming with lastEpoch >= 0) and takes the
// initial step (lastEpoch -1 -> 0); each step() advances lastEpoch and writes the new rates into
// the optimizer's groups. Subclasses give the chainable (recursive) form, getLr(), and where
// PyTorch has one the closed form used by step(epoch).

import { describe } from '../../tensor/dtype.js';
import { checkNumber } from '../check.js';
import { camelToSnake, snakeToCamel } from '../names.js';
import { Optimizer } from '../optimizer.js';

/** Options every epoch-based scheduler takes. */
export interface SchedulerOptions {
  /** The index of the last epoch when resuming (the groups then need initialLr); -1 starts afresh. */
  lastEpoch?: number;
}

/** A scheduler's state: its own fields under PyTorch's names. */
export type SchedulerStateDict = Record<string, unknown>;

/** Fields whose PyTorch names are not their snake_case spelling. */
const TORCH_NAMES: Record<string, string> = { stepCount: '_step_count', lastLr: '_last_lr' };

export function checkOptimizer(owner: string, optimizer: unknown): Optimizer {
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${owner}: expected an Optimizer, got ${describe(optimizer)}`);
  return optimizer;
}

export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  lastEpoch: number;
  /** Each group's initialLr. */
  baseLrs: number[];
  /** How many times step() has run (the initial step included), as PyTorch's _step_count. */
  protected stepCount = 0;
  protected lastLr: number[] = [];

  protected constructor(owner: string, optimizer: Optimizer, options: SchedulerOptions) {
    this.optimizer = checkOptimizer(owner, optimizer);
    const lastEpoch = checkNumber(owner, 'lastEpoch', options.lastEpoch ?? -1, { integer: true, min: -1 });
    const groups = optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`${owner}: resuming with lastEpoch ${lastEpoch} needs initialLr in paramGroups[${i}] (restore the optimizer's state dict first)`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** The rates for lastEpoch from the current ones (PyTorch's get_lr). */
  protected abstract getLr(): number[];

  /** The rates for lastEpoch from baseLrs, where PyTorch has a closed form (used by step(epoch)). */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * The step every subclass constructor ends with, once its own fields are set (PyTorch's
   * _initial_step; SequentialLR also calls it to restart its first scheduler).
   */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /**
   * Advances one epoch (or batch) and sets the optimizer's rates. With `epoch`, jumps to that
   * epoch using the closed form where there is one (PyTorch's deprecated step(epoch); SequentialLR
   * uses it to restart a scheduler at its milestone).
   */
  step(epoch?: number): void {
    this.stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = checkNumber(this.constructor.name, 'epoch', epoch, { integer: true, min: 0 });
      values = this.closedFormLr() ?? this.getLr();
    }
    const groups = this.optimizer.paramGroups;
    groups.forEach((g, i) => { g.lr = values[i]!; });
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The rates the last step() set, one per parameter group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Fields whose state-dict (PyTorch) name is not their snake_case spelling. */
  protected torchNames(): Record<string, string> {
    return TORCH_NAMES;
  }

  /** Names of fields kept out of the state dict (references to other objects). */
  protected transientFields(): string[] {
    return ['optimizer'];
  }

  /** The scheduler's fields under PyTorch's names (copies). */
  stateDict(): SchedulerStateDict {
    const skip = this.transientFields(), names = this.torchNames();
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) {
      if (!skip.includes(k)) out[names[k] ?? camelToSnake(k)] = structuredClone(v);
    }
    return out;
  }

  /** Restores fields saved by stateDict(); names this scheduler does not have are ignored (as PyTorch's verbose flag). */
  loadStateDict(sd: SchedulerStateDict): void {
    const owner = `${this.constructor.name}.loadStateDict`;
    if (!sd || typeof sd !== 'object') throw new TypeError(`${owner}: expected an object from stateDict(), got ${describe(sd)}`);
    const skip = this.transientFields();
    const fromTorch = new Map(Object.entries(this.torchNames()).map(([k, v]) => [v, k]));
    const self = this as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(sd)) {
      const field = fromTorch.get(key) ?? snakeToCamel(key);
      if (skip.includes(field) || !Object.prototype.hasOwnProperty.call(this, field)) continue;
      const current = self[field];
      if (current !== null && value !== null && (typeof current !== typeof value || Array.isArray(current) !== Array.isArray(value))) {
        throw new TypeError(`${owner}: '${key}' should be ${describe(current)}, got ${describe(value)}`);
      }
      self[field] = structuredClone(value);
    }
  }
}
