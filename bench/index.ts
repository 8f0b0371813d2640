// The benchmark harness (`npm run bench`): runs each section and prints its table, or with
// --json the same data as JSON. Every section gets this machine's measured peak FMA throughput,
// so kernels are reported as GFLOP/s and as a percentage of what the cores can do.
//
// Usage: npm run bench -- [--json] [--only <section>] [--threads 1,2] [--quick] [--no-torch] [--filter <text>]
// Sections: peak, sgemm, conv, overhead, elementwise, nn, optim, train, loop, checkpoint. A new section is one entry in SECTIONS.

import { backendInfo, getNativeBackend, nativeUnavailableReason } from '../src/backend/index.js';
import { formatCheckpointBench, runCheckpointBench } from './checkpoint.js';
import { formatConv, runConvBench } from './conv.js';
import { formatElementwiseBench, runElementwiseBench } from './elementwise.js';
import { formatLoopBench, runLoopBench } from './loop.js';
import { formatNnBench, runNnKernelBench } from './nn-kernels.js';
import { formatOptimBench, runOptimBench } from './optim.js';
import { formatPeak, measurePeak, type PeakResult } from './peak.js';
import { formatSgemm, runSgemmBench } from './sgemm.js';
import { formatOverhead, runOverheadBench } from './tensor-overhead.js';
import { formatTrainBench, runTrainBench } from './train.js';

interface Options { threads: number[]; torch: boolean; quick: boolean; filter?: string }
interface Section { name: string; run(peak: PeakResult, o: Options): { text: string; data: unknown } | Promise<{ text: string; data: unknown }> }

const SECTIONS: Section[] = [
  { name: 'peak', run: (peak) => ({ text: formatPeak(peak), data: peak }) },
  { name: 'sgemm', run: (peak, o) => { const r = runSgemmBench(peak, o.threads, o); return { text: formatSgemm(r), data: r }; } },
  { name: 'conv', run: (peak, o) => { const r = runConvBench(peak, o.threads, o); return { text: formatConv(r), data: r }; } },
  { name: 'overhead', run: (_peak, o) => { const r = runOverheadBench({ quick: o.quick }); return { text: formatOverhead(r), data: r }; } },
  { name: 'elementwise', run: (_peak, o) => { const r = runElementwiseBench({ threads: o.threads, torch: o.torch, quick: o.quick, filter: o.filter }); return { text: formatElementwiseBench(r), data: r }; } },
  { name: 'nn', run: (_peak, o) => { const r = runNnKernelBench({ threads: o.threads, torch: o.torch, quick: o.quick, filter: o.filter }); return { text: formatNnBench(r), data: r }; } },
  { name: 'optim', run: (_peak, o) => { const r = runOptimBench(o); return { text: formatOptimBench(r), data: r }; } },
  { name: 'train', run: (_peak, o) => { const r = runTrainBench(o); return { text: formatTrainBench(r), data: r }; } },
  { name: 'loop', run: async (_peak, o) => { const r = await runLoopBench(o); return { text: formatLoopBench(r), data: r }; } },
  { name: 'checkpoint', run: (_peak, o) => { const r = runCheckpointBench(o); return { text: formatCheckpointBench(r), data: r }; } },
];

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const only = argValue('--only');
  if (only && !SECTIONS.some((s) => s.name === only)) {
    throw new Error(`bench: --only expects one of ${SECTIONS.map((s) => s.name).join(', ')}, got '${only}'`);
  }
  if (!getNativeBackend()) throw new Error(`bench: the native backend is not available (${nativeUnavailableReason()})`);
  const threadsArg = argValue('--threads');
  const threads = threadsArg ? threadsArg.split(',').map(Number) : [1, 2];
  if (threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error(`bench: --threads expects positive integers like 1,2, got '${threadsArg}'`);
  const opts: Options = { threads, torch: !process.argv.includes('--no-torch'), quick: process.argv.includes('--quick'), filter: argValue('--filter') };
  const peak = measurePeak(threads, opts.quick);
  const results: Record<string, unknown> = { machine: { ...backendInfo(), node: process.version } };
  for (const s of SECTIONS) {
    if (only && s.name !== only) continue;
    const r = await s.run(peak, opts);
    results[s.name] = r.data;
    if (!json) console.log(`${r.text}\n`);
  }
  if (json) console.log(JSON.stringify(results, null, 2));
}

// One line on a mistake (exit 2 for a bad flag, 1 otherwise); the stack only with --verbose.
try {
  await main();
} catch (e) {
  const message = (e as Error).message ?? String(e);
  console.error(process.argv.includes('--verbose') ? (e as Error).stack ?? message : message);
  process.exitCode = /^bench: --/.test(message) ? 2 : 1;
}
