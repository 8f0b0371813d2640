// The model, optimizer and learning-rate schedule of a run, built from its configuration.

import type { Module } from '../nn/module.js';
import { createModel } from '../models/registry.js';
import { SGD } from '../optim/sgd.js';
import { Adam } from '../optim/adam.js';
import { AdamW } from '../optim/adamw.js';
import { RMSprop } from '../optim/rmsprop.js';
import type { Optimizer } from '../optim/optimizer.js';
import { StepLR } from '../optim/lr-scheduler/step-lr.js';
import { MultiStepLR } from '../optim/lr-scheduler/multi-step-lr.js';
import { ExponentialLR } from '../optim/lr-scheduler/exponential-lr.js';
import { CosineAnnealingLR } from '../optim/lr-scheduler/cosine-annealing-lr.js';
import { OneCycleLR } from '../optim/lr-scheduler/one-cycle-lr.js';
import { LinearLR } from '../optim/lr-scheduler/linear-lr.js';
import { SequentialLR } from '../optim/lr-scheduler/sequential-lr.js';
import { ReduceLROnPlateau } from '../optim/lr-scheduler/reduce-lr-on-plateau.js';
import type { LRScheduler } from '../optim/lr-scheduler/scheduler.js';
import type { Scheduler } from '../train/training-loop.js';
import type { TrainConfig } from './train-options.js';

export function buildModel(config: TrainConfig, numClasses: number, inChannels: number): Module {
  const model = createModel(config.model, { numClasses, inChannels });
  if (config.precision === 'float16') model.to('float16');
  return model;
}

/** The TrainingLoop's mixedPrecision for a --precision: the autocast dtype of the mixed ones, else null. */
export function mixedPrecisionOf(precision: TrainConfig['precision']): 'float16' | 'bfloat16' | null {
  return precision === 'mixed-float16' ? 'float16' : precision === 'mixed-bfloat16' ? 'bfloat16' : null;
}

export function buildOptimizer(config: TrainConfig, model: Module): Optimizer {
  const params = model.parameters();
  const { lr, weightDecay, momentum } = config;
  switch (config.optimizer) {
    case 'sgd': return new SGD(params, { lr, momentum, weightDecay, nesterov: momentum > 0 });
    case 'adam': return new Adam(params, { lr, weightDecay });
    case 'adamw': return new AdamW(params, { lr, weightDecay });
    case 'rmsprop': return new RMSprop(params, { lr, momentum, weightDecay });
  }
}

export interface BuiltSchedule {
  scheduler: Scheduler | null;
  interval: 'epoch' | 'batch';
}

/** The schedule over the run's epochs (after the warm-up, if any); onecycle steps per batch. */
export function buildScheduler(config: TrainConfig, optimizer: Optimizer, stepsPerEpoch: number): BuiltSchedule {
  const warm = config.warmupEpochs;
  const epochs = config.epochs - warm;
  // The warm-up is built first, as in PyTorch (each scheduler sets the rate when constructed).
  const warmup = warm > 0 ? new LinearLR(optimizer, { startFactor: 0.1, endFactor: 1, totalIters: warm }) : null;
  let main: LRScheduler | null;
  switch (config.scheduler) {
    case 'none': main = null; break;
    case 'step': main = new StepLR(optimizer, { stepSize: Math.max(1, Math.round(epochs / 3)), gamma: 0.1 }); break;
    case 'multistep': main = new MultiStepLR(optimizer, { milestones: [...new Set([Math.max(1, Math.round(epochs * 0.5)), Math.max(1, Math.round(epochs * 0.75))])], gamma: 0.1 }); break;
    case 'exponential': main = new ExponentialLR(optimizer, { gamma: 0.9 }); break;
    case 'cosine': main = new CosineAnnealingLR(optimizer, { tMax: Math.max(1, epochs) }); break;
    case 'onecycle':
      return { scheduler: new OneCycleLR(optimizer, { maxLr: config.lr, epochs: config.epochs, stepsPerEpoch: Math.max(1, stepsPerEpoch) }), interval: 'batch' };
    case 'plateau':
      return { scheduler: new ReduceLROnPlateau(optimizer, { mode: 'min', factor: 0.1, patience: 2 }), interval: 'epoch' };
  }
  if (!warmup) return { scheduler: main, interval: 'epoch' };
  if (!main) return { scheduler: warmup, interval: 'epoch' };
  return { scheduler: new SequentialLR(optimizer, { schedulers: [warmup, main], milestones: [warm] }), interval: 'epoch' };
}
