// ProgressReporter: on a terminal, a progress bar per epoch (batch i/n, loss, accuracy, images per
// second, ETA) redrawn in place; elsewhere plain log lines every `everyBatches` batches. Always a
// summary line per epoch.

import type { Writable } from 'node:stream';
import { describe } from '../../tensor/dtype.js';
import type { BatchLogs, Callback, EpochLogs } from './callback.js';
import type { TrainingLoop } from '../training-loop.js';

export interface ProgressOptions {
  stream?: Writable & { isTTY?: boolean; columns?: number };
  /** Force the bar on or off (default: when the stream is a terminal). */
  bar?: boolean;
  /** Plain-mode line interval in batches (default 100). */
  everyBatches?: number;
  /** Total epochs, for "epoch 3/10" (default: from the loop). */
  epochs?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export class ProgressReporter implements Callback {
  private readonly stream: Writable & { isTTY?: boolean; columns?: number };
  private readonly bar: boolean;
  private readonly everyBatches: number;
  private epochs: number | null;
  private lastDraw = 0;
  private drawn = false;

  constructor(options: ProgressOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`ProgressReporter: expected an options object, got ${describe(options)}`);
    if (options.stream !== undefined && typeof (options.stream as { write?: unknown })?.write !== 'function') throw new TypeError(`ProgressReporter: stream must be writable, got ${describe(options.stream)}`);
    this.stream = options.stream ?? process.stderr;
    this.bar = options.bar ?? !!this.stream.isTTY;
    this.everyBatches = options.everyBatches ?? 100;
    this.epochs = options.epochs ?? null;
  }

  onTrainBegin(loop: TrainingLoop): void {
    this.epochs ??= loop.plannedEpochs;
  }

  private epochLabel(epoch: number): string {
    return this.epochs ? `epoch ${epoch + 1}/${this.epochs}` : `epoch ${epoch + 1}`;
  }

  onBatchEnd(_loop: TrainingLoop, b: BatchLogs): void {
    const done = b.batch + 1;
    const eta = b.batches ? (b.elapsedSeconds / done) * (b.batches - done) : NaN;
    const stats = `loss ${b.meanLoss.toFixed(4)} acc ${pct(b.accuracy)} ${Math.round(b.imagesPerSecond)} img/s`;
    if (this.bar) {
      const now = Date.now();
      if (now - this.lastDraw < 100 && done !== b.batches) return;
      this.lastDraw = now;
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 100) - 80));
      const frac = b.batches ? done / b.batches : 0;
      const fill = Math.round(frac * width);
      const barText = b.batches ? `[${'='.repeat(Math.max(0, fill - 1))}${fill > 0 ? '>' : ''}${' '.repeat(width - fill)}] ${done}/${b.batches}` : `${done}`;
      this.stream.write(`\r\x1b[2K${this.epochLabel(b.epoch)} ${barText} ${stats} ETA ${formatDuration(eta)}`);
      this.drawn = true;
    } else if (done % this.everyBatches === 0) {
      this.stream.write(`${this.epochLabel(b.epoch)} batch ${done}${b.batches ? `/${b.batches}` : ''} ${stats} ETA ${formatDuration(eta)}\n`);
    }
  }

  onEpochEnd(_loop: TrainingLoop, e: EpochLogs): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
    const val = e.val_loss !== undefined ? ` val_loss ${e.val_loss.toFixed(4)} val_acc ${pct(e.val_accuracy ?? NaN)}` : '';
    const skipped = e.skipped_steps > 0 ? ` (${e.skipped_steps} steps skipped: non-finite)` : '';
    this.stream.write(`${this.epochLabel(e.epoch)} loss ${e.train_loss.toFixed(4)} acc ${pct(e.train_accuracy)}${val} lr ${e.lr.toPrecision(3)} ${e.seconds.toFixed(1)}s ${Math.round(e.images_per_second)} img/s${skipped}\n`);
  }
}
