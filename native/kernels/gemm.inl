// SGEMM micro-kernels and panel packing for one instruction set; the blocking and threading driver
// is native/gemm/gemm.cc. Packed layouts (BLIS style): an A sliver holds MR rows of op(A) for kc
// steps of k as a[k * MR + i]; a B sliver holds NR columns of op(B) as b[k * NR + j]. The
// micro-kernel keeps an MR x NR block of C in registers: per k it loads NR/lanes vectors of B,
// broadcasts MR values of A and issues MR * NR/lanes FMAs.
// GCC 12 warns about the undefined first operand inside its own AVX-512 shuffle intrinsics.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"


#if defined(__AVX512F__)
constexpr int kGemmMR = 12, kGemmNR = 32;  // 24 zmm accumulators + 2 for B (measured best of 14x32, 12x32, 8x48, 6x64)
#elif defined(__AVX2__)
constexpr int kGemmMR = 6, kGemmNR = 16;   // 12 ymm accumulators + 2 for B + 1 broadcast
#else
constexpr int kGemmMR = 4, kGemmNR = 8;    // plain C++ the compiler vectorises for the baseline ISA
#endif
// Every kernel below: C = alpha * acc + beta * C (beta == 0: C is not read) + bias[i], written
// for the tile's valid columns only (masked), each column half at its own address (t.c0, t.c1), so
// a tile may straddle two column segments of C (images of a batch) at its middle.
#if defined(__AVX512F__)
// Steps before the end at which C's lines are pulled into L1.
#ifndef ODY_CTAIL
#define ODY_CTAIL 32
#endif
constexpr int kGemmCTail = ODY_CTAIL;
template <int R>
static void gemm_ukernel_rows(int64_t kc, const float* __restrict a, const float* __restrict b, int64_t ldb,
                              const GemmTile& t) {
  __m512 acc0[R], acc1[R];
#pragma GCC unroll 16
  for (int i = 0; i < R; i++) { acc0[i] = _mm512_setzero_ps(); acc1[i] = _mm512_setzero_ps(); }
  float* const c0 = t.c0;
  float* const c1 = t.c1;
  const int64_t ldc = t.ldc;
  // C lines are fetched while the products run (each half row may straddle two lines): into L2
  // at the start, into L1 shortly before the end (earlier, the streaming B sliver would evict
  // them: C's rows are often a multiple of 4 KB apart, all in the same few L1 sets).
  auto prefetch_c = [&](auto hint) __attribute__((always_inline)) {
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      _mm_prefetch(reinterpret_cast<const char*>(c0 + i * ldc), decltype(hint)::value);
      _mm_prefetch(reinterpret_cast<const char*>(c0 + i * ldc + 15), decltype(hint)::value);
      _mm_prefetch(reinterpret_cast<const char*>(c1 + i * ldc + 15), decltype(hint)::value);
    }
  };
  prefetch_c(std::integral_constant<_mm_hint, _MM_HINT_T1>());
  const char* an = reinterpret_cast<const char*>(t.a_next ? t.a_next : a);
  auto step = [&](const float* ap, const float* bp) __attribute__((always_inline)) {
    const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      const __m512 av = _mm512_set1_ps(ap[i]);
      acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(av, b1, acc1[i]);
    }
  };
  int64_t p = 0;
  // Four steps per iteration; the next A sliver (kGemmMR floats per step) streams into L1 meanwhile.
  auto four = [&]() __attribute__((always_inline)) {
    _mm_prefetch(an, _MM_HINT_T0);
    _mm_prefetch(an + 64, _MM_HINT_T0);
    _mm_prefetch(an + 128, _MM_HINT_T0);
    an += 4 * kGemmMR * sizeof(float);
    step(a, b);
    step(a + kGemmMR, b + ldb);
    step(a + 2 * kGemmMR, b + 2 * ldb);
    step(a + 3 * kGemmMR, b + 3 * ldb);
    a += 4 * kGemmMR;
    b += 4 * ldb;
  };
  for (; p + 4 + kGemmCTail <= kc; p += 4) four();
  prefetch_c(std::integral_constant<_mm_hint, _MM_HINT_T0>());
  for (; p + 4 <= kc; p += 4) four();
  for (; p < kc; p++) {
    step(a, b);
    a += kGemmMR;
    b += ldb;
  }
  const int cols = t.cols;
  const __mmask16 m0 = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? __mmask16(0xFFFF) : cols > 16 ? __mmask16((1u << (cols - 16)) - 1) : __mmask16(0);
  const __m512 va = _mm512_set1_ps(t.alpha), vb = _mm512_set1_ps(t.beta);
  const bool load_c = t.beta != 0.0f;
