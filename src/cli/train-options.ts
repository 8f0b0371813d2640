// The options of `odyssey train` (also the fields of a config file and of a run's config.json),
// their defaults, and how a configuration is resolved: built-in defaults, then the model's and
// dataset's defaults, then the config file, then the command line, each overriding the one before.

import { MODEL_NAMES, modelInfo } from '../models/registry.js';
import { convertValue, kebab, camel, UsageError, type OptionSpec, type OptionValue } from './args.js';

export const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop'] as const;
export const SCHEDULERS = ['none', 'step', 'multistep', 'exponential', 'cosine', 'onecycle', 'plateau'] as const;
/** The largest --batch-size accepted (a batch of 65536 CIFAR images is 800 MB of float32). */
export const MAX_BATCH_SIZE = 65536;

export const PRECISIONS = ['float32', 'float16', 'mixed-float16', 'mixed-bfloat16'] as const;

export interface TrainConfig {
  model: string;
  dataset: string;
  dataDir: string | null;
  epochs: number;
  batchSize: number;
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  weightDecay: number;
  momentum: number;
  scheduler: (typeof SCHEDULERS)[number];
  warmupEpochs: number;
  clipNorm: number | null;
  clipValue: number | null;
  precision: (typeof PRECISIONS)[number];
  augment: boolean;
  valSplit: number;
  limit: number;
  runDir: string;
  checkpointDir: string;
  maxToKeep: number;
  checkpointEvery: number;
  monitor: string;
  mode: 'min' | 'max';
  resume: string | null;
  seed: number;
  threads: number;
  workers: number;
  /** Data-parallel model replicas (1: none). */
  dataParallel: number;
  logEvery: number;
}

/** The tuned recipe of a model: what `odyssey train --model NAME` uses unless told otherwise. */
interface ModelRecipe {
  optimizer: TrainConfig['optimizer'];
  lr: number;
  weightDecay: number;
  batchSize: number;
  epochs: number;
  threads: number;
}

// LeNet-5 is small: a second compute thread gains it little (8 epochs on mnist-sample: 53.7 s on
// one thread, 49.8 s on two, on the loaded 2-core development machine), so it runs on one and
// leaves the other core to the data-loader worker. AdamW with a one-cycle schedule reaches
// 98-98.7% test accuracy on mnist-sample in 8 epochs. The larger CNNs (batch norm) use SGD with Nesterov
// momentum and a one-cycle schedule, the usual CIFAR recipe.
const LENET_RECIPE: ModelRecipe = { optimizer: 'adamw', lr: 0.003, weightDecay: 0.01, batchSize: 64, epochs: 8, threads: 1 };
const CNN_RECIPE: ModelRecipe = { optimizer: 'sgd', lr: 0.05, weightDecay: 5e-4, batchSize: 128, epochs: 10, threads: 0 };
/** Epochs for a dataset when the model's count does not fit it (a bigger dataset needs more for LeNet-5). */
const LENET_EPOCHS: Record<string, number> = { 'mnist-sample': 8, 'fashion-mnist': 15, mnist: 8, emnist: 15, cifar10: 30, cifar100: 30 };

export function recipeFor(model: string, dataset: string): ModelRecipe {
  if (model === 'lenet5') return { ...LENET_RECIPE, epochs: LENET_EPOCHS[dataset] ?? LENET_RECIPE.epochs };
  return CNN_RECIPE;
}

const DATE_PATTERN = '<date>-<model>-<dataset>';

