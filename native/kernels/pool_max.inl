// Max pooling forward (with argmax indices) and backward over contiguous NCHW float32 planes.
#pragma once
#include "kernels/pool_common.inl"

// Per output column: the input column of the window's first tap inside the input (the index an
// all -inf window reports, as PyTorch), or -1 for a window with no tap inside.
static std::vector<int32_t> maxpool_first_columns(const Pool2dArgs& g) {
  std::vector<int32_t> first(size_t(g.ow));
  for (int64_t ow = 0; ow < g.ow; ow++) {
    int64_t j0, j1;
    const int64_t ws = ow * g.sw - g.pw;
    pool_taps(ws, g.kw, g.dw, g.w, j0, j1);
    first[size_t(ow)] = j0 < j1 ? int32_t(ws + j0 * g.dw) : -1;
  }
  return first;
}

// N outputs from ow of one output row whose taps run over input rows hs + i * dh, i in [i0, i1).
// First maximum wins; a NaN replaces any number (as PyTorch's CPU kernel); padding is -inf, so it
// never wins and never counts as a maximum's index.
template <int N, int S>
static inline void maxpool_chunk(const Pool2dArgs& g, const float* rows, int64_t stride, int64_t hs, int64_t i0, int64_t i1,
                                 int64_t ow, const int32_t* first, float* y, int32_t* idx) {
  using V = typename Vec<N>::f;
  using I = typename Vec<N>::i;
  I lane, f;
  std::memcpy(&f, first + ow, sizeof f);
  for (int l = 0; l < N; l++) lane[l] = int32_t(l * g.sw);
  I at = f < 0 ? I{} - 1 : f + int32_t((hs + i0 * g.dh) * g.w);
  V best = vsplat<V>(-std::numeric_limits<float>::infinity());
  for (int64_t i = i0; i < i1; i++) {
    const int64_t r = hs + i * g.dh;
    const float* p = rows + r * stride + ow * g.sw;
    const int64_t base = r * g.w + ow * g.sw - g.pw;
    for (int64_t j = 0; j < g.kw; j++) {
      const V v = vload_strided<N, S>(p + j * g.dw, g.sw);
      const I take = (v > best) | (v != v);
      best = take ? v : best;
      at = take ? lane + int32_t(base + j * g.dw) : at;
    }
  }
  std::memcpy(y + ow, &best, sizeof best);
  std::memcpy(idx + ow, &at, sizeof at);
}

// The same for one output (rows of fewer than 4 outputs).
static inline void maxpool_one(const Pool2dArgs& g, const float* rows, int64_t stride, int64_t hs, int64_t i0, int64_t i1,
                               int64_t ow, const int32_t* first, float* y, int32_t* idx) {
  int32_t at = first[ow] < 0 ? -1 : first[ow] + int32_t((hs + i0 * g.dh) * g.w);
  float best = -std::numeric_limits<float>::infinity();
  for (int64_t i = i0; i < i1; i++) {
    const int64_t r = hs + i * g.dh;
    const float* p = rows + r * stride + ow * g.sw;
    const int64_t base = r * g.w + ow * g.sw - g.pw;
    for (int64_t j = 0; j < g.kw; j++) {
      // Bit selects rather than branches: random data would mispredict every other compare.
      const float v = p[j * g.dw];
      const uint32_t take = 0u - uint32_t((v > best) | (v != v));
      best = bits_to_float((float_to_bits(v) & take) | (float_to_bits(best) & ~take));
      at = int32_t((uint32_t(base + j * g.dw) & take) | (uint32_t(at) & ~take));
    }
  }
  y[ow] = best;
  idx[ow] = at;
}

