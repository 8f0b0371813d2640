// TrainingLoop: one loop for every model. Forward, loss (with GoogLeNet-style auxiliary outputs),
// backward with gradient accumulation, non-finite handling (skip, error or roll back), clipping,
// the optimizer and scheduler steps, evaluation, callbacks, checkpoints and exact resume.
//
// Invariants: the step counter and the scheduler advance only when the optimizer really stepped;
// a checkpoint is taken only between optimizer steps (no half-accumulated gradients), and holds
// everything that decides the rest of the run (weights, optimizer, scheduler, data-loader
// position, random generator, callback state, this epoch's running sums), so a run resumed from
// it finishes bit-identical to one that was never interrupted.

import { noGrad } from '../autograd/grad-mode.js';
import { autocast, type AutocastDtype } from '../autograd/autocast.js';
import { backend } from '../backend/index.js';
import type { Module } from '../nn/module.js';
import { defaultGenerator, manualSeed, type GeneratorState } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/dtype.js';
import { contiguousAs } from '../tensor/ops/convert.js';
import type { BatchLogs, Callback, EpochLogs } from './callbacks/callback.js';
import type { CheckpointManager, LoadedCheckpoint } from './checkpoint/checkpoint-manager.js';
import { clipGradNorm, clipGradValue } from './clip.js';
import { GradScaler } from './grad-scaler.js';
import { correctTopK } from './metrics.js';
import { castInput, combinedLoss, toLossFunction, type LossFunction } from './objective.js';
import type { DataParallel } from './data-parallel.js';
import { Optimizer } from '../optim/optimizer.js';
import { LRScheduler } from '../optim/lr-scheduler/scheduler.js';
import { ReduceLROnPlateau } from '../optim/lr-scheduler/reduce-lr-on-plateau.js';

export type Scheduler = LRScheduler | ReduceLROnPlateau;

/** A batch source: the library's DataLoader, or any async/sync iterable of batches. */
export interface BatchSource {
  [Symbol.asyncIterator]?(): AsyncIterator<Batch>;
  [Symbol.iterator]?(): Iterator<Batch>;
  /** Batches per epoch. */
  readonly length?: number;
  stateDict?(): unknown;
  loadStateDict?(state: never): void;
}

export type Batch = { input: Tensor; target: Tensor } | readonly [Tensor, Tensor];

export type { LossFunction };

export type NonFinitePolicy = 'skip' | 'error' | 'rollback';

export interface TrainingLoopOptions {
  model: Module;
  optimizer: Optimizer;
  loss: LossFunction;
  scheduler?: Scheduler | null;
  /** When the scheduler steps: after each epoch (default) or each optimizer step (OneCycleLR). */
  schedulerInterval?: 'epoch' | 'batch';
  /** The metric ReduceLROnPlateau-style schedulers (step(metric)) receive. Default 'val_loss', else 'train_loss'. */
  schedulerMonitor?: string;
  callbacks?: Callback[];
  /** Clip the gradients' total norm to this (or { maxNorm, normType }) before each step. */
  clipGradNorm?: number | { maxNorm: number; normType?: number };
  /** Clamp every gradient element to [-v, v] before each step. */
  clipGradValue?: number;
  /** Optimizer step every this many batches, the loss divided by it. Default 1. */
  gradAccumulationSteps?: number;
  /** Weight of auxiliary outputs when the model returns [main, ...aux] in training. Default 0.3. */
  auxLossWeight?: number;
  /** What a non-finite loss or gradient does: skip the step (default), throw, or roll back to the last checkpoint with half the learning rate. */
  nonFinite?: NonFinitePolicy;
  /**
   * Give up with a TrainingError once this many optimizer steps in a row were non-finite (the run
   * has diverged; skipping or rolling back further only burns time). Default Infinity (never).
   */
  maxNonFiniteSteps?: number;
  checkpoints?: CheckpointManager | null;
  /** Checkpoint every N optimizer steps as well as at every epoch end (0: epochs only). Default 0. */
  checkpointEverySteps?: number;
  /**
   * Mixed precision: float32 parameters (master weights), the forward pass and the loss under
   * autocast in this dtype. float16 adds loss scaling (a GradScaler: a step whose gradients
   * overflowed is skipped and the scale lowered, which is not a non-finite event); bfloat16 has
   * float32's range and needs none. Default null (off).
   */
  mixedPrecision?: AutocastDtype | null;
  /** The loss scaler of a float16 mixed-precision run (default new GradScaler()). */
  gradScaler?: GradScaler | null;
  /** Seeds the default generator (dropout, initialisation done after this) for a reproducible run. */
  seed?: number;
  /** Where the loop's messages go (default console.warn). */
  log?: (message: string) => void;
  /**
   * Split every training batch across this DataParallel's replicas (the model here is replica 0:
   * its optimizer, checkpoints and evaluation are the loop's). Started by train(); close() it when done.
   */
  dataParallel?: DataParallel | null;
}

