// The `train` section of the benchmark: training throughput of every zoo model at batch 64 with
// Adam (lr 1e-3), ours through TrainingLoop (bench/train-child.ts) against PyTorch's eager loop
// (bench/torch/train.py) on the same model definitions, one thread and two. Each run is a child
// process of its own, so its peak resident memory is that model's; ours and PyTorch's run one
// after the other for each model and thread count, so both see the same machine load.
// Images per second are computed from the median step's CPU time per thread (bench/timing.ts
// says why); JSON also has the wall-clock figures and each run's step-to-step spread.
//
// Run with the harness: npm run bench -- --only train [--threads 1,2] [--quick] [--no-torch] [--filter lenet5]

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL_NAMES } from '../src/models/index.js';
import { fmt } from './timing.js';
import { runBenchChild } from './steps.js';
import type { TrainChildRequest, TrainChildResult } from './train-child.js';
import { runTorchScript } from './torch/run.js';

export interface TrainBenchOptions {
  threads?: number[];
  torch?: boolean;
  quick?: boolean;
  /** only the models whose name contains this text */
  filter?: string;
  /** Models that also get data-parallel rows (one replica per thread, one kernel thread each) at 2+ threads. Default lenet5. */
  dataParallelModels?: string[];
}

export interface TrainRun {
  steps: number;
  imagesPerSecond: number;
  wallImagesPerSecond: number;
  cpuMs: number;
  wallMs: number;
  spread: number;
  maxRssMiB: number;
  baseRssMiB: number;
  /** data parallel: fraction of worker shards the main thread computed itself */
  stolenFraction?: number;
}

export interface TrainBenchRow {
  model: string;
  threads: number;
  /** data-parallel replicas (one kernel thread each); absent: one process-wide model on threaded kernels */
  replicas?: number;
  ours: TrainRun | null;
  torch: TrainRun | null;
  /** ours / PyTorch images per second (CPU time): above 1 means faster than PyTorch */
  ratio?: number;
  wallRatio?: number;
}

export interface TrainBenchResult {
  batch: number;
  rows: TrainBenchRow[];
  notes: string[];
}

const BATCH = 64;

function asRun(r: TrainChildResult): TrainRun {
  return {
    steps: r.steps, imagesPerSecond: (BATCH * 1e3) / r.cpuMs, wallImagesPerSecond: (BATCH * 1e3) / r.wallMs,
    cpuMs: r.cpuMs, wallMs: r.wallMs, spread: r.spread, maxRssMiB: r.maxRssMiB, baseRssMiB: r.baseRssMiB,
    ...(r.stolenFraction !== undefined ? { stolenFraction: r.stolenFraction } : {}),
  };
}

export function runTrainBench(options: TrainBenchOptions = {}): TrainBenchResult {
  const quick = options.quick ?? false;
  const plan = { batch: BATCH, warmup: quick ? 1 : 3, minSteps: quick ? 2 : 5, maxSteps: quick ? 20 : 400, minSeconds: quick ? 1 : 8 };
  const rows: TrainBenchRow[] = [];
  const notes = new Set<string>();
  const models = MODEL_NAMES.filter((m) => !options.filter || m.includes(options.filter));
  for (const model of models) {
    for (const threads of options.threads ?? [1, 2]) {
      const req: TrainChildRequest = { model, threads, ...plan };
      const ours = runBenchChild<TrainChildResult>('train-child.js', req);
      const torch = options.torch === false ? 'disabled' : runTorchScript<TrainChildResult>('train.py', { model, ...plan }, threads);
      if (typeof ours === 'string') notes.add(`ours (${model}, ${threads} threads): ${ours}`);
      if (typeof torch === 'string' && torch !== 'disabled') notes.add(`PyTorch (${threads} threads): ${torch}`);
      const row: TrainBenchRow = { model, threads, ours: typeof ours === 'string' ? null : asRun(ours), torch: typeof torch === 'string' ? null : asRun(torch) };
      if (row.ours && row.torch) {
        row.ratio = row.ours.imagesPerSecond / row.torch.imagesPerSecond;
        row.wallRatio = row.ours.wallImagesPerSecond / row.torch.wallImagesPerSecond;
      }
      rows.push(row);
      // Data parallel at the same thread count: PyTorch's row above is the reference.
      if (threads >= 2 && (options.dataParallelModels ?? ['lenet5']).includes(model)) {
        const dp = runBenchChild<TrainChildResult>('train-child.js', { ...req, replicas: threads } satisfies TrainChildRequest);
        if (typeof dp === 'string') notes.add(`ours (${model}, ${threads} data-parallel replicas): ${dp}`);
        const dpRow: TrainBenchRow = { model, threads, replicas: threads, ours: typeof dp === 'string' ? null : asRun(dp), torch: row.torch };
        if (dpRow.ours && dpRow.torch) {
          dpRow.ratio = dpRow.ours.imagesPerSecond / dpRow.torch.imagesPerSecond;
          dpRow.wallRatio = dpRow.ours.wallImagesPerSecond / dpRow.torch.wallImagesPerSecond;
        }
        rows.push(dpRow);
      }
    }
  }
  return { batch: BATCH, rows, notes: [...notes] };
}

