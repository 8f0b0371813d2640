// PlotWriter: writes an SVG of the loss and accuracy curves when training starts (empty axes, or
// the curves so far when resumed) and again at every epoch end, atomically, so an interrupted run
// always has an up-to-date plot.

import { writeFileAtomic } from '../../io/atomic.js';
import { describe } from '../../tensor/dtype.js';
import { renderLearningCurves } from '../plot.js';
import type { TrainingLoop } from '../training-loop.js';
import type { Callback } from './callback.js';

export interface PlotWriterOptions {
  /** Where the SVG goes. */
  path: string;
  /** Shown as the document's title. */
  title?: string;
  /** Called after each write (the CLI refreshes its HTML page here). */
  onWrite?: (loop: TrainingLoop) => void;
}

export class PlotWriter implements Callback {
  readonly path: string;
  private readonly title: string | undefined;
  private readonly onWrite: ((loop: TrainingLoop) => void) | undefined;

  constructor(options: PlotWriterOptions) {
    if (!options || typeof options.path !== 'string' || options.path === '') throw new TypeError(`PlotWriter: expected a path, got ${describe(options?.path)}`);
    if (options.onWrite !== undefined && typeof options.onWrite !== 'function') throw new TypeError(`PlotWriter: onWrite must be a function, got ${describe(options.onWrite)}`);
    this.path = options.path;
    this.title = options.title;
    this.onWrite = options.onWrite;
  }

  write(loop: TrainingLoop): void {
    writeFileAtomic(this.path, Buffer.from(renderLearningCurves(loop.history, this.title), 'utf8'));
    this.onWrite?.(loop);
  }

  onTrainBegin(loop: TrainingLoop): void {
    this.write(loop);
  }

  onEpochEnd(loop: TrainingLoop): void {
    this.write(loop);
  }
}
