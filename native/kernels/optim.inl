// Fused optimizer updates over contiguous float32 ranges: each element's parameter, gradient and
// state are read once and written once. The coefficients arrive as float64 (`h`, laid out by
// src/backend/native-optim.ts) and are rounded to float32 here, as PyTorch rounds Python scalars.
// Each loop follows PyTorch's single-tensor implementation op by op in float32. Contraction into
// fused multiply-add is off in this file, so every ISA gives the bits of the TypeScript reference
// (src/backend/js/optim.ts); the flags are template parameters so that each loop vectorises.

#if defined(__clang__)
#define ODY_OPTIM_NO_CONTRACT _Pragma("clang fp contract(off)")
#else
#define ODY_OPTIM_NO_CONTRACT
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

// torch.maximum: NaN in either operand propagates.
static inline float optim_nan_max(float a, float b) { return (a != a || b != b) ? a + b : (a > b ? a : b); }

// ---- SGD: h = [gradSign, weightDecay, momentum, oneMinusDampening, negLr, nesterov, initBuffer]

template <bool L2, bool MOM, bool INIT, bool NESTEROV>
static void sgd_loop(float* __restrict p, const float* __restrict g, float* __restrict buf, int64_t n,
                     float sign, float wd, float mom, float omd, float neg_lr) {
  ODY_OPTIM_NO_CONTRACT
  for (int64_t i = 0; i < n; i++) {
    float pv = p[i];
    float d = sign * g[i];
    if (L2) d = d + wd * pv;
    if (MOM) {
      float b = INIT ? d : buf[i] * mom + omd * d;
      buf[i] = b;
      d = NESTEROV ? d + mom * b : b;
    }
    p[i] = pv + neg_lr * d;
  }
}

template <bool L2>
static void sgd_dispatch(float* p, const float* g, float* buf, int64_t n, const double* h) {
  const float sign = float(h[0]), wd = float(h[1]), mom = float(h[2]), omd = float(h[3]), neg_lr = float(h[4]);
  const bool nesterov = h[5] != 0, init = h[6] != 0;
  if (buf == nullptr) sgd_loop<L2, false, false, false>(p, g, buf, n, sign, wd, mom, omd, neg_lr);
  else if (init && nesterov) sgd_loop<L2, true, true, true>(p, g, buf, n, sign, wd, mom, omd, neg_lr);
  else if (init) sgd_loop<L2, true, true, false>(p, g, buf, n, sign, wd, mom, omd, neg_lr);
  else if (nesterov) sgd_loop<L2, true, false, true>(p, g, buf, n, sign, wd, mom, omd, neg_lr);
  else sgd_loop<L2, true, false, false>(p, g, buf, n, sign, wd, mom, omd, neg_lr);
}

static void sgd_f32(float* p, const float* g, float* buf, int64_t n, const double* h) {
  if (h[1] != 0) sgd_dispatch<true>(p, g, buf, n, h);
  else sgd_dispatch<false>(p, g, buf, n, h);
}

// ---- Adam / AdamW: h = [gradSign, weightDecay, decoupledDecay, beta1, oneMinusBeta1, beta2,
//      oneMinusBeta2, biasCorrection2Sqrt, eps, negStepSize, amsgrad]

struct AdamF32Coefficients {
  float sign, wd, decay, b1, omb1, b2, omb2, bc2, eps, neg_step;
};

template <bool DECOUPLED, bool L2, bool AMS>
static void adam_loop(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                      float* __restrict vmax, int64_t n, const AdamF32Coefficients& k) {
  ODY_OPTIM_NO_CONTRACT
  const float sign = k.sign, wd = k.wd, decay = k.decay, b1 = k.b1, omb1 = k.omb1, b2 = k.b2, omb2 = k.omb2;
  const float bc2 = k.bc2, eps = k.eps, neg_step = k.neg_step;
  for (int64_t i = 0; i < n; i++) {
    float pv = p[i];
    if (DECOUPLED) pv = pv * decay;
    float gv = sign * g[i];
    if (L2) gv = gv + wd * pv;
    float mv = m[i] * b1 + omb1 * gv;
    float vv = v[i] * b2 + (omb2 * gv) * gv;
    m[i] = mv;
    v[i] = vv;
    if (AMS) {
      vv = optim_nan_max(vmax[i], vv);
      vmax[i] = vv;
    }
    float denom = std::sqrt(vv) / bc2 + eps;
    p[i] = pv + (neg_step * mv) / denom;
  }
}

