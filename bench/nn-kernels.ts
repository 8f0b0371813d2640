// The `nn` section of the benchmark: pooling, batch norm, LRN and log-softmax on the zoo's
// shapes at batch 64, native float32 kernels against PyTorch on the same machine in the same run.
// These kernels are memory-bound, so each row also reports the bytes a kernel must move at the
// least (inputs read once, outputs written once) as GB/s, beside this machine's copy bandwidth.
//
// Times are process CPU time per thread (bench/timing.ts), on both sides.
// Run with the harness: npm run bench -- --only nn [--threads 1,2] [--quick] [--no-torch] [--filter text]

import { getNativeBackend, setNumThreads, type Backend, type Pool2dGeometry } from '../src/backend/index.js';
import { bestSeconds, fmt, randomFloats } from './timing.js';
import { runTorchScript } from './torch/run.js';

interface BenchCase {
  id: string;
  op: 'maxpool' | 'maxpool_bwd' | 'batchnorm' | 'lrn' | 'adaptive' | 'log_softmax';
  label: string;
  params: Record<string, number | boolean>;
}

export interface NnBenchRow {
  id: string;
  label: string;
  threads: number;
  /** milliseconds per call, ours (CPU time per thread), and the same in wall time */
  ms: number;
  wallMs: number;
  /** least bytes moved / time */
  gbps: number;
  /** milliseconds per call, PyTorch (absent when PyTorch could not be run) */
  torchMs?: number;
  /** torchMs / ms: above 1 means faster than PyTorch */
  speedup?: number;
}

export interface NnBenchOptions {
  threads?: number[];
  torch?: boolean;
  /** shorter timings, for a smoke run */
  quick?: boolean;
  /** only the cases whose label contains this text */
  filter?: string;
}

const N = 64;

function cases(): BenchCase[] {
  const out: BenchCase[] = [];
  const pool = (tag: string, c: number, h: number, k: number, s: number, p: number, ceil: boolean): void => {
    const params = { n: N, c, h, w: h, k, s, p, ceil };
    const what = `${k}x${k}/s${s}${p ? ` p${p}` : ''}${ceil ? ' ceil' : ''} ${N}x${c}x${h}x${h}`;
    out.push({ id: `maxpool ${tag} ${what}`, op: 'maxpool', label: `max_pool2d ${what} (${tag})`, params });
    out.push({ id: `maxpool_bwd ${tag} ${what}`, op: 'maxpool_bwd', label: `max_pool2d backward ${what} (${tag})`, params });
  };
  pool('vgg', 64, 32, 2, 2, 0, false);
  pool('vgg', 128, 16, 2, 2, 0, false);
  pool('vgg', 256, 8, 2, 2, 0, false);
  pool('vgg', 512, 4, 2, 2, 0, false);
  pool('alexnet', 192, 8, 2, 2, 0, false);
  pool('googlenet', 64, 32, 3, 2, 1, true);
  pool('googlenet', 480, 16, 3, 2, 1, true);
  pool('googlenet', 832, 8, 3, 2, 1, true);
  pool('inception', 192, 16, 3, 1, 1, false);
  for (const [c, h] of [[64, 32], [128, 16], [256, 8], [512, 4]] as const) {
    out.push({ id: `batchnorm ${c}x${h}`, op: 'batchnorm', label: `batch_norm train fwd+bwd ${N}x${c}x${h}x${h}`, params: { n: N, c, h, w: h } });
  }
  for (const [c, h] of [[64, 16], [192, 8]] as const) {
    out.push({ id: `lrn ${c}x${h}`, op: 'lrn', label: `local_response_norm(5) fwd+bwd ${N}x${c}x${h}x${h}`, params: { n: N, c, h, w: h, size: 5, alpha: 1e-4, beta: 0.75, k: 2 } });
  }
  for (const [c, h, o] of [[512, 4, 1], [1024, 4, 1], [512, 8, 4]] as const) {
    out.push({ id: `adaptive ${c}x${h}->${o}`, op: 'adaptive', label: `adaptive_avg_pool2d fwd+bwd ${N}x${c}x${h}x${h} -> ${o}x${o}`, params: { n: N, c, h, w: h, oh: o, ow: o } });
  }
  for (const dim of [10, 1000]) {
    out.push({ id: `log_softmax ${dim}`, op: 'log_softmax', label: `log_softmax fwd+bwd ${N}x${dim}`, params: { rows: N, dim } });
  }
  return out;
}

