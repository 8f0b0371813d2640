// Learning-rate schedulers against PyTorch 1.13: the rate sequence (and cycled momentum) after
// construction and after every step, within 1e-12 relative (the float64 arithmetic is PyTorch's
// op for op; only cos and pow may differ by an ulp between V8 and glibc). Then state-dict round
// trips mid-run, and the errors for bad options.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { SGD, Adam, lrScheduler } from '../../src/optim/index.js';
import { assertClose } from '../helpers.js';
import { buildScheduler, loadJson, momentumOf, schedulerOptimizer, type AnyScheduler, type SchedulerCase } from './fixtures.js';

const data = loadJson<{ schedulers: SchedulerCase[] }>('optim_schedulers.json');
const TOL = { rtol: 1e-12, atol: 1e-18 };

function stepWith(s: AnyScheduler, c: SchedulerCase, i: number): void {
  if (s instanceof lrScheduler.ReduceLROnPlateau) s.step(c.metrics![i]!);
  else s.step();
}

function setup(c: SchedulerCase) {
  const opt = schedulerOptimizer(c);
  if (c.initialLr) opt.paramGroups.forEach((g, i) => { g.initialLr = c.initialLr![i]!; });
  return { opt, sched: buildScheduler(opt, c.spec) };
}

for (const c of data.schedulers) {
  test(`${c.spec.scheduler} matches PyTorch: ${c.name}`, () => {
    const { opt, sched } = setup(c);
    const lrs = [opt.paramGroups.map((g) => g.lr)];
    const moms = [momentumOf(opt)];
    assert.deepEqual(sched.getLastLr(), lrs[0], 'getLastLr after construction');
    for (let i = 0; i < c.steps; i++) {
      stepWith(sched, c, i);
      lrs.push(opt.paramGroups.map((g) => g.lr));
      moms.push(momentumOf(opt));
      assert.deepEqual(sched.getLastLr(), lrs[i + 1], `getLastLr after step ${i + 1}`);
    }
    lrs.forEach((row, i) => assertClose(row, c.expectedLr[i]!, TOL, `lr after ${i} steps`));
    moms.forEach((row, i) => assertClose(row, c.expectedMomentum[i]!, TOL, `momentum after ${i} steps`));
  });

  test(`${c.spec.scheduler} state dict round trip mid-run continues identically: ${c.name}`, () => {
    const half = Math.floor(c.steps / 2);
    const a = setup(c);
    for (let i = 0; i < c.steps; i++) stepWith(a.sched, c, i);
    const b = setup(c);
    for (let i = 0; i < half; i++) stepWith(b.sched, c, i);
    // Through JSON, as a checkpoint would store it.
    const optState = JSON.parse(JSON.stringify(b.opt.stateDict()));
    const schedState = JSON.parse(JSON.stringify(b.sched.stateDict()));
    const r = setup(c);
    r.opt.loadStateDict(optState);
    r.sched.loadStateDict(schedState);
    for (let i = half; i < c.steps; i++) stepWith(r.sched, c, i);
    assert.deepEqual(r.opt.paramGroups.map((g) => g.lr), a.opt.paramGroups.map((g) => g.lr));
    assert.deepEqual(momentumOf(r.opt), momentumOf(a.opt));
    assert.deepEqual(r.sched.getLastLr(), a.sched.getLastLr());
  });
}

function sgd(lr = 0.1) {
  return new SGD([tensor([1], { dtype: 'float32', requiresGrad: true })], { lr, momentum: 0.9 });
}

test('scheduler state dicts use PyTorch names', () => {
  const s = new lrScheduler.CosineAnnealingLR(sgd(), { tMax: 10, etaMin: 0.01 });
  s.step();
  assert.deepEqual(s.stateDict(), { last_epoch: 1, base_lrs: [0.1], _step_count: 2, _last_lr: s.getLastLr(), T_max: 10, eta_min: 0.01 });
  const opt = sgd();
  const seq = new lrScheduler.SequentialLR(opt, {
    schedulers: [new lrScheduler.LinearLR(opt, { totalIters: 3 }), new lrScheduler.ExponentialLR(opt, { gamma: 0.5 })],
    milestones: [3],
  });
  const sd = seq.stateDict();
  assert.deepEqual(sd._milestones, [3]);
  assert.equal((sd._schedulers as unknown[]).length, 2);
  assert.equal(opt.stateDict().param_groups[0]!.initial_lr, 0.1);
});

