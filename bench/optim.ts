// The `optim` section of the benchmark: one optimizer step over ResNet-18's parameter set
// (../shared/spec, 62 tensors, 11.17M floats) through the public API, native fused kernels against
// torch.optim in the same run (foreach=False, foreach=True, and fused=True where this PyTorch has
// it on the CPU). The update is memory-bound, so each row also reports the bytes it must move at
// the least (parameter, gradient and state read once; parameter and state written once) as GB/s.
// Times are process CPU time per thread (bench/timing.ts), on both sides; JSON also has wall time.
//
// Run alone: node dist/bench/optim.js [--json] [--no-torch] [--threads=1,2] [--quick]

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNativeBackend, setNumThreads } from '../src/backend/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Adam, AdamW, RMSprop, SGD, type Optimizer } from '../src/optim/index.js';
import { bestSeconds, fmt, randomFloats } from './timing.js';
import { runTorchScript } from './torch/run.js';

/** ResNet-18 for 10 classes (CIFAR stem), as ../shared/spec/torch_models.py: its parameter shapes. */
export function resnet18Shapes(): number[][] {
  const shapes: number[][] = [];
  const convBn = (cout: number, cin: number, k: number): void => { shapes.push([cout, cin, k, k], [cout], [cout]); };
  convBn(64, 3, 3);
  let cin = 64;
  for (const cout of [64, 128, 256, 512]) {
    for (let block = 0; block < 2; block++) {
      const c0 = block === 0 ? cin : cout;
      convBn(cout, c0, 3);
      convBn(cout, cout, 3);
      if (block === 0 && c0 !== cout) convBn(cout, c0, 1);
    }
    cin = cout;
  }
  shapes.push([10, 512], [10]);
  return shapes;
}

interface OptimCase {
  id: string;
  label: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
  options: Record<string, unknown>;
  torchOptions: Record<string, unknown>;
  /** least bytes moved per element */
  bytesPerElement: number;
}

const CASES: OptimCase[] = [
  { id: 'adam', label: 'Adam', optimizer: 'Adam', options: { lr: 1e-3 }, torchOptions: { lr: 1e-3 }, bytesPerElement: 28 },
  { id: 'adamw', label: 'AdamW (weight decay 0.01)', optimizer: 'AdamW', options: { lr: 1e-3 }, torchOptions: { lr: 1e-3 }, bytesPerElement: 28 },
  { id: 'sgd', label: 'SGD momentum 0.9, weight decay 5e-4', optimizer: 'SGD', options: { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 }, torchOptions: { lr: 0.1, momentum: 0.9, weight_decay: 5e-4 }, bytesPerElement: 20 },
  { id: 'rmsprop', label: 'RMSprop', optimizer: 'RMSprop', options: { lr: 1e-2 }, torchOptions: { lr: 1e-2 }, bytesPerElement: 20 },
];

const OPTIMIZERS = { SGD, Adam, AdamW, RMSprop } as const;

type Variant = 'single' | 'foreach' | 'fused';

export interface OptimBenchRow {
  id: string;
  label: string;
  threads: number;
  /** CPU milliseconds per thread per step, ours */
  ms: number;
  wallMs: number;
  gbps: number;
  /** PyTorch CPU milliseconds per thread per step by variant (single = foreach=False, foreach, fused), where it ran */
  torchMs: Partial<Record<Variant, number>>;
  torchWallMs: Partial<Record<Variant, number>>;
  /** the fastest PyTorch variant's time / ours: above 1 means faster than PyTorch */
  speedup?: number;
}

export interface OptimBenchOptions {
  threads?: number[];
  torch?: boolean;
  /** shorter timings, for a smoke run */
  quick?: boolean;
}

interface TorchResult { ms: Record<string, number>; wallMs: Record<string, number>; notes: string[] }