#pragma GCC unroll 16
  for (int i = 0; i < R; i++) {
    __m512 r0 = _mm512_mul_ps(acc0[i], va), r1 = _mm512_mul_ps(acc1[i], va);
    if (load_c) {
      r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, c0 + i * ldc), r0);
      r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, c1 + i * ldc), r1);
    }
    if (t.bias) {
      const __m512 bi = _mm512_set1_ps(t.bias[i]);
      r0 = _mm512_add_ps(r0, bi);
      r1 = _mm512_add_ps(r1, bi);
    }
    _mm512_mask_storeu_ps(c0 + i * ldc, m0, r0);
    _mm512_mask_storeu_ps(c1 + i * ldc, m1, r1);
  }
}
#elif defined(__AVX2__)
template <int R>
static void gemm_ukernel_rows(int64_t kc, const float* __restrict a, const float* __restrict b, int64_t ldb,
                              const GemmTile& t) {
  __m256 acc0[R], acc1[R];
#pragma GCC unroll 8
  for (int i = 0; i < R; i++) { acc0[i] = _mm256_setzero_ps(); acc1[i] = _mm256_setzero_ps(); }
  float* const c0 = t.c0;
  float* const c1 = t.c1;
  const int64_t ldc = t.ldc;
#pragma GCC unroll 8
  for (int i = 0; i < R; i++) {
    _mm_prefetch(reinterpret_cast<const char*>(c0 + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c1 + i * ldc + 7), _MM_HINT_T0);
  }
  auto step = [&](const float* ap, const float* bp) __attribute__((always_inline)) {
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
      const __m256 av = _mm256_broadcast_ss(ap + i);
      acc0[i] = _mm256_fmadd_ps(av, b0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(av, b1, acc1[i]);
    }
  };
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    step(a, b);
    step(a + kGemmMR, b + ldb);
    step(a + 2 * kGemmMR, b + 2 * ldb);
    step(a + 3 * kGemmMR, b + 3 * ldb);
    a += 4 * kGemmMR;
    b += 4 * ldb;
  }
  for (; p < kc; p++) {
    step(a, b);
    a += kGemmMR;
    b += ldb;
  }
  const int cols = t.cols;
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), iota);
  const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols - 8), iota);
  const bool full = cols == 16;
  const __m256 va = _mm256_set1_ps(t.alpha), vb = _mm256_set1_ps(t.beta);
  const bool load_c = t.beta != 0.0f;
