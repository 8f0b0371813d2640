import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nn, optim, manualSeed, Tensor, tensor, train, data } from '../../src/index.js';
import { blobs, crashAndResume, loader, mlp, resumableRun, weightsOf } from './helpers.js';

const quiet = () => {};
const ce = (out: Tensor, t: Tensor) => nn.F.crossEntropy(out, t);

test('a model trains through the loop; evaluate gives loss, accuracy and top-5', async () => {
  manualSeed(0);
  const model = mlp();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const loop = new train.TrainingLoop({ model, optimizer: opt, loss: ce, log: quiet });
  const history = await loop.train({ epochs: 4, trainLoader: loader(300, 1), valLoader: loader(150, 2, 50, false) });
  assert.equal(history.length, 4);
  assert.equal(loop.step, 4 * Math.ceil(300 / 16));
  const last = history.at(-1)!;
  assert.ok(last.val_accuracy! > 0.95, `val accuracy ${last.val_accuracy}`);
  assert.ok(last.train_loss < history[0]!.train_loss);
  const ev = await loop.evaluate(loader(90, 3, 30, false));
  assert.equal(ev.samples, 90);
  assert.equal(ev.top5, 1, 'three classes: the target is always in the top 5');
  assert.ok(ev.accuracy > 0.9 && ev.loss < 0.5);
});

test('auxiliary outputs add auxLossWeight x their losses in training; evaluation uses the main output', async () => {
  class WithAux extends nn.Module {
    readonly body = this.registerModule('body', mlp());
    readonly head = this.registerModule('head', new nn.Linear(3, 3));
    override forward(x: Tensor): Tensor | Tensor[] {
      const h = this.body.forward(x);
      return this.training ? [h, this.head.forward(h), h.mul(2)] : h;
    }
  }
  manualSeed(1);
  const model = new WithAux();
  const { x, y } = blobs(32, 4);
  const batches = [{ input: x, target: y }];
  const losses: number[] = [];
  const loop = new train.TrainingLoop({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0 }), loss: ce, log: quiet, callbacks: [{ onBatchEnd: (_l, b) => { losses.push(b.loss); } }] });
  await loop.train({ epochs: 1, trainLoader: batches });
  const [main, a1, a2] = model.forward(x) as Tensor[];
  const expected = ce(main!, y).item() + 0.3 * (ce(a1!, y).item() + ce(a2!, y).item());
  assert.ok(Math.abs(losses[0]! - expected) < 1e-5, `${losses[0]} vs ${expected}`);
  const ev = await loop.evaluate(batches);
  model.eval();
  assert.ok(Math.abs(ev.loss - ce(model.forward(x) as Tensor, y).item()) < 1e-6);
});

test('gradient accumulation over 2 batches of 8 equals one step on the batch of 16', async () => {
  const { x, y } = blobs(16, 5);
  const run = async (accum: number) => {
    manualSeed(2);
    const model = mlp();
    const batches = accum === 1 ? [{ input: x, target: y }] : [{ input: x.narrow(0, 0, 8), target: y.narrow(0, 0, 8) }, { input: x.narrow(0, 8, 8), target: y.narrow(0, 8, 8) }];
    const loop = new train.TrainingLoop({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.5 }), loss: ce, gradAccumulationSteps: accum, log: quiet });
    await loop.train({ epochs: 1, trainLoader: batches });
    assert.equal(loop.step, 1);
    return weightsOf(model);
  };
  const one = await run(1), two = await run(2);
  for (const k of Object.keys(one)) one[k]!.forEach((v, i) => assert.ok(Math.abs(v - two[k]![i]!) < 1e-6, k));
});

function poisoned(n: number, badBatch: number): { input: Tensor; target: Tensor }[] {
  const { x, y } = blobs(n, 6);
  const out = [];
  for (let b = 0; b < n / 8; b++) {
    let input = x.narrow(0, b * 8, 8).clone();
    if (b === badBatch) input = input.mul(NaN);
    out.push({ input, target: y.narrow(0, b * 8, 8) });
  }
  return out;
}

test("nonFinite 'skip' skips the step without advancing the step counter or the scheduler", async () => {
  manualSeed(3);
  const model = mlp();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 });
  const logs: string[] = [];
  const loop = new train.TrainingLoop({ model, optimizer: opt, scheduler: sched, schedulerInterval: 'batch', loss: ce, log: (m) => logs.push(m) });
  const history = await loop.train({ epochs: 1, trainLoader: poisoned(32, 2) });
  assert.equal(loop.step, 3);
  assert.equal(history[0]!.skipped_steps, 1);
  assert.equal(opt.paramGroups[0]!.lr, 0.1 * 0.5 ** 3);
  assert.match(logs.join('\n'), /skipped the optimizer step at epoch 0, step 2/);
  for (const p of model.parameters()) assert.ok(Array.from(p.toFloat32Array()).every(Number.isFinite));
});

