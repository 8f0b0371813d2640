// Learning-rate range test (Smith, "Cyclical Learning Rates for Training Neural Networks", 2017;
// the fastai / torch-lr-finder procedure): train for a few hundred batches while the learning rate
// grows from startLr to endLr, record the loss at each, stop once it diverges, and suggest the
// rate where the smoothed loss falls fastest. Model, optimizer, random generator and loader are
// put back as they were afterwards, so the finder can run right before training.

import { noGrad } from '../autograd/grad-mode.js';
import type { Module } from '../nn/module.js';
import { Optimizer, type OptimizerStateDict } from '../optim/optimizer.js';
import { describe } from '../tensor/dtype.js';
import { defaultGenerator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { castInput, combinedLoss, toLossFunction, type LossFunction } from './objective.js';
import type { Batch, BatchSource } from './training-loop.js';

export interface LrFinderOptions {
  model: Module;
  optimizer: Optimizer;
  loss: LossFunction;
  trainLoader: BatchSource;
  /** First learning rate tried. Default 1e-7. */
  startLr?: number;
  /** Last learning rate tried. Default 10. */
  endLr?: number;
  /** Batches (one optimizer step each); the loader is iterated again if it has fewer. Default 100. */
  numIter?: number;
  /** How the rate grows: geometrically (default) or linearly. */
  mode?: 'exponential' | 'linear';
  /** Weight of the newest loss in the exponential moving average. Default 0.05. */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this multiple of the lowest one. Default 5. */
  divergeThreshold?: number;
  /** Weight of auxiliary outputs' losses (GoogLeNet), as in TrainingLoop. Default 0.3. */
  auxLossWeight?: number;
  /** Put the weights, optimizer, generator and loader position back afterwards. Default true. */
  restore?: boolean;
}

export interface LrFinderResult {
  /** The learning rate of each step taken. */
  lrs: number[];
  /** The raw loss of each step. */
  losses: number[];
  /** The exponential moving average of the losses. */
  smoothedLosses: number[];
  /** The rate where the smoothed loss falls fastest per decade, or null when the curve never falls. */
  suggestedLr: number | null;
  /** The rate at the lowest smoothed loss. */
  minLossLr: number;
  /** Why the test ended before numIter steps: the loss diverged or became non-finite. */
  stoppedEarly: 'diverged' | 'non-finite' | null;
}

/** Points left out at each end when looking for the steepest descent (noisy start, divergence at the end). */
const SKIP_START = 10, SKIP_END = 5;

function checkPositive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`findLearningRate: ${name} must be a positive finite number, got ${describe(v)}`);
  return v;
}

function asBatch(b: Batch): { input: Tensor; target: Tensor } {
  if (Array.isArray(b)) return { input: b[0] as Tensor, target: b[1] as Tensor };
  const o = b as { input?: unknown; target?: unknown };
  if (!(o?.input instanceof Tensor) || !(o?.target instanceof Tensor)) throw new TypeError(`findLearningRate: expected batches { input, target } (or [input, target]) of tensors, got ${describe(b)}`);
  return o as { input: Tensor; target: Tensor };
}

/** Batches from the loader without end, starting it again when it runs out. */
async function* endless(source: BatchSource): AsyncGenerator<{ input: Tensor; target: Tensor }> {
  for (;;) {
    let any = false;
    for await (const b of source as AsyncIterable<Batch>) {
      any = true;
      yield asBatch(b);
    }
    if (!any) throw new RangeError('findLearningRate: the training loader yielded no batch');
  }
}

/** The learning rate of step i of n from start to end. */
export function lrAt(i: number, n: number, start: number, end: number, mode: 'exponential' | 'linear'): number {
  const t = n > 1 ? i / (n - 1) : 0;
  return mode === 'linear' ? start + (end - start) * t : start * (end / start) ** t;
}

/**
 * The rate at the steepest descent of the smoothed loss against log10(lr), by central
 * differences, ignoring the noisy first SKIP_START and the last SKIP_END points when there are
 * enough of them; null when the loss never falls.
 */
export function steepestDescentLr(lrs: readonly number[], smoothed: readonly number[]): number | null {
  const n = lrs.length;
  if (n < 3) return null;
  const trim = n > SKIP_START + SKIP_END + 3;
  const lo = trim ? SKIP_START : 1, hi = trim ? n - 1 - SKIP_END : n - 2;
  let best = -1, bestSlope = 0;
  for (let i = Math.max(1, lo); i <= Math.min(n - 2, hi); i++) {
    const dx = Math.log10(lrs[i + 1]!) - Math.log10(lrs[i - 1]!);
    const slope = (smoothed[i + 1]! - smoothed[i - 1]!) / dx;
    if (Number.isFinite(slope) && slope < bestSlope) {
      bestSlope = slope;
      best = i;
    }
  }
  return best < 0 ? null : lrs[best]!;
}

/** A copy of the optimizer state whose tensors are not the live ones (stateDict() shares them). */
function copyOptimizerState(sd: OptimizerStateDict): OptimizerStateDict {
  const state: OptimizerStateDict['state'] = {};
  for (const [k, entry] of Object.entries(sd.state)) {
    const copy: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(entry)) copy[name] = v instanceof Tensor ? v.clone() : Array.isArray(v) ? [...v] : v;
    state[Number(k)] = copy;
  }
  return { state, param_groups: sd.param_groups.map((g) => ({ ...g, params: [...g.params] })) };
}

