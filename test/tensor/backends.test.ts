// The native backend against the TypeScript backend at the tensor level: the same programs (ops
// and their gradients) on random shapes with odd sizes, single elements, empty tensors and
// non-contiguous views, under every instruction set and on one and two threads.

import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { cat, pad, stack, tensor, where, type Tensor } from '../../src/index.js';
import { backendInfo, setBackend } from '../../src/backend/index.js';
import { assertClose, forEachIsa, forEachThreadCount, native, rng, randomInt } from '../helpers.js';

type Program = (xs: Tensor[]) => Tensor[];

/** Runs a program with gradients for every float input; returns outputs then input gradients. */
function run(program: Program, inputs: Tensor[]): Tensor[] {
  // keep each input's layout: a transposed input is a leaf stored the other way round, viewed through t()
  const xs = inputs.map((x) => {
    const leaf = (x.isContiguous() ? x : x.t()).detach().clone();
    if (leaf.isFloatingPoint()) leaf.requiresGrad_();
    return leaf;
  });
  const views = inputs.map((x, i) => (x.isContiguous() ? xs[i]! : xs[i]!.t()));
  const outs = program(views);
  let loss: Tensor | null = null;
  for (const o of outs) {
    if (!o.requiresGrad) continue;
    const term = o.mul(o.detach().mul(0).add(1.5)).sum();
    loss = loss ? loss.add(term) : term;
  }
  loss?.backward();
  return [...outs, ...xs.filter((x) => x.requiresGrad).map((x) => x.grad ?? x.mul(0))];
}

function values(t: Tensor): number[] {
  return Array.from(t.to('float64').contiguous().toTypedArray() as Float64Array);
}

