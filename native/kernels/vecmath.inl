// Branch-free float32 math that compilers vectorise (no libm calls in loops): exp, exp2, expm1,
// log, log1p, sigmoid, tanh, erf and the erfc tail used by gelu. Cephes-style range reduction
// with minimax polynomials (erf/erfc coefficients fitted for this file against mpmath).
// Accuracy: a few ulp of the correctly rounded result (test/backend/elementwise.test.ts checks it
// against the float64 TypeScript reference). Special values are exact: exp(-inf)=0, exp(inf)=inf,
// log(0)=-inf, log(x<0)=NaN, log(inf)=inf, and NaN stays NaN everywhere.

static inline float bits_to_float(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
static inline uint32_t float_to_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Round to the nearest integer (ties to even) for |x| < 2^22, without a libm call: adding and
// subtracting 1.5 * 2^23 leaves no fraction bits.
static inline float round_small(float x) {
  const float magic = 12582912.0f;
  return (x + magic) - magic;
}

// p(r) ~ exp(r) for r in [-ln2/2, ln2/2], times 2^n for integral n in [-150, 128]. The scale is
// split in two factors so that neither leaves the normal range (results may be subnormal).
static inline float exp_scaled(float r, float n) {
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t ni = int32_t(n);
  int32_t n1 = ni >> 1, n2 = ni - n1;
  float s1 = bits_to_float(uint32_t(n1 + 127) << 23), s2 = bits_to_float(uint32_t(n2 + 127) << 23);
  return p * s1 * s2;
}

static inline float vexp(float x) {
  const float hi = 88.72283935546875f, lo = -103.972084f;
  float xc = std::min(std::max(x, lo), hi);
  float n = round_small(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float y = exp_scaled(r, n);
  y = x > hi ? kInf : y;
  y = x < lo ? 0.0f : y;
  return x != x ? x : y;
}

// 2^x: the reduction x - n is exact, so large x lose nothing to a rounded x * ln2.
static inline float vexp2(float x) {
  const float hi = 128.0f, lo = -150.0f;
  float xc = std::min(std::max(x, lo), 127.99999f);
  float n = round_small(xc);
  float r = (xc - n) * 0.693147180559945309f;
  float y = exp_scaled(r, n);
  y = x >= hi ? kInf : y;
  y = x < lo ? 0.0f : y;
  return x != x ? x : y;
}

// exp(x) - 1 = 2^n (expm1(r) + 1) - 1 = 2^n expm1(r) + (2^n - 1), with expm1(r) from a
// polynomial that keeps its relative accuracy near r = 0.
static inline float vexpm1(float x) {
  float xc = std::min(std::max(x, -88.0f), 88.0f);
  float n = round_small(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float q = 1.986311981e-4f;
  q = q * r + 1.392833772e-3f;
  q = q * r + 8.333347738e-3f;
  q = q * r + 4.166654125e-2f;
  q = q * r + 1.666666716e-1f;
  float r2 = r * r;
  float em = r + (0.5f * r2 + r2 * r * q);
  float s = bits_to_float(uint32_t(int32_t(n) + 127) << 23);  // n in [-127, 127] here
  float y = s * em + (s - 1.0f);
  y = x < -17.4f ? -1.0f : y;       // expm1 rounds to -1 below here
  y = x > 80.0f ? vexp(x) : y;      // the -1 no longer matters; vexp handles overflow
  return x != x ? x : y;
}

static inline float vlog(float x) {
  // Normalise subnormals, split x = m * 2^e with m in [sqrt(1/2), sqrt(2)).
  bool sub = x < 1.17549435e-38f;
  float xs = sub ? x * 8388608.0f : x;
  uint32_t u = float_to_bits(xs);
  int32_t e = int32_t((u >> 23) & 0xff) - 126;
  float m = bits_to_float((u & 0x007fffffu) | 0x3f000000u);  // [0.5, 1)
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
  float ef = float(e) - (sub ? 23.0f : 0.0f);
  float y = p * m * z;
  y += -2.12194440e-4f * ef;
  y += -0.5f * z;
  y = m + y;
  y += 0.693359375f * ef;
  y = x == 0.0f ? -kInf : y;
  y = x < 0.0f ? kNaN : y;
  y = x == kInf ? x : y;
  return x != x ? x : y;
}

// log(1 + x) with Kahan's correction: log(u) * x / (u - 1) where u = 1 + x rounded.
static inline float vlog1p(float x) {
  float u = 1.0f + x;
  float d = u - 1.0f;
  float y = vlog(u) * (x / (d == 0.0f ? 1.0f : d));
  y = d == 0.0f ? x : y;
  y = x == kInf ? x : y;
  return x != x ? x : y;
}

// m * exp(x) for x in the negative tail, with the 2^n scale applied last so that the product
// rounds once even where exp(x) alone would underflow (silu(-104) = -104 exp(-104) is a normal
// subnormal number though exp(-104) is not representable).
static inline float vmul_exp(float m, float x) {
  const float lo = -126.0f;
  float xc = std::max(std::min(x, 0.0f), lo);
  float n = round_small(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t ni = int32_t(n);
  int32_t n1 = ni >> 1, n2 = ni - n1;
  float s1 = bits_to_float(uint32_t(n1 + 127) << 23), s2 = bits_to_float(uint32_t(n2 + 127) << 23);
  float y = (m * p) * s1 * s2;
  return x < lo ? 0.0f * m : y;
}

// sigmoid from exp(-|x|) <= 1, so neither tail overflows: e / (1 + e) below zero.
static inline float vsigmoid(float x) {
  float e = vexp(-std::fabs(x));
  float r = 1.0f / (1.0f + e);
  float y = x < 0.0f ? e * r : r;
  return x != x ? x : y;
}

// silu(x) = x sigmoid(x); below zero x e / (1 + e), with x e formed before the scaling.
static inline float vsilu(float x) {
  float e = vexp(-std::fabs(x));
  float r = 1.0f / (1.0f + e);
  float num = x < 0.0f ? vmul_exp(x, x) : x;
  float y = num * r;
  y = x == -kInf ? kNaN : y;
  return x != x ? x : y;
}

static inline float vtanh(float x) {
  // Small |x|: odd polynomial (Cephes tanhf); otherwise 1 - 2 / (exp(2|x|) + 1).
  float ax = std::fabs(x);
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = x + x * z * p;
  float big = 1.0f - 2.0f / (vexp(2.0f * ax) + 1.0f);
  big = x < 0 ? -big : big;
  float y = ax < 0.625f ? small : big;
  return x != x ? x : y;
}

// exp(-(hi + lo)) for a square split exactly into hi + lo, so the large argument of the
// Gaussian tail loses no accuracy to the rounding of x * x.
static inline float exp_neg_sum(float hi, float lo) {
#if defined(__FMA__)
  return vexp(-hi) * (1.0f - lo);  // |lo| <= ulp(hi) / 2, tiny
#else
  return vexp(-hi) * vexp(-lo);
#endif
}

// x * x = hi + lo exactly (FMA) or to within a negligible error (Veltkamp split).
static inline void square_split(float x, float& hi, float& lo) {
#if defined(__FMA__)
  hi = x * x;
  lo = std::fma(x, x, -hi);
#else
  float xh = bits_to_float(float_to_bits(x) & 0xfffff000u);
  float xl = x - xh;
  hi = xh * xh;
  lo = xl * (x + xh);
#endif
}

// erfc(z) * z * exp(z^2) for z in [0.921875, 10.1], as a polynomial in t = 1/z centred on the
// interval (relative error 4.4e-9 in exact arithmetic).
static inline float erfc_scaled_poly(float t) {
  float u = t * 2.028941154e+00f - 1.200885296e+00f;
  float p = -2.005387978e-05f;
  p = p * u + 2.915044388e-05f;
  p = p * u + 4.528666250e-05f;
  p = p * u - 1.406754309e-04f;
  p = p * u + 2.040403488e-04f;
  p = p * u - 2.482770360e-04f;
  p = p * u - 3.918186485e-05f;
  p = p * u + 1.475074096e-03f;
  p = p * u - 5.097762682e-03f;
  p = p * u + 9.937148541e-03f;
  p = p * u - 2.184055513e-03f;
  p = p * u - 8.440412581e-02f;
  p = p * u + 4.952039421e-01f;
  return p;
}

// erf(x) / x as a polynomial in x^2 for |x| < 0.921875 (relative error 4e-10).
static inline float erf_small_poly(float z) {
  float p = 8.370601427e-05f;
  p = p * z - 8.142843144e-04f;
  p = p * z + 5.201046821e-03f;
  p = p * z - 2.685940638e-02f;
  p = p * z + 1.128369570e-01f;
  p = p * z - 3.761263490e-01f;
  p = p * z + 1.128379226e+00f;
  return p;
}

static inline float verf(float x) {
  float ax = std::min(std::fabs(x), 10.0f);
  float small = x * erf_small_poly(x * x);
  float hi, lo;
  square_split(ax, hi, lo);
  float t = 1.0f / std::max(ax, 0.921875f);
  float erfc = exp_neg_sum(hi, lo) * erfc_scaled_poly(t) * t;
  float big = 1.0f - erfc;
  big = x < 0.0f ? -big : big;
  float y = std::fabs(x) < 0.921875f ? small : big;
  return x != x ? x : y;
}

// erfc(z) for z in [0.5, 0.921875] (polynomial in centred z, relative error 5e-10).
static inline float erfc_mid_poly(float z) {
  float u = z * 4.545454502e+00f - 3.227272749e+00f;
  float p = -4.286010267e-07f;
  p = p * u + 3.577251846e-06f;
  p = p * u + 2.379946454e-05f;
  p = p * u - 3.763064742e-04f;
  p = p * u - 1.983842594e-05f;
  p = p * u + 2.342236973e-02f;
  p = p * u - 1.499511749e-01f;
  p = p * u + 3.153344393e-01f;
  return p;
}

// gelu(x) = x * Phi(x) = 0.5 x erfc(-x / sqrt 2). Away from 0 the term 0.5 |x| erfc(|x| / sqrt 2)
// comes from erfc directly (0.5 x (1 + erf) would cancel), and in the tails from the scaled
// polynomial with x^2 / 2 split exactly, so the negative tail keeps its relative accuracy down to
// the subnormal range. gelu(-inf) is NaN, as in PyTorch (-inf * 0).
static inline float vgelu(float x) {
  float ax = std::min(std::fabs(x), 14.5f);
  float w = x * 0.707106781186547524f;
  float aw = std::fabs(w);
  float small = 0.5f * x * (1.0f + w * erf_small_poly(w * w));
  float mid = 0.5f * ax * erfc_mid_poly(aw);
  float hi, lo;
  square_split(ax, hi, lo);
  float t = 1.41421356237309505f / std::max(ax, 1.30372f);
  // 0.5 * |x| * erfc(|x| / sqrt 2) = exp(-x^2/2) * poly(t) / sqrt 2
  float tail = exp_neg_sum(0.5f * hi, 0.5f * lo) * erfc_scaled_poly(t) * 0.707106781186547524f;
  tail = aw < 0.921875f ? mid : tail;
  float big = x < 0.0f ? -tail : x - tail;
  big = x < -14.5f ? -0.0f : big;
  float y = aw < 0.5f ? small : big;
  y = x == -kInf ? kNaN : y;
  return x != x ? x : y;
}
