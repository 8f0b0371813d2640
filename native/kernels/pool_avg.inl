// Average and adaptive average pooling forward and backward over contiguous NCHW float32 planes.
#pragma once
#include "kernels/pool_common.inl"

// Taps of a window along one axis that count towards the divisor (see avgCount in pool.ts).
static inline int64_t avg_count(int64_t start, int64_t k, int64_t d, int64_t size, int64_t pad, bool include_pad) {
  int64_t a, b;
  if (include_pad) pool_taps(start + pad, k, d, size + 2 * pad, a, b);
  else pool_taps(start, k, d, size, a, b);
  return b - a;
}

// Per output column: the horizontal factor of the divisor. A window with no tap inside the input
// sums to 0 and gives 0 (as the reference), so its factor only has to be non-zero.
static std::vector<float> avgpool_column_counts(const Pool2dArgs& g, bool include_pad) {
  std::vector<float> count(size_t(g.ow));
  for (int64_t ow = 0; ow < g.ow; ow++) {
    const int64_t ws = ow * g.sw - g.pw;
    int64_t j0, j1;
    pool_taps(ws, g.kw, g.dw, g.w, j0, j1);
    count[size_t(ow)] = j0 < j1 ? float(avg_count(ws, g.kw, g.dw, g.w, g.pw, include_pad)) : 1.0f;
  }
  return count;
}

template <int N, int S>
static inline void avgpool_chunk(const Pool2dArgs& g, const float* rows, int64_t stride, int64_t hs, int64_t i0, int64_t i1,
                                 int64_t ow, float row_factor, const float* count, float divisor, float* y) {
  using V = typename Vec<N>::f;
  V s = vsplat<V>(0.0f);
  for (int64_t i = i0; i < i1; i++) {
    const float* p = rows + (hs + i * g.dh) * stride + ow * g.sw;
    for (int64_t j = 0; j < g.kw; j++) s += vload_strided<N, S>(p + j * g.dw, g.sw);
  }
  const V div = divisor > 0.0f ? vsplat<V>(divisor) : vload<V>(count + ow) * row_factor;
  vstore(y + ow, s / div);
}

static inline void avgpool_one(const Pool2dArgs& g, const float* rows, int64_t stride, int64_t hs, int64_t i0, int64_t i1,
                               int64_t ow, float row_factor, const float* count, float divisor, float* y) {
  float s = 0.0f;
  for (int64_t i = i0; i < i1; i++) {
    const float* p = rows + (hs + i * g.dh) * stride + ow * g.sw;
    for (int64_t j = 0; j < g.kw; j++) s += p[j * g.dw];
  }
  y[ow] = s / (divisor > 0.0f ? divisor : count[ow] * row_factor);
}

template <int N>
static inline void avgpool_gather_chunk(const Pool2dArgs& g, const PlaneWindows& t, const float* div, const float* plane, int64_t r, float* y) {
  using V = typename Vec<N>::f;
  using I = typename Vec<N>::i;
  const V zero = vsplat<V>(0.0f);
  V s = zero;
  for_each_tap<N>(g, t, r, [&](I off, I in) { s += vgather<N>(plane, off, in, zero); });
  vstore(y + r, s / vload<V>(div + r));
}

static void avgpool_gathered(const Pool2dArgs& g, const float* x, float* y, bool include_pad, float divisor, int64_t p0, int64_t p1) {
  const PlaneWindows t(g);
  // Per output: its divisor; a window with no tap inside sums to 0 and gives 0, any divisor will do.
  std::vector<float> div(size_t(t.n));
  for (int64_t r = 0; r < t.n; r++) {
    const int64_t hs = t.hs[size_t(r)], ws = t.ws[size_t(r)];
    int64_t i0, i1, j0, j1;
    pool_taps(hs, g.kh, g.dh, g.h, i0, i1);
    pool_taps(ws, g.kw, g.dw, g.w, j0, j1);
    const bool empty = i0 >= i1 || j0 >= j1;
    div[size_t(r)] = divisor > 0.0f ? divisor
                     : empty ? 1.0f
                             : float(avg_count(hs, g.kh, g.dh, g.h, g.ph, include_pad) * avg_count(ws, g.kw, g.dw, g.w, g.pw, include_pad));
  }
  for (int64_t p = p0; p < p1; p++) {
    const float* plane = x + p * g.h * g.w;
    float* yp = y + p * t.n;
    cover_chunks(t.n, [&](auto n, int64_t r) { avgpool_gather_chunk<decltype(n)::value>(g, t, div.data(), plane, r, yp); });
  }
}