function outSize(size: number, k: number, s: number, p: number, ceil: boolean): number {
  const span = size + 2 * p - k;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= size + p) o--;
  return o;
}

/** A closure doing one call of the case, and the least bytes it moves. */
function prepare(b: Backend, c: BenchCase): { run: () => void; bytes: number } {
  const p = c.params as Record<string, number>;
  switch (c.op) {
    case 'maxpool': case 'maxpool_bwd': {
      const oh = outSize(p.h!, p.k!, p.s!, p.p!, c.params.ceil as boolean), ow = outSize(p.w!, p.k!, p.s!, p.p!, c.params.ceil as boolean);
      const g: Pool2dGeometry = { planes: p.n! * p.c!, h: p.h!, w: p.w!, kh: p.k!, kw: p.k!, strideH: p.s!, strideW: p.s!, padH: p.p!, padW: p.p!, dilationH: 1, dilationW: 1, oh, ow };
      const nin = g.planes * g.h * g.w, nout = g.planes * oh * ow;
      const x = randomFloats(nin, 1), y = new Float32Array(nout), idx = new Int32Array(nout);
      b.maxPool2dForward(g, x, y, idx);
      if (c.op === 'maxpool') return { run: () => b.maxPool2dForward(g, x, y, idx), bytes: 4 * (nin + 2 * nout) };
      const dy = randomFloats(nout, 2), dx = new Float32Array(nin);
      return { run: () => b.maxPool2dBackward(g, dy, idx, dx), bytes: 4 * (nin + 2 * nout) };
    }
    case 'batchnorm': {
      const hw = p.h! * p.w!, n = p.n! * p.c! * hw;
      const x = randomFloats(n, 3), dy = randomFloats(n, 4), y = new Float32Array(n), dx = new Float32Array(n);
      const w = new Float32Array(p.c!).fill(1), bias = new Float32Array(p.c!), rm = new Float32Array(p.c!), rv = new Float32Array(p.c!).fill(1);
      const sm = new Float32Array(p.c!), si = new Float32Array(p.c!), dw = new Float32Array(p.c!), db = new Float32Array(p.c!);
      return {
        run: () => {
          b.batchNormForward(p.n!, p.c!, hw, x, w, bias, rm, rv, true, 0.1, 1e-5, y, sm, si);
          b.batchNormBackward(p.n!, p.c!, hw, x, dy, w, sm, si, true, dx, dw, db);
        },
        bytes: 4 * 5 * n,  // forward x -> y, backward x, dy -> dx
      };
    }
    case 'lrn': {
      const hw = p.h! * p.w!, n = p.n! * p.c! * hw;
      const x = randomFloats(n, 5), dy = randomFloats(n, 6), y = new Float32Array(n), scale = new Float32Array(n), dx = new Float32Array(n);
      return {
        run: () => {
          b.lrnForward(p.n!, p.c!, hw, p.size!, p.alpha!, p.beta!, p.k!, x, y, scale);
          b.lrnBackward(p.n!, p.c!, hw, p.size!, p.alpha!, p.beta!, p.k!, x, y, scale, dy, dx);
        },
        bytes: 4 * 8 * n,  // forward x -> y, scale; backward x, y, scale, dy -> dx
      };
    }
    case 'adaptive': {
      const planes = p.n! * p.c!, nin = planes * p.h! * p.w!, nout = planes * p.oh! * p.ow!;
      const x = randomFloats(nin, 7), y = new Float32Array(nout), dy = randomFloats(nout, 8), dx = new Float32Array(nin);
      return {
        run: () => {
          b.adaptiveAvgPool2dForward(planes, p.h!, p.w!, p.oh!, p.ow!, x, y);
          b.adaptiveAvgPool2dBackward(planes, p.h!, p.w!, p.oh!, p.ow!, dy, dx);
        },
        bytes: 4 * 2 * (nin + nout),
      };
    }
    case 'log_softmax': {
      const n = p.rows! * p.dim!;
      const x = randomFloats(n, 9).map((v) => v * 5), y = new Float32Array(n), dy = randomFloats(n, 10), dx = new Float32Array(n);
      return {
        run: () => {
          b.softmaxForward(p.rows!, p.dim!, 1, x, y, true);
          b.softmaxBackward(p.rows!, p.dim!, 1, y, dy, dx, true);
        },
        bytes: 4 * 5 * n,
      };
    }
  }
}

