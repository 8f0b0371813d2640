// Callbacks: hooks the TrainingLoop calls at train, epoch and batch begin and end. A callback
// with state (EarlyStopping's patience counter, say) implements stateDict/loadStateDict and is
// saved in checkpoints with the rest of the run, so a resumed run behaves as an uninterrupted one.

import type { TrainingLoop } from '../training-loop.js';

/** Metrics of one epoch (train_*, val_*) plus bookkeeping. */
export interface EpochLogs {
  epoch: number;
  train_loss: number;
  train_accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  val_top5?: number;
  lr: number;
  /** Optimizer steps so far. */
  step: number;
  /** Steps skipped this epoch for a non-finite loss or gradient. */
  skipped_steps: number;
  seconds: number;
  images_per_second: number;
  [metric: string]: number | undefined;
}

export interface BatchLogs {
  epoch: number;
  /** Index of this batch in the epoch (0-based). */
  batch: number;
  /** Batches per epoch, when the loader knows. */
  batches: number | null;
  step: number;
  loss: number;
  /** Running training accuracy of this epoch so far. */
  accuracy: number;
  /** Running mean training loss of this epoch so far. */
  meanLoss: number;
  lr: number;
  imagesPerSecond: number;
  /** Seconds since this epoch began. */
  elapsedSeconds: number;
  /** Whether the optimizer stepped after this batch. */
  stepped: boolean;
}

export interface Callback {
  onTrainBegin?(loop: TrainingLoop): void | Promise<void>;
  onTrainEnd?(loop: TrainingLoop, history: readonly EpochLogs[]): void | Promise<void>;
  onEpochBegin?(loop: TrainingLoop, epoch: number): void | Promise<void>;
  onEpochEnd?(loop: TrainingLoop, logs: EpochLogs): void | Promise<void>;
  onBatchBegin?(loop: TrainingLoop, batch: number): void | Promise<void>;
  onBatchEnd?(loop: TrainingLoop, logs: BatchLogs): void | Promise<void>;
  stateDict?(): unknown;
  loadStateDict?(state: never): void;
}
