// Batch norm (in phases, see below) and local response norm (one image, columns [i0, i1)) over
// float32 data viewed as [n, c, hw]. Semantics are those of src/backend/js/norm.ts.
#include "kernels/nn_vec.inl"

// ---- batch norm --------------------------------------------------------------------------------
// Four phases over images [n0, n1) and channels [c0, c1); the bindings run them per channel (large
// planes: a channel's data stays in cache between phases) or per range of images (small planes:
// memory is read in order), and do the per-channel arithmetic in between.

// Channel sums are accumulated in double: float lanes gather at most kFlush values each, then
// flush into double lanes, so a channel of millions of values keeps float32's accuracy.
constexpr int kFlush = 8;
typedef double vdbl __attribute__((vector_size(8 * kLanes)));

static inline double hsum_vd(const vdbl& v) {
  double s = 0.0;
  for (int l = 0; l < kLanes; l++) s += v[l];
  return s;
}

// Adds f(x) over one plane of hw values to acc (vector lanes) and tail (the last hw % kLanes).
template <class F>
static inline void plane_sum(const float* p, int64_t hw, F f, vdbl& acc, double& tail) {
  int64_t i = 0;
  while (i + kLanes <= hw) {
    vf part = vsplat<vf>(0.0f);
    for (int k = 0; k < kFlush && i + kLanes <= hw; k++, i += kLanes) part += f(vload<vf>(p + i));
    acc += __builtin_convertvector(part, vdbl);
  }
  for (; i < hw; i++) tail += double(f(p[i]));
}

// Planes of fewer values than this, when a phase runs over every channel (by images), go row by
// row: an image's [c, hw] block is contiguous, so with the per-channel factors spread to one per
// element it runs as one vector loop, where plane by plane a loop of a few values per channel
// would cost more than its data.
constexpr int64_t kRowPlane = 16;

static bool by_rows(const BatchNormArgs& a, int64_t c0, int64_t c1) { return a.hw < kRowPlane && c0 == 0 && c1 == a.c; }

// out[c * hw + i] = v[c]: a per-channel factor for each element of a row.
static std::vector<float> spread(const float* v, const BatchNormArgs& a) {
  std::vector<float> out(size_t(a.c * a.hw));
  for (int64_t c = 0; c < a.c; c++) std::fill(out.begin() + c * a.hw, out.begin() + (c + 1) * a.hw, v[c]);
  return out;
}

// out[c] += the sums of f(x, element) over images [n0, n1), each element gathering kFlush images
// in float before it flushes into double, as plane_sum's lanes do.
template <int Outputs, class F>
static void row_sums(const BatchNormArgs& a, int64_t n0, int64_t n1, F f, double* const (&out)[Outputs]) {
  const int64_t row = a.c * a.hw;
  std::vector<double> acc(size_t(Outputs * row), 0.0);
  std::vector<float> part(size_t(Outputs * row));
  for (int64_t b0 = n0; b0 < n1; b0 += kFlush) {
    std::fill(part.begin(), part.end(), 0.0f);
    for (int64_t b = b0; b < std::min(n1, b0 + kFlush); b++) f(b * row, part.data(), row);
    for (int64_t j = 0; j < Outputs * row; j++) acc[size_t(j)] += double(part[size_t(j)]);
  }
  for (int o = 0; o < Outputs; o++) {
    for (int64_t c = 0; c < a.c; c++) {
      double sum = 0.0;
      for (int64_t i = 0; i < a.hw; i++) sum += acc[size_t(o * row + c * a.hw + i)];
      out[o][c] += sum;
    }
  }
}

