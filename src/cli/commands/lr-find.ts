// `odyssey lr-find`: the learning-rate range test on a model of the zoo and a dataset, with the
// same model, optimizer and data pipeline `odyssey train` would build; writes the curve (CSV, JSON,
// SVG) and prints the suggested rate with the train command that uses it.

import { writeFileSync } from 'node:fs';
import { makeDirectory } from '../fs-errors.js';
import { join } from 'node:path';
import { setNumThreads } from '../../backend/index.js';
import { modelInfo } from '../../models/registry.js';
import { crossEntropy } from '../../nn/functional/loss.js';
import { manualSeed } from '../../tensor/random.js';
import { findLearningRate } from '../../train/lr-finder.js';
import { renderLrFinder } from '../../train/plot.js';
import { formatOptions, optionWords, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { buildModel, buildOptimizer } from '../build.js';
import { checkBatchSize, setupData } from '../data-setup.js';
import { writeJson } from '../run-files.js';
import { defaultRunDir, resolveConfig, TRAIN_OPTIONS } from '../train-options.js';

const SHARED = ['model', 'dataset', 'data-dir', 'batch-size', 'optimizer', 'weight-decay', 'momentum', 'precision', 'augment', 'limit', 'seed', 'threads', 'workers', 'verbose'];

export const LR_FIND_OPTIONS: readonly OptionSpec[] = [
  ...TRAIN_OPTIONS.filter((s) => SHARED.includes(s.name)),
  { name: 'start-lr', type: 'number', min: 0, help: 'first learning rate tried', defaultText: '1e-7' },
  { name: 'end-lr', type: 'number', min: 0, help: 'last learning rate tried', defaultText: '10' },
  { name: 'iterations', type: 'int', min: 2, help: 'batches, one optimizer step each, the rate growing geometrically', defaultText: '100' },
  { name: 'out', type: 'string', metavar: 'DIR', help: 'where lr-find.csv, lr-find.json and lr-find.svg are written', defaultText: 'runs/<date>-<model>-<dataset>-lr-find' },
];

export const LR_FIND_HELP = `Usage: odyssey lr-find [options]

The learning-rate range test (Smith 2017): trains from fresh weights for --iterations batches
while the learning rate grows from --start-lr to --end-lr, stops when the loss diverges, and
suggests the rate where the smoothed loss falls fastest. Model, optimizer and data are built as
odyssey train builds them. Writes lr-find.csv, lr-find.json and lr-find.svg to --out.

Options:
${formatOptions(LR_FIND_OPTIONS)}`;

export async function lrFindCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, LR_FIND_OPTIONS, 'lr-find');
  if (parsed.help) {
    process.stdout.write(`${LR_FIND_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`lr-find: unexpected argument '${parsed.positionals[0]}'; options are given as --name value (see odyssey lr-find --help)`);
  const values = new Map(parsed.values);
  const verbose = values.get('verbose') === true;
  const startLr = (values.get('start-lr') as number | undefined) ?? 1e-7;
  const endLr = (values.get('end-lr') as number | undefined) ?? 10;
  const numIter = (values.get('iterations') as number | undefined) ?? 100;
  if (!(startLr > 0) || !(endLr > startLr)) throw new UsageError(`lr-find: expected 0 < --start-lr < --end-lr, got ${startLr} and ${endLr}`);
  for (const k of ['verbose', 'start-lr', 'end-lr', 'iterations']) values.delete(k);
  const out = values.get('out') as string | undefined;
  values.delete('out');
  const config = resolveConfig(values);
  const outDir = out ?? `${defaultRunDir(config.model, config.dataset)}-lr-find`;

  setNumThreads(config.threads);
  manualSeed(config.seed);
  const data = setupData(config, modelInfo(config.model));
  try {
    checkBatchSize('lr-find', config.batchSize, data);
    // mixed precision keeps float32 master weights; the range test runs them in float32
    if (config.precision.startsWith('mixed')) process.stderr.write(`odyssey: lr-find runs --precision ${config.precision} in float32 (its master weights' dtype)\n`);
    const model = buildModel(config, data.numClasses, data.inChannels);
    const optimizer = buildOptimizer(config, model);
    const started = performance.now();
    const r = await findLearningRate({
      model, optimizer, loss: (o, t) => crossEntropy(o, t), trainLoader: data.trainLoader,
      startLr, endLr, numIter, restore: false,
    });
    const seconds = (performance.now() - started) / 1000;
    makeDirectory(outDir, 'the output directory (--out)');
    const title = `${config.model} on ${config.dataset}: learning-rate range test (${config.optimizer}, batch ${config.batchSize})`;
    writeFileSync(join(outDir, 'lr-find.csv'), `lr,loss,smoothed_loss\n${r.lrs.map((lr, i) => `${lr},${r.losses[i]},${r.smoothedLosses[i]}`).join('\n')}\n`);
    writeJson(join(outDir, 'lr-find.json'), { model: config.model, dataset: config.dataset, optimizer: config.optimizer, batchSize: config.batchSize, startLr, endLr, iterations: numIter, ...r });
    writeFileSync(join(outDir, 'lr-find.svg'), renderLrFinder(r.lrs, r.losses, r.smoothedLosses, r.suggestedLr, title));
    const fmt = (x: number) => String(Number(x.toPrecision(2)));
    const ended = r.stoppedEarly ? `stopped at lr ${fmt(r.lrs.at(-1)!)} (loss ${r.stoppedEarly})` : `ran all ${numIter} steps`;
    process.stdout.write(`${title}\n${r.lrs.length} steps in ${seconds.toFixed(1)} s, ${ended}; lowest smoothed loss at lr ${fmt(r.minLossLr)}\n`);
    if (r.suggestedLr === null) {
      process.stdout.write(`no suggestion: the loss never fell; try a wider range (--start-lr, --end-lr) or more --iterations. Curve in ${outDir}\n`);
    } else {
      process.stdout.write(`suggested learning rate: ${fmt(r.suggestedLr)} (steepest fall of the loss); curve in ${outDir}\n`);
      // Every data and model option given here, so the command trains what was measured.
      const given = [...values].filter(([k]) => !['model', 'dataset', 'optimizer', 'lr', 'verbose'].includes(k));
      const words = optionWords([['model', config.model], ['dataset', config.dataset], ...given, ['optimizer', config.optimizer]]);
      process.stdout.write(`to train with it: odyssey train ${words.join(' ')} --lr ${fmt(r.suggestedLr)}\n`);
    }
    if (verbose) process.stderr.write(`odyssey: ${data.train.length} training images; ${data.pipeline.join(', ')}\n`);
    return 0;
  } finally {
    await data.close();
  }
}