export interface TrainOptions {
  epochs: number;
  trainLoader: BatchSource;
  valLoader?: BatchSource | null;
  /** Resume from the latest valid checkpoint (true) or a given file, when the loop has a CheckpointManager. */
  resume?: boolean | string;
}

export interface EvaluationResult {
  loss: number;
  accuracy: number;
  top5: number;
  samples: number;
}

/** Sums of the current epoch, saved in mid-epoch checkpoints. */
interface EpochSums {
  lossSum: number;
  correct: number;
  samples: number;
  batches: number;
  skipped: number;
  /** Steps the loss scaler skipped (gradients overflowed at the current scale). */
  scalerSkipped: number;
}

const zeroSums = (): EpochSums => ({ lossSum: 0, correct: 0, samples: 0, batches: 0, skipped: 0, scalerSkipped: 0 });

export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

/** What train() rejects with after interrupt(): where the run stopped and the checkpoint to resume from. */
export class TrainingInterrupted extends Error {
  constructor(readonly checkpoint: string | null, readonly epoch: number, readonly step: number) {
    super(`TrainingLoop: interrupted at epoch ${epoch}, step ${step}${checkpoint ? `; saved ${checkpoint}` : ' (no CheckpointManager: nothing saved)'}`);
    this.name = 'TrainingInterrupted';
  }
}

function asBatch(b: Batch, where: string): { input: Tensor; target: Tensor } {
  if (Array.isArray(b)) return { input: b[0] as Tensor, target: b[1] as Tensor };
  const o = b as { input?: unknown; target?: unknown };
  if (!(o?.input instanceof Tensor) || !(o?.target instanceof Tensor)) throw new TypeError(`${where}: expected batches { input, target } (or [input, target]) of tensors, got ${describe(b)}`);
  return o as { input: Tensor; target: Tensor };
}

async function* batchesOf(source: BatchSource, where: string): AsyncGenerator<{ input: Tensor; target: Tensor }> {
  if (typeof source?.[Symbol.asyncIterator] === 'function') {
    for await (const b of source as AsyncIterable<Batch>) yield asBatch(b, where);
  } else if (typeof source?.[Symbol.iterator] === 'function') {
    for (const b of source as Iterable<Batch>) yield asBatch(b, where);
  } else {
    throw new TypeError(`${where}: expected a DataLoader or an iterable of batches, got ${describe(source)}`);
  }
}

export class TrainingLoop {
  readonly model: Module;
  readonly optimizer: Optimizer;
  readonly scheduler: Scheduler | null;
  readonly callbacks: Callback[];
  readonly checkpoints: CheckpointManager | null;
  readonly nonFinite: NonFinitePolicy;
  readonly gradAccumulationSteps: number;
  readonly auxLossWeight: number;
  readonly mixedPrecision: AutocastDtype | null;
  /** The loss scaler (float16 mixed precision), or null. */
  readonly gradScaler: GradScaler | null;
  readonly dataParallel: DataParallel | null;
  /** Set by a callback (EarlyStopping) to end training after the current batch or epoch. */
  stopTraining = false;
  /** Completed epochs. */
  epoch = 0;
  /** Optimizer steps taken. */
  step = 0;
  /** The epochs of the current train() call. */
  plannedEpochs = 0;
  readonly history: EpochLogs[] = [];
  private readonly lossFn: (output: Tensor, target: Tensor) => Tensor;
  private readonly schedulerInterval: 'epoch' | 'batch';
  private readonly schedulerMonitor: string | null;
  private readonly clipNorm: { maxNorm: number; normType: number } | null;
  private readonly clipValue: number | null;
  private readonly checkpointEverySteps: number;
  private readonly logFn: (message: string) => void;
  private sums: EpochSums = zeroSums();
  /** Position in the accumulation window (batches since the last optimizer step). */
  private pendingBatches = 0;
  private windowTainted = false;
  private rollbackTarget: string | null = null;
  private readonly maxNonFiniteSteps: number;
  /** Non-finite steps since the last finite one. */
  private nonFiniteRun = 0;
  private interruptRequested = false;
  private lastCheckpoint: string | null = null;

