// Elementwise inner loops over float32. Op codes mirror src/backend/ops.ts. Every op returns false
// for a code it does not handle, so the caller can fall back to the TypeScript backend.
#include "kernels/vecmath.inl"

// ---- unary ---------------------------------------------------------------------------------

template <class F>
static inline void map1(const float* x, float* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; i++) y[i] = f(x[i]);
}

template <class F>
static inline void map1_u8(const float* x, uint8_t* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; i++) y[i] = f(x[i]) ? 1 : 0;
}

// PyTorch's sign: (0 < x) - (x < 0), so sign(-0) = 0 and sign(NaN) = 0.
static inline float sign_of(float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); }

// x ** p for a scalar p, in double and rounded once (p need not be a float32, and 1 / (x * x) in
// float would overflow to 0 for |x| > 2^64), with fast paths for the exponents training uses.
// C pow semantics (pow(x, 0) = 1 even for NaN), except that p = 0.5 and -0.5 are sqrt and rsqrt
// as in PyTorch: pow(-0, 0.5) = -0, pow(-0, -0.5) = -inf, pow(-inf, +-0.5) = NaN.
static void pow_scalar(const float* x, float* y, int64_t n, double p) {
  if (p == 0.0) { for (int64_t i = 0; i < n; i++) y[i] = 1.0f; }
  else if (p == 1.0) { if (x != y) std::memmove(y, x, size_t(n) * 4); }
  else if (p == 2.0) map1(x, y, n, [](float v) { return v * v; });
  else if (p == 3.0) map1(x, y, n, [](float v) { double d = v; return float(d * d * d); });
  else if (p == -1.0) map1(x, y, n, [](float v) { return 1.0f / v; });
  else if (p == -2.0) map1(x, y, n, [](float v) { double d = v; return float(1.0 / (d * d)); });
  else if (p == 0.5) map1(x, y, n, [](float v) { return std::sqrt(v); });
  else if (p == -0.5) map1(x, y, n, [](float v) { return float(1.0 / std::sqrt(double(v))); });
  else for (int64_t i = 0; i < n; i++) y[i] = float(std::pow(double(x[i]), p));
}

// log2 from the same reduction as vlog: exact for powers of two.
static inline float vlog2(float x) {
  bool sub = x < 1.17549435e-38f;
  float xs = sub ? x * 8388608.0f : x;
  uint32_t u = float_to_bits(xs);
  int32_t e = int32_t((u >> 23) & 0xff) - 126;
  float m = bits_to_float((u & 0x007fffffu) | 0x3f000000u);
  bool small = m < 0.707106781186547524f;
  e -= small ? 1 : 0;
  m = small ? m + m - 1.0f : m - 1.0f;
  float z = m * m;
  float p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  float lnm = m + (p * m * z - 0.5f * z);
  float y = lnm * 1.44269504088896341f + (float(e) - (sub ? 23.0f : 0.0f));
  y = x == 0.0f ? -kInf : y;
  y = x < 0.0f ? kNaN : y;
  y = x == kInf ? x : y;
  return x != x ? x : y;
}

