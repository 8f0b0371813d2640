// OneCycleLR (Smith and Topin, "Super-Convergence: Very Fast Training of Neural Networks Using
// Large Learning Rates", 2017, https://arxiv.org/abs/1708.07120): the rate rises from
// maxLr/divFactor to maxLr, then anneals to initialLr/finalDivFactor, stepping once per batch;
// momentum (SGD/RMSprop momentum, or Adam's beta1) cycles the opposite way. threePhase gives the
// paper's symmetric schedule plus a final annihilation phase. As torch.optim.lr_scheduler.OneCycleLR.

import { describe } from '../../tensor/dtype.js';
import { checkBoolean, checkChoice, checkKnownOptions, checkNumber } from '../check.js';
import type { Optimizer, ParamGroup, SchedulerGroupKeys } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak rate, one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** The cycle's length in steps; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent rising (default 0.3). */
  pctStart?: number;
  /** default 'cos' */
  annealStrategy?: 'cos' | 'linear';
  /** default true */
  cycleMomentum?: boolean;
  /** default 0.85 */
  baseMomentum?: number | readonly number[];
  /** default 0.95 */
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25) */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4) */
  finalDivFactor?: number;
  /** default false */
  threePhase?: boolean;
}

type GroupKey = keyof SchedulerGroupKeys;

interface Phase {
  endStep: number;
  startLr: GroupKey;
  endLr: GroupKey;
  startMomentum: GroupKey;
  endMomentum: GroupKey;
}

function perGroup(name: string, value: number | readonly number[], groups: number): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups) throw new RangeError(`OneCycleLR: expected ${groups} values for ${name} (one per parameter group), got ${value.length}`);
    return value.map((v, i) => checkNumber('OneCycleLR', `${name}[${i}]`, v));
  }
  return new Array<number>(groups).fill(checkNumber('OneCycleLR', name, value));
}

export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  schedulePhases: Phase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  /** Momentum is Adam's beta1 (the optimizer has betas) rather than a momentum option. */
  useBeta1: boolean;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    // The groups get their cycle's bounds before the base constructor records initialLr.
    const o = checkKnownOptions('OneCycleLR', options, ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy',
      'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch']);
    const groups = optimizer?.paramGroups;
    if (!Array.isArray(groups)) throw new TypeError(`OneCycleLR: expected an Optimizer, got ${describe(optimizer)}`);
    let totalSteps: number;
    if (o.totalSteps !== undefined) {
      totalSteps = checkNumber('OneCycleLR', 'totalSteps', o.totalSteps, { integer: true, min: 1 });
    } else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
      totalSteps = checkNumber('OneCycleLR', 'epochs', o.epochs, { integer: true, min: 1 }) * checkNumber('OneCycleLR', 'stepsPerEpoch', o.stepsPerEpoch, { integer: true, min: 1 });
    } else {
      throw new TypeError('OneCycleLR: give totalSteps, or epochs and stepsPerEpoch');
    }
    const pct = checkNumber('OneCycleLR', 'pctStart', o.pctStart ?? 0.3, { min: 0, max: 1 });
    const annealStrategy = checkChoice('OneCycleLR', 'annealStrategy', o.annealStrategy ?? 'cos', ['cos', 'linear'] as const);
    const cycleMomentum = checkBoolean('OneCycleLR', 'cycleMomentum', o.cycleMomentum ?? true);
    const threePhase = checkBoolean('OneCycleLR', 'threePhase', o.threePhase ?? false);
    const divFactor = checkNumber('OneCycleLR', 'divFactor', o.divFactor ?? 25, { above: 0 });
    const finalDivFactor = checkNumber('OneCycleLR', 'finalDivFactor', o.finalDivFactor ?? 1e4, { above: 0 });
    const resuming = (o.lastEpoch ?? -1) !== -1;
    const maxLrs = perGroup('maxLr', o.maxLr, groups.length);
    if (!resuming) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i]!;
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    const defaults = optimizer.defaults as Record<string, unknown>;
    const useBeta1 = 'betas' in defaults;
    if (cycleMomentum) {
      if (!('momentum' in defaults) && !useBeta1) throw new TypeError('OneCycleLR: cycleMomentum needs an optimizer with momentum or betas (turn cycleMomentum off)');
      const maxM = perGroup('maxMomentum', o.maxMomentum ?? 0.95, groups.length);
      const baseM = perGroup('baseMomentum', o.baseMomentum ?? 0.85, groups.length);
      if (!resuming) {
        groups.forEach((g, i) => {
          setMomentum(g, useBeta1, maxM[i]!);
          g.maxMomentum = maxM[i]!;
          g.baseMomentum = baseM[i]!;
        });
      }
    }
    super('OneCycleLR', optimizer, o);
    this.totalSteps = totalSteps;
    this.schedulePhases = threePhase
      ? [
        { endStep: pct * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: 2 * pct * totalSteps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
      ]
      : [
        { endStep: pct * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
      ];
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) throw new RangeError(`OneCycleLR: tried to step ${step + 1} times; the cycle has totalSteps ${this.totalSteps}`);
    const phases = this.schedulePhases;
    return this.optimizer.paramGroups.map((g) => {
      let start = 0, lr = 0;
      for (let i = 0; i < phases.length; i++) {
        const ph = phases[i]!;
        if (step <= ph.endStep || i === phases.length - 1) {
          const pct = (step - start) / (ph.endStep - start);
          lr = this.anneal(g[ph.startLr]!, g[ph.endLr]!, pct);
          if (this.cycleMomentum) setMomentum(g, this.useBeta1, this.anneal(g[ph.startMomentum]!, g[ph.endMomentum]!, pct));
          break;
        }
        start = ph.endStep;
      }
      return lr;
    });
  }
}

function setMomentum(g: ParamGroup, useBeta1: boolean, m: number): void {
  if (useBeta1) {
    const betas = g.betas as readonly number[];
    g.betas = [m, betas[1]!];
  } else {
    g.momentum = m;
  }
}
