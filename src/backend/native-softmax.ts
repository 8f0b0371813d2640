// Native softmax and log-softmax (native/bind_softmax.cc): float32 overrides, the TypeScript
// backend otherwise.

import type { Backend } from './backend.js';

export interface SoftmaxAddon {
  softmaxF32(outer: number, dim: number, inner: number, x: Float32Array, y: Float32Array, log: boolean): void;
  softmaxBackwardF32(outer: number, dim: number, inner: number, y: Float32Array, dy: Float32Array, dx: Float32Array, log: boolean): void;
}

export function softmaxOverrides(addon: SoftmaxAddon, js: Backend): Pick<Backend, 'softmaxForward' | 'softmaxBackward'> {
  return {
    softmaxForward(outer, dim, inner, x, y, log) {
      if (x instanceof Float32Array && y instanceof Float32Array) addon.softmaxF32(outer, dim, inner, x, y, log);
      else js.softmaxForward(outer, dim, inner, x, y, log);
    },
    softmaxBackward(outer, dim, inner, y, dy, dx, log) {
      if (y instanceof Float32Array && dy instanceof Float32Array && dx instanceof Float32Array) addon.softmaxBackwardF32(outer, dim, inner, y, dy, dx, log);
      else js.softmaxBackward(outer, dim, inner, y, dy, dx, log);
    },
  };
}
