// Where a training step's time goes, by kernel, ours beside PyTorch's: a diagnostic for the
// kernel owners, not a benchmark section. Runs the train section's step (batch 64, Adam, through
// TrainingLoop) with every backend call timed (process CPU time per thread), and PyTorch's step
// under torch.profiler (bench/torch/train_profile.py, self time per op scaled to the CPU time of
// an unprofiled step, since the profiler's clock counts descheduled time); both are grouped
// into the same categories (convolution forward and backward, batch norm, pooling, ReLU,
// elementwise, optimizer, ...) and listed per call shape. PyTorch's profiler adds a little per
// op; ours adds a timer per call. The rest of a step (TypeScript, autograd, garbage collection)
// is its total minus the kernels.
//
// Usage: node dist/bench/train-profile.js <model> [--threads=1] [--steps=5] [--top=25] [--no-torch] [--json]

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backend, setNumThreads, type Backend, type Conv2dGeometry, type Pool2dGeometry } from '../src/backend/index.js';
import { MODEL_NAMES, createModel } from '../src/models/index.js';
import { CrossEntropyLoss } from '../src/nn/index.js';
import { Adam } from '../src/optim/index.js';
import { manualSeed } from '../src/tensor/index.js';
import { TrainingLoop, type Batch } from '../src/train/training-loop.js';
import { fmt } from './timing.js';
import { syntheticBatch } from './train-child.js';
import { runTorchScript } from './torch/run.js';

export interface ProfileEntry {
  /** category, e.g. 'conv backward (input)' */
  category: string;
  /** the call: kernel and shape */
  call: string;
  calls: number;
  /** CPU milliseconds per thread per step */
  ms: number;
}

export interface StepProfile {
  /** CPU milliseconds per thread per step, all of it */
  stepMs: number;
  entries: ProfileEntry[];
}

function categoryOf(method: string, op: string | undefined, g?: Conv2dGeometry): string {
  const dw = g && g.groups > 1 && g.groups === g.c ? 'depthwise ' : '';
  switch (method) {
    case 'conv2dForward': return `${dw}conv forward`;
    case 'conv2dBackwardInput': return `${dw}conv backward`;
    case 'conv2dBackwardWeight': return `${dw}conv backward`;
    case 'batchNormForward': case 'batchNormBackward': return 'batch norm';
    case 'maxPool2dForward': case 'maxPool2dBackward': case 'avgPool2dForward': case 'avgPool2dBackward':
    case 'adaptiveAvgPool2dForward': case 'adaptiveAvgPool2dBackward': return 'pooling';
    case 'lrnForward': case 'lrnBackward': return 'local response norm';
    case 'softmaxForward': case 'softmaxBackward': return 'softmax / loss';
    case 'gemm': return 'linear (gemm)';
    case 'adamUpdate': case 'sgdUpdate': case 'rmspropUpdate': return 'optimizer';
    case 'fill': return 'zero grad / fill';
    case 'unary': case 'binary': return op === 'relu' || op === 'reluBackward' ? 'relu' : 'elementwise';
    default: return 'other (copies, casts, reductions)';
  }
}

function describeCall(method: string, args: unknown[]): string {
  const a0 = args[0];
  if (method.startsWith('conv2d')) {
    const g = a0 as Conv2dGeometry;
    return `${method} x[${g.n},${g.c},${g.h},${g.w}] w[${g.k},${g.c / g.groups},${g.r},${g.s}] s${g.strideH}${g.groups > 1 ? ` g${g.groups}` : ''}`;
  }
  if (method.includes('Pool2d') && typeof a0 === 'object' && a0 !== null && 'planes' in a0) {
    const g = a0 as Pool2dGeometry;
    return `${method} ${g.planes} planes ${g.h}x${g.w} k${g.kh} s${g.strideH}`;
  }
  if (method === 'gemm') return `gemm ${args[0] ? 'T' : 'N'}${args[1] ? 'T' : 'N'} ${args[2]}x${args[3]}x${args[4]}`;
  if (method.startsWith('batchNorm') || method.startsWith('lrn')) return `${method} ${args[0]}x${args[1]}x${args[2]}`;
  if (method === 'binary') return `binary ${String(args[0])} ${String((args[8] as number[] | undefined)?.join('x') ?? '')}`;
  if (method === 'unary') return `unary ${String(args[0])} ${String(args[5])}`;
  if (typeof a0 === 'string') return `${method} ${a0}`;
  return method;
}

