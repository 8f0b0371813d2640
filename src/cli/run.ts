// One training run as the CLI does it: data, model, optimizer and schedule from the config; a run
// directory with config.json, metrics.csv, checkpoints, plot.svg and index.html kept current at
// every epoch; the final test evaluation and summary.json. Resuming is the same run started
// from the latest checkpoint.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { setNumThreads } from '../backend/index.js';
import { modelInfo } from '../models/registry.js';
import { crossEntropy } from '../nn/functional/loss.js';
import { manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { CheckpointManager } from '../train/checkpoint/checkpoint-manager.js';
import { MetricsLogger } from '../train/callbacks/metrics-logger.js';
import { PlotWriter } from '../train/callbacks/plot-writer.js';
import { ProgressReporter } from '../train/callbacks/progress.js';
import { TrainingError, TrainingInterrupted, TrainingLoop } from '../train/training-loop.js';
import { DataParallel } from '../train/data-parallel.js';
import { LIBRARY_VERSION } from '../version.js';
import { buildModel, buildOptimizer, buildScheduler, mixedPrecisionOf } from './build.js';
import { shellQuote, UsageError } from './args.js';
import { checkBatchSize, dataFingerprint, setupData, type DataStats } from './data-setup.js';
import { makeDirectory } from './fs-errors.js';
import { EXIT_INTERRUPTED, InterruptHandler } from './interrupt.js';
import { RUN_FILES, splitResult, writeJson, writeRunPage, type Summary } from './run-files.js';
import type { TrainConfig } from './train-options.js';

export interface RunOptions {
  verbose: boolean;
  /** Statistics saved by the run being resumed (so normalisation is the same). */
  stats?: DataStats | null;
  /** How the run was started, for config.json. */
  argv: readonly string[];
  /** Times the run was resumed before this start. */
  resumes?: number;
  /** For a resumed run: the command line that started it and those of earlier resumes (kept in config.json). */
  starts?: { argv: unknown; resumedWith: unknown[]; dataFingerprint: string | null };
}

/** Non-finite optimizer steps in a row after which a run is stopped as diverged (exit 1). */
const MAX_NON_FINITE_STEPS = 20;

const pct = (x: number | null | undefined) => (typeof x === 'number' ? `${(100 * x).toFixed(2)}%` : 'n/a');

/** The config as config.json holds it: every option, directories absolute, plus what was derived. */
function savedConfig(config: TrainConfig, extra: Record<string, unknown>): Record<string, unknown> {
  return { ...config, runDir: resolve(config.runDir), checkpointDir: resolve(config.checkpointDir), ...extra };
}

/** Trains as configured; returns the exit code (0 done, 130 interrupted with a checkpoint). */
export async function runTraining(config: TrainConfig, options: RunOptions): Promise<number> {
  const started = performance.now();
  const err = (m: string) => process.stderr.write(`${m}\n`);
  const info = (m: string) => { if (options.verbose) err(m); };
  // Data parallel: --threads (0: all cores) shared among the replicas, at least one each.
  const replicas = config.dataParallel ?? 1;
  const threadsPerReplica = Math.max(1, Math.floor((config.threads > 0 ? config.threads : availableParallelism()) / replicas));
  setNumThreads(replicas > 1 ? threadsPerReplica : config.threads);
  manualSeed(config.seed);
  const model = modelInfo(config.model);
  const data = setupData(config, model, options.stats ?? null);
  let dataParallel: DataParallel | null = null;
  try {
    checkBatchSize('train', config.batchSize, data);
    const fingerprint = dataFingerprint(data);
    const recorded = options.starts?.dataFingerprint ?? null;
    if (config.resume !== null && recorded !== null && recorded !== fingerprint) {
      throw new UsageError(`train: the ${config.dataset} data${config.dataDir !== null ? ` in ${config.dataDir} (--data-dir)` : ''} is not what the run started with (its fingerprint ${fingerprint.slice(0, 16)}... differs from the recorded ${recorded.slice(0, 16)}...); resume with the run's own data, or start a new run`);
    }
    const net = buildModel(config, data.numClasses, data.inChannels);
    const optimizer = buildOptimizer(config, net);
    const { scheduler, interval } = buildScheduler(config, optimizer, data.trainLoader.length);

    const runDir = resolve(config.runDir);
    makeDirectory(runDir, 'the run directory (--run-dir)');
    makeDirectory(config.checkpointDir, 'the checkpoint directory (--checkpoint-dir)');
    const resumed = config.resume !== null;
    const continuing = resumed && options.starts !== undefined;
    const stored = savedConfig(config, {
      data: {
        fingerprint, stats: data.stats, pipeline: data.pipeline, numClasses: data.numClasses, inputShape: data.inputShape,
        trainImages: data.train.length, valImages: data.val?.length ?? 0, testImages: data.test.length,
        validationRule: `training sample i held out when floor((i+1)*${config.valSplit}) > floor(i*${config.valSplit})`,
      },
      resumes: (options.resumes ?? 0) + (resumed && existsSync(join(runDir, RUN_FILES.config)) ? 1 : 0),
      libraryVersion: LIBRARY_VERSION,
      argv: continuing ? options.starts!.argv : options.argv,
      ...(continuing ? { resumedWith: [...options.starts!.resumedWith, options.argv] } : {}),
    });
    // A resumed run's config.json is (re)written only once its checkpoint is restored: a resume
    // that fails leaves the run's record as it was (and a new run directory free for a retry).
    const writeConfig = () => writeJson(join(runDir, RUN_FILES.config), stored);
    if (!resumed) writeConfig();
    const title = `${config.model} on ${config.dataset}`;
    info(`odyssey: ${title}: ${data.train.length} training, ${data.val?.length ?? 0} validation, ${data.test.length} test images; ${data.pipeline.join(', ')}; ${config.threads === 0 ? 'all cores' : `${config.threads} thread(s)`}`);

    if (replicas > 1) {
      dataParallel = new DataParallel({
        replicas, threadsPerReplica,
        model: { module: new URL('../models/registry.js', import.meta.url).href, export: 'createModel', args: [config.model, { numClasses: data.numClasses, inChannels: data.inChannels }] },
      });
      info(`odyssey: data parallel: ${replicas} replicas of ${threadsPerReplica} kernel thread(s), ${config.batchSize / replicas} images each per batch`);
    }
    const checkpoints = new CheckpointManager({ directory: config.checkpointDir, maxToKeep: config.maxToKeep, monitor: config.monitor, mode: config.mode, warn: err });
    const interrupt = new InterruptHandler(err);
    const callbacks = [
      new ProgressReporter({ everyBatches: config.logEvery > 0 ? config.logEvery : 100 }),
      new MetricsLogger({ path: join(runDir, RUN_FILES.metrics), everySteps: config.logEvery }),
      new PlotWriter({ path: join(runDir, RUN_FILES.plot), title, onWrite: (loop) => writeRunPage(runDir, title, loop.history, stored) }),
      interrupt,
      ...(resumed ? [{ onTrainBegin: writeConfig }] : []),
    ];
    const loop = new TrainingLoop({
      model: net, optimizer, scheduler, schedulerInterval: interval,
      loss: (out: Tensor, target: Tensor) => crossEntropy(out, target),
      callbacks, checkpoints, checkpointEverySteps: config.checkpointEvery,
      clipGradNorm: config.clipNorm ?? undefined, clipGradValue: config.clipValue ?? undefined,
      mixedPrecision: mixedPrecisionOf(config.precision),
      log: err, dataParallel, maxNonFiniteSteps: MAX_NON_FINITE_STEPS,
    });
    interrupt.install(loop);
    try {
      await loop.train({ epochs: config.epochs, trainLoader: data.trainLoader, valLoader: data.valLoader, resume: config.resume === null ? false : config.resume === 'latest' ? true : resolve(config.resume) });
    } catch (e) {
      // Resuming a checkpoint of a run with another batch size or data selection (a checkpoint file given to a new run).
      const loader = /^DataLoader\.loadStateDict: the state is for a different loader \((.*)\)$/.exec((e as Error).message ?? '');
      if (loader) throw new UsageError(`train: option --resume: the checkpoint was saved by a run with another --batch-size, --limit or --val-split (${loader[1]!.replace(/datasetLength/g, 'training images').replace(/batchSize/g, 'batch size')}); give the options that run used`);
      if (!(e instanceof TrainingInterrupted)) throw e;
      err(`odyssey: interrupted at epoch ${e.epoch + 1}, step ${e.step}; checkpoint ${e.checkpoint ?? '(none)'}`);
      err(`odyssey: to continue: odyssey resume ${shellQuote(config.runDir)}`);
      return EXIT_INTERRUPTED;
    } finally {
      interrupt.uninstall();
    }

    const history = loop.history;
    const last = history[history.length - 1];
    if (last && last.skipped_steps >= data.trainLoader.length) {
      throw new TrainingError(`training diverged: every optimizer step of epoch ${last.epoch + 1} had a non-finite loss or gradient, so the weights did not change; start a new run with a lower --lr (or --clip-norm, --warmup-epochs)`);
    }
    const test = await loop.evaluate(data.testLoader);
    if (!Number.isFinite(test.loss) && test.samples > 0) {
      throw new TrainingError(`training diverged: the trained model's test loss is not finite${last && last.skipped_steps > 0 ? ` (${last.skipped_steps} optimizer step(s) of the last epoch had a non-finite loss or gradient)` : ''}; start a new run with a lower --lr (or --clip-norm, --warmup-epochs)`);
    }
    const trainSeconds = history.reduce((a, h) => a + h.seconds, 0);
    const images = history.reduce((a, h) => a + h.images_per_second * h.seconds, 0);
    const best = checkpoints.best;
    const summary: Summary = {
      model: config.model, dataset: config.dataset, epochs: history.length, plannedEpochs: config.epochs, steps: loop.step,
      train: splitResult(last?.train_loss, last?.train_accuracy),
      validation: data.valLoader ? splitResult(last?.val_loss, last?.val_accuracy) : null,
      test: { ...splitResult(test.loss, test.accuracy), top5: Number.isFinite(test.top5) ? test.top5 : null, images: test.samples },
      wallSeconds: (performance.now() - started) / 1000,
      trainSeconds,
      secondsPerEpoch: history.length > 0 ? trainSeconds / history.length : 0,
      imagesPerSecond: trainSeconds > 0 ? images / trainSeconds : 0,
      bestCheckpoint: best ? { file: best.file, monitor: config.monitor, value: best.value } : null,
      resumes: stored.resumes as number,
      finishedAt: new Date().toISOString(),
    };
    writeJson(join(runDir, RUN_FILES.summary), summary);
    writeRunPage(runDir, title, history, stored);
    process.stdout.write(`${title}: test accuracy ${pct(summary.test.accuracy)} (loss ${summary.test.loss?.toFixed(4) ?? 'n/a'}), validation ${pct(summary.validation?.accuracy)}, `
      + `${summary.epochs} epochs in ${trainSeconds.toFixed(1)} s (${summary.secondsPerEpoch.toFixed(1)} s/epoch, ${Math.round(summary.imagesPerSecond)} images/s); run directory ${config.runDir}\n`);
    return 0;
  } finally {
    await dataParallel?.close();
    await data.close();
  }
}
