// The `loop` section of the benchmark: what TrainingLoop adds to a step. LeNet-5 at batch 64 with
// Adam, the same fixed batch, stepped two ways in one process: a bare loop (forward, cross
// entropy, backward, optimizer step, zero the gradients, read the loss) and TrainingLoop (which
// also checks the gradients are finite, counts correct predictions and calls its callbacks).
// The two alternate in rounds so that both see the same machine load; each round times every
// step on its own, and the overhead compares the medians of all rounds (CPU time per thread,
// see timing.ts). The target: within 5%.
//
// Run with the harness: npm run bench -- --only loop [--threads 1,2] [--quick]

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setNumThreads } from '../src/backend/index.js';
import { lenet5 } from '../src/models/index.js';
import { CrossEntropyLoss, type Module } from '../src/nn/index.js';
import { Adam } from '../src/optim/index.js';
import { manualSeed } from '../src/tensor/index.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { TrainingLoop, type Batch } from '../src/train/training-loop.js';
import { fmt } from './timing.js';
import { median, StepClock, type StepTimes } from './steps.js';
import { syntheticBatch } from './train-child.js';

export interface LoopBenchRow {
  threads: number;
  /** median step, CPU milliseconds per thread */
  bareMs: number;
  loopMs: number;
  bareWallMs: number;
  loopWallMs: number;
  /** (loop - bare) / bare, CPU time */
  overhead: number;
  wallOverhead: number;
  steps: number;
}

function setup(): { model: Module; optimizer: Adam; loss: CrossEntropyLoss; data: { input: Tensor; target: Tensor } } {
  manualSeed(0);
  const model = lenet5();
  return { model, optimizer: new Adam(model.parameters(), { lr: 1e-3 }), loss: new CrossEntropyLoss(), data: syntheticBatch('lenet5', 64) };
}

function bareRound(steps: number, threads: number, into: StepTimes): void {
  const { model, optimizer, loss, data } = setup();
  const clock = new StepClock(threads, 1); // the first step (allocating Adam's state) is not timed
  for (let i = 0; i < steps; i++) {
    const l = loss.forward(model.forward(data.input) as Tensor, data.target);
    l.backward();
    optimizer.step();
    optimizer.zeroGrad({ setToNone: false });
    l.item();
    clock.tick();
  }
  into.cpuMs.push(...clock.times.cpuMs);
  into.wallMs.push(...clock.times.wallMs);
}

async function loopRound(steps: number, threads: number, into: StepTimes): Promise<void> {
  const { model, optimizer, loss, data } = setup();
  const clock = new StepClock(threads, 1);
  const source: Iterable<Batch> = { *[Symbol.iterator]() { for (let i = 0; i < steps; i++) yield data; } };
  const loop = new TrainingLoop({ model, optimizer, loss, callbacks: [{ onBatchEnd: () => clock.tick() }] });
  await loop.train({ epochs: 1, trainLoader: source });
  into.cpuMs.push(...clock.times.cpuMs);
  into.wallMs.push(...clock.times.wallMs);
}

export async function runLoopBench(options: { threads?: number[]; quick?: boolean } = {}): Promise<LoopBenchRow[]> {
  const rounds = options.quick ? 2 : 6, steps = options.quick ? 30 : 150;
  const rows: LoopBenchRow[] = [];
  for (const threads of options.threads ?? [1, 2]) {
    setNumThreads(threads);
    const bare: StepTimes = { cpuMs: [], wallMs: [] }, loop: StepTimes = { cpuMs: [], wallMs: [] };
    bareRound(5, threads, { cpuMs: [], wallMs: [] }); // warm-up: compile the hot paths once
    for (let r = 0; r < rounds; r++) {
      bareRound(steps, threads, bare);
      await loopRound(steps, threads, loop);
    }
    const b = median(bare.cpuMs), l = median(loop.cpuMs), bw = median(bare.wallMs), lw = median(loop.wallMs);
    rows.push({ threads, bareMs: b, loopMs: l, bareWallMs: bw, loopWallMs: lw, overhead: (l - b) / b, wallOverhead: (lw - bw) / bw, steps: bare.cpuMs.length });
  }
  setNumThreads(0);
  return rows;
}

export function formatLoopBench(rows: readonly LoopBenchRow[]): string {
  const lines = ['TrainingLoop overhead: LeNet-5, batch 64, Adam; median step in CPU ms per thread (wall ms in brackets); target within 5%'];
  lines.push(`thr ${'bare'.padStart(8)} ${'(wall)'.padStart(8)} ${'loop'.padStart(8)} ${'(wall)'.padStart(8)} ${'overhead'.padStart(9)} ${'(wall)'.padStart(8)} ${'steps'.padStart(6)}`);
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  for (const r of rows) {
    lines.push(`${String(r.threads).padStart(3)} ${fmt.num(r.bareMs, 2, 8)} ${fmt.num(r.bareWallMs, 2, 8)} ${fmt.num(r.loopMs, 2, 8)} ${fmt.num(r.loopWallMs, 2, 8)} ` +
      `${pct(r.overhead).padStart(9)} ${pct(r.wallOverhead).padStart(8)} ${String(r.steps).padStart(6)}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const threadsArg = args.find((a) => a.startsWith('--threads='));
  const rows = await runLoopBench({ threads: threadsArg ? threadsArg.slice('--threads='.length).split(',').map(Number) : undefined, quick: args.includes('--quick') });
  console.log(args.includes('--json') ? JSON.stringify(rows, null, 2) : formatLoopBench(rows));
}
