// A small training run through the real command: every file of the run directory with sensible
// content, then `checkpoints` and `eval` on it, and configuration from JSON and TOML files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { odyssey, tempDir, QUICK } from './helpers.js';

/** Checks that a document's tags nest properly (a well-formedness test without an XML parser). */
function assertBalancedXml(text: string, root: string): void {
  const stack: string[] = [];
  const body = text.replace(/<\?xml[^>]*\?>/, '').replace(/<!DOCTYPE[^>]*>/i, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the element that is open`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, [], 'every element is closed');
  assert.match(body.trim(), new RegExp(`^<${root}[\\s>]`));
}

test('a small train run writes config, metrics, summary, checkpoints, plot and page; checkpoints and eval read them', async () => {
  const cwd = tempDir('train');
  const r = await odyssey(['train', ...QUICK, '--run-dir', 'run', '--log-every', '3'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /lenet5 on mnist-sample: test accuracy \d+\.\d+%/);
  assert.match(r.stderr, /^epoch 2\/2 loss \d/m, 'a summary line per epoch');
  const run = join(cwd, 'run');
  for (const f of ['config.json', 'metrics.csv', 'summary.json', 'plot.svg', 'index.html', 'checkpoints/manifest.json']) assert.ok(existsSync(join(run, f)), f);

  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  assert.equal(config.model, 'lenet5');
  assert.equal(config.epochs, 2);
  assert.equal(config.optimizer, 'adamw');
  assert.equal(config.scheduler, 'onecycle');
  assert.equal(config.data.trainImages, 360);
  assert.equal(config.data.valImages, 40);
  assert.equal(config.data.testImages, 400);
  assert.ok(config.data.stats.mean[0] > 0.1 && config.data.stats.mean[0] < 0.16, `MNIST mean ${config.data.stats.mean}`);

  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
  assert.equal(summary.epochs, 2);
  assert.equal(summary.steps, 12);
  for (const split of ['train', 'validation', 'test']) {
    assert.ok(summary[split].loss > 0 && Number.isFinite(summary[split].loss), `${split} loss`);
    assert.ok(summary[split].accuracy > 0.2 && summary[split].accuracy <= 1, `${split} accuracy ${summary[split].accuracy}`);
  }
  assert.equal(summary.test.images, 400);
  assert.ok(summary.wallSeconds > 0 && summary.imagesPerSecond > 0 && summary.secondsPerEpoch > 0);
  assert.match(summary.bestCheckpoint.file, /^checkpoint-e\d{4}-s\d{8}\.safetensors$/);

  const csv = readFileSync(join(run, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.match(csv[0]!, /^kind,epoch,step,/);
  assert.equal(csv.filter((l) => l.startsWith('epoch,')).length, 2, 'a row per epoch');
  assert.equal(csv.filter((l) => l.startsWith('step,')).length, 4, 'a row every 3 steps');

  const svg = readFileSync(join(run, 'plot.svg'), 'utf8');
  assertBalancedXml(svg, 'svg');
  assert.match(svg, /xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 4, 'train and validation curves of loss and accuracy');
  assert.match(svg, />Loss</);
  assert.match(svg, />Accuracy</);
  const html = readFileSync(join(run, 'index.html'), 'utf8');
  assertBalancedXml(html.replace(/<meta[^>]*>/g, '').replace(/<img[^>]*>/g, ''), 'html');
  assert.match(html, /<img src="plot.svg"/);
  assert.ok(html.includes(`${(100 * summary.test.accuracy).toFixed(2)}%`), 'the page shows the test accuracy');

  // checkpoints: both epochs' files verify; the best is marked.
  const list = await odyssey(['checkpoints', 'run'], cwd);
  assert.equal(list.code, 0, list.stderr);
  assert.equal((list.stdout.match(/ valid /g) ?? []).length, 2);
  assert.match(list.stdout, new RegExp(`^\\* ${summary.bestCheckpoint.file}`, 'm'));
  // eval of the last checkpoint (the final weights) reproduces the summary's test figures.
  const files = readdirSync(join(run, 'checkpoints')).filter((f) => f.endsWith('.safetensors')).sort();
  const last = join('run', 'checkpoints', files[files.length - 1]!);
  const ev = await odyssey(['eval', '--checkpoint', last, '--json'], cwd);
  assert.equal(ev.code, 0, ev.stderr);
  const e = JSON.parse(ev.stdout);
  assert.equal(e.images, 400);
  assert.equal(e.accuracy, summary.test.accuracy);
  assert.ok(Math.abs(e.loss - summary.test.loss) < 1e-6);
  // A damaged file is reported as invalid (and the listing still succeeds).
  const bytes = readFileSync(join(cwd, last));
  bytes[bytes.length - 5] ^= 0xff;
  writeFileSync(join(cwd, last), bytes);
  const damaged = await odyssey(['checkpoints', join('run', 'checkpoints')], cwd);
  assert.equal(damaged.code, 0);
  assert.match(damaged.stdout, /INVALID: .*checksum mismatch/);
  const evBad = await odyssey(['eval', '--checkpoint', last], cwd);
  assert.equal(evBad.code, 1);
  assert.match(evBad.stderr, /checksum mismatch/);
  // The run directory is not reused by a new run.
  const again = await odyssey(['train', ...QUICK, '--run-dir', 'run'], cwd);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds a run; continue it with odyssey resume run/);
  // Resuming keeps the plan: a one-cycle schedule cannot be stretched to more epochs.
  const longer = await odyssey(['train', '--resume', 'latest', '--run-dir', 'run', '--epochs', '3'], cwd);
  assert.equal(longer.code, 2);
  assert.match(longer.stderr, /--epochs 3: the run was planned for 2 epochs and its onecycle schedule spans exactly those/);
});

test('options from a JSON or TOML config file; flags override it', async () => {
  const cwd = tempDir('config');
  writeFileSync(join(cwd, 'run.json'), JSON.stringify({ model: 'lenet5', epochs: 1, 'batch-size': 50, lr: 0.01, optimizer: 'sgd', momentum: 0.8, limit: 200, threads: 1, workers: 0, scheduler: 'cosine', warmupEpochs: 0, clip_norm: 5 }));
  writeFileSync(join(cwd, 'run.toml'), 'model = "lenet5"\nepochs = 1\nbatch-size = 40\noptimizer = "adam"\nlr = 0.004\nlimit = 200\nthreads = 1\nworkers = 0\nscheduler = "step"\nclip-value = 1.5\nprecision = "float32"\n');
  const j = await odyssey(['train', '--config', 'run.json', '--lr', '0.02', '--run-dir', 'j'], cwd);
  assert.equal(j.code, 0, j.stderr);
  const jc = JSON.parse(readFileSync(join(cwd, 'j', 'config.json'), 'utf8'));
  assert.deepEqual([jc.epochs, jc.batchSize, jc.optimizer, jc.momentum, jc.lr, jc.scheduler, jc.clipNorm, jc.limit], [1, 50, 'sgd', 0.8, 0.02, 'cosine', 5, 200]);
  const t = await odyssey(['train', '--config', 'run.toml', '--run-dir', 't'], cwd);
  assert.equal(t.code, 0, t.stderr);
  const tc = JSON.parse(readFileSync(join(cwd, 't', 'config.json'), 'utf8'));
  assert.deepEqual([tc.epochs, tc.batchSize, tc.optimizer, tc.lr, tc.scheduler, tc.clipValue], [1, 40, 'adam', 0.004, 'step', 1.5]);
  assert.equal(JSON.parse(readFileSync(join(cwd, 't', 'summary.json'), 'utf8')).steps, 5);
  // Mistakes in a file are usage errors naming the file and the option.
  writeFileSync(join(cwd, 'bad.toml'), 'epochs = "many"\n');
  const bad = await odyssey(['train', '--config', 'bad.toml'], cwd);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /config file bad.toml: option 'epochs': expected an integer >= 1, got "many"/);
  writeFileSync(join(cwd, 'unknown.json'), '{"epoch": 3}');
  const unknown = await odyssey(['train', '--config', 'unknown.json'], cwd);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option 'epoch'/);
  writeFileSync(join(cwd, 'broken.toml'), 'epochs = = 3\n');
  const broken = await odyssey(['train', '--config', 'broken.toml'], cwd);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /broken.toml: not valid TOML/);
});