template <int S>
static void avgpool_planes(const Pool2dArgs& g, const float* x, float* y, bool include_pad, float divisor, int64_t p0, int64_t p1) {
  PoolRows src(g, 0.0f);
  const std::vector<float> count = avgpool_column_counts(g, include_pad);
  for (int64_t p = p0; p < p1; p++) {
    const float* rows = src.rows(x + p * g.h * g.w);
    for (int64_t oh = 0; oh < g.oh; oh++) {
      float* yr = y + (p * g.oh + oh) * g.ow;
      const int64_t hs = oh * g.sh - g.ph;
      int64_t i0, i1;
      pool_taps(hs, g.kh, g.dh, g.h, i0, i1);
      if (i0 >= i1) { std::memset(yr, 0, sizeof(float) * size_t(g.ow)); continue; }
      const float rf = float(avg_count(hs, g.kh, g.dh, g.h, g.ph, include_pad));
      if (g.ow >= 4) {
        cover_chunks(g.ow, [&](auto n, int64_t ow) {
          avgpool_chunk<decltype(n)::value, S>(g, rows, src.stride, hs, i0, i1, ow, rf, count.data(), divisor, yr);
        });
      } else {
        for (int64_t ow = 0; ow < g.ow; ow++) avgpool_one(g, rows, src.stride, hs, i0, i1, ow, rf, count.data(), divisor, yr);
      }
    }
  }
}

static void avgpool2d_f32(const Pool2dArgs& g, const float* x, float* y, bool include_pad, float divisor, int64_t p0, int64_t p1) {
  if (PlaneWindows::suits(g)) avgpool_gathered(g, x, y, include_pad, divisor, p0, p1);
  else if (g.sw == 1) avgpool_planes<1>(g, x, y, include_pad, divisor, p0, p1);
  else if (g.sw == 2) avgpool_planes<2>(g, x, y, include_pad, divisor, p0, p1);
  else avgpool_planes<0>(g, x, y, include_pad, divisor, p0, p1);
}

// dx = 0, then every dy / divisor is added to each input of its window. Per output row the
// gradients are first spread along one padded row (e[ow * sw + j * dw] += g[ow]), which is then
// added to each input row of the windows; padding columns take the taps outside the input.
static void avgpool2d_bwd_f32(const Pool2dArgs& g, const float* dy, float* dx, bool include_pad, float divisor, int64_t p0, int64_t p1) {
  if (g.ph == 0 && g.pw == 0 && g.kh == g.sh && g.kw == g.sw && g.dh == 1 && g.dw == 1 && g.h == g.oh * g.kh && g.w == g.ow * g.kw) {
    // Windows tile the plane exactly: each input takes its window's dy / (kh * kw).
    std::vector<int32_t> column_window(static_cast<size_t>(g.w));
    for (int64_t c = 0; c < g.w; c++) column_window[size_t(c)] = int32_t(c / g.kw);
    const int32_t* cw = column_window.data();
    const float div = divisor > 0.0f ? divisor : float(g.kh * g.kw);
    std::vector<float> quotient(static_cast<size_t>(g.ow));
    float* q = quotient.data();
    for (int64_t p = p0; p < p1; p++) {
      for (int64_t oh = 0; oh < g.oh; oh++) {
        const float* gr = dy + (p * g.oh + oh) * g.ow;
        float* r0 = dx + (p * g.h + oh * g.kh) * g.w;
        for (int64_t c = 0; c < g.ow; c++) q[c] = gr[c] / div;
        for (int64_t i = 0; i < g.kh; i++) {
          float* r = r0 + i * g.w;
          for (int64_t c = 0; c < g.w; c++) r[c] = q[cw[c]];
        }
      }
    }
    return;
  }
  PoolRows acc(g, 0.0f);
  const std::vector<float> count = avgpool_column_counts(g, include_pad);
  const int64_t stride = acc.stride;
  std::vector<float> spread(static_cast<size_t>(stride));
  float* e = spread.data();
  for (int64_t p = p0; p < p1; p++) {
    float* plane = dx + p * g.h * g.w;
    float* rows = acc.padded() ? acc.scratch() : plane;
    std::memset(rows, 0, sizeof(float) * size_t(g.h * stride));
    for (int64_t oh = 0; oh < g.oh; oh++) {
      const int64_t hs = oh * g.sh - g.ph;
      int64_t i0, i1;
      pool_taps(hs, g.kh, g.dh, g.h, i0, i1);
      if (i0 >= i1) continue;
      const float rf = float(avg_count(hs, g.kh, g.dh, g.h, g.ph, include_pad));
      const float* gy = dy + (p * g.oh + oh) * g.ow;
      std::memset(e, 0, sizeof(float) * size_t(stride));
      for (int64_t ow = 0; ow < g.ow; ow++) {
        const float v = gy[ow] / (divisor > 0.0f ? divisor : count[size_t(ow)] * rf);
        float* q = e + ow * g.sw;
        for (int64_t j = 0; j < g.kw; j++) q[j * g.dw] += v;
      }
      for (int64_t i = i0; i < i1; i++) {
        float* r = rows + (hs + i * g.dh) * stride;
        for (int64_t c = 0; c < stride; c++) r[c] += e[c];
      }
    }
    if (acc.padded()) {
      for (int64_t r = 0; r < g.h; r++) std::memcpy(plane + r * g.w, rows + r * stride + g.pw, sizeof(float) * size_t(g.w));
    }
  }
}

