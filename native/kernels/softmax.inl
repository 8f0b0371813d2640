// Softmax and log-softmax over the middle axis of float32 data viewed as [outer, dim, inner]:
// rows [o0, o1) and inner columns [i0, i1). Max-subtracted, so logits of any finite size are safe;
// a row of -inf (or with a NaN or +inf) gives NaN through exp(NaN), as in PyTorch.
// vexp / vlog come from kernels/vecmath.inl (included before this file by elementwise.inl).
#include "kernels/nn_vec.inl"

constexpr int64_t kSoftmaxBlock = 256;  // inner columns handled together when inner > 1

// One contiguous row (inner == 1).
static inline void softmax_row(const float* x, float* y, int64_t dim, bool log) {
  const float m = contiguous_max(x, dim);
  for (int64_t d = 0; d < dim; d++) y[d] = vexp(x[d] - m);
  const float s = contiguous_sum(y, dim);
  if (log) {
    const float ls = vlog(s);
    for (int64_t d = 0; d < dim; d++) y[d] = (x[d] - m) - ls;
  } else {
    const float r = 1.0f / s;
    for (int64_t d = 0; d < dim; d++) y[d] *= r;
  }
}

// Columns [0, nb) of one [dim, inner] slab, all reductions elementwise across the columns.
static inline void softmax_columns(const float* x, float* y, int64_t dim, int64_t inner, int64_t nb, bool log) {
  float m[kSoftmaxBlock], s[kSoftmaxBlock];
  for (int64_t i = 0; i < nb; i++) { m[i] = -std::numeric_limits<float>::infinity(); s[i] = 0.0f; }
  for (int64_t d = 0; d < dim; d++) {
    const float* r = x + d * inner;
    for (int64_t i = 0; i < nb; i++) m[i] = r[i] > m[i] ? r[i] : m[i];
  }
  for (int64_t d = 0; d < dim; d++) {
    const float* r = x + d * inner;
    float* q = y + d * inner;
    for (int64_t i = 0; i < nb; i++) { const float e = vexp(r[i] - m[i]); q[i] = e; s[i] += e; }
  }
  if (log) {
    for (int64_t i = 0; i < nb; i++) s[i] = vlog(s[i]);
    for (int64_t d = 0; d < dim; d++) {
      const float* r = x + d * inner;
      float* q = y + d * inner;
      for (int64_t i = 0; i < nb; i++) q[i] = (r[i] - m[i]) - s[i];
    }
  } else {
    for (int64_t i = 0; i < nb; i++) s[i] = 1.0f / s[i];
    for (int64_t d = 0; d < dim; d++) {
      float* q = y + d * inner;
      for (int64_t i = 0; i < nb; i++) q[i] *= s[i];
    }
  }
}

static void softmax_f32(const float* x, float* y, int64_t dim, int64_t inner, int64_t o0, int64_t o1, int64_t i0, int64_t i1, bool log) {
  for (int64_t o = o0; o < o1; o++) {
    const int64_t base = o * dim * inner;
    if (inner == 1) { softmax_row(x + base, y + base, dim, log); continue; }
    for (int64_t c = i0; c < i1; c += kSoftmaxBlock)
      softmax_columns(x + base + c, y + base + c, dim, inner, std::min(kSoftmaxBlock, i1 - c), log);
  }
}

// log: dx = dy - exp(y) * sum(dy); softmax: dx = y * (dy - sum(dy * y)).
static inline void softmax_bwd_row(const float* y, const float* g, float* dx, int64_t dim, bool log) {
  if (log) {
    const float s = contiguous_sum(g, dim);
    for (int64_t d = 0; d < dim; d++) dx[d] = g[d] - vexp(y[d]) * s;
  } else {
    const float s = contiguous_dot(g, y, dim);
    for (int64_t d = 0; d < dim; d++) dx[d] = y[d] * (g[d] - s);
  }
}

static inline void softmax_bwd_columns(const float* y, const float* g, float* dx, int64_t dim, int64_t inner, int64_t nb, bool log) {
  float s[kSoftmaxBlock];
  for (int64_t i = 0; i < nb; i++) s[i] = 0.0f;
  for (int64_t d = 0; d < dim; d++) {
    const float* q = g + d * inner;
    const float* r = y + d * inner;
    if (log) for (int64_t i = 0; i < nb; i++) s[i] += q[i];
    else for (int64_t i = 0; i < nb; i++) s[i] += q[i] * r[i];
  }
  for (int64_t d = 0; d < dim; d++) {
    const float* q = g + d * inner;
    const float* r = y + d * inner;
    float* o = dx + d * inner;
    if (log) for (int64_t i = 0; i < nb; i++) o[i] = q[i] - vexp(r[i]) * s[i];
    else for (int64_t i = 0; i < nb; i++) o[i] = r[i] * (q[i] - s[i]);
  }
}

static void softmax_bwd_f32(const float* y, const float* dy, float* dx, int64_t dim, int64_t inner, int64_t o0, int64_t o1, int64_t i0,
                            int64_t i1, bool log) {
  for (int64_t o = o0; o < o1; o++) {
    const int64_t base = o * dim * inner;
    if (inner == 1) { softmax_bwd_row(y + base, dy + base, dx + base, dim, log); continue; }
    for (int64_t c = i0; c < i1; c += kSoftmaxBlock)
      softmax_bwd_columns(y + base + c, dy + base + c, dx + base + c, dim, inner, std::min(kSoftmaxBlock, i1 - c), log);
  }
}

inline void fill_softmax(Kernels& k) {
  k.softmax_f32 = softmax_f32;
  k.softmax_bwd_f32 = softmax_bwd_f32;
}
