// Bindings for elementwise float32 ops: strided iteration and threading around the ISA kernels.
#include "dispatch.h"
#include "napi_raw.h"
#include "napi_util.h"
#include "strided.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per thread below which threads cost more than they save

// Runs fn(begin, end) over [0, n), threaded above kGrain.
template <class F>
void chunked(int64_t n, F&& fn) {
  if (n <= kGrain) fn(int64_t(0), n);
  else parallel_for(n, kGrain, fn);
}

// unaryF32(op, x, xOff, out, outOff, n, p1, p2) -> handled; out is a Float32Array, or a
// Uint8Array for the predicates (logicalNot, isnan, isinf, isfinite).
napi_value unary_f32(napi_env env, napi_callback_info info) {
  RawArgs<8> a(env, info);
  const int op = a.i32(0);
  napi_typedarray_type out_type;
  const float* x = a.data<float>(1) + a.i64(2);
  void* out = a.data_type(3, &out_type);
  const int64_t out_off = a.i64(4), n = a.i64(5);
  const double p1 = a.f64(6), p2 = a.f64(7);
  const Kernels& k = kernels();
  if (out_type == napi_uint8_array) {
    uint8_t* y = static_cast<uint8_t*>(out) + out_off;
    if (!k.unary_f32_u8(op, x, y, 0)) return a.boolean(false);
    chunked(n, [&](int64_t b, int64_t e) { k.unary_f32_u8(op, x + b, y + b, e - b); });
    return a.boolean(true);
  }
  float* y = static_cast<float*>(out) + out_off;
  if (op == 27) {  // affine, in double to match the reference exactly
    chunked(n, [&](int64_t b, int64_t e) { k.affine_f32(x + b, y + b, e - b, p1, p2); });
    return a.boolean(true);
  }
  if (!k.unary_f32(op, x, y, 0, p1, p2)) return a.boolean(false);
  chunked(n, [&](int64_t b, int64_t e) { k.unary_f32(op, x + b, y + b, e - b, p1, p2); });
  return a.boolean(true);
}

// binaryF32(op, a, b, out, meta, p1) -> handled. meta = [ndim, shape..., aOff, aStrides...,
// bOff, bStrides...]; out is contiguous over shape: a Float32Array, or a Uint8Array for
// comparisons and logical ops.
napi_value binary_f32(napi_env env, napi_callback_info info) {
  RawArgs<6> args(env, info);
  const int op = args.i32(0);
  const float* a = args.data<float>(1);
  const float* b = args.data<float>(2);
  napi_typedarray_type out_type;
  void* out = args.data_type(3, &out_type);
  const double* meta = args.data<double>(4);
  const double p1 = args.f64(5);
  const Kernels& k = kernels();
  const bool u8 = out_type == napi_uint8_array;
  BinaryBlock probe{a, 0, 0, b, 0, 0, 0, 0, 0};
  if (u8 ? !k.compare_f32_u8(op, probe, static_cast<uint8_t*>(out)) : !k.binary_f32(op, probe, static_cast<float*>(out), p1))
    return args.boolean(false);
  Strided<3> s;
  s.read(meta, 1);
  if (s.numel() == 0) return args.boolean(true);
  s.simplify();
  s.run(kGrain, [&](const int64_t* o, int64_t nrows, int64_t ncols) {
    BinaryBlock blk{a + o[1], s.row_stride(1), s.col_stride(1), b + o[2], s.row_stride(2), s.col_stride(2), nrows, ncols, s.row_stride(0)};
    if (u8) k.compare_f32_u8(op, blk, static_cast<uint8_t*>(out) + o[0]);
    else k.binary_f32(op, blk, static_cast<float*>(out) + o[0], p1);
  });
  return args.boolean(true);
}

// whereF32(cond, a, b, out, meta): meta = [ndim, shape..., cOff, cStrides..., aOff, aStrides...,
// bOff, bStrides...]; out contiguous.
napi_value where_f32(napi_env env, napi_callback_info info) {
  RawArgs<5> args(env, info);
  const uint8_t* c = args.data<uint8_t>(0);
  const float* a = args.data<float>(1);
  const float* b = args.data<float>(2);
  float* out = args.data<float>(3);
  Strided<4> s;
  s.read(args.data<double>(4), 1);
  if (s.numel() == 0) return args.undefined();
  s.simplify();
  const Kernels& k = kernels();
  s.run(kGrain, [&](const int64_t* o, int64_t nrows, int64_t ncols) {
    for (int64_t r = 0; r < nrows; r++)
      k.where_f32(c + o[1] + r * s.row_stride(1), s.col_stride(1), a + o[2] + r * s.row_stride(2), s.col_stride(2),
                  b + o[3] + r * s.row_stride(3), s.col_stride(3), out + o[0] + r * s.row_stride(0), ncols);
  });
  return args.undefined();
}

// addcF32(mul, y, yOff, t1, t1Off, t2, t2Off, value, n): y += value * t1 * t2 (or / t2).
napi_value addc_f32(napi_env env, napi_callback_info info) {
  RawArgs<9> a(env, info);
  bool mul = false;
  napi_get_value_bool(env, a.v[0], &mul);
  float* y = a.data<float>(1) + a.i64(2);
  const float* t1 = a.data<float>(3) + a.i64(4);
  const float* t2 = a.data<float>(5) + a.i64(6);
  const double value = a.f64(7);
  const Kernels& k = kernels();
  chunked(a.i64(8), [&](int64_t b, int64_t e) { k.addc_f32(mul, y + b, t1 + b, t2 + b, value, e - b); });
  return a.undefined();
}

}  // namespace

void register_elementwise(Napi::Env env, Napi::Object exports) {
  export_raw(env, exports, "unaryF32", unary_f32);
  export_raw(env, exports, "binaryF32", binary_f32);
  export_raw(env, exports, "whereF32", where_f32);
  export_raw(env, exports, "addcF32", addc_f32);
}

}  // namespace ody
