// Elementwise, cast, copy and reduction kernels: the cost of one small op from TypeScript, and
// the throughput of large ones. The large kernels are memory-bound, so each row reports the least
// bytes the kernel must move (inputs read once, outputs written once) per second, beside this
// machine's single-thread copy bandwidth, and PyTorch's time for the same op on the same machine
// in the same run (writing into preallocated outputs where PyTorch allows it).
//
// Run alone: node dist/bench/elementwise.js [--json] [--no-torch] [--threads=1,2] [--quick]

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNativeBackend, jsBackend, setBackend, setNumThreads, type Backend } from '../src/backend/index.js';
import { tensor } from '../src/tensor/index.js';

export interface OverheadRow { id: string; label: string; ns: number; torchNs?: number }
export interface ThroughputRow { id: string; label: string; threads: number; ms: number; gbps: number; torchMs?: number; speedup?: number }
export interface ElementwiseBench { overhead: OverheadRow[]; rows: ThroughputRow[]; copyGBps: number; notes: string[] }
export interface ElementwiseBenchOptions { threads?: number[]; torch?: boolean; quick?: boolean }

/** Elements of each large operand: 64 MiB of float32, well past the caches. */
const N = 1 << 24;
/** The NCHW shape of the large tensors (N elements) for the bias and layout cases. */
const SHAPE = [64, 256, 32, 32] as const;

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + ((hi - lo) * s) / 4294967296;
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
    if ((performance.now() - t) / 1e3 >= minSeconds / 5 || reps >= 1 << 22) break;
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

interface Case { id: string; label: string; bytes: number; prepare: (b: Backend) => () => void }

function cases(): Case[] {
  const [n, c, h, w] = SHAPE;
  const hw = h * w;
  const x = rand(N, 1, -4, 4), y = rand(N, 2), out = new Float32Array(N), bias = rand(c, 3);
  const half = new Uint16Array(N), u8 = new Uint8Array(N), col = new Float32Array(N / 1024), idx = new Int32Array(N / 1000);
  const one = new Float32Array(1);
  return [
    { id: 'add', label: 'add a + b', bytes: 12 * N, prepare: (b) => () => b.binary('add', x, 0, [1], y, 0, [1], out, [N], 1) },
    { id: 'add_bias', label: `add bias [${c}] over [${n}, ${c}, ${h}, ${w}]`, bytes: 8 * N, prepare: (b) => () => b.binary('add', x, 0, [c * hw, hw, 1], bias, 0, [0, 1, 0], out, [n, c, hw], 1) },
    { id: 'mul_scalar', label: 'mul by a scalar tensor', bytes: 8 * N, prepare: (b) => () => b.binary('mul', x, 0, [1], one, 0, [0], out, [N], 1) },
    { id: 'gt', label: 'gt a > b into bool', bytes: 9 * N, prepare: (b) => () => b.binary('gt', x, 0, [1], y, 0, [1], u8, [N], 1) },
    { id: 'relu', label: 'relu', bytes: 8 * N, prepare: (b) => () => b.unary('relu', x, 0, out, 0, N, 0, 0) },
    { id: 'exp', label: 'exp', bytes: 8 * N, prepare: (b) => () => b.unary('exp', x, 0, out, 0, N, 0, 0) },
    { id: 'sigmoid', label: 'sigmoid', bytes: 8 * N, prepare: (b) => () => b.unary('sigmoid', x, 0, out, 0, N, 0, 0) },
    { id: 'tanh', label: 'tanh', bytes: 8 * N, prepare: (b) => () => b.unary('tanh', x, 0, out, 0, N, 0, 0) },
    { id: 'gelu', label: 'gelu (erf)', bytes: 8 * N, prepare: (b) => () => b.unary('gelu', x, 0, out, 0, N, 0, 0) },
    { id: 'sum', label: 'sum of all', bytes: 4 * N, prepare: (b) => () => b.reduce('sum', x, 0, 1, N, 1, one) },
    { id: 'sum_cols', label: `sum over dim 0 of [${N / 1024}, 1024]`, bytes: 4 * N, prepare: (b) => () => b.reduce('sum', x, 0, 1, N / 1024, 1024, col) },
    { id: 'max', label: 'max of all', bytes: 4 * N, prepare: (b) => () => b.reduce('max', x, 0, 1, N, 1, one) },
    { id: 'argmax_rows', label: `argmax over rows of [${N / 1000 | 0}, 1000]`, bytes: 4 * 1000 * (N / 1000 | 0), prepare: (b) => () => b.reduce('argmax', x, 0, N / 1000 | 0, 1000, 1, idx) },
    { id: 'to_f16', label: 'cast float32 -> float16', bytes: 6 * N, prepare: (b) => () => b.cast(x, 'float32', 0, half, 'float16', 0, N) },
    { id: 'from_f16', label: 'cast float16 -> float32', bytes: 6 * N, prepare: (b) => () => b.cast(half, 'float16', 0, out, 'float32', 0, N) },
    { id: 'to_bf16', label: 'cast float32 -> bfloat16', bytes: 6 * N, prepare: (b) => () => b.cast(x, 'float32', 0, half, 'bfloat16', 0, N) },
    { id: 'copy', label: 'contiguous copy', bytes: 8 * N, prepare: (b) => () => b.copyStrided(x, 0, [1], out, 0, [1], [N]) },
    { id: 'nchw_to_nhwc', label: `permute NCHW -> NHWC [${n}, ${c}, ${h}, ${w}]`, bytes: 8 * N, prepare: (b) => () => b.copyStrided(x, 0, [c * hw, hw, w, 1], out, 0, [hw * c, 1, w * c, c], [n, c, h, w]) },
    { id: 'fill', label: 'fill', bytes: 4 * N, prepare: (b) => () => b.fill(out, 0, N, 0.5) },
  ];
}

