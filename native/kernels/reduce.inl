// Reductions over float32. Op codes mirror Reduce in src/backend/ops.ts: 0 sum, 1 mean, 2 max,
// 3 min, 4 prod, 5 argmax, 6 argmin, 7 sumSquares, 8 sumAbs, 9 maxAbs, 10 any, 11 all.
// Sums accumulate in float64 lanes (exact enough that 10^7 float32 values sum to within 1e-9 of
// the float64 result, and free for memory-bound data). max/min propagate NaN; argmax/argmin give
// the first index of the extreme, or of the first NaN, as PyTorch does.

enum ReduceCode { kSum = 0, kMean = 1, kMax = 2, kMin = 3, kProd = 4, kArgmax = 5, kArgmin = 6,
                  kSumSquares = 7, kSumAbs = 8, kMaxAbs = 9, kAny = 10, kAll = 11 };

constexpr int kReduceLanes = 32;

// sum of f(x[i]) in float64, kReduceLanes independent accumulators so the loop vectorises.
template <class F>
static double sum_row(const float* x, int64_t n, F f) {
  double acc[kReduceLanes] = {};
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes)
    for (int j = 0; j < kReduceLanes; j++) acc[j] += double(f(x[i + j]));
  for (int w = kReduceLanes / 2; w > 0; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  double s = acc[0];
  for (; i < n; i++) s += double(f(x[i]));
  return s;
}

// The extreme of f(x[i]) under `better`, NaN if any element is NaN (a NaN accumulator stays NaN
// because every comparison with it is false).
template <class F, class B>
static float extreme_row(const float* x, int64_t n, float init, F f, B better) {
  float acc[kReduceLanes];
  for (int j = 0; j < kReduceLanes; j++) acc[j] = init;
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes)
    for (int j = 0; j < kReduceLanes; j++) { float v = f(x[i + j]); acc[j] = (better(v, acc[j]) || v != v) ? v : acc[j]; }
  float m = init;
  for (int j = 0; j < kReduceLanes; j++) m = (better(acc[j], m) || acc[j] != acc[j]) ? acc[j] : m;
  for (; i < n; i++) { float v = f(x[i]); m = (better(v, m) || v != v) ? v : m; }
  return m;
}

// First index where pred holds, scanning vectorised blocks before the element-wise search.
template <class P>
static int64_t find_first(const float* x, int64_t n, P pred) {
  constexpr int64_t kBlock = 64;
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    int32_t hits = 0;  // an int, not a bool, so that the block test vectorises
    for (int64_t j = 0; j < kBlock; j++) hits += pred(x[i + j]) ? 1 : 0;
    if (hits) break;
  }
  for (; i < n; i++) if (pred(x[i])) return i;
  return -1;
}

// Function objects, not functions: a function name passed to a template becomes a pointer that
// the compiler may leave as an indirect call per element.
constexpr auto f_id = [](float v) { return v; };
constexpr auto f_abs = [](float v) { return std::fabs(v); };
constexpr auto gt = [](float a, float b) { return a > b; };
constexpr auto lt = [](float a, float b) { return a < b; };

static void reduce_row_f32(int op, const float* x, int64_t n, ReducePartial* out) {
  out->index = 0;
  switch (op) {
    case kSum: case kMean: out->value = sum_row(x, n, f_id); break;
    case kSumSquares: out->value = sum_row(x, n, [](float v) { return double(v) * double(v); }); break;
    case kSumAbs: out->value = sum_row(x, n, f_abs); break;
    case kProd: { double p = 1.0; for (int64_t i = 0; i < n; i++) p *= double(x[i]); out->value = p; break; }
    case kMax: out->value = extreme_row(x, n, -kInf, f_id, gt); break;
    case kMin: out->value = extreme_row(x, n, kInf, f_id, lt); break;
    case kMaxAbs: out->value = extreme_row(x, n, 0.0f, f_abs, gt); break;
    case kArgmax: case kArgmin: {
      if (n == 0) { out->value = kNaN; break; }
      float m = op == kArgmax ? extreme_row(x, n, -kInf, f_id, gt) : extreme_row(x, n, kInf, f_id, lt);
      int64_t i = m != m ? find_first(x, n, [](float v) { return v != v; }) : find_first(x, n, [m](float v) { return v == m; });
      out->index = i;
      out->value = m;
      break;
    }
    case kAny: out->value = find_first(x, n, [](float v) { return v != 0.0f; }) >= 0 ? 1.0 : 0.0; break;
    case kAll: out->value = find_first(x, n, [](float v) { return v == 0.0f; }) >= 0 ? 0.0 : 1.0; break;
  }
}

// ---- columns: x[r * stride + c], vectorised across c ------------------------------------------

constexpr int64_t kColChunk = 2048;  // accumulators stay in L1 while each row is read in order