// out[c] += sum over the range of x (center == null) or of (x - center[c])^2.
static void bn_sums_f32(const BatchNormArgs& a, int64_t n0, int64_t n1, int64_t c0, int64_t c1, const float* center, double* out) {
  if (by_rows(a, c0, c1)) {
    double* const outs[1] = {out};
    if (center) {
      const std::vector<float> m = spread(center, a);
      row_sums<1>(a, n0, n1, [&](int64_t o, float* part, int64_t row) {
        const float* p = a.x + o;
        for (int64_t j = 0; j < row; j++) { const float d = p[j] - m[size_t(j)]; part[j] += d * d; }
      }, outs);
    } else {
      row_sums<1>(a, n0, n1, [&](int64_t o, float* part, int64_t row) {
        const float* p = a.x + o;
        for (int64_t j = 0; j < row; j++) part[j] += p[j];
      }, outs);
    }
    return;
  }
  std::vector<vdbl> acc(size_t(c1 - c0), vdbl{});
  std::vector<double> tail(size_t(c1 - c0), 0.0);
  for (int64_t b = n0; b < n1; b++) {
    for (int64_t c = c0; c < c1; c++) {
      const float* p = a.x + (b * a.c + c) * a.hw;
      if (center) {
        const float m = center[c];
        plane_sum(p, a.hw, [m](auto v) { auto d = v - m; return d * d; }, acc[size_t(c - c0)], tail[size_t(c - c0)]);
      } else {
        plane_sum(p, a.hw, [](auto v) { return v; }, acc[size_t(c - c0)], tail[size_t(c - c0)]);
      }
    }
  }
  for (int64_t c = c0; c < c1; c++) out[c] += hsum_vd(acc[size_t(c - c0)]) + tail[size_t(c - c0)];
}

// The forward's y = (x - m) * sc + sh, one expression for it and for the fused ReLU's backward:
// both round it (and contract it to an FMA or not) alike, so the backward's mask is bit for bit
// the forward's.
template <class V>
static inline V bn_affine(V x, float m, float sc, float sh) { return (x - m) * sc + sh; }

// g where the forward's pre-ReLU value v is > 0, else 0 (the gradient ReLU's backward would pass
// on: relu(v) > 0 exactly when v > 0, NaN included). The scalar form selects with a bit mask:
// planes of a few values never reach the vector loops, and a branch on the sign of random data
// mispredicts every other element.
static inline vf relu_pass(vf g, vf v) { return v > vsplat<vf>(0.0f) ? g : vsplat<vf>(0.0f); }
static inline float relu_pass(float g, float v) { return bits_to_float(float_to_bits(g) & (0u - uint32_t(v > 0.0f))); }
// relu(v) as the ReLU kernel: NaN kept, negatives and -0 to +0.
static inline float relu_of(float v) { return bits_to_float(float_to_bits(v) & (0u - uint32_t(!(v <= 0.0f)))); }

