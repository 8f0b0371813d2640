// Interruptions: Ctrl-C (SIGINT) finishes the batch, saves a checkpoint and exits 130 with how to
// resume; SIGKILL mid-epoch loses nothing but the steps since the last checkpoint. Either way
// `odyssey resume` finishes the run with the same summary and metrics as an uninterrupted one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { odyssey, start, tempDir } from './helpers.js';

const RUN = ['train', '--model', 'lenet5', '--dataset', 'mnist-sample', '--limit', '1500', '--epochs', '2', '--threads', '1', '--checkpoint-every', '4', '--log-every', '1', '--run-dir', 'run'];

interface SummaryFile {
  epochs: number;
  steps: number;
  train: unknown;
  validation: unknown;
  test: unknown;
  resumes: number;
}

const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as SummaryFile;
/** metrics.csv without the timing columns (seconds, images per second). */
const metricsOf = (dir: string) => readFileSync(join(dir, 'run', 'metrics.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, -2).join(','));

let reference: Promise<{ dir: string; summary: SummaryFile; metrics: string[] }> | null = null;
function uninterrupted() {
  reference ??= (async () => {
    const dir = tempDir('reference');
    const r = await odyssey([...RUN, '--workers', '0'], dir);
    assert.equal(r.code, 0, r.stderr);
    return { dir, summary: summaryOf(dir), metrics: metricsOf(dir) };
  })();
  return reference;
}

function sameRun(dir: string, ref: { summary: SummaryFile; metrics: string[] }): void {
  const s = summaryOf(dir);
  assert.deepEqual([s.epochs, s.steps, s.train, s.validation, s.test], [ref.summary.epochs, ref.summary.steps, ref.summary.train, ref.summary.validation, ref.summary.test]);
  assert.deepEqual(metricsOf(dir), ref.metrics, 'metrics.csv reads as one uninterrupted run');
  assert.equal(s.resumes, 1);
}

/** Starts the run and sends `signal` when the progress lines reach `when`. */
async function interruptedRun(dir: string, when: RegExp, signal: NodeJS.Signals) {
  let sent = false;
  const { done } = start([...RUN, '--workers', '1'], dir, (err, child) => {
    if (!sent && when.test(err)) {
      sent = true;
      child.kill(signal);
    }
  });
  const result = await done;
  assert.ok(sent, `${signal} was sent`);
  return result;
}

test('Ctrl-C saves a checkpoint and exits 130 with how to resume; odyssey resume finishes the run', async () => {
  const ref = uninterrupted();
  const dir = tempDir('sigint');
  const r = await interruptedRun(dir, /^epoch 1\/2 batch 5\//m, 'SIGINT');
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /SIGINT: finishing the current batch and saving a checkpoint/);
  assert.match(r.stderr, /odyssey resume run/);
  assert.ok(!existsSync(join(dir, 'run', 'summary.json')), 'no summary for an unfinished run');
  assert.ok(existsSync(join(dir, 'run', 'plot.svg')) && existsSync(join(dir, 'run', 'index.html')), 'the plot and page exist from the start');
  const listed = await odyssey(['checkpoints', 'run', '--json'], dir);
  const saved = JSON.parse(listed.stdout).checkpoints as { epoch: number; step: number; valid: boolean }[];
  const last = saved[saved.length - 1]!;
  assert.ok(last.valid && last.epoch === 0 && last.step >= 5 && last.step < 22, `saved mid-epoch: ${JSON.stringify(last)}`);

  const resumed = await odyssey(['resume', 'run'], dir);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resumed from .*checkpoint-e0000-s/);
  sameRun(dir, await ref);
});

test('a run killed with SIGKILL mid-epoch and resumed ends with the same summary as an uninterrupted run', async () => {
  const ref = uninterrupted();
  const dir = tempDir('sigkill');
  const r = await interruptedRun(dir, /^epoch 2\/2 batch 6\//m, 'SIGKILL');
  assert.equal(r.signal, 'SIGKILL', `killed (exit ${r.code}: ${r.stderr})`);
  const listed = JSON.parse((await odyssey(['checkpoints', 'run', '--json'], dir)).stdout).checkpoints as { epoch: number; step: number }[];
  const last = listed[listed.length - 1]!;
  assert.ok(last.epoch === 1 && last.step > 22, `the latest checkpoint is in the second epoch: ${JSON.stringify(last)}`);

  const resumed = await odyssey(['resume', 'run'], dir);
  assert.equal(resumed.code, 0, resumed.stderr);
  sameRun(dir, await ref);
});
