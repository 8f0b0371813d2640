// The `overhead` section of the benchmark: what one small op costs from TypeScript, where the
// kernel's own work is negligible (64-element float32 tensors), so the figure is the tensor
// layer's checks, allocation and backend dispatch. The target: a.add(b) under 2 us.
// Timing follows bench/timing.ts (best of five batches; tables show CPU time, JSON both clocks).
//
// Run alone: node dist/bench/tensor-overhead.js [--json] [--quick]

import { fileURLToPath } from 'node:url';
import { backendInfo, setBackend } from '../src/backend/index.js';
import { noGrad, randn, tensor } from '../src/index.js';
import { bestSeconds, fmt } from './timing.js';

export interface OverheadRow {
  op: string;
  backend: 'native' | 'js';
  /** microseconds per call, wall clock and process CPU time (best batch of five) */
  wallUs: number;
  cpuUs: number;
}

export interface OverheadResult { targetUs: number; addUs: number | null; rows: OverheadRow[] }

interface Case { op: string; setup: () => () => unknown }

const CASES: Case[] = [
  { op: 'a.add(b), 64 float32', setup: () => { const a = randn([64]), b = randn([64]); return () => a.add(b); } },
  { op: 'a.mul(2), 64 float32', setup: () => { const a = randn([64]); return () => a.mul(2); } },
  { op: 'a.add(b), [8, 8] + [8] broadcast', setup: () => { const a = randn([8, 8]), b = randn([8]); return () => a.add(b); } },
  { op: 'a.exp(), 64 float32', setup: () => { const a = randn([64]); return () => a.exp(); } },
  { op: 'a.add_(b) in noGrad, 64 float32', setup: () => { const a = randn([64]), b = randn([64]); return () => noGrad(() => a.add_(b)); } },
  { op: 'a.add(b) recorded for autograd', setup: () => { const a = randn([64], { requiresGrad: true }), b = randn([64]); return () => a.add(b); } },
  { op: 'a.sum(), 64 float32', setup: () => { const a = randn([64]); return () => a.sum(); } },
  { op: 'a.view(8, 8)', setup: () => { const a = randn([64]); return () => a.view(8, 8); } },
  { op: 'tensor([1, 2, 3, 4])', setup: () => () => tensor([1, 2, 3, 4]) },
];

export function runOverheadBench(options: { quick?: boolean; backends?: ('native' | 'js')[] } = {}): OverheadResult {
  const before = backendInfo().backend;
  const rows: OverheadRow[] = [];
  const seconds = options.quick ? 0.05 : 0.25;
  try {
    for (const b of options.backends ?? ['native', 'js']) {
      try { setBackend(b); } catch { continue; } // no addon: the js rows only
      for (const c of CASES) {
        const t = bestSeconds(c.setup(), seconds, 1);
        rows.push({ op: c.op, backend: b, wallUs: t.wall * 1e6, cpuUs: t.cpu * 1e6 });
      }
    }
  } finally {
    setBackend(before);
  }
  const add = rows.find((r) => r.op.startsWith('a.add(b), 64') && r.backend === 'native') ?? rows.find((r) => r.op.startsWith('a.add(b), 64'));
  return { targetUs: 2, addUs: add ? add.cpuUs : null, rows };
}

export function formatOverhead(r: OverheadResult): string {
  const lines = ['overhead: one small op from TypeScript (CPU time per call, best of five batches)', `${'op'.padEnd(36)}${'backend'.padEnd(9)}${'us'.padStart(8)}`];
  for (const row of r.rows) lines.push(`${row.op.padEnd(36)}${row.backend.padEnd(9)}${fmt.num(row.cpuUs, 3, 8)}`);
  if (r.addUs !== null) lines.push(`a.add(b) on two 64-element float32 tensors: ${r.addUs.toFixed(3)} us (target < ${r.targetUs} us)`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = runOverheadBench({ quick: process.argv.includes('--quick') });
  console.log(process.argv.includes('--json') ? JSON.stringify(r, null, 2) : formatOverhead(r));
}
