// What the main thread and the data-parallel workers share: how a replica is built from a
// module specifier, the layout of a model's state (parameters, then buffers) in one shared
// Float64Array, and the control words of the step protocol.
//
// Everything goes through float64 so that float32 and float64 models share one path exactly
// (float32 -> float64 -> float32 is the identity) and int64 buffers (batch norm's
// num_batches_tracked) travel as integers below 2^53.

import type { Module } from '../nn/module.js';
import { describe } from '../tensor/dtype.js';
import { manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { correctTopK } from './metrics.js';
import { combinedLoss } from './objective.js';

/** Where a worker finds a constructor or factory: `await import(module)[export](...args)`. */
export interface ModuleSpec {
  /** A module specifier the worker can import: a package name, an absolute path or a file: URL. */
  module: string;
  /** The export: a class (called with new) or a factory function; a dotted path reaches into namespaces ('models.createModel'). */
  export: string;
  /** Arguments (structured-cloneable). */
  args?: unknown[];
}

export function checkSpec(spec: unknown, what: string): ModuleSpec {
  const s = spec as ModuleSpec;
  if (!s || typeof s.module !== 'string' || typeof s.export !== 'string' || (s.args !== undefined && !Array.isArray(s.args))) {
    throw new TypeError(`DataParallel: expected ${what} to be { module, export, args? } (what each worker imports to build its replica), got ${describe(spec)}`);
  }
  return s;
}

/** Imports a spec's export and calls it (with new for a class). */
export async function construct(spec: ModuleSpec, what: string): Promise<unknown> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  // A dotted path reaches into namespaces: 'models.createModel' of 'ml-odyssey'.
  const f = spec.export.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], mod);
  if (typeof f !== 'function') throw new TypeError(`DataParallel: ${what}: ${spec.module} has no function or class export '${spec.export}'`);
  const args = spec.args ?? [];
  return /^class[\s{]/.test(Function.prototype.toString.call(f)) ? new (f as new (...a: unknown[]) => unknown)(...args) : (f as (...a: unknown[]) => unknown)(...args);
}

/** One tensor of a replica's state and where it sits in the shared array. */
export interface StateEntry { name: string; numel: number; offset: number; dtype: string }

export function stateTensors(model: Module): [string, Tensor][] {
  const params: [string, Tensor][] = model.namedParameters();
  const buffers = model.namedBuffers().filter(([, b]) => b !== null);
  return [...params, ...buffers];
}

const SUPPORTED = new Set(['float32', 'float64', 'int64', 'int32']);

/** The layout of the model's state; throws for what the shared path cannot carry. */
export function stateLayout(model: Module): { entries: StateEntry[]; total: number; paramTotal: number } {
  let offset = 0, paramTotal = 0;
  const nParams = model.namedParameters().length;
  const entries = stateTensors(model).map(([name, t], i) => {
    if (!SUPPORTED.has(t.dtype)) throw new TypeError(`DataParallel: ${name} is ${t.dtype}; data-parallel training carries float32 and float64 models (and integer buffers)`);
    if (!t.isContiguous()) throw new TypeError(`DataParallel: ${name} is not contiguous`);
    const e = { name, numel: t.numel(), offset, dtype: t.dtype };
    offset += e.numel;
    if (i < nParams) paramTotal = offset;
    return e;
  });
  return { entries, total: offset, paramTotal };
}

/** Copies the model's state into `out` (the layout of stateLayout). */
export function writeState(tensors: [string, Tensor][], entries: StateEntry[], out: Float64Array): void {
  for (let k = 0; k < entries.length; k++) {
    const t = tensors[k]![1], e = entries[k]!;
    const src = t.data, o = t.offset;
    if (src instanceof BigInt64Array) for (let i = 0; i < e.numel; i++) out[e.offset + i] = Number(src[o + i]!);
    else out.set(src.subarray(o, o + e.numel), e.offset);  // converting copy in C++, not a JS loop
  }
}

/** Copies `src` (the layout of stateLayout) into the model's state tensors, in place. */
export function readState(tensors: [string, Tensor][], entries: StateEntry[], src: Float64Array): void {
  for (let k = 0; k < entries.length; k++) {
    const t = tensors[k]![1], e = entries[k]!;
    const dst = t.data, o = t.offset;
    if (dst instanceof BigInt64Array) for (let i = 0; i < e.numel; i++) dst[o + i] = BigInt(src[e.offset + i]!);
    else dst.set(src.subarray(e.offset, e.offset + e.numel), o);
  }
}

/**
 * One replica's shard of a step, the same code wherever it runs (a worker, or the main thread
 * computing a shard a worker was too late to claim), so the result does not depend on who ran it:
 * the replica's own dropout stream, gradients zeroed in place, the loss x `weight` backward, and
 * the gradients copied into `grads` (the layout of stateLayout's parameters).
 */
export function shardStep(
  model: Module, lossFn: (o: Tensor, t: Tensor) => Tensor, auxLossWeight: number, entries: StateEntry[],
  input: Tensor, target: Tensor, weight: number, seed: number, rank: number, grads: Float64Array,
): { loss: number; correct: number } {
  manualSeed((Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(rank, 0x85ebca6b)) >>> 0);
  model.zeroGrad({ setToNone: false });
  model.train();
  const { loss, main } = combinedLoss(lossFn, auxLossWeight, model.forward(input) as Tensor | Tensor[], target, 'DataParallel');
  const value = loss.item();
  if (Number.isFinite(value)) loss.mul(weight).backward();
  const params = model.parameters();
  for (let k = 0; k < params.length; k++) {
    const e = entries[k]!, g = params[k]!.grad;
    if (!g) { grads.fill(0, e.offset, e.offset + e.numel); continue; }
    const gc = g.contiguous(), d = gc.data as Float32Array | Float64Array, o = gc.offset;
    grads.set(d.subarray(o, o + e.numel), e.offset);
  }
  return { loss: value, correct: main.ndim === 2 ? correctTopK(main, target, 1) : 0 };
}

// Control words, one Int32Array per worker. The main thread posts a numbered command on the
// worker's port and stores its number in REQUEST; the worker stores it in REPLY once its answer
// is posted. A step is also offered in OPEN: the worker, or the main thread once done with its own
// shard, takes it by swapping OPEN from the step's number to 0; a worker that finds it taken skips
// it silently (the main thread computed it, exactly as the worker would have).
export const REQUEST = 0;
export const REPLY = 1;
export const OPEN = 2;
export const CONTROL_WORDS = 3;
