// The `elementwise` section of the benchmark: elementwise ops, casts, copies and reductions.
// First what one small op costs at the backend (64 float32 elements: the crossing into the addon
// and back; the tensor layer's share is the `overhead` section), then the throughput of large
// ones. Those are memory-bound, so each row reports the least bytes the kernel must move (inputs
// read once, outputs written once) per second, beside this machine's single-thread copy
// bandwidth, and PyTorch's time for the same op in the same run (writing into preallocated
// outputs where PyTorch allows it). Times are process CPU time per thread (bench/timing.ts).
//
// Run with the harness: npm run bench -- --only elementwise [--threads 1,2] [--quick] [--no-torch] [--filter text]

import { getNativeBackend, jsBackend, setNumThreads, type Backend } from '../src/backend/index.js';
import { copyBandwidth } from './nn-kernels.js';
import { bestSeconds, fmt, randomFloats } from './timing.js';
import { runTorchScript } from './torch/run.js';

export interface SmallOpRow { id: string; label: string; ns: number; torchNs?: number }
export interface ThroughputRow { id: string; label: string; threads: number; ms: number; wallMs: number; gbps: number; torchMs?: number; speedup?: number }
export interface ElementwiseBench { small: SmallOpRow[]; rows: ThroughputRow[]; copyGBps: number; notes: string[] }
export interface ElementwiseBenchOptions { threads?: number[]; torch?: boolean; quick?: boolean; filter?: string }

/** Elements of each large operand: 64 MiB of float32, well past the caches. */
const N = 1 << 24;
/** The NCHW shape of the large tensors (N elements) for the bias and layout cases. */
const SHAPE = [64, 256, 32, 32] as const;

function rand(n: number, seed: number, scale = 1): Float32Array {
  const a = randomFloats(n, seed);
  if (scale !== 1) for (let i = 0; i < n; i++) a[i]! *= scale;
  return a;
}

interface Case { id: string; label: string; bytes: number; prepare: (b: Backend) => () => void }

function cases(): Case[] {
  const [n, c, h, w] = SHAPE;
  const hw = h * w;
  const x = rand(N, 1, 4), y = rand(N, 2), out = new Float32Array(N), bias = rand(c, 3);
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

interface TorchResult { seconds: Record<string, number> }

/** One small op (64 float32 elements) at the backend: mostly the cost of the call itself. */
function smallOps(nb: Backend, minSeconds: number, torch: TorchResult | string): SmallOpRow[] {
  const n = 64, n2 = 2 * n;
  const x = rand(n, 5), y = rand(n, 6), o = new Float32Array(n), h = new Uint16Array(n);
  const x2 = rand(n2, 7), y2 = rand(n2, 8), o2 = new Float32Array(n2);
  const rows: SmallOpRow[] = [];
  const add = (id: string, label: string, run: () => void, torchId?: string) => {
    const row: SmallOpRow = { id, label, ns: bestSeconds(run, minSeconds, 1).cpu * 1e9 };
    if (torchId && typeof torch !== 'string' && torch.seconds[torchId] !== undefined) row.torchNs = torch.seconds[torchId]! * 1e9;
    rows.push(row);
  };
  add('add_64', 'binary add, 64 elements (native kernel)', () => nb.binary('add', x, 0, [1], y, 0, [1], o, [n], 1), 'small_add_out');
  add('add_128', 'binary add, 128 elements (native kernel)', () => nb.binary('add', x2, 0, [1], y2, 0, [1], o2, [n2], 1));
  add('add_32', 'binary add, 32 elements (TypeScript loop)', () => nb.binary('add', x, 0, [1], y, 0, [1], o, [32], 1));
  add('add_64_js', 'binary add, 64 elements, TypeScript backend', () => jsBackend.binary('add', x, 0, [1], y, 0, [1], o, [n], 1));
  add('exp_64', 'unary exp, 64 elements', () => nb.unary('exp', x, 0, o, 0, n, 0, 0), 'small_exp_out');
  add('sum_64', 'reduce sum, 64 elements', () => nb.reduce('sum', x, 0, 1, n, 1, o), 'small_sum');
  add('cast_64', 'cast float32 -> float16, 64 elements', () => nb.cast(x, 'float32', 0, h, 'float16', 0, n), 'small_half');
  return rows;
}

export function runElementwiseBench(options: ElementwiseBenchOptions = {}): ElementwiseBench {
  const nb = getNativeBackend();
  if (!nb) throw new Error('elementwise benchmark: the native addon is not available');
  const minSeconds = options.quick ? 0.05 : 0.4;
  const list = cases().filter((c) => !options.filter || c.label.includes(options.filter));
  const notes: string[] = [];
  const ids = [...list.map((c) => c.id), 'small_add_out', 'small_exp_out', 'small_sum', 'small_half'];
  setNumThreads(1);
  const copyGBps = copyBandwidth(minSeconds);
  const rows: ThroughputRow[] = [];
  let small: SmallOpRow[] = [];
  for (const threads of options.threads ?? [1, 2]) {
    const torch = options.torch === false ? 'disabled' : runTorchScript<TorchResult>('elementwise.py', { ids, n: N, shape: SHAPE, minSeconds }, threads);
    if (typeof torch === 'string') notes.push(`PyTorch (${threads} threads): ${torch}`);
    setNumThreads(threads);
    if (threads === 1) small = smallOps(nb, minSeconds, torch);
    for (const c of list) {
      const t = bestSeconds(c.prepare(nb), minSeconds, threads);
      const row: ThroughputRow = { id: c.id, label: c.label, threads, ms: t.cpu * 1e3, wallMs: t.wall * 1e3, gbps: c.bytes / t.cpu / 1e9 };
      if (typeof torch !== 'string' && torch.seconds[c.id] !== undefined) {
        row.torchMs = torch.seconds[c.id]! * 1e3;
        row.speedup = row.torchMs / row.ms;
      }
      rows.push(row);
    }
  }
  setNumThreads(0);
  return { small, rows, copyGBps, notes };
}

export function formatElementwiseBench(r: ElementwiseBench): string {
  const lines = ['elementwise: one small op at the backend (CPU time per call, 1 thread)'];
  lines.push(`${'call'.padEnd(46)} ${'ns'.padStart(8)} ${'torch ns'.padStart(9)}`);
  for (const o of r.small) lines.push(`${o.label.padEnd(46)} ${fmt.num(o.ns, 0, 8)} ${fmt.num(o.torchNs, 0, 9)}`);
  lines.push('', `elementwise: large ops (float32, ${N} elements = 64 MiB per operand); single-thread copy bandwidth ${r.copyGBps.toFixed(1)} GB/s`);
  lines.push(`${'kernel'.padEnd(46)} thr ${'ms'.padStart(8)} ${'GB/s'.padStart(6)} ${'torch ms'.padStart(9)} ${'vs torch'.padStart(9)}`);
  for (const row of r.rows) {
    lines.push(`${row.label.padEnd(46)} ${String(row.threads).padStart(3)} ${fmt.num(row.ms, 2, 8)} ${fmt.num(row.gbps, 1, 6)} ` +
      `${fmt.num(row.torchMs, 2, 9)} ${(row.speedup ? `${row.speedup.toFixed(2)}x` : '-').padStart(9)}`);
  }
  lines.push(...r.notes);
  return lines.join('\n');
}
