// Timing of whole training steps (the train and loop sections). A step is long (milliseconds to
// seconds), so each one is timed on its own: process CPU time divided by the threads in use (the
// figure the noisy shared machine disturbs least, see timing.ts) and wall time, and a run reports
// the median step. The same rules are in bench/torch/train.py for the PyTorch side.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StepTimes {
  /** CPU milliseconds per thread of each timed step */
  cpuMs: number[];
  wallMs: number[];
}

/** Marks step boundaries: call tick() after each step; the first `skip` ticks are warm-up. */
export class StepClock {
  readonly times: StepTimes = { cpuMs: [], wallMs: [] };
  private ticks = 0;
  private cpu = process.cpuUsage();
  private wall = performance.now();
  private started = 0;

  constructor(private readonly threads: number, private readonly skip: number) {}

  tick(): void {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    if (this.ticks >= this.skip) {
      this.times.cpuMs.push((cpu.user - this.cpu.user + cpu.system - this.cpu.system) / 1e3 / this.threads);
      this.times.wallMs.push(wall - this.wall);
    } else {
      this.started = wall;
    }
    this.ticks++;
    this.cpu = cpu;
    this.wall = wall;
  }

  /** Whether enough steps were timed: at least minSteps and minSeconds of wall time, or maxSteps. */
  done(minSteps: number, maxSteps: number, minSeconds: number): boolean {
    const n = this.times.wallMs.length;
    return n >= maxSteps || (n >= minSteps && (this.wall - this.started) / 1e3 >= minSeconds);
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median absolute deviation as a fraction of the median: how much the steps of one run scatter. */
export function spread(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m))) / m;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs one of the compiled bench scripts (dist/bench/<script>) in a child Node process; returns its JSON or the failure. */
export function runBenchChild<T>(script: string, request: unknown): T | string {
  const file = path.join(here, script);
  const r = spawnSync(process.execPath, [file, JSON.stringify(request)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) return `${script} failed: ${(r.stderr || String(r.error)).trim().split('\n').slice(-3).join(' | ')}`;
  return JSON.parse(r.stdout) as T;
}
