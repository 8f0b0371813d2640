// Max, average and adaptive average pooling over contiguous NCHW float32 planes [p0, p1).
// Window semantics are those of src/backend/js/pool.ts (PyTorch's CPU kernels). When some window
// runs past the left or right edge (padding, ceil_mode), the plane is first copied into a buffer
// with padding columns (-inf for max, 0 for average), so that every output of a row is computed by
// the same branch-free vector code: N outputs at a time with strided loads (stride 1 and 2
// specialised), the last chunk of a row overlapping the one before. Windows are clipped to the
// input vertically, where the clipping is the same for a whole output row.
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

// ---- max pooling -------------------------------------------------------------------------------

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

// ---- average pooling ---------------------------------------------------------------------------

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

inline void fill_pool(Kernels& k) {
  k.maxpool2d_f32 = maxpool2d_f32;
  k.maxpool2d_bwd_f32 = maxpool2d_bwd_f32;
  k.avgpool2d_f32 = avgpool2d_f32;
  k.avgpool2d_bwd_f32 = avgpool2d_bwd_f32;
  k.adaptive_avgpool2d_f32 = adaptive_avgpool2d_f32;
  k.adaptive_avgpool2d_bwd_f32 = adaptive_avgpool2d_bwd_f32;
}
