// Batch norm (channels [c0, c1)) and local response norm (one image, columns [i0, i1)) over
// float32 data viewed as [n, c, hw]. Semantics are those of src/backend/js/norm.ts.
#include "kernels/nn_vec.inl"

// ---- batch norm --------------------------------------------------------------------------------

// Channel sums are accumulated in double: float lanes gather at most kFlush values each, then
// flush into double lanes, so a channel of millions of values keeps float32's accuracy.
constexpr int kFlush = 8;
typedef double vdbl __attribute__((vector_size(8 * kLanes)));

static inline double hsum_vd(vdbl v) {
  double s = 0.0;
  for (int l = 0; l < kLanes; l++) s += v[l];
  return s;
}

// Sum of f(x) over one channel: n chunks of hw contiguous values, `stride` apart. f takes a vf or
// a float.
template <class F>
static inline double channel_sum(const float* x, int64_t n, int64_t stride, int64_t hw, F f) {
  vdbl acc = {};
  vf part = vsplat<vf>(0.0f);
  int pending = 0;
  double tail = 0.0;
  for (int64_t b = 0; b < n; b++) {
    const float* p = x + b * stride;
    int64_t i = 0;
    for (; i + kLanes <= hw; i += kLanes) {
      part += f(vload<vf>(p + i));
      if (++pending == kFlush) { acc += __builtin_convertvector(part, vdbl); part = vsplat<vf>(0.0f); pending = 0; }
    }
    for (; i < hw; i++) tail += double(f(p[i]));
  }
  acc += __builtin_convertvector(part, vdbl);
  return hsum_vd(acc) + tail;
}

// Sum of g and of g * (x - mean) over one channel of x and g (the batch norm backward sums).
static inline void channel_sums_grad(const float* x, const float* g, int64_t n, int64_t stride, int64_t hw, float mean,
                                     double& sum_g, double& sum_gx) {
  vdbl acc_g = {}, acc_gx = {};
  vf part_g = vsplat<vf>(0.0f), part_gx = part_g;
  int pending = 0;
  double tail_g = 0.0, tail_gx = 0.0;
  for (int64_t b = 0; b < n; b++) {
    const float* p = x + b * stride;
    const float* q = g + b * stride;
    int64_t i = 0;
    for (; i + kLanes <= hw; i += kLanes) {
      const vf gv = vload<vf>(q + i);
      part_g += gv;
      part_gx += gv * (vload<vf>(p + i) - mean);
      if (++pending == kFlush) {
        acc_g += __builtin_convertvector(part_g, vdbl);
        acc_gx += __builtin_convertvector(part_gx, vdbl);
        part_g = part_gx = vsplat<vf>(0.0f);
        pending = 0;
      }
    }
    for (; i < hw; i++) { tail_g += double(q[i]); tail_gx += double(q[i]) * double(p[i] - mean); }
  }
  acc_g += __builtin_convertvector(part_g, vdbl);
  acc_gx += __builtin_convertvector(part_gx, vdbl);
  sum_g = hsum_vd(acc_g) + tail_g;
  sum_gx = hsum_vd(acc_gx) + tail_gx;
}

static void batchnorm_fwd_f32(const BatchNormArgs& a, int64_t c0, int64_t c1) {
  const int64_t count = a.n * a.hw, stride = a.c * a.hw;
  for (int64_t ch = c0; ch < c1; ch++) {
    const float* x = a.x + ch * a.hw;
    double mean, invstd;
    if (a.training) {
      if (count == 0) { a.save_mean[ch] = 0.0f; a.save_invstd[ch] = 0.0f; continue; }
      mean = channel_sum(x, a.n, stride, a.hw, [](auto v) { return v; }) / double(count);
      // Second pass around the mean rounded to float: x - mf is exact for x near mf, and
      // sum (x - mf)^2 = sum (x - mean)^2 + count * (mean - mf)^2 corrects for the rounding.
      const float mf = float(mean);
      const double dm = mean - double(mf);
      const double ss = channel_sum(x, a.n, stride, a.hw, [mf](auto v) { auto d = v - mf; return d * d; });
      const double var = std::max(0.0, ss / double(count) - dm * dm);
      invstd = 1.0 / std::sqrt(var + a.eps);
      if (a.running_mean) a.running_mean[ch] = float((1.0 - a.momentum) * double(a.running_mean[ch]) + a.momentum * mean);
      if (a.running_var) {
        const double unbiased = var * double(count) / double(count - 1);
        a.running_var[ch] = float((1.0 - a.momentum) * double(a.running_var[ch]) + a.momentum * unbiased);
      }
    } else {
      mean = a.running_mean ? double(a.running_mean[ch]) : 0.0;
      invstd = 1.0 / std::sqrt((a.running_var ? double(a.running_var[ch]) : 1.0) + a.eps);
    }
    a.save_mean[ch] = float(mean);
    a.save_invstd[ch] = float(invstd);
    // y = (x - mf) * scale + shift, with the mean's float rounding folded into shift.
    const float mf = float(mean);
    const double scale = (a.weight ? double(a.weight[ch]) : 1.0) * invstd;
    const float sc = float(scale);
    const float sh = float((a.bias ? double(a.bias[ch]) : 0.0) - (mean - double(mf)) * scale);
    for (int64_t b = 0; b < a.n; b++) {
      const float* p = x + b * stride;
      float* q = a.y + ch * a.hw + b * stride;
      for (int64_t i = 0; i < a.hw; i++) q[i] = (p[i] - mf) * sc + sh;
    }
  }
}

static void batchnorm_bwd_f32(const BatchNormArgs& a, int64_t c0, int64_t c1) {
  const int64_t count = a.n * a.hw, stride = a.c * a.hw;
  for (int64_t ch = c0; ch < c1; ch++) {
    const float* x = a.x + ch * a.hw;
    const float* g = a.dy + ch * a.hw;
    const float mean = a.save_mean[ch];
    const double invstd = double(a.save_invstd[ch]);
    double sum_g, sum_gx;
    channel_sums_grad(x, g, a.n, stride, a.hw, mean, sum_g, sum_gx);
    if (a.dbias) a.dbias[ch] = float(sum_g);
    if (a.dweight) a.dweight[ch] = count == 0 ? 0.0f : float(sum_gx * invstd);
    if (!a.dx) continue;
    const float scale = float((a.weight ? double(a.weight[ch]) : 1.0) * invstd);
    if (a.training && count > 0) {
      // dx = (dy - mean(dy) - (x - mean) * k) * scale with k = mean(dy * (x - mean)) * invstd^2
      const float mg = float(sum_g / double(count));
      const float k = float(sum_gx / double(count) * invstd * invstd);
      for (int64_t b = 0; b < a.n; b++) {
        const float* p = x + b * stride;
        const float* q = g + b * stride;
        float* d = a.dx + ch * a.hw + b * stride;
        for (int64_t i = 0; i < a.hw; i++) d[i] = (q[i] - mg - (p[i] - mean) * k) * scale;
      }
    } else {
      for (int64_t b = 0; b < a.n; b++) {
        const float* q = g + b * stride;
        float* d = a.dx + ch * a.hw + b * stride;
        for (int64_t i = 0; i < a.hw; i++) d[i] = q[i] * scale;
      }
    }
  }
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
  k.batchnorm_fwd_f32 = batchnorm_fwd_f32;
  k.batchnorm_bwd_f32 = batchnorm_bwd_f32;
  k.lrn_fwd_f32 = lrn_fwd_f32;
  k.lrn_bwd_f32 = lrn_bwd_f32;
}
