// MetricsLogger: one row per epoch and one every `everySteps` optimizer steps, as CSV (fixed
// columns) or JSON lines (everything). Its state is the file length at the last checkpoint, so a
// resumed run first drops the rows written after it and the file reads as one uninterrupted run.

import { appendFileSync, existsSync, openSync, closeSync, ftruncateSync, statSync, writeFileSync } from 'node:fs';
import { describe } from '../../tensor/dtype.js';
import type { BatchLogs, Callback, EpochLogs } from './callback.js';
import type { TrainingLoop } from '../training-loop.js';

export const CSV_COLUMNS = [
  'kind', 'epoch', 'step', 'batch', 'loss', 'accuracy', 'lr', 'train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'val_top5',
  'skipped_steps', 'seconds', 'images_per_second',
] as const;

export interface MetricsLoggerOptions {
  path: string;
  /** 'csv' or 'jsonl'; default from the file extension. */
  format?: 'csv' | 'jsonl';
  /** Also log a row every this many optimizer steps (0: epochs only). Default 0. */
  everySteps?: number;
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : String(v);
  return String(v);
}

export class MetricsLogger implements Callback {
  readonly path: string;
  readonly format: 'csv' | 'jsonl';
  readonly everySteps: number;
  private lastStepLogged = -1;

  constructor(options: MetricsLoggerOptions) {
    if (!options || typeof options.path !== 'string' || options.path === '') throw new TypeError(`MetricsLogger: expected a path, got ${describe(options?.path)}`);
    this.path = options.path;
    this.format = options.format ?? (options.path.endsWith('.jsonl') ? 'jsonl' : 'csv');
    if (this.format !== 'csv' && this.format !== 'jsonl') throw new RangeError(`MetricsLogger: format must be 'csv' or 'jsonl', got ${describe(this.format)}`);
    this.everySteps = options.everySteps ?? 0;
    if (!Number.isInteger(this.everySteps) || this.everySteps < 0) throw new RangeError(`MetricsLogger: everySteps must be a non-negative integer, got ${describe(options.everySteps)}`);
  }

  private write(row: Record<string, unknown>): void {
    if (this.format === 'jsonl') {
      appendFileSync(this.path, JSON.stringify(row, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) + '\n');
      return;
    }
    if (!existsSync(this.path) || statSync(this.path).size === 0) writeFileSync(this.path, CSV_COLUMNS.join(',') + '\n');
    appendFileSync(this.path, CSV_COLUMNS.map((c) => cell(row[c])).join(',') + '\n');
  }

  onTrainBegin(): void {
    if (this.format === 'csv' && (!existsSync(this.path) || statSync(this.path).size === 0)) writeFileSync(this.path, CSV_COLUMNS.join(',') + '\n');
  }

  onBatchEnd(_loop: TrainingLoop, logs: BatchLogs): void {
    if (this.everySteps === 0 || !logs.stepped || logs.step % this.everySteps !== 0 || logs.step === this.lastStepLogged) return;
    this.lastStepLogged = logs.step;
    this.write({ kind: 'step', epoch: logs.epoch, step: logs.step, batch: logs.batch, loss: logs.loss, accuracy: logs.accuracy, lr: logs.lr, images_per_second: logs.imagesPerSecond });
  }

  onEpochEnd(_loop: TrainingLoop, logs: EpochLogs): void {
    this.write({ kind: 'epoch', ...logs });
  }

  stateDict(): { bytes: number } {
    return { bytes: existsSync(this.path) ? statSync(this.path).size : 0 };
  }

  /** Truncates the file to its length at the checkpoint (drops rows of the steps being redone). */
  loadStateDict(state: { bytes: number }): void {
    if (!existsSync(this.path) || !Number.isInteger(state?.bytes)) return;
    if (statSync(this.path).size > state.bytes) {
      const fd = openSync(this.path, 'r+');
      try { ftruncateSync(fd, state.bytes); } finally { closeSync(fd); }
    }
  }
}
