// Native casts, strided copies and fills (native/bind_cast.cc, native/bind_copy.cc).

import type { DType, StorageArray } from '../tensor/dtype.js';
import type { Backend } from './backend.js';
import { MAX_NATIVE_DIMS, packMeta } from './native-elementwise.js';

export interface CastAddon {
  /** Element kinds are CAST_KIND codes; offsets and n in elements. */
  castKinds(srcKind: number, src: StorageArray, srcOff: number, dstKind: number, dst: StorageArray, dstOff: number, n: number): void;
  /** meta = [ndim, shape..., srcOff, srcStrides..., dstOff, dstStrides...]; src and dst of the same element size */
  copyStrided(src: StorageArray, dst: StorageArray, meta: Float64Array): void;
  /** value is already what a typed array store would hold; false for arrays it does not fill */
  fill(dst: StorageArray, dstOff: number, n: number, value: number): boolean;
}

/** native/dispatch.h CastKind */
export const CAST_KIND: Readonly<Record<DType, number>> = { float32: 0, float64: 1, float16: 2, bfloat16: 3, int32: 4, uint8: 5, bool: 6, int64: 7 };

/**
 * Below this many elements TypedArray.prototype.fill (V8's own loop) beats a call into the addon;
 * above it the addon fills on every thread. Measured with bench/elementwise.ts.
 */
export const NATIVE_FILL_MIN = 1 << 16;

export function castOverrides(addon: CastAddon, js: Backend): Pick<Backend, 'cast' | 'copyStrided' | 'fill'> {
  const meta = new Float64Array(3 + 2 * MAX_NATIVE_DIMS);
  const scratch = {
    f32: new Float32Array(1), f64: new Float64Array(1), i32: new Int32Array(1), u16: new Uint16Array(1), u8: new Uint8Array(1),
  };
  // What a store of v into dst would hold, so the addon's cast back from double is exact.
  function stored(dst: StorageArray, v: number): number {
    const s = dst instanceof Float32Array ? scratch.f32 : dst instanceof Int32Array ? scratch.i32 : dst instanceof Uint16Array ? scratch.u16 : dst instanceof Uint8Array ? scratch.u8 : scratch.f64;
    s[0] = v;
    return s[0]!;
  }
  return {
    cast(src, srcDtype, srcOff, dst, dstDtype, dstOff, n) {
      addon.castKinds(CAST_KIND[srcDtype], src, srcOff, CAST_KIND[dstDtype], dst, dstOff, n);
    },

    copyStrided(src, srcOff, srcStrides, dst, dstOff, dstStrides, shape) {
      if (shape.length > MAX_NATIVE_DIMS) { js.copyStrided(src, srcOff, srcStrides, dst, dstOff, dstStrides, shape); return; }
      packMeta(meta, shape, [srcOff, dstOff], [srcStrides, dstStrides]);
      addon.copyStrided(src, dst, meta);
    },

    fill(dst, dstOff, n, value) {
      if (n >= NATIVE_FILL_MIN && !(dst instanceof BigInt64Array) && addon.fill(dst, dstOff, n, stored(dst, value))) return;
      js.fill(dst, dstOff, n, value);
    },
  };
}
