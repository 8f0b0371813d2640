// The command's surface: help texts, usage errors (exit 2, one message naming the option and what
// it expects), `models`, unknown commands.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODELS } from '../../src/models/registry.js';
import { TRAIN_OPTIONS } from '../../src/cli/train-options.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { odyssey, tempDir } from './helpers.js';

test('odyssey --help lists the commands; no command is a usage error', async () => {
  const help = await odyssey(['--help']);
  assert.equal(help.code, 0);
  for (const c of ['train', 'eval', 'resume', 'lr-find', 'models', 'checkpoints', 'bench']) assert.match(help.stdout, new RegExp(`^  ${c} `, 'm'));
  const none = await odyssey([]);
  assert.equal(none.code, 2);
});

test('train --help documents every option with its default', async () => {
  const r = await odyssey(['train', '--help']);
  assert.equal(r.code, 0);
  const expected = ['model', 'dataset', 'data-dir', 'epochs', 'batch-size', 'optimizer', 'lr', 'weight-decay', 'momentum', 'scheduler', 'warmup-epochs',
    'clip-norm', 'clip-value', 'precision', 'checkpoint-dir', 'max-to-keep', 'monitor', 'mode', 'resume', 'seed', 'threads', 'workers', 'config', 'verbose', 'limit', 'val-split', 'run-dir'];
  for (const name of expected) {
    const line = r.stdout.split('\n').findIndex((l) => l.startsWith(`  --${name} `) || l === `  --${name}` || l.startsWith(`  --${name}  `));
    assert.ok(line >= 0, `--${name} is documented`);
    const text = r.stdout.split('\n').slice(line, line + 2).join(' ');
    assert.match(text, /\(default: [^)]/, `--${name} shows its default`);
  }
  assert.equal(TRAIN_OPTIONS.length, (r.stdout.match(/\(default: /g) ?? []).length, 'one default per option');
  assert.match(r.stdout, /sgd\|adam\|adamw\|rmsprop/);
  assert.match(r.stdout, /none\|step\|multistep\|exponential\|cosine\|onecycle\|plateau/);
  const commands = ['eval', 'resume', 'models', 'checkpoints', 'bench'];
  const helps = await Promise.all(commands.map((c) => odyssey([c, '--help'])));
  for (const [i, c] of commands.entries()) {
    const h = helps[i]!;
    assert.equal(h.code, 0, `${c} --help`);
    assert.match(h.stdout, new RegExp(`^Usage: odyssey ${c}`));
  }
});

test('usage errors exit 2 with one message naming the option and the expected values', async () => {
  const cases: [string[], RegExp][] = [
    [['train', '--optimizer', 'lbfgs'], /--optimizer: expected one of sgd, adam, adamw, rmsprop, got "lbfgs"/],
    [['train', '--scheduler', 'linear'], /--scheduler: expected one of none, step, multistep, exponential, cosine, onecycle, plateau/],
    [['train', '--epochs', '0'], /--epochs: expected an integer >= 1, got "0"/],
    [['train', '--lr', 'fast'], /--lr: expected a number >= 0, got "fast"/],
    [['train', '--precision', 'int8'], /--precision: expected one of float32, float16, mixed-float16, mixed-bfloat16/],
    [['train', '--model', 'resnet50'], /--model: expected one of lenet5, alexnet, vgg16, resnet18, mobilenetv1, googlenet/],
    [['train', '--dataset', 'imagenet'], /--dataset: expected one of mnist-sample, fashion-mnist, mnist, emnist, cifar10, cifar100/],
    [['train', '--batch-size'], /--batch-size needs a value: an integer from 1 to 65536/],
    [['train', '--batch-size', '1e8'], /--batch-size: expected an integer from 1 to 65536, got "1e8"/],
    [['eval', '--checkpoint', 'x', '--batch-size', '1e9'], /--batch-size: expected an integer from 1 to 65536/],
    [['lr-find', '--limit', '100', '--batch-size', '91'], /lr-find: option --batch-size 91: expected at most 90 \(the training split has 90 images\)/],
    [['train', '--bogus', '1'], /unknown option '--bogus'/],
    [['train', '--monitor', 'val_accuracy', '--mode', 'min'], /--mode min with --monitor val_accuracy .* expected max/],
    [['train', '--warmup-epochs', '2', '--scheduler', 'onecycle'], /--warmup-epochs: onecycle cannot follow a warm-up/],
    [['train', '--dataset', 'cifar10'], /needs --data-dir/],
    [['train', '--config', 'missing.toml'], /--config: cannot read missing.toml/],
    [['eval'], /--checkpoint is required/],
    [['resume'], /expected one run directory/],
    [['resume', 'nowhere'], /nowhere is not a run directory/],
    [['checkpoints', 'nowhere'], /no such directory nowhere/],
    [['bench', '--only', 'nowhere'], /bench: --only expects one of peak, sgemm, conv/],
    [['bench', '--quick', '--frob'], /bench: unknown option '--frob'/],
    [['eval', '--checkpoint'], /eval: option --checkpoint needs a value: PATH$/m],
    [['eval', '--checkpoint', '.'], /eval: option --checkpoint: \. is a directory; expected a checkpoint file \(odyssey checkpoints \. lists them\)/],
    [['resume', process.execPath], /resume: \S+ is a file; expected the run directory that holds it/],
    [['train', '--dataset', 'fashion-mnist', '--data-dir', process.execPath], /fashion-mnist: this is a file, not a directory/],
    [['train', '--data-dir', '/nonexistent'], /option --data-dir: mnist-sample ships with the package and reads no directory/],
    [['train', '--data-parallel', '1000'], /--data-parallel: expected an integer from 1 to 64, got "1000"/],
    [['train', '--momentum', '2'], /--momentum: expected a number from 0 to 1, got "2"/],
    [['train', '--lr', '0x10'], /--lr: expected a number >= 0, got "0x10"/],
    [['train', '--epochs=0b10'], /--epochs: expected an integer >= 1, got "0b10"/],
    [['train', '--clip-norm', '0'], /--clip-norm: expected a positive number or 'none', got 0/],
    [['bench', '--quick', '--only'], /bench: option --only needs a value/],
    [['bench', '--only', '--quick'], /bench: option --only needs a value/],
    [['bench', 'sgemm'], /bench: unexpected argument 'sgemm'/],
    [['fly'], /unknown command 'fly'; expected one of train, eval, resume, lr-find, models, checkpoints, bench/],
  ];
  const results = await Promise.all(cases.map(([args]) => odyssey(args)));
  for (const [i, [args, message]] of cases.entries()) {
    const r = results[i]!;
    assert.equal(r.code, 2, `${args.join(' ')}: exit code (stderr: ${r.stderr})`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line, no stack trace`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('a --batch-size larger than the training split is refused before the run directory is made', async () => {
  const cwd = tempDir('batch');
  const r = await odyssey(['train', '--limit', '100', '--epochs', '1', '--run-dir', 'D', '--batch-size', '91'], cwd);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^odyssey: train: option --batch-size 91: expected at most 90 \(the training split has 90 images\)\n$/);
  assert.ok(!existsSync(join(cwd, 'D')), 'no run directory left behind');
});

test('--verbose adds the stack trace', async () => {
  const r = await odyssey(['train', '--epochs', '0', '--verbose']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /UsageError: train: option --epochs/);
  assert.match(r.stderr, /\n\s+at /);
});

test('models lists the zoo with parameters and MACs from the registry', async () => {
  const r = await odyssey(['models']);
  assert.equal(r.code, 0);
  for (const m of MODELS) {
    const line = r.stdout.split('\n').find((l) => l.startsWith(`${m.name} `));
    assert.ok(line, m.name);
    assert.ok(line.includes(m.params.toLocaleString('en-US')) && line.includes(m.macs.toLocaleString('en-US')), line);
    assert.ok(line.includes(m.inputShape.join('x')), line);
  }
  const json = await odyssey(['models', '--json']);
  const rows = JSON.parse(json.stdout) as { name: string; parameters: number; macs: number }[];
  assert.deepEqual(rows.map((x) => [x.name, x.parameters, x.macs]), MODELS.map((m) => [m.name, m.params, m.macs]));
});
