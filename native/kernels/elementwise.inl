// Elementwise inner loops over contiguous float32 ranges. Op codes mirror src/backend/ops.ts.
#include "kernels/vecmath.inl"

// out[i] = f(a[i * sa], b[i * sb]) with sa, sb in {0, 1}: the four cases are separate loops so
// that each one vectorises.
template <class F>
static inline void binary_loop(const float* __restrict a, int64_t sa, const float* __restrict b, int64_t sb,
                               float* out, int64_t n, F f) {
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

// Returns false for op codes this kernel does not handle (the caller then falls back).
static bool unary_f32(int op, const float* x, float* y, int64_t n, float p1, float p2) {
  switch (op) {
    case 0: for (int64_t i = 0; i < n; i++) y[i] = -x[i]; return true;
    case 1: for (int64_t i = 0; i < n; i++) y[i] = std::fabs(x[i]); return true;
    case 2: for (int64_t i = 0; i < n; i++) y[i] = vexp(x[i]); return true;
    case 3: for (int64_t i = 0; i < n; i++) y[i] = vlog(x[i]); return true;
    case 4: for (int64_t i = 0; i < n; i++) y[i] = std::sqrt(x[i]); return true;
    case 5: for (int64_t i = 0; i < n; i++) y[i] = 1.0f / std::sqrt(x[i]); return true;
    case 6: for (int64_t i = 0; i < n; i++) y[i] = vsigmoid(x[i]); return true;
    case 7: for (int64_t i = 0; i < n; i++) y[i] = vtanh(x[i]); return true;
    // relu keeps NaN (as PyTorch does): x > 0 ? x : (x != x ? x : 0)
    case 8: for (int64_t i = 0; i < n; i++) { float v = x[i]; y[i] = v > 0.0f ? v : (v != v ? v : 0.0f); } return true;
    case 9: for (int64_t i = 0; i < n; i++) y[i] = x[i] * x[i]; return true;
    case 10: for (int64_t i = 0; i < n; i++) y[i] = 1.0f / x[i]; return true;
    case 24: for (int64_t i = 0; i < n; i++) { float v = x[i]; float c = std::min(std::max(v, p1), p2); y[i] = v != v ? v : c; } return true;
    case 25: for (int64_t i = 0; i < n; i++) { float v = x[i]; y[i] = v > 0.0f ? v : v * p1; } return true;
    case 27: for (int64_t i = 0; i < n; i++) y[i] = p1 * x[i] + p2; return true;
    case 28: for (int64_t i = 0; i < n; i++) { float v = x[i]; float c = std::min(std::max(v, 0.0f), 6.0f); y[i] = v != v ? v : c; } return true;
    default: return false;
  }
}

static bool binary_f32(int op, const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n, float p1) {
  switch (op) {
    case 0: binary_loop(a, sa, b, sb, out, n, [p1](float u, float v) { return u + p1 * v; }); return true;
    case 1: binary_loop(a, sa, b, sb, out, n, [p1](float u, float v) { return u - p1 * v; }); return true;
    case 2: binary_loop(a, sa, b, sb, out, n, [](float u, float v) { return u * v; }); return true;
    case 3: binary_loop(a, sa, b, sb, out, n, [](float u, float v) { return u / v; }); return true;
    // maximum/minimum propagate NaN like PyTorch
    case 5: binary_loop(a, sa, b, sb, out, n, [](float u, float v) { return (u != u || v != v) ? u + v : (u > v ? u : v); }); return true;
    case 6: binary_loop(a, sa, b, sb, out, n, [](float u, float v) { return (u != u || v != v) ? u + v : (u < v ? u : v); }); return true;
    case 19: binary_loop(a, sa, b, sb, out, n, [](float g, float x) { return x > 0.0f ? g : 0.0f; }); return true;
    case 20: binary_loop(a, sa, b, sb, out, n, [](float g, float s) { return g * s * (1.0f - s); }); return true;
    case 21: binary_loop(a, sa, b, sb, out, n, [](float g, float t) { return g * (1.0f - t * t); }); return true;
    case 22: binary_loop(a, sa, b, sb, out, n, [p1](float g, float x) { return x > 0.0f ? g : g * p1; }); return true;
    case 23: binary_loop(a, sa, b, sb, out, n, [](float g, float x) { return (x > 0.0f && x < 6.0f) ? g : 0.0f; }); return true;
    default: return false;
  }
}

inline void fill_elementwise(Kernels& k) {
  k.unary_f32 = unary_f32;
  k.binary_f32 = binary_f32;
}