  constructor(options: TrainingLoopOptions) {
    const o = options ?? ({} as TrainingLoopOptions);
    if (!o.model || typeof o.model.forward !== 'function' || typeof o.model.stateDict !== 'function') throw new TypeError(`TrainingLoop: expected model to be a Module, got ${describe(o.model)}`);
    if (!(o.optimizer instanceof Optimizer)) throw new TypeError(`TrainingLoop: expected optimizer to be an Optimizer (optim.SGD, optim.Adam, ...), got ${describe(o.optimizer)}`);
    if (o.scheduler && !(o.scheduler instanceof LRScheduler) && !(o.scheduler instanceof ReduceLROnPlateau)) throw new TypeError(`TrainingLoop: expected scheduler to be one of optim.lrScheduler's, got ${describe(o.scheduler)}`);
    if (o.schedulerInterval === 'batch' && o.scheduler instanceof ReduceLROnPlateau) throw new RangeError("TrainingLoop: ReduceLROnPlateau steps on an epoch metric; use schedulerInterval 'epoch'");
    this.lossFn = toLossFunction(o.loss, 'TrainingLoop');
    this.model = o.model;
    this.optimizer = o.optimizer;
    this.scheduler = o.scheduler ?? null;
    this.callbacks = [...(o.callbacks ?? [])];
    this.checkpoints = o.checkpoints ?? null;
    this.nonFinite = o.nonFinite ?? 'skip';
    this.maxNonFiniteSteps = o.maxNonFiniteSteps ?? Infinity;
    if (!(this.maxNonFiniteSteps >= 1) || (Number.isFinite(this.maxNonFiniteSteps) && !Number.isInteger(this.maxNonFiniteSteps))) throw new RangeError(`TrainingLoop: maxNonFiniteSteps must be a positive integer or Infinity, got ${describe(o.maxNonFiniteSteps)}`);
    if (!['skip', 'error', 'rollback'].includes(this.nonFinite)) throw new RangeError(`TrainingLoop: nonFinite must be 'skip', 'error' or 'rollback', got ${describe(o.nonFinite)}`);
    if (this.nonFinite === 'rollback' && !this.checkpoints) throw new Error("TrainingLoop: nonFinite 'rollback' needs a CheckpointManager (the checkpoints option) to roll back to");
    this.gradAccumulationSteps = o.gradAccumulationSteps ?? 1;
    if (!Number.isInteger(this.gradAccumulationSteps) || this.gradAccumulationSteps < 1) throw new RangeError(`TrainingLoop: gradAccumulationSteps must be a positive integer, got ${describe(o.gradAccumulationSteps)}`);
    this.auxLossWeight = o.auxLossWeight ?? 0.3;
    if (typeof this.auxLossWeight !== 'number' || !Number.isFinite(this.auxLossWeight) || this.auxLossWeight < 0) throw new RangeError(`TrainingLoop: auxLossWeight must be a non-negative number, got ${describe(o.auxLossWeight)}`);
    this.schedulerInterval = o.schedulerInterval ?? 'epoch';
    if (this.schedulerInterval !== 'epoch' && this.schedulerInterval !== 'batch') throw new RangeError(`TrainingLoop: schedulerInterval must be 'epoch' or 'batch', got ${describe(o.schedulerInterval)}`);
    this.schedulerMonitor = o.schedulerMonitor ?? null;
    const cn = o.clipGradNorm;
    if (cn === undefined || cn === null) this.clipNorm = null;
    else if (typeof cn === 'number') this.clipNorm = { maxNorm: cn, normType: 2 };
    else this.clipNorm = { maxNorm: cn.maxNorm, normType: cn.normType ?? 2 };
    if (this.clipNorm && (typeof this.clipNorm.maxNorm !== 'number' || !(this.clipNorm.maxNorm >= 0))) throw new RangeError(`TrainingLoop: clipGradNorm must be a non-negative number, got ${describe(this.clipNorm.maxNorm)}`);
    if (this.clipNorm && (typeof this.clipNorm.normType !== 'number' || !(this.clipNorm.normType > 0))) throw new RangeError(`TrainingLoop: clipGradNorm normType must be > 0, got ${describe(this.clipNorm.normType)}`);
    this.clipValue = o.clipGradValue ?? null;
    if (this.clipValue !== null && (typeof this.clipValue !== 'number' || !(this.clipValue >= 0))) throw new RangeError(`TrainingLoop: clipGradValue must be a non-negative number, got ${describe(o.clipGradValue)}`);
    this.checkpointEverySteps = o.checkpointEverySteps ?? 0;
    if (!Number.isInteger(this.checkpointEverySteps) || this.checkpointEverySteps < 0) throw new RangeError(`TrainingLoop: checkpointEverySteps must be a non-negative integer, got ${describe(o.checkpointEverySteps)}`);
    this.logFn = o.log ?? ((m) => console.warn(m));
    this.mixedPrecision = o.mixedPrecision ?? null;
    if (this.mixedPrecision !== null && this.mixedPrecision !== 'float16' && this.mixedPrecision !== 'bfloat16') throw new RangeError(`TrainingLoop: mixedPrecision must be 'float16', 'bfloat16' or null, got ${describe(o.mixedPrecision)}`);
    if (this.mixedPrecision) {
      const half = this.model.parameters().find((p) => p.isFloatingPoint() && p.dtype !== 'float32');
      if (half) throw new TypeError(`TrainingLoop: mixedPrecision needs float32 parameters (the master weights; autocast runs the ops in ${this.mixedPrecision}), got a ${half.dtype} parameter`);
    }
    if (o.gradScaler !== undefined && o.gradScaler !== null && !(o.gradScaler instanceof GradScaler)) throw new TypeError(`TrainingLoop: expected gradScaler to be an amp.GradScaler, got ${describe(o.gradScaler)}`);
    if (o.gradScaler && this.mixedPrecision !== 'float16') throw new RangeError("TrainingLoop: gradScaler is for mixedPrecision 'float16' (bfloat16 and float32 need no loss scaling)");
    this.gradScaler = this.mixedPrecision === 'float16' ? (o.gradScaler ?? new GradScaler()) : null;
    this.dataParallel = o.dataParallel ?? null;
    if (this.dataParallel && (typeof this.dataParallel.forwardBackward !== 'function')) throw new TypeError(`TrainingLoop: expected dataParallel to be a train.DataParallel, got ${describe(o.dataParallel)}`);
    if (this.dataParallel && this.mixedPrecision) throw new RangeError('TrainingLoop: dataParallel and mixedPrecision cannot be combined yet; use one of them');
    if (o.seed !== undefined) manualSeed(o.seed);
  }

