// The `conv` section: conv2d forward, input gradient and weight gradient at batch 64 on the
// layer shapes of ResNet-18 and VGG-16 (CIFAR 32x32 inputs) and MobileNetV1's depthwise layers,
// on 1 and 2 threads, beside PyTorch (oneDNN) doing the same forward + backward.

import { getNativeBackend, setNumThreads, type Conv2dGeometry } from '../src/backend/index.js';
import type { PeakResult } from './peak.js';
import { fmt, bestSeconds, randomFloats } from './timing.js';
import { runTorchScript } from './torch/run.js';

const N = 64;

interface ConvCase {
  id: string; n: number; c: number; h: number; w: number; k: number; r: number; s: number;
  stride: [number, number]; pad: [number, number]; groups: number;
}

export interface ConvRow {
  id: string; threads: number;
  /** milliseconds per call: forward, input gradient, weight gradient, and their sum */
  fwdMs: number; bwdInputMs: number; bwdWeightMs: number; totalMs: number;
  /** the same total in wall time */
  totalWallMs: number;
  /** forward + backward flops / total time */
  gflops: number; percentOfPeak: number;
  torchMs?: number; torchFwdMs?: number;
  /** PyTorch time / our time for forward + backward: above 1 means faster than PyTorch */
  vsTorch?: number;
}

export function convCases(): ConvCase[] {
  const out: ConvCase[] = [];
  const add = (model: string, c: number, k: number, hw: number, r: number, stride: number, groups = 1): void => {
    const pad = r === 3 ? 1 : 0;
    const kind = groups > 1 ? 'dw ' : '';
    out.push({ id: `${model} ${kind}${c}->${k} ${r}x${r}/s${stride} @${hw}`, n: N, c, h: hw, w: hw, k, r, s: r, stride: [stride, stride], pad: [pad, pad], groups });
  };
  // ResNet-18 (CIFAR stem, 4 stages of basic blocks, 1x1 projections)
  add('resnet18', 3, 64, 32, 3, 1);
  add('resnet18', 64, 64, 32, 3, 1);
  add('resnet18', 64, 128, 32, 3, 2);
  add('resnet18', 64, 128, 32, 1, 2);
  add('resnet18', 128, 128, 16, 3, 1);
  add('resnet18', 128, 256, 16, 3, 2);
  add('resnet18', 128, 256, 16, 1, 2);
  add('resnet18', 256, 256, 8, 3, 1);
  add('resnet18', 256, 512, 8, 3, 2);
  add('resnet18', 256, 512, 8, 1, 2);
  add('resnet18', 512, 512, 4, 3, 1);
  // VGG-16 (the layer shapes not already above)
  add('vgg16', 64, 128, 16, 3, 1);
  add('vgg16', 128, 256, 8, 3, 1);
  add('vgg16', 256, 512, 4, 3, 1);
  add('vgg16', 512, 512, 2, 3, 1);
  // MobileNetV1 depthwise 3x3 layers (CIFAR: stem stride 1)
  for (const [c, hw, stride] of [[32, 32, 1], [64, 32, 2], [128, 16, 1], [128, 16, 2], [256, 8, 1], [256, 8, 2], [512, 4, 1], [512, 4, 2], [1024, 2, 1]] as const) {
    add('mobilenetv1', c, c, hw, 3, stride, c);
  }
  // MobileNetV1 pointwise 1x1 layers: most of its flops
  for (const [c, k, hw] of [[32, 64, 32], [64, 128, 16], [128, 128, 16], [128, 256, 8], [256, 256, 8], [256, 512, 4], [512, 512, 4], [512, 1024, 2], [1024, 1024, 2]] as const) {
    add('mobilenetv1', c, k, hw, 1, 1);
  }
  return out;
}

function geometry(c: ConvCase): Conv2dGeometry {
  const oh = Math.floor((c.h + 2 * c.pad[0] - c.r) / c.stride[0]) + 1, ow = Math.floor((c.w + 2 * c.pad[1] - c.s) / c.stride[1]) + 1;
  return { n: c.n, c: c.c, h: c.h, w: c.w, k: c.k, r: c.r, s: c.s, strideH: c.stride[0], strideW: c.stride[1], padH: c.pad[0], padW: c.pad[1], dilationH: 1, dilationW: 1, groups: c.groups, oh, ow };
}

