// Random strided layouts and float32 comparisons shared by the elementwise, copy and cast tests.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomInt, rng } from '../helpers.js';

/** A view into a flat array: offset and strides over a shape (in elements). */
export interface Layout { off: number; strides: number[]; size: number }

/** Row-major strides of a contiguous tensor. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) { st[d] = s; s *= shape[d]!; }
  return st;
}

/**
 * A random layout for `shape`: dimensions stored in a random order (transposed views), some with
 * gaps (sliced views), a random offset, and with `broadcast` some dimensions at stride 0.
 * size is the flat length the view needs.
 */
export function randomLayout(shape: readonly number[], r: () => number, broadcast = false): Layout {
  const nd = shape.length;
  const order = [...Array(nd).keys()];
  if (r() < 0.5) for (let i = nd - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [order[i], order[j]] = [order[j]!, order[i]!]; }
  const strides = new Array<number>(nd).fill(0);
  let s = 1;
  for (let k = nd - 1; k >= 0; k--) {
    const d = order[k]!;
    if (broadcast && r() < 0.3) { strides[d] = 0; continue; }
    strides[d] = s * (r() < 0.2 ? 2 : 1);
    s = strides[d]! * Math.max(1, shape[d]!);
  }
  const off = r() < 0.5 ? randomInt(r, 0, 3) : 0;
  let size = off + 1;
  for (let d = 0; d < nd; d++) size += Math.max(0, shape[d]! - 1) * strides[d]!;
  if (shape.some((x) => x === 0)) size = off;
  return { off, strides, size };
}

export function randomShape(r: () => number, maxNd = 6, maxDim = 5): number[] {
  const nd = randomInt(r, 0, maxNd);
  return Array.from({ length: nd }, () => (r() < 0.05 ? 0 : r() < 0.15 ? 1 : randomInt(r, 1, maxDim)));
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Float32 values: uniform over [lo, hi) mixed with random bit patterns (every exponent, NaN payloads, subnormals). */
export function mixedFloats(n: number, seed: number, lo = -20, hi = 20, bitsShare = 0.25): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  const bits = new Uint32Array(x.buffer);
  for (let i = 0; i < n; i++) {
    if (r() < bitsShare) bits[i] = Math.floor(r() * 4294967296) >>> 0;
    else x[i] = lo + (hi - lo) * r();
  }
  return x;
}

export const SPECIALS = [0, -0, 1, -1, 0.5, -0.5, 2.5, -2.5, 1e-45, -1e-45, 1e-40, 1.17549435e-38, 65504, 65520, 1e30, -1e30,
  3.4028234663852886e38, -3.4028234663852886e38, 88.72, 88.73, -103.9, -104, Infinity, -Infinity, NaN];

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function orderedBits(v: number): number {
  f32[0] = v;
  const b = u32[0]!;
  return b & 0x80000000 ? -(b & 0x7fffffff) : b;
}

/** Distance in float32 steps between got and the float64 reference rounded to float32 (NaN must match NaN; inf must match exactly). */
export function ulpDistance(got: number, ref: number): number {
  if (Number.isNaN(ref) || Number.isNaN(got)) return Number.isNaN(ref) === Number.isNaN(got) ? 0 : Infinity;
  const rf = Math.fround(ref);
  if (!Number.isFinite(rf) || !Number.isFinite(got)) return rf === got ? 0 : Infinity;
  return Math.abs(orderedBits(got) - orderedBits(rf));
}

/** Every element of got within maxUlp float32 steps of the reference; reports the worst. */
export function assertUlp(got: ArrayLike<number>, ref: ArrayLike<number>, maxUlp: number, what: string, input?: ArrayLike<number>): void {
  assert.equal(got.length, ref.length, `${what}: length`);
  let worst = 0, at = -1;
  for (let i = 0; i < got.length; i++) {
    const d = ulpDistance(got[i]!, ref[i]!);
    if (d > worst) { worst = d; at = i; }
  }
  if (worst > maxUlp) {
    assert.fail(`${what}: element ${at}${input ? ` (input ${input[at]})` : ''} is ${got[at]}, expected ${ref[at]} (${worst} ulp > ${maxUlp})`);
  }
}

/** Exact equality, NaN equal to NaN, reporting the first mismatch. */
export function assertSame(got: ArrayLike<number | bigint>, want: ArrayLike<number | bigint>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (g === w || (typeof g === 'number' && typeof w === 'number' && Number.isNaN(g) && Number.isNaN(w))) continue;
    assert.fail(`${what}: element ${i} is ${g}, expected ${w}`);
  }
}

/** PyTorch values committed as JSON (test/fixtures/elementwise_torch.py). */
export const TORCH: any = JSON.parse(readFileSync(new URL('../../../test/fixtures/elementwise_torch.json', import.meta.url), 'utf8'));

/** JSON numbers with 'NaN' / 'Infinity' / '-Infinity' strings back to numbers. */
export function nums(a: readonly (number | string)[]): number[] {
  return a.map((v) => (typeof v === 'number' ? v : Number(v)));
}
