import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsBackend } from '../../src/backend/index.js';
import type { Backend } from '../../src/backend/backend.js';
import { Reduce, type ReduceOp } from '../../src/backend/ops.js';
import { assertClose, forEachIsa, forEachThreadCount, native, randomArray, rng } from '../helpers.js';
import { assertSame, nums, TORCH } from './strided-cases.js';

const OPS = Object.keys(Reduce) as ReduceOp[];
const isArg = (op: ReduceOp) => op === 'argmax' || op === 'argmin';
const isBool = (op: ReduceOp) => op === 'any' || op === 'all';

function outFor(op: ReduceOp, n: number, wide = false): Float32Array | Int32Array | BigInt64Array | Uint8Array {
  return isArg(op) ? (wide ? new BigInt64Array(n) : new Int32Array(n)) : isBool(op) ? new Uint8Array(n) : new Float32Array(n);
}

/** Values with ties, zeros, NaN and infinities sprinkled in, so every NaN and tie rule is exercised. */
function awkward(n: number, seed: number, nanRate: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    x[i] = u < nanRate ? NaN : u < 0.05 ? 0 : u < 0.07 ? Infinity : u < 0.09 ? -Infinity : Math.round((r() - 0.5) * 16) / 4;
  }
  return x;
}

/** Runs check(what) with the TypeScript result, which it compares with the native one under each setting. */
function against(op: ReduceOp, x: Float32Array, off: number, outer: number, red: number, inner: number,
  each: (run: (what: string) => void) => void): void {
  const nb = native()!;
  const want = outFor(op, outer * inner);
  jsBackend.reduce(op, x, off, outer, red, inner, want);
  each((what) => {
    const got = outFor(op, outer * inner);
    nb.reduce(op, x, off, outer, red, inner, got);
    if (want instanceof Float32Array) assertClose(got as Float32Array, want, { rtol: 1e-6, atol: 1e-6 }, what);
    else assertSame(got as Int32Array, want as Int32Array, what);
  });
}

test('native reductions match the TypeScript backend over rows and columns, with NaN, ties and empty ranges', () => {
  const nb = native();
  if (!nb) return;
  const r = rng(11);
  const shapes: [number, number, number][] = [[1, 0, 1], [3, 0, 4], [1, 1, 1], [2, 7, 1], [5, 33, 1], [1, 1000, 1], [3, 65, 3], [2, 4, 300], [1, 17, 513], [7, 1, 5]];
  for (let i = 0; i < 10; i++) shapes.push([1 + Math.floor(r() * 6), Math.floor(r() * 80), 1 + Math.floor(r() * (r() < 0.5 ? 1 : 40))]);
  for (const [outer, red, inner] of shapes) {
    for (const nanRate of [0, 0.02]) {
      const x = awkward(outer * red * inner + 3, outer * 1000 + red * 10 + inner, nanRate);
      for (const op of OPS) {
        if (op === 'prod' && red > 40) continue; // products of many values overflow to Inf either way
        against(op, x, 3, outer, red, inner, (run) => forEachIsa((isa) => run(`${op} [${outer}, ${red}, ${inner}] NaN rate ${nanRate} ${isa}`)));
      }
    }
  }
});

test('native reductions: every threaded split (many rows, few long rows, wide columns, long narrow columns) agrees', () => {
  const nb = native();
  if (!nb) return;
  const shapes: [number, number, number][] = [[300, 257, 1], [2, 100003, 1], [1, 300001, 1], [3, 100, 700], [1, 2000, 300], [1, 40000, 3], [2, 30011, 2]];
  for (const [outer, red, inner] of shapes) {
    const x = awkward(outer * red * inner, red + inner, 0);
    // a NaN late in some rows and columns, where a split could lose it
    for (let i = 0; i < 5; i++) x[Math.floor(x.length * (0.55 + i * 0.09))] = NaN;
    for (const op of OPS) {
      if (op === 'prod') continue;
      against(op, x, 0, outer, red, inner, (run) => forEachThreadCount((t) => forEachIsa((isa) => run(`${op} [${outer}, ${red}, ${inner}] ${isa} ${t} threads`))));
    }
  }
});

test('argmax and argmin write int32 or int64 indices; sums and extremes also into float64', () => {
  const nb = native();
  if (!nb) return;
  const x = awkward(4 * 50 * 3, 5, 0.01);
  for (const op of ['argmax', 'argmin'] as ReduceOp[]) {
    const want = new BigInt64Array(12), got = new BigInt64Array(12);
    jsBackend.reduce(op, x, 0, 4, 50, 3, want);
    nb.reduce(op, x, 0, 4, 50, 3, got);
    assertSame(got, want, `${op} into int64`);
  }
  for (const op of ['sum', 'max', 'mean'] as ReduceOp[]) {
    const want = new Float64Array(12), got = new Float64Array(12);
    jsBackend.reduce(op, x, 0, 4, 50, 3, want);
    nb.reduce(op, x, 0, 4, 50, 3, got);
    assertClose(got, want, { rtol: 1e-12, atol: 0 }, `${op} into float64`);
  }
});

test('reductions follow PyTorch on NaN, ties and infinities (fixtures)', () => {
  const f = TORCH.reduce;
  const x = Float32Array.from((f.x as (number | string)[][]).flatMap((row) => nums(row)));
  const backends: [string, Backend][] = [['js', jsBackend]];
  const nb = native();
  if (nb) backends.push(['native', nb]);
  for (const [name, b] of backends) {
    for (const op of ['max', 'min', 'sum', 'prod', 'argmax', 'argmin', 'any', 'all'] as ReduceOp[]) {
      const out = outFor(op, 4);
      b.reduce(op, x, 0, 4, 4, 1, out);
      assertSame(Array.from(out, Number), nums(f[op]), `${name} ${op} over rows`);
    }
    for (const [op, key] of [['max', 'colmax'], ['argmax', 'colargmax'], ['argmin', 'colargmin']] as [ReduceOp, string][]) {
      const out = outFor(op, 4);
      b.reduce(op, x, 0, 1, 4, 4, out);
      assertSame(Array.from(out, Number), nums(f[key]), `${name} ${op} over columns`);
    }
  }
});

test('a sum of 10^7 float32 values is within 1e-6 of the float64 sum (native, 1 and 2 threads)', () => {
  const nb = native();
  if (!nb) return;
  const n = 10_000_000;
  const x = randomArray(n, 77, 0, 1) as Float32Array;
  let exact = 0;
  for (let i = 0; i < n; i++) exact += x[i]!;
  forEachThreadCount((t) => {
    for (const [outer, red, inner] of [[1, n, 1], [1, n / 2, 2]] as [number, number, number][]) {
      const out = new Float64Array(inner);
      nb.reduce('sum', x, 0, outer, red, inner, out);
      const total = out.reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(total - exact) <= 1e-6 * exact, `sum [${outer}, ${red}, ${inner}] ${t} threads: ${total} vs ${exact}`);
    }
  });
});
