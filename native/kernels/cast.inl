// Casts between element kinds (CastKind in dispatch.h). float16 and bfloat16 round to nearest
// even with NaN kept NaN (quietened) and Inf kept Inf; F16C and AVX512-BF16 do it in hardware
// where present. Float to integer truncates toward zero and wraps like JavaScript's typed arrays
// (NaN and Inf give 0), so the native and TypeScript backends agree on every input.

// ---- float16 and bfloat16 bit conversions, portable --------------------------------------------

static inline uint16_t f32_to_f16_bits(float f) {
  uint32_t x = float_to_bits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t ax = x & 0x7fffffffu;
  // Below 2^-14 the result is subnormal: adding 0.5 lets the FPU round the shifted mantissa to
  // nearest even, and the low bits of the sum are the float16 bits.
  uint32_t sub = float_to_bits(bits_to_float(ax) + 0.5f) - 0x3f000000u;
  // Normal range: rebias the exponent and round the 13 dropped bits to nearest even (a carry
  // into the exponent is the correct rounding, up to Inf).
  uint32_t norm = (ax + 0xc8000fffu + ((ax >> 13) & 1u)) >> 13;
  uint32_t h = ax < 0x38800000u ? sub : norm;
  h = ax >= 0x47800000u ? 0x7c00u : h;                                  // overflow to Inf
  h = ax > 0x7f800000u ? (0x7e00u | ((ax >> 13) & 0x3ffu)) : h;         // NaN stays NaN (quiet)
  return uint16_t(sign | h);
}

static inline float f16_bits_to_f32(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t em = h & 0x7fffu;
  float sub = float(int32_t(em)) * 5.9604644775390625e-8f;  // em * 2^-24, exact
  uint32_t norm = (em << 13) + 0x38000000u;
  uint32_t special = 0x7f800000u | ((em & 0x3ffu) << 13) | ((em & 0x3ffu) ? 0x400000u : 0u);  // Inf, quiet NaN
  uint32_t bits = em >= 0x7c00u ? special : (em >= 0x400u ? norm : float_to_bits(sub));
  return bits_to_float(sign | bits);
}

static inline uint16_t f32_to_bf16_bits(float f) {
  uint32_t x = float_to_bits(f);
  uint32_t rounded = (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
  uint32_t nan = (x >> 16) | 0x40u;
  return uint16_t((x & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
}

static inline float bf16_bits_to_f32(uint16_t h) { return bits_to_float(uint32_t(h) << 16); }

// ---- float16 / bfloat16 loops ------------------------------------------------------------------

// GCC 12's AVX-512 conversion intrinsics trip -Wmaybe-uninitialized inside its own headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

static void f32_to_f16(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#elif defined(__F16C__)
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#endif
  for (; i < n; i++) y[i] = f32_to_f16_bits(x[i]);
}

static void f16_to_f32(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i))));
#elif defined(__F16C__)
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
#endif
  for (; i < n; i++) y[i] = f16_bits_to_f32(x[i]);
}

#pragma GCC diagnostic pop

static void f32_to_bf16_portable(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = f32_to_bf16_bits(x[i]);
}

#if defined(__AVX512F__)
// vcvtneps2bf16 rounds to nearest even and quietens NaN as the portable code does, but flushes
// subnormal inputs to zero; lanes holding a subnormal are redone with the portable rounding.
// Compiled for AVX512-BF16 by attribute only, and called only when the CPU has it.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
static void f32_to_bf16_avx512bf16(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff), min_normal = _mm512_set1_epi32(0x00800000);
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_loadu_ps(x + i);
    __m256i r = (__m256i)_mm512_cvtneps_pbh(v);
    __m512i ab = _mm512_and_si512(_mm512_castps_si512(v), abs_mask);
    __mmask16 sub = _mm512_mask_cmplt_epi32_mask(_mm512_test_epi32_mask(ab, ab), ab, min_normal);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), r);
    if (sub) {
      for (int j = 0; j < 16; j++) if (sub & (1u << j)) y[i + j] = f32_to_bf16_bits(x[i + j]);
    }
  }
  f32_to_bf16_portable(x + i, y + i, n - i);
}
#endif

