// The optimizers and schedulers as a user trains with them: a small classifier learns a fixed
// batch with each optimizer under a schedule, and a run saved and restored mid-way (model,
// optimizer and scheduler state) ends with exactly the weights of an uninterrupted run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, tensor, type Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { Adam, AdamW, RMSprop, SGD, lrScheduler, type Optimizer } from '../../src/optim/index.js';
import { rng } from '../helpers.js';

/** Three noisy clusters in the plane: 48 points, labels 0..2. */
function batch(): { x: Tensor; y: Tensor } {
  const r = rng(7);
  const xs: number[] = [], ys: number[] = [];
  const centers = [[1, 1], [-1, 0.5], [0, -1]];
  for (let i = 0; i < 48; i++) {
    const c = i % 3;
    xs.push(centers[c]![0]! + 0.3 * (r() - 0.5), centers[c]![1]! + 0.3 * (r() - 0.5));
    ys.push(c);
  }
  return { x: tensor(xs, { dtype: 'float32' }).reshape([48, 2]), y: tensor(ys, { dtype: 'int64' }) };
}

function model(): nn.Module {
  manualSeed(3);
  return new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));
}

type Setup = (params: Tensor[]) => { opt: Optimizer; sched: lrScheduler.LRScheduler };

const SETUPS: [string, Setup][] = [
  ['SGD nesterov + OneCycleLR', (p) => { const opt = new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }); return { opt, sched: new lrScheduler.OneCycleLR(opt, { maxLr: 0.5, totalSteps: 60 }) }; }],
  ['Adam + warm-up then cosine', (p) => {
    const opt = new Adam(p, { lr: 0.05 });
    const sched = new lrScheduler.SequentialLR(opt, { schedulers: [new lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 10 }), new lrScheduler.CosineAnnealingLR(opt, { tMax: 50 })], milestones: [10] });
    return { opt, sched };
  }],
  ['AdamW amsgrad + StepLR', (p) => { const opt = new AdamW(p, { lr: 0.05, amsgrad: true }); return { opt, sched: new lrScheduler.StepLR(opt, { stepSize: 20, gamma: 0.5 }) }; }],
  ['RMSprop centered + ExponentialLR', (p) => { const opt = new RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 }); return { opt, sched: new lrScheduler.ExponentialLR(opt, { gamma: 0.98 }) }; }],
];

function trainSteps(m: nn.Module, opt: Optimizer, sched: lrScheduler.LRScheduler, data: { x: Tensor; y: Tensor }, steps: number): number {
  const lossFn = new nn.CrossEntropyLoss();
  let loss = NaN;
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    const l = lossFn.forward(m.forward(data.x), data.y);
    l.backward();
    opt.step();
    sched.step();
    loss = l.item();
  }
  return loss;
}

function accuracy(m: nn.Module, data: { x: Tensor; y: Tensor }): number {
  const pred = (m.forward(data.x) as Tensor).argmax(1).toArray() as number[];
  const y = data.y.toArray() as number[];
  return pred.filter((p, i) => p === y[i]).length / y.length;
}

for (const [label, setup] of SETUPS) {
  test(`${label} learns a fixed batch`, () => {
    const data = batch();
    const m = model();
    const { opt, sched } = setup(m.parameters());
    const first = trainSteps(m, opt, sched, data, 1);
    const last = trainSteps(m, opt, sched, data, 59);
    assert.ok(last < 0.2 * first, `loss ${first} -> ${last}`);
    assert.equal(accuracy(m, data), 1);
  });

  test(`${label}: a run restored from its state dicts mid-way ends bit for bit like an uninterrupted one`, () => {
    const data = batch();
    const a = model();
    const sa = setup(a.parameters());
    trainSteps(a, sa.opt, sa.sched, data, 40);

    const b = model();
    const sb = setup(b.parameters());
    trainSteps(b, sb.opt, sb.sched, data, 25);
    const saved = { model: b.stateDict(), opt: sb.opt.stateDict(), sched: sb.sched.stateDict() };

    const c = model();
    const sc = setup(c.parameters());
    c.loadStateDict(saved.model);
    sc.opt.loadStateDict(saved.opt);
    sc.sched.loadStateDict(saved.sched);
    trainSteps(c, sc.opt, sc.sched, data, 15);
    const weights = (m: nn.Module) => m.parameters().map((p) => Array.from(p.toTypedArray() as Float32Array));
    assert.deepEqual(weights(c), weights(a));
    assert.deepEqual(sc.sched.getLastLr(), sa.sched.getLastLr());
  });
}
