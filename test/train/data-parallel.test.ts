import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendInfo, data, Generator, manualSeed, nn, optim, setCallerThreads, Tensor, tensor, train } from '../../src/index.js';
import { blobs, weightsOf } from './helpers.js';

const quiet = () => {};
const FIXTURES = new URL('./fixtures/dp-models.js', import.meta.url).href;
const spec = (name: string, ...args: unknown[]) => ({ module: FIXTURES, export: name, args });

function loader64(n: number, seed: number, batchSize: number): data.DataLoader {
  const { x, y } = blobs(n, seed);
  return new data.DataLoader(new data.TensorDataset(x.to('float64'), y), { batchSize, shuffle: true, seed });
}

function mlp64(): nn.Module {
  return new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3)).to('float64');
}

/** Trains a copy of `init` for `epochs` epochs, on the data-parallel path when dp is given. */
async function run(init: nn.Module, build: () => nn.Module, dp: train.DataParallel | null, epochs: number, batchSize: number, accumulate = 1) {
  const model = build();
  model.loadStateDict(init.stateDict());
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 });
  const loop = new train.TrainingLoop({ model, optimizer: opt, loss: new nn.CrossEntropyLoss(), log: quiet, dataParallel: dp, gradAccumulationSteps: accumulate, clipGradNorm: 10 });
  const history = await loop.train({ epochs, trainLoader: loader64(70, 1, batchSize) });
  return { model, history, loop };
}

function maxDiff(a: Record<string, number[]>, b: Record<string, number[]>): number {
  let m = 0;
  for (const k of Object.keys(a)) a[k]!.forEach((v, i) => { m = Math.max(m, Math.abs(v - b[k]![i]!)); });
  return m;
}

test('data-parallel training equals single-process full-batch training (float64, 2 and 3 replicas, uneven shards, accumulation)', async () => {
  manualSeed(0);
  const init = mlp64();
  const single = await run(init, mlp64, null, 3, 16);
  for (const [replicas, accumulate] of [[2, 1], [3, 1], [3, 2]] as const) {
    const ref = accumulate === 1 ? single : await run(init, mlp64, null, 3, 16, accumulate);
    const dp = new train.DataParallel({ replicas, model: spec('mlp64') });
    try {
      const par = await run(init, mlp64, dp, 3, 16, accumulate);
      assert.equal(par.loop.step, ref.loop.step);
      const d = maxDiff(weightsOf(ref.model), weightsOf(par.model));
      assert.ok(d < 1e-12, `${replicas} replicas, accumulation ${accumulate}: weights differ by ${d}`);
      par.history.forEach((h, i) => {
        assert.ok(Math.abs(h.train_loss - ref.history[i]!.train_loss) < 1e-12, `epoch ${i} loss ${h.train_loss} vs ${ref.history[i]!.train_loss}`);
        assert.equal(h.train_accuracy, ref.history[i]!.train_accuracy);
      });
      assert.ok(d < 1e-12 && par.history.at(-1)!.train_loss < par.history[0]!.train_loss);
    } finally {
      await dp.close();
    }
  }
});

for (const threads of [1, 2]) test(`data-parallel float32 CNN (native kernels in the workers, ${threads} kernel thread(s) per replica) matches single-process training to float rounding; replicas are bit-identical`, async () => {
  const g = new Generator(5);
  const n = 48, xs = new Float32Array(n * 64);
  g.fillNormal(xs as unknown as Float64Array, 0, 1);
  const x = Tensor.fromStorage(xs, 'float32', [n, 1, 8, 8]);
  const y = tensor(Array.from({ length: n }, (_, i) => i % 3));
  const { smallCnn } = await import(FIXTURES) as { smallCnn: () => nn.Module };
  manualSeed(1);
  const init = smallCnn();
  const models: nn.Module[] = [];
  const dp = new train.DataParallel({ replicas: 2, model: spec('smallCnn'), threadsPerReplica: threads, steal: 'never' });
  try {
    for (const parallel of [null, dp]) {
      const model = smallCnn();
      model.loadStateDict(init.stateDict());
      const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
      const loop = new train.TrainingLoop({ model, optimizer: opt, loss: new nn.CrossEntropyLoss(), log: quiet, dataParallel: parallel });
      await loop.train({ epochs: 4, trainLoader: new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 24, shuffle: true, seed: 3 }) });
      models.push(model);
    }
    const d = maxDiff(weightsOf(models[0]!), weightsOf(models[1]!));
    assert.ok(d < 1e-4, `float32 weights differ by ${d}`);
    // One more step broadcasts the final weights; every worker replica then holds exactly the main model's state.
    const main = models[1]!;
    const expected = Float64Array.from(main.namedParameters().flatMap(([, p]) => Array.from(p.toTypedArray() as Float32Array)));
    await dp.forwardBackward(x.narrow(0, 0, 8), y.narrow(0, 0, 8), (o, t) => nn.F.crossEntropy(o, t), 0, 1, 0);
    const states = await dp.replicaStates();
    assert.equal(states.length, 1);
    assert.deepEqual(states[0]!.subarray(0, expected.length), expected);
  } finally {
    await dp.close();
  }
});

