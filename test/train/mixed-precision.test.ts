// TrainingLoop({ mixedPrecision }): the step is PyTorch's autocast + GradScaler recipe, a step the
// scaler skips is not a non-finite event, checkpoints carry the scaler and resume bit-identical,
// and LeNet-5 trained in mixed float16 reaches float32's accuracy on MNIST digits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { amp, data, manualSeed, models, nn, optim, train, type Tensor } from '../../src/index.js';
import { blobs, crashAndResume, loader, mlp, resumableRun, weightsOf } from './helpers.js';

const quiet = () => {};
const ce = (out: Tensor, t: Tensor) => nn.F.crossEntropy(out, t);

test('one mixed float16 step of the loop equals the manual recipe: autocast forward, scaled backward, unscale, clip, step, update', async () => {
  const setup = () => { manualSeed(7); const model = mlp(); return { model, opt: new optim.SGD(model.parameters(), { lr: 0.5, momentum: 0.9 }) }; };
  const { x, y } = blobs(16, 3);
  const a = setup();
  const loop = new train.TrainingLoop({ model: a.model, optimizer: a.opt, loss: ce, mixedPrecision: 'float16', clipGradNorm: 0.05, log: quiet });
  await loop.train({ epochs: 1, trainLoader: [[x, y] as const] });
  assert.equal(loop.step, 1);

  const b = setup();
  const scaler = new amp.GradScaler();
  const loss = amp.autocast({ dtype: 'float16' }, () => ce(b.model.forward(x), y));
  scaler.scale(loss).backward();
  scaler.unscale(b.opt);
  const total = train.clipGradNorm(b.model.parameters(), 0.05);
  assert.ok(total > 0.05, 'the clip is active (it must see the unscaled gradients)');
  assert.equal(scaler.step(b.opt), true);
  scaler.update();
  assert.deepEqual(weightsOf(a.model), weightsOf(b.model));
  assert.deepEqual(loop.gradScaler!.stateDict(), scaler.stateDict());
  for (const p of a.model.parameters()) assert.equal(p.dtype, 'float32');
});

test('steps the scaler skips (float16 overflow) are not non-finite events: no error, no step counted, no scheduler step', async () => {
  manualSeed(3);
  const model = mlp();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 });
  const logs: string[] = [];
  // 2^40 overflows float16 in backward; each skip divides the scale by 256: 2^40, 2^32, 2^24 are skipped
  const gradScaler = new amp.GradScaler({ initScale: 2 ** 40, backoffFactor: 2 ** -8 });
  const loop = new train.TrainingLoop({
    model, optimizer: opt, scheduler: sched, schedulerInterval: 'batch', loss: ce, mixedPrecision: 'float16', gradScaler,
    nonFinite: 'error', log: (m) => logs.push(m),
  });
  const history = await loop.train({ epochs: 1, trainLoader: loader(96, 2, 16, false) });
  assert.equal(history[0]!.scaler_skipped_steps, 3);
  assert.equal(history[0]!.skipped_steps, 0);
  assert.equal(history[0]!.loss_scale, 2 ** 16);
  assert.equal(loop.step, 3);
  assert.equal(opt.paramGroups[0]!.lr, 0.1 * 0.5 ** 3);
  assert.deepEqual(logs, []);
  for (const p of model.parameters()) assert.ok(Array.from(p.toFloat32Array()).every(Number.isFinite));
});

test('mixedPrecision options are checked', () => {
  const model = mlp();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
  assert.throws(() => new train.TrainingLoop({ model, optimizer, loss: ce, mixedPrecision: 'float64' as never }), /mixedPrecision must be 'float16', 'bfloat16' or null/);
  assert.throws(() => new train.TrainingLoop({ model, optimizer, loss: ce, mixedPrecision: 'bfloat16', gradScaler: new amp.GradScaler() }), /gradScaler is for mixedPrecision 'float16'/);
  assert.throws(() => new train.TrainingLoop({ model, optimizer, loss: ce, mixedPrecision: 'float16', gradScaler: {} as never }), /expected gradScaler to be an amp.GradScaler/);
  const half = mlp().to('float16');
  assert.throws(() => new train.TrainingLoop({ model: half, optimizer: new optim.SGD(half.parameters(), { lr: 0.1 }), loss: ce, mixedPrecision: 'float16' }), /needs float32 parameters/);
  assert.equal(new train.TrainingLoop({ model, optimizer, loss: ce, mixedPrecision: 'bfloat16' }).gradScaler, null);
});

