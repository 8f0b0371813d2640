// Binding for float32 reductions over a contiguous [outer, red, inner] block: picks the row
// (inner == 1) or column kernel, threads over whichever of outer, inner or red has the work, and
// writes the result into the output's element type.
#include <vector>

#include "dispatch.h"
#include "napi_raw.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kGrain = 1 << 15;
constexpr int64_t kChunk = 2048;       // columns per kernel call (whole rows of most tensors)
constexpr int64_t kMaxSegment = 1 << 30;  // column kernels keep row indices in int32
enum { kSum = 0, kMean = 1, kMax = 2, kMin = 3, kProd = 4, kArgmax = 5, kArgmin = 6,
       kSumSquares = 7, kSumAbs = 8, kMaxAbs = 9, kAny = 10, kAll = 11 };

bool is_nan(double v) { return v != v; }

// Combines the partial of an earlier segment (a) with a later one (b), indices already global.
ReducePartial combine(int op, const ReducePartial& a, const ReducePartial& b) {
  switch (op) {
    case kProd: return {a.value * b.value, 0};
    case kMax: case kMaxAbs: return {is_nan(a.value) ? a.value : (is_nan(b.value) || b.value > a.value) ? b.value : a.value, 0};
    case kMin: return {is_nan(a.value) ? a.value : (is_nan(b.value) || b.value < a.value) ? b.value : a.value, 0};
    case kArgmax: case kArgmin: {
      if (is_nan(a.value)) return a;
      if (is_nan(b.value)) return b;
      return (op == kArgmax ? b.value > a.value : b.value < a.value) ? b : a;
    }
    case kAny: return {(a.value != 0 || b.value != 0) ? 1.0 : 0.0, 0};
    case kAll: return {(a.value != 0 && b.value != 0) ? 1.0 : 0.0, 0};
    default: return {a.value + b.value, 0};
  }
}

struct Output {
  void* data;
  int kind;  // ArrayKind
  int op;
  int64_t red;

  void write(int64_t i, const ReducePartial& p) const {
    const bool arg = op == kArgmax || op == kArgmin;
    const double v = arg ? double(p.index) : op == kMean ? p.value / double(red) : p.value;
    switch (kind) {
      case kArrF32: static_cast<float*>(data)[i] = float(v); break;
      case kArrF64: static_cast<double*>(data)[i] = v; break;
      case kArrI32: static_cast<int32_t*>(data)[i] = int32_t(v); break;
      case kArrI64: static_cast<int64_t*>(data)[i] = arg ? p.index : int64_t(v); break;
      case kArrU8: static_cast<uint8_t*>(data)[i] = v != 0 ? 1 : 0; break;
      default: break;
    }
  }
};

// Partials of columns [c0, c0 + cols) of one outer block over rows [r0, r1), index global.
void cols_partial(const Kernels& k, int op, const float* block, int64_t inner, int64_t r0, int64_t r1, int64_t c0, int64_t cols, ReducePartial* out) {
  bool first = true;
  for (int64_t s = r0; s < r1 || first; s += kMaxSegment) {
    const int64_t e = std::min(r1, s + kMaxSegment);
    ReducePartial tmp[kChunk];
    for (int64_t c = 0; c < cols; c += kChunk) {
      const int64_t cw = std::min(kChunk, cols - c);
      k.reduce_cols_f32(op, block + s * inner + c0 + c, e - s, inner, cw, tmp);
      for (int64_t j = 0; j < cw; j++) {
        tmp[j].index += s;
        out[c + j] = first ? tmp[j] : combine(op, out[c + j], tmp[j]);
      }
    }
    first = false;
  }
}

// reduceF32(x, out); frame [op, xOff, outer, red, inner, outKind (ArrayKind)]
napi_value reduce_f32(napi_env env, napi_callback_info info) {
  const double* f = call_frame();
  if (!f) return nullptr;
  RawArgs<2> a(env, info);
  const double* p = f + kFrameArgs;
  const int op = int(p[0]);
  const float* x = a.data<float>(0) + int64_t(p[1]);
  const int64_t outer = int64_t(p[2]), red = int64_t(p[3]), inner = int64_t(p[4]);
  const Output out{a.data<void>(1), int(p[5]), op, red};
  const Kernels& k = kernels();
  const int threads = num_threads();
  const int64_t total = outer * red * inner;
  if (outer == 0 || inner == 0) return nullptr;

  if (inner == 1) {
    auto row = [&](int64_t o) {
      ReducePartial p;
      k.reduce_row_f32(op, x + o * red, red, &p);
      out.write(o, p);
    };
    if (total <= kGrain || threads == 1 || outer >= 2 * threads) {
      if (total <= kGrain || threads == 1) { for (int64_t o = 0; o < outer; o++) row(o); }
      else parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, red)), [&](int64_t b, int64_t e) { for (int64_t o = b; o < e; o++) row(o); });
      return nullptr;
    }
    // A few long rows: each row split into segments across the threads.
    const int64_t segs = threads;
    std::vector<ReducePartial> part(static_cast<size_t>(segs));
    for (int64_t o = 0; o < outer; o++) {
      const float* xr = x + o * red;
      parallel_tasks(segs, [&](int64_t t) {
        const int64_t b = red * t / segs, e = red * (t + 1) / segs;
        k.reduce_row_f32(op, xr + b, e - b, &part[size_t(t)]);
        part[size_t(t)].index += b;
      });
      ReducePartial p = part[0];
      for (int64_t t = 1; t < segs; t++) p = combine(op, p, part[size_t(t)]);
      out.write(o, p);
    }
    return nullptr;
  }

  // Columns: out[o * inner + i] over x[(o * red + r) * inner + i].
  auto cols_range = [&](int64_t o, int64_t c0, int64_t c1) {
    ReducePartial tmp[kChunk];
    for (int64_t c = c0; c < c1; c += kChunk) {
      const int64_t cw = std::min(kChunk, c1 - c);
      cols_partial(k, op, x + o * red * inner, inner, 0, red, c, cw, tmp);
      for (int64_t j = 0; j < cw; j++) out.write(o * inner + c + j, tmp[j]);
    }
  };
  if (total <= kGrain || threads == 1) {
    for (int64_t o = 0; o < outer; o++) cols_range(o, 0, inner);
  } else if (outer >= 2 * threads) {
    parallel_for(outer, 1, [&](int64_t b, int64_t e) { for (int64_t o = b; o < e; o++) cols_range(o, 0, inner); });
  } else if (inner >= 2 * threads * 16) {
    for (int64_t o = 0; o < outer; o++) parallel_for(inner, 16, [&](int64_t b, int64_t e) { cols_range(o, b, e); });
  } else {
    // Few, narrow columns over a long reduction: split the rows across the threads.
    const int64_t segs = threads;
    std::vector<ReducePartial> part(static_cast<size_t>(segs * inner));
    for (int64_t o = 0; o < outer; o++) {
      const float* xb = x + o * red * inner;
      parallel_tasks(segs, [&](int64_t t) {
        cols_partial(k, op, xb, inner, red * t / segs, red * (t + 1) / segs, 0, inner, &part[size_t(t * inner)]);
      });
      for (int64_t i = 0; i < inner; i++) {
        ReducePartial p = part[size_t(i)];
        for (int64_t t = 1; t < segs; t++) p = combine(op, p, part[size_t(t * inner + i)]);
        out.write(o * inner + i, p);
      }
    }
  }
  return nullptr;
}

}  // namespace

void register_reduce(Napi::Env env, Napi::Object exports) {
  export_raw(env, exports, "reduceF32", reduce_f32);
}

}  // namespace ody