static bool unary_f32(int op, const float* x, float* y, int64_t n, double p1, double p2) {
  const float f1 = float(p1), f2 = float(p2);
  switch (op) {
    case 0: map1(x, y, n, [](float v) { return -v; }); return true;
    case 1: map1(x, y, n, [](float v) { return std::fabs(v); }); return true;
    case 2: map1(x, y, n, [](float v) { return vexp(v); }); return true;
    case 3: map1(x, y, n, [](float v) { return vlog(v); }); return true;
    case 4: map1(x, y, n, [](float v) { return std::sqrt(v); }); return true;
    case 5: map1(x, y, n, [](float v) { return 1.0f / std::sqrt(v); }); return true;
    case 6: map1(x, y, n, [](float v) { return vsigmoid(v); }); return true;
    case 7: map1(x, y, n, [](float v) { return vtanh(v); }); return true;
    // relu keeps NaN (as PyTorch does)
    case 8: map1(x, y, n, [](float v) { return v > 0.0f ? v : (v != v ? v : 0.0f); }); return true;
    case 9: map1(x, y, n, [](float v) { return v * v; }); return true;
    case 10: map1(x, y, n, [](float v) { return 1.0f / v; }); return true;
    case 11: map1(x, y, n, [](float v) { return sign_of(v); }); return true;
    case 12: for (int64_t i = 0; i < n; i++) y[i] = std::sin(x[i]); return true;
    case 13: for (int64_t i = 0; i < n; i++) y[i] = std::cos(x[i]); return true;
    case 14: map1(x, y, n, [](float v) { return vlog1p(v); }); return true;
    case 15: map1(x, y, n, [](float v) { return vexpm1(v); }); return true;
    case 16: map1(x, y, n, [](float v) { return std::floor(v); }); return true;
    case 17: map1(x, y, n, [](float v) { return std::ceil(v); }); return true;
    case 18: map1(x, y, n, [](float v) { return std::nearbyint(v); }); return true;  // half to even
    case 19: map1(x, y, n, [](float v) { return std::trunc(v); }); return true;
    case 20: map1(x, y, n, [](float v) { return verf(v); }); return true;
    case 21: map1(x, y, n, [](float v) { return vgelu(v); }); return true;
    case 22: map1(x, y, n, [](float v) { return vsilu(v); }); return true;
    // softplus with PyTorch's threshold 20
    case 23: map1(x, y, n, [](float v) { return v > 20.0f ? v : vlog1p(vexp(v)); }); return true;
    case 24:  // float bounds give the same result as double ones: rounding is monotonic
      if (p1 != p1 || p2 != p2) return false;
      map1(x, y, n, [f1, f2](float v) { float c = std::min(std::max(v, f1), f2); return v != v ? v : c; });
      return true;
    case 25: map1(x, y, n, [f1](float v) { return v > 0.0f ? v : v * f1; }); return true;  // float slope, as PyTorch
    case 26: pow_scalar(x, y, n, p1); return true;
    case 28: map1(x, y, n, [](float v) { float c = std::min(std::max(v, 0.0f), 6.0f); return v != v ? v : c; }); return true;
    case 29: for (int64_t i = 0; i < n; i++) y[i] = float(std::pow(p1, double(x[i]))); return true;
    case 30: map1(x, y, n, [](float v) { return vlog2(v); }); return true;
    case 31: map1(x, y, n, [](float v) { return vexp2(v); }); return true;
    case 32: map1(x, y, n, [](float v) { return v == 0.0f ? 1.0f : 0.0f; }); return true;
    case 33: map1(x, y, n, [](float v) { return v != v ? 1.0f : 0.0f; }); return true;
    case 34: map1(x, y, n, [](float v) { return std::fabs(v) == kInf ? 1.0f : 0.0f; }); return true;
    case 35: map1(x, y, n, [](float v) { return std::fabs(v) < kInf ? 1.0f : 0.0f; }); return true;
    default: return false;
  }
}

// affine (p1 * x + p2) in double so that it matches the float64 reference bit for bit.
static void affine_f32(const float* x, float* y, int64_t n, double p1, double p2) {
  for (int64_t i = 0; i < n; i++) y[i] = float(p1 * double(x[i]) + p2);
}

// Predicates into a uint8 (bool) output: logicalNot, isnan, isinf, isfinite.
static bool unary_f32_u8(int op, const float* x, uint8_t* y, int64_t n) {
  switch (op) {
    case 32: map1_u8(x, y, n, [](float v) { return v == 0.0f; }); return true;
    case 33: map1_u8(x, y, n, [](float v) { return v != v; }); return true;
    case 34: map1_u8(x, y, n, [](float v) { return std::fabs(v) == kInf; }); return true;
    case 35: map1_u8(x, y, n, [](float v) { return std::fabs(v) < kInf; }); return true;
    default: return false;
  }
}

// ---- binary --------------------------------------------------------------------------------

// out[i] = f(a[i * sa], b[i * sb]); the stride pairs 1/1, 1/0, 0/1 get loops of their own so that
// each one vectorises.
template <class T, class F>
static inline void row2(const float* __restrict a, int64_t sa, const float* __restrict b, int64_t sb,
                        T* __restrict out, int64_t n, F f) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = f(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i * sa], b[i * sb]);
  }
}

// One switch per block (not per row) keeps short broadcast rows, like a bias over [N, C, HW], cheap.
template <class T, class F>
static inline void block2(const BinaryBlock& k, T* out, F f) {
  for (int64_t r = 0; r < k.rows; r++) row2(k.a + r * k.a_row, k.a_col, k.b + r * k.b_row, k.b_col, out + r * k.out_row, k.cols, f);
}

// floor(a / b) the way Python computes it (exact: fmod is exact and the quotient is integral).
static inline double floor_div(double a, double b) {
  if (b == 0.0) return a / b;
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0 && ((b < 0.0) != (mod < 0.0))) div -= 1.0;
  if (div == 0.0) return std::copysign(0.0, a / b);
  double fl = std::floor(div);
  if (div - fl > 0.5) fl += 1.0;
  return fl;
}

// Python's remainder: the result takes the sign of b.
static inline float py_remainder(float a, float b) {
  float r = std::fmod(a, b);
  return (r != 0.0f && ((r < 0.0f) != (b < 0.0f))) ? r + b : r;
}

static inline float nan_max(float u, float v) { return (u != u || v != v) ? u + v : (u > v ? u : v); }
static inline float nan_min(float u, float v) { return (u != u || v != v) ? u + v : (u < v ? u : v); }

