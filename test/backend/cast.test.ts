import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsBackend } from '../../src/backend/index.js';
import type { Backend } from '../../src/backend/backend.js';
import { allocate, DTYPES, type DType, type StorageArray } from '../../src/tensor/dtype.js';
import { forEachIsa, forEachThreadCount, native, rng } from '../helpers.js';
import { assertSame, mixedFloats, TORCH } from './strided-cases.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsToF32 = (b: number): number => { u32[0] = b; return f32[0]!; };

function backends(): [string, Backend][] {
  const out: [string, Backend][] = [['js', jsBackend]];
  return out;
}

/** Runs check(name, backend) on the TypeScript backend and on the native one under every ISA. */
function onEveryBackend(check: (name: string, b: Backend) => void): void {
  for (const [name, b] of backends()) check(name, b);
  const nb = native();
  if (nb) forEachIsa((isa) => check(`native ${isa}`, nb));
}

function castF32(b: Backend, x: Float32Array, to: 'float16' | 'bfloat16'): Uint16Array {
  const out = new Uint16Array(x.length);
  b.cast(x, 'float32', 0, out, to, 0, x.length);
  return out;
}

test('float16 -> float32 -> float16 round-trips all 65536 bit patterns (NaN stays NaN, made quiet)', () => {
  const h = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const wantBits = new Uint32Array(65536);
  jsBackend.cast(h, 'float16', 0, new Float32Array(wantBits.buffer), 'float32', 0, 65536);
  onEveryBackend((name, b) => {
    const f = new Float32Array(65536);
    b.cast(h, 'float16', 0, f, 'float32', 0, 65536);
    assertSame(new Uint32Array(f.buffer), wantBits, `${name} float16 -> float32 bits`);
    const back = castF32(b, f, 'float16');
    for (let i = 0; i < 65536; i++) {
      const nan = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      const want = nan ? i | 0x200 : i;
      if (back[i] !== want) assert.fail(`${name}: float16 0x${i.toString(16)} came back as 0x${back[i]!.toString(16)}`);
    }
  });
});

/**
 * Every pair of neighbouring finite half values (float16 or bfloat16) a < b: their midpoint must
 * round to the one with the even last bit, and the float32 values just inside it to the nearer.
 * Midpoints are exact in float32 for both formats.
 */
function halfwayCases(decode: (h: number) => number, maxFinite: number): { x: Float32Array; want: Uint16Array } {
  const xs: number[] = [], want: number[] = [];
  for (let h = 0; h < maxFinite; h++) {
    for (const sign of [0, 0x8000]) {
      const a = decode(h | sign), b = decode((h + 1) | sign);
      const mid = Math.fround((a + b) / 2);
      assert.equal(mid, (a + b) / 2, 'midpoint exact in float32');
      const even = (h & 1) === 0 ? h : h + 1;
      u32[0] = 0;
      f32[0] = mid;
      const midBits = u32[0]!;
      // toward b and toward a by one float32 step (the magnitude grows with the bits)
      xs.push(mid, bitsToF32(midBits + 1), bitsToF32(midBits - 1));
      want.push(even | sign, (h + 1) | sign, h | sign);
    }
  }
  return { x: Float32Array.from(xs), want: Uint16Array.from(want) };
}

test('float32 -> float16 rounds every halfway case to even, including subnormals and the overflow to Inf', () => {
  const decode = (h: number): number => {
    const t = new Float32Array(1);
    jsBackend.cast(Uint16Array.of(h), 'float16', 0, t, 'float32', 0, 1);
    return t[0]!;
  };
  const { x, want } = halfwayCases(decode, 0x7bff);
  // 65504 is the largest float16; 65520 (halfway to 2^16) and above overflow to Inf.
  const edge = Float32Array.of(65504, 65519.996, 65520, -65520, 1e10, Infinity, -Infinity, 2 ** -25, 2 ** -25 + 2 ** -40, 2 ** -24, 5.960464477539063e-8 * 1.5);
  const edgeWant = Uint16Array.of(0x7bff, 0x7bff, 0x7c00, 0xfc00, 0x7c00, 0x7c00, 0xfc00, 0x0000, 0x0001, 0x0001, 0x0002);
  onEveryBackend((name, b) => {
    assertSame(castF32(b, x, 'float16'), want, `${name} float16 halfway cases`);
    assertSame(castF32(b, edge, 'float16'), edgeWant, `${name} float16 edges`);
  });
});