export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  { name: 'model', type: 'choice', choices: MODEL_NAMES, help: 'model of the zoo (odyssey models lists them)', defaultText: 'lenet5' },
  { name: 'dataset', type: 'string', metavar: 'NAME', help: 'dataset: mnist-sample, fashion-mnist, mnist, emnist, cifar10, cifar100', defaultText: 'mnist-sample' },
  { name: 'data-dir', type: 'string', metavar: 'DIR', nullable: true, help: "directory of the dataset's files (fashion-mnist: /usr/share/datasets/fashion-mnist; mnist, emnist and cifar need it)", defaultText: "the dataset's own" },
  { name: 'epochs', type: 'int', min: 1, help: 'epochs to train', defaultText: 'lenet5: 8 on mnist-sample/mnist, 15 on fashion-mnist/emnist, 30 on cifar; other models: 10' },
  { name: 'batch-size', type: 'int', min: 1, max: MAX_BATCH_SIZE, help: 'images per batch', defaultText: 'lenet5: 64, other models: 128' },
  { name: 'optimizer', type: 'choice', choices: OPTIMIZERS, help: 'optimizer', defaultText: 'lenet5: adamw, other models: sgd' },
  { name: 'lr', type: 'number', min: 0, help: 'learning rate (the peak rate with onecycle)', defaultText: 'lenet5: 0.003, other models: 0.05' },
  { name: 'weight-decay', type: 'number', min: 0, help: 'weight decay (decoupled for adamw, L2 otherwise)', defaultText: 'lenet5: 0.01, other models: 0.0005' },
  { name: 'momentum', type: 'number', min: 0, max: 1, help: 'momentum of sgd (Nesterov) and rmsprop; onecycle cycles it between 0.85 and 0.95', defaultText: '0.9 for sgd, 0 for rmsprop' },
  { name: 'scheduler', type: 'choice', choices: SCHEDULERS, help: 'learning-rate schedule: step (x0.1 every third of the epochs), multistep (x0.1 at 50% and 75%), exponential (x0.9 per epoch), cosine (to 0), onecycle (per batch), plateau (x0.1 after 2 epochs without val_loss improving)', defaultText: 'onecycle' },
  { name: 'warmup-epochs', type: 'int', min: 0, help: 'linear warm-up from lr/10 over this many epochs, then the scheduler (not with onecycle or plateau)', defaultText: '0' },
  { name: 'clip-norm', type: 'number', min: 0, nullable: true, help: "clip the gradients' total 2-norm to this", defaultText: 'none' },
  { name: 'clip-value', type: 'number', min: 0, nullable: true, help: 'clamp every gradient element to [-v, v]', defaultText: 'none' },
  { name: 'precision', type: 'choice', choices: PRECISIONS, help: "float16: weights, activations and gradients in 16 bits (accumulated in 32); mixed-float16 / mixed-bfloat16: float32 weights, convolutions and linear layers in 16 bits under autocast (mixed-float16 with loss scaling)", defaultText: 'float32' },
  { name: 'augment', type: 'bool', help: 'random crop (padding 4) and horizontal flip of training images (--no-augment to turn off)', defaultText: 'true for cifar10/cifar100, false otherwise' },
  { name: 'val-split', type: 'number', min: 0, help: 'fraction of the training split held out for validation: training sample i is held out when floor((i+1)*f) > floor(i*f) (every 10th for 0.1)', defaultText: '0.1' },
  { name: 'limit', type: 'int', min: 0, help: 'use only N images of each split, evenly spaced (quick runs; 0: all)', defaultText: '0' },
  { name: 'run-dir', type: 'string', metavar: 'DIR', help: 'where the run writes config.json, metrics.csv, summary.json, plot.svg, index.html', defaultText: `runs/${DATE_PATTERN}` },
  { name: 'checkpoint-dir', type: 'string', metavar: 'DIR', help: 'checkpoint directory', defaultText: 'RUN_DIR/checkpoints' },
  { name: 'max-to-keep', type: 'int', min: 1, help: 'newest checkpoints kept (the best is kept as well)', defaultText: '3' },
  { name: 'checkpoint-every', type: 'int', min: 0, help: 'also checkpoint every N optimizer steps (0: at epoch ends only)', defaultText: '500' },
  { name: 'monitor', type: 'string', metavar: 'METRIC', help: 'metric that picks the best checkpoint: val_loss, val_accuracy, train_loss, train_accuracy', defaultText: 'val_loss (train_loss when --val-split 0)' },
  { name: 'mode', type: 'choice', choices: ['min', 'max'], help: 'whether lower or higher --monitor is better', defaultText: "max for accuracies, min otherwise" },
  { name: 'resume', type: 'string', metavar: 'latest|PATH', nullable: true, help: "continue from the latest valid checkpoint of the run's checkpoint directory (with --run-dir or --checkpoint-dir; else the newest run of this model and dataset under runs/), or from a checkpoint file", defaultText: 'none' },
  { name: 'seed', type: 'int', min: 0, help: 'seed of initialisation, data order and augmentation', defaultText: '0' },
  { name: 'threads', type: 'int', min: 0, help: 'compute threads (0: all cores)', defaultText: 'lenet5: 1, other models: 0' },
  { name: 'data-parallel', type: 'int', min: 1, max: 64, help: 'model replicas training on shards of every batch (the main thread and N-1 worker threads, each on --threads / N kernel threads, at least 1); the result is the full-batch step up to float rounding', defaultText: '1' },
  { name: 'workers', type: 'int', min: 0, help: 'data-loader worker threads preparing batches ahead (0: in the main thread)', defaultText: '1' },
  { name: 'log-every', type: 'int', min: 0, help: 'metrics.csv row (and plain progress line) every N steps (0: epochs only)', defaultText: '50' },
  { name: 'config', type: 'string', metavar: 'FILE', cliOnly: true, help: 'JSON or TOML file with any of these options (kebab-case, camelCase or snake_case keys); command-line flags override it', defaultText: 'none' },
  { name: 'verbose', type: 'bool', help: 'more messages, and a stack trace on errors', defaultText: 'false' },
];

