// Bindings for elementwise float32 ops: strided iteration and threading around the ISA kernels.
#include "dispatch.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per thread below which threads cost more than they save

// unaryF32(op, x, xOff, out, outOff, n, p1, p2) -> handled
Napi::Value unary_f32(const Napi::CallbackInfo& cb) {
  int op = i32(cb[0]);
  const float* x = data_of<float>(cb[1]) + i64(cb[2]);
  float* y = data_of<float>(cb[3]) + i64(cb[4]);
  int64_t n = i64(cb[5]);
  float p1 = float(f64(cb[6])), p2 = float(f64(cb[7]));
  const Kernels& k = kernels();
  bool ok = true;
  if (n <= kGrain) {
    ok = k.unary_f32(op, x, y, n, p1, p2);
  } else {
    if (!k.unary_f32(op, x, y, 0, p1, p2)) ok = false;
    else parallel_for(n, kGrain, [&](int64_t b, int64_t e) { k.unary_f32(op, x + b, y + b, e - b, p1, p2); });
  }
  return Napi::Boolean::New(cb.Env(), ok);
}

// binaryF32(op, a, b, out, meta, p1) -> handled. meta (Float64Array) = [ndim, shape..., aOff,
// aStrides..., bOff, bStrides...]; out is contiguous over shape. The innermost dimension runs in
// the ISA kernel; the outer ones are walked here.
Napi::Value binary_f32(const Napi::CallbackInfo& cb) {
  int op = i32(cb[0]);
  const float* a = data_of<float>(cb[1]);
  const float* b = data_of<float>(cb[2]);
  float* out = data_of<float>(cb[3]);
  const double* meta = data_of<double>(cb[4]);
  float p1 = float(f64(cb[5]));
  int nd = int(meta[0]);
  const double* shape = meta + 1;
  int64_t aoff = int64_t(meta[1 + nd]);
  const double* as = meta + 2 + nd;
  int64_t boff = int64_t(meta[2 + 2 * nd]);
  const double* bs = meta + 3 + 2 * nd;
  const Kernels& k = kernels();
  if (!k.binary_f32(op, a, 1, b, 1, out, 0, p1)) return Napi::Boolean::New(cb.Env(), false);
  if (nd == 0) {
    k.binary_f32(op, a + aoff, 1, b + boff, 1, out, 1, p1);
    return Napi::Boolean::New(cb.Env(), true);
  }
  int64_t inner = int64_t(shape[nd - 1]);
  int64_t sa = int64_t(as[nd - 1]), sb = int64_t(bs[nd - 1]);
  int64_t rows = 1;
  for (int d = 0; d < nd - 1; d++) rows *= int64_t(shape[d]);
  auto row_range = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t ai = aoff, bi = boff, rem = r;
      for (int d = nd - 2; d >= 0; d--) {
        int64_t sz = int64_t(shape[d]);
        int64_t idx = rem % sz;
        rem /= sz;
        ai += idx * int64_t(as[d]);
        bi += idx * int64_t(bs[d]);
      }
      k.binary_f32(op, a + ai, sa, b + bi, sb, out + r * inner, inner, p1);
    }
  };
  int64_t total = rows * inner;
  if (total <= kGrain) {
    row_range(0, rows);
  } else if (rows == 1) {
    parallel_for(inner, kGrain, [&](int64_t s, int64_t e) {
      k.binary_f32(op, a + aoff + s * sa, sa, b + boff + s * sb, sb, out + s, e - s, p1);
    });
  } else {
    int64_t grain_rows = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, inner));
    parallel_for(rows, grain_rows, row_range);
  }
  return Napi::Boolean::New(cb.Env(), true);
}

}  // namespace

void register_elementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("unaryF32", Napi::Function::New(env, unary_f32));
  exports.Set("binaryF32", Napi::Function::New(env, binary_f32));
}

}  // namespace ody