static void f32_to_bf16(const float* x, uint16_t* y, int64_t n) {
#if defined(__AVX512F__)
  static const bool hw = ody::cpu_features().avx512_bf16;
  if (hw) { f32_to_bf16_avx512bf16(x, y, n); return; }
#endif
  f32_to_bf16_portable(x, y, n);
}

static void bf16_to_f32(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = bf16_bits_to_f32(x[i]);
}

// ---- integers with JavaScript's wrapping -------------------------------------------------------

// trunc(v) modulo 2^64 as a typed array store does it; NaN and +-Inf give 0.
static inline int64_t wrap_trunc_i64(double v) {
  if (!(std::fabs(v) < std::numeric_limits<double>::infinity())) return 0;
  if (std::fabs(v) < 9223372036854775808.0) return int64_t(v);
  // |v| >= 2^63: v = m * 2^e exactly with a 53-bit integer m; keep the low 64 bits of m << e.
  int e;
  double fr = std::frexp(std::fabs(v), &e);
  uint64_t m = uint64_t(std::ldexp(fr, 53));
  int shift = e - 53;
  uint64_t low = shift >= 64 ? 0 : (m << shift);
  return int64_t(v < 0 ? (~low + 1) : low);
}

static void f32_to_i32(const float* x, int32_t* y, int64_t n) {
  int32_t big = 0;  // an int, not a bool, so that the loop vectorises
  for (int64_t i = 0; i < n; i++) {
    float v = x[i];
    bool ok = std::fabs(v) < 2147483648.0f;
    y[i] = int32_t(ok ? v : 0.0f);
    big |= ok ? 0 : 1;
  }
  if (big) {
    for (int64_t i = 0; i < n; i++)
      if (!(std::fabs(x[i]) < 2147483648.0f)) y[i] = int32_t(uint32_t(uint64_t(wrap_trunc_i64(x[i]))));
  }
}

// Floats of magnitude >= 2^31 are multiples of 256, so their low byte is 0 like NaN's and Inf's.
static void f32_to_u8(const float* x, uint8_t* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    float v = x[i];
    y[i] = uint8_t(uint32_t(int32_t(std::fabs(v) < 2147483648.0f ? v : 0.0f)));
  }
}

// ---- the generic path: any kind to double and back, a chunk at a time ------------------------

static void kind_to_f64(int kind, const void* src, double* d, int64_t n) {
  switch (kind) {
    case kCastF32: { auto s = static_cast<const float*>(src); for (int64_t i = 0; i < n; i++) d[i] = s[i]; break; }
    case kCastF64: std::memcpy(d, src, size_t(n) * 8); break;
    case kCastF16: { auto s = static_cast<const uint16_t*>(src); for (int64_t i = 0; i < n; i++) d[i] = f16_bits_to_f32(s[i]); break; }
    case kCastBF16: { auto s = static_cast<const uint16_t*>(src); for (int64_t i = 0; i < n; i++) d[i] = bf16_bits_to_f32(s[i]); break; }
    case kCastI32: { auto s = static_cast<const int32_t*>(src); for (int64_t i = 0; i < n; i++) d[i] = s[i]; break; }
    case kCastU8: case kCastBool: { auto s = static_cast<const uint8_t*>(src); for (int64_t i = 0; i < n; i++) d[i] = s[i]; break; }
    case kCastI64: { auto s = static_cast<const int64_t*>(src); for (int64_t i = 0; i < n; i++) d[i] = double(s[i]); break; }
  }
}

