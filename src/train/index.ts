// Training: the loop, callbacks, clipping, checkpoints, metrics.
export { TrainingLoop, TrainingError, TrainingInterrupted, type TrainingLoopOptions, type TrainOptions, type EvaluationResult, type NonFinitePolicy, type BatchSource, type Batch, type LossFunction } from './training-loop.js';
export type { Callback, EpochLogs, BatchLogs } from './callbacks/callback.js';
export { EarlyStopping, type EarlyStoppingOptions } from './callbacks/early-stopping.js';
export { MetricsLogger, CSV_COLUMNS, type MetricsLoggerOptions } from './callbacks/metrics-logger.js';
export { ProgressReporter, formatDuration, type ProgressOptions } from './callbacks/progress.js';
export { TerminateOnNaN } from './callbacks/terminate-on-nan.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions, type ParamsOrGrads } from './clip.js';
export { CheckpointManager, CheckpointError, type CheckpointManagerOptions, type SaveOptions, type LoadedCheckpoint, type CheckpointListing, type RestoreTargets, type Stateful } from './checkpoint/checkpoint-manager.js';
export { correctTopK } from './metrics.js';
export { PlotWriter, type PlotWriterOptions } from './callbacks/plot-writer.js';
export { renderLearningCurves, renderPanels, type PanelSpec, type CurveSeries } from './plot.js';
export { findLearningRate, steepestDescentLr, type LrFinderOptions, type LrFinderResult } from './lr-finder.js';
export { GradScaler, type GradScalerOptions, type GradScalerStateDict } from './grad-scaler.js';
export { DataParallel, type DataParallelOptions, type ModuleSpec, type ShardStepResult } from './data-parallel.js';