test('who computes a shard does not change the result: steal never, always and auto give bit-identical training (batch norm, dropout, 3 replicas)', async () => {
  const g = new Generator(7);
  const n = 40, xs = new Float32Array(n * 64);
  g.fillNormal(xs as unknown as Float64Array, 0, 1);
  const x = Tensor.fromStorage(xs, 'float32', [n, 1, 8, 8]);
  const y = tensor(Array.from({ length: n }, (_, i) => i % 3));
  const { bnDropoutCnn } = await import(FIXTURES) as { bnDropoutCnn: () => nn.Module };
  manualSeed(4);
  const init = bnDropoutCnn();
  const results: Record<string, number[]>[] = [];
  for (const steal of ['never', 'always', 'auto'] as const) {
    const dp = new train.DataParallel({ replicas: 3, model: spec('bnDropoutCnn'), steal });
    try {
      manualSeed(9);
      const model = bnDropoutCnn();
      model.loadStateDict(init.stateDict());
      const loop = new train.TrainingLoop({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), loss: new nn.CrossEntropyLoss(), log: quiet, dataParallel: dp });
      await loop.train({ epochs: 3, trainLoader: new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 20, shuffle: true, seed: 3 }) });
      if (steal === 'always') assert.equal(dp.stolen, 3 * 2 * 2, 'every worker shard computed on the main thread');
      if (steal === 'never') assert.equal(dp.stolen, 0);
      results.push(weightsOf(model));
    } finally {
      await dp.close();
    }
  }
  assert.ok(results[0]!['1.running_mean']!.some((v) => v !== 0), 'running statistics were updated');
  assert.deepEqual(results[1], results[0], "steal 'always' vs 'never'");
  assert.deepEqual(results[2], results[0], "steal 'auto' vs 'never'");
});

for (const [how, message] of [['throw', /replica 1 failed: Error: forward failed on purpose/], ['exit', /replica 1 exited with code 3/], ['hang', /replica 1 did not answer within 1500 ms/], ['construct', /replica 1 failed to start: .*construction failed on purpose/]] as const) {
  test(`a worker that fails (${how}) rejects train() with a clear Error, without hanging`, async () => {
    manualSeed(2);
    const { Faulty } = await import(FIXTURES) as { Faulty: new (how: string) => nn.Module };
    const model = new Faulty(how);
    // steal 'never': the worker itself must run every shard, or the main thread could take them all.
    // A loaded machine may take seconds to start the worker: only the hung step is timed short.
    const dp = new train.DataParallel({ replicas: 2, model: spec('Faulty', how), timeoutMs: how === 'hang' ? 1500 : 120_000, startTimeoutMs: 120_000, steal: 'never' });
    const loop = new train.TrainingLoop({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: new nn.CrossEntropyLoss(), log: quiet, dataParallel: dp });
    const started = Date.now();
    try {
      await assert.rejects(loop.train({ epochs: 1, trainLoader: loader64(32, 1, 16) }), message);
      assert.ok(Date.now() - started < 60_000, 'rejected, not hung (the bound allows for a loaded machine)');
      await assert.rejects(dp.forwardBackward(tensor([[1, 2]]).to('float64'), tensor([0]), (o, t) => nn.F.crossEntropy(o, t), 0, 1, 0), /DataParallel/);
    } finally {
      await dp.close();
    }
  });
}

