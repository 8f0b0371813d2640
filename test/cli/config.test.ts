// The pieces of the command tested in-process: configuration resolution and defaults, the
// schedules with a warm-up, the validation split and limit rules, the data statistics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn } from '../../src/index.js';
import { configFileValues, resolveConfig, recipeFor } from '../../src/cli/train-options.js';
import { buildOptimizer, buildScheduler } from '../../src/cli/build.js';
import { evenlySpaced, validationSplit, channelStats } from '../../src/cli/data-setup.js';
import { UsageError, parseArgs, kebab, shellQuote, optionWords } from '../../src/cli/args.js';
import { TRAIN_OPTIONS } from '../../src/cli/train-options.js';
import { ArraySource } from '../../src/data/array-source.js';
import { ImageDataset } from '../../src/data/dataset.js';
import { LRScheduler } from '../../src/optim/lr-scheduler/scheduler.js';

const values = (o: Record<string, string | number | boolean | null>) => new Map(Object.entries(o));

test('defaults follow the model and dataset; explicit values win', () => {
  const lenet = resolveConfig(values({}));
  assert.deepEqual([lenet.model, lenet.dataset, lenet.optimizer, lenet.lr, lenet.epochs, lenet.batchSize, lenet.threads, lenet.scheduler, lenet.monitor, lenet.mode],
    ['lenet5', 'mnist-sample', 'adamw', 0.003, 8, 64, 1, 'onecycle', 'val_loss', 'min']);
  assert.equal(resolveConfig(values({ dataset: 'fashion-mnist' })).epochs, 15);
  const resnet = resolveConfig(values({ model: 'resnet18', dataset: 'cifar10' }));
  assert.deepEqual([resnet.optimizer, resnet.momentum, resnet.lr, resnet.batchSize, resnet.threads, resnet.augment], ['sgd', 0.9, 0.05, 128, 0, true]);
  assert.equal(resolveConfig(values({ optimizer: 'rmsprop' })).momentum, 0);
  const acc = resolveConfig(values({ monitor: 'val_accuracy' }));
  assert.equal(acc.mode, 'max');
  assert.equal(resolveConfig(values({ 'val-split': 0 })).monitor, 'train_loss');
  const dirs = resolveConfig(values({ 'run-dir': 'x/y' }));
  assert.equal(dirs.checkpointDir, 'x/y/checkpoints');
  assert.match(resolveConfig(values({ model: 'vgg16', dataset: 'cifar100' })).runDir, /^runs\/\d{4}-\d\d-\d\d-\d{6}-vgg16-cifar100$/);
  assert.deepEqual(recipeFor('googlenet', 'mnist-sample'), recipeFor('resnet18', 'cifar10'));
  assert.throws(() => resolveConfig(values({ 'val-split': 0, monitor: 'val_loss' })), /needs a validation split/);
  assert.throws(() => resolveConfig(values({ 'warmup-epochs': 8 })), UsageError);
  assert.throws(() => resolveConfig(values({ 'warmup-epochs': 3, epochs: 3, scheduler: 'cosine' })), /fewer warm-up epochs than --epochs/);
  assert.throws(() => resolveConfig(values({ monitor: 'loss' })), /--monitor: expected one of val_loss/);
});

test('the parser: --name value, --name=value, --no-flag, none, and errors naming the option', () => {
  const p = parseArgs(['--epochs=3', '--lr', '0.1', '--no-augment', '--clip-norm', 'none', '--resume', 'latest'], TRAIN_OPTIONS, 'train');
  assert.deepEqual([...p.values], [['epochs', 3], ['lr', 0.1], ['augment', false], ['clip-norm', null], ['resume', 'latest']]);
  assert.throws(() => parseArgs(['--epochs', '2.5'], TRAIN_OPTIONS, 'train'), /--epochs: expected an integer >= 1, got "2.5"/);
  assert.throws(() => parseArgs(['-e', '2'], TRAIN_OPTIONS, 'train'), /unknown option '-e'/);
  assert.throws(() => parseArgs(['--batch', '2'], TRAIN_OPTIONS, 'train'), /did you mean --batch-size\?/);
  assert.equal(kebab('warmupEpochs'), 'warmup-epochs');
  assert.equal(kebab('clip_norm'), 'clip-norm');
});

function lrs(config: ReturnType<typeof resolveConfig>, stepsPerEpoch = 4): number[] {
  const model = new nn.Linear(2, 2);
  const opt = buildOptimizer(config, model);
  const { scheduler, interval } = buildScheduler(config, opt, stepsPerEpoch);
  const out = [opt.paramGroups[0]!.lr];
  for (let e = 0; e < config.epochs; e++) {
    if (interval === 'batch') for (let s = 0; s < stepsPerEpoch; s++) (scheduler as LRScheduler).step();
    else if (scheduler instanceof LRScheduler) scheduler.step();
    out.push(opt.paramGroups[0]!.lr);
  }
  return out.map((x) => Number(x.toPrecision(6)));
}

