// The `peak` section: this machine's peak float32 FMA throughput, measured by the addon itself
// (independent FMA chains on the selected ISA's widest vectors, every pool thread at once).
// Every other kernel figure is reported as a percentage of the peak for its thread count.

import { getNativeBackend, setNumThreads, backendInfo } from '../src/backend/index.js';
import { loadAddon } from '../src/backend/native.js';

export interface PeakResult {
  isa: string;
  /** GFLOP/s by thread count */
  gflops: Record<number, number>;
}

export function measurePeak(threadCounts: number[], quick: boolean): PeakResult {
  const addon = loadAddon();
  if (typeof addon === 'string' || !getNativeBackend()) throw new Error(`peak: the native addon is not available: ${addon}`);
  const gflops: Record<number, number> = {};
  for (const t of threadCounts) {
    setNumThreads(t);
    // Size the run to ~0.2 s, then keep the best of three (peak means the best the cores do).
    let iters = 1 << 20;
    for (;;) {
      const r = addon.peakFma(iters);
      if (r.seconds > 0.05) { iters = Math.ceil(iters * (quick ? 0.05 : 0.2) / r.seconds); break; }
      iters *= 4;
    }
    // Rates come from each thread's CPU time, so other processes on the cores do not lower them.
    let best = 0;
    for (let i = 0; i < 3; i++) best = Math.max(best, addon.peakFma(iters).rate / 1e9);
    gflops[t] = best;
  }
  setNumThreads(0);
  return { isa: backendInfo().isa ?? 'none', gflops };
}

export function formatPeak(p: PeakResult): string {
  const parts = Object.entries(p.gflops).map(([t, g]) => `${t} thread${t === '1' ? '' : 's'}: ${g.toFixed(1)} GFLOP/s`);
  return `peak float32 FMA (${p.isa}): ${parts.join(', ')}`;
}
