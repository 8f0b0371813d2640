// One model's training throughput, in a process of its own (so that its peak resident memory is
// its own): batch 64 of synthetic images through TrainingLoop with Adam (lr 1e-3) and cross
// entropy (GoogLeNet's auxiliary losses as the loop adds them), the same batch every step.
// Warm-up steps are not timed. Prints JSON: the median step in CPU time per thread and in wall
// time, the step count, the steps' spread, and the process's peak RSS.
//
// With replicas > 1 the batch is split across train.DataParallel replicas (main thread + workers),
// threads / replicas kernel threads each; the CPU time per thread then counts every replica's.
//
// Run by bench/train.ts: node dist/bench/train-child.js '{"model":"lenet5","threads":1,...}'

import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setNumThreads } from '../src/backend/index.js';
import { createModel, modelInfo } from '../src/models/index.js';
import { CrossEntropyLoss } from '../src/nn/index.js';
import { Adam } from '../src/optim/index.js';
import { manualSeed, randn } from '../src/tensor/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { TrainingLoop, type Batch } from '../src/train/training-loop.js';
import { DataParallel } from '../src/train/data-parallel.js';
import { median, spread, StepClock } from './steps.js';

export interface TrainChildRequest {
  model: string;
  /** Kernel threads in all (per replica: threads / replicas). */
  threads: number;
  /** Data-parallel replicas (train.DataParallel), 1 (default): none. */
  replicas?: number;
  batch: number;
  warmup: number;
  minSteps: number;
  maxSteps: number;
  minSeconds: number;
}

export interface TrainChildResult {
  steps: number;
  /** median CPU milliseconds per thread per step, and median wall milliseconds */
  cpuMs: number;
  wallMs: number;
  /** median absolute deviation / median of the CPU times */
  spread: number;
  /** peak resident set size of the whole process, MiB */
  maxRssMiB: number;
  /** resident set size before the model was built, MiB */
  baseRssMiB: number;
  firstLoss: number;
  lastLoss: number;
  /** data parallel: the fraction of worker shards the main thread computed (their worker had not started them) */
  stolenFraction?: number;
}

/** A fixed batch: random images and classes 0..9 in turn. */
export function syntheticBatch(model: string, batch: number): { input: Tensor; target: Tensor } {
  const input = randn([batch, ...modelInfo(model).inputShape]);
  const target = Tensor.fromStorage(BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % 10)), 'int64', [batch]);
  return { input, target };
}

/** This process's peak resident memory. From VmHWM, which exec resets: getrusage's maxrss keeps the
 *  spawning process's high-water mark across exec, so a child smaller than the bench process that
 *  started it would report the bench's own peak. */
function peakRssMiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS / 1024;
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2]!) as TrainChildRequest;
  const baseRssMiB = process.memoryUsage().rss / 2 ** 20;
  const replicas = req.replicas ?? 1;
  if (!Number.isInteger(req.threads / replicas) || req.threads < replicas) throw new RangeError(`train-child: ${req.threads} threads do not divide among ${replicas} replicas`);
  setNumThreads(req.threads / replicas);
  manualSeed(0);
  const model = createModel(req.model);
  const dataParallel = replicas > 1
    ? new DataParallel({ replicas, threadsPerReplica: req.threads / replicas, model: { module: new URL('../src/models/index.js', import.meta.url).href, export: 'createModel', args: [req.model] } })
    : null;
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const data = syntheticBatch(req.model, req.batch);
  const clock = new StepClock(req.threads, req.warmup);
  const losses: number[] = [];
  let stop = false;
  const source: Iterable<Batch> = {
    *[Symbol.iterator]() {
      while (!stop) yield data;
    },
  };
  const loop = new TrainingLoop({
    model, optimizer, loss: new CrossEntropyLoss(), dataParallel,
    callbacks: [{
      onBatchEnd: (_loop, logs) => {
        clock.tick();
        losses.push(logs.loss);
        stop = clock.done(req.minSteps, req.maxSteps, req.minSeconds);
      },
    }],
  });
  await loop.train({ epochs: 1, trainLoader: source });
  const stolenFraction = dataParallel ? dataParallel.stolen / (losses.length * (replicas - 1)) : undefined;
  await dataParallel?.close();
  const t = clock.times;
  const result: TrainChildResult = {
    steps: t.cpuMs.length, cpuMs: median(t.cpuMs), wallMs: median(t.wallMs), spread: spread(t.cpuMs),
    maxRssMiB: peakRssMiB(), baseRssMiB, firstLoss: losses[0]!, lastLoss: losses[losses.length - 1]!, stolenFraction,
  };
  process.stdout.write(JSON.stringify(result));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