test('schedules: each scheduler, and a linear warm-up from lr/10 before it', () => {
  const c = (o: Record<string, string | number>) => resolveConfig(values({ optimizer: 'sgd', lr: 1, epochs: 6, ...o }));
  assert.deepEqual(lrs(c({ scheduler: 'none' })), [1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(lrs(c({ scheduler: 'step' })), [1, 1, 0.1, 0.1, 0.01, 0.01, 0.001]);
  assert.deepEqual(lrs(c({ scheduler: 'multistep' })), [1, 1, 1, 0.1, 0.1, 0.01, 0.01]);
  assert.deepEqual(lrs(c({ scheduler: 'exponential' })).slice(0, 3), [1, 0.9, 0.81]);
  assert.deepEqual(lrs(c({ scheduler: 'cosine' })).map((x) => Number(x.toFixed(3))), [1, 0.933, 0.75, 0.5, 0.25, 0.067, 0]);
  const warm = lrs(c({ scheduler: 'cosine', 'warmup-epochs': 2 }));
  assert.deepEqual(warm.slice(0, 3), [0.1, 0.55, 1], 'linear warm-up over 2 epochs');
  assert.deepEqual(warm.slice(2).map((x) => Number(x.toFixed(3))), [1, 0.854, 0.5, 0.146, 0], 'then cosine over the 4 remaining epochs');
  assert.deepEqual(lrs(c({ scheduler: 'none', 'warmup-epochs': 3 })).map((x) => Number(x.toFixed(3))), [0.1, 0.4, 0.7, 1, 1, 1, 1]);
  const oneCycle = lrs(c({ scheduler: 'onecycle' }), 10);
  assert.equal(oneCycle[0], 0.04, 'one-cycle starts at lr/25');
  assert.ok(Math.max(...oneCycle) <= 1 && oneCycle[2]! > 0.9 && oneCycle[6]! < 0.01, 'up to lr, then down to almost 0');
  const plateau = buildScheduler(c({ scheduler: 'plateau' }), buildOptimizer(c({}), new nn.Linear(2, 2)), 4);
  assert.equal(plateau.interval, 'epoch');
});

test('limit and validation rules: evenly spaced, every 10th held out for 0.1', () => {
  assert.deepEqual([...evenlySpaced(10, 4)], [0, 2, 5, 7]);
  assert.deepEqual([...evenlySpaced(3, 0)], [0, 1, 2]);
  assert.deepEqual([...evenlySpaced(3, 5)], [0, 1, 2]);
  const v = validationSplit(30, 0.1);
  assert.deepEqual([...v.val], [9, 19, 29]);
  assert.equal(v.train.length, 27);
  assert.deepEqual([...validationSplit(8, 0.25).val], [3, 7]);
  assert.equal(validationSplit(10, 0).val.length, 0);
});

test('channel statistics of uint8 images on the [0, 1] scale', () => {
  const data = new Uint8Array([0, 255, 0, 255, 51, 51, 51, 51]); // two 1x2x2 images
  const ds = new ImageDataset(new ArraySource({ name: 't', data, sampleShape: [1, 2, 2], labels: new Int32Array([0, 1]), classes: null }));
  const s = channelStats(ds);
  assert.deepEqual(s.mean, [0.35]);
  assert.ok(Math.abs(s.std[0]! - Math.sqrt((2 * 1 + 4 * 0.04) / 8 - 0.35 ** 2)) < 1e-6);
  const rgb = new ImageDataset(new ArraySource({ name: 'rgb', data: new Uint8Array([0, 0, 255, 255, 255, 255]), sampleShape: [3, 1, 2], labels: new Int32Array([0]), classes: null }));
  assert.deepEqual(channelStats(rgb).mean, [0, 1, 1]);
  assert.deepEqual(channelStats(rgb).std, [1, 1, 1], 'a constant channel gets std 1 (no division by zero)');
});

test('a config file giving one option twice (batch_size and batch-size) is refused', () => {
  assert.throws(() => configFileValues({ batch_size: 32, 'batch-size': 64 }, 'c.toml'), /config file c\.toml: option 'batch-size' is given twice \(as 'batch_size' too\); keep one/);
  assert.deepEqual([...configFileValues({ batch_size: 32, lr: 0.1 }, 'c.toml')], [['batch-size', 32], ['lr', 0.1]]);
});

test('hints are pasteable: words quoted for the shell when needed', () => {
  assert.equal(shellQuote('runs/a-b_c.1'), 'runs/a-b_c.1');
  assert.equal(shellQuote('/tmp/sp ace/run 1'), "'/tmp/sp ace/run 1'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.deepEqual(optionWords([['limit', 500], ['augment', false], ['clip-norm', null], ['data-dir', '/tmp/with space/fm']]), ['--limit', '500', '--no-augment', '--clip-norm', 'none', '--data-dir', "'/tmp/with space/fm'"]);
});
