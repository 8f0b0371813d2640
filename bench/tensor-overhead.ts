// The `overhead` section of the benchmark: what one small op costs from TypeScript, where the
// kernel's own work is negligible (two 64-element float32 tensors), so the figure is the tensor
// layer's checks, dispatch and allocation. The target: a.add(b) under 2 microseconds.
// The machine is shared, so each figure is the best of several timed rounds, in wall time and in
// the process's CPU time (which a busy machine does not inflate by descheduling us).
//
// Run alone: node dist/bench/tensor-overhead.js [--json] [--backend=native|js]

import { fileURLToPath } from 'node:url';
import { backendInfo, setBackend } from '../src/backend/index.js';
import { noGrad, randn, tensor, type Tensor } from '../src/index.js';

export interface OverheadRow {
  op: string;
  backend: string;
  /** best round, microseconds per call */
  us: number;
  /** median round */
  medianUs: number;
  /** best round in process CPU time (user + system), microseconds per call */
  cpuUs: number;
}

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

function measure(fn: () => unknown, rounds = 15, callsPerRound = 20000): { best: number; median: number; cpu: number } {
  for (let i = 0; i < callsPerRound; i++) fn(); // warm up the JIT
  const times: number[] = [];
  let cpu = Infinity;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < callsPerRound; i++) fn();
    times.push(Number(process.hrtime.bigint() - t0) / callsPerRound / 1000);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / callsPerRound);
  }
  times.sort((x, y) => x - y);
  return { best: times[0]!, median: times[Math.floor(times.length / 2)]!, cpu };
}

export function tensorOverhead(backends: ('native' | 'js')[] = ['native', 'js']): OverheadRow[] {
  const before = backendInfo().backend;
  const rows: OverheadRow[] = [];
  try {
    for (const b of backends) {
      try { setBackend(b); } catch { continue; } // no addon: the js rows only
      for (const c of CASES) {
        const { best, median, cpu } = measure(c.setup());
        rows.push({ op: c.op, backend: b, us: best, medianUs: median, cpuUs: cpu });
      }
    }
  } finally {
    setBackend(before);
  }
  return rows;
}

function main(): void {
  const json = process.argv.includes('--json');
  const only = process.argv.find((a) => a.startsWith('--backend='))?.slice('--backend='.length) as 'native' | 'js' | undefined;
  const rows = tensorOverhead(only ? [only] : ['native', 'js']);
  if (json) {
    console.log(JSON.stringify({ section: 'overhead', targetUs: 2, rows }));
    return;
  }
  console.log('op'.padEnd(40) + 'backend'.padEnd(9) + 'best us'.padStart(9) + 'median us'.padStart(11) + 'cpu us'.padStart(9));
  for (const r of rows) console.log(r.op.padEnd(40) + r.backend.padEnd(9) + r.us.toFixed(3).padStart(9) + r.medianUs.toFixed(3).padStart(11) + r.cpuUs.toFixed(3).padStart(9));
  const add = rows.find((r) => r.op.startsWith('a.add(b), 64') && r.backend === 'native') ?? rows.find((r) => r.op.startsWith('a.add(b), 64'));
  if (add) console.log(`\na.add(b) on 64 float32 elements: ${add.us.toFixed(3)} us wall, ${add.cpuUs.toFixed(3)} us CPU (target < 2 us)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();

export type { Tensor };
