// `odyssey eval --checkpoint PATH`: loss and accuracy of a checkpoint's weights on a split of a
// dataset. The model, data statistics and transforms come from the run's config.json next to the
// checkpoint when there is one; --model and --dataset say them otherwise (or override them).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setNumThreads } from '../../backend/index.js';
import { modelInfo } from '../../models/registry.js';
import { crossEntropy } from '../../nn/functional/loss.js';
import { SGD } from '../../optim/sgd.js';
import type { Tensor } from '../../tensor/tensor.js';
import { CheckpointManager } from '../../train/checkpoint/checkpoint-manager.js';
import { TrainingLoop } from '../../train/training-loop.js';
import { formatOptions, parseArgs, shellQuote, UsageError, type OptionSpec, type OptionValue } from '../args.js';
import { buildModel, mixedPrecisionOf } from '../build.js';
import { setupData, type DataStats } from '../data-setup.js';
import { RUN_FILES } from '../run-files.js';
import { MAX_BATCH_SIZE, resolveConfig, savedConfigValues, TRAIN_OPTIONS } from '../train-options.js';

const pick = (names: string[]) => TRAIN_OPTIONS.filter((s) => names.includes(s.name));

const EVAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'checkpoint', type: 'string', metavar: 'PATH', help: 'checkpoint file (.safetensors) to evaluate', defaultText: 'required' },
  ...pick(['model', 'dataset', 'data-dir']).map((s) => ({ ...s, defaultText: `from the run's config.json, else ${s.defaultText}` })),
  { name: 'split', type: 'choice', choices: ['test', 'val', 'train'], help: 'which part: the test split, the validation images held out of training, or the training images', defaultText: 'test' },
  { name: 'batch-size', type: 'int', min: 1, max: MAX_BATCH_SIZE, help: 'images per batch', defaultText: '256' },
  ...pick(['limit', 'threads', 'workers']),
  { name: 'json', type: 'bool', help: 'print the result as JSON', defaultText: 'false' },
  pick(['verbose'])[0]!,
];

export const EVAL_HELP = `Usage: odyssey eval --checkpoint PATH [options]

Evaluates a checkpoint: loss, top-1 and top-5 accuracy on a dataset split. With a run's
checkpoint (RUN_DIR/checkpoints/...), the model, dataset and normalisation are the run's.

Options:
${formatOptions(EVAL_OPTIONS)}`;

/** The config.json of the run a checkpoint belongs to, if it can be found. */
function runConfigFor(checkpoint: string): Record<string, unknown> | null {
  const dir = dirname(resolve(checkpoint));
  for (const candidate of [join(dir, '..', RUN_FILES.config), join(dir, RUN_FILES.config)]) {
    if (existsSync(candidate)) {
      try {
        return JSON.parse(readFileSync(candidate, 'utf8')) as Record<string, unknown>;
      } catch { /* not ours: ignore */ }
    }
  }
  return null;
}

export async function evalCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, EVAL_OPTIONS, 'eval');
  if (parsed.help) {
    process.stdout.write(`${EVAL_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`eval: unexpected argument '${parsed.positionals[0]}'; give the checkpoint as --checkpoint PATH`);
  const flags = parsed.values;
  const checkpoint = flags.get('checkpoint') as string | undefined;
  if (!checkpoint) throw new UsageError('eval: option --checkpoint is required: the checkpoint file to evaluate (see odyssey checkpoints RUN_DIR)');
  if (!existsSync(checkpoint)) throw new UsageError(`eval: option --checkpoint: no such file ${checkpoint}`);
  if (statSync(checkpoint).isDirectory()) throw new UsageError(`eval: option --checkpoint: ${checkpoint} is a directory; expected a checkpoint file (odyssey checkpoints ${shellQuote(checkpoint)} lists them)`);
  const saved = runConfigFor(checkpoint);
  const base = saved ? savedConfigValues(saved, 'config.json') : new Map<string, OptionValue>();
  if (!saved && !flags.has('model')) throw new UsageError(`eval: option --model is required: ${checkpoint} is not inside a run directory with a config.json`);
  const values = new Map(base);
  for (const k of ['model', 'dataset', 'data-dir', 'limit', 'threads', 'workers']) if (flags.has(k)) values.set(k, flags.get(k)!);
  values.set('batch-size', flags.get('batch-size') ?? 256);
  values.set('augment', false);
  values.set('resume', null);
  if (!flags.has('workers')) values.set('workers', 0);
  const split = (flags.get('split') as string | undefined) ?? 'test';
  if (split === 'val' && values.get('val-split') === undefined) values.set('val-split', 0.1);
  if (split !== 'val') values.set('val-split', 0);
  values.set('monitor', 'train_loss');
  values.delete('mode');
  values.delete('run-dir');
  values.delete('checkpoint-dir');
  const config = resolveConfig(values);
  const sameData = saved && saved.dataset === config.dataset;
  const stats = sameData ? ((saved.data as { stats?: DataStats } | undefined)?.stats ?? null) : null;

  setNumThreads(config.threads);
  const data = setupData(config, modelInfo(config.model), stats);
  try {
    const loaded = CheckpointManager.readFile(checkpoint);
    const model = buildModel({ ...config, precision: 'float32' }, data.numClasses, data.inChannels);
    const firstWeight = [...loaded.modelState.values()].find((t) => t.isFloatingPoint());
    if (firstWeight && firstWeight.dtype !== 'float32') model.to(firstWeight.dtype);
    loaded.restore({ model });
    // a mixed-precision run is evaluated under autocast, as its training loop did
    const mixedPrecision = firstWeight?.dtype === 'float32' ? mixedPrecisionOf(config.precision) : null;
    const loop = new TrainingLoop({ model, optimizer: new SGD(model.parameters(), { lr: 0 }), loss: (o: Tensor, t: Tensor) => crossEntropy(o, t), mixedPrecision, log: () => {} });
    if (split === 'val' && !data.valLoader) throw new UsageError('eval: option --split val: the run held out no validation images (its --val-split is 0)');
    const loader = split === 'test' ? data.testLoader : split === 'val' ? data.valLoader! : data.trainLoader;
    const r = await loop.evaluate(loader);
    const result = { checkpoint: resolve(checkpoint), model: config.model, dataset: config.dataset, split, images: r.samples, loss: r.loss, accuracy: r.accuracy, top5: r.top5, epoch: loaded.epoch, step: loaded.step };
    if (flags.get('json') === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${config.model} on ${config.dataset} (${split}, ${r.samples} images): loss ${r.loss.toFixed(4)}, accuracy ${(100 * r.accuracy).toFixed(2)}%, top-5 ${(100 * r.top5).toFixed(2)}% (checkpoint of epoch ${loaded.epoch}, step ${loaded.step})\n`);
    return 0;
  } finally {
    await data.close();
  }
}
