// Pointwise weight-gradient tiles (arguments and driver: conv/pointwise_weight.h): KB rows of dy
// held in registers against JB rows of x streamed past them, one 16-pixel vector at a time, the
// KB x JB sums kept as vectors until the last image of the block. AVX-512 only; other ISAs use the
// GEMM path.
// GCC 12 warns about the undefined first operand inside its own AVX-512 shuffle intrinsics.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#if defined(__AVX512F__)
// 24 accumulators + 6 dy vectors + 1 x vector of the 32 registers.
constexpr int kPwKB = 6, kPwJB = 4;

// Lane sums of a, b, c, d as one 4-float vector.
static inline __m128 pw_reduce4(__m512 a, __m512 b, __m512 c, __m512 d) {
  // per 128-bit block: [a0+a2, b0+b2, a1+a3, b1+b3] and the same for c, d
  const __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
  const __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
  // per block: [a, b, c, d] over its four lanes
  const __m512 s = _mm512_add_ps(_mm512_shuffle_ps(ab, cd, 0x44), _mm512_shuffle_ps(ab, cd, 0xEE));
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(s), _mm512_extractf32x8_ps(s, 1));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

template <int KB, int JB>
static void pw_dw_tile_t(const PointwiseWeightArgs& a, bool accumulate) {
  __m512 acc[KB][JB];
#pragma GCC unroll 8
  for (int k = 0; k < KB; k++)
#pragma GCC unroll 8
    for (int j = 0; j < JB; j++) acc[k][j] = _mm512_setzero_ps();
  const int64_t L = a.len, full = L & ~int64_t(15);
  const __mmask16 tail = __mmask16((1u << (L & 15)) - 1);
  auto load = [](const float* p, __mmask16 m, bool masked) __attribute__((always_inline)) {
    return masked ? _mm512_maskz_loadu_ps(m, p) : _mm512_loadu_ps(p);
  };
  auto step = [&](int64_t p, __mmask16 m, bool masked) __attribute__((always_inline)) {
    __m512 dv[KB];
#pragma GCC unroll 8
    for (int k = 0; k < KB; k++) dv[k] = load(a.dy + k * L + p, m, masked);
#pragma GCC unroll 8
    for (int j = 0; j < JB; j++) {
      // Masked too: past the row lies the next one, whose inf would turn 0 * x into NaN.
      const __m512 xv = load(a.x + j * L + p, m, masked);
#pragma GCC unroll 8
      for (int k = 0; k < KB; k++) acc[k][j] = _mm512_fmadd_ps(dv[k], xv, acc[k][j]);
    }
  };
  for (int64_t p = 0; p < full; p += 16) step(p, __mmask16(0xFFFF), false);
  if (tail) step(full, tail, true);
  const __mmask8 cm = __mmask8((1u << JB) - 1);
  const __m512 z = _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int k = 0; k < KB; k++) {
    __m128 r = pw_reduce4(acc[k][0], JB > 1 ? acc[k][JB > 1 ? 1 : 0] : z, JB > 2 ? acc[k][JB > 2 ? 2 : 0] : z,
                          JB > 3 ? acc[k][JB > 3 ? 3 : 0] : z);
    float* c = a.dw + k * a.ldw;
    if (accumulate) r = _mm_add_ps(r, _mm_maskz_loadu_ps(cm, c));
    _mm_mask_storeu_ps(c, cm, r);
  }
}

// Rows [r0, r0 + rows) of planes of P floats (row r of image b at src + b * img + r * P), depth
// (image, pixel) indices [q0, q1), into dst[r * (q1 - q0) + q - q0]. Image by image, each image's
// rows one sequential run, with the next image's lines requested meanwhile (a block's images lie
// far apart, beyond the hardware prefetchers' reach; the copy waits on memory otherwise).
static void pw_copy_rows(const float* src, int64_t img, int64_t P, int64_t r0, int64_t rows, int64_t q0, int64_t q1,
                         float* dst) {
  const int64_t len = q1 - q0;
  for (int64_t q = q0; q < q1;) {
    const int64_t b = q / P, p = q - b * P, run = std::min(q1 - q, P - p);
    const float* s = src + b * img + r0 * P + p;
    const bool next = q + run < q1;
    float* d = dst + (q - q0);
    const __mmask16 tm = __mmask16((1u << (run & 15)) - 1);
    for (int64_t r = 0; r < rows; r++) {
      const float* sr = s + r * P;
      float* dr = d + r * len;
      int64_t i = 0;
      for (; i + 16 <= run; i += 16) {
        if (next) _mm_prefetch(reinterpret_cast<const char*>(sr + img + i), _MM_HINT_T0);
        _mm512_storeu_ps(dr + i, _mm512_loadu_ps(sr + i));
      }
      if (tm) {
        if (next) _mm_prefetch(reinterpret_cast<const char*>(sr + img + i), _MM_HINT_T0);
        _mm512_mask_storeu_ps(dr + i, tm, _mm512_maskz_loadu_ps(tm, sr + i));
      }
    }
    q += run;
  }
}

using PwDwTile = void (*)(const PointwiseWeightArgs&, bool);

template <size_t... I>
static constexpr std::array<PwDwTile, sizeof...(I)> pw_dw_table(std::index_sequence<I...>) {
  return {{&pw_dw_tile_t<int(I / kPwJB) + 1, int(I % kPwJB) + 1>...}};
}

static void pw_dw_tile(const PointwiseWeightArgs& a, int kn, int jn, bool accumulate) {
  static constexpr auto table = pw_dw_table(std::make_index_sequence<size_t(kPwKB * kPwJB)>());
  table[size_t((kn - 1) * kPwJB + jn - 1)](a, accumulate);
}
#endif

inline void fill_conv_pointwise_weight(Kernels& k) {
#if defined(__AVX512F__)
  k.pw_dw_tile = pw_dw_tile;
  k.pw_copy_rows = pw_copy_rows;
  k.pw_dw_kb = kPwKB;
  k.pw_dw_jb = kPwJB;
#else
  (void)k;
#endif
}

#pragma GCC diagnostic pop
