// Convolution kernels for one instruction set: the packers that feed images straight into the
// GEMM's panels (implicit im2col), col2im for strided input gradients, and direct depthwise
// kernels. The driver is native/conv/conv.cc; ConvGeom and the packing contexts are in
// conv/conv_geom.h (included by isa/kernels_impl.h, outside the ISA namespace).
// GCC 12 warns about the undefined first operand inside its own AVX-512 shuffle intrinsics.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"


// d[t] = row[ix0 + t * sw] for t in [lo, hi), 0 for the other t < len. Lanes outside [lo, hi) are
// never read (masked), so row + ix0 may point before the row.
static inline void conv_copy_run(float* d, const float* row, int64_t ix0, int64_t sw, int lo, int hi, int len) {
#if defined(__AVX512F__)
  const __m512i lane_off = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                              _mm512_set1_epi32(int(sw)));
  for (int t0 = 0; t0 < len; t0 += 16) {
    const int n = std::min(16, len - t0);
    const int a = std::max(lo - t0, 0), e = std::min(hi - t0, n);
    const __mmask16 lm = a < e ? __mmask16(((1u << e) - 1) & ~((1u << a) - 1)) : __mmask16(0);
    __m512 v;
    if (sw == 1) v = _mm512_maskz_loadu_ps(lm, row + ix0 + t0);
    else v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), lm, lane_off, row + ix0 + int64_t(t0) * sw, 4);
    _mm512_mask_storeu_ps(d + t0, __mmask16((1u << n) - 1), v);
  }
#elif defined(__AVX2__)
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i lane_off = _mm256_mullo_epi32(iota, _mm256_set1_epi32(int(sw)));
  for (int t0 = 0; t0 < len; t0 += 8) {
    const __m256i idx = _mm256_add_epi32(iota, _mm256_set1_epi32(t0));
    const __m256i lm = _mm256_and_si256(_mm256_cmpgt_epi32(idx, _mm256_set1_epi32(lo - 1)),
                                        _mm256_cmpgt_epi32(_mm256_set1_epi32(hi), idx));
    const __m256i sm = _mm256_cmpgt_epi32(_mm256_set1_epi32(len), idx);
    __m256 v;
    if (sw == 1) v = _mm256_maskload_ps(row + ix0 + t0, lm);
    else v = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), row + ix0 + int64_t(t0) * sw, lane_off, _mm256_castsi256_ps(lm), 4);
    _mm256_maskstore_ps(d + t0, sm, v);
  }
#else
  int t = 0;
  for (; t < lo && t < len; t++) d[t] = 0.0f;
  for (; t < hi; t++) d[t] = row[ix0 + t * sw];
  for (; t < len; t++) d[t] = 0.0f;
#endif
}

static inline void conv_zero(float* d, int len) {
  for (int t = 0; t < len; t++) d[t] = 0.0f;
}

// First t in [0, len) with 0 <= ix0 + t * sw, and one past the last with ix0 + t * sw < w.
static inline void conv_valid_range(int64_t ix0, int64_t sw, int64_t w, int len, int* lo, int* hi) {
  int64_t l = ix0 >= 0 ? 0 : (-ix0 + sw - 1) / sw;
  int64_t h = ix0 >= w ? 0 : (w - ix0 + sw - 1) / sw;
  l = std::min<int64_t>(l, len);
  h = std::max(l, std::min<int64_t>(h, len));
  *lo = int(l);
  *hi = int(h);
}

