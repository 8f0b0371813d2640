// Resuming through `odyssey train --resume`: options that would change what the run computes are
// refused (exit 2, naming each option and both values) before anything is written; options a
// resume may change are applied and recorded in config.json with the command line that gave them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { odyssey, tempDir, QUICK } from './helpers.js';
import { defaultRunDir } from '../../src/cli/train-options.js';

test('train --resume refuses options that differ from the run and leaves config.json untouched', async () => {
  const cwd = tempDir('resume');
  const first = await odyssey(['train', ...QUICK, '--run-dir', 'run', '--checkpoint-every', '4'], cwd);
  assert.equal(first.code, 0, first.stderr);
  const configPath = join(cwd, 'run', 'config.json');
  const before = readFileSync(configPath, 'utf8');

  const batch = await odyssey(['train', '--resume', 'latest', '--run-dir', 'run', '--batch-size', '32'], cwd);
  assert.equal(batch.code, 2, batch.stderr);
  assert.match(batch.stderr, /--batch-size 32 \(the run's is 64\)/);
  assert.equal(readFileSync(configPath, 'utf8'), before, 'a refused resume does not rewrite config.json');

  const several = await odyssey(['train', '--resume', 'latest', '--run-dir', 'run', '--optimizer', 'sgd', '--lr', '0.5', '--seed', '7', '--limit', '300'], cwd);
  assert.equal(several.code, 2, several.stderr);
  for (const re of [/--optimizer "sgd" \(the run's is "adamw"\)/, /--lr 0\.5 \(the run's is 0\.003\)/, /--seed 7 \(the run's is 0\)/, /--limit 300 \(the run's is 400\)/]) assert.match(several.stderr, re);
  assert.equal(readFileSync(configPath, 'utf8'), before);

  // The same values as the run's are fine, and what may change is applied and recorded.
  const ok = await odyssey(['train', '--resume', 'latest', '--run-dir', 'run', '--batch-size', '64', '--workers', '1', '--checkpoint-every', '0'], cwd);
  assert.equal(ok.code, 0, ok.stderr);
  const after = JSON.parse(readFileSync(configPath, 'utf8'));
  const original = JSON.parse(before);
  assert.equal(after.workers, 1);
  assert.equal(after.checkpointEvery, 0);
  assert.equal(after.batchSize, 64);
  assert.equal(after.resumes, 1);
  assert.deepEqual(after.argv, original.argv, 'the command line that started the run is kept');
  assert.deepEqual(after.resumedWith, [['train', '--resume', 'latest', '--run-dir', 'run', '--batch-size', '64', '--workers', '1', '--checkpoint-every', '0']]);
  // odyssey resume still works on it.
  const again = await odyssey(['resume', 'run'], cwd);
  assert.equal(again.code, 0, again.stderr);
});

test('a new run refuses a checkpoint directory that holds another run, so neither damages the other', async () => {
  const cwd = tempDir('shared');
  const a = await odyssey(['train', ...QUICK, '--run-dir', 'A', '--checkpoint-dir', 'C'], cwd);
  assert.equal(a.code, 0, a.stderr);
  const filesBefore = readdirSync(join(cwd, 'C')).sort();
  const manifestBefore = readFileSync(join(cwd, 'C', 'manifest.json'), 'utf8');
  const b = await odyssey(['train', ...QUICK, '--optimizer', 'sgd', '--lr', '0.01', '--run-dir', 'B', '--checkpoint-dir', 'C'], cwd);
  assert.equal(b.code, 2, b.stderr);
  assert.match(b.stderr, /option --checkpoint-dir: C already holds another run's checkpoints .*choose another --checkpoint-dir/);
  assert.deepEqual(readdirSync(join(cwd, 'C')).sort(), filesBefore, "run A's checkpoints are all there");
  assert.equal(readFileSync(join(cwd, 'C', 'manifest.json'), 'utf8'), manifestBefore);
  assert.ok(!existsSync(join(cwd, 'B')), 'the refused run left no run directory');
  // A checkpoint file alone (no manifest) is another run's too.
  mkdirSync(join(cwd, 'D'));
  writeFileSync(join(cwd, 'D', 'checkpoint-e0001-s00000010.safetensors'), 'x');
  const d = await odyssey(['train', ...QUICK, '--run-dir', 'E', '--checkpoint-dir', 'D'], cwd);
  assert.equal(d.code, 2, d.stderr);
  // An empty directory is fine.
  mkdirSync(join(cwd, 'F'));
  const f = await odyssey(['train', ...QUICK, '--epochs', '1', '--run-dir', 'G', '--checkpoint-dir', 'F'], cwd);
  assert.equal(f.code, 0, f.stderr);
});

test('a missing or corrupt manifest.json: resume rebuilds it from the checkpoints and continues; checkpoints lists them', async () => {
  const cwd = tempDir('manifest');
  const first = await odyssey(['train', ...QUICK, '--epochs', '1', '--scheduler', 'none', '--run-dir', 'run'], cwd);
  assert.equal(first.code, 0, first.stderr);
  writeFileSync(join(cwd, 'run', 'checkpoints', 'manifest.json'), 'garbage{');
  const listed = await odyssey(['checkpoints', 'run'], cwd);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stderr, /not valid JSON.*listed from the checkpoint files/);
  assert.match(listed.stdout, /^\* checkpoint-e0001-s00000006\.safetensors .* valid /m);
  rmSync(join(cwd, 'run', 'checkpoints', 'manifest.json'));
  const resumed = await odyssey(['train', '--resume', 'latest', '--run-dir', 'run', '--epochs', '2'], cwd);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /rebuilt it from 1 checkpoint file/);
  assert.match(resumed.stderr, /resumed from .*checkpoint-e0001-s00000006\.safetensors/);
  assert.doesNotMatch(resumed.stderr, /starting afresh/);
  const csv = readFileSync(join(cwd, 'run', 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.filter((l) => l.startsWith('epoch,')).length, 2, 'one row per epoch, none repeated');
});

test('a diverged run exits 1 saying so: all steps of a short run non-finite, or 20 in a row', async () => {
  const cwd = tempDir('diverged');
  for (const args of [['--limit', '400', '--epochs', '1'], ['--limit', '1000', '--epochs', '2']]) {
    const r = await odyssey(['train', ...QUICK, ...args, '--lr', '1e6', '--run-dir', `run${args[1]}`], cwd);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /training diverged: .*non-finite loss or gradient.*lower (--lr|learning rate)/);
    assert.doesNotMatch(r.stdout, /test accuracy/);
    assert.ok(!existsSync(join(cwd, `run${args[1]}`, 'summary.json')));
  }
});

const FASHION = '/usr/share/datasets/fashion-mnist';

test('odyssey resume --data-dir: a run whose dataset moved continues from the new place, recorded in config.json', { skip: !existsSync(FASHION) && 'needs the fashion-mnist package' }, async () => {
  const cwd = tempDir('moved');
  cpSync(FASHION, join(cwd, 'fm'), { recursive: true });
  const first = await odyssey(['train', '--dataset', 'fashion-mnist', '--data-dir', 'fm', '--limit', '300', '--epochs', '1', '--threads', '1', '--workers', '0', '--run-dir', 'run'], cwd);
  assert.equal(first.code, 0, first.stderr);
  renameSync(join(cwd, 'fm'), join(cwd, 'moved'));
  const lost = await odyssey(['resume', 'run'], cwd);
  assert.equal(lost.code, 2, lost.stderr);
  const resumed = await odyssey(['resume', 'run', '--data-dir', 'moved'], cwd);
  assert.equal(resumed.code, 0, resumed.stderr);
  const config = JSON.parse(readFileSync(join(cwd, 'run', 'config.json'), 'utf8'));
  assert.equal(config.dataDir, 'moved');
  assert.match(config.data.fingerprint, /^[0-9a-f]{64}$/);
  // The same files with the training images in another order (labels no longer matching): refused.
  mkdirSync(join(cwd, 'shuffled'));
  for (const f of readdirSync(join(cwd, 'moved')).filter((n) => !n.startsWith('train-images'))) cpSync(join(cwd, 'moved', f), join(cwd, 'shuffled', f));
  const images = gunzipSync(readFileSync(join(cwd, 'moved', 'train-images-idx3-ubyte.gz')));
  const header = 16, size = 28 * 28, n = (images.length - header) / size;
  const reversed = Buffer.from(images);
  for (let i = 0; i < n; i++) images.copy(reversed, header + (n - 1 - i) * size, header + i * size, header + (i + 1) * size);
  writeFileSync(join(cwd, 'shuffled', 'train-images-idx3-ubyte'), reversed);
  const before = readFileSync(join(cwd, 'run', 'config.json'), 'utf8');
  const tampered = await odyssey(['resume', 'run', '--data-dir', 'shuffled'], cwd);
  assert.equal(tampered.code, 2, tampered.stderr);
  assert.match(tampered.stderr, /the fashion-mnist data in shuffled \(--data-dir\) is not what the run started with/);
  assert.equal(readFileSync(join(cwd, 'run', 'config.json'), 'utf8'), before);
});

test('runs started in the same second without --run-dir get their own directories', async () => {
  const cwd = tempDir('same-second');
  // Occupy the default directory of this second and the next few, as a run started just now would.
  const now = Date.now();
  for (let s = 0; s < 20; s++) mkdirSync(join(cwd, defaultRunDir('lenet5', 'mnist-sample', new Date(now + 1000 * s))), { recursive: true });
  const [a, b] = await Promise.all([odyssey(['train', ...QUICK, '--epochs', '1'], cwd), odyssey(['train', ...QUICK, '--epochs', '1'], cwd)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const dirOf = (r: { stdout: string }) => /run directory (\S+)$/m.exec(r.stdout)![1]!;
  assert.notEqual(dirOf(a), dirOf(b));
  for (const r of [a, b]) {
    assert.match(dirOf(r), /^runs\/\d{4}-\d\d-\d\d-\d{6}-\d+-lenet5-mnist-sample$/);
    assert.ok(existsSync(join(cwd, dirOf(r), 'summary.json')));
    assert.ok(existsSync(join(cwd, dirOf(r), 'checkpoints', 'manifest.json')), 'checkpoints inside the run directory');
  }
  // A run that fails before writing anything leaves no empty directory behind.
  const before = readdirSync(join(cwd, 'runs')).length;
  const bad = await odyssey(['train', ...QUICK, '--batch-size', '1000'], cwd);
  assert.equal(bad.code, 2, bad.stderr);
  assert.equal(readdirSync(join(cwd, 'runs')).length, before);
});

test('--resume of a checkpoint from a run with another --limit: exit 2 naming the options, nothing written', async () => {
  const cwd = tempDir('other-limit');
  const a = await odyssey(['train', ...QUICK, '--epochs', '1', '--run-dir', 'A'], cwd);
  assert.equal(a.code, 0, a.stderr);
  const ckpt = join('A', 'checkpoints', readdirSync(join(cwd, 'A', 'checkpoints')).find((f) => f.endsWith('.safetensors'))!);
  const b = await odyssey(['train', ...QUICK, '--limit', '200', '--epochs', '1', '--run-dir', 'B', '--resume', ckpt], cwd);
  assert.equal(b.code, 2, b.stderr);
  assert.match(b.stderr, /option --resume: the checkpoint was saved by a run with another --batch-size, --limit or --val-split \(training images 360, this loader 180\)/);
  assert.ok(!existsSync(join(cwd, 'B', 'config.json')), 'the failed start left no config.json: B is free for a retry');
});
