// Ctrl-C during training: the first SIGINT (or SIGTERM) asks the loop to finish the current batch,
// save a checkpoint and stop; a second one exits at once (the checkpoints already written are
// whole, being written atomically).

import type { Callback } from '../train/callbacks/callback.js';
import type { TrainingLoop } from '../train/training-loop.js';

export const EXIT_INTERRUPTED = 130;

export class InterruptHandler implements Callback {
  private loop: TrainingLoop | null = null;
  private signals = 0;

  constructor(private readonly say: (message: string) => void) {}

  /** Whether a signal arrived. */
  get interrupted(): boolean {
    return this.signals > 0;
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.signals += 1;
    if (this.signals === 1) {
      this.say(`\n${signal}: finishing the current batch and saving a checkpoint (press Ctrl-C again to stop at once)`);
      this.loop?.interrupt();
      return;
    }
    this.say(`${signal} again: stopped at once; the checkpoints saved before are intact`);
    process.exit(EXIT_INTERRUPTED);
  };

  install(loop: TrainingLoop): void {
    this.loop = loop;
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  uninstall(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.loop = null;
  }

  // Training runs as one long chain of promises; a signal handler runs only when the event loop
  // turns, so each batch ends with one turn (a few microseconds).
  async onBatchEnd(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