// sum_g[c] += sum of dy, sum_gx[c] += sum of dy * (x - save_mean[c]); dy through the fused ReLU
// (its mask recomputed from x) when Relu.
template <bool Relu>
static void bn_grad_sums(const BatchNormArgs& a, int64_t n0, int64_t n1, int64_t c0, int64_t c1, double* sum_g, double* sum_gx) {
  if (by_rows(a, c0, c1)) {
    const std::vector<float> m = spread(a.save_mean, a);
    const std::vector<float> sc = Relu ? spread(a.relu_affine, a) : std::vector<float>();
    const std::vector<float> sh = Relu ? spread(a.relu_affine + a.c, a) : std::vector<float>();
    double* const outs[2] = {sum_g, sum_gx};
    row_sums<2>(a, n0, n1, [&](int64_t o, float* part, int64_t row) {
      const float* p = a.x + o;
      const float* q = a.dy + o;
      float* pgx = part + row;
      for (int64_t j = 0; j < row; j++) {
        const size_t e = size_t(j);
        const float g = Relu ? relu_pass(q[j], bn_affine(p[j], m[e], sc[e], sh[e])) : q[j];
        part[j] += g;
        pgx[j] += g * (p[j] - m[e]);
      }
    }, outs);
    return;
  }
  std::vector<vdbl> acc(size_t(2 * (c1 - c0)), vdbl{});
  std::vector<double> tail(size_t(2 * (c1 - c0)), 0.0);
  for (int64_t b = n0; b < n1; b++) {
    for (int64_t c = c0; c < c1; c++) {
      const int64_t o = (b * a.c + c) * a.hw;
      const float* p = a.x + o;
      const float* q = a.dy + o;
      const float m = a.save_mean[c];
      const float sc = Relu ? a.relu_affine[c] : 0.0f, sh = Relu ? a.relu_affine[a.c + c] : 0.0f;
      const size_t k = size_t(2 * (c - c0));
      vdbl ag = acc[k], agx = acc[k + 1];
      int64_t i = 0;
      while (i + kLanes <= a.hw) {
        vf pg = vsplat<vf>(0.0f), pgx = pg;
        for (int t = 0; t < kFlush && i + kLanes <= a.hw; t++, i += kLanes) {
          const vf xv = vload<vf>(p + i);
          vf g = vload<vf>(q + i);
          if constexpr (Relu) g = relu_pass(g, bn_affine(xv, m, sc, sh));
          pg += g;
          pgx += g * (xv - m);
        }
        ag += __builtin_convertvector(pg, vdbl);
        agx += __builtin_convertvector(pgx, vdbl);
      }
      for (; i < a.hw; i++) {
        const float g = Relu ? relu_pass(q[i], bn_affine(p[i], m, sc, sh)) : q[i];
        tail[k] += double(g);
        tail[k + 1] += double(g) * double(p[i] - m);
      }
      acc[k] = ag;
      acc[k + 1] = agx;
    }
  }
  for (int64_t c = c0; c < c1; c++) {
    const size_t k = size_t(2 * (c - c0));
    sum_g[c] += hsum_vd(acc[k]) + tail[k];
    sum_gx[c] += hsum_vd(acc[k + 1]) + tail[k + 1];
  }
}

static void bn_grad_sums_f32(const BatchNormArgs& a, int64_t n0, int64_t n1, int64_t c0, int64_t c1, double* sum_g, double* sum_gx) {
  if (a.relu_affine) bn_grad_sums<true>(a, n0, n1, c0, c1, sum_g, sum_gx);
  else bn_grad_sums<false>(a, n0, n1, c0, c1, sum_g, sum_gx);
}

// y = (x - center[c]) * scale[c] + shift[c], then relu(y) (NaN kept, as the ReLU kernel) when a.relu.
static void bn_normalize_f32(const BatchNormArgs& a, int64_t n0, int64_t n1, int64_t c0, int64_t c1, const float* center,
                             const float* scale, const float* shift) {
  if (by_rows(a, c0, c1)) {
    const std::vector<float> m = spread(center, a), sc = spread(scale, a), sh = spread(shift, a);
    const int64_t row = a.c * a.hw;
    for (int64_t b = n0; b < n1; b++) {
      const float* p = a.x + b * row;
      float* q = a.y + b * row;
      if (a.relu) {
        for (int64_t j = 0; j < row; j++) q[j] = relu_of(bn_affine(p[j], m[size_t(j)], sc[size_t(j)], sh[size_t(j)]));
      } else {
        for (int64_t j = 0; j < row; j++) q[j] = bn_affine(p[j], m[size_t(j)], sc[size_t(j)], sh[size_t(j)]);
      }
    }
    return;
  }
  for (int64_t b = n0; b < n1; b++) {
    for (int64_t c = c0; c < c1; c++) {
      const int64_t o = (b * a.c + c) * a.hw;
      const float* p = a.x + o;
      float* q = a.y + o;
      const float m = center[c], sc = scale[c], sh = shift[c];
      if (a.relu) {
        for (int64_t i = 0; i < a.hw; i++) q[i] = relu_of(bn_affine(p[i], m, sc, sh));
      } else {
        for (int64_t i = 0; i < a.hw; i++) q[i] = bn_affine(p[i], m, sc, sh);
      }
    }
  }
}

