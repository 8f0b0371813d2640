// What the main thread and the data-parallel workers share: how a replica is built from a
// module specifier, the layout of a model's state (parameters, then buffers) in one shared
// Float64Array, and the control words of the step protocol.
//
// Everything goes through float64 so that float32 and float64 models share one path exactly
// (float32 -> float64 -> float32 is the identity) and int64 buffers (batch norm's
// num_batches_tracked) travel as integers below 2^53.

import type { Module } from '../nn/module.js';
import { describe } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** Where a worker finds a constructor or factory: `await import(module)[export](...args)`. */
export interface ModuleSpec {
  /** A module specifier the worker can import: a package name, an absolute path or a file: URL. */
  module: string;
  /** The export: a class (called with new) or a factory function. */
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
  const f = mod[spec.export];
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
    else for (let i = 0; i < e.numel; i++) out[e.offset + i] = src[o + i]!;
  }
}

/** Copies `src` (the layout of stateLayout) into the model's state tensors, in place. */
export function readState(tensors: [string, Tensor][], entries: StateEntry[], src: Float64Array): void {
  for (let k = 0; k < entries.length; k++) {
    const t = tensors[k]![1], e = entries[k]!;
    const dst = t.data, o = t.offset;
    if (dst instanceof BigInt64Array) for (let i = 0; i < e.numel; i++) dst[o + i] = BigInt(src[e.offset + i]!);
    else for (let i = 0; i < e.numel; i++) dst[o + i] = src[e.offset + i]!;
  }
}

// Control words, one Int32Array per worker: the main thread bumps REQUEST after posting a
// command on the worker's port; the worker bumps REPLY after posting its answer.
export const REQUEST = 0;
export const REPLY = 1;
export const CONTROL_WORDS = 2;