// GemmPackFn over an Im2colSource (see conv_geom.h): rows are output pixels, depth is (c, kr, ks).
static void conv_pack_im2col(const void* ctx, int64_t j0, int jn, int64_t q0, int64_t qc, int wdt, float* dst) {
  const Im2colSource& g = *static_cast<const Im2colSource*>(ctx);
  const int64_t ohw = g.oh * g.ow, hw = g.h * g.w, taps = g.r * g.s;
  // A sliver covers at most wdt (<= 64) pixels, cut into runs along one output row.
  struct Run { int jj, len; const float* img; int64_t oy, ox; };
  Run runs[64];
  int nr = 0;
  for (int jj = 0; jj < jn;) {
    const int64_t j = j0 + jj, b = j / ohw, p = j - b * ohw, oy = p / g.ow, ox = p - oy * g.ow;
    const int len = int(std::min<int64_t>(jn - jj, g.ow - ox));
    runs[nr++] = Run{jj, len, g.x + b * g.img_stride, oy, ox};
    jj += len;
  }
  // Per run and kernel column: first input column and valid range; per run and kernel row: the
  // input row offset, or -1 outside the image.
  thread_local std::vector<int64_t> tab;
  tab.resize(size_t(nr) * size_t(3 * g.s + g.r));
  int64_t* col_tab = tab.data();                 // [run][ks] -> ix0, lo, hi
  int64_t* row_tab = tab.data() + nr * 3 * g.s;  // [run][kr] -> iy * w or -1
  for (int u = 0; u < nr; u++) {
    for (int64_t ks = 0; ks < g.s; ks++) {
      const int64_t ix0 = runs[u].ox * g.sw - g.pw + ks * g.dw;
      int lo, hi;
      conv_valid_range(ix0, g.sw, g.w, runs[u].len, &lo, &hi);
      int64_t* e = col_tab + (u * g.s + ks) * 3;
      e[0] = ix0; e[1] = lo; e[2] = hi;
    }
    for (int64_t kr = 0; kr < g.r; kr++) {
      const int64_t iy = runs[u].oy * g.sh - g.ph + kr * g.dh;
      row_tab[u * g.r + kr] = (iy >= 0 && iy < g.h) ? iy * g.w : -1;
    }
  }
  int64_t c = q0 / taps, rem = q0 - c * taps, kr = rem / g.s, ks = rem - kr * g.s;
  for (int64_t q = 0; q < qc; q++) {
    float* d = dst + q * wdt;
    const int64_t plane = c * hw;
    for (int u = 0; u < nr; u++) {
      const int64_t ro = row_tab[u * g.r + kr];
      const int64_t* e = col_tab + (u * g.s + ks) * 3;
      if (ro < 0 || e[1] == e[2]) conv_zero(d + runs[u].jj, runs[u].len);
      else conv_copy_run(d + runs[u].jj, runs[u].img + plane + ro, e[0], g.sw, int(e[1]), int(e[2]), runs[u].len);
    }
    conv_zero(d + jn, wdt - jn);
    if (++ks == g.s) { ks = 0; if (++kr == g.r) { kr = 0; c++; } }
  }
}

// GemmPackFn over an NhwcTapSource (see conv_geom.h): rows are (kr, ks, c), depth is output pixels.
static void conv_pack_nhwc_taps(const void* ctx, int64_t j0, int jn, int64_t q0, int64_t qc, int wdt, float* dst) {
  const NhwcTapSource& g = *static_cast<const NhwcTapSource*>(ctx);
  const int64_t ohw = g.oh * g.ow;
  struct Run { int jj, len; int64_t kr, ks, c; };
  Run runs[64];
  int nr = 0;
  for (int jj = 0; jj < jn;) {
    const int64_t j = j0 + jj, tap = j / g.cg, c = j - tap * g.cg;
    const int len = int(std::min<int64_t>(jn - jj, g.cg - c));
    runs[nr++] = Run{jj, len, tap / g.s, tap % g.s, c};
    jj += len;
  }
  int64_t b = q0 / ohw, p = q0 - b * ohw, oy = p / g.ow, ox = p - oy * g.ow;
  for (int64_t q = 0; q < qc; q++) {
    float* d = dst + q * wdt;
    const float* img = g.xhwc + b * g.h * g.w * g.channels;
    const int64_t iy0 = oy * g.sh - g.ph, ix0 = ox * g.sw - g.pw;
    for (int u = 0; u < nr; u++) {
      const int64_t iy = iy0 + runs[u].kr * g.dh, ix = ix0 + runs[u].ks * g.dw;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) conv_zero(d + runs[u].jj, runs[u].len);
      else conv_copy_run(d + runs[u].jj, img + (iy * g.w + ix) * g.channels + runs[u].c, 0, 1, 0, runs[u].len, runs[u].len);
    }
    conv_zero(d + jn, wdt - jn);
    if (++ox == g.ow) { ox = 0; if (++oy == g.oh) { oy = 0; b++; } }
  }
}

