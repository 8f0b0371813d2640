// Branch-free float32 exp, log and friends that compilers vectorise (no libm calls in loops).
// Accuracy: within 2 ulp of the correctly rounded result over the normal range (Cephes-style
// range reduction and minimax polynomials). Special values: exp(-inf)=0, exp(inf)=inf, NaN stays
// NaN; log(0)=-inf, log(x<0)=NaN, log(inf)=inf.

static inline float bits_to_float(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
static inline uint32_t float_to_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }

static inline float vexp(float x) {
  const float hi = 88.72283935546875f, lo = -103.972084f;
  float xc = std::min(std::max(x, lo), hi);
  float n = std::nearbyint(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // 2^n for n in [-126, 128]: split so the exponent never leaves the normal range.
  int32_t ni = int32_t(n);
  int32_t n1 = ni >> 1, n2 = ni - n1;
  float s1 = bits_to_float(uint32_t(n1 + 127) << 23), s2 = bits_to_float(uint32_t(n2 + 127) << 23);
  float y = p * s1 * s2;
  y = x > hi ? std::numeric_limits<float>::infinity() : y;
  y = x < -103.972084f ? 0.0f : y;
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
  y = x == 0.0f ? -std::numeric_limits<float>::infinity() : y;
  y = x < 0.0f ? std::numeric_limits<float>::quiet_NaN() : y;
  y = x == std::numeric_limits<float>::infinity() ? x : y;
  return x != x ? x : y;
}

static inline float vsigmoid(float x) { return 1.0f / (1.0f + vexp(-x)); }

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
