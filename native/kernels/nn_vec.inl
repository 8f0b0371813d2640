// Fixed-width float vectors for the pooling, normalisation and softmax kernels, written with the
// GCC/Clang vector extensions so one source serves every ISA: Vec<N> is N float lanes, and the
// widest N used is the ISA's register (16 on AVX-512, 8 on AVX2, 4 otherwise). Narrower widths
// serve short rows. Loads and stores are unaligned; partial ones never touch memory past n.
#pragma once

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX2__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif

template <int N>
struct Vec {
  typedef float f __attribute__((vector_size(4 * N)));
  typedef int32_t i __attribute__((vector_size(4 * N)));
};
using vf = Vec<kLanes>::f;

template <class V>
static inline V vload(const float* p) { V v; std::memcpy(&v, p, sizeof v); return v; }
template <class V>
static inline void vstore(float* p, V v) { std::memcpy(p, &v, sizeof v); }
template <class V>
static inline V vsplat(float x) { return V{} + x; }

// First n lanes from p, the rest zero (n <= lanes).
template <class V>
static inline V vload_part(const float* p, int64_t n) {
  float buf[sizeof(V) / 4] = {};
  for (int64_t l = 0; l < n; l++) buf[l] = p[l];
  return vload<V>(buf);
}
template <class V>
static inline void vstore_part(float* p, V v, int64_t n) {
  for (int64_t l = 0; l < n; l++) p[l] = v[l];
}

static inline float hsum(vf v) {
  float s = 0.0f;
  for (int l = 0; l < kLanes; l++) s += v[l];
  return s;
}
static inline double hsum_d(vf v) {
  double s = 0.0;
  for (int l = 0; l < kLanes; l++) s += double(v[l]);
  return s;
}
// Max ignoring NaN lanes (callers let NaN reach the result another way).
static inline float hmax(vf v) {
  float m = v[0];
  for (int l = 1; l < kLanes; l++) m = v[l] > m ? v[l] : m;
  return m;
}

// Lanes p[0], p[s], p[2s], ... of a strided row; stride 1 and 2 become plain loads and a shuffle.
// For stride 2 the second load starts at p + N - 1, so nothing past p[2N - 2] is read.
template <int N, size_t... I>
static inline typename Vec<N>::f vevens(typename Vec<N>::f a, typename Vec<N>::f b, std::index_sequence<I...>) {
  return __builtin_shufflevector(a, b, (2 * int(I) < N ? 2 * int(I) : 2 * int(I) + 1)...);
}
template <int N, int S>
static inline typename Vec<N>::f vload_strided(const float* p, int64_t s) {
  using V = typename Vec<N>::f;
  if constexpr (S == 1) {
    return vload<V>(p);
  } else if constexpr (S == 2) {
    return vevens<N>(vload<V>(p), vload<V>(p + N - 1), std::make_index_sequence<N>{});
  } else {
    V v;
    for (int l = 0; l < N; l++) v[l] = p[l * s];
    return v;
  }
}

// Sums of p[i] and of p[i] * q[i] over n contiguous floats (float lanes: for short rows).
static inline float contiguous_sum(const float* p, int64_t n) {
  // Short rows (global pooling of 2x2 planes) in plain order: the same sum as the vector path's
  // serial lane reduction, without its buffer copy and 16-lane horizontal add per call.
  if (n < kLanes) {
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += p[i];
    return s;
  }
  vf a0 = vsplat<vf>(0.0f), a1 = a0;
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) { a0 += vload<vf>(p + i); a1 += vload<vf>(p + i + kLanes); }
  for (; i + kLanes <= n; i += kLanes) a0 += vload<vf>(p + i);
  return hsum(a0 + a1 + vload_part<vf>(p + i, n - i));
}
static inline float contiguous_dot(const float* p, const float* q, int64_t n) {
  vf a0 = vsplat<vf>(0.0f), a1 = a0;
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    a0 += vload<vf>(p + i) * vload<vf>(q + i);
    a1 += vload<vf>(p + i + kLanes) * vload<vf>(q + i + kLanes);
  }
  for (; i + kLanes <= n; i += kLanes) a0 += vload<vf>(p + i) * vload<vf>(q + i);
  return hsum(a0 + a1 + vload_part<vf>(p + i, n - i) * vload_part<vf>(q + i, n - i));
}
static inline float contiguous_max(const float* p, int64_t n) {
  vf m = vsplat<vf>(-std::numeric_limits<float>::infinity());
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) { const vf v = vload<vf>(p + i); m = v > m ? v : m; }
  float r = hmax(m);
  for (; i < n; i++) r = p[i] > r ? p[i] : r;
  return r;
}

// Lanes base[idx[l]] where mask[l] is non-zero, src[l] elsewhere; masked-out lanes read nothing.
template <int N>
static inline typename Vec<N>::f vgather(const float* base, typename Vec<N>::i idx, typename Vec<N>::i mask, typename Vec<N>::f src) {
  using V = typename Vec<N>::f;
#if defined(__AVX512F__)
  if constexpr (N == 16) return (V)_mm512_mask_i32gather_ps((__m512)src, _mm512_movepi32_mask((__m512i)mask), (__m512i)idx, base, 4);
  if constexpr (N == 8) return (V)_mm256_mmask_i32gather_ps((__m256)src, _mm256_movepi32_mask((__m256i)mask), (__m256i)idx, base, 4);
  if constexpr (N == 4) return (V)_mm_mmask_i32gather_ps((__m128)src, _mm_movepi32_mask((__m128i)mask), (__m128i)idx, base, 4);
#elif defined(__AVX2__)
  if constexpr (N == 8) return (V)_mm256_mask_i32gather_ps((__m256)src, base, (__m256i)idx, (__m256)mask, 4);
  if constexpr (N == 4) return (V)_mm_mask_i32gather_ps((__m128)src, base, (__m128i)idx, (__m128)mask, 4);
#endif
  V v = src;
  for (int l = 0; l < N; l++) if (mask[l]) v[l] = base[idx[l]];
  return v;
}
