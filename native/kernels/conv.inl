// Convolution kernels for one instruction set: the packers that feed images straight into the
// GEMM's panels (implicit im2col) and col2im for strided input gradients (the depthwise kernels
// are in kernels/depthwise*.inl). The driver is native/conv/conv.cc; ConvGeom and the packing
// contexts are in conv/conv_geom.h (included by isa/kernels_impl.h, outside the ISA namespace).
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
// The sliver's pixels are cut into runs along output rows; for every (kernel tap, run) a table
// holds where the run's input starts in a channel plane and which of its pixels fall inside the
// image, so the loop over channels and taps is only loads and stores (masked with AVX-512).
static void conv_pack_im2col(const void* ctx, int64_t j0, int jn, int64_t q0, int64_t qc, int wdt, float* dst) {
  const Im2colSource& g = *static_cast<const Im2colSource*>(ctx);
  const int64_t ohw = g.oh * g.ow, hw = g.h * g.w, taps = g.r * g.s;
  struct Run { int jj, len; const float* img; };
  struct Tap { int64_t off; int lo, hi; uint32_t mask; };  // valid pixels [lo, hi) of the run; mask = the same as bits
  Run runs[64];
  int64_t run_oy[64], run_ox[64];
  int nr = 0;
  for (int jj = 0; jj < jn;) {
    const int64_t j = j0 + jj, b = j / ohw, p = j - b * ohw, oy = p / g.ow, ox = p - oy * g.ow;
    const int len = int(std::min<int64_t>(jn - jj, g.ow - ox));
    run_oy[nr] = oy;
    run_ox[nr] = ox;
    runs[nr++] = Run{jj, len, g.x + b * g.img_stride};
    jj += len;
  }
  thread_local std::vector<Tap> tab;
  tab.resize(size_t(taps * nr));
  for (int64_t kr = 0; kr < g.r; kr++) {
    for (int64_t ks = 0; ks < g.s; ks++) {
      for (int u = 0; u < nr; u++) {
        Tap& e = tab[size_t((kr * g.s + ks) * nr + u)];
        const int64_t iy = run_oy[u] * g.sh - g.ph + kr * g.dh, ix0 = run_ox[u] * g.sw - g.pw + ks * g.dw;
        e.off = iy * g.w + ix0;
        if (iy < 0 || iy >= g.h) { e.lo = e.hi = 0; }
        else conv_valid_range(ix0, g.sw, g.w, runs[u].len, &e.lo, &e.hi);
        const uint64_t bits = e.hi > e.lo ? ((uint64_t(1) << e.hi) - 1) & ~((uint64_t(1) << e.lo) - 1) : 0;
        e.mask = uint32_t(bits);
      }
    }
  }
  int64_t c = q0 / taps, t = q0 - c * taps;
#if defined(__AVX512F__)
  const bool fast = g.sw == 1 && wdt <= 32;
#endif
  for (int64_t q = 0; q < qc; q++) {
    float* d = dst + q * wdt;
    const int64_t plane = c * hw;
    const Tap* e = tab.data() + t * nr;
#if defined(__AVX512F__)
    if (fast) {
      for (int u = 0; u < nr; u++) {
        const float* src = runs[u].img + plane + e[u].off;
        float* dd = d + runs[u].jj;
        const int len = runs[u].len;
        _mm512_mask_storeu_ps(dd, __mmask16((1u << std::min(len, 16)) - 1), _mm512_maskz_loadu_ps(__mmask16(e[u].mask), src));
        if (len > 16)
          _mm512_mask_storeu_ps(dd + 16, __mmask16((1u << (len - 16)) - 1), _mm512_maskz_loadu_ps(__mmask16(e[u].mask >> 16), src + 16));
      }
    } else
#endif
    {
      for (int u = 0; u < nr; u++)
        conv_copy_run(d + runs[u].jj, runs[u].img + plane, e[u].off, g.sw, e[u].lo, e[u].hi, runs[u].len);
    }
    conv_zero(d + jn, wdt - jn);
    if (++t == taps) { t = 0; c++; }
  }
}

