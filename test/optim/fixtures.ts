// Reads the PyTorch fixtures of the optimizers and schedulers (test/fixtures/optim_*.json,
// written by test/fixtures/optim_torch.py) and builds the same objects from them in this library.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor, type Tensor } from '../../src/index.js';
import { Adam, AdamW, RMSprop, SGD, type Optimizer } from '../../src/optim/index.js';
import * as lrScheduler from '../../src/optim/lr-scheduler/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// This file runs from dist/test/optim; the fixtures stay in the source tree.
const fixtureDir = path.resolve(here, '..', '..', '..', 'test', 'fixtures');

export function loadJson<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(fixtureDir, file), 'utf8')) as T;
}

export type Options = Record<string, unknown>;

export interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
  options: Options;
  dtype: 'float32' | 'float64';
  shapes: number[][];
  initial: number[][];
  /** [step][param]: null when the parameter has no gradient that step */
  grads: (number[] | null)[][];
  /** after each step: parameters, and state by parameter index with PyTorch's names */
  expected: { params: number[][]; state: Record<string, Record<string, number | number[] | null>> }[];
  groups?: (Options & { params: number[] })[];
}

export interface QuadraticCase {
  name: string;
  optimizer: OptimizerCase['optimizer'];
  options: Options;
  initial: number[];
  target: number[];
  losses: number[];
  expected: number[][];
}

export interface SchedulerSpec {
  scheduler: string;
  options?: Options;
  schedulers?: SchedulerSpec[];
  milestones?: number[];
}

export interface SchedulerCase {
  name: string;
  optimizer: 'SGD' | 'Adam';
  lrs: number[];
  spec: SchedulerSpec;
  steps: number;
  expectedLr: number[][];
  expectedMomentum: number[][];
  metrics?: number[];
  initialLr?: number[];
}

const OPTIMIZERS = { SGD, Adam, AdamW, RMSprop } as const;

export function makeOptimizer(kind: OptimizerCase['optimizer'], params: Tensor[], options: Options, groups?: (Options & { params: number[] })[]): Optimizer {
  const Ctor = OPTIMIZERS[kind] as unknown as new (p: unknown, o: Options) => Optimizer;
  const spec = groups ? groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]!) })) : params;
  return new Ctor(spec, options);
}

/** The scheduler cases' optimizer: one zero parameter per group, SGD with momentum 0.9 or Adam. */
export function schedulerOptimizer(c: SchedulerCase): Optimizer {
  const groups = c.lrs.map((lr) => ({ params: [tensor([0], { dtype: 'float32', requiresGrad: true })], lr }));
  return c.optimizer === 'SGD' ? new SGD(groups, { lr: c.lrs[0]!, momentum: 0.9 }) : new Adam(groups, { lr: c.lrs[0]! });
}

export type AnyScheduler = lrScheduler.LRScheduler | lrScheduler.ReduceLROnPlateau;

export function buildScheduler(opt: Optimizer, spec: SchedulerSpec): AnyScheduler {
  if (spec.scheduler === 'SequentialLR') {
    const inner = spec.schedulers!.map((s) => buildScheduler(opt, s) as lrScheduler.LRScheduler);
    return new lrScheduler.SequentialLR(opt, { schedulers: inner, milestones: spec.milestones! });
  }
  const Ctor = (lrScheduler as unknown as Record<string, new (o: Optimizer, opts: Options) => AnyScheduler>)[spec.scheduler];
  if (!Ctor) throw new Error(`fixture: unknown scheduler ${spec.scheduler}`);
  return new Ctor(opt, spec.options ?? {});
}

export function momentumOf(opt: Optimizer): number[] {
  return opt.paramGroups.map((g) => (Array.isArray(g.betas) ? (g.betas as number[])[0]! : g.momentum as number));
}