#pragma GCC unroll 8
  for (int i = 0; i < R; i++) {
    float* d0 = c0 + i * ldc;
    float* d1 = c1 + i * ldc;
    __m256 r0 = _mm256_mul_ps(acc0[i], va), r1 = _mm256_mul_ps(acc1[i], va);
    if (load_c) {
      r0 = _mm256_fmadd_ps(vb, full ? _mm256_loadu_ps(d0) : _mm256_maskload_ps(d0, m0), r0);
      r1 = _mm256_fmadd_ps(vb, full ? _mm256_loadu_ps(d1) : _mm256_maskload_ps(d1, m1), r1);
    }
    if (t.bias) {
      const __m256 bi = _mm256_set1_ps(t.bias[i]);
      r0 = _mm256_add_ps(r0, bi);
      r1 = _mm256_add_ps(r1, bi);
    }
    if (full) {
      _mm256_storeu_ps(d0, r0);
      _mm256_storeu_ps(d1, r1);
    } else {
      _mm256_maskstore_ps(d0, m0, r0);
      _mm256_maskstore_ps(d1, m1, r1);
    }
  }
}
#else
template <int R>
static void gemm_ukernel_rows(int64_t kc, const float* __restrict a, const float* __restrict b, int64_t ldb,
                              const GemmTile& t) {
  float acc[R][kGemmNR] = {};
  for (int64_t p = 0; p < kc; p++) {
    for (int i = 0; i < R; i++) {
      const float av = a[i];
      for (int j = 0; j < kGemmNR; j++) acc[i][j] += av * b[j];
    }
    a += kGemmMR;
    b += ldb;
  }
  constexpr int half = kGemmNR / 2;
  for (int i = 0; i < R; i++) {
    const float bi = t.bias ? t.bias[i] : 0.0f;
    for (int j = 0; j < t.cols; j++) {
      float* d = (j < half ? t.c0 + j : t.c1 + (j - half)) + i * t.ldc;
      *d = t.beta != 0.0f ? t.alpha * acc[i][j] + t.beta * *d + bi : t.alpha * acc[i][j] + bi;
    }
  }
}
#endif

template <int... Rs>
struct GemmUkernelTable {
  static constexpr void (*fns[sizeof...(Rs)])(int64_t, const float*, const float*, int64_t, const GemmTile&) = {
      &gemm_ukernel_rows<Rs + 1>...};
};

// rows in [1, MR]: a kernel specialised for each row count, so an M edge costs only its own rows.
static void gemm_ukernel(int rows, int64_t kc, const float* a, const float* b, int64_t ldb, const GemmTile& t) {
#if defined(__AVX512F__)
  using T = GemmUkernelTable<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11>;
#elif defined(__AVX2__)
  using T = GemmUkernelTable<0, 1, 2, 3, 4, 5>;
#else
  using T = GemmUkernelTable<0, 1, 2, 3>;
#endif
  T::fns[rows - 1](kc, a, b, ldb, t);
}

// Transposes a block of `rows` (<= lanes) rows of `cols` (<= lanes) contiguous floats (row stride rs)
// into dst[k * w + i]. Rows beyond `rows` are written as zeros.
#if defined(__AVX512F__)
static inline void transpose16_store(const float* src, int64_t rs, int rows, int cols, float* dst, int w, int nlanes) {
  __m512 r[16];
  const __mmask16 cm = __mmask16((1u << cols) - 1);
#pragma GCC unroll 16
  for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(cm, src + i * rs) : _mm512_setzero_ps();
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) {
    r[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) {
    t[i + 0] = _mm512_shuffle_f32x4(r[i], r[4 + i], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[4 + i], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0xDD);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) {
    r[i + 0] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0xDD);
    r[i + 4] = _mm512_shuffle_f32x4(t[4 + i], t[12 + i], 0x88);
    r[i + 12] = _mm512_shuffle_f32x4(t[4 + i], t[12 + i], 0xDD);
  }
  // r[k] now holds column k (one k step) across the 16 rows.
  const __mmask16 sm = __mmask16((1u << nlanes) - 1);
  for (int k = 0; k < cols; k++) _mm512_mask_storeu_ps(dst + int64_t(k) * w, sm, r[k]);
}
#endif