// ---- adaptive average pooling ------------------------------------------------------------------

// PyTorch's adaptive windows along one axis: [floor(i * size / out), ceil((i + 1) * size / out)).
static std::vector<int64_t> adaptive_ranges(int64_t size, int64_t out) {
  std::vector<int64_t> r(size_t(2 * out));
  for (int64_t i = 0; i < out; i++) {
    r[size_t(2 * i)] = (i * size) / out;
    r[size_t(2 * i + 1)] = ((i + 1) * size + out - 1) / out;
  }
  return r;
}

// When the output divides the input, the windows are plain average pooling with kernel = stride.
static inline bool adaptive_as_avgpool(int64_t h, int64_t w, int64_t oh, int64_t ow, Pool2dArgs& g) {
  if (oh <= 0 || ow <= 0 || h % oh != 0 || w % ow != 0) return false;
  g = Pool2dArgs{0, h, w, h / oh, w / ow, h / oh, w / ow, 0, 0, 1, 1, oh, ow};
  return true;
}

static void adaptive_avgpool2d_f32(int64_t h, int64_t w, int64_t oh, int64_t ow, const float* x, float* y, int64_t p0, int64_t p1) {
  const int64_t hw = h * w;
  if (oh == 1 && ow == 1) {  // global average pooling
    for (int64_t p = p0; p < p1; p++) y[p] = contiguous_sum(x + p * hw, hw) / float(hw);
    return;
  }
  Pool2dArgs g;
  if (adaptive_as_avgpool(h, w, oh, ow, g)) { avgpool2d_f32(g, x, y, true, 0.0f, p0, p1); return; }
  const std::vector<int64_t> hr = adaptive_ranges(h, oh), wr = adaptive_ranges(w, ow);
  std::vector<float> rows(static_cast<size_t>(w));
  float* t = rows.data();
  for (int64_t p = p0; p < p1; p++) {
    const float* plane = x + p * hw;
    for (int64_t a = 0; a < oh; a++) {
      const int64_t h0 = hr[size_t(2 * a)], h1 = hr[size_t(2 * a + 1)];
      std::memcpy(t, plane + h0 * w, sizeof(float) * size_t(w));
      for (int64_t i = h0 + 1; i < h1; i++) {
        const float* r = plane + i * w;
        for (int64_t j = 0; j < w; j++) t[j] += r[j];
      }
      float* yr = y + (p * oh + a) * ow;
      for (int64_t b = 0; b < ow; b++) {
        const int64_t w0 = wr[size_t(2 * b)], w1 = wr[size_t(2 * b + 1)];
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
  Pool2dArgs g;
  if (adaptive_as_avgpool(h, w, oh, ow, g)) { avgpool2d_bwd_f32(g, dy, dx, true, 0.0f, p0, p1); return; }
  const std::vector<int64_t> hr = adaptive_ranges(h, oh), wr = adaptive_ranges(w, ow);
  std::vector<float> rows(static_cast<size_t>(w));
  float* t = rows.data();
  for (int64_t p = p0; p < p1; p++) {
    float* plane = dx + p * hw;
    std::memset(plane, 0, sizeof(float) * size_t(hw));
    for (int64_t a = 0; a < oh; a++) {
      const int64_t h0 = hr[size_t(2 * a)], h1 = hr[size_t(2 * a + 1)];
      // t = this output row's gradient spread over the input columns, then added to its input rows.
      std::memset(t, 0, sizeof(float) * size_t(w));
      const float* gy = dy + (p * oh + a) * ow;
      for (int64_t b = 0; b < ow; b++) {
        const int64_t w0 = wr[size_t(2 * b)], w1 = wr[size_t(2 * b + 1)];
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
