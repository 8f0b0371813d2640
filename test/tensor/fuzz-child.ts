// Throws many random (mostly wrong) calls at the public API and reports the ones that misbehave:
// a thrown value that is not an Error, an error that does not name the op (a leaked JavaScript
// internal error such as "Cannot read properties of undefined"), or a call that takes too long.
// Run as a child process by fuzz.test.ts, so that a crash of the process is seen as a crash.
// Usage: node fuzz-child.js <seed> <calls>

import * as ody from '../../src/index.js';
import { Generator, Tensor, tensor, zeros } from '../../src/index.js';
import { rng } from '../helpers.js';

const seed = Number(process.argv[2] ?? 1);
const calls = Number(process.argv[3] ?? 5000);
const r = rng(seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Fresh tensors of assorted dtypes, shapes and layouts (fresh each call: in-place ops change them). */
function sampleTensor(): Tensor {
  const makers: (() => Tensor)[] = [
    () => tensor([[1.5, -2, 0], [3, 4, -5]], { dtype: 'float32' }),
    () => tensor([1, 2, 3]),
    () => tensor([[1, 0, 2], [0, 1, 1]]),
    () => tensor([[true, false, true], [false, true, true]]),
    () => tensor([0.5, -1], { dtype: 'float16' }),
    () => tensor([0.5, -1], { dtype: 'bfloat16' }),
    () => tensor([7, 8], { dtype: 'uint8' }),
    () => tensor([7, 8], { dtype: 'int32' }),
    () => tensor(2.5),
    () => zeros(0, 3),
    () => tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float32' }).t(),
    () => tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true }),
    () => tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true }).mul(2),
    () => tensor([1, 2, 3, 4], { dtype: 'float32' }).narrow(0, 1, 2),
    () => tensor([3], { dtype: 'float32' }).expand(2, 3),
  ];
  return pick(makers)();
}

const HUGE = 1e10;
function sampleValue(depth = 0): unknown {
  const simple: unknown[] = [undefined, null, NaN, -1, 0, 1, 2, 3, 1.5, -0.5, Infinity, -Infinity, HUGE, 2 ** 53, 'a', '1', '',
    true, false, 2n, {}, () => 1, 'float32', 'int64', 'bool', 'nope'];
  const k = r();
  if (k < 0.2) return pick([-2, -1, 0, 1, 2, 3]); // plausible dims and sizes, so calls get past their first check
  if (k < 0.45) return pick(simple);
  if (k < 0.75) return sampleTensor();
  if (k < 0.8) return new Float32Array([1, 2]);
  if (k < 0.83) return { dtype: pick(['float32', 'int64', 'foo', 3]), requiresGrad: pick([true, false, 'yes']), shape: pick([[2], [-1], 'x', [1e10]]) };
  if (k < 0.86) return { retainGraph: true };
  if (depth > 1) return 1;
  const n = Math.floor(r() * 4);
  return Array.from({ length: n }, () => sampleValue(depth + 1));
}

function args(): unknown[] {
  return Array.from({ length: Math.floor(r() * 5) }, () => sampleValue());
}

/** Names a JavaScript engine uses for its own errors: these must never reach a user. */
const INTERNAL = /is not a function|Cannot read propert|is not iterable|Cannot convert|Invalid typed array length|Invalid array length|Maximum call stack|A number was expected|A boolean was expected|Cannot mix BigInt|undefined is not|null is not|Cannot create property|Reduce of empty array|not a constructor|Array buffer allocation failed|is not defined|Cannot set propert|Do not know how to serialize/;
/** An error message starts with the op name: "add: ...", "add_: ...", "Generator.setState: ...". */
const NAMED = /^[A-Za-z_][\w.]*: /;

const methods = Object.getOwnPropertyNames(Tensor.prototype).filter((m) => {
  if (m === 'constructor' || m.startsWith('_')) return false;
  return typeof Object.getOwnPropertyDescriptor(Tensor.prototype, m)!.value === 'function';
});
const functions = Object.entries(ody).filter(([name, f]) => typeof f === 'function' && name !== 'Tensor' && name !== 'setBackend' && name !== 'setGradEnabled') as [string, (...a: unknown[]) => unknown][];

const bad: string[] = [];
const slow: string[] = [];
let threw = 0;

function show(a: unknown[]): string {
  const one = (x: unknown): string => (x instanceof Tensor ? `Tensor(${x.dtype}[${x.shape}])` : typeof x === 'function' ? 'fn'
    : typeof x === 'bigint' ? `${x}n` : typeof x === 'string' ? `'${x}'` : x instanceof Float32Array ? 'Float32Array'
      : Array.isArray(x) ? `[${x.map(one).join(', ')}]` : x !== null && typeof x === 'object' ? `{${Object.entries(x).map(([k, v]) => `${k}: ${one(v)}`).join(', ')}}` : String(x));
  return a.map(one).join(', ');
}

for (let i = 0; i < calls; i++) {
  const useMethod = r() < 0.7;
  const a = args();
  let label: string;
  let call: () => unknown;
  if (useMethod) {
    const m = pick(methods);
    const self = sampleTensor();
    label = `Tensor(${self.dtype}[${self.shape}]).${m}(${show(a)})`;
    call = () => (self as unknown as Record<string, (...x: unknown[]) => unknown>)[m]!(...a);
  } else {
    const [name, f] = pick(functions);
    label = `${name}(${show(a)})`;
    // Classes (Generator, TrainingLoop, CheckpointManager, ...) are constructed, functions called.
    const isClass = /^class\b/.test(Function.prototype.toString.call(f));
    call = () => (isClass ? new (f as unknown as new (...x: unknown[]) => unknown)(...a) : f(...a));
  }
  const t0 = performance.now();
  try {
    const out = call();
    // reading a result must work too
    if (out instanceof Tensor) out.toArray();
  } catch (e) {
    threw++;
    if (!(e instanceof Error)) bad.push(`${label} threw a non-Error: ${String(e)}`);
    else if (INTERNAL.test(e.message) || !NAMED.test(e.message)) bad.push(`${label} -> ${e.constructor.name}: ${e.message}`);
  }
  const dt = performance.now() - t0;
  if (dt > 2000) slow.push(`${label}: ${dt.toFixed(0)} ms`);
}

console.log(JSON.stringify({ calls, threw, bad: [...new Set(bad)].slice(0, 40), badCount: bad.length, slow }));
