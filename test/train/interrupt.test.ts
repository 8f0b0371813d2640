// TrainingLoop.interrupt(): stops after the current batch (and its accumulation window), saves a
// checkpoint, rejects with TrainingInterrupted; resuming from it ends bit-identical.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nn, optim, manualSeed, Tensor, train } from '../../src/index.js';
import { loader, weightsOf } from './helpers.js';

const quiet = () => {};
const ce = (out: Tensor, t: Tensor) => nn.F.crossEntropy(out, t);

function setup(dir: string | null, accumulation = 1) {
  manualSeed(7);
  const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(16, 3));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.8 });
  const checkpoints = dir ? new train.CheckpointManager({ directory: dir, warn: quiet }) : null;
  const loop = new train.TrainingLoop({ model, optimizer: opt, scheduler: sched, loss: ce, checkpoints, gradAccumulationSteps: accumulation, seed: 3, log: quiet });
  return { model, loop, trainLoader: loader(160, 9) };
}

test('interrupt() saves a mid-epoch checkpoint after the current step; resuming ends bit-identical', async () => {
  const reference = setup(null);
  await reference.loop.train({ epochs: 2, trainLoader: reference.trainLoader });

  const dir = mkdtempSync(join(tmpdir(), 'ody-interrupt-'));
  const run = setup(dir);
  run.loop.callbacks.push({ onBatchEnd: (loop, b) => { if (b.epoch === 1 && b.batch === 3) loop.interrupt(); } });
  const err = await run.loop.train({ epochs: 2, trainLoader: run.trainLoader }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof train.TrainingInterrupted, `rejected with TrainingInterrupted, got ${String(err)}`);
  assert.equal(err.epoch, 1);
  assert.equal(err.step, 10 + 4);
  assert.match(err.checkpoint!, /checkpoint-e0001-s00000014\.safetensors$/);
  assert.match(err.message, /interrupted at epoch 1, step 14; saved /);

  const resumed = setup(dir);
  await resumed.loop.train({ epochs: 2, trainLoader: resumed.trainLoader, resume: true });
  assert.equal(resumed.loop.step, reference.loop.step);
  assert.deepEqual(weightsOf(resumed.model), weightsOf(reference.model));
});

test('an interrupt right after a periodic checkpoint reuses it instead of saving the same step twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ody-interrupt-every-'));
  manualSeed(7);
  const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const checkpoints = new train.CheckpointManager({ directory: dir, maxToKeep: 10, warn: quiet });
  const loop = new train.TrainingLoop({ model, optimizer: opt, loss: ce, checkpoints, checkpointEverySteps: 1, log: quiet });
  loop.callbacks.push({ onBatchEnd: (l, b) => { if (b.batch === 2) l.interrupt(); } });
  const err = await loop.train({ epochs: 1, trainLoader: loader(160, 9) }).then(() => null, (e: unknown) => e) as InstanceType<typeof train.TrainingInterrupted>;
  assert.ok(err instanceof train.TrainingInterrupted);
  assert.equal(err.step, 3);
  assert.deepEqual(checkpoints.list().map((c) => c.file), [1, 2, 3].map((s) => `checkpoint-e0000-s0000000${s}.safetensors`), 'one file per step, none with a -2 suffix');
  assert.match(err.checkpoint!, /checkpoint-e0000-s00000003\.safetensors$/);
});

test('with gradient accumulation the interrupt waits for the window to close; without checkpoints nothing is saved', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ody-interrupt-acc-'));
  const run = setup(dir, 3);
  run.loop.callbacks.push({ onBatchEnd: (loop, b) => { if (b.batch === 1) loop.interrupt(); } });
  const err = await run.loop.train({ epochs: 1, trainLoader: run.trainLoader }).then(() => null, (e: unknown) => e) as InstanceType<typeof train.TrainingInterrupted>;
  assert.equal(err.step, 1, 'stopped after batch 3, when the first window stepped');
  assert.equal(run.trainLoader.position, 3);

  const bare = setup(null);
  bare.loop.callbacks.push({ onEpochEnd: (loop) => loop.interrupt() });
  const e2 = await bare.loop.train({ epochs: 3, trainLoader: bare.trainLoader }).then(() => null, (e: unknown) => e) as InstanceType<typeof train.TrainingInterrupted>;
  assert.ok(e2 instanceof train.TrainingInterrupted);
  assert.equal(e2.checkpoint, null);
  assert.equal(e2.epoch, 1, 'interrupted at the end of the first epoch');
  assert.match(e2.message, /no CheckpointManager/);
  // A later train() starts without the old request.
  bare.loop.callbacks.pop();
  await bare.loop.train({ epochs: 2, trainLoader: bare.trainLoader });
  assert.equal(bare.loop.epoch, 2);
});
