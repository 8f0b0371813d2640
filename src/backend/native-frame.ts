// The call frame shared with the addon (native/napi_raw.h): one Float64Array, registered once,
// into which each call to the hot native functions writes its scalar arguments (op code, offsets,
// shapes, strides, element kinds), so that only data arrays cross as arguments. Slot 0 is where
// a call leaves its status (1 handled, 0 not handled).

import type { StorageArray } from '../tensor/dtype.js';

export interface FrameAddon {
  bindFrame(frame: Float64Array): void;
}

export const FRAME_STATUS = 0;
/** First argument slot. */
export const A = 1;
export const FRAME_SIZE = 512;
/** The addon walks at most this many dimensions (native/strided.h kMaxDims). */
export const MAX_NATIVE_DIMS = 64;

/** Element kinds of typed arrays (native/napi_raw.h ArrayKind). */
export const enum ArrayKind { F32 = 0, F64 = 1, U16 = 2, I32 = 3, U8 = 4, I64 = 5 }

export function arrayKind(a: StorageArray): ArrayKind {
  if (a instanceof Float32Array) return ArrayKind.F32;
  if (a instanceof Float64Array) return ArrayKind.F64;
  if (a instanceof Uint16Array) return ArrayKind.U16;
  if (a instanceof Int32Array) return ArrayKind.I32;
  if (a instanceof Uint8Array) return ArrayKind.U8;
  return ArrayKind.I64;
}

let frame: Float64Array | null = null;

/** The frame, registered with the addon on first use (once per thread). */
export function callFrame(addon: FrameAddon): Float64Array {
  if (!frame) {
    frame = new Float64Array(FRAME_SIZE);
    addon.bindFrame(frame);
  }
  return frame;
}

/**
 * Writes [ndim, shape..., then per operand: offset, strides...] at frame[at]. The caller keeps
 * shape.length <= MAX_NATIVE_DIMS and at most 4 operands, which fits FRAME_SIZE.
 */
export function packStrided(f: Float64Array, at: number, shape: readonly number[], offs: readonly number[], strides: readonly (readonly number[])[]): void {
  const nd = shape.length;
  f[at] = nd;
  for (let i = 0; i < nd; i++) f[at + 1 + i] = shape[i]!;
  let p = at + 1 + nd;
  for (let k = 0; k < offs.length; k++) {
    f[p] = offs[k]!;
    const st = strides[k]!;
    for (let i = 0; i < nd; i++) f[p + 1 + i] = st[i]!;
    p += 1 + nd;
  }
}
