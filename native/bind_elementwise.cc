// Bindings for elementwise float32 ops: strided iteration and threading around the ISA kernels.
// Scalars come in the call frame (napi_raw.h); the layouts are listed above each function.
#include "dispatch.h"
#include "napi_raw.h"
#include "napi_util.h"
#include "strided.h"
#include "threadpool.h"

namespace ody {

namespace {

thread_local double* t_frame = nullptr;
thread_local napi_ref t_frame_ref = nullptr;

constexpr int64_t kGrain = 1 << 15;  // elements per thread below which threads cost more than they save

// Runs fn(begin, end) over [0, n), threaded above kGrain.
template <class F>
void chunked(int64_t n, F&& fn) {
  if (n <= kGrain) fn(int64_t(0), n);
  else parallel_for(n, kGrain, fn);
}

// unaryF32(x, out); frame [op, xOff, outOff, n, p1, p2, outKind]: out is float32, or uint8 for
// logicalNot / isnan / isinf / isfinite.
napi_value unary_f32(napi_env env, napi_callback_info info) {
  double* f = call_frame();
  if (!f) return nullptr;
  RawArgs<2> a(env, info);
  const double* p = f + kFrameArgs;
  const int op = int(p[0]);
  const float* x = a.data<float>(0) + int64_t(p[1]);
  const int64_t out_off = int64_t(p[2]), n = int64_t(p[3]);
  const double p1 = p[4], p2 = p[5];
  const Kernels& k = kernels();
  bool ok = true;
  if (int(p[6]) == kArrU8) {
    uint8_t* y = a.data<uint8_t>(1) + out_off;
    ok = k.unary_f32_u8(op, x, y, 0);
    if (ok) chunked(n, [&](int64_t b, int64_t e) { k.unary_f32_u8(op, x + b, y + b, e - b); });
  } else if (op == 27) {  // affine, in double to match the reference exactly
    float* y = a.data<float>(1) + out_off;
    chunked(n, [&](int64_t b, int64_t e) { k.affine_f32(x + b, y + b, e - b, p1, p2); });
  } else {
    float* y = a.data<float>(1) + out_off;
    ok = k.unary_f32(op, x, y, 0, p1, p2);
    if (ok) chunked(n, [&](int64_t b, int64_t e) { k.unary_f32(op, x + b, y + b, e - b, p1, p2); });
  }
  f[kFrameStatus] = ok ? 1 : 0;
  return nullptr;
}

// binaryF32(a, b, out); frame [op, p1, outKind, ndim, shape..., aOff, aStrides..., bOff,
// bStrides...]; out is contiguous over shape: float32, or uint8 for comparisons and logical ops.
napi_value binary_f32(napi_env env, napi_callback_info info) {
  double* f = call_frame();
  if (!f) return nullptr;
  RawArgs<3> args(env, info);
  const double* p = f + kFrameArgs;
  const int op = int(p[0]);
  const double p1 = p[1];
  const bool u8 = int(p[2]) == kArrU8;
  const float* a = args.data<float>(0);
  const float* b = args.data<float>(1);
  void* out = args.data<void>(2);
  const Kernels& k = kernels();
  BinaryBlock probe{a, 0, 0, b, 0, 0, 0, 0, 0};
  if (u8 ? !k.compare_f32_u8(op, probe, static_cast<uint8_t*>(out)) : !k.binary_f32(op, probe, static_cast<float*>(out), p1)) {
    f[kFrameStatus] = 0;
    return nullptr;
  }
  f[kFrameStatus] = 1;
  Strided<3> s;
  s.read(p + 3, 1);
  if (s.numel() == 0) return nullptr;
  s.simplify();
  s.run(kGrain, [&](const int64_t* o, int64_t nrows, int64_t ncols) {
    BinaryBlock blk{a + o[1], s.row_stride(1), s.col_stride(1), b + o[2], s.row_stride(2), s.col_stride(2), nrows, ncols, s.row_stride(0)};
    if (u8) k.compare_f32_u8(op, blk, static_cast<uint8_t*>(out) + o[0]);
    else k.binary_f32(op, blk, static_cast<float*>(out) + o[0], p1);
  });
  return nullptr;
}

// whereF32(cond, a, b, out); frame [ndim, shape..., cOff, cStrides..., aOff, aStrides..., bOff,
// bStrides...]; out contiguous.
napi_value where_f32(napi_env env, napi_callback_info info) {
  double* f = call_frame();
  if (!f) return nullptr;
  RawArgs<4> args(env, info);
  const uint8_t* c = args.data<uint8_t>(0);
  const float* a = args.data<float>(1);
  const float* b = args.data<float>(2);
  float* out = args.data<float>(3);
  Strided<4> s;
  s.read(f + kFrameArgs, 1);
  if (s.numel() == 0) return nullptr;
  s.simplify();
  const Kernels& k = kernels();
  s.run(kGrain, [&](const int64_t* o, int64_t nrows, int64_t ncols) {
    for (int64_t r = 0; r < nrows; r++)
      k.where_f32(c + o[1] + r * s.row_stride(1), s.col_stride(1), a + o[2] + r * s.row_stride(2), s.col_stride(2),
                  b + o[3] + r * s.row_stride(3), s.col_stride(3), out + o[0] + r * s.row_stride(0), ncols);
  });
  return nullptr;
}

// addcF32(y, t1, t2); frame [mul, yOff, t1Off, t2Off, value, n]: y += value * t1 * t2 (or / t2).
napi_value addc_f32(napi_env env, napi_callback_info info) {
  double* f = call_frame();
  if (!f) return nullptr;
  RawArgs<3> a(env, info);
  const double* p = f + kFrameArgs;
  const bool mul = p[0] != 0;
  float* y = a.data<float>(0) + int64_t(p[1]);
  const float* t1 = a.data<float>(1) + int64_t(p[2]);
  const float* t2 = a.data<float>(2) + int64_t(p[3]);
  const double value = p[4];
  const Kernels& k = kernels();
  chunked(int64_t(p[5]), [&](int64_t b, int64_t e) { k.addc_f32(mul, y + b, t1 + b, t2 + b, value, e - b); });
  return nullptr;
}

}  // namespace

double* call_frame() { return t_frame; }

napi_value bind_frame(napi_env env, napi_callback_info info) {
  RawArgs<1> a(env, info);
  size_t length = 0;
  void* data = nullptr;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, a.v[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array || length < size_t(kFrameSize)) {
    napi_throw_type_error(env, nullptr, "bindFrame: expected a Float64Array of at least 512 elements");
    return nullptr;
  }
  // Held by a reference, so the array (and the pointer into it) lives as long as this thread's
  // environment; a thread that ends takes its frame with it.
  if (t_frame_ref) {
    napi_delete_reference(env, t_frame_ref);
  } else {
    // once per thread: Node aborts on a second identical hook
    napi_add_env_cleanup_hook(env, [](void*) { t_frame = nullptr; t_frame_ref = nullptr; }, nullptr);
  }
  napi_create_reference(env, a.v[0], 1, &t_frame_ref);
  t_frame = static_cast<double*>(data);
  return nullptr;
}

void register_elementwise(Napi::Env env, Napi::Object exports) {
  export_raw(env, exports, "bindFrame", bind_frame);
  export_raw(env, exports, "unaryF32", unary_f32);
  export_raw(env, exports, "binaryF32", binary_f32);
  export_raw(env, exports, "whereF32", where_f32);
  export_raw(env, exports, "addcF32", addc_f32);
}

}  // namespace ody
