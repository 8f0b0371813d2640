// Native float32 reductions (native/bind_reduce.cc).

import type { StorageArray } from '../tensor/dtype.js';
import type { Backend } from './backend.js';
import { A, arrayKind, callFrame, type FrameAddon } from './native-frame.js';
import { Reduce } from './ops.js';

export interface ReduceAddon extends FrameAddon {
  /** frame [op, xOff, outer, red, inner, outKind]; out Float32Array, Float64Array, Int32Array or BigInt64Array (argmax/argmin), Uint8Array (any/all) */
  reduceF32(x: Float32Array, out: StorageArray): void;
}

export function reduceOverrides(addon: ReduceAddon, js: Backend): Pick<Backend, 'reduce'> {
  const f = callFrame(addon);
  return {
    reduce(op, x, xOff, outer, red, inner, out) {
      if (x instanceof Float32Array && !(out instanceof Uint16Array)) {
        f[A] = Reduce[op]; f[A + 1] = xOff; f[A + 2] = outer; f[A + 3] = red; f[A + 4] = inner; f[A + 5] = arrayKind(out);
        addon.reduceF32(x, out);
      } else {
        js.reduce(op, x, xOff, outer, red, inner, out);
      }
    },
  };
}
