// The `sgemm` section: float32 C = A B on square sizes and on the GEMM shapes the zoo's layers
// produce at batch 64 (convolutions via im2col: M = out channels, N = batch x OH x OW,
// K = in channels x 3 x 3; linear layers: M = batch, N = out features, K = in features, B
// transposed as the weight is stored), on 1 and 2 threads, beside PyTorch's torch.mm.

import { getNativeBackend, setNumThreads } from '../src/backend/index.js';
import type { PeakResult } from './peak.js';
import { fmt, bestSeconds, randomFloats } from './timing.js';
import { runTorchScript } from './torch/run.js';

interface GemmCase { id: string; label: string; m: number; n: number; k: number; transB: boolean }

export interface GemmRow {
  id: string; label: string; threads: number;
  /** milliseconds per call: CPU time per thread (the table), and wall time */
  ms: number; wallMs: number; gflops: number; percentOfPeak: number;
  torchMs?: number;
  /** PyTorch time / our time: above 1 means faster than PyTorch */
  vsTorch?: number;
}

export function gemmCases(): GemmCase[] {
  const out: GemmCase[] = [];
  for (const s of [256, 512, 1024, 2048]) out.push({ id: `square ${s}`, label: `${s} x ${s} x ${s}`, m: s, n: s, k: s, transB: false });
  const conv = (name: string, c: number, k: number, hw: number): void => {
    out.push({ id: `im2col ${name}`, label: `${name} 3x3 im2col: ${k} x ${64 * hw * hw} x ${c * 9}`, m: k, n: 64 * hw * hw, k: c * 9, transB: false });
  };
  conv('resnet18 64@32', 64, 64, 32);
  conv('resnet18 128@16', 128, 128, 16);
  conv('resnet18 256@8', 256, 256, 8);
  conv('resnet18 512@4', 512, 512, 4);
  const fc = (name: string, inF: number, outF: number): void => {
    out.push({ id: `linear ${name}`, label: `${name} linear: 64 x ${outF} x ${inF} (B^T)`, m: 64, n: outF, k: inF, transB: true });
  };
  fc('vgg16 fc 512-512', 512, 512);
  fc('alexnet fc 1024-4096', 1024, 4096);
  fc('alexnet fc 4096-4096', 4096, 4096);
  return out;
}

export function runSgemmBench(peak: PeakResult, threadCounts: number[], opts: { torch: boolean; quick: boolean }): { rows: GemmRow[]; notes: string[] } {
  const b = getNativeBackend();
  if (!b) throw new Error('sgemm benchmark: the native addon is not available');
  const minSeconds = opts.quick ? 0.05 : 0.3;
  const cases = gemmCases();
  const rows: GemmRow[] = [];
  const notes: string[] = [];
  for (const threads of threadCounts) {
    setNumThreads(threads);
    const torch = opts.torch ? runTorchScript<{ ms: Record<string, number> }>('gemm_conv.py', { gemm: cases, minSeconds }, threads) : 'disabled';
    if (typeof torch === 'string') notes.push(`PyTorch (${threads} threads): ${torch}`);
    for (const c of cases) {
      const a = randomFloats(c.m * c.k, 1), bm = randomFloats(c.k * c.n, 2), out = new Float32Array(c.m * c.n);
      const ldb = c.transB ? c.k : c.n;
      const t = bestSeconds(() => b.gemm(false, c.transB, c.m, c.n, c.k, 1, a, 0, c.k, bm, 0, ldb, 0, out, 0, c.n, 1, 0, 0, 0), minSeconds, threads);
      const gflops = (2 * c.m * c.n * c.k) / t.cpu / 1e9;
      const row: GemmRow = { id: c.id, label: c.label, threads, ms: t.cpu * 1e3, wallMs: t.wall * 1e3, gflops, percentOfPeak: (100 * gflops) / peak.gflops[threads]! };
      if (typeof torch !== 'string' && torch.ms[c.id] !== undefined) {
        row.torchMs = torch.ms[c.id];
        row.vsTorch = row.torchMs! / row.ms;
      }
      rows.push(row);
    }
  }
  setNumThreads(0);
  return { rows, notes };
}

export function formatSgemm(r: { rows: GemmRow[]; notes: string[] }): string {
  const lines = ['sgemm (float32, C = A B; M x N x K); ms = CPU time per thread, best of 5 batches'];
  lines.push(`${'shape'.padEnd(52)} thr ${'ms'.padStart(9)} ${'GFLOP/s'.padStart(8)} ${'% peak'.padStart(7)} ${'torch ms'.padStart(9)} ${'vs torch'.padStart(9)}`);
  for (const row of r.rows) {
    lines.push(`${row.label.padEnd(52)} ${String(row.threads).padStart(3)} ${fmt.num(row.ms, 3, 9)} ${fmt.num(row.gflops, 1, 8)} ${fmt.num(row.percentOfPeak, 1, 7)} ` +
      `${fmt.num(row.torchMs, 3, 9)} ${(row.vsTorch ? `${row.vsTorch.toFixed(2)}x` : '-').padStart(9)}`);
  }
  lines.push(...r.notes);
  return lines.join('\n');
}