static void adam_f32(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, const double* h) {
  const AdamF32Coefficients k{float(h[0]), float(h[1]), float(h[2]), float(h[3]), float(h[4]),
                              float(h[5]), float(h[6]), float(h[7]), float(h[8]), float(h[9])};
  const bool decoupled = h[2] != 1, l2 = h[1] != 0, ams = h[10] != 0;
  if (ams) {
    if (decoupled) { if (l2) adam_loop<true, true, true>(p, g, m, v, vmax, n, k); else adam_loop<true, false, true>(p, g, m, v, vmax, n, k); }
    else { if (l2) adam_loop<false, true, true>(p, g, m, v, vmax, n, k); else adam_loop<false, false, true>(p, g, m, v, vmax, n, k); }
  } else {
    if (decoupled) { if (l2) adam_loop<true, true, false>(p, g, m, v, vmax, n, k); else adam_loop<true, false, false>(p, g, m, v, vmax, n, k); }
    else { if (l2) adam_loop<false, true, false>(p, g, m, v, vmax, n, k); else adam_loop<false, false, false>(p, g, m, v, vmax, n, k); }
  }
}

// ---- RMSprop: h = [gradSign, weightDecay, alpha, oneMinusAlpha, eps, momentum, negLr, centered]

template <bool L2, bool CENTERED, bool MOM>
static void rmsprop_loop(float* __restrict p, const float* __restrict g, float* __restrict sq, float* __restrict ga,
                         float* __restrict buf, int64_t n, float sign, float wd, float alpha, float oma, float eps,
                         float mom, float neg_lr) {
  ODY_OPTIM_NO_CONTRACT
  for (int64_t i = 0; i < n; i++) {
    float pv = p[i];
    float gv = sign * g[i];
    if (L2) gv = gv + wd * pv;
    float s = sq[i] * alpha + (oma * gv) * gv;
    sq[i] = s;
    float avg;
    if (CENTERED) {
      float a = ga[i] * alpha + oma * gv;
      ga[i] = a;
      avg = std::sqrt(s - a * a);
    } else {
      avg = std::sqrt(s);
    }
    avg = avg + eps;
    if (MOM) {
      float b = buf[i] * mom + gv / avg;
      buf[i] = b;
      p[i] = pv + neg_lr * b;
    } else {
      p[i] = pv + (neg_lr * gv) / avg;
    }
  }
}

template <bool L2>
static void rmsprop_dispatch(float* p, const float* g, float* sq, float* ga, float* buf, int64_t n, const double* h) {
  const float sign = float(h[0]), wd = float(h[1]), alpha = float(h[2]), oma = float(h[3]), eps = float(h[4]);
  const float mom = float(h[5]), neg_lr = float(h[6]);
  const bool centered = h[7] != 0, use_mom = h[5] > 0;
  if (centered && use_mom) rmsprop_loop<L2, true, true>(p, g, sq, ga, buf, n, sign, wd, alpha, oma, eps, mom, neg_lr);
  else if (centered) rmsprop_loop<L2, true, false>(p, g, sq, ga, buf, n, sign, wd, alpha, oma, eps, mom, neg_lr);
  else if (use_mom) rmsprop_loop<L2, false, true>(p, g, sq, ga, buf, n, sign, wd, alpha, oma, eps, mom, neg_lr);
  else rmsprop_loop<L2, false, false>(p, g, sq, ga, buf, n, sign, wd, alpha, oma, eps, mom, neg_lr);
}

static void rmsprop_f32(float* p, const float* g, float* sq, float* ga, float* buf, int64_t n, const double* h) {
  if (h[1] != 0) rmsprop_dispatch<true>(p, g, sq, ga, buf, n, h);
  else rmsprop_dispatch<false>(p, g, sq, ga, buf, n, h);
}

#if !defined(__clang__)
#pragma GCC pop_options
#endif
#undef ODY_OPTIM_NO_CONTRACT

inline void fill_optim(Kernels& k) {
  k.sgd_f32 = sgd_f32;
  k.adam_f32 = adam_f32;
  k.rmsprop_f32 = rmsprop_f32;
}