  /** fn under autocast when training in mixed precision. */
  private autocast<T>(fn: () => T): T {
    return this.mixedPrecision ? autocast({ dtype: this.mixedPrecision }, fn) : fn();
  }

  log(message: string): void {
    this.logFn(message);
  }

  /**
   * Stops training at the next point where a checkpoint can be taken (after the current batch and
   * its optimizer step), saves one, and makes train() reject with TrainingInterrupted. Safe to
   * call from a signal handler; a resumed run continues exactly from that checkpoint.
   */
  interrupt(): void {
    this.interruptRequested = true;
  }

  private stopForInterrupt(trainLoader: BatchSource, saveNow: boolean): never {
    if (saveNow) {
      const s = this.sums;
      this.saveCheckpoint(trainLoader, s.samples > 0 ? { train_loss: s.lossSum / s.samples, train_accuracy: s.correct / s.samples } : {});
    }
    throw new TrainingInterrupted(this.checkpoints ? this.lastCheckpoint : null, this.epoch, this.step);
  }

  /** The input in the parameters' floating dtype (float16 training). */
  private prepareInput(input: Tensor): Tensor {
    return castInput(this.model, input);
  }

  private params(): Tensor[] {
    return this.optimizer.paramGroups.flatMap((g) => g.params);
  }