/** Runs the learning-rate range test; see LrFinderOptions for the defaults. Bad options throw at once. */
export function findLearningRate(options: LrFinderOptions): Promise<LrFinderResult> {
  const o = options ?? ({} as LrFinderOptions);
  const model = o.model;
  if (!model || typeof model.forward !== 'function' || typeof model.stateDict !== 'function') throw new TypeError(`findLearningRate: expected model to be a Module, got ${describe(model)}`);
  if (!(o.optimizer instanceof Optimizer)) throw new TypeError(`findLearningRate: expected optimizer to be an Optimizer (optim.SGD, optim.Adam, ...), got ${describe(o.optimizer)}`);
  const lossFn = toLossFunction(o.loss, 'findLearningRate');
  const startLr = checkPositive('startLr', o.startLr ?? 1e-7);
  const endLr = checkPositive('endLr', o.endLr ?? 10);
  if (!(endLr > startLr)) throw new RangeError(`findLearningRate: endLr (${endLr}) must be greater than startLr (${startLr})`);
  const numIter = o.numIter ?? 100;
  if (!Number.isInteger(numIter) || numIter < 2) throw new RangeError(`findLearningRate: numIter must be an integer >= 2, got ${describe(o.numIter)}`);
  const mode = o.mode ?? 'exponential';
  if (mode !== 'exponential' && mode !== 'linear') throw new RangeError(`findLearningRate: mode must be 'exponential' or 'linear', got ${describe(o.mode)}`);
  const smoothing = o.smoothing ?? 0.05;
  if (typeof smoothing !== 'number' || !(smoothing > 0 && smoothing <= 1)) throw new RangeError(`findLearningRate: smoothing must be in (0, 1], got ${describe(o.smoothing)}`);
  const divergeThreshold = o.divergeThreshold ?? 5;
  if (typeof divergeThreshold !== 'number' || !(divergeThreshold > 1)) throw new RangeError(`findLearningRate: divergeThreshold must be a number > 1, got ${describe(o.divergeThreshold)}`);
  const iterable = typeof o.trainLoader?.[Symbol.asyncIterator] === 'function' || typeof o.trainLoader?.[Symbol.iterator] === 'function';
  if (!iterable) throw new TypeError(`findLearningRate: expected trainLoader to be a DataLoader or an iterable of batches, got ${describe(o.trainLoader)}`);
  return rangeTest(model, o.optimizer, lossFn, o.trainLoader, { startLr, endLr, numIter, mode, smoothing, divergeThreshold, auxWeight: o.auxLossWeight ?? 0.3, restore: o.restore ?? true });
}

interface RangeSettings {
  startLr: number; endLr: number; numIter: number; mode: 'exponential' | 'linear';
  smoothing: number; divergeThreshold: number; auxWeight: number; restore: boolean;
}

async function rangeTest(
  model: Module, optimizer: Optimizer, lossFn: (output: Tensor, target: Tensor) => Tensor, loader: BatchSource, settings: RangeSettings,
): Promise<LrFinderResult> {
  const { startLr, endLr, numIter, mode, smoothing, divergeThreshold, auxWeight, restore } = settings;

  // What is put back afterwards: copies, since the step changes the live tensors in place.
  const weights = restore ? noGrad(() => new Map([...model.stateDict()].map(([k, t]) => [k, t.clone()] as const))) : null;
  const optimizerState = restore ? copyOptimizerState(optimizer.stateDict()) : null;
  const generatorState = restore ? defaultGenerator().getState() : null;
  const loaderState = restore && typeof loader?.stateDict === 'function' ? loader.stateDict() : undefined;
  const wasTraining = model.training;

  const lrs: number[] = [], losses: number[] = [], smoothedLosses: number[] = [];
  let stoppedEarly: LrFinderResult['stoppedEarly'] = null;
  try {
    model.train();
    optimizer.zeroGrad({ setToNone: true });
    let best = Infinity, avg = NaN;
    const batches = endless(loader);
    for (let i = 0; i < numIter; i++) {
      const lr = lrAt(i, numIter, startLr, endLr, mode);
      for (const g of optimizer.paramGroups) g.lr = lr;
      const { value: batch } = await batches.next();
      const { loss } = combinedLoss(lossFn, auxWeight, model.forward(castInput(model, batch!.input)) as Tensor | Tensor[], batch!.target, 'findLearningRate');
      const value = loss.item();
      if (!Number.isFinite(value)) {
        stoppedEarly = 'non-finite';
        break;
      }
      loss.backward();
      optimizer.step();
      optimizer.zeroGrad({ setToNone: false });
      avg = i === 0 ? value : smoothing * value + (1 - smoothing) * avg;
      lrs.push(lr);
      losses.push(value);
      smoothedLosses.push(avg);
      best = Math.min(best, avg);
      if (avg > divergeThreshold * best) {
        stoppedEarly = 'diverged';
        break;
      }
    }
    await batches.return(undefined);
  } finally {
    if (restore) {
      noGrad(() => model.loadStateDict(weights!));
      optimizer.loadStateDict(optimizerState!);
      defaultGenerator().setState(generatorState!);
      if (loaderState !== undefined) (loader.loadStateDict as (s: unknown) => void)(loaderState);
    }
    optimizer.zeroGrad({ setToNone: true });
    if (wasTraining) model.train();
    else model.eval();
  }
  if (lrs.length === 0) throw new RangeError(`findLearningRate: the loss was not finite at the first learning rate (${startLr}); check the model and data, or start lower`);
  let minAt = 0;
  smoothedLosses.forEach((v, i) => { if (v < smoothedLosses[minAt]!) minAt = i; });
  return { lrs, losses, smoothedLosses, suggestedLr: steepestDescentLr(lrs, smoothedLosses), minLossLr: lrs[minAt]!, stoppedEarly };
}
