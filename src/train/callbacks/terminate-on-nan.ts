// TerminateOnNaN: stops training at the first non-finite batch loss.

import type { TrainingLoop } from '../training-loop.js';
import type { BatchLogs, Callback } from './callback.js';

export class TerminateOnNaN implements Callback {
  terminated = false;

  onBatchEnd(loop: TrainingLoop, logs: BatchLogs): void {
    if (!Number.isFinite(logs.loss)) {
      this.terminated = true;
      loop.stopTraining = true;
      loop.log(`TerminateOnNaN: loss ${logs.loss} at epoch ${logs.epoch}, batch ${logs.batch}; stopping`);
    }
  }
}