// Adds the column-buffer rows of input channel ci (rows (ci, kr, ks), columns = the output pixels
// of one image, row stride ldcol) into that channel's gradient plane dxp, which it first zeroes.
static void conv_col2im(const ConvGeom& g, const float* col, int64_t ldcol, int64_t ci, float* dxp) {
  for (int64_t i = 0; i < g.h * g.w; i++) dxp[i] = 0.0f;
  for (int64_t kr = 0; kr < g.r; kr++) {
    for (int64_t ks = 0; ks < g.s; ks++) {
      const float* crow = col + ((ci * g.r + kr) * g.s + ks) * ldcol;
      const int64_t ix0 = ks * g.dw - g.pw;
      int lo, hi;
      conv_valid_range(ix0, g.sw, g.w, int(g.ow), &lo, &hi);
      for (int64_t oy = 0; oy < g.oh; oy++) {
        const int64_t iy = oy * g.sh - g.ph + kr * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        float* drow = dxp + iy * g.w + ix0;
        const float* src = crow + oy * g.ow;
        if (g.sw == 1) {
          for (int ox = lo; ox < hi; ox++) drow[ox] += src[ox];
        } else {
          for (int ox = lo; ox < hi; ox++) drow[ox * g.sw] += src[ox];
        }
      }
    }
  }
}

// ---- depthwise (groups == channels): direct kernels, one output plane / input plane / weight
// channel per work item, so threads never write the same memory.

// Output planes [p0, p1) of y (plane = b * k + ko).
static void dw_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y, int64_t p0, int64_t p1) {
  const int64_t mult = g.k / g.c, hw = g.h * g.w, ohw = g.oh * g.ow;
  for (int64_t pl = p0; pl < p1; pl++) {
    const int64_t b = pl / g.k, ko = pl - b * g.k, ci = ko / mult;
    const float* xp = x + (b * g.c + ci) * hw;
    const float* wk = w + ko * g.r * g.s;
    float* yp = y + pl * ohw;
    const float b0 = bias ? bias[ko] : 0.0f;
    for (int64_t i = 0; i < ohw; i++) yp[i] = b0;
    for (int64_t ks = 0; ks < g.s; ks++) {
      const int64_t ix0 = ks * g.dw - g.pw;
      int lo, hi;
      conv_valid_range(ix0, g.sw, g.w, int(g.ow), &lo, &hi);
      for (int64_t oy = 0; oy < g.oh; oy++) {
        float* yrow = yp + oy * g.ow;
        for (int64_t kr = 0; kr < g.r; kr++) {
          const int64_t iy = oy * g.sh - g.ph + kr * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          const float wv = wk[kr * g.s + ks];
          const float* xrow = xp + iy * g.w + ix0;
          if (g.sw == 1) {
            for (int ox = lo; ox < hi; ox++) yrow[ox] += wv * xrow[ox];
          } else if (g.sw == 2) {
            for (int ox = lo; ox < hi; ox++) yrow[ox] += wv * xrow[2 * ox];
          } else {
            for (int ox = lo; ox < hi; ox++) yrow[ox] += wv * xrow[ox * g.sw];
          }
        }
      }
    }
  }
}

