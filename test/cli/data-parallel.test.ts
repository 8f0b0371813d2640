// odyssey train --data-parallel: a run on two replicas, resumed after its first epoch, ends with
// the same summary as the uninterrupted run; float16 is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { odyssey, tempDir, QUICK } from './helpers.js';

const DP = [...QUICK.filter((a, i) => !(a === '--threads' || QUICK[i - 1] === '--threads')), '--threads', '2', '--data-parallel', '2', '--checkpoint-every', '0', '--scheduler', 'none'];

test('odyssey train --data-parallel 2: trains, records it in config.json, and resumes bit-identical', async () => {
  const cwd = tempDir('dp');
  const full = await odyssey(['train', ...DP, '--run-dir', 'full'], cwd);
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, /lenet5 on mnist-sample: test accuracy \d+\.\d+%/);
  const config = JSON.parse(readFileSync(join(cwd, 'full', 'config.json'), 'utf8'));
  assert.equal(config.dataParallel, 2);

  const first = await odyssey(['train', ...DP, '--run-dir', 'split', '--epochs', '1'], cwd);
  assert.equal(first.code, 0, first.stderr);
  const rest = await odyssey(['train', ...DP, '--run-dir', 'split', '--epochs', '2', '--resume', 'latest'], cwd);
  assert.equal(rest.code, 0, rest.stderr);
  const a = JSON.parse(readFileSync(join(cwd, 'full', 'summary.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(cwd, 'split', 'summary.json'), 'utf8'));
  assert.equal(b.steps, a.steps);
  assert.deepEqual(b.test, a.test);
  assert.deepEqual(b.train, a.train);
  assert.ok(a.test.accuracy > 0.5, `test accuracy ${a.test.accuracy}`);
});

test('odyssey train --data-parallel with --precision float16 is a usage error', async () => {
  const r = await odyssey(['train', ...DP, '--precision', 'float16']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--data-parallel: .*expected --precision float32/);
});