// float64 goes into the half kinds through float32, as PyTorch (and the TypeScript backend) do.
static void f64_to_kind(const double* d, int kind, void* dst, int64_t n) {
  switch (kind) {
    case kCastF32: { auto o = static_cast<float*>(dst); for (int64_t i = 0; i < n; i++) o[i] = float(d[i]); break; }
    case kCastF64: std::memcpy(dst, d, size_t(n) * 8); break;
    case kCastF16: { auto o = static_cast<uint16_t*>(dst); for (int64_t i = 0; i < n; i++) o[i] = f32_to_f16_bits(float(d[i])); break; }
    case kCastBF16: { auto o = static_cast<uint16_t*>(dst); for (int64_t i = 0; i < n; i++) o[i] = f32_to_bf16_bits(float(d[i])); break; }
    case kCastI32: { auto o = static_cast<int32_t*>(dst); for (int64_t i = 0; i < n; i++) o[i] = int32_t(uint32_t(uint64_t(wrap_trunc_i64(d[i])))); break; }
    case kCastU8: { auto o = static_cast<uint8_t*>(dst); for (int64_t i = 0; i < n; i++) o[i] = uint8_t(uint64_t(wrap_trunc_i64(d[i]))); break; }
    case kCastBool: { auto o = static_cast<uint8_t*>(dst); for (int64_t i = 0; i < n; i++) o[i] = d[i] != 0.0 ? 1 : 0; break; }
    case kCastI64: { auto o = static_cast<int64_t*>(dst); for (int64_t i = 0; i < n; i++) o[i] = wrap_trunc_i64(d[i]); break; }
  }
}

static int kind_size(int kind) {
  static const int sizes[] = {4, 8, 2, 2, 4, 1, 1, 8};
  return sizes[kind];
}

static void cast(int sk, int dk, const void* src, void* dst, int64_t n) {
  if (sk == dk || (sk == kCastBool && dk == kCastU8)) { std::memmove(dst, src, size_t(n) * kind_size(sk)); return; }
  if (sk == kCastF32) {
    const float* x = static_cast<const float*>(src);
    switch (dk) {
      case kCastF16: f32_to_f16(x, static_cast<uint16_t*>(dst), n); return;
      case kCastBF16: f32_to_bf16(x, static_cast<uint16_t*>(dst), n); return;
      case kCastF64: { double* o = static_cast<double*>(dst); for (int64_t i = 0; i < n; i++) o[i] = x[i]; return; }
      case kCastI32: f32_to_i32(x, static_cast<int32_t*>(dst), n); return;
      case kCastU8: f32_to_u8(x, static_cast<uint8_t*>(dst), n); return;
      case kCastBool: { uint8_t* o = static_cast<uint8_t*>(dst); for (int64_t i = 0; i < n; i++) o[i] = x[i] != 0.0f ? 1 : 0; return; }
      default: break;
    }
  }
  if (dk == kCastF32) {
    float* o = static_cast<float*>(dst);
    switch (sk) {
      case kCastF16: f16_to_f32(static_cast<const uint16_t*>(src), o, n); return;
      case kCastBF16: bf16_to_f32(static_cast<const uint16_t*>(src), o, n); return;
      case kCastF64: { const double* x = static_cast<const double*>(src); for (int64_t i = 0; i < n; i++) o[i] = float(x[i]); return; }
      case kCastI32: { const int32_t* x = static_cast<const int32_t*>(src); for (int64_t i = 0; i < n; i++) o[i] = float(x[i]); return; }
      case kCastU8: case kCastBool: { const uint8_t* x = static_cast<const uint8_t*>(src); for (int64_t i = 0; i < n; i++) o[i] = float(x[i]); return; }
      default: break;
    }
  }
  // Everything else: through float64, which holds every value of every kind but int64 exactly
  // (int64 rounds to nearest even, as Number(bigint) does).
  constexpr int64_t kChunk = 512;
  double buf[kChunk];
  const char* s = static_cast<const char*>(src);
  char* d = static_cast<char*>(dst);
  const int ss = kind_size(sk), ds = kind_size(dk);
  for (int64_t i = 0; i < n; i += kChunk) {
    int64_t m = std::min(kChunk, n - i);
    kind_to_f64(sk, s + i * ss, buf, m);
    f64_to_kind(buf, dk, d + i * ds, m);
  }
}

inline void fill_cast(Kernels& k) { k.cast = cast; }