// dx = (dy - mean_dy[c] - (x - save_mean[c]) * k[c]) * scale[c] (training), dx = dy * scale[c] (k null);
// dy through the fused ReLU (its mask recomputed from x) when Relu.
template <bool Relu>
static void bn_normalize_grad(const BatchNormArgs& a, int64_t n0, int64_t n1, int64_t c0, int64_t c1, const float* mean_dy,
                              const float* k, const float* scale) {
  if (by_rows(a, c0, c1)) {
    const std::vector<float> m = spread(a.save_mean, a), sc = spread(scale, a);
    const std::vector<float> mg = k ? spread(mean_dy, a) : std::vector<float>(), kk = k ? spread(k, a) : std::vector<float>();
    const std::vector<float> rsc = Relu ? spread(a.relu_affine, a) : std::vector<float>();
    const std::vector<float> rsh = Relu ? spread(a.relu_affine + a.c, a) : std::vector<float>();
    const int64_t row = a.c * a.hw;
    for (int64_t b = n0; b < n1; b++) {
      const float* g = a.dy + b * row;
      const float* p = a.x + b * row;
      float* d = a.dx + b * row;
      // (the two loops, not a test on k in one, so that each vectorises)
      if (k) {
        for (int64_t j = 0; j < row; j++) {
          const size_t e = size_t(j);
          const float gj = Relu ? relu_pass(g[j], bn_affine(p[j], m[e], rsc[e], rsh[e])) : g[j];
          d[j] = (gj - mg[e] - (p[j] - m[e]) * kk[e]) * sc[e];
        }
      } else {
        for (int64_t j = 0; j < row; j++) {
          const size_t e = size_t(j);
          const float gj = Relu ? relu_pass(g[j], bn_affine(p[j], m[e], rsc[e], rsh[e])) : g[j];
          d[j] = gj * sc[e];
        }
      }
    }
    return;
  }
  for (int64_t b = n0; b < n1; b++) {
    for (int64_t c = c0; c < c1; c++) {
      const int64_t o = (b * a.c + c) * a.hw;
      const float* g = a.dy + o;
      const float* p = a.x + o;
      float* d = a.dx + o;
      const float sc = scale[c], m = a.save_mean[c];
      const float rsc = Relu ? a.relu_affine[c] : 0.0f, rsh = Relu ? a.relu_affine[a.c + c] : 0.0f;
      if (k) {
        const float mg = mean_dy[c], kc = k[c];
        if constexpr (Relu) {
          for (int64_t i = 0; i < a.hw; i++) d[i] = (relu_pass(g[i], bn_affine(p[i], m, rsc, rsh)) - mg - (p[i] - m) * kc) * sc;
        } else {
          for (int64_t i = 0; i < a.hw; i++) d[i] = (g[i] - mg - (p[i] - m) * kc) * sc;
        }
      } else {
        if constexpr (Relu) {
          for (int64_t i = 0; i < a.hw; i++) d[i] = relu_pass(g[i], bn_affine(p[i], m, rsc, rsh)) * sc;
        } else {
          for (int64_t i = 0; i < a.hw; i++) d[i] = g[i] * sc;
        }
      }
    }
  }
}

static void bn_normalize_grad_f32(const BatchNormArgs& a, int64_t n0, int64_t n1, int64_t c0, int64_t c1, const float* mean_dy,
                                  const float* k, const float* scale) {
  if (a.relu_affine) bn_normalize_grad<true>(a, n0, n1, c0, c1, mean_dy, k, scale);
  else bn_normalize_grad<false>(a, n0, n1, c0, c1, mean_dy, k, scale);
}

// ---- local response norm -----------------------------------------------------------------------

constexpr int64_t kLrnBlock = 64;  // columns per block: the block's channels stay in L1/L2

// out[i] = s[i]^-beta, with exact square-root forms for AlexNet's 0.75 and for 0.5 and 1.
static inline void lrn_pow(const float* s, float* out, int64_t n, float beta) {
  if (beta == 0.75f) {
    for (int64_t i = 0; i < n; i++) { const float r = 1.0f / std::sqrt(s[i]); out[i] = r * std::sqrt(r); }
  } else if (beta == 0.5f) {
    for (int64_t i = 0; i < n; i++) out[i] = 1.0f / std::sqrt(s[i]);
  } else if (beta == 1.0f) {
    for (int64_t i = 0; i < n; i++) out[i] = 1.0f / s[i];
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = vexp(-beta * vlog(s[i]));
  }
}

