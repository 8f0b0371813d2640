// float16 and bfloat16 conversions in TypeScript: round to nearest even, NaN and Inf preserved.
// The native backend does the same with F16C / AVX512-BF16 instructions.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 value (given as a JS number, rounded to float32 first) to float16 bits. */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // NaN stays NaN (quiet), Inf stays Inf
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
  const x = u32[0]!;
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff; // quiet NaN
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

export function fromBFloat16Bits(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

// Table for float16 decoding: 65536 entries, built on first use.
let f16Table: Float32Array | null = null;
export function float16Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = fromFloat16Bits(i);
  }
  return f16Table;
}

export function decodeHalf(src: Uint16Array, dst: Float32Array | Float64Array, bf16: boolean, srcOff = 0, dstOff = 0, n = src.length - srcOff): void {
  if (bf16) {
    const bits = new Uint32Array(1);
    const val = new Float32Array(bits.buffer);
    for (let i = 0; i < n; i++) {
      bits[0] = src[srcOff + i]! << 16;
      dst[dstOff + i] = val[0]!;
    }
  } else {
    const t = float16Table();
    for (let i = 0; i < n; i++) dst[dstOff + i] = t[src[srcOff + i]!]!;
  }
}

export function encodeHalf(src: ArrayLike<number>, dst: Uint16Array, bf16: boolean, srcOff = 0, dstOff = 0, n = src.length - srcOff): void {
  const enc = bf16 ? toBFloat16Bits : toFloat16Bits;
  for (let i = 0; i < n; i++) dst[dstOff + i] = enc(src[srcOff + i]!);
}
