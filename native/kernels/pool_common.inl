// Window geometry and row/plane layouts shared by the pooling kernels (pool_max.inl, pool_avg.inl).
#pragma once
#include "kernels/nn_vec.inl"

// Taps [first, end) of a window starting at `start` (k taps, d apart) that fall inside [0, size).
static inline void pool_taps(int64_t start, int64_t k, int64_t d, int64_t size, int64_t& first, int64_t& end) {
  first = start < 0 ? (-start + d - 1) / d : 0;
  end = start + (k - 1) * d < size ? k : (size - 1 - start >= 0 ? (size - 1 - start) / d + 1 : 0);
  if (end < first) end = first;
}

// The rows a pooling kernel reads. Row r starts at rows(plane) + r * stride, and output ow's tap j
// is at column ow * sw + j * dw of it: the input itself when no window leaves it horizontally (then
// pw = 0), else a padded copy whose column 0 is input column -pw.
class PoolRows {
 public:
  PoolRows(const Pool2dArgs& g, float pad) : g_(g) {
    const int64_t right = std::max<int64_t>(0, (g.ow - 1) * g.sw - g.pw + (g.kw - 1) * g.dw - (g.w - 1));
    padded_ = g.pw > 0 || right > 0;
    stride = padded_ ? g.pw + g.w + right : g.w;
    if (padded_) buf_.assign(size_t(g.h * stride), pad);
  }
  const float* rows(const float* plane) {
    if (!padded_) return plane;
    for (int64_t r = 0; r < g_.h; r++) std::memcpy(buf_.data() + r * stride + g_.pw, plane + r * g_.w, sizeof(float) * size_t(g_.w));
    return buf_.data();
  }
  float* scratch() { return buf_.data(); }  // for scatter-adds (backward passes)
  bool padded() const { return padded_; }
  int64_t stride;

 private:
  const Pool2dArgs& g_;
  bool padded_;
  std::vector<float> buf_;
};

// Calls f(std::integral_constant<int, N>{}, ow) for chunks of N outputs covering [0, out), N in
// {4, 8, 16} up to kLanes; the last chunk may overlap the one before (needs out >= 4).
template <class F>
static inline void cover_chunks(int64_t out, F&& f) {
  using C4 = std::integral_constant<int, 4>;
  int64_t ow = 0;
  for (; ow + kLanes <= out; ow += kLanes) f(std::integral_constant<int, kLanes>{}, ow);
  const int64_t rem = out - ow;
  if (rem == 0) return;
  if (rem <= 4) { f(C4{}, out - 4); return; }
  if constexpr (kLanes >= 8) {
    using C8 = std::integral_constant<int, 8>;
    if (rem <= 8) {
      if (out >= 8) f(C8{}, out - 8);
      else { f(C4{}, ow); f(C4{}, out - 4); }
      return;
    }
    if constexpr (kLanes >= 16) {
      if (out >= 16) f(std::integral_constant<int, 16>{}, out - 16);
      else { f(C8{}, ow); f(C8{}, out - 8); }
    }
  }
}

// Planes whose output rows are shorter than 8 (but that have at least 4 outputs): row chunks would
// be mostly empty, so a plane's outputs are taken N at a time across rows, every tap a masked
// gather. Per output r of a plane, hs/ws are where its window starts (row, column) and base the
// flat index of that start (it may lie in the padding).
struct PlaneWindows {
  explicit PlaneWindows(const Pool2dArgs& g) : n(g.oh * g.ow), hs(size_t(n)), ws(size_t(n)), base(size_t(n)) {
    for (int64_t oh = 0; oh < g.oh; oh++) {
      for (int64_t ow = 0; ow < g.ow; ow++) {
        const size_t r = size_t(oh * g.ow + ow);
        hs[r] = int32_t(oh * g.sh - g.ph);
        ws[r] = int32_t(ow * g.sw - g.pw);
        base[r] = int32_t(hs[r] * g.w + ws[r]);
      }
    }
  }
  static bool suits(const Pool2dArgs& g) { return g.ow < 8 && g.oh * g.ow >= 4; }
  int64_t n;
  std::vector<int32_t> hs, ws, base;
};

// fn(offset, lanes inside the input) for each tap of the N windows starting at output r.
template <int N, class F>
static inline void for_each_tap(const Pool2dArgs& g, const PlaneWindows& t, int64_t r, F&& fn) {
  using I = typename Vec<N>::i;
  I h0, w0, b0;
  std::memcpy(&h0, t.hs.data() + r, sizeof h0);
  std::memcpy(&w0, t.ws.data() + r, sizeof w0);
  std::memcpy(&b0, t.base.data() + r, sizeof b0);
  const int32_t H = int32_t(g.h), W = int32_t(g.w);
  for (int64_t i = 0; i < g.kh; i++) {
    const I ih = h0 + int32_t(i * g.dh);
    const I row_in = (ih >= 0) & (ih < H);
    for (int64_t j = 0; j < g.kw; j++) {
      const I iw = w0 + int32_t(j * g.dw);
      fn(b0 + int32_t(i * g.dh * g.w + j * g.dw), row_in & (iw >= 0) & (iw < W));
    }
  }
}
