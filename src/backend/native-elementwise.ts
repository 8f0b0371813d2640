// Native elementwise kernels (native/bind_elementwise.cc): unary and binary ops, where,
// addcmul/addcdiv on float32, with comparisons and predicates writing uint8 (bool) outputs.

import type { Backend } from './backend.js';
import { Binary, Unary } from './ops.js';

export interface ElementwiseAddon {
  /** out is a Float32Array, or a Uint8Array for logicalNot/isnan/isinf/isfinite; false: op not handled */
  unaryF32(op: number, x: Float32Array, xOff: number, out: Float32Array | Uint8Array, outOff: number, n: number, p1: number, p2: number): boolean;
  /** meta = [ndim, shape..., aOff, aStrides..., bOff, bStrides...]; out Float32Array or Uint8Array (comparisons) */
  binaryF32(op: number, a: Float32Array, b: Float32Array, out: Float32Array | Uint8Array, meta: Float64Array, p1: number): boolean;
  /** meta = [ndim, shape..., cOff, cStrides..., aOff, aStrides..., bOff, bStrides...] */
  whereF32(cond: Uint8Array, a: Float32Array, b: Float32Array, out: Float32Array, meta: Float64Array): void;
  /** y += value * t1 * t2 (mul) or value * t1 / t2 */
  addcF32(mul: boolean, y: Float32Array, yOff: number, t1: Float32Array, t1Off: number, t2: Float32Array, t2Off: number, value: number, n: number): void;
}

/** The addon walks at most this many dimensions (native/strided.h kMaxDims). */
export const MAX_NATIVE_DIMS = 64;

/** Writes [ndim, shape..., then per operand: offset, strides...] into meta. */
export function packMeta(meta: Float64Array, shape: readonly number[], offs: readonly number[], strides: readonly (readonly number[])[]): void {
  const nd = shape.length;
  meta[0] = nd;
  for (let i = 0; i < nd; i++) meta[1 + i] = shape[i]!;
  let p = 1 + nd;
  for (let k = 0; k < offs.length; k++) {
    meta[p] = offs[k]!;
    const st = strides[k]!;
    for (let i = 0; i < nd; i++) meta[p + 1 + i] = st[i]!;
    p += 1 + nd;
  }
}

export function elementwiseOverrides(addon: ElementwiseAddon, js: Backend): Pick<Backend, 'unary' | 'binary' | 'where' | 'addcmul' | 'addcdiv'> {
  // Shapes and strides go to the addon through one reused Float64Array, not JS arrays.
  const meta = new Float64Array(4 + 4 * MAX_NATIVE_DIMS);
  return {
    unary(op, x, xOff, out, outOff, n, p1, p2) {
      if (x instanceof Float32Array && (out instanceof Float32Array || out instanceof Uint8Array) &&
        addon.unaryF32(Unary[op], x, xOff, out, outOff, n, p1, p2)) return;
      js.unary(op, x, xOff, out, outOff, n, p1, p2);
    },

    binary(op, a, aOff, aStrides, b, bOff, bStrides, out, shape, p1) {
      if (a instanceof Float32Array && b instanceof Float32Array && (out instanceof Float32Array || out instanceof Uint8Array) && shape.length <= MAX_NATIVE_DIMS) {
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

    where(cond, cOff, cStrides, a, aOff, aStrides, b, bOff, bStrides, out, shape) {
      if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && shape.length <= MAX_NATIVE_DIMS) {
        packMeta(meta, shape, [cOff, aOff, bOff], [cStrides, aStrides, bStrides]);
        addon.whereF32(cond, a, b, out, meta);
        return;
      }
      js.where(cond, cOff, cStrides, a, aOff, aStrides, b, bOff, bStrides, out, shape);
    },

    addcmul(y, yOff, t1, t1Off, t2, t2Off, value, n) {
      if (y instanceof Float32Array && t1 instanceof Float32Array && t2 instanceof Float32Array) addon.addcF32(true, y, yOff, t1, t1Off, t2, t2Off, value, n);
      else js.addcmul(y, yOff, t1, t1Off, t2, t2Off, value, n);
    },

    addcdiv(y, yOff, t1, t1Off, t2, t2Off, value, n) {
      if (y instanceof Float32Array && t1 instanceof Float32Array && t2 instanceof Float32Array) addon.addcF32(false, y, yOff, t1, t1Off, t2, t2Off, value, n);
      else js.addcdiv(y, yOff, t1, t1Off, t2, t2Off, value, n);
    },
  };
}
