// The `nn` section of the benchmark: pooling, batch norm, LRN and log-softmax on the zoo's
// shapes at batch 64, native float32 kernels against PyTorch on the same machine in the same run.
// These kernels are memory-bound, so each row also reports the bytes a kernel must move at the
// least (inputs read once, outputs written once) as GB/s, beside this machine's copy bandwidth.
//
// Run alone: node dist/bench/nn-kernels.js [--json] [--no-torch] [--threads=1,2] [--quick]

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNativeBackend, setNumThreads, type Backend, type Pool2dGeometry } from '../src/backend/index.js';

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
  /** milliseconds per call, ours */
  ms: number;
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

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
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
      const x = rand(nin, 1), y = new Float32Array(nout), idx = new Int32Array(nout);
      b.maxPool2dForward(g, x, y, idx);
      if (c.op === 'maxpool') return { run: () => b.maxPool2dForward(g, x, y, idx), bytes: 4 * (nin + 2 * nout) };
      const dy = rand(nout, 2), dx = new Float32Array(nin);
      return { run: () => b.maxPool2dBackward(g, dy, idx, dx), bytes: 4 * (nin + 2 * nout) };
    }
    case 'batchnorm': {
      const hw = p.h! * p.w!, n = p.n! * p.c! * hw;
      const x = rand(n, 3), dy = rand(n, 4), y = new Float32Array(n), dx = new Float32Array(n);
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
      const x = rand(n, 5), dy = rand(n, 6), y = new Float32Array(n), scale = new Float32Array(n), dx = new Float32Array(n);
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
      const x = rand(nin, 7), y = new Float32Array(nout), dy = rand(nout, 8), dx = new Float32Array(nin);
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
      const x = rand(n, 9).map((v) => v * 5), y = new Float32Array(n), dy = rand(n, 10), dx = new Float32Array(n);
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

/**
 * Seconds per call: the fastest of seven batches, each sized to about a tenth of minSeconds. Other
 * work on the machine only ever adds time, so the minimum is the least disturbed figure.
 */
function time(run: () => void, minSeconds: number): number {
  run();
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) run();
    if ((performance.now() - t) / 1e3 >= minSeconds / 10 || reps >= 1 << 20) break;
    reps *= 2;
  }
  let best = Infinity;
  for (let s = 0; s < 7; s++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) run();
    best = Math.min(best, (performance.now() - t) / 1e3 / reps);
  }
  return best;
}

/** Single-thread copy bandwidth (read + write bytes per second) of a 64 MiB buffer. */
export function copyBandwidth(minSeconds: number): number {
  const n = 16 << 20;
  const a = rand(n, 11), b = new Float32Array(n);
  return (8 * n) / time(() => b.set(a), minSeconds) / 1e9;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const torchScript = path.resolve(here, '..', '..', 'bench', 'nn_kernels_torch.py');
const python = '/usr/bin/python3';

/** PyTorch milliseconds per case id for one thread count, or the reason it could not run. */
function torchTimes(list: BenchCase[], threads: number, minSeconds: number): Record<string, number> | string {
  if (!existsSync(python) || !existsSync(torchScript)) return `no ${python} or ${torchScript}`;
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(python, [torchScript], { input: JSON.stringify({ cases: list, minSeconds }), env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return `PyTorch run failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  return (JSON.parse(r.stdout) as { ms: Record<string, number> }).ms;
}

export function runNnKernelBench(options: NnBenchOptions = {}): { rows: NnBenchRow[]; copyGBps: number; notes: string[] } {
  const b = getNativeBackend();
  if (!b) throw new Error('nn kernel benchmark: the native addon is not available');
  const minSeconds = options.quick ? 0.05 : 0.3;
  // Two rounds, PyTorch then ours each time, keeping each side's best: a burst of other work on
  // the machine then rarely hits both rounds of one side.
  const rounds = options.quick ? 1 : 2;
  const list = cases();
  const rows: NnBenchRow[] = [];
  const notes: string[] = [];
  setNumThreads(1);
  const copyGBps = copyBandwidth(minSeconds);
  for (const threads of options.threads ?? [1, 2]) {
    const ours = new Map<string, number>(), theirs = new Map<string, number>();
    const bytes = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      if (options.torch !== false) {
        const torch = torchTimes(list, threads, minSeconds);
        if (typeof torch === 'string') notes.push(`PyTorch (${threads} threads): ${torch}`);
        else for (const [id, ms] of Object.entries(torch)) theirs.set(id, Math.min(theirs.get(id) ?? Infinity, ms));
      }
      setNumThreads(threads);
      for (const c of list) {
        const { run, bytes: n } = prepare(b, c);
        bytes.set(c.id, n);
        ours.set(c.id, Math.min(ours.get(c.id) ?? Infinity, time(run, minSeconds) * 1e3));
      }
    }
    for (const c of list) {
      const ms = ours.get(c.id)!;
      const row: NnBenchRow = { id: c.id, label: c.label, threads, ms, gbps: bytes.get(c.id)! / (ms / 1e3) / 1e9 };
      const torchMs = theirs.get(c.id);
      if (torchMs !== undefined) { row.torchMs = torchMs; row.speedup = torchMs / ms; }
      rows.push(row);
    }
  }
  setNumThreads(0);
  return { rows, copyGBps, notes: [...new Set(notes)] };
}

export function formatNnBench(r: { rows: NnBenchRow[]; copyGBps: number; notes: string[] }): string {
  const lines = [`nn kernels (float32, batch ${N}); single-thread copy bandwidth ${r.copyGBps.toFixed(1)} GB/s`];
  lines.push(`${'kernel'.padEnd(62)} thr ${'ms'.padStart(8)} ${'GB/s'.padStart(6)} ${'torch ms'.padStart(9)} ${'vs torch'.padStart(9)}`);
  for (const row of r.rows) {
    lines.push(`${row.label.padEnd(62)} ${String(row.threads).padStart(3)} ${row.ms.toFixed(3).padStart(8)} ${row.gbps.toFixed(1).padStart(6)} ` +
      `${(row.torchMs?.toFixed(3) ?? '-').padStart(9)} ${(row.speedup ? `${row.speedup.toFixed(2)}x` : '-').padStart(9)}`);
  }
  lines.push(...r.notes);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const threadsArg = args.find((a) => a.startsWith('--threads='));
  const result = runNnKernelBench({
    threads: threadsArg ? threadsArg.slice('--threads='.length).split(',').map(Number) : undefined,
    torch: !args.includes('--no-torch'),
    quick: args.includes('--quick'),
  });
  console.log(args.includes('--json') ? JSON.stringify(result, null, 2) : formatNnBench(result));
}