test('maxNonFiniteSteps: that many non-finite steps in a row stop training as diverged; a finite step resets the count', async () => {
  manualSeed(3);
  const model = mlp();
  // Batches 1 and 2 poisoned, then a good one: two in a row, under the limit of 3.
  const data = poisoned(48, 1);
  data[2] = { input: data[2]!.input.mul(NaN), target: data[2]!.target };
  const loop = new train.TrainingLoop({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: ce, maxNonFiniteSteps: 3, log: quiet });
  const history = await loop.train({ epochs: 1, trainLoader: data });
  assert.equal(history[0]!.skipped_steps, 2);
  const all = data.map((b) => ({ input: b.input.mul(NaN), target: b.target }));
  const diverging = new train.TrainingLoop({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: ce, maxNonFiniteSteps: 3, log: quiet });
  await assert.rejects(diverging.train({ epochs: 5, trainLoader: all }), (e: Error) => e instanceof train.TrainingError && /training diverged: 3 optimizer steps in a row had a non-finite loss or gradient/.test(e.message));
  assert.throws(() => new train.TrainingLoop({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: ce, maxNonFiniteSteps: 0 }), /maxNonFiniteSteps must be a positive integer/);
});

test("nonFinite 'error' throws with where it happened", async () => {
  manualSeed(3);
  const model = mlp();
  const loop = new train.TrainingLoop({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: ce, nonFinite: 'error', log: quiet });
  await assert.rejects(loop.train({ epochs: 1, trainLoader: poisoned(32, 1) }), /non-finite loss or gradient at epoch 0, step 1/);
});

test("nonFinite 'rollback' returns to the last checkpoint with half the learning rate and keeps that checkpoint", async () => {
  manualSeed(4);
  const dir = mkdtempSync(join(tmpdir(), 'ody-rollback-'));
  const model = mlp();
  const opt = new optim.SGD(model.parameters(), { lr: 0.2 });
  const checkpoints = new train.CheckpointManager({ directory: dir, maxToKeep: 1, warn: quiet });
  const logs: string[] = [];
  const loop = new train.TrainingLoop({ model, optimizer: opt, loss: ce, nonFinite: 'rollback', checkpoints, checkpointEverySteps: 1, log: (m) => logs.push(m) });
  assert.throws(() => new train.TrainingLoop({ model, optimizer: opt, loss: ce, nonFinite: 'rollback' }), /needs a CheckpointManager/);
  await loop.train({ epochs: 1, trainLoader: poisoned(48, 3) });
  assert.match(logs.join('\n'), /rolled back to .*checkpoint-e0000-s00000003\.safetensors \(step 3\) and halved the learning rate to 0\.1/);
  assert.equal(opt.paramGroups[0]!.lr, 0.1);
  assert.equal(loop.step, 5);
});

test('clipping by norm and by value happens before the optimizer step', async () => {
  manualSeed(5);
  const model = mlp();
  const seen: number[] = [];
  class Spy extends optim.SGD {
    override step<L>(closure?: () => L): L | undefined {
      let ss = 0, max = 0;
      for (const p of this.paramGroups[0]!.params) for (const v of p.grad!.toFloat32Array()) { ss += v * v; max = Math.max(max, Math.abs(v)); }
      seen.push(Math.sqrt(ss), max);
      return super.step(closure);
    }
  }
  const loop = new train.TrainingLoop({ model, optimizer: new Spy(model.parameters(), { lr: 0.1 }), loss: ce, clipGradNorm: 0.01, clipGradValue: 0.004, log: quiet });
  await loop.train({ epochs: 1, trainLoader: loader(64, 7) });
  for (let i = 0; i < seen.length; i += 2) {
    assert.ok(seen[i]! <= 0.01 + 1e-6, `norm ${seen[i]}`);
    assert.ok(seen[i + 1]! <= 0.004 + 1e-7, `max ${seen[i + 1]}`);
  }
});

