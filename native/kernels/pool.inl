// Max, average and adaptive average pooling over contiguous NCHW float32 planes [p0, p1).
// Window semantics are those of src/backend/js/pool.ts (PyTorch's CPU kernels). Each output row
// is split into edge outputs, whose windows are clipped by the input (scalar code), and an interior
// whose horizontal taps all lie inside the input, computed N outputs at a time with strided
// vector loads (stride 1 and 2 specialised, since those are the zoo's).
#include "kernels/nn_vec.inl"

// Taps [first, end) of a window starting at `start` (k taps, d apart) that fall inside [0, size).
static inline void pool_taps(int64_t start, int64_t k, int64_t d, int64_t size, int64_t& first, int64_t& end) {
  first = start < 0 ? (-start + d - 1) / d : 0;
  end = start + (k - 1) * d < size ? k : (size - 1 - start >= 0 ? (size - 1 - start) / d + 1 : 0);
  if (end < first) end = first;
}

// Outputs [a, b) along one axis whose taps all lie inside the input.
static inline void pool_interior(int64_t size, int64_t k, int64_t s, int64_t p, int64_t d, int64_t out, int64_t& a, int64_t& b) {
  a = std::min(out, (p + s - 1) / s);
  const int64_t room = size - 1 + p - (k - 1) * d;
  b = room >= 0 ? std::min(out, room / s + 1) : 0;
  if (b < a) b = a;
}

// ---- max pooling -------------------------------------------------------------------------------

// One output whose window may be clipped: first maximum wins, a NaN replaces any number.
static inline void maxpool_one(const Pool2dArgs& g, const float* plane, int64_t hs, int64_t i0, int64_t i1, int64_t ow,
                               float* y, int32_t* idx) {
  const int64_t ws = ow * g.sw - g.pw;
  int64_t j0, j1;
  pool_taps(ws, g.kw, g.dw, g.w, j0, j1);
  float best = -std::numeric_limits<float>::infinity();
  int64_t at = j0 < j1 ? (hs + i0 * g.dh) * g.w + ws + j0 * g.dw : -1;
  for (int64_t i = i0; i < i1; i++) {
    const int64_t row = (hs + i * g.dh) * g.w + ws;
    for (int64_t j = j0; j < j1; j++) {
      const float v = plane[row + j * g.dw];
      if (v > best || v != v) { best = v; at = row + j * g.dw; }
    }
  }
  *y = best;
  *idx = int32_t(at);
}

// N interior outputs starting at ow, every tap in the same order as maxpool_one.
template <int N, int S>
static inline void maxpool_chunk(const Pool2dArgs& g, const float* plane, int64_t hs, int64_t i0, int64_t i1, int64_t ow,
                                 float* y, int32_t* idx) {
  using V = typename Vec<N>::f;
  using I = typename Vec<N>::i;
  const int64_t ws = ow * g.sw - g.pw;
  I lane;
  for (int l = 0; l < N; l++) lane[l] = int32_t(l * g.sw);
  V best = vsplat<V>(-std::numeric_limits<float>::infinity());
  I at = lane + int32_t((hs + i0 * g.dh) * g.w + ws);
  for (int64_t i = i0; i < i1; i++) {
    const int64_t row = (hs + i * g.dh) * g.w + ws;
    for (int64_t j = 0; j < g.kw; j++) {
      const int64_t off = row + j * g.dw;
      const V v = vload_strided<N, S>(plane + off, g.sw);
      const I take = (v > best) | (v != v);
      best = take ? v : best;
      at = take ? lane + int32_t(off) : at;
    }
  }
  vstore(y, best);
  std::memcpy(idx, &at, sizeof at);
}

// Interior outputs from ow up to owB in chunks of N, N/2, ..., 4; leaves fewer than 4 for the caller.
template <int N, int S>
static inline void maxpool_interior(const Pool2dArgs& g, const float* plane, int64_t hs, int64_t i0, int64_t i1, int64_t& ow,
                                    int64_t owB, float* y, int32_t* idx) {
  for (; ow + N <= owB; ow += N) maxpool_chunk<N, S>(g, plane, hs, i0, i1, ow, y + ow, idx + ow);
  if constexpr (N > 4) maxpool_interior<N / 2, S>(g, plane, hs, i0, i1, ow, owB, y, idx);
}

template <int S>
static void maxpool_planes(const Pool2dArgs& g, const float* x, float* y, int32_t* idx, int64_t p0, int64_t p1) {
  int64_t owA, owB;
  pool_interior(g.w, g.kw, g.sw, g.pw, g.dw, g.ow, owA, owB);
  for (int64_t p = p0; p < p1; p++) {
    const float* plane = x + p * g.h * g.w;
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
      int64_t ow = 0;
      for (; ow < owA; ow++) maxpool_one(g, plane, hs, i0, i1, ow, yr + ow, ir + ow);
      maxpool_interior<kLanes, S>(g, plane, hs, i0, i1, ow, owB, yr, ir);
      for (; ow < g.ow; ow++) maxpool_one(g, plane, hs, i0, i1, ow, yr + ow, ir + ow);
    }
  }
}

