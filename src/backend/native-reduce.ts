// Native float32 reductions (native/bind_reduce.cc).

import type { StorageArray } from '../tensor/dtype.js';
import type { Backend } from './backend.js';
import { Reduce } from './ops.js';

export interface ReduceAddon {
  /** out: Float32Array, Float64Array, Int32Array or BigInt64Array (argmax/argmin), Uint8Array (any/all) */
  reduceF32(op: number, x: Float32Array, xOff: number, outer: number, red: number, inner: number, out: StorageArray): void;
}

export function reduceOverrides(addon: ReduceAddon, js: Backend): Pick<Backend, 'reduce'> {
  return {
    reduce(op, x, xOff, outer, red, inner, out) {
      if (x instanceof Float32Array && !(out instanceof Uint16Array)) addon.reduceF32(Reduce[op], x, xOff, outer, red, inner, out);
      else js.reduce(op, x, xOff, outer, red, inner, out);
    },
  };
}
