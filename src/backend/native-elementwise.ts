// Native elementwise kernels (native/bind_elementwise.cc).

import type { Backend } from './backend.js';
import { Binary, Unary } from './ops.js';

export interface ElementwiseAddon {
  unaryF32(op: number, x: Float32Array, xOff: number, out: Float32Array, outOff: number, n: number, p1: number, p2: number): boolean;
  /** meta = [ndim, shape..., aOff, aStrides..., bOff, bStrides...] */
  binaryF32(op: number, a: Float32Array, b: Float32Array, out: Float32Array, meta: Float64Array, p1: number): boolean;
}

export function elementwiseOverrides(addon: ElementwiseAddon, js: Backend): Pick<Backend, 'unary' | 'binary'> {
  // Shapes and strides go to the addon through one reused Float64Array, not JS arrays.
  const meta = new Float64Array(512);
  return {
    unary(op, x, xOff, out, outOff, n, p1, p2) {
      if (x instanceof Float32Array && out instanceof Float32Array && addon.unaryF32(Unary[op], x, xOff, out, outOff, n, p1, p2)) return;
      js.unary(op, x, xOff, out, outOff, n, p1, p2);
    },

    binary(op, a, aOff, aStrides, b, bOff, bStrides, out, shape, p1) {
      if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && shape.length <= 64) {
        const nd = shape.length;
        meta[0] = nd;
        for (let i = 0; i < nd; i++) {
          meta[1 + i] = shape[i]!;
          meta[2 + nd + i] = aStrides[i]!;
          meta[3 + 2 * nd + i] = bStrides[i]!;
        }
        meta[1 + nd] = aOff;
        meta[2 + 2 * nd] = bOff;
        if (addon.binaryF32(Binary[op], a, b, out, meta, p1)) return;
      }
      js.binary(op, a, aOff, aStrides, b, bOff, bStrides, out, shape, p1);
    },
  };
}