/** Times every backend call of `steps` training steps after a warm-up. */
export async function profileOurStep(model: string, threads: number, steps: number): Promise<StepProfile> {
  setNumThreads(threads);
  manualSeed(0);
  const net = createModel(model);
  const optimizer = new Adam(net.parameters(), { lr: 1e-3 });
  const data = syntheticBatch(model, 64);
  const warmup = 2;
  const stats = new Map<string, ProfileEntry>();
  let timing = false;
  const b = backend() as unknown as Record<string, unknown>;
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  for (const [name, f] of Object.entries(b)) {
    if (typeof f !== 'function' || name === 'numThreads' || name === 'setNumThreads') continue;
    const fn = f as (...a: unknown[]) => unknown;
    originals.set(name, fn);
    b[name] = (...args: unknown[]) => {
      if (!timing) return fn(...args);
      const c = process.cpuUsage();
      const r = fn(...args);
      const u = process.cpuUsage(c);
      const call = describeCall(name, args);
      const e = stats.get(call) ?? { category: categoryOf(name, typeof args[0] === 'string' ? args[0] : undefined, name.startsWith('conv2d') ? args[0] as Conv2dGeometry : undefined), call, calls: 0, ms: 0 };
      e.calls++;
      e.ms += (u.user + u.system) / 1e3;
      stats.set(call, e);
      return r;
    };
  }
  let seen = 0, cpu0 = process.cpuUsage();
  const source: Iterable<Batch> = { *[Symbol.iterator]() { for (let i = 0; i < warmup + steps; i++) yield data; } };
  const loop = new TrainingLoop({
    model: net, optimizer, loss: new CrossEntropyLoss(),
    callbacks: [{ onBatchEnd: () => { if (++seen === warmup) { timing = true; cpu0 = process.cpuUsage(); } } }],
  });
  try {
    await loop.train({ epochs: 1, trainLoader: source });
  } finally {
    for (const [name, fn] of originals) b[name] = fn;
    setNumThreads(0);
  }
  const u = process.cpuUsage(cpu0);
  const scale = 1 / (steps * threads);
  const entries = [...stats.values()].map((e) => ({ ...e, calls: e.calls / steps, ms: e.ms * scale }));
  return { stepMs: (u.user + u.system) / 1e3 * scale, entries };
}

function byCategory(entries: readonly ProfileEntry[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of entries) m.set(e.category, (m.get(e.category) ?? 0) + e.ms);
  return m;
}

export function formatProfiles(model: string, threads: number, ours: StepProfile, torch: StepProfile | string, top: number): string {
  const lines = [`${model}, batch 64, Adam, ${threads} thread(s): CPU ms per thread per step by kernel category (ours: backend calls timed; PyTorch: torch.profiler self time, scaled to its step's CPU time)`];
  const oc = byCategory(ours.entries), tc = typeof torch === 'string' ? new Map<string, number>() : byCategory(torch.entries);
  const oursKernels = [...oc.values()].reduce((a, b) => a + b, 0);
  const torchKernels = [...tc.values()].reduce((a, b) => a + b, 0);
  lines.push(`${'category'.padEnd(36)} ${'ours'.padStart(9)} ${'torch'.padStart(9)} ${'ours-torch'.padStart(10)}`);
  const cats = [...new Set([...oc.keys(), ...tc.keys()])].sort((a, b) => (oc.get(b) ?? 0) - (oc.get(a) ?? 0));
  for (const c of cats) {
    const o = oc.get(c), t = typeof torch === 'string' ? undefined : tc.get(c) ?? 0;
    lines.push(`${c.padEnd(36)} ${fmt.num(o ?? 0, 2, 9)} ${fmt.num(t, 2, 9)} ${fmt.num(t === undefined ? undefined : (o ?? 0) - t, 2, 10)}`);
  }
  const tStep = typeof torch === 'string' ? undefined : torch.stepMs;
  lines.push(`${'outside kernels (TS, autograd, GC)'.padEnd(36)} ${fmt.num(ours.stepMs - oursKernels, 2, 9)} ${fmt.num(tStep === undefined ? undefined : tStep - torchKernels, 2, 9)}`);
  lines.push(`${'step'.padEnd(36)} ${fmt.num(ours.stepMs, 2, 9)} ${fmt.num(tStep, 2, 9)}`);
  lines.push('', `ours, the ${top} dearest calls (calls per step, CPU ms per thread per step):`);
  for (const e of [...ours.entries].sort((a, b) => b.ms - a.ms).slice(0, top)) lines.push(`${fmt.num(e.ms, 2, 9)} ${fmt.num(e.calls, 0, 4)}  ${e.call}`);
  if (typeof torch === 'string') lines.push('', `PyTorch: ${torch}`);
  else {
    lines.push('', `PyTorch, the ${top} dearest ops:`);
    for (const e of [...torch.entries].sort((a, b) => b.ms - a.ms).slice(0, top)) lines.push(`${fmt.num(e.ms, 2, 9)} ${fmt.num(e.calls, 0, 4)}  ${e.call}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const model = args.find((a) => !a.startsWith('--'));
  if (!model || !MODEL_NAMES.includes(model)) throw new Error(`train-profile: expected a model name (${MODEL_NAMES.join(', ')}), got ${model}`);
  const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt);
  const threads = opt('threads', 1), steps = opt('steps', 5), top = opt('top', 25);
  const ours = await profileOurStep(model, threads, steps);
  const torch = args.includes('--no-torch') ? 'disabled (--no-torch)' : runTorchScript<StepProfile>('train_profile.py', { model, steps }, threads);
  console.log(args.includes('--json') ? JSON.stringify({ model, threads, ours, torch }, null, 2) : formatProfiles(model, threads, ours, torch, top));
}