  private currentLr(): number {
    return this.optimizer.paramGroups[0]?.lr ?? NaN;
  }

  /** Loss of a model output: main + auxLossWeight x (sum of auxiliary losses) when it returns several. */
  private lossOf(output: Tensor | readonly Tensor[], target: Tensor): { loss: Tensor; main: Tensor } {
    return combinedLoss(this.lossFn, this.auxLossWeight, output, target, 'TrainingLoop');
  }

  /** Whether every gradient is finite (one max-|g| pass per tensor). */
  private gradsFinite(): boolean {
    const out = new Float64Array(1);
    for (const p of this.params()) {
      const g = p.grad;
      if (!g || g.numel() === 0) continue;
      const r = g.dtype === 'float64' || g.dtype === 'float32' ? contiguousAs(g, g.dtype) : contiguousAs(g, 'float32');
      backend().reduce('maxAbs', r.data, r.offset, 1, r.numel(), 1, out);
      if (!Number.isFinite(out[0]!)) return false;
    }
    return true;
  }

  /** Ends an accumulation window: checks, clips and steps (or skips / rolls back). True if it stepped. */
  private finishWindow(): boolean {
    const tainted = this.windowTainted;
    this.pendingBatches = 0;
    this.windowTainted = false;
    let finite = !tainted;
    // a disabled scaler (GradScaler({ enabled: false })) leaves the step to the usual checks
    if (finite && this.gradScaler?.isEnabled()) return this.scaledStep(this.gradScaler);
    if (finite && this.clipValue !== null) clipGradValue(this.params(), this.clipValue);
    if (finite && this.clipNorm) {
      try {
        clipGradNorm(this.params(), this.clipNorm.maxNorm, { normType: this.clipNorm.normType, errorIfNonfinite: true });
      } catch {
        finite = false;
      }
    } else if (finite) {
      finite = this.gradsFinite();
    }
    if (!finite) {
      this.handleNonFinite();
      return false;
    }
    this.optimizer.step();
    this.optimizer.zeroGrad({ setToNone: false });
    this.nonFiniteRun = 0;
    this.step += 1;
    if (this.scheduler instanceof LRScheduler && this.schedulerInterval === 'batch') this.scheduler.step();
    return true;
  }

  /**
   * The float16 step through the loss scaler: unscale, clip the true gradients, step unless they
   * overflowed, adjust the scale. An overflow skip is the scaler's business, not a non-finite
   * event: no step counted, no scheduler step, no nonFinite policy.
   */
  private scaledStep(scaler: GradScaler): boolean {
    scaler.unscale(this.optimizer);
    if (scaler.foundInf(this.optimizer) === false) {
      if (this.clipValue !== null) clipGradValue(this.params(), this.clipValue);
      if (this.clipNorm) clipGradNorm(this.params(), this.clipNorm.maxNorm, { normType: this.clipNorm.normType });
    }
    const stepped = scaler.step(this.optimizer);
    scaler.update();
    this.optimizer.zeroGrad({ setToNone: false });
    if (!stepped) {
      this.sums.scalerSkipped += 1;
      return false;
    }
    this.nonFiniteRun = 0;
    this.step += 1;
    if (this.scheduler instanceof LRScheduler && this.schedulerInterval === 'batch') this.scheduler.step();
    return true;
  }

  private handleNonFinite(): void {
    const where = `epoch ${this.epoch}, step ${this.step}`;
    if (this.nonFinite === 'error') throw new TrainingError(`TrainingLoop: non-finite loss or gradient at ${where} (nonFinite: 'error')`);
    this.optimizer.zeroGrad({ setToNone: false });
    this.sums.skipped += 1;
    this.nonFiniteRun += 1;
    if (this.nonFiniteRun >= this.maxNonFiniteSteps) {
      throw new TrainingError(`TrainingLoop: training diverged: ${this.nonFiniteRun} optimizer steps in a row had a non-finite loss or gradient (at ${where}); try a lower learning rate, gradient clipping or a warm-up`);
    }
    if (this.nonFinite === 'skip') {
      this.log(`TrainingLoop: skipped the optimizer step at ${where}: non-finite loss or gradient`);
      return;
    }
    this.rollback(where);
  }