// Image b, columns [i0, i1): scale = k + alpha/size * window sum of x^2, y = x * scale^-beta.
static void lrn_fwd_f32(const LrnArgs& a, int64_t b, int64_t i0, int64_t i1) {
  const float as = a.alpha / float(a.size);
  float ss[kLrnBlock], pw[kLrnBlock];
  for (int64_t c0 = i0; c0 < i1; c0 += kLrnBlock) {
    const int64_t nb = std::min(kLrnBlock, i1 - c0);
    for (int64_t ch = 0; ch < a.c; ch++) {
      const int64_t lo = std::max<int64_t>(0, ch - a.size / 2), hi = std::min(a.c - 1, ch + (a.size - 1) / 2);
      for (int64_t i = 0; i < nb; i++) ss[i] = 0.0f;
      for (int64_t j = lo; j <= hi; j++) {
        const float* r = a.x + (b * a.c + j) * a.hw + c0;
        for (int64_t i = 0; i < nb; i++) ss[i] += r[i] * r[i];
      }
      const int64_t o = (b * a.c + ch) * a.hw + c0;
      float* sc = a.scale + o;
      for (int64_t i = 0; i < nb; i++) sc[i] = a.k + as * ss[i];
      lrn_pow(sc, pw, nb, a.beta);
      for (int64_t i = 0; i < nb; i++) a.y[o + i] = a.x[o + i] * pw[i];
    }
  }
}

// dx_i = dy_i * s_i^-beta - (2 alpha beta / size) x_i * sum over the channels c whose window holds
// i of dy_c y_c / s_c; those c run from i - (size-1)/2 to i + size/2.
static void lrn_bwd_f32(const LrnArgs& a, int64_t b, int64_t i0, int64_t i1) {
  const float f = 2.0f * a.alpha * a.beta / float(a.size);
  std::vector<float> ratio(size_t(a.c * kLrnBlock));  // dy * y / scale for the block, per channel
  float acc[kLrnBlock], pw[kLrnBlock];
  for (int64_t c0 = i0; c0 < i1; c0 += kLrnBlock) {
    const int64_t nb = std::min(kLrnBlock, i1 - c0);
    for (int64_t ch = 0; ch < a.c; ch++) {
      const int64_t o = (b * a.c + ch) * a.hw + c0;
      float* t = ratio.data() + ch * kLrnBlock;
      for (int64_t i = 0; i < nb; i++) t[i] = a.dy[o + i] * a.y[o + i] / a.scale[o + i];
    }
    for (int64_t ch = 0; ch < a.c; ch++) {
      const int64_t lo = std::max<int64_t>(0, ch - (a.size - 1) / 2), hi = std::min(a.c - 1, ch + a.size / 2);
      for (int64_t i = 0; i < nb; i++) acc[i] = 0.0f;
      for (int64_t j = lo; j <= hi; j++) {
        const float* t = ratio.data() + j * kLrnBlock;
        for (int64_t i = 0; i < nb; i++) acc[i] += t[i];
      }
      const int64_t o = (b * a.c + ch) * a.hw + c0;
      lrn_pow(a.scale + o, pw, nb, a.beta);
      for (int64_t i = 0; i < nb; i++) a.dx[o + i] = a.dy[o + i] * pw[i] - f * a.x[o + i] * acc[i];
    }
  }
}

inline void fill_norm(Kernels& k) {
  k.bn_sums_f32 = bn_sums_f32;
  k.bn_grad_sums_f32 = bn_grad_sums_f32;
  k.bn_normalize_f32 = bn_normalize_f32;
  k.bn_normalize_grad_f32 = bn_normalize_grad_f32;
  k.lrn_fwd_f32 = lrn_fwd_f32;
  k.lrn_bwd_f32 = lrn_bwd_f32;
}