template <class F>
static void sum_cols(const float* x, int64_t red, int64_t stride, int64_t cols, ReducePartial* out, F f) {
  double acc[kColChunk];
  for (int64_t c0 = 0; c0 < cols; c0 += kColChunk) {
    int64_t cw = std::min(kColChunk, cols - c0);
    for (int64_t c = 0; c < cw; c++) acc[c] = 0.0;
    for (int64_t r = 0; r < red; r++) {
      const float* row = x + r * stride + c0;
      for (int64_t c = 0; c < cw; c++) acc[c] += double(f(row[c]));
    }
    for (int64_t c = 0; c < cw; c++) { out[c0 + c].value = acc[c]; out[c0 + c].index = 0; }
  }
}

template <class F, class B>
static void extreme_cols(const float* x, int64_t red, int64_t stride, int64_t cols, ReducePartial* out, float init, F f, B better) {
  float acc[kColChunk];
  for (int64_t c0 = 0; c0 < cols; c0 += kColChunk) {
    int64_t cw = std::min(kColChunk, cols - c0);
    for (int64_t c = 0; c < cw; c++) acc[c] = init;
    for (int64_t r = 0; r < red; r++) {
      const float* row = x + r * stride + c0;
      for (int64_t c = 0; c < cw; c++) { float v = f(row[c]); acc[c] = (better(v, acc[c]) || v != v) ? v : acc[c]; }
    }
    for (int64_t c = 0; c < cw; c++) { out[c0 + c].value = acc[c]; out[c0 + c].index = 0; }
  }
}

// Running best value and index per column: a later element wins only if strictly better or the
// first NaN; once the best is NaN nothing replaces it.
template <class B>
static void arg_cols(const float* x, int64_t red, int64_t stride, int64_t cols, ReducePartial* out, B better) {
  float best[kColChunk];
  int32_t idx[kColChunk];
  for (int64_t c0 = 0; c0 < cols; c0 += kColChunk) {
    int64_t cw = std::min(kColChunk, cols - c0);
    if (red == 0) {
      for (int64_t c = 0; c < cw; c++) { out[c0 + c].value = kNaN; out[c0 + c].index = 0; }
      continue;
    }
    for (int64_t c = 0; c < cw; c++) { best[c] = x[c0 + c]; idx[c] = 0; }
    for (int64_t r = 1; r < red; r++) {
      const float* row = x + r * stride + c0;
      const int32_t ri = int32_t(r);
      for (int64_t c = 0; c < cw; c++) {
        float v = row[c], b = best[c];
        bool take = better(v, b) || (v != v && b == b);
        best[c] = take ? v : b;
        idx[c] = take ? ri : idx[c];
      }
    }
    for (int64_t c = 0; c < cw; c++) { out[c0 + c].value = best[c]; out[c0 + c].index = idx[c]; }
  }
}

static void reduce_cols_f32(int op, const float* x, int64_t red, int64_t stride, int64_t cols, ReducePartial* out) {
  switch (op) {
    case kSum: case kMean: sum_cols(x, red, stride, cols, out, f_id); break;
    case kSumSquares: sum_cols(x, red, stride, cols, out, [](float v) { return double(v) * double(v); }); break;
    case kSumAbs: sum_cols(x, red, stride, cols, out, f_abs); break;
    case kProd:
      for (int64_t c = 0; c < cols; c++) {
        double p = 1.0;
        for (int64_t r = 0; r < red; r++) p *= double(x[r * stride + c]);
        out[c].value = p;
        out[c].index = 0;
      }
      break;
    case kMax: extreme_cols(x, red, stride, cols, out, -kInf, f_id, gt); break;
    case kMin: extreme_cols(x, red, stride, cols, out, kInf, f_id, lt); break;
    case kMaxAbs: extreme_cols(x, red, stride, cols, out, 0.0f, f_abs, gt); break;
    // row indices fit int32 here: the caller splits reductions longer than 2^31 rows
    case kArgmax: arg_cols(x, red, stride, cols, out, gt); break;
    case kArgmin: arg_cols(x, red, stride, cols, out, lt); break;
    case kAny: sum_cols(x, red, stride, cols, out, [](float v) { return v != 0.0f ? 1.0f : 0.0f; }); break;
    case kAll: sum_cols(x, red, stride, cols, out, [](float v) { return v == 0.0f ? 1.0f : 0.0f; });
      for (int64_t c = 0; c < cols; c++) out[c].value = out[c].value == 0.0 ? 1.0 : 0.0;
      break;
  }
  if (op == kAny) for (int64_t c = 0; c < cols; c++) out[c].value = out[c].value != 0.0 ? 1.0 : 0.0;
}

inline void fill_reduce(Kernels& k) {
  k.reduce_row_f32 = reduce_row_f32;
  k.reduce_cols_f32 = reduce_cols_f32;
}