test('after warm-up a step allocates no new gradient buffers', async () => {
  manualSeed(6);
  const model = mlp();
  const storages: unknown[][] = [];
  const loop = new train.TrainingLoop({
    model, optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }), loss: ce, log: quiet,
    callbacks: [{ onBatchEnd: () => { storages.push(model.parameters().map((p) => p.grad!.storage)); } }],
  });
  await loop.train({ epochs: 2, trainLoader: loader(64, 8) });
  for (const s of storages.slice(1)) s.forEach((st, i) => assert.equal(st, storages[0]![i]));
});

test('the same seed gives bit-identical weights', async () => {
  const run = async () => {
    const model = (manualSeed(7), new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(16, 3)));
    const loop = new train.TrainingLoop({ model, optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }), loss: ce, seed: 11, log: quiet });
    await loop.train({ epochs: 2, trainLoader: loader(96, 9) });
    return weightsOf(model);
  };
  assert.deepEqual(await run(), await run());
});

test('ReduceLROnPlateau steps on the monitored metric at epoch ends', async () => {
  manualSeed(8);
  const model = mlp();
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  // Only a 50% better val_loss counts as progress, so with patience 0 every epoch after the first halves the rate.
  const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5, threshold: 0.5 });
  const loop = new train.TrainingLoop({ model, optimizer: opt, scheduler: sched, loss: ce, log: quiet });
  await loop.train({ epochs: 3, trainLoader: loader(32, 10, 16, false), valLoader: loader(32, 10, 16, false) });
  assert.equal(opt.paramGroups[0]!.lr, 0.0025);
  assert.throws(() => new train.TrainingLoop({ model, optimizer: opt, scheduler: sched, schedulerInterval: 'batch', loss: ce }), /steps on an epoch metric/);
});

test('EarlyStopping stops when the metric stalls and restores the best weights', async () => {
  manualSeed(9);
  const model = mlp();
  const stop = new train.EarlyStopping({ monitor: 'val_loss', patience: 1, restoreBestWeights: true });
  const opt = new optim.SGD(model.parameters(), { lr: 5 }); // too large: the loss soon gets worse
  const loop = new train.TrainingLoop({ model, optimizer: opt, loss: ce, callbacks: [stop], log: quiet });
  const history = await loop.train({ epochs: 30, trainLoader: loader(64, 11), valLoader: loader(64, 12, 64, false) });
  assert.ok(history.length < 30 && stop.stoppedEpoch !== null);
  const ev = await loop.evaluate(loader(64, 12, 64, false));
  assert.ok(Math.abs(ev.loss - stop.bestValue!) < 1e-5, `restored weights give ${ev.loss}, best was ${stop.bestValue}`);
});

test('MetricsLogger writes a CSV row per epoch and every N steps; ProgressReporter prints plain lines off a terminal', async () => {
  manualSeed(10);
  const dir = mkdtempSync(join(tmpdir(), 'ody-logs-'));
  const out: string[] = [];
  const stream = { write: (s: string) => { out.push(s); return true; }, isTTY: false } as unknown as NodeJS.WritableStream;
  const model = mlp();
  const loop = new train.TrainingLoop({
    model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: ce, log: quiet,
    callbacks: [new train.MetricsLogger({ path: join(dir, 'metrics.csv'), everySteps: 2 }), new train.ProgressReporter({ stream: stream as never, everyBatches: 2 })],
  });
  await loop.train({ epochs: 2, trainLoader: loader(64, 13), valLoader: loader(32, 14) });
  const rows = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(rows[0], train.CSV_COLUMNS.join(','));
  assert.equal(rows.filter((r) => r.startsWith('epoch,')).length, 2);
  assert.equal(rows.filter((r) => r.startsWith('step,')).length, 4);
  assert.match(out.join(''), /epoch 1\/2 batch 2\/4 loss \d\.\d{4} acc \d+\.\d\d% \d+ img\/s ETA/);
  assert.match(out.join(''), /epoch 2\/2 loss \d\.\d{4} acc [\d.]+% val_loss \d\.\d{4} val_acc [\d.]+% lr 0\.100 /);
});

test('a run interrupted mid-epoch and resumed from its checkpoint ends bit-identical', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ody-resume-'));
  const setup = (checkpointDir: string | null) => resumableRun(checkpointDir, { callbacks: [new train.EarlyStopping({ monitor: 'train_loss', patience: 5 })] });
  const { refHistory, history } = await crashAndResume(setup, dir, 3, 17);
  assert.deepEqual(history.map((h) => [h.train_loss, h.train_accuracy, h.lr, h.step]), refHistory.map((h) => [h.train_loss, h.train_accuracy, h.lr, h.step]));
});
