// Direct stride-1 convolution kernels over wide planes (layout and arguments: conv/conv_wide.h;
// driver: conv/conv_wide.cc). Register tiles are templates; the tails of a layer's channel counts
// pick smaller instances from a table.
#pragma once
#include "kernels/nn_vec.inl"

// Tiles: forward OB output channels x PV pixel vectors; weight gradient KB output channels x JB
// (channel, tap) columns. Sized to the ISA's registers (32 zmm; 16 ymm / xmm).
#if defined(__AVX512F__)
constexpr int kWideOB = 6, kWidePV = 4, kWideKB = 4, kWideJB = 6;
#else
constexpr int kWideOB = 4, kWidePV = 2, kWideKB = 2, kWideJB = 4;
#endif

// a * b + c, fused where the ISA has FMA (the build is ISO C++: no automatic contraction).
static inline vf wide_fma(vf a, vf b, vf c) {
#if defined(__AVX512F__)
  return vf(_mm512_fmadd_ps(__m512(a), __m512(b), __m512(c)));
#elif defined(__AVX2__)
  return vf(_mm256_fmadd_ps(__m256(a), __m256(b), __m256(c)));
#else
  return a * b + c;
#endif
}

// All lanes = *p (vsplat's 0 + x costs an add per weight: ISO C++ keeps -0.0 exact).
static inline vf wide_bcast(const float* p) {
#if defined(__AVX512F__)
  return vf(_mm512_set1_ps(*p));
#elif defined(__AVX2__)
  return vf(_mm256_set1_ps(*p));
#else
  return vsplat<vf>(*p);
#endif
}

// fn(start, size) over [0, n) in the fewest blocks of at most maxb, sizes within one of each other
// (9 pixel vectors as 3 + 3 + 3, not 4 + 4 + 1: a one-vector tile is starved of FMAs per weight).
template <class F>
static inline void wide_blocks(int64_t n, int maxb, F&& fn) {
  const int64_t nb = (n + maxb - 1) / maxb;
  for (int64_t i = 0; i < nb; i++) {
    const int64_t s = n * i / nb, e = n * (i + 1) / nb;
    fn(s, int(e - s));
  }
}

// One tile of the forward: output channels [o0, o0 + OB) of one image at wide pixels [v0, v0 + PV
// vectors), written cropped (columns ox < ow, rows oy < oh) with the bias.
template <int OB, int PV>
static void wide_fwd_tile(const WideForwardArgs& a, const float* in, float* y, int64_t o0, int64_t v0) {
  vf acc[OB][PV];
  for (int o = 0; o < OB; o++)
    for (int q = 0; q < PV; q++) acc[o][q] = vf{};
  for (int64_t i = 0; i < a.ci; i++) {
    const float* src = in + i * a.in_plane + v0;
    const float* wr = a.w + o0 * a.w_o + i * a.w_i;
    for (int64_t t = 0; t < a.taps; t++) {
      const float* s = src + a.off[t];
      vf xv[PV];
      for (int q = 0; q < PV; q++) xv[q] = vload<vf>(s + q * kLanes);
      for (int o = 0; o < OB; o++) {
        const vf wv = wide_bcast(wr + o * a.w_o + t);
        for (int q = 0; q < PV; q++) acc[o][q] = wide_fma(wv, xv[q], acc[o][q]);
      }
    }
  }
  const int64_t pend = std::min(v0 + PV * kLanes, a.oh * a.wide_w);
  for (int o = 0; o < OB; o++) {
    float tmp[PV * kLanes];
    for (int q = 0; q < PV; q++) vstore(tmp + q * kLanes, acc[o][q]);
    const float bi = a.bias ? a.bias[o0 + o] : 0.0f;
    float* yo = y + (o0 + o) * a.oh * a.ow;
    int64_t oy = v0 / a.wide_w, ox = v0 - oy * a.wide_w;
    for (int64_t p = v0; p < pend; oy++, ox = 0) {
      const int64_t n = std::min(a.ow - ox, pend - p);
      for (int64_t k = 0; k < n; k++) yo[oy * a.ow + ox + k] = tmp[p - v0 + k] + bi;
      p += a.wide_w - ox;
    }
  }
}

using WideFwdTile = void (*)(const WideForwardArgs&, const float*, float*, int64_t, int64_t);

template <size_t... I>
static constexpr std::array<WideFwdTile, sizeof...(I)> wide_fwd_table(std::index_sequence<I...>) {
  return {{&wide_fwd_tile<int(I / kWidePV) + 1, int(I % kWidePV) + 1>...}};
}

static void conv_wide_forward(const WideForwardArgs& a, int64_t b0, int64_t b1) {
  static constexpr auto table = wide_fwd_table(std::make_index_sequence<size_t(kWideOB * kWidePV)>());
  const int64_t nv = a.len / kLanes;
  for (int64_t b = b0; b < b1; b++) {
    const float* in = a.in + b * a.in_img;
    float* y = a.out + b * a.out_img;
    wide_blocks(a.co, kWideOB, [&](int64_t o0, int ob) {
      wide_blocks(nv, kWidePV, [&](int64_t v, int pv) { table[size_t((ob - 1) * kWidePV + pv - 1)](a, in, y, o0, v * kLanes); });
    });
  }
}

