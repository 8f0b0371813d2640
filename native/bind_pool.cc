// Bindings for max, average and adaptive average pooling on float32 NCHW data: unpack the
// geometry and spread the planes over the thread pool.
#include "dispatch.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kGrain = 1 << 14;  // input elements per thread below which threads cost more than they save

// meta (Float64Array) = [planes, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, oh, ow]
Pool2dArgs pool_args(const Napi::Value& v) {
  const double* m = data_of<double>(v);
  return Pool2dArgs{int64_t(m[0]), int64_t(m[1]), int64_t(m[2]), int64_t(m[3]), int64_t(m[4]), int64_t(m[5]), int64_t(m[6]),
                    int64_t(m[7]), int64_t(m[8]), int64_t(m[9]), int64_t(m[10]), int64_t(m[11]), int64_t(m[12])};
}

template <class F>
void over_planes(int64_t planes, int64_t plane_size, F&& fn) {
  parallel_for(planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, plane_size)), fn);
}

// maxPool2dF32(meta, x, y, indices)
Napi::Value max_pool(const Napi::CallbackInfo& cb) {
  const Pool2dArgs g = pool_args(cb[0]);
  const float* x = data_of<float>(cb[1]);
  float* y = data_of<float>(cb[2]);
  int32_t* idx = data_of<int32_t>(cb[3]);
  const Kernels& k = kernels();
  over_planes(g.planes, g.h * g.w, [&](int64_t p0, int64_t p1) { k.maxpool2d_f32(g, x, y, idx, p0, p1); });
  return cb.Env().Undefined();
}

// maxPool2dBackwardF32(meta, dy, indices, dx)
Napi::Value max_pool_backward(const Napi::CallbackInfo& cb) {
  const Pool2dArgs g = pool_args(cb[0]);
  const float* dy = data_of<float>(cb[1]);
  const int32_t* idx = data_of<int32_t>(cb[2]);
  float* dx = data_of<float>(cb[3]);
  const Kernels& k = kernels();
  over_planes(g.planes, g.h * g.w, [&](int64_t p0, int64_t p1) { k.maxpool2d_bwd_f32(g, dy, idx, dx, p0, p1); });
  return cb.Env().Undefined();
}

// avgPool2dF32(meta, x, y, countIncludePad, divisor)
Napi::Value avg_pool(const Napi::CallbackInfo& cb) {
  const Pool2dArgs g = pool_args(cb[0]);
  const float* x = data_of<float>(cb[1]);
  float* y = data_of<float>(cb[2]);
  const bool include_pad = boolean(cb[3]);
  const float divisor = float(f64(cb[4]));
  const Kernels& k = kernels();
  over_planes(g.planes, g.h * g.w, [&](int64_t p0, int64_t p1) { k.avgpool2d_f32(g, x, y, include_pad, divisor, p0, p1); });
  return cb.Env().Undefined();
}

// avgPool2dBackwardF32(meta, dy, dx, countIncludePad, divisor)
Napi::Value avg_pool_backward(const Napi::CallbackInfo& cb) {
  const Pool2dArgs g = pool_args(cb[0]);
  const float* dy = data_of<float>(cb[1]);
  float* dx = data_of<float>(cb[2]);
  const bool include_pad = boolean(cb[3]);
  const float divisor = float(f64(cb[4]));
  const Kernels& k = kernels();
  over_planes(g.planes, g.h * g.w, [&](int64_t p0, int64_t p1) { k.avgpool2d_bwd_f32(g, dy, dx, include_pad, divisor, p0, p1); });
  return cb.Env().Undefined();
}

// adaptiveAvgPool2dF32(planes, h, w, oh, ow, x, y)
Napi::Value adaptive_avg_pool(const Napi::CallbackInfo& cb) {
  const int64_t planes = i64(cb[0]), h = i64(cb[1]), w = i64(cb[2]), oh = i64(cb[3]), ow = i64(cb[4]);
  const float* x = data_of<float>(cb[5]);
  float* y = data_of<float>(cb[6]);
  const Kernels& k = kernels();
  over_planes(planes, h * w, [&](int64_t p0, int64_t p1) { k.adaptive_avgpool2d_f32(h, w, oh, ow, x, y, p0, p1); });
  return cb.Env().Undefined();
}

// adaptiveAvgPool2dBackwardF32(planes, h, w, oh, ow, dy, dx)
Napi::Value adaptive_avg_pool_backward(const Napi::CallbackInfo& cb) {
  const int64_t planes = i64(cb[0]), h = i64(cb[1]), w = i64(cb[2]), oh = i64(cb[3]), ow = i64(cb[4]);
  const float* dy = data_of<float>(cb[5]);
  float* dx = data_of<float>(cb[6]);
  const Kernels& k = kernels();
  over_planes(planes, h * w, [&](int64_t p0, int64_t p1) { k.adaptive_avgpool2d_bwd_f32(h, w, oh, ow, dy, dx, p0, p1); });
  return cb.Env().Undefined();
}

}  // namespace

void register_pool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool2dF32", Napi::Function::New(env, max_pool));
  exports.Set("maxPool2dBackwardF32", Napi::Function::New(env, max_pool_backward));
  exports.Set("avgPool2dF32", Napi::Function::New(env, avg_pool));
  exports.Set("avgPool2dBackwardF32", Napi::Function::New(env, avg_pool_backward));
  exports.Set("adaptiveAvgPool2dF32", Napi::Function::New(env, adaptive_avg_pool));
  exports.Set("adaptiveAvgPool2dBackwardF32", Napi::Function::New(env, adaptive_avg_pool_backward));
}

}  // namespace ody