// GemmPackFn over an NhwcTapSource (see conv_geom.h): rows are (kr, ks, c), depth is output pixels.
// The sliver's rows are cut into runs of consecutive channels of one tap; per output pixel each
// run is one contiguous copy out of the NHWC image, or zeros where the tap falls outside it.
static void conv_pack_nhwc_taps(const void* ctx, int64_t j0, int jn, int64_t q0, int64_t qc, int wdt, float* dst) {
  const NhwcTapSource& g = *static_cast<const NhwcTapSource*>(ctx);
  const int64_t ohw = g.oh * g.ow;
  struct Run { int jj, len; int64_t dy, dx, off; };  // tap offsets in rows and columns, and channel offset
  Run runs[64];
  int nr = 0;
  for (int jj = 0; jj < jn;) {
    const int64_t j = j0 + jj, tap = j / g.cg, c = j - tap * g.cg, kr = tap / g.s, ks = tap - kr * g.s;
    const int len = int(std::min<int64_t>(jn - jj, g.cg - c));
    runs[nr++] = Run{jj, len, kr * g.dh, ks * g.dw, (kr * g.dh * g.w + ks * g.dw) * g.channels + c};
    jj += len;
  }
  int64_t b = q0 / ohw, p = q0 - b * ohw, oy = p / g.ow, ox = p - oy * g.ow;
  for (int64_t q = 0; q < qc; q++) {
    float* d = dst + q * wdt;
    const int64_t iy0 = oy * g.sh - g.ph, ix0 = ox * g.sw - g.pw;
    const float* pix = g.xhwc + ((b * g.h + iy0) * g.w + ix0) * g.channels;  // may lie outside: only valid taps are read
    for (int u = 0; u < nr; u++) {
      const Run& r = runs[u];
      const bool inside = uint64_t(iy0 + r.dy) < uint64_t(g.h) && uint64_t(ix0 + r.dx) < uint64_t(g.w);
#if defined(__AVX512F__)
      const __mmask16 s1 = __mmask16((1u << std::min(r.len, 16)) - 1);
      _mm512_mask_storeu_ps(d + r.jj, s1, _mm512_maskz_loadu_ps(inside ? s1 : __mmask16(0), pix + r.off));
      if (r.len > 16) {
        const __mmask16 s2 = __mmask16((1u << (r.len - 16)) - 1);
        _mm512_mask_storeu_ps(d + r.jj + 16, s2, _mm512_maskz_loadu_ps(inside ? s2 : __mmask16(0), pix + r.off + 16));
      }
#else
      if (inside) conv_copy_run(d + r.jj, pix + r.off, 0, 1, 0, r.len, r.len);
      else conv_zero(d + r.jj, r.len);
#endif
    }
    conv_zero(d + jn, wdt - jn);
    if (++ox == g.ow) { ox = 0; if (++oy == g.oh) { oy = 0; b++; } }
  }
}

// d[2 * t] += s[t] for t in [lo, hi): the stride-2 scatter of col2im, 8 values per vector spread
// onto the even lanes (odd lanes, another tap's pixels, are neither read nor written).
static inline void conv_add_stride2(float* d, const float* s, int lo, int hi) {
  int t = lo;
#if defined(__AVX512F__)
  const __m512i spread = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  for (; t < hi; t += 8) {
    const int n = std::min(8, hi - t);
    const __mmask16 even = __mmask16(0x5555u & ((1u << (2 * n)) - 1));
    const __m512 v = _mm512_permutexvar_ps(spread, _mm512_castps256_ps512(_mm256_maskz_loadu_ps(__mmask8((1u << n) - 1), s + t)));
    float* dd = d + 2 * t;
    _mm512_mask_storeu_ps(dd, even, _mm512_add_ps(_mm512_maskz_loadu_ps(even, dd), v));
  }
#endif
  for (; t < hi; t++) d[2 * t] += s[t];
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
        } else if (g.sw == 2) {
          conv_add_stride2(drow, src, lo, hi);
        } else {
          for (int ox = lo; ox < hi; ox++) drow[ox * g.sw] += src[ox];
        }
      }
    }
  }
}

inline void fill_conv(Kernels& k) {
  k.conv_pack_im2col = conv_pack_im2col;
  k.conv_pack_nhwc_taps = conv_pack_nhwc_taps;
  k.conv_col2im = conv_col2im;
}

#pragma GCC diagnostic pop