/** Inputs in float32: a, b of shape [r, c] (b sometimes a transposed view), and a column and a row. */
function inputs(r: () => number, rows: number, cols: number): Tensor[] {
  const make = (shape: number[], lo = -2, hi = 2) => {
    const n = shape.reduce((p, q) => p * q, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * r();
    return tensor(v, { shape });
  };
  const a = make([rows, cols]);
  // a transposed layout: stored as [cols, rows], viewed back as [rows, cols] by run()
  const bT = make([cols, rows]).t();
  return [a, bT, make([rows, 1]), make([1, cols], 0.5, 2)];
}

const PROGRAMS: [string, Program][] = [
  ['unary', ([a]) => [a!.exp(), a!.log1p().abs(), a!.sigmoid(), a!.tanh(), a!.relu(), a!.gelu(), a!.silu(), a!.softplus(), a!.sqrt(), a!.rsqrt(),
    a!.reciprocal(), a!.square(), a!.sin(), a!.cos(), a!.erf(), a!.clamp(-0.5, 0.7), a!.leakyRelu(0.1), a!.relu6(), a!.pow(3), a!.abs().log()]],
  ['binary broadcast', ([a, b, c, d]) => [a!.add(b!), a!.sub(c!, 2), a!.mul(d!), a!.div(d!), a!.maximum(b!), a!.minimum(c!), d!.pow(a!), a!.atan2(b!),
    a!.remainder(d!), a!.gt(b!).to('float32')]],
  ['where and lerp', ([a, b, c]) => [where(a!.gt(c!), a!, b!), a!.lerp(b!, 0.3), a!.maskedFill(b!.lt(0), 2)]],
  ['reductions', ([a, b]) => [a!.sum(), a!.sum(0), a!.mean(1, true), b!.var(1), b!.std(0), a!.logsumexp(1), a!.norm(), a!.norm(1, 0), a!.prod(1),
    // max-like reductions need a non-empty reduced dim
    ...(a!.shape[0]! > 0 ? [a!.amax(0), a!.max(0).values] : []), ...(a!.shape[1]! > 0 ? [a!.amin(1), a!.norm(Infinity, 1)] : [])]],
  ['matmul', ([a, b]) => [a!.matmul(b!.t()), a!.t().matmul(b!), stack([a!, b!]).matmul(stack([b!, a!]).transpose(1, 2))]],
  ['joins and indexing', ([a, b, c]) => [cat([a!, b!], 1), stack([a!, b!], 0), pad(a!, [1, 2, 0, 1], 0.5),
    c!.expand(a!.shape as number[]).contiguous(),
    // index the last row and column twice each (nothing to index in an empty dim)
    ...(a!.shape[0]! > 0 ? [a!.indexSelect(0, tensor([a!.shape[0]! - 1, 0, a!.shape[0]! - 1]))] : []),
    ...(a!.shape[1]! > 0 ? [a!.gather(1, tensor(new BigInt64Array(2 * a!.shape[0]!).fill(BigInt(a!.shape[1]! - 1)), { shape: [a!.shape[0]!, 2] }))] : [])]],
  ['in place inside a graph', ([a, b, c]) => {
    const y = a!.mul(1);
    y.add_(b!).mul_(c!).addcmul_(b!, c!, 0.5).addcdiv_(b!, c!.abs().add(1), -1).lerp_(b!, 0.25).clamp_(-1, 1);
    return [y];
  }],
  ['half and bfloat16 rounding', ([a, b]) => [a!.half().add(b!.half()).float(), a!.bfloat16().mul(b!.bfloat16()).float(), a!.half().exp().float(),
    a!.half().sum(0).float()]],
];

test('native and TypeScript backends agree on tensor programs and their gradients', () => {
  if (!native()) return;
  const r = rng(2024);
  // [200, 171] passes the native kernels' threading grain (2^15 elements), for the elementwise programs
  const shapes: [number, number][] = [[1, 1], [0, 3], [3, 0], [1, 7], [7, 1], [5, 17], [33, 9], [64, 65], [200, 171]];
  const elementwiseOnly = new Set(['unary', 'binary broadcast', 'where and lerp', 'in place inside a graph']);
  const before = backendInfo().backend;
  try {
    for (const [rows, cols] of shapes) {
      const ins = inputs(r, rows, cols);
      for (const [name, program] of PROGRAMS) {
        if (rows * cols > 10000 && !elementwiseOnly.has(name)) continue;
        setBackend('js');
        const want = run(program, ins).map(values);
        setBackend('native');
        forEachIsa((isa) => forEachThreadCount((threads) => {
          const got = run(program, ins).map(values);
          assert.equal(got.length, want.length);
          got.forEach((g, k) => {
            const scale = want[k]!.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
            assertClose(g, want[k]!, { rtol: 2e-6, atol: 2e-6 * Math.max(1, scale) }, `${name} [${rows}, ${cols}] result ${k} on ${isa}, ${threads} thread(s)`);
          });
        }));
      }
    }
  } finally {
    setBackend(before);
  }
});

test('resizing the native thread pool between jobs does not hang (a worker started late used to miss its first job)', () => {
  if (!native()) return;
  const script = `
    import { randn } from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)};
    import { setBackend, getNativeBackend } from ${JSON.stringify(new URL('../../src/backend/index.js', import.meta.url).href)};
    setBackend('native');
    const a = randn([200, 200]);
    for (const t of [2, 1, 2, 1, 2, 0, 1, 2]) { getNativeBackend().setNumThreads(t); a.exp(); a.add(a); }
    console.log('done');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.stdout.trim(), 'done', `child: status ${r.status}, signal ${r.signal}, stderr ${r.stderr}`);
});

test('random strided operands: native and TypeScript backends agree bit for bit on add/mul/maximum', () => {
  if (!native()) return;
  const r = rng(7);
  const before = backendInfo().backend;
  try {
    for (let trial = 0; trial < 40; trial++) {
      const nd = randomInt(r, 0, 4);
      const shape = Array.from({ length: nd }, () => randomInt(r, 1, 6));
      const big = Array.from({ length: nd }, (_, i) => shape[i]! * 2 + 1);
      const n = big.reduce((p, q) => p * q, 1);
      const v = new Float32Array(n).map(() => r() * 4 - 2);
      let a = tensor(v, { shape: big });
      for (let d = 0; d < nd; d++) a = a.slice(d, randomInt(r, 0, 1), undefined, 2).narrow(d, 0, shape[d]!);
      const perm = Array.from({ length: nd }, (_, i) => i).sort(() => r() - 0.5);
      const b = a.permute(perm).contiguous().permute(perm.map((_, i) => perm.indexOf(i))).mul(-0.5).sum(nd > 0 && r() < 0.3 ? [0] : [], true);
      const ops = (x: Tensor, y: Tensor) => [x.add(y), x.mul(y), x.maximum(y), x.sub(y, 0.25)];
      setBackend('js');
      const want = ops(a, b).map((t) => Array.from(t.toTypedArray() as Float32Array));
      setBackend('native');
      const got = ops(a, b).map((t) => Array.from(t.toTypedArray() as Float32Array));
      assert.deepEqual(got, want, `trial ${trial}: shape [${shape}]`);
    }
  } finally {
    setBackend(before);
  }
});
