// Native elementwise kernels (native/bind_elementwise.cc): unary and binary ops, where,
// addcmul/addcdiv on float32, with comparisons and predicates writing uint8 (bool) outputs.
// Scalar arguments travel in the call frame (native-frame.ts).

import type { Backend } from './backend.js';
import { A, ArrayKind, callFrame, FRAME_STATUS, MAX_NATIVE_DIMS, packStrided, type FrameAddon } from './native-frame.js';
import { Binary, Unary } from './ops.js';

export interface ElementwiseAddon extends FrameAddon {
  /** frame [op, xOff, outOff, n, p1, p2, outKind]; out Float32Array, or Uint8Array for logicalNot/isnan/isinf/isfinite */
  unaryF32(x: Float32Array, out: Float32Array | Uint8Array): void;
  /** frame [op, p1, outKind, ndim, shape..., aOff, aStrides..., bOff, bStrides...]; out Float32Array or Uint8Array (comparisons) */
  binaryF32(a: Float32Array, b: Float32Array, out: Float32Array | Uint8Array): void;
  /** frame [ndim, shape..., cOff, cStrides..., aOff, aStrides..., bOff, bStrides...] */
  whereF32(cond: Uint8Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** frame [mul, yOff, t1Off, t2Off, value, n]: y += value * t1 * t2 (or / t2) */
  addcF32(y: Float32Array, t1: Float32Array, t2: Float32Array): void;
}

/**
 * Up to this many elements a one-dimensional float32 add/sub/mul/div runs in TypeScript: a call
 * into the addon costs about as much as 32 elements of the JavaScript loop (bench/elementwise.ts,
 * "small ops"). The results are identical: float32 +, -, *, / computed in float64 and rounded
 * once equal the float32 operations, and add/sub with alpha != 1 round once from float64 in the
 * native kernel too.
 */
export const SMALL_BINARY_MAX = 32;

const SMALL_OPS: Readonly<Record<string, number>> = { add: 0, sub: 1, mul: 2, div: 3 };

function smallBinary(code: number, a: Float32Array, ia: number, sa: number, b: Float32Array, ib: number, sb: number, out: Float32Array, n: number, p1: number): void {
  switch (code) {
    case 0: for (let i = 0; i < n; i++, ia += sa, ib += sb) out[i] = a[ia]! + p1 * b[ib]!; break;
    case 1: for (let i = 0; i < n; i++, ia += sa, ib += sb) out[i] = a[ia]! - p1 * b[ib]!; break;
    case 2: for (let i = 0; i < n; i++, ia += sa, ib += sb) out[i] = a[ia]! * b[ib]!; break;
    default: for (let i = 0; i < n; i++, ia += sa, ib += sb) out[i] = a[ia]! / b[ib]!; break;
  }
}

export function elementwiseOverrides(addon: ElementwiseAddon, js: Backend): Pick<Backend, 'unary' | 'binary' | 'where' | 'addcmul' | 'addcdiv'> {
  const f = callFrame(addon);
  function addc(mul: boolean, y: Float32Array, yOff: number, t1: Float32Array, t1Off: number, t2: Float32Array, t2Off: number, value: number, n: number): void {
    f[A] = mul ? 1 : 0; f[A + 1] = yOff; f[A + 2] = t1Off; f[A + 3] = t2Off; f[A + 4] = value; f[A + 5] = n;
    addon.addcF32(y, t1, t2);
  }
  return {
    unary(op, x, xOff, out, outOff, n, p1, p2) {
      if (x instanceof Float32Array && (out instanceof Float32Array || out instanceof Uint8Array)) {
        f[A] = Unary[op]; f[A + 1] = xOff; f[A + 2] = outOff; f[A + 3] = n; f[A + 4] = p1; f[A + 5] = p2;
        f[A + 6] = out instanceof Float32Array ? ArrayKind.F32 : ArrayKind.U8;
        addon.unaryF32(x, out);
        if (f[FRAME_STATUS] === 1) return;
      }
      js.unary(op, x, xOff, out, outOff, n, p1, p2);
    },

    binary(op, a, aOff, aStrides, b, bOff, bStrides, out, shape, p1) {
      const nd = shape.length;
      const small = SMALL_OPS[op];
      if (small !== undefined && nd <= 1 && (nd === 0 || shape[0]! <= SMALL_BINARY_MAX) &&
        a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) {
        smallBinary(small, a, aOff, nd === 0 ? 0 : aStrides[0]!, b, bOff, nd === 0 ? 0 : bStrides[0]!, out, nd === 0 ? 1 : shape[0]!, p1);
        return;
      }
      if (a instanceof Float32Array && b instanceof Float32Array && (out instanceof Float32Array || out instanceof Uint8Array) && nd <= MAX_NATIVE_DIMS) {
        f[A] = Binary[op]; f[A + 1] = p1; f[A + 2] = out instanceof Float32Array ? ArrayKind.F32 : ArrayKind.U8;
        const m = A + 3;  // [ndim, shape..., aOff, aStrides..., bOff, bStrides...]
        f[m] = nd;
        for (let i = 0; i < nd; i++) {
          f[m + 1 + i] = shape[i]!;
          f[m + 2 + nd + i] = aStrides[i]!;
          f[m + 3 + 2 * nd + i] = bStrides[i]!;
        }
        f[m + 1 + nd] = aOff;
        f[m + 2 + 2 * nd] = bOff;
        addon.binaryF32(a, b, out);
        if (f[FRAME_STATUS] === 1) return;
      }
      js.binary(op, a, aOff, aStrides, b, bOff, bStrides, out, shape, p1);
    },

    where(cond, cOff, cStrides, a, aOff, aStrides, b, bOff, bStrides, out, shape) {
      if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && shape.length <= MAX_NATIVE_DIMS) {
        packStrided(f, A, shape, [cOff, aOff, bOff], [cStrides, aStrides, bStrides]);
        addon.whereF32(cond, a, b, out);
        return;
      }
      js.where(cond, cOff, cStrides, a, aOff, aStrides, b, bOff, bStrides, out, shape);
    },

    addcmul(y, yOff, t1, t1Off, t2, t2Off, value, n) {
      if (y instanceof Float32Array && t1 instanceof Float32Array && t2 instanceof Float32Array) addc(true, y, yOff, t1, t1Off, t2, t2Off, value, n);
      else js.addcmul(y, yOff, t1, t1Off, t2, t2Off, value, n);
    },

    addcdiv(y, yOff, t1, t1Off, t2, t2Off, value, n) {
      if (y instanceof Float32Array && t1 instanceof Float32Array && t2 instanceof Float32Array) addc(false, y, yOff, t1, t1Off, t2, t2Off, value, n);
      else js.addcdiv(y, yOff, t1, t1Off, t2, t2Off, value, n);
    },
  };
}