  /** Reloads the last good checkpoint, halves the learning rate and carries on. */
  private rollback(where: string): void {
    const c = this.checkpoints!.loadLatest();
    if (!c) throw new TrainingError(`TrainingLoop: non-finite loss or gradient at ${where} and no valid checkpoint to roll back to`);
    c.restore({ model: this.model, optimizer: this.optimizer, scheduler: this.scheduler });
    const s = c.extra.loop as { step?: number } | undefined;
    if (typeof s?.step === 'number') this.step = s.step;
    this.restoreScaler(c);
    for (const g of this.optimizer.paramGroups) {
      g.lr *= 0.5;
      if (g.initialLr !== undefined) g.initialLr *= 0.5;
    }
    if (this.scheduler instanceof LRScheduler) this.scheduler.baseLrs = this.scheduler.baseLrs.map((x) => x * 0.5);
    if (this.rollbackTarget && this.rollbackTarget !== c.path) this.checkpoints!.unprotect(this.rollbackTarget);
    this.checkpoints!.protect(c.path);
    this.rollbackTarget = c.path;
    this.log(`TrainingLoop: non-finite loss or gradient at ${where}: rolled back to ${c.path} (step ${this.step}) and halved the learning rate to ${this.currentLr()}`);
  }

  /** The state a checkpoint carries beyond model, optimizer and scheduler. */
  private extraState(trainLoader: BatchSource | null): Record<string, unknown> {
    return {
      loop: { epoch: this.epoch, step: this.step, sums: { ...this.sums }, history: this.history.map((h) => ({ ...h })) },
      generator: defaultGenerator().getState(),
      trainLoader: trainLoader?.stateDict ? trainLoader.stateDict() : null,
      callbacks: this.callbacks.map((cb) => (cb.stateDict ? cb.stateDict() : null)),
      gradScaler: this.gradScaler ? this.gradScaler.stateDict() : null,
    };
  }

  private restoreScaler(c: LoadedCheckpoint): void {
    const state = c.extra.gradScaler;
    if (this.gradScaler && state) this.gradScaler.loadStateDict(state as never);
  }

  private saveCheckpoint(trainLoader: BatchSource | null, metrics: Record<string, number>): void {
    if (!this.checkpoints) return;
    const path = this.lastCheckpoint = this.checkpoints.save({ model: this.model, optimizer: this.optimizer, scheduler: this.scheduler, epoch: this.epoch, step: this.step, metrics, extra: this.extraState(trainLoader) });
    if (this.rollbackTarget && this.rollbackTarget !== path) {
      this.checkpoints.unprotect(this.rollbackTarget);
      this.rollbackTarget = null;
    }
  }

  /** Restores a checkpoint's full state into this loop (and the loader). */
  private restoreFrom(c: LoadedCheckpoint, trainLoader: BatchSource): void {
    c.restore({ model: this.model, optimizer: this.optimizer, scheduler: this.scheduler });
    const loop = c.extra.loop as { epoch: number; step: number; sums: EpochSums; history: EpochLogs[] } | undefined;
    if (loop) {
      this.epoch = loop.epoch;
      this.step = loop.step;
      this.sums = { ...zeroSums(), ...loop.sums };
      this.history.splice(0, this.history.length, ...loop.history);
    } else {
      this.epoch = c.epoch;
      this.step = c.step;
    }
    this.restoreScaler(c);
    if (c.extra.generator) defaultGenerator().setState(c.extra.generator as GeneratorState);
    if (c.extra.trainLoader && trainLoader.loadStateDict) trainLoader.loadStateDict(c.extra.trainLoader as never);
    const cbStates = (c.extra.callbacks as unknown[] | undefined) ?? [];
    this.callbacks.forEach((cb, i) => {
      if (cb.loadStateDict && cbStates[i] !== null && cbStates[i] !== undefined) cb.loadStateDict(cbStates[i] as never);
    });
    this.log(`TrainingLoop: resumed from ${c.path} (epoch ${this.epoch}, step ${this.step})`);
  }