test('a model the workers cannot build identically is refused', async () => {
  const model = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 3)).to('float64');
  const dp = new train.DataParallel({ replicas: 2, model: spec('mlp64') });
  await assert.rejects(dp.start(model), /replica 1's model does not match the main thread's: 0.weight \(32\) where the main model has 0.weight \(16\)/);
  await dp.close();
  assert.throws(() => new train.DataParallel({ replicas: 0, model: spec('mlp64') }), /replicas must be an integer from 1 to 64/);
  assert.throws(() => new train.DataParallel({ replicas: 2, model: spec('mlp64'), startTimeoutMs: 0 }), /startTimeoutMs must be positive/);
  assert.throws(() => new train.DataParallel({ replicas: 2, model: 'lenet5' as never }), /expected model to be \{ module, export, args\? \}/);
});

test('checkpoint and resume through the data-parallel path finish bit-identical to an uninterrupted data-parallel run', async () => {
  manualSeed(3);
  const init = mlp64();
  const finals: Record<string, number[]>[] = [];
  for (const interrupted of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), 'ody-dp-'));
    const dp = new train.DataParallel({ replicas: 2, model: spec('mlp64') });
    try {
      const make = () => {
        const model = mlp64();
        model.loadStateDict(init.stateDict());
        const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
        const loop = new train.TrainingLoop({ model, optimizer: opt, loss: new nn.CrossEntropyLoss(), log: quiet, dataParallel: dp, checkpointEverySteps: 3, checkpoints: new train.CheckpointManager({ directory: dir, maxToKeep: 10 }) });
        return { model, loop };
      };
      const loader = loader64(70, 4, 16);
      if (!interrupted) {
        const { model, loop } = make();
        await loop.train({ epochs: 3, trainLoader: loader });
        finals.push(weightsOf(model));
      } else {
        const first = make();
        const stopper = { onBatchEnd(l: train.TrainingLoop, logs: train.BatchLogs) { if (l.epoch === 1 && logs.batch === 1) l.interrupt(); } };
        first.loop.callbacks.push(stopper);
        await assert.rejects(first.loop.train({ epochs: 3, trainLoader: loader }), train.TrainingInterrupted);
        const second = make();
        await second.loop.train({ epochs: 3, trainLoader: loader64(70, 4, 16), resume: true });
        finals.push(weightsOf(second.model));
      }
    } finally {
      await dp.close();
    }
  }
  assert.deepEqual(finals[1], finals[0]);
});

test('workers never keep node alive: a script that forgets close() exits', () => {
  const index = new URL('../../src/index.js', import.meta.url).href;
  const script = `
    const { nn, optim, train, tensor } = await import(${JSON.stringify(index)});
    const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3)).to('float64');
    const dp = new train.DataParallel({ replicas: 3, model: { module: ${JSON.stringify(FIXTURES)}, export: 'mlp64' } });
    await dp.start(model);
    const zoo = new train.DataParallel({ replicas: 2, model: { module: ${JSON.stringify(index)}, export: 'models.createModel', args: ['lenet5'] } });
    await zoo.start((await import(${JSON.stringify(index)})).models.lenet5());
    const r = await dp.forwardBackward(tensor([[1, 2], [3, 4], [5, 6]]).to('float64'), tensor([0, 1, 2]), (o, t) => nn.F.crossEntropy(o, t), 0, 1, 0);
    console.log('loss', r.loss.toFixed(3));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 }); // generous for a loaded machine: a hang never ends
  assert.equal(r.signal, null, `timed out: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^loss \d+\.\d{3}$/m);
});

test('setCallerThreads limits the calling thread only, and 0 lifts the limit', () => {
  if (backendInfo().backend !== 'native') return;
  const pool = backendInfo().threads;
  assert.equal(setCallerThreads(1), 1);
  assert.equal(setCallerThreads(0), pool);
  assert.throws(() => setCallerThreads(-1), /setCallerThreads: expected a non-negative integer/);
});
