// Shared test utilities: seeded random data, closeness assertions, running a check under every
// instruction set and thread count the native backend supports.

import assert from 'node:assert/strict';
import { getNativeBackend, setIsa, backendInfo } from '../src/backend/index.js';
import type { Backend } from '../src/backend/index.js';

/** mulberry32: a tiny seeded generator for test data (not the library's Generator). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1, Ctor: Float32ArrayConstructor | Float64ArrayConstructor = Float32Array): Float32Array | Float64Array {
  const r = rng(seed);
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

export function randomInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export interface Tolerance { rtol?: number; atol?: number }

/** Elementwise |a - e| <= atol + rtol * |e|, NaN matching NaN; reports the worst element. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}, what = 'values'): void {
  const rtol = tol.rtol ?? 1e-5, atol = tol.atol ?? 1e-6;
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length}, expected ${expected.length}`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) { worst = i; break; }
      continue;
    }
    if (a === e) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess)) { worst = i; worstExcess = excess; }
  }
  if (worst >= 0) {
    assert.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** The native backend, or null (tests that compare against it then skip their native half). */
export function native(): Backend | null {
  return getNativeBackend();
}

/** Runs fn once per instruction set this CPU supports (native backend), restoring 'auto' after. */
export function forEachIsa(fn: (isa: string) => void): void {
  if (!getNativeBackend()) return;
  try {
    for (const isa of ['scalar', 'avx2', 'avx512'] as const) {
      if (setIsa(isa)) fn(isa);
    }
  } finally {
    setIsa('auto');
  }
}

/** Runs fn with the native backend on 1 thread and on 2 (or more) threads. */
export function forEachThreadCount(fn: (threads: number) => void): void {
  const nb = getNativeBackend();
  if (!nb) return;
  const before = backendInfo().threads;
  try {
    for (const t of [1, Math.max(2, before)]) {
      nb.setNumThreads(t);
      fn(t);
    }
  } finally {
    nb.setNumThreads(0);
  }
}

/** Compares a tensor's values (as float64) with expected nested or flat numbers, and its shape if given. */
export function assertTensorClose(actual: { shape: readonly number[]; toTypedArray(): ArrayLike<number | bigint>; dtype: string; toFloat32Array(): Float32Array }, expected: ArrayLike<number> | number, tol: Tolerance = {}, shape?: readonly number[], what = 'tensor'): void {
  if (shape) assert.deepEqual([...actual.shape], [...shape], `${what}: shape [${actual.shape.join(', ')}], expected [${shape.join(', ')}]`);
  const raw = actual.toTypedArray();
  const values = actual.dtype === 'float16' || actual.dtype === 'bfloat16' ? Array.from(actual.toFloat32Array()) : Array.from(raw as ArrayLike<number | bigint>, Number);
  const exp = typeof expected === 'number' ? [expected] : Array.from(expected);
  assertClose(values, exp, tol, what);
}