/** Single-thread copy bandwidth (bytes read + written per second) of a 64 MiB buffer. */
function copyBandwidth(minSeconds: number): number {
  const a = rand(N, 11), b = new Float32Array(N);
  return (8 * N) / time(() => b.set(a), minSeconds) / 1e9;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const torchScript = path.resolve(here, '..', '..', 'bench', 'elementwise_torch.py');
const python = '/usr/bin/python3';

/** PyTorch seconds per case id (throughput cases and the small-op overhead ones), or why not. */
function torchTimes(ids: string[], threads: number, minSeconds: number): Record<string, number> | string {
  if (!existsSync(python) || !existsSync(torchScript)) return `no ${python} or ${torchScript}`;
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const input = JSON.stringify({ ids, n: N, shape: SHAPE, minSeconds });
  const r = spawnSync(python, [torchScript], { input, env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return `PyTorch run failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  return (JSON.parse(r.stdout) as { seconds: Record<string, number> }).seconds;
}

/** One small op (64 float32 elements) from TypeScript, through the backend and through the tensor layer. */
function overhead(nb: Backend, minSeconds: number, torch: Record<string, number> | string): OverheadRow[] {
  const n = 64;
  const x = rand(n, 5), y = rand(n, 6), o = new Float32Array(n);
  const a = tensor(rand(n, 7)), b = tensor(rand(n, 8));
  const rows: OverheadRow[] = [];
  const add = (id: string, label: string, run: () => void, torchId?: string) => {
    const row: OverheadRow = { id, label, ns: time(run, minSeconds) * 1e9 };
    if (torchId && typeof torch !== 'string' && torch[torchId] !== undefined) row.torchNs = torch[torchId]! * 1e9;
    rows.push(row);
  };
  setNumThreads(1);
  add('backend_native', 'backend().binary add, 64 elements (native)', () => nb.binary('add', x, 0, [1], y, 0, [1], o, [n], 1), 'small_add_out');
  add('backend_js', 'backend().binary add, 64 elements (TypeScript backend)', () => jsBackend.binary('add', x, 0, [1], y, 0, [1], o, [n], 1));
  add('unary_native', 'backend().unary exp, 64 elements (native)', () => nb.unary('exp', x, 0, o, 0, n, 0, 0), 'small_exp_out');
  add('sum_native', 'backend().reduce sum, 64 elements (native)', () => nb.reduce('sum', x, 0, 1, n, 1, o), 'small_sum');
  setBackend('native');
  add('tensor_native', 'tensor a.add(b), 64 elements (native)', () => a.add(b), 'small_add');
  setBackend('js');
  add('tensor_js', 'tensor a.add(b), 64 elements (TypeScript backend)', () => a.add(b));
  setBackend('native');
  setNumThreads(0);
  return rows;
}

export function runElementwiseBench(options: ElementwiseBenchOptions = {}): ElementwiseBench {
  const nb = getNativeBackend();
  if (!nb) throw new Error('elementwise benchmark: the native addon is not available');
  const minSeconds = options.quick ? 0.05 : 0.4;
  const list = cases();
  const notes: string[] = [];
  const threadList = options.threads ?? [1, 2];
  const torchBy = new Map<number, Record<string, number> | string>();
  for (const t of threadList) {
    const r = options.torch === false ? 'disabled' : torchTimes([...list.map((c) => c.id), 'small_add', 'small_add_out', 'small_exp_out', 'small_sum'], t, minSeconds);
    if (typeof r === 'string') notes.push(`PyTorch (${t} threads): ${r}`);
    torchBy.set(t, r);
  }
  setNumThreads(1);
  const copyGBps = copyBandwidth(minSeconds);
  const overheadRows = overhead(nb, minSeconds, torchBy.get(1) ?? 'not run');
  const rows: ThroughputRow[] = [];
  for (const threads of threadList) {
    setNumThreads(threads);
    const torch = torchBy.get(threads)!;
    for (const c of list) {
      const s = time(c.prepare(nb), minSeconds);
      const row: ThroughputRow = { id: c.id, label: c.label, threads, ms: s * 1e3, gbps: c.bytes / s / 1e9 };
      if (typeof torch !== 'string' && torch[c.id] !== undefined) {
        row.torchMs = torch[c.id]! * 1e3;
        row.speedup = row.torchMs / row.ms;
      }
      rows.push(row);
    }
  }
  setNumThreads(0);
  return { overhead: overheadRows, rows, copyGBps, notes };
}

export function formatElementwiseBench(r: ElementwiseBench): string {
  const lines = ['small ops (one call from TypeScript, 1 thread)'];
  lines.push(`${'call'.padEnd(58)} ${'ns'.padStart(8)} ${'torch ns'.padStart(9)}`);
  for (const o of r.overhead) lines.push(`${o.label.padEnd(58)} ${o.ns.toFixed(0).padStart(8)} ${(o.torchNs?.toFixed(0) ?? '-').padStart(9)}`);
  lines.push('', `large ops (float32, ${N} elements = 64 MiB per operand); single-thread copy bandwidth ${r.copyGBps.toFixed(1)} GB/s`);
  lines.push(`${'kernel'.padEnd(46)} thr ${'ms'.padStart(8)} ${'GB/s'.padStart(6)} ${'torch ms'.padStart(9)} ${'vs torch'.padStart(9)}`);
  for (const row of r.rows) {
    lines.push(`${row.label.padEnd(46)} ${String(row.threads).padStart(3)} ${row.ms.toFixed(2).padStart(8)} ${row.gbps.toFixed(1).padStart(6)} ` +
      `${(row.torchMs?.toFixed(2) ?? '-').padStart(9)} ${(row.speedup ? `${row.speedup.toFixed(2)}x` : '-').padStart(9)}`);
  }
  lines.push(...r.notes);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const threadsArg = args.find((a) => a.startsWith('--threads='));
  const result = runElementwiseBench({
    threads: threadsArg ? threadsArg.slice('--threads='.length).split(',').map(Number) : undefined,
    torch: !args.includes('--no-torch'),
    quick: args.includes('--quick'),
  });
  console.log(args.includes('--json') ? JSON.stringify(result, null, 2) : formatElementwiseBench(result));
}