// N outputs from r of a plane taken by PlaneWindows; first = each window's first tap inside the input.
template <int N>
static inline void maxpool_gather_chunk(const Pool2dArgs& g, const PlaneWindows& t, const int32_t* first, const float* plane, int64_t r,
                                        float* y, int32_t* idx) {
  using V = typename Vec<N>::f;
  using I = typename Vec<N>::i;
  const V ninf = vsplat<V>(-std::numeric_limits<float>::infinity());
  V best = ninf;
  I at;
  std::memcpy(&at, first + r, sizeof at);
  for_each_tap<N>(g, t, r, [&](I off, I in) {
    const V v = vgather<N>(plane, off, in, ninf);
    const I take = (v > best) | (v != v);
    best = take ? v : best;
    at = take ? off : at;
  });
  std::memcpy(y + r, &best, sizeof best);
  std::memcpy(idx + r, &at, sizeof at);
}

static void maxpool_gathered(const Pool2dArgs& g, const float* x, float* y, int32_t* idx, int64_t p0, int64_t p1) {
  const PlaneWindows t(g);
  std::vector<int32_t> first(size_t(t.n));
  for (int64_t r = 0; r < t.n; r++) {
    int64_t i0, i1, j0, j1;
    pool_taps(t.hs[size_t(r)], g.kh, g.dh, g.h, i0, i1);
    pool_taps(t.ws[size_t(r)], g.kw, g.dw, g.w, j0, j1);
    first[size_t(r)] = i0 < i1 && j0 < j1 ? int32_t(t.base[size_t(r)] + i0 * g.dh * g.w + j0 * g.dw) : -1;
  }
  for (int64_t p = p0; p < p1; p++) {
    const float* plane = x + p * g.h * g.w;
    float* yp = y + p * t.n;
    int32_t* ip = idx + p * t.n;
    cover_chunks(t.n, [&](auto n, int64_t r) { maxpool_gather_chunk<decltype(n)::value>(g, t, first.data(), plane, r, yp, ip); });
  }
}

template <int S>
static void maxpool_planes(const Pool2dArgs& g, const float* x, float* y, int32_t* idx, int64_t p0, int64_t p1) {
  PoolRows src(g, -std::numeric_limits<float>::infinity());
  const std::vector<int32_t> first = maxpool_first_columns(g);
  for (int64_t p = p0; p < p1; p++) {
    const float* rows = src.rows(x + p * g.h * g.w);
    for (int64_t oh = 0; oh < g.oh; oh++) {
      float* yr = y + (p * g.oh + oh) * g.ow;
      int32_t* ir = idx + (p * g.oh + oh) * g.ow;
      const int64_t hs = oh * g.sh - g.ph;
      int64_t i0, i1;
      pool_taps(hs, g.kh, g.dh, g.h, i0, i1);
      if (i0 >= i1) {  // a window entirely in the padding (impossible for PyTorch's output sizes)
        for (int64_t o = 0; o < g.ow; o++) { yr[o] = -std::numeric_limits<float>::infinity(); ir[o] = -1; }
        continue;
      }
      if (g.ow >= 4) {
        cover_chunks(g.ow, [&](auto n, int64_t ow) {
          maxpool_chunk<decltype(n)::value, S>(g, rows, src.stride, hs, i0, i1, ow, first.data(), yr, ir);
        });
      } else {
        for (int64_t ow = 0; ow < g.ow; ow++) maxpool_one(g, rows, src.stride, hs, i0, i1, ow, first.data(), yr, ir);
      }
    }
  }
}

static void maxpool2d_f32(const Pool2dArgs& g, const float* x, float* y, int32_t* idx, int64_t p0, int64_t p1) {
  if (PlaneWindows::suits(g)) maxpool_gathered(g, x, y, idx, p0, p1);
  else if (g.sw == 1) maxpool_planes<1>(g, x, y, idx, p0, p1);
  else if (g.sw == 2) maxpool_planes<2>(g, x, y, idx, p0, p1);
  else maxpool_planes<0>(g, x, y, idx, p0, p1);
}

