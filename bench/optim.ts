// The `optim` section of the benchmark: one optimizer step over ResNet-18's parameter set
// (../shared/spec, 62 tensors, 11.17M floats) through the public API, native fused kernels against
// torch.optim in the same run (foreach=False, foreach=True, and fused=True where this PyTorch has
// it on the CPU). The update is memory-bound, so each row also reports the bytes it must move at
// the least (parameter, gradient and state read once; parameter and state written once) as GB/s.
//
// Run alone: node dist/bench/optim.js [--json] [--no-torch] [--threads=1,2] [--quick]

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNativeBackend, setNumThreads } from '../src/backend/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Adam, AdamW, RMSprop, SGD, type Optimizer } from '../src/optim/index.js';

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

export interface OptimBenchRow {
  id: string;
  label: string;
  threads: number;
  /** milliseconds per step, ours */
  ms: number;
  gbps: number;
  /** PyTorch milliseconds per step by variant (single = foreach=False, foreach, fused), where it ran */
  torchMs: Partial<Record<'single' | 'foreach' | 'fused', number>>;
  /** the fastest PyTorch variant's time / ours: above 1 means faster than PyTorch */
  speedup?: number;
}

export interface OptimBenchOptions {
  threads?: number[];
  torch?: boolean;
  /** shorter timings, for a smoke run */
  quick?: boolean;
}

function randomFill(a: Float32Array, seed: number): Float32Array {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296) * 2 - 1;
  }
  return a;
}

/** Median seconds per call over five batches sized to about a fifth of minSeconds each. */
function time(run: () => void, minSeconds: number): number {
  run();
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) run();
    if ((performance.now() - t) / 1e3 >= minSeconds / 5 || reps >= 1 << 20) break;
    reps *= 2;
  }
  const samples: number[] = [];
  for (let s = 0; s < 5; s++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) run();
    samples.push((performance.now() - t) / 1e3 / reps);
  }
  return samples.sort((a, b) => a - b)[2]!;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const torchScript = path.resolve(here, '..', '..', 'bench', 'optim_torch.py');
const python = '/usr/bin/python3';

function torchTimes(shapes: number[][], threads: number, minSeconds: number): { ms: Record<string, number>; notes: string[] } | string {
  if (!existsSync(python) || !existsSync(torchScript)) return `no ${python} or ${torchScript}`;
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(python, [torchScript], { input: JSON.stringify({ shapes, cases: CASES, minSeconds }), env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return `PyTorch run failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  return JSON.parse(r.stdout) as { ms: Record<string, number>; notes: string[] };
}

export function runOptimBench(options: OptimBenchOptions = {}): { rows: OptimBenchRow[]; floats: number; notes: string[] } {
  if (!getNativeBackend()) throw new Error('optim benchmark: the native addon is not available');
  const minSeconds = options.quick ? 0.1 : 1;
  const shapes = resnet18Shapes();
  const params = shapes.map((s, i) => {
    const p = Tensor.empty(s, 'float32');
    randomFill(p.data as Float32Array, 1 + i);
    p.requiresGrad_();
    p.grad = Tensor.empty(s, 'float32');
    randomFill(p.grad.data as Float32Array, 1000 + i);
    return p;
  });
  const floats = params.reduce((n, p) => n + p.numel(), 0);
  const rows: OptimBenchRow[] = [];
  const notes = new Set<string>();
  for (const threads of options.threads ?? [1, 2]) {
    setNumThreads(threads);
    const torch = options.torch === false ? 'disabled' : torchTimes(shapes, threads, minSeconds);
    if (typeof torch === 'string') notes.add(`PyTorch (${threads} threads): ${torch}`);
    else torch.notes.forEach((n) => notes.add(n));
    for (const c of CASES) {
      const Ctor = OPTIMIZERS[c.optimizer] as unknown as new (p: Tensor[], o: Record<string, unknown>) => Optimizer;
      const opt = new Ctor(params, c.options);
      const s = time(() => opt.step(), minSeconds);
      const row: OptimBenchRow = { id: c.id, label: c.label, threads, ms: s * 1e3, gbps: (c.bytesPerElement * floats) / s / 1e9, torchMs: {} };
      if (typeof torch !== 'string') {
        for (const v of ['single', 'foreach', 'fused'] as const) {
          const t = torch.ms[`${c.id}/${v}`];
          if (t !== undefined) row.torchMs[v] = t;
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
  const lines = [`optimizer step over ResNet-18's parameters (${(r.floats / 1e6).toFixed(2)}M float32 in 62 tensors)`];
  lines.push(`${'optimizer'.padEnd(38)} thr ${'ms'.padStart(7)} ${'GB/s'.padStart(6)} ${'torch for'.padStart(10)} ${'foreach'.padStart(8)} ${'fused'.padStart(6)} ${'vs best'.padStart(8)}`);
  const f = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(2));
  for (const row of r.rows) {
    lines.push(`${row.label.padEnd(38)} ${String(row.threads).padStart(3)} ${row.ms.toFixed(2).padStart(7)} ${row.gbps.toFixed(1).padStart(6)} ` +
      `${f(row.torchMs.single).padStart(10)} ${f(row.torchMs.foreach).padStart(8)} ${f(row.torchMs.fused).padStart(6)} ${(row.speedup ? `${row.speedup.toFixed(2)}x` : '-').padStart(8)}`);
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