test('float32 -> bfloat16 rounds every halfway case to even (subnormals too, also on AVX512-BF16)', () => {
  const decode = (h: number): number => bitsToF32(h << 16);
  const { x, want } = halfwayCases(decode, 0x7f7f);
  const edge = Float32Array.of(3.4028234663852886e38, Infinity, -Infinity, 1e-45, -1e-45, 1.1754942e-38, 9.2e-41);
  const edgeBits = castF32(jsBackend, edge, 'bfloat16');
  assertSame(edgeBits, Uint16Array.of(0x7f80, 0x7f80, 0xff80, 0x0000, 0x8000, 0x0080, 0x0001), 'TypeScript bfloat16 edges');
  // float32 NaNs of every kind stay NaN
  const nans = new Float32Array(64);
  const nb = new Uint32Array(nans.buffer);
  for (let i = 0; i < 64; i++) nb[i] = (i & 1 ? 0xff800000 : 0x7f800000) | (1 + ((i * 0x9e3779b1) >>> 9));
  onEveryBackend((name, b) => {
    assertSame(castF32(b, x, 'bfloat16'), want, `${name} bfloat16 halfway cases`);
    assertSame(castF32(b, edge, 'bfloat16'), edgeBits, `${name} bfloat16 edges`);
    for (const [i, h] of castF32(b, nans, 'bfloat16').entries()) {
      assert.ok((h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0, `${name}: NaN 0x${nb[i]!.toString(16)} became 0x${h.toString(16)}`);
    }
    for (const [i, h] of castF32(b, nans, 'float16').entries()) {
      assert.ok((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0, `${name}: NaN 0x${nb[i]!.toString(16)} became float16 0x${h.toString(16)}`);
    }
  });
});

test('float16 and bfloat16 conversions match PyTorch (fixtures)', () => {
  const c = TORCH.cast;
  const x = new Float32Array(Uint32Array.from(c.f32bits as number[]).buffer);
  onEveryBackend((name, b) => {
    const h = castF32(b, x, 'float16'), bf = castF32(b, x, 'bfloat16');
    for (let i = 0; i < x.length; i++) {
      if (Number.isNaN(x[i])) {
        // PyTorch writes one canonical NaN; any NaN will do
        assert.ok((h[i]! & 0x7c00) === 0x7c00 && (h[i]! & 0x3ff) !== 0, `${name} float16 NaN`);
        assert.ok((bf[i]! & 0x7f80) === 0x7f80 && (bf[i]! & 0x7f) !== 0, `${name} bfloat16 NaN`);
        continue;
      }
      assert.equal(h[i], c.f16bits[i], `${name}: float32 0x${(c.f32bits[i] as number).toString(16)} -> float16`);
      assert.equal(bf[i], c.bf16bits[i], `${name}: float32 0x${(c.f32bits[i] as number).toString(16)} -> bfloat16`);
    }
    const back = new Float32Array(c.halfbits.length);
    b.cast(Uint16Array.from(c.halfbits as number[]), 'float16', 0, back, 'float32', 0, back.length);
    assertSame(new Uint32Array(back.buffer), c.half_to_f32bits, `${name} float16 -> float32`);
    const ints = new Int32Array(c.f32_to_int32_in.length);
    b.cast(Float32Array.from(c.f32_to_int32_in as number[]), 'float32', 0, ints, 'int32', 0, ints.length);
    assertSame(ints, c.f32_to_int32, `${name} float32 -> int32`);
    const bools = new Uint8Array(5);
    b.cast(Float32Array.of(0, -0, 1e-45, NaN, -3), 'float32', 0, bools, 'bool', 0, 5);
    assertSame(bools, c.f32_to_bool, `${name} float32 -> bool`);
  });
});

/** Random contents for any dtype, with the awkward values of each. */
function randomStorage(dtype: DType, n: number, seed: number): StorageArray {
  const r = rng(seed);
  const a = allocate(dtype, n);
  if (dtype === 'float32') return mixedFloats(n, seed, -300, 300, 0.3);
  if (dtype === 'float64') {
    const d = a as Float64Array;
    const special = [0, -0, NaN, Infinity, -Infinity, 1e40, -1e40, 3e9, -3e9, 2 ** 63, -(2 ** 64) * 3, 1e300, 65520, 2.5, -2.5, 255.9, 256, -1, 1e-300];
    for (let i = 0; i < n; i++) d[i] = r() < 0.3 ? special[i % special.length]! : (r() - 0.5) * 10 ** Math.floor(r() * 12);
    return d;
  }
  if (dtype === 'int64') {
    const d = a as BigInt64Array;
    for (let i = 0; i < n; i++) d[i] = BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 32)) * BigInt(Math.floor(r() * 2 ** 32)) * (r() < 0.5 ? -1n : 1n)) >> BigInt(Math.floor(r() * 64));
    return d;
  }
  if (dtype === 'bool') { for (let i = 0; i < n; i++) (a as Uint8Array)[i] = r() < 0.5 ? 1 : 0; return a; }
  if (dtype === 'int32') { for (let i = 0; i < n; i++) (a as Int32Array)[i] = Math.floor((r() - 0.5) * 2 ** (1 + Math.floor(r() * 32))); return a; }
  const bytes = new Uint8Array(a.buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
  return a;
}

/** Exact, except that NaN payloads may differ (JS numbers carry one NaN). */
function sameElements(got: StorageArray, want: StorageArray, dtype: DType, what: string): void {
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const nan = (h: number) => (dtype === 'float16' ? (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 : (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0);
    const g = got as Uint16Array, w = want as Uint16Array;
    for (let i = 0; i < g.length; i++) {
      if (g[i] !== w[i] && !(nan(g[i]!) && nan(w[i]!))) assert.fail(`${what}: element ${i} is 0x${g[i]!.toString(16)}, expected 0x${w[i]!.toString(16)}`);
    }
  } else if (got instanceof Float32Array || got instanceof Float64Array) {
    assertSame(got, want as Float32Array, what);
  } else {
    assertSame(got as Uint8Array, want as Uint8Array, what);
  }
}

test('native casts between every pair of dtypes agree with the TypeScript backend (offsets, threads)', () => {
  const nb = native();
  if (!nb) return;
  for (const n of [0, 1, 13, 70003]) {
    for (const from of DTYPES) {
      const src = randomStorage(from, n + 3, n * 31 + DTYPES.indexOf(from));
      for (const to of DTYPES) {
        // the large size (threaded) only where float32 is involved, to keep the reference quick
        if (n > 65536 && from !== 'float32' && to !== 'float32') continue;
        const want = allocate(to, n + 2);
        jsBackend.cast(src, from, 3, want, to, 2, n);
        const threads = n > 65536 ? forEachThreadCount : (fn: (t: number) => void) => fn(1);
        threads((t) => forEachIsa((isa) => {
          const got = allocate(to, n + 2);
          nb.cast(src, from, 3, got, to, 2, n);
          sameElements(got, want, to, `${from} -> ${to} n=${n} ${isa} ${t} threads`);
        }));
      }
    }
  }
});