// Windows of width 2 and stride 2 that tile rows of at least 16 outputs (MaxPool2d(2) on 32x32):
// each input is in at most one window, so dx is written in one pass, every input taking its
// window's dy when it is that window's maximum: N outputs cover 2N inputs, lanes duplicated by a
// shuffle.
static bool maxpool_bwd_pairs(const Pool2dArgs& g) {
  return g.kw == 2 && g.sw == 2 && g.kh == g.sh && g.dh == 1 && g.dw == 1 && g.ph == 0 && g.pw == 0 && g.ow >= 16;
}

template <int N, size_t... L>
static inline void maxpool_bwd_pair_chunk(const int32_t* ir, const float* gr, float* d, int32_t pos, std::index_sequence<L...>) {
  using V = typename Vec<N>::f;
  using I = typename Vec<N>::i;
  I iv;
  std::memcpy(&iv, ir, sizeof iv);
  const V gv = vload<V>(gr);
  const I lane = {int32_t(L)...};
  const I ilo = __builtin_shufflevector(iv, iv, int(L / 2)...), ihi = __builtin_shufflevector(iv, iv, int(N / 2 + L / 2)...);
  const V glo = __builtin_shufflevector(gv, gv, int(L / 2)...), ghi = __builtin_shufflevector(gv, gv, int(N / 2 + L / 2)...);
  const V zero = vsplat<V>(0.0f);
  vstore(d, ilo == lane + pos ? glo : zero);
  vstore(d + N, ihi == lane + (pos + N) ? ghi : zero);
}

template <int N>
static inline void maxpool_bwd_pair_row(const Pool2dArgs& g, const int32_t* ir, const float* gr, float* d, int32_t pos, int64_t& ow) {
  for (; ow + N <= g.ow && 2 * (ow + N) <= g.w; ow += N)
    maxpool_bwd_pair_chunk<N>(ir + ow, gr + ow, d + 2 * ow, pos + int32_t(2 * ow), std::make_index_sequence<N>{});
  if constexpr (N > 4) maxpool_bwd_pair_row<N / 2>(g, ir, gr, d, pos, ow);
}

static void maxpool_bwd_pairs_planes(const Pool2dArgs& g, const float* dy, const int32_t* idx, float* dx, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; p++) {
    for (int64_t r = 0; r < g.h; r++) {
      float* d = dx + (p * g.h + r) * g.w;
      const int64_t oh = r / g.sh;
      if (oh >= g.oh) { std::memset(d, 0, sizeof(float) * size_t(g.w)); continue; }
      const int32_t* ir = idx + (p * g.oh + oh) * g.ow;
      const float* gr = dy + (p * g.oh + oh) * g.ow;
      const int32_t pos = int32_t(r * g.w);
      int64_t ow = 0;
      maxpool_bwd_pair_row<kLanes>(g, ir, gr, d, pos, ow);
      for (int64_t c = 2 * ow; c < g.w; c++) {
        const int64_t o = c / 2;
        d[c] = o < g.ow && ir[o] == pos + c ? gr[o] : 0.0f;
      }
    }
  }
}

// dx = 0, then dx[plane, idx] += dy; an index outside the plane (an empty window's -1) is skipped.
static void maxpool2d_bwd_f32(const Pool2dArgs& g, const float* dy, const int32_t* idx, float* dx, int64_t p0, int64_t p1) {
  if (maxpool_bwd_pairs(g)) { maxpool_bwd_pairs_planes(g, dy, idx, dx, p0, p1); return; }
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  for (int64_t p = p0; p < p1; p++) {
    float* d = dx + p * hw;
    std::memset(d, 0, sizeof(float) * size_t(hw));
    const float* gy = dy + p * ohw;
    const int32_t* ip = idx + p * ohw;
    for (int64_t o = 0; o < ohw; o++) {
      const int32_t at = ip[o];
      if (uint32_t(at) < uint64_t(hw)) d[at] += gy[o];
    }
  }
}