test('a disabled GradScaler leaves the step to the usual checks: clipping applies, non-finite gradients follow nonFinite', async () => {
  const { x, y } = blobs(16, 3);
  const setup = () => { manualSeed(7); const model = mlp(); return { model, opt: new optim.SGD(model.parameters(), { lr: 0.5 }) }; };
  const a = setup();
  const loop1 = new train.TrainingLoop({ model: a.model, optimizer: a.opt, loss: ce, mixedPrecision: 'float16', gradScaler: new amp.GradScaler({ enabled: false }), clipGradValue: 1e-3, log: quiet });
  await loop1.train({ epochs: 1, trainLoader: [[x, y] as const] });
  // the manual recipe without scaling: autocast forward, backward, clip, step
  const b = setup();
  amp.autocast({ dtype: 'float16' }, () => ce(b.model.forward(x), y)).backward();
  train.clipGradValue(b.model.parameters(), 1e-3);
  b.opt.step();
  assert.deepEqual(weightsOf(a.model), weightsOf(b.model));
  manualSeed(7);
  const model = mlp();
  const loop = new train.TrainingLoop({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.5 }), loss: ce, mixedPrecision: 'float16', gradScaler: new amp.GradScaler({ enabled: false }), nonFinite: 'error', log: quiet });
  const bad = x.clone();
  bad.data[0] = 1e30; // the float16 cast of the input overflows: non-finite loss
  await assert.rejects(loop.train({ epochs: 1, trainLoader: [[bad, y] as const] }), /non-finite loss or gradient/);
});

for (const precision of ['float16', 'bfloat16'] as const) {
  test(`a mixed ${precision} run interrupted mid-epoch and resumed from its checkpoint ends bit-identical (scaler state included)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ody-amp-resume-'));
    // the scale moves all along: overflow skips at first, then growth every 4 clean steps
    const setup = (checkpointDir: string | null) => resumableRun(checkpointDir, {
      mixedPrecision: precision,
      gradScaler: precision === 'float16' ? new amp.GradScaler({ initScale: 2 ** 30, backoffFactor: 2 ** -6, growthInterval: 4, growthFactor: 8 }) : null,
    });
    const { reference, refHistory, resumed, history } = await crashAndResume(setup, dir, 3, 17);
    if (precision === 'float16') assert.ok(refHistory.reduce((s, h) => s + h.scaler_skipped_steps!, 0) >= 2, 'the scaler skipped steps');
    const key = (h: train.EpochLogs) => [h.train_loss, h.train_accuracy, h.lr, h.step, h.loss_scale, h.scaler_skipped_steps];
    assert.deepEqual(history.map(key), refHistory.map(key));
    assert.deepEqual(resumed.loop.gradScaler?.stateDict(), reference.loop.gradScaler?.stateDict());
  });
}

async function lenetAccuracy(mixedPrecision: 'float16' | 'bfloat16' | null): Promise<{ accuracy: number; ms: number; scale: number | undefined }> {
  manualSeed(3);
  const model = models.lenet5();
  const first = (n: number) => Array.from({ length: n }, (_, i) => i * 2);
  const trainSet = new data.Subset(data.createDataset('mnist-sample', { split: 'train' }), first(4000));
  const testSet = new data.Subset(data.createDataset('mnist-sample', { split: 'test' }), first(1000));
  const trainLoader = new data.DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 4 });
  const testLoader = new data.DataLoader(testSet, { batchSize: 500 });
  const loop = new train.TrainingLoop({ model, optimizer: new optim.Adam(model.parameters(), { lr: 2e-3 }), loss: ce, log: quiet, mixedPrecision });
  const started = performance.now();
  const history = await loop.train({ epochs: 3, trainLoader });
  const ms = performance.now() - started;
  for (const p of model.parameters()) assert.equal(p.dtype, 'float32');
  return { accuracy: (await loop.evaluate(testLoader)).accuracy, ms, scale: history.at(-1)!.loss_scale };
}

test('LeNet-5 trained in mixed float16 (autocast + GradScaler) and mixed bfloat16 on MNIST digits ends within 1 point of float32 accuracy', { timeout: 300_000 }, async () => {
  const f32 = await lenetAccuracy(null);
  const mixed = await lenetAccuracy('float16');
  const bf16 = await lenetAccuracy('bfloat16');
  if (process.env.ODYSSEY_TEST_VERBOSE) {
    console.log(`float32 ${f32.accuracy} (${f32.ms.toFixed(0)} ms), mixed float16 ${mixed.accuracy} (${mixed.ms.toFixed(0)} ms, final scale ${mixed.scale}), mixed bfloat16 ${bf16.accuracy} (${bf16.ms.toFixed(0)} ms)`);
  }
  assert.ok(f32.accuracy > 0.92, `float32 accuracy ${f32.accuracy}`);
  assert.ok(Math.abs(mixed.accuracy - f32.accuracy) <= 0.01, `mixed float16 ${mixed.accuracy} vs float32 ${f32.accuracy}`);
  assert.ok(Math.abs(bf16.accuracy - f32.accuracy) <= 0.01, `mixed bfloat16 ${bf16.accuracy} vs float32 ${f32.accuracy}`);
});
