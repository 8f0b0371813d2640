// Resuming through `odyssey train --resume`: options that would change what the run computes are
// refused (exit 2, naming each option and both values) before anything is written; options a
// resume may change are applied and recorded in config.json with the command line that gave them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { odyssey, tempDir, QUICK } from './helpers.js';

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