  private async emit<K extends keyof Callback>(hook: K, ...args: unknown[]): Promise<void> {
    for (const cb of this.callbacks) {
      const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
      if (fn) await fn.call(cb, this, ...args);
    }
  }

  /** Trains until `epochs` epochs are complete (counting those of a resumed run); returns the history. */
  async train(options: TrainOptions): Promise<EpochLogs[]> {
    const { epochs, trainLoader, valLoader } = options ?? ({} as TrainOptions);
    if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`TrainingLoop.train: epochs must be a non-negative integer, got ${describe(epochs)}`);
    if (!trainLoader) throw new TypeError('TrainingLoop.train: expected a trainLoader');
    this.plannedEpochs = epochs;
    this.stopTraining = false;
    this.interruptRequested = false;
    if (options.resume) {
      if (!this.checkpoints) throw new Error('TrainingLoop.train: resume needs a CheckpointManager (the checkpoints option)');
      const c = typeof options.resume === 'string' ? this.checkpoints.load(options.resume) : this.checkpoints.loadLatest();
      if (c) this.restoreFrom(c, trainLoader);
      else this.log('TrainingLoop: no checkpoint to resume from; starting afresh');
    }
    if (this.nonFinite === 'rollback' && this.checkpoints!.list().length === 0) this.saveCheckpoint(trainLoader, {});
    if (this.dataParallel) await this.dataParallel.start(this.model, this.auxLossWeight);
    await this.emit('onTrainBegin');
    while (this.epoch < epochs && !this.stopTraining) {
      await this.runEpoch(trainLoader, valLoader ?? null);
      // Requested during the epoch's end (evaluation, callbacks): its checkpoint was just saved.
      if (this.interruptRequested) this.stopForInterrupt(trainLoader, false);
    }
    await this.emit('onTrainEnd', this.history);
    return this.history;
  }

  /** Forward and backward of one batch, here or across the data-parallel replicas: its loss and top-1 correct count. */
  private async forwardBackward(input: Tensor, target: Tensor, epoch: number, batchIndex: number): Promise<{ lossValue: number; correct: number }> {
    const scale = 1 / this.gradAccumulationSteps;
    if (this.dataParallel) {
      const seed = (Math.imul(epoch + 1, 0x27d4eb2f) + batchIndex) >>> 0;
      const r = await this.dataParallel.forwardBackward(this.prepareInput(input), target, this.lossFn, this.auxLossWeight, scale, seed);
      return { lossValue: r.loss, correct: r.correct };
    }
    const { loss, main } = this.autocast(() => this.lossOf(this.model.forward(this.prepareInput(input)) as Tensor | Tensor[], target));
    const lossValue = loss.item();
    if (Number.isFinite(lossValue)) {
      const windowLoss = this.gradAccumulationSteps === 1 ? loss : loss.div(this.gradAccumulationSteps);
      (this.gradScaler ? this.gradScaler.scale(windowLoss) : windowLoss).backward();
    }
    return { lossValue, correct: main.ndim === 2 ? correctTopK(main, target, 1) : 0 };
  }

  private async runEpoch(trainLoader: BatchSource, valLoader: BatchSource | null): Promise<void> {
    const epoch = this.epoch;
    await this.emit('onEpochBegin', epoch);
    this.model.train();
    const started = performance.now();
    const resumedSamples = this.sums.samples;
    const batches = typeof trainLoader.length === 'number' ? trainLoader.length : null;
    for await (const { input, target } of batchesOf(trainLoader, 'TrainingLoop.train')) {
      const batchIndex = this.sums.batches;
      await this.emit('onBatchBegin', batchIndex);
      const n = input.shape[0] ?? 0;
      const { lossValue, correct } = await this.forwardBackward(input, target, epoch, batchIndex);
      if (!Number.isFinite(lossValue)) this.windowTainted = true;
      this.pendingBatches += 1;
      const stepped = this.pendingBatches === this.gradAccumulationSteps ? this.finishWindow() : false;
      this.sums.lossSum += lossValue * n;
      this.sums.correct += correct;
      this.sums.samples += n;
      this.sums.batches += 1;
      const elapsed = (performance.now() - started) / 1000;
      const logs: BatchLogs = {
        epoch, batch: batchIndex, batches, step: this.step, loss: lossValue,
        accuracy: this.sums.samples > 0 ? this.sums.correct / this.sums.samples : 0,
        meanLoss: this.sums.samples > 0 ? this.sums.lossSum / this.sums.samples : NaN,
        lr: this.currentLr(), imagesPerSecond: elapsed > 0 ? (this.sums.samples - resumedSamples) / elapsed : 0, elapsedSeconds: elapsed, stepped,
      };
      await this.emit('onBatchEnd', logs);
      const periodic = stepped && this.checkpointEverySteps > 0 && this.step % this.checkpointEverySteps === 0;
      if (periodic) this.saveCheckpoint(trainLoader, { train_loss: logs.meanLoss, train_accuracy: logs.accuracy });
      // The periodic checkpoint just written holds this very state: no second copy.
      if (this.interruptRequested && this.pendingBatches === 0) this.stopForInterrupt(trainLoader, !periodic);
      if (this.stopTraining) break;
    }
    if (this.pendingBatches > 0) this.finishWindow();
    const seconds = (performance.now() - started) / 1000;
    const logs: EpochLogs = {
      epoch, train_loss: this.sums.samples > 0 ? this.sums.lossSum / this.sums.samples : NaN,
      train_accuracy: this.sums.samples > 0 ? this.sums.correct / this.sums.samples : 0,
      lr: this.currentLr(), step: this.step, skipped_steps: this.sums.skipped, seconds,
      images_per_second: seconds > 0 ? (this.sums.samples - resumedSamples) / seconds : 0,
    };
    if (this.gradScaler) {
      logs.loss_scale = this.gradScaler.getScale();
      logs.scaler_skipped_steps = this.sums.scalerSkipped;
    }
    if (valLoader) {
      const v = await this.evaluate(valLoader);
      logs.val_loss = v.loss;
      logs.val_accuracy = v.accuracy;
      logs.val_top5 = v.top5;
    }
    if (this.scheduler && this.schedulerInterval === 'epoch') {
      if (this.scheduler instanceof ReduceLROnPlateau) {
        const key = this.schedulerMonitor ?? (logs.val_loss !== undefined ? 'val_loss' : 'train_loss');
        const metric = logs[key];
        if (typeof metric !== 'number') throw new Error(`TrainingLoop: the scheduler needs metric '${key}', which is not in the epoch logs`);
        this.scheduler.step(metric);
      } else {
        this.scheduler.step();
      }
    }
    this.history.push(logs);
    this.epoch += 1;
    this.sums = zeroSums();
    // Callbacks first, so that the checkpoint holds their state after this epoch (EarlyStopping's
    // counter, the metrics file's length).
    await this.emit('onEpochEnd', logs);
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(logs)) if (typeof v === 'number' && k !== 'epoch' && k !== 'step') metrics[k] = v;
    this.saveCheckpoint(trainLoader, metrics);
  }

  /** Mean loss, top-1 and top-5 accuracy over a loader, in eval mode without gradients. */
  async evaluate(loader: BatchSource): Promise<EvaluationResult> {
    const wasTraining = this.model.training;
    this.model.eval();
    let lossSum = 0, correct = 0, correct5 = 0, samples = 0;
    try {
      for await (const { input, target } of batchesOf(loader, 'TrainingLoop.evaluate')) {
        noGrad(() => this.autocast(() => {
          const out = this.model.forward(this.prepareInput(input)) as Tensor | Tensor[];
          const main = Array.isArray(out) ? out[0]! : out;
          const n = input.shape[0] ?? 0;
          lossSum += this.lossFn(main, target).item() * n;
          if (main.ndim === 2) {
            correct += correctTopK(main, target, 1);
            correct5 += correctTopK(main, target, 5);
          }
          samples += n;
        }));
      }
    } finally {
      this.model.train(wasTraining);
    }
    return { loss: samples > 0 ? lossSum / samples : NaN, accuracy: samples > 0 ? correct / samples : 0, top5: samples > 0 ? correct5 / samples : 0, samples };
  }
}