/** Flops of one pass (each of forward, input gradient and weight gradient costs the same). */
export function convFlops(g: Conv2dGeometry): number {
  return 2 * g.n * g.k * g.oh * g.ow * (g.c / g.groups) * g.r * g.s;
}

export function runConvBench(peak: PeakResult, threadCounts: number[], opts: { torch: boolean; quick: boolean; filter?: string }): { rows: ConvRow[]; notes: string[] } {
  const b = getNativeBackend();
  if (!b) throw new Error('conv benchmark: the native addon is not available');
  const minSeconds = opts.quick ? 0.05 : 0.3;
  const cases = convCases().filter((c) => !opts.filter || c.id.includes(opts.filter));
  const rows: ConvRow[] = [];
  const notes: string[] = [];
  for (const threads of threadCounts) {
    setNumThreads(threads);
    const torch = opts.torch ? runTorchScript<{ ms: Record<string, number> }>('gemm_conv.py', { conv: cases, minSeconds }, threads) : 'disabled';
    if (typeof torch === 'string') notes.push(`PyTorch (${threads} threads): ${torch}`);
    for (const c of cases) {
      const g = geometry(c);
      const x = randomFloats(g.n * g.c * g.h * g.w, 1), w = randomFloats(g.k * (g.c / g.groups) * g.r * g.s, 2).map((v) => v * 0.1);
      const dy = randomFloats(g.n * g.k * g.oh * g.ow, 3), y = new Float32Array(dy.length), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
      const fwd = bestSeconds(() => b.conv2dForward(g, x, w, null, y), minSeconds, threads);
      const bwdIn = bestSeconds(() => b.conv2dBackwardInput(g, dy, w, dx), minSeconds, threads);
      const bwdW = bestSeconds(() => b.conv2dBackwardWeight(g, x, dy, dw, null), minSeconds, threads);
      const total = fwd.cpu + bwdIn.cpu + bwdW.cpu;
      const gflops = (3 * convFlops(g)) / total / 1e9;
      const row: ConvRow = {
        id: c.id, threads, fwdMs: fwd.cpu * 1e3, bwdInputMs: bwdIn.cpu * 1e3, bwdWeightMs: bwdW.cpu * 1e3, totalMs: total * 1e3,
        totalWallMs: (fwd.wall + bwdIn.wall + bwdW.wall) * 1e3, gflops, percentOfPeak: (100 * gflops) / peak.gflops[threads]!,
      };
      if (typeof torch !== 'string' && torch.ms[c.id] !== undefined) {
        row.torchMs = torch.ms[c.id];
        row.torchFwdMs = torch.ms[`${c.id}/fwd`];
        row.vsTorch = row.torchMs! / row.totalMs;
      }
      rows.push(row);
    }
  }
  setNumThreads(0);
  return { rows, notes };
}

export function formatConv(r: { rows: ConvRow[]; notes: string[] }): string {
  const lines = [`conv2d (float32, batch ${N}, NCHW): forward, input gradient, weight gradient; ms = CPU time per thread; GFLOP/s and % of peak over all three`];
  lines.push(`${'layer'.padEnd(40)} thr ${'fwd ms'.padStart(8)} ${'dx ms'.padStart(8)} ${'dw ms'.padStart(8)} ${'total'.padStart(8)} ${'GFLOP/s'.padStart(8)} ${'% peak'.padStart(7)} ${'torch fwd'.padStart(9)} ${'torch all'.padStart(9)} ${'vs torch'.padStart(9)}`);
  for (const row of r.rows) {
    lines.push(`${row.id.padEnd(40)} ${String(row.threads).padStart(3)} ${fmt.num(row.fwdMs, 2, 8)} ${fmt.num(row.bwdInputMs, 2, 8)} ${fmt.num(row.bwdWeightMs, 2, 8)} ${fmt.num(row.totalMs, 2, 8)} ` +
      `${fmt.num(row.gflops, 1, 8)} ${fmt.num(row.percentOfPeak, 1, 7)} ${fmt.num(row.torchFwdMs, 2, 9)} ${fmt.num(row.torchMs, 2, 9)} ${(row.vsTorch ? `${row.vsTorch.toFixed(2)}x` : '-').padStart(9)}`);
  }
  lines.push(...r.notes);
  return lines.join('\n');
}