const SPEC_BY_KEY = new Map(TRAIN_OPTIONS.map((s) => [camel(s.name), s]));

/** Converts a config file's object into option values (validated like flags). */
export function configFileValues(obj: unknown, file: string): Map<string, OptionValue> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new UsageError(`config file ${file}: expected a table of options at the top level`);
  const out = new Map<string, OptionValue>();
  for (const [key, value] of Object.entries(obj as Record<string, unknown>)) {
    const name = kebab(key);
    if (out.has(name)) throw new UsageError(`config file ${file}: option '${key}' is given twice (as '${[...Object.keys(obj as object)].find((k) => kebab(k) === name)}' too); keep one`);
    const spec = TRAIN_OPTIONS.find((s) => s.name === name);
    if (!spec || spec.cliOnly) throw new UsageError(`config file ${file}: unknown option '${key}'; expected some of ${TRAIN_OPTIONS.filter((s) => !s.cliOnly).map((s) => s.name).join(', ')}`);
    out.set(name, convertValue(spec, value, `config file ${file}: option '${key}'`));
  }
  return out;
}

function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function defaultRunDir(model: string, dataset: string, now = new Date()): string {
  return `runs/${timestamp(now)}-${model}-${dataset}`;
}

/** The full configuration from explicit values (config file merged with flags, flags winning). */
export function resolveConfig(given: Map<string, OptionValue>): TrainConfig {
  const get = <T extends OptionValue>(name: string, fallback: T): T => (given.has(name) ? (given.get(name) as T) : fallback);
  const num = (name: string, fallback: number): number => get<number>(name, fallback);
  const str = (name: string, fallback: string): string => get<string>(name, fallback);
  const model = str('model', 'lenet5');
  modelInfo(model);
  const dataset = str('dataset', 'mnist-sample');
  const recipe = recipeFor(model, dataset);
  const optimizer = get('optimizer', recipe.optimizer) as TrainConfig['optimizer'];
  const valSplit = num('val-split', 0.1);
  if (valSplit >= 1) throw new UsageError('train: option --val-split: expected a fraction below 1 (0.1 holds out every 10th training image)');
  const monitor = str('monitor', valSplit > 0 ? 'val_loss' : 'train_loss');
  if (!/^(train|val)_(loss|accuracy|top5)$/.test(monitor)) throw new UsageError(`train: option --monitor: expected one of val_loss, val_accuracy, val_top5, train_loss, train_accuracy, got ${JSON.stringify(monitor)}`);
  if (monitor.startsWith('val_') && valSplit === 0) throw new UsageError(`train: option --monitor ${monitor} needs a validation split; with --val-split 0 use train_loss or train_accuracy`);
  const mode = get('mode', /acc|top5/.test(monitor) ? 'max' : 'min') as 'min' | 'max';
  if (mode === 'min' && /acc|top5/.test(monitor)) throw new UsageError(`train: option --mode min with --monitor ${monitor} would keep the worst checkpoints; expected max`);
  if (num('data-parallel', 1) > 1 && get('precision', 'float32') !== 'float32') throw new UsageError('train: option --data-parallel: the replicas exchange float32 (or float64) weights; expected --precision float32');
  for (const clip of ['clip-norm', 'clip-value']) {
    if (get<number | null>(clip, null) === 0) throw new UsageError(`train: option --${clip}: expected a positive number or 'none', got 0 (clipping to 0 would freeze the weights)`);
  }
  const scheduler = get('scheduler', 'onecycle') as TrainConfig['scheduler'];
  const warmupEpochs = num('warmup-epochs', 0);
  const epochs = num('epochs', recipe.epochs);
  if (warmupEpochs > 0 && (scheduler === 'onecycle' || scheduler === 'plateau')) {
    throw new UsageError(`train: option --warmup-epochs: ${scheduler} cannot follow a warm-up (onecycle warms up by itself); expected --warmup-epochs 0 or a scheduler of none, step, multistep, exponential, cosine`);
  }
  if (warmupEpochs >= epochs && warmupEpochs > 0) throw new UsageError(`train: option --warmup-epochs: expected fewer warm-up epochs than --epochs (${epochs}), got ${warmupEpochs}`);
  const runDir = str('run-dir', defaultRunDir(model, dataset));
  return {
    model, dataset,
    dataDir: get('data-dir', null),
    epochs,
    batchSize: num('batch-size', recipe.batchSize),
    optimizer,
    lr: num('lr', recipe.lr),
    weightDecay: num('weight-decay', recipe.weightDecay),
    momentum: num('momentum', optimizer === 'sgd' ? 0.9 : 0),
    scheduler, warmupEpochs,
    clipNorm: get('clip-norm', null),
    clipValue: get('clip-value', null),
    precision: get('precision', 'float32') as TrainConfig['precision'],
    augment: get('augment', dataset.startsWith('cifar')),
    valSplit,
    limit: num('limit', 0),
    runDir,
    checkpointDir: str('checkpoint-dir', `${runDir}/checkpoints`),
    maxToKeep: num('max-to-keep', 3),
    checkpointEvery: num('checkpoint-every', 500),
    monitor, mode,
    resume: get('resume', null),
    seed: num('seed', 0),
    threads: num('threads', recipe.threads),
    workers: num('workers', 1),
    dataParallel: num('data-parallel', 1),
    logEvery: num('log-every', 50),
  };
}

/** A saved config.json back into option values (every field checked as if given again). */
export function savedConfigValues(obj: unknown, file: string): Map<string, OptionValue> {
  if (obj === null || typeof obj !== 'object') throw new UsageError(`${file}: expected the JSON object a run writes`);
  const out = new Map<string, OptionValue>();
  for (const [key, value] of Object.entries(obj as Record<string, unknown>)) {
    const spec = SPEC_BY_KEY.get(key);
    if (!spec) continue; // derived fields (statistics, library version) are recomputed
    out.set(spec.name, convertValue(spec, value, `${file}: field '${key}'`));
  }
  return out;
}