export function runOptimBench(options: OptimBenchOptions = {}): { rows: OptimBenchRow[]; floats: number; notes: string[] } {
  if (!getNativeBackend()) throw new Error('optim benchmark: the native addon is not available');
  const minSeconds = options.quick ? 0.1 : 0.5;
  const shapes = resnet18Shapes();
  const params = shapes.map((s, i) => {
    const p = Tensor.fromStorage(randomFloats(s.reduce((a, b) => a * b, 1), 1 + i), 'float32', s).requiresGrad_();
    p.grad = Tensor.fromStorage(randomFloats(p.numel(), 1000 + i), 'float32', s);
    return p;
  });
  const floats = params.reduce((n, p) => n + p.numel(), 0);
  const rows: OptimBenchRow[] = [];
  const notes = new Set<string>();
  for (const threads of options.threads ?? [1, 2]) {
    const torch = options.torch === false ? 'disabled' : runTorchScript<TorchResult>('optim.py', { shapes, cases: CASES, minSeconds }, threads);
    setNumThreads(threads);
    if (typeof torch === 'string') notes.add(`PyTorch (${threads} threads): ${torch}`);
    else torch.notes.forEach((n) => notes.add(n));
    for (const c of CASES) {
      const Ctor = OPTIMIZERS[c.optimizer] as unknown as new (p: Tensor[], o: Record<string, unknown>) => Optimizer;
      const opt = new Ctor(params, c.options);
      const t = bestSeconds(() => opt.step(), minSeconds, threads);
      const row: OptimBenchRow = {
        id: c.id, label: c.label, threads, ms: t.cpu * 1e3, wallMs: t.wall * 1e3, gbps: (c.bytesPerElement * floats) / t.cpu / 1e9, torchMs: {}, torchWallMs: {},
      };
      if (typeof torch !== 'string') {
        for (const v of ['single', 'foreach', 'fused'] as const) {
          const key = `${c.id}/${v}`;
          if (torch.ms[key] !== undefined) row.torchMs[v] = torch.ms[key];
          if (torch.wallMs[key] !== undefined) row.torchWallMs[v] = torch.wallMs[key];
        }
        const best = Math.min(...Object.values(row.torchMs));
        if (Number.isFinite(best)) row.speedup = best / row.ms;
      }
      rows.push(row);
    }
  }
  setNumThreads(0);
  return { rows, floats, notes: [...notes] };
}

export function formatOptimBench(r: { rows: OptimBenchRow[]; floats: number; notes: string[] }): string {
  const lines = [`optimizer step over ResNet-18's parameters (${(r.floats / 1e6).toFixed(2)}M float32 in 62 tensors; CPU ms per thread)`];
  lines.push(`${'optimizer'.padEnd(38)} thr ${'ms'.padStart(7)} ${'GB/s'.padStart(6)} ${'torch'.padStart(8)} ${'foreach'.padStart(8)} ${'fused'.padStart(6)} ${'vs best'.padStart(8)}`);
  for (const row of r.rows) {
    lines.push(`${row.label.padEnd(38)} ${String(row.threads).padStart(3)} ${fmt.num(row.ms, 2, 7)} ${fmt.num(row.gbps, 1, 6)} ` +
      `${fmt.num(row.torchMs.single, 2, 8)} ${fmt.num(row.torchMs.foreach, 2, 8)} ${fmt.num(row.torchMs.fused, 2, 6)} ${(row.speedup ? `${row.speedup.toFixed(2)}x` : '-').padStart(8)}`);
  }
  lines.push(...r.notes);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const threadsArg = args.find((a) => a.startsWith('--threads='));
  const result = runOptimBench({
    threads: threadsArg ? threadsArg.slice('--threads='.length).split(',').map(Number) : undefined,
    torch: !args.includes('--no-torch'),
    quick: args.includes('--quick'),
  });
  console.log(args.includes('--json') ? JSON.stringify(result, null, 2) : formatOptimBench(result));
}