// One tile of the weight gradient: rows [k0, k0 + KB) x columns [j0, j0 + JB), summed over all
// images and wide pixels (lanes hold partial sums, added at the end).
template <int KB, int JB>
static void wide_dw_tile(const WideWeightArgs& a, int64_t k0, int64_t j0) {
  using vi = Vec<kLanes>::i;
  vf acc[KB][JB];
  for (int k = 0; k < KB; k++)
    for (int j = 0; j < JB; j++) acc[k][j] = vf{};
  int64_t xo[JB];
  for (int j = 0; j < JB; j++) {
    const int64_t c = (j0 + j) / a.taps, t = (j0 + j) - c * a.taps;
    xo[j] = c * a.x_plane + a.off[t];
  }
  for (int64_t b = 0; b < a.n; b++) {
    const float* dyb = a.dy + b * a.dy_img + k0 * a.len;
    const float* xb = a.x + b * a.x_img;
    for (int64_t p = 0; p < a.len; p += kLanes) {
      vi m;
      std::memcpy(&m, a.mask + p, sizeof m);
      vf d[KB];
      for (int k = 0; k < KB; k++) d[k] = vload<vf>(dyb + k * a.len + p);
      for (int j = 0; j < JB; j++) {
        // Masked: a wide column past the output may hold any x (an inf would turn 0 * x into NaN).
        vi xi;
        std::memcpy(&xi, xb + xo[j] + p, sizeof xi);
        const vf xv = vf(xi & m);
        for (int k = 0; k < KB; k++) acc[k][j] = wide_fma(d[k], xv, acc[k][j]);
      }
    }
  }
  for (int k = 0; k < KB; k++)
    for (int j = 0; j < JB; j++) a.dw[(k0 + k) * a.ldw + j0 + j] = hsum(acc[k][j]);
}

using WideDwTile = void (*)(const WideWeightArgs&, int64_t, int64_t);

template <size_t... I>
static constexpr std::array<WideDwTile, sizeof...(I)> wide_dw_table(std::index_sequence<I...>) {
  return {{&wide_dw_tile<int(I / kWideJB) + 1, int(I % kWideJB) + 1>...}};
}

// Rows [k0, k0 + kn) (kn <= kWideKB) x columns [j0, j0 + jn) (jn <= kWideJB) of the weight gradient.
static void conv_wide_weight(const WideWeightArgs& a, int64_t k0, int kn, int64_t j0, int jn) {
  static constexpr auto table = wide_dw_table(std::make_index_sequence<size_t(kWideKB * kWideJB)>());
  table[size_t((kn - 1) * kWideJB + jn - 1)](a, k0, j0);
}

// One tile of the scattered input gradient: dx channels [c0, c0 + CB) from forward pixels [v0, v0 +
// PV vectors), all taps: per tap the sum over dy channels stays in registers, then is added once
// into the padded dx planes (a tap apart, these read-modify-writes overlap but are hundreds of
// FMAs apart, so the stores have left the store buffer).
template <int CB, int PV>
static void wide_scatter_tile(const WideScatterArgs& a, const float* dyb, float* accb, int64_t c0, int64_t v0) {
  for (int64_t t = 0; t < a.taps; t++) {
    vf acc[CB][PV];
    for (int c = 0; c < CB; c++)
      for (int q = 0; q < PV; q++) acc[c][q] = vf{};
    const float* wt = a.w + c0 * a.taps + t;
    for (int64_t k = 0; k < a.co; k++) {
      const float* d = dyb + k * a.len + v0;
      vf dv[PV];
      for (int q = 0; q < PV; q++) dv[q] = vload<vf>(d + q * kLanes);
      const float* wk = wt + k * a.ci * a.taps;
      for (int c = 0; c < CB; c++) {
        const vf wv = wide_bcast(wk + c * a.taps);
        for (int q = 0; q < PV; q++) acc[c][q] = wide_fma(wv, dv[q], acc[c][q]);
      }
    }
    for (int c = 0; c < CB; c++) {
      float* dst = accb + (c0 + c) * a.acc_plane + v0 + a.off[t];
      for (int q = 0; q < PV; q++) vstore(dst + q * kLanes, vload<vf>(dst + q * kLanes) + acc[c][q]);
    }
  }
}

using WideScatterTile = void (*)(const WideScatterArgs&, const float*, float*, int64_t, int64_t);

template <size_t... I>
static constexpr std::array<WideScatterTile, sizeof...(I)> wide_scatter_table(std::index_sequence<I...>) {
  return {{&wide_scatter_tile<int(I / kWidePV) + 1, int(I % kWidePV) + 1>...}};
}

static void conv_wide_scatter(const WideScatterArgs& a, int64_t b0, int64_t b1) {
  static constexpr auto table = wide_scatter_table(std::make_index_sequence<size_t(kWideOB * kWidePV)>());
  const int64_t nv = a.len / kLanes;
  for (int64_t b = b0; b < b1; b++) {
    const float* dyb = a.dy + b * a.dy_img;
    float* accb = a.acc + b * a.ci * a.acc_plane;
    std::memset(accb, 0, sizeof(float) * size_t(a.ci * a.acc_plane));
    wide_blocks(a.ci, kWideOB, [&](int64_t c0, int cb) {
      wide_blocks(nv, kWidePV, [&](int64_t v, int pv) { table[size_t((cb - 1) * kWidePV + pv - 1)](a, dyb, accb, c0, v * kLanes); });
    });
    float* dxb = a.dx + b * a.ci * a.h * a.w_in;
    for (int64_t c = 0; c < a.ci; c++)
      for (int64_t i = 0; i < a.h; i++)
        std::memcpy(dxb + (c * a.h + i) * a.w_in, accb + c * a.acc_plane + (i + a.ph) * a.wide_w + a.pw, sizeof(float) * size_t(a.w_in));
  }
}

inline void fill_conv_wide(Kernels& k) {
  k.conv_wide_scatter = conv_wide_scatter;
  k.conv_wide_forward = conv_wide_forward;
  k.conv_wide_weight = conv_wide_weight;
  k.conv_wide_kb = kWideKB;
  k.conv_wide_jb = kWideJB;
}