export function formatTrainBench(r: TrainBenchResult): string {
  const lines = [
    `training throughput, batch ${r.batch}, Adam, images/s from the median step's CPU time per thread (wall-clock images/s in brackets); peak RSS in MiB`,
    `${'model'.padEnd(12)} thr ${'ours'.padStart(8)} ${'(wall)'.padStart(8)} ${'torch'.padStart(8)} ${'(wall)'.padStart(8)} ${'ratio'.padStart(6)} ${'(wall)'.padStart(6)} ${'RSS ours'.padStart(9)} ${'torch'.padStart(6)} ${'steps'.padStart(9)} ${'spread'.padStart(11)}`,
  ];
  const pct = (v: number | undefined) => (v === undefined ? '-' : `${(100 * v).toFixed(0)}%`);
  for (const row of r.rows) {
    const o = row.ours, t = row.torch;
    const name = row.replicas ? `${row.model} ${row.replicas}dp` : row.model;
    lines.push(`${name.padEnd(12)} ${String(row.threads).padStart(3)} ${fmt.num(o?.imagesPerSecond, 1, 8)} ${fmt.num(o?.wallImagesPerSecond, 1, 8)} ` +
      `${fmt.num(t?.imagesPerSecond, 1, 8)} ${fmt.num(t?.wallImagesPerSecond, 1, 8)} ${(row.ratio ? `${row.ratio.toFixed(2)}x` : '-').padStart(6)} ` +
      `${(row.wallRatio ? `${row.wallRatio.toFixed(2)}x` : '-').padStart(6)} ${fmt.num(o?.maxRssMiB, 0, 9)} ${fmt.num(t?.maxRssMiB, 0, 6)} ` +
      `${`${o?.steps ?? '-'}/${t?.steps ?? '-'}`.padStart(9)} ${`${pct(o?.spread)}/${pct(t?.spread)}`.padStart(11)}`);
  }
  const first = r.rows.find((x) => x.ours && x.torch);
  if (first) lines.push(`RSS at start (library loaded, no model): ours ${first.ours!.baseRssMiB.toFixed(0)} MiB, PyTorch ${first.torch!.baseRssMiB.toFixed(0)} MiB`);
  for (const x of r.rows.filter((row) => row.replicas && row.ours)) {
    lines.push(`"${x.model} ${x.replicas}dp": data parallel, ${x.replicas} replicas (main thread + worker_threads) of one kernel thread each on batch/${x.replicas} images, vs PyTorch's ${x.threads}-thread row; `
      + `the main thread computed ${(100 * (x.ours!.stolenFraction ?? 0)).toFixed(0)}% of the workers' shards (their thread not yet running: a busy machine)`);
  }
  lines.push('steps: timed steps ours/PyTorch; spread: median absolute deviation of the step CPU times / median');
  lines.push(...r.notes);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const threadsArg = args.find((a) => a.startsWith('--threads='));
  const filterArg = args.find((a) => a.startsWith('--filter='));
  const result = runTrainBench({
    threads: threadsArg ? threadsArg.slice('--threads='.length).split(',').map(Number) : undefined,
    torch: !args.includes('--no-torch'),
    quick: args.includes('--quick'),
    filter: filterArg?.slice('--filter='.length),
  });
  console.log(args.includes('--json') ? JSON.stringify(result, null, 2) : formatTrainBench(result));
}