static void maxpool2d_f32(const Pool2dArgs& g, const float* x, float* y, int32_t* idx, int64_t p0, int64_t p1) {
  if (g.sw == 1) maxpool_planes<1>(g, x, y, idx, p0, p1);
  else if (g.sw == 2) maxpool_planes<2>(g, x, y, idx, p0, p1);
  else maxpool_planes<0>(g, x, y, idx, p0, p1);
}

// dx = 0, then dx[plane, idx] += dy; an index outside the plane (an empty window's -1) is skipped.
static void maxpool2d_bwd_f32(const Pool2dArgs& g, const float* dy, const int32_t* idx, float* dx, int64_t p0, int64_t p1) {
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

// ---- average pooling ---------------------------------------------------------------------------

// Taps of a window along one axis that count towards the divisor (see avgCount in pool.ts).
static inline int64_t avg_count(int64_t start, int64_t k, int64_t d, int64_t size, int64_t pad, bool include_pad) {
  int64_t a, b;
  if (include_pad) pool_taps(start + pad, k, d, size + 2 * pad, a, b);
  else pool_taps(start, k, d, size, a, b);
  return b - a;
}

static inline void avgpool_one(const Pool2dArgs& g, const float* plane, int64_t hs, int64_t i0, int64_t i1, int64_t ch,
                               int64_t ow, bool include_pad, float divisor, float* y) {
  const int64_t ws = ow * g.sw - g.pw;
  int64_t j0, j1;
  pool_taps(ws, g.kw, g.dw, g.w, j0, j1);
  if (j0 >= j1) { *y = 0.0f; return; }
  float s = 0.0f;
  for (int64_t i = i0; i < i1; i++) {
    const float* r = plane + (hs + i * g.dh) * g.w + ws;
    for (int64_t j = j0; j < j1; j++) s += r[j * g.dw];
  }
  const float div = divisor > 0.0f ? divisor : float(ch * avg_count(ws, g.kw, g.dw, g.w, g.pw, include_pad));
  *y = s / div;
}

// Interior outputs: every horizontal tap is inside the input, so the divisor is ch * kw.
template <int N, int S>
static inline void avgpool_interior(const Pool2dArgs& g, const float* plane, int64_t hs, int64_t i0, int64_t i1, int64_t& ow,
                                    int64_t owB, float div, float* y) {
  using V = typename Vec<N>::f;
  for (; ow + N <= owB; ow += N) {
    const int64_t ws = ow * g.sw - g.pw;
    V s = vsplat<V>(0.0f);
    for (int64_t i = i0; i < i1; i++) {
      const float* r = plane + (hs + i * g.dh) * g.w + ws;
      for (int64_t j = 0; j < g.kw; j++) s += vload_strided<N, S>(r + j * g.dw, g.sw);
    }
    vstore(y + ow, s / div);
  }
  if constexpr (N > 4) avgpool_interior<N / 2, S>(g, plane, hs, i0, i1, ow, owB, div, y);
}

template <int S>
static void avgpool_planes(const Pool2dArgs& g, const float* x, float* y, bool include_pad, float divisor, int64_t p0, int64_t p1) {
  int64_t owA, owB;
  pool_interior(g.w, g.kw, g.sw, g.pw, g.dw, g.ow, owA, owB);
  for (int64_t p = p0; p < p1; p++) {
    const float* plane = x + p * g.h * g.w;
    for (int64_t oh = 0; oh < g.oh; oh++) {
      float* yr = y + (p * g.oh + oh) * g.ow;
      const int64_t hs = oh * g.sh - g.ph;
      int64_t i0, i1;
      pool_taps(hs, g.kh, g.dh, g.h, i0, i1);
      if (i0 >= i1) { std::memset(yr, 0, sizeof(float) * size_t(g.ow)); continue; }
      const int64_t ch = avg_count(hs, g.kh, g.dh, g.h, g.ph, include_pad);
      int64_t ow = 0;
      for (; ow < owA; ow++) avgpool_one(g, plane, hs, i0, i1, ch, ow, include_pad, divisor, yr + ow);
      avgpool_interior<kLanes, S>(g, plane, hs, i0, i1, ow, owB, divisor > 0.0f ? divisor : float(ch * g.kw), yr);
      for (; ow < g.ow; ow++) avgpool_one(g, plane, hs, i0, i1, ch, ow, include_pad, divisor, yr + ow);
    }
  }
}

static void avgpool2d_f32(const Pool2dArgs& g, const float* x, float* y, bool include_pad, float divisor, int64_t p0, int64_t p1) {
  if (g.sw == 1) avgpool_planes<1>(g, x, y, include_pad, divisor, p0, p1);
  else if (g.sw == 2) avgpool_planes<2>(g, x, y, include_pad, divisor, p0, p1);
  else avgpool_planes<0>(g, x, y, include_pad, divisor, p0, p1);
}

// dx = 0, then every dy / divisor is added to each input of its window.
static void avgpool2d_bwd_f32(const Pool2dArgs& g, const float* dy, float* dx, bool include_pad, float divisor, int64_t p0, int64_t p1) {
  const int64_t hw = g.h * g.w;
  for (int64_t p = p0; p < p1; p++) {
    float* plane = dx + p * hw;
    std::memset(plane, 0, sizeof(float) * size_t(hw));
    for (int64_t oh = 0; oh < g.oh; oh++) {
      const int64_t hs = oh * g.sh - g.ph;
      int64_t i0, i1;
      pool_taps(hs, g.kh, g.dh, g.h, i0, i1);
      const int64_t ch = avg_count(hs, g.kh, g.dh, g.h, g.ph, include_pad);
      const float* gy = dy + (p * g.oh + oh) * g.ow;
      for (int64_t ow = 0; ow < g.ow; ow++) {
        const int64_t ws = ow * g.sw - g.pw;
        int64_t j0, j1;
        pool_taps(ws, g.kw, g.dw, g.w, j0, j1);
        const float div = divisor > 0.0f ? divisor : float(ch * avg_count(ws, g.kw, g.dw, g.w, g.pw, include_pad));
        const float v = gy[ow] / div;
        for (int64_t i = i0; i < i1; i++) {
          float* r = plane + (hs + i * g.dh) * g.w + ws;
          for (int64_t j = j0; j < j1; j++) r[j * g.dw] += v;
        }
      }
    }
  }
}

// ---- adaptive average pooling ------------------------------------------------------------------

// PyTorch's adaptive window along one axis: [floor(i * size / out), ceil((i + 1) * size / out)).
static inline void adaptive_range(int64_t i, int64_t size, int64_t out, int64_t& a, int64_t& b) {
  a = (i * size) / out;
  b = ((i + 1) * size + out - 1) / out;
}

static void adaptive_avgpool2d_f32(int64_t h, int64_t w, int64_t oh, int64_t ow, const float* x, float* y, int64_t p0, int64_t p1) {
  const int64_t hw = h * w;
  if (oh == 1 && ow == 1) {  // global average pooling
    for (int64_t p = p0; p < p1; p++) y[p] = contiguous_sum(x + p * hw, hw) / float(hw);
    return;
  }
  std::vector<float> rows(size_t(w), 0.0f);
  float* t = rows.data();
  for (int64_t p = p0; p < p1; p++) {
    const float* plane = x + p * hw;
    for (int64_t a = 0; a < oh; a++) {
      int64_t h0, h1;
      adaptive_range(a, h, oh, h0, h1);
      std::memcpy(t, plane + h0 * w, sizeof(float) * size_t(w));
      for (int64_t i = h0 + 1; i < h1; i++) {
        const float* r = plane + i * w;
        for (int64_t j = 0; j < w; j++) t[j] += r[j];
      }
      float* yr = y + (p * oh + a) * ow;
      for (int64_t b = 0; b < ow; b++) {
        int64_t w0, w1;
        adaptive_range(b, w, ow, w0, w1);
        float s = 0.0f;
        for (int64_t j = w0; j < w1; j++) s += t[j];
        yr[b] = s / float((h1 - h0) * (w1 - w0));
      }
    }
  }
}

static void adaptive_avgpool2d_bwd_f32(int64_t h, int64_t w, int64_t oh, int64_t ow, const float* dy, float* dx, int64_t p0, int64_t p1) {
  const int64_t hw = h * w;
  if (oh == 1 && ow == 1) {
    for (int64_t p = p0; p < p1; p++) {
      const float v = dy[p] / float(hw);
      float* d = dx + p * hw;
      for (int64_t i = 0; i < hw; i++) d[i] = v;
    }
    return;
  }
  std::vector<float> rows(size_t(w), 0.0f);
  float* t = rows.data();
  for (int64_t p = p0; p < p1; p++) {
    float* plane = dx + p * hw;
    std::memset(plane, 0, sizeof(float) * size_t(hw));
    for (int64_t a = 0; a < oh; a++) {
      int64_t h0, h1;
      adaptive_range(a, h, oh, h0, h1);
      // t = this output row's gradient spread over the input columns, then added to its input rows.
      std::memset(t, 0, sizeof(float) * size_t(w));
      const float* gy = dy + (p * oh + a) * ow;
      for (int64_t b = 0; b < ow; b++) {
        int64_t w0, w1;
        adaptive_range(b, w, ow, w0, w1);
        const float v = gy[b] / float((h1 - h0) * (w1 - w0));
        for (int64_t j = w0; j < w1; j++) t[j] += v;
      }
      for (int64_t i = h0; i < h1; i++) {
        float* r = plane + i * w;
        for (int64_t j = 0; j < w; j++) r[j] += t[j];
      }
    }
  }
}

inline void fill_pool(Kernels& k) {
  k.maxpool2d_f32 = maxpool2d_f32;
  k.maxpool2d_bwd_f32 = maxpool2d_bwd_f32;
  k.avgpool2d_f32 = avgpool2d_f32;
  k.avgpool2d_bwd_f32 = avgpool2d_bwd_f32;
  k.adaptive_avgpool2d_f32 = adaptive_avgpool2d_f32;
  k.adaptive_avgpool2d_bwd_f32 = adaptive_avgpool2d_bwd_f32;
}
