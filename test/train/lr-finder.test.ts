import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, optim, tensor, data, randn, defaultGenerator, manualSeed, findLearningRate, Generator } from '../../src/index.js';
import { lrAt, steepestDescentLr } from '../../src/train/lr-finder.js';
import { loader, mlp, weightsOf } from './helpers.js';

test('lrAt spans startLr to endLr geometrically or linearly', () => {
  assert.equal(lrAt(0, 5, 1e-4, 1, 'exponential'), 1e-4);
  assert.ok(Math.abs(lrAt(4, 5, 1e-4, 1, 'exponential') - 1) < 1e-12);
  assert.ok(Math.abs(lrAt(2, 5, 1e-4, 1, 'exponential') - 1e-2) < 1e-12);
  assert.ok(Math.abs(lrAt(2, 5, 0.1, 0.5, 'linear') - 0.3) < 1e-15);
});

test('steepestDescentLr finds the steepest fall of the curve against log10(lr)', () => {
  // A logistic drop centred on lr = 1e-3: steepest exactly there.
  const lrs = Array.from({ length: 61 }, (_, i) => 10 ** (-6 + i / 10));
  const loss = lrs.map((lr) => 2 - 1 / (1 + Math.exp(-3 * (Math.log10(lr) + 3))));
  assert.ok(Math.abs(Math.log10(steepestDescentLr(lrs, loss)!) + 3) < 1e-9);
  assert.equal(steepestDescentLr(lrs, lrs.map(() => 1)), null, 'a flat curve has no suggestion');
  assert.equal(steepestDescentLr([1e-3, 1e-2], [1, 0.5]), null, 'too few points');
});

/** Linear regression y = x w + noise: SGD on it provably diverges once lr exceeds 2 / (largest eigenvalue of x'x / n). */
const mse = (out: ReturnType<typeof tensor>, t: ReturnType<typeof tensor>) => nn.functional.mseLoss(out.reshape([-1]), t);

function regression(n: number, seed: number): [ReturnType<typeof tensor>, ReturnType<typeof tensor>][] {
  const g = new Generator(seed);
  const w = tensor([[1.5], [-2], [0.5], [3]]);
  return Array.from({ length: n / 16 }, () => {
    const x = randn([16, 4], { generator: g });
    return [x, x.matmul(w).reshape([16]).add(randn([16], { generator: g }).mul(0.1))];
  });
}

test('findLearningRate: the loss falls then diverges, the suggestion sits on the fall, and everything is put back', async () => {
  manualSeed(3);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Linear(8, 1));
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const dl = regression(240, 7);
  // Take a real step first so that there is optimizer state (momentum buffers) to put back.
  const [x0, y0] = dl[0]!;
  mse(model.forward(x0) as never, y0).backward();
  opt.step();
  opt.zeroGrad();
  const before = weightsOf(model);
  const momentum = (opt.stateDict().state[0]!.momentum_buffer as ReturnType<typeof tensor>).toArray();
  const gen = defaultGenerator().getState();
  model.eval();

  const r = await findLearningRate({ model, optimizer: opt, loss: mse, trainLoader: dl, startLr: 1e-5, endLr: 100, numIter: 80 });
  assert.equal(r.lrs.length, r.losses.length);
  assert.equal(r.lrs.length, r.smoothedLosses.length);
  assert.equal(r.lrs[0], 1e-5);
  for (let i = 1; i < r.lrs.length; i++) assert.ok(Math.abs(r.lrs[i]! / r.lrs[i - 1]! - 10 ** (7 / 79)) < 1e-9, 'geometric steps');
  assert.ok(r.stoppedEarly !== null, `a rate of 100 should blow the loss up (ran ${r.lrs.length} steps)`);
  assert.ok(r.lrs.length < 80);
  assert.equal(r.stoppedEarly, 'diverged');
  // SGD with momentum 0.9 on this problem diverges near lr 0.1: the loss must fall before that and
  // the suggestion must sit on the fall, well below the divergence.
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.min(...r.losses) < 0.4 * mean(r.losses.slice(0, 5)), `the loss falls: ${mean(r.losses.slice(0, 5))} -> ${Math.min(...r.losses)}`);
  assert.ok(r.suggestedLr !== null && r.suggestedLr > 1e-3 && r.suggestedLr < 0.1, `suggested ${r.suggestedLr}`);
  assert.ok(r.minLossLr > 1e-3 && r.minLossLr < r.lrs.at(-1)!, `minimum at ${r.minLossLr}`);

  assert.deepEqual(weightsOf(model), before, 'weights put back bit for bit');
  assert.deepEqual((opt.stateDict().state[0]!.momentum_buffer as ReturnType<typeof tensor>).toArray(), momentum, 'momentum put back');
  assert.equal(opt.paramGroups[0]!.lr, 0.05, 'learning rate put back');
  assert.deepEqual(defaultGenerator().getState(), gen);
  assert.equal(model.training, false, 'eval mode put back');
  for (const p of model.parameters()) assert.equal(p.grad, null);
});

test('findLearningRate: a loss non-finite at once and an empty loader reject clearly; bad options throw at once, named', async () => {
  const model = new nn.Linear(2, 3);
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const dl = loader(32, 1, 16);
  const nanLoss = () => tensor(NaN, { requiresGrad: true });
  await assert.rejects(findLearningRate({ model, optimizer: opt, loss: nanLoss, trainLoader: dl }), /not finite at the first learning rate/);
  const base = { model, optimizer: opt, loss: nn.functional.crossEntropy, trainLoader: dl };
  assert.throws(() => findLearningRate({ ...base, startLr: 1, endLr: 0.1 }), /endLr \(0.1\) must be greater than startLr/);
  assert.throws(() => findLearningRate({ ...base, startLr: -1 }), /startLr must be a positive finite number/);
  assert.throws(() => findLearningRate({ ...base, numIter: 1 }), /numIter must be an integer >= 2/);
  assert.throws(() => findLearningRate({ ...base, mode: 'cubic' as never }), /mode must be 'exponential' or 'linear'/);
  await assert.rejects(findLearningRate({ ...base, trainLoader: [] }), /yielded no batch/);
  assert.throws(() => findLearningRate({ ...base, trainLoader: 5 as never }), /expected trainLoader to be a DataLoader or an iterable/);
  assert.throws(() => findLearningRate({ ...base, optimizer: {} as never }), /expected optimizer to be an Optimizer/);
});

test('findLearningRate cycles a short DataLoader and puts its position back; restore: false keeps the trained weights', async () => {
  manualSeed(5);
  const model = mlp();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const dl = loader(48, 2, 16); // 3 batches per epoch, 20 steps
  const it = dl[Symbol.asyncIterator]();
  await it.next(); // mid-epoch
  await it.return?.();
  const dlState = dl.stateDict();
  await findLearningRate({ model, optimizer: opt, loss: nn.functional.crossEntropy, trainLoader: dl, numIter: 7 });
  assert.deepEqual(dl.stateDict(), dlState);
  const before = weightsOf(model);
  const r = await findLearningRate({ model, optimizer: opt, loss: nn.functional.crossEntropy, trainLoader: dl, startLr: 1e-4, endLr: 1e-2, numIter: 20, mode: 'linear', restore: false });
  assert.equal(r.lrs.length, 20);
  assert.equal(r.stoppedEarly, null);
  assert.ok(Math.abs(r.lrs[19]! - 1e-2) < 1e-12);
  assert.notDeepEqual(weightsOf(model), before);
});
