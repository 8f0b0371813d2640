// float16 and bfloat16 conversions in TypeScript: round to nearest even, NaN and Inf preserved.
// The native backend does the same with F16C / AVX512-BF16 instructions.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 value (given as a JS number, rounded to float32 first) to float16 bits. */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  return float16FromFloat32Bits(u32[0]!);
}

/** float32 bits to float16 bits, round to nearest even; NaN stays NaN (quiet), Inf stays Inf. */
export function float16FromFloat32Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to Inf
  if (e <= 0) {
    // subnormal float16 (or zero)
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half += 1; // may carry into the exponent: correct, up to Inf
  return sign | half;
}

/** float16 bits to a JS number (exact). */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** float32 value to bfloat16 bits, round to nearest even. */
export function toBFloat16Bits(value: number): number {
  f32[0] = value;
  return bfloat16FromFloat32Bits(u32[0]!);
}

/** float32 bits to bfloat16 bits, round to nearest even; NaN stays NaN (quiet), Inf stays Inf. */
export function bfloat16FromFloat32Bits(x: number): number {
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

export function fromBFloat16Bits(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/**
 * float16 bits to float32 bits, exact: NaN keeps its sign and payload and is made quiet, as F16C
 * (vcvtph2ps) and the native portable code do.
 */
export function float16ToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const em = h & 0x7fff;
  if (em >= 0x7c00) {
    const mant = em & 0x3ff;
    return (sign | 0x7f800000 | (mant << 13) | (mant !== 0 ? 0x400000 : 0)) >>> 0;
  }
  if (em >= 0x400) return (sign | ((em << 13) + 0x38000000)) >>> 0;
  f32[0] = em * 2 ** -24; // subnormal or zero: exact in float32
  return (sign | u32[0]!) >>> 0;
}

// Table for float16 decoding: the float32 bit patterns of all 65536 halves, built on first use.
let f16Bits: Uint32Array | null = null;
let f16Values: Float32Array | null = null;
function float16BitsTable(): Uint32Array {
  if (!f16Bits) {
    f16Bits = new Uint32Array(65536);
    for (let i = 0; i < 65536; i++) f16Bits[i] = float16ToFloat32Bits(i);
    f16Values = new Float32Array(f16Bits.buffer);
  }
  return f16Bits;
}

/** float16 bits -> float32 values (NaN bit patterns as float16ToFloat32Bits gives them). */
export function float16Table(): Float32Array {
  float16BitsTable();
  return f16Values!;
}

export function decodeHalf(src: Uint16Array, dst: Float32Array | Float64Array, bf16: boolean, srcOff = 0, dstOff = 0, n = src.length - srcOff): void {
  if (dst instanceof Float32Array) {
    // Through the bits, so NaN payloads arrive exactly (a JS number would canonicalise them).
    const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
    if (bf16) {
      for (let i = 0; i < n; i++) out[dstOff + i] = src[srcOff + i]! << 16;
    } else {
      const t = float16BitsTable();
      for (let i = 0; i < n; i++) out[dstOff + i] = t[src[srcOff + i]!]!;
    }
    return;
  }
  if (bf16) {
    for (let i = 0; i < n; i++) {
      u32[0] = src[srcOff + i]! << 16;
      dst[dstOff + i] = f32[0]!;
    }
  } else {
    const t = float16Table();
    for (let i = 0; i < n; i++) dst[dstOff + i] = t[src[srcOff + i]!]!;
  }
}

/** float32 (or float64, rounded to float32 first, as PyTorch does) to float16 / bfloat16 bits. */
export function encodeHalf(src: ArrayLike<number>, dst: Uint16Array, bf16: boolean, srcOff = 0, dstOff = 0, n = src.length - srcOff): void {
  if (src instanceof Float32Array) {
    // Through the bits, so NaN payloads are kept as the hardware conversions keep them.
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    const enc = bf16 ? bfloat16FromFloat32Bits : float16FromFloat32Bits;
    for (let i = 0; i < n; i++) dst[dstOff + i] = enc(bits[srcOff + i]!);
    return;
  }
  const enc = bf16 ? toBFloat16Bits : toFloat16Bits;
  for (let i = 0; i < n; i++) dst[dstOff + i] = enc(src[srcOff + i]!);
}
