// Shared timing rules for the benchmark sections: warm up once, size a batch of calls to about a
// fifth of the time budget, then time five batches and keep the fastest. Two clocks: wall time,
// and the process's CPU time divided by the threads in use. Other engineers' builds share these
// two cores, so wall time swings with their load while CPU time per thread counts only the time
// our threads actually ran (the pool's threads spin while they wait, so an idle wait still counts).
// On a quiet machine the two agree; the tables report CPU time per thread, JSON has both.

export interface Timing { wall: number; cpu: number }

export function bestSeconds(run: () => void, minSeconds: number, threads: number): Timing {
  run();
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) run();
    if ((performance.now() - t) / 1e3 >= minSeconds / 5 || reps >= 1 << 20) break;
    reps *= 2;
  }
  let wall = Infinity, cpu = Infinity;
  for (let s = 0; s < 5; s++) {
    const c = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < reps; i++) run();
    const w = (performance.now() - t) / 1e3 / reps;
    const used = process.cpuUsage(c);
    wall = Math.min(wall, w);
    cpu = Math.min(cpu, (used.user + used.system) / 1e6 / reps / threads);
  }
  return { wall, cpu };
}

/** Deterministic values in [-1, 1). */
export function randomFloats(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
}

export const fmt = {
  num: (v: number | undefined, digits: number, width: number): string => (v === undefined ? '-' : v.toFixed(digits)).padStart(width),
};