/** Single-thread copy bandwidth (read + write bytes per second) of a 64 MiB buffer. */
export function copyBandwidth(minSeconds: number): number {
  const n = 16 << 20;
  const a = randomFloats(n, 11), b = new Float32Array(n);
  return (8 * n) / bestSeconds(() => b.set(a), minSeconds, 1).wall / 1e9;
}

export function runNnKernelBench(options: NnBenchOptions = {}): { rows: NnBenchRow[]; copyGBps: number; notes: string[] } {
  const b = getNativeBackend();
  if (!b) throw new Error('nn kernel benchmark: the native addon is not available');
  const minSeconds = options.quick ? 0.05 : 0.3;
  const list = cases().filter((c) => !options.filter || c.label.includes(options.filter));
  const rows: NnBenchRow[] = [];
  const notes: string[] = [];
  setNumThreads(1);
  const copyGBps = copyBandwidth(minSeconds);
  for (const threads of options.threads ?? [1, 2]) {
    const torch = options.torch === false ? 'disabled' : runTorchScript<{ ms: Record<string, number> }>('nn_kernels.py', { cases: list, minSeconds }, threads);
    if (typeof torch === 'string') notes.push(`PyTorch (${threads} threads): ${torch}`);
    setNumThreads(threads);
    for (const c of list) {
      const { run, bytes } = prepare(b, c);
      const t = bestSeconds(run, minSeconds, threads);
      const row: NnBenchRow = { id: c.id, label: c.label, threads, ms: t.cpu * 1e3, wallMs: t.wall * 1e3, gbps: bytes / t.cpu / 1e9 };
      if (typeof torch !== 'string' && torch.ms[c.id] !== undefined) {
        row.torchMs = torch.ms[c.id];
        row.speedup = row.torchMs! / row.ms;
      }
      rows.push(row);
    }
  }
  setNumThreads(0);
  return { rows, copyGBps, notes };
}

export function formatNnBench(r: { rows: NnBenchRow[]; copyGBps: number; notes: string[] }): string {
  const lines = [`nn kernels (float32, batch ${N}; CPU ms per thread); single-thread copy bandwidth ${r.copyGBps.toFixed(1)} GB/s`];
  lines.push(`${'kernel'.padEnd(62)} thr ${'ms'.padStart(8)} ${'GB/s'.padStart(6)} ${'torch ms'.padStart(9)} ${'vs torch'.padStart(9)}`);
  for (const row of r.rows) {
    lines.push(`${row.label.padEnd(62)} ${String(row.threads).padStart(3)} ${fmt.num(row.ms, 3, 8)} ${fmt.num(row.gbps, 1, 6)} ` +
      `${fmt.num(row.torchMs, 3, 9)} ${(row.speedup ? `${row.speedup.toFixed(2)}x` : '-').padStart(9)}`);
  }
  lines.push(...r.notes);
  return lines.join('\n');
}
