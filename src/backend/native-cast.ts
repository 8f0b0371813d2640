// Native casts, strided copies and fills (native/bind_cast.cc, native/bind_copy.cc).

import type { DType, StorageArray } from '../tensor/dtype.js';
import type { Backend } from './backend.js';
import { A, arrayKind, callFrame, FRAME_STATUS, MAX_NATIVE_DIMS, packStrided, type FrameAddon } from './native-frame.js';

export interface CastAddon extends FrameAddon {
  /** frame [srcKind, srcOff, dstKind, dstOff, n], kinds are CAST_KIND codes */
  castKinds(src: StorageArray, dst: StorageArray): void;
  /** frame [elemSize, ndim, shape..., srcOff, srcStrides..., dstOff, dstStrides...]; src and dst of that element size */
  copyStrided(src: StorageArray, dst: StorageArray): void;
  /** frame [arrayKind, dstOff, n, value]: value already as a typed array store would hold it; status 0 for kinds it does not fill */
  fill(dst: StorageArray): void;
}

/** native/dispatch.h CastKind */
export const CAST_KIND: Readonly<Record<DType, number>> = { float32: 0, float64: 1, float16: 2, bfloat16: 3, int32: 4, uint8: 5, bool: 6, int64: 7 };

/**
 * From this many elements the addon fills (on every thread); below it TypedArray.prototype.fill,
 * which runs at the same speed as the addon's single-threaded fill (V8 fills natively too), so
 * the addon pays off only where a second thread can share a large fill. Measured on this machine
 * from 64 Ki to 16 Mi float32 elements.
 */
export const NATIVE_FILL_MIN = 1 << 20;

export function castOverrides(addon: CastAddon, js: Backend): Pick<Backend, 'cast' | 'copyStrided' | 'fill'> {
  const f = callFrame(addon);
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
      f[A] = CAST_KIND[srcDtype]; f[A + 1] = srcOff; f[A + 2] = CAST_KIND[dstDtype]; f[A + 3] = dstOff; f[A + 4] = n;
      addon.castKinds(src, dst);
    },

    copyStrided(src, srcOff, srcStrides, dst, dstOff, dstStrides, shape) {
      if (shape.length > MAX_NATIVE_DIMS) { js.copyStrided(src, srcOff, srcStrides, dst, dstOff, dstStrides, shape); return; }
      f[A] = src.BYTES_PER_ELEMENT;
      packStrided(f, A + 1, shape, [srcOff, dstOff], [srcStrides, dstStrides]);
      addon.copyStrided(src, dst);
    },

    fill(dst, dstOff, n, value) {
      if (n >= NATIVE_FILL_MIN && !(dst instanceof BigInt64Array)) {
        f[A] = arrayKind(dst); f[A + 1] = dstOff; f[A + 2] = n; f[A + 3] = stored(dst, value);
        addon.fill(dst);
        if (f[FRAME_STATUS] === 1) return;
      }
      js.fill(dst, dstOff, n, value);
    },
  };
}