// Packs ceil(rn / w) consecutive slivers of kc elements each: element (i, p) at src[i * rs + p * ks]
// goes to dst[(i / w) * kc * w + p * w + i % w]; rows past rn up to the last sliver's end are zero.
// ks == 1 is a transpose (k contiguous, one sliver at a time), rs == 1 a copy, done a whole source
// row at a time across all slivers so that reads stay sequential.
static void gemm_pack(const float* src, int64_t rs, int64_t ks, int rn, int64_t kc, int w, float* dst) {
  if (rs == 1) {
    const int nsl = (rn + w - 1) / w;
    for (int64_t p = 0; p < kc; p++) {
      const float* s = src + p * ks;
      for (int sl = 0; sl < nsl; sl++) {
        float* d = dst + int64_t(sl) * kc * w + p * w;
        const int base = sl * w;
#if defined(__AVX512F__)
        for (int i = 0; i < w; i += 16) {
          const int n = std::min(16, std::max(0, rn - base - i));
          const __mmask16 lm = __mmask16((1u << n) - 1), sm = __mmask16((1u << std::min(16, w - i)) - 1);
          _mm512_mask_storeu_ps(d + i, sm, _mm512_maskz_loadu_ps(lm, s + base + i));
        }
#else
        const int n = std::min(w, rn - base);
        int i = 0;
        for (; i < n; i++) d[i] = s[base + i];
        for (; i < w; i++) d[i] = 0.0f;
#endif
      }
    }
    return;
  }
  if (rn > w) {
    for (int base = 0; base < rn; base += w)
      gemm_pack(src + base * rs, rs, ks, std::min(w, rn - base), kc, w, dst + int64_t(base / w) * kc * w);
    return;
  }
#if defined(__AVX512F__)
  if (ks == 1) {
    for (int64_t p = 0; p < kc; p += 16) {
      const int cols = int(std::min<int64_t>(16, kc - p));
      for (int i = 0; i < w; i += 16) {
        const int rows = std::max(0, std::min(16, rn - i));
        transpose16_store(src + i * rs + p, rs, rows, cols, dst + p * w + i, w, std::min(16, w - i));
      }
    }
    return;
  }
#endif
  for (int64_t p = 0; p < kc; p++) {
    float* d = dst + p * w;
    int i = 0;
    for (; i < rn; i++) d[i] = src[i * rs + p * ks];
    for (; i < w; i++) d[i] = 0.0f;
  }
}

// Peak FMA throughput probe: `iters` rounds of independent FMA chains (enough to cover latency x
// ports), returning the flops executed. The chains stay in registers; their sum is stored to a sink.
static double gemm_peak_fma(int64_t iters, float* sink) {
#if defined(__AVX512F__)
  constexpr int kChains = 20, kLanes = 16;
  __m512 acc[kChains];
  for (int i = 0; i < kChains; i++) acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
  const __m512 m = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; it++) {
#pragma GCC unroll 20
    for (int i = 0; i < kChains; i++) acc[i] = _mm512_fmadd_ps(acc[i], m, add);
  }
  __m512 s = acc[0];
  for (int i = 1; i < kChains; i++) s = _mm512_add_ps(s, acc[i]);
  *sink = _mm512_reduce_add_ps(s);
#elif defined(__AVX2__)
  constexpr int kChains = 12, kLanes = 8;
  __m256 acc[kChains];
  for (int i = 0; i < kChains; i++) acc[i] = _mm256_set1_ps(float(i) * 1e-3f);
  const __m256 m = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; it++) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; i++) acc[i] = _mm256_fmadd_ps(acc[i], m, add);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kChains; i++) s = _mm256_add_ps(s, acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, s);
  *sink = lanes[0] + lanes[7];
#else
  constexpr int kChains = 8, kLanes = 4;
  float acc[kChains][kLanes];
  for (int i = 0; i < kChains; i++)
    for (int l = 0; l < kLanes; l++) acc[i][l] = float(i + l) * 1e-3f;
  for (int64_t it = 0; it < iters; it++)
    for (int i = 0; i < kChains; i++)
      for (int l = 0; l < kLanes; l++) acc[i][l] = acc[i][l] * 0.999999f + 1e-7f;
  float s = 0.0f;
  for (int i = 0; i < kChains; i++)
    for (int l = 0; l < kLanes; l++) s += acc[i][l];
  *sink = s;
#endif
  return 2.0 * double(kChains) * double(kLanes) * double(iters);
}

inline void fill_gemm(Kernels& k) {
  k.gemm_mr = kGemmMR;
  k.gemm_nr = kGemmNR;
  k.gemm_ukernel = gemm_ukernel;
  k.gemm_pack = gemm_pack;
  k.peak_fma = gemm_peak_fma;
}

#pragma GCC diagnostic pop