// Comparisons and logical ops as 0/1 of any output type.
template <class T>
static bool compare_block(int op, const BinaryBlock& k, T* out) {
  const T one = T(1), zero = T(0);
  switch (op) {
    case 7: block2(k, out, [=](float u, float v) { return u == v ? one : zero; }); return true;
    case 8: block2(k, out, [=](float u, float v) { return u != v ? one : zero; }); return true;
    case 9: block2(k, out, [=](float u, float v) { return u < v ? one : zero; }); return true;
    case 10: block2(k, out, [=](float u, float v) { return u <= v ? one : zero; }); return true;
    case 11: block2(k, out, [=](float u, float v) { return u > v ? one : zero; }); return true;
    case 12: block2(k, out, [=](float u, float v) { return u >= v ? one : zero; }); return true;
    case 16: block2(k, out, [=](float u, float v) { return (u != 0.0f && v != 0.0f) ? one : zero; }); return true;
    case 17: block2(k, out, [=](float u, float v) { return (u != 0.0f || v != 0.0f) ? one : zero; }); return true;
    case 18: block2(k, out, [=](float u, float v) { return ((u != 0.0f) != (v != 0.0f)) ? one : zero; }); return true;
    default: return false;
  }
}

static bool binary_f32(int op, const BinaryBlock& k, float* out, double p1) {
  const float alpha = float(p1);
  switch (op) {
    case 0:
      if (p1 == 1.0) block2(k, out, [](float u, float v) { return u + v; });
      else block2(k, out, [p1](float u, float v) { return float(double(u) + p1 * double(v)); });
      return true;
    case 1:
      if (p1 == 1.0) block2(k, out, [](float u, float v) { return u - v; });
      else block2(k, out, [p1](float u, float v) { return float(double(u) - p1 * double(v)); });
      return true;
    case 2: block2(k, out, [](float u, float v) { return u * v; }); return true;
    case 3: block2(k, out, [](float u, float v) { return u / v; }); return true;
    case 4: block2(k, out, [](float u, float v) { return float(std::pow(double(u), double(v))); }); return true;
    case 5: block2(k, out, [](float u, float v) { return nan_max(u, v); }); return true;
    case 6: block2(k, out, [](float u, float v) { return nan_min(u, v); }); return true;
    case 13: block2(k, out, [](float u, float v) { return float(std::atan2(double(u), double(v))); }); return true;
    case 14: block2(k, out, [](float u, float v) { return py_remainder(u, v); }); return true;
    case 15: block2(k, out, [](float u, float v) { return float(floor_div(u, v)); }); return true;
    case 19: block2(k, out, [](float g, float x) { return x > 0.0f ? g : 0.0f; }); return true;
    // the fused backward ops round once from double, like the float64 reference
    case 20: block2(k, out, [](float g, float s) { return float(double(g) * double(s) * (1.0 - double(s))); }); return true;
    case 21: block2(k, out, [](float g, float t) { return float(double(g) * (1.0 - double(t) * double(t))); }); return true;
    case 22: block2(k, out, [alpha](float g, float x) { return x > 0.0f ? g : g * alpha; }); return true;
    case 23: block2(k, out, [](float g, float x) { return (x > 0.0f && x < 6.0f) ? g : 0.0f; }); return true;
    default: return compare_block(op, k, out);
  }
}

static bool compare_f32_u8(int op, const BinaryBlock& k, uint8_t* out) { return compare_block(op, k, out); }

// ---- where, addcmul, addcdiv -------------------------------------------------------------------

// out[i] = cond[i * sc] ? a[i * sa] : b[i * sb]
static void where_f32(const uint8_t* c, int64_t sc, const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sc == 1 && sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = c[i] ? a[i] : b[i];
  } else if (sc == 1 && sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = c[i] ? a[i] : bv;
  } else if (sc == 1 && sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = c[i] ? av : b[i];
  } else if (sc == 1 && sa == 0 && sb == 0) {
    const float av = a[0], bv = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = c[i] ? av : bv;
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = c[i * sc] ? a[i * sa] : b[i * sb];
  }
}

// y += value * t1 * t2 (mul = true) or y += value * t1 / t2, in double and rounded once (as the
// float64 reference does; the loads and stores cost more than the wider arithmetic).
static void addc_f32(bool mul, float* y, const float* t1, const float* t2, double value, int64_t n) {
  const double v = value;
  if (mul) for (int64_t i = 0; i < n; i++) y[i] = float(double(y[i]) + v * double(t1[i]) * double(t2[i]));
  else for (int64_t i = 0; i < n; i++) y[i] = float(double(y[i]) + v * double(t1[i]) / double(t2[i]));
}

inline void fill_elementwise(Kernels& k) {
  k.unary_f32 = unary_f32;
  k.unary_f32_u8 = unary_f32_u8;
  k.affine_f32 = affine_f32;
  k.binary_f32 = binary_f32;
  k.compare_f32_u8 = compare_f32_u8;
  k.where_f32 = where_f32;
  k.addc_f32 = addc_f32;
}