// Input-gradient planes [p0, p1) of dx (plane = b * c + ci), overwritten.
static void dw_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx, int64_t p0, int64_t p1) {
  const int64_t mult = g.k / g.c, hw = g.h * g.w, ohw = g.oh * g.ow;
  for (int64_t pl = p0; pl < p1; pl++) {
    const int64_t b = pl / g.c, ci = pl - b * g.c;
    float* dxp = dx + pl * hw;
    for (int64_t i = 0; i < hw; i++) dxp[i] = 0.0f;
    for (int64_t m = 0; m < mult; m++) {
      const int64_t ko = ci * mult + m;
      const float* dyp = dy + (b * g.k + ko) * ohw;
      const float* wk = w + ko * g.r * g.s;
      for (int64_t ks = 0; ks < g.s; ks++) {
        const int64_t ix0 = ks * g.dw - g.pw;
        int lo, hi;
        conv_valid_range(ix0, g.sw, g.w, int(g.ow), &lo, &hi);
        for (int64_t oy = 0; oy < g.oh; oy++) {
          const float* dyrow = dyp + oy * g.ow;
          for (int64_t kr = 0; kr < g.r; kr++) {
            const int64_t iy = oy * g.sh - g.ph + kr * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            const float wv = wk[kr * g.s + ks];
            float* drow = dxp + iy * g.w + ix0;
            if (g.sw == 1) {
              for (int ox = lo; ox < hi; ox++) drow[ox] += wv * dyrow[ox];
            } else {
              for (int ox = lo; ox < hi; ox++) drow[ox * g.sw] += wv * dyrow[ox];
            }
          }
        }
      }
    }
  }
}

// sum of a[i] * b[i * sb] for i < n, in 16 independent lanes so the compiler can vectorise it.
static inline float conv_dot(const float* a, const float* b, int64_t sb, int64_t n) {
  float lanes[16] = {};
  int64_t i = 0;
  if (sb == 1) {
    for (; i + 16 <= n; i += 16)
      for (int l = 0; l < 16; l++) lanes[l] += a[i + l] * b[i + l];
  }
  float s = 0.0f;
  for (; i < n; i++) s += a[i] * b[i * sb];
  for (int l = 0; l < 16; l++) s += lanes[l];
  return s;
}

// Weight gradients of output channels [k0, k1) (overwritten), summed over the whole batch.
static void dw_backward_weight(const ConvGeom& g, const float* x, const float* dy, float* dw, int64_t k0, int64_t k1) {
  const int64_t mult = g.k / g.c, hw = g.h * g.w, ohw = g.oh * g.ow;
  for (int64_t ko = k0; ko < k1; ko++) {
    const int64_t ci = ko / mult;
    for (int64_t kr = 0; kr < g.r; kr++) {
      for (int64_t ks = 0; ks < g.s; ks++) {
        const int64_t ix0 = ks * g.dw - g.pw;
        int lo, hi;
        conv_valid_range(ix0, g.sw, g.w, int(g.ow), &lo, &hi);
        double acc = 0.0;
        for (int64_t b = 0; b < g.n; b++) {
          const float* xp = x + (b * g.c + ci) * hw;
          const float* dyp = dy + (b * g.k + ko) * ohw;
          float part = 0.0f;
          for (int64_t oy = 0; oy < g.oh; oy++) {
            const int64_t iy = oy * g.sh - g.ph + kr * g.dh;
            if (iy < 0 || iy >= g.h || hi <= lo) continue;
            part += conv_dot(dyp + oy * g.ow + lo, xp + iy * g.w + ix0 + lo * g.sw, g.sw, hi - lo);
          }
          acc += part;
        }
        dw[ko * g.r * g.s + kr * g.s + ks] = float(acc);
      }
    }
  }
}

inline void fill_conv(Kernels& k) {
  k.conv_pack_im2col = conv_pack_im2col;
  k.conv_pack_nhwc_taps = conv_pack_nhwc_taps;
  k.conv_col2im = conv_col2im;
  k.dw_forward = dw_forward;
  k.dw_backward_input = dw_backward_input;
  k.dw_backward_weight = dw_backward_weight;
}

#pragma GCC diagnostic pop