test('OneCycleLR throws when stepped past totalSteps', () => {
  const s = new lrScheduler.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5 });
  for (let i = 0; i < 5; i++) s.step();
  assert.throws(() => s.step(), /OneCycleLR: tried to step 7 times; the cycle has totalSteps 5/);
});

test('ReduceLROnPlateau takes a one-element tensor and saves best = Infinity as null through JSON', () => {
  const opt = sgd();
  const s = new lrScheduler.ReduceLROnPlateau(opt, { patience: 0 });
  const fresh = JSON.parse(JSON.stringify(s.stateDict()));
  assert.equal(fresh.best, null);
  s.step(tensor([2], { dtype: 'float32' }));
  s.step(tensor(3, { dtype: 'float32' }));
  assert.deepEqual(s.getLastLr(), [0.1 * 0.1]);
  const t = new lrScheduler.ReduceLROnPlateau(sgd(), { patience: 0 });
  t.loadStateDict(fresh);
  assert.equal(t.best, Infinity);
});

test('schedulers reject bad options with clear errors', () => {
  const opt = sgd();
  assert.throws(() => new lrScheduler.StepLR({} as never, { stepSize: 3 }), /StepLR: expected an Optimizer, got an object/);
  assert.throws(() => new lrScheduler.StepLR(opt, { stepSize: 0 }), /StepLR: stepSize must be an integer >= 1, got number 0/);
  assert.throws(() => new lrScheduler.MultiStepLR(opt, { milestones: 5 as never }), /MultiStepLR: milestones must be an array/);
  assert.throws(() => new lrScheduler.LinearLR(opt, { startFactor: 1.5 }), /LinearLR: startFactor must be a number > 0 <= 1, got number 1.5/);
  assert.throws(() => new lrScheduler.CosineAnnealingLR(opt, { tMax: 0 }), /CosineAnnealingLR: tMax must be a number > 0/);
  assert.throws(() => new lrScheduler.CosineAnnealingLR(sgd(), { tMax: 5, lastEpoch: 3 }), /resuming with lastEpoch 3 needs initialLr in paramGroups\[0\]/);
  assert.throws(() => new lrScheduler.OneCycleLR(opt, { maxLr: 1 }), /OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/);
  assert.throws(() => new lrScheduler.OneCycleLR(opt, { maxLr: [1, 2], totalSteps: 10 }), /expected 1 values for maxLr/);
  assert.throws(() => new lrScheduler.OneCycleLR(opt, { maxLr: 1, totalSteps: 10, annealStrategy: 'cubic' as never }), /annealStrategy must be one of 'cos', 'linear', got 'cubic'/);
  assert.throws(() => new lrScheduler.ReduceLROnPlateau(opt, { factor: 1 }), /ReduceLROnPlateau: factor must be a number < 1, got number 1/);
  assert.throws(() => new lrScheduler.ReduceLROnPlateau(opt, { mode: 'up' as never }), /mode must be one of 'min', 'max'/);
  assert.throws(() => new lrScheduler.StepLR(opt, undefined as never), /StepLR: options must be an object like \{ stepSize, gamma, lastEpoch, ... \}, got undefined/);
  assert.throws(() => new lrScheduler.CosineAnnealingLR(opt, { T_max: 5 } as never), /CosineAnnealingLR: unknown option 'T_max' \(known: tMax, etaMin, lastEpoch\)/);
  assert.throws(() => new lrScheduler.ReduceLROnPlateau(opt, { min_lr: 0.1 } as never), /ReduceLROnPlateau: unknown option 'min_lr'/);
  const other = new Adam([tensor([1], { dtype: 'float32', requiresGrad: true })]);
  assert.throws(() => new lrScheduler.SequentialLR(opt, { schedulers: [new lrScheduler.ExponentialLR(other, { gamma: 0.9 })], milestones: [] }), /schedulers\[0\] belongs to a different optimizer/);
  assert.throws(() => new lrScheduler.SequentialLR(opt, { schedulers: [new lrScheduler.ExponentialLR(opt, { gamma: 0.9 })], milestones: [2] }), /expected 0 milestones for 1 schedulers/);
});
