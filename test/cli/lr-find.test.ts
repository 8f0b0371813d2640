// `odyssey lr-find` end to end on the embedded MNIST digits: the curve files, a suggestion on the
// falling part of the curve, and usage errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { odyssey } from './helpers.js';

test('odyssey lr-find writes the curve and suggests a rate where the loss falls', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ody-lrfind-'));
  try {
    const out = join(dir, 'lrf');
    const r = await odyssey(['lr-find', '--model', 'lenet5', '--dataset', 'mnist-sample', '--limit', '2000', '--iterations', '60', '--start-lr', '1e-6', '--end-lr', '1', '--workers', '0', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const m = /suggested learning rate: ([0-9.e-]+)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const suggested = Number(m[1]);
    // AdamW on LeNet-5: the loss starts falling near 1e-3 and blows up above ~0.1.
    assert.ok(suggested > 3e-4 && suggested < 0.1, `suggested ${suggested}`);
    // The suggested command keeps the options that shape the data (--limit here), so it trains what was measured.
    assert.match(r.stdout, new RegExp(`odyssey train --model lenet5 --dataset mnist-sample --limit 2000 --workers 0 --optimizer adamw --lr ${m[1]!.replace('.', '\\.')}`));
    const csv = readFileSync(join(out, 'lr-find.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'lr,loss,smoothed_loss');
    const json = JSON.parse(readFileSync(join(out, 'lr-find.json'), 'utf8')) as { lrs: number[]; losses: number[]; suggestedLr: number };
    assert.equal(csv.length - 1, json.lrs.length);
    assert.equal(json.lrs[0], 1e-6);
    assert.ok(Math.min(...json.losses) < 0.8 * json.losses[0]!, 'the loss fell');
    assert.match(readFileSync(join(out, 'lr-find.svg'), 'utf8'), /<svg[\s\S]*learning rate[\s\S]*suggested/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('odyssey lr-find: help, and a bad range is a usage error that names it', async () => {
  const help = await odyssey(['lr-find', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: odyssey lr-find/);
  for (const o of ['--start-lr', '--end-lr', '--iterations', '--out', '--model', '--optimizer']) assert.ok(help.stdout.includes(`  ${o} `), o);
  const bad = await odyssey(['lr-find', '--start-lr', '1', '--end-lr', '0.5', '--out', join(tmpdir(), 'never-written')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected 0 < --start-lr < --end-lr, got 1 and 0.5/);
  assert.equal(existsSync(join(tmpdir(), 'never-written')), false);
  const unknown = await odyssey(['lr-find', '--epochs', '3']);
  assert.equal(unknown.code, 2);
});
