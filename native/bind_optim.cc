// Bindings for the fused optimizer updates (kernels/optim.inl): split the elements across the
// thread pool for large parameters. Every element's update is independent, so the split does not
// change any result.
#include "dispatch.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

// Below this many elements one thread is faster than waking the others.
constexpr int64_t kGrain = 1 << 15;

// sgdF32(n, p, pOff, g, gOff, buf | null, h)
Napi::Value sgd_f32(const Napi::CallbackInfo& cb) {
  int64_t n = i64(cb[0]);
  float* p = data_of<float>(cb[1]) + i64(cb[2]);
  const float* g = data_of<float>(cb[3]) + i64(cb[4]);
  float* buf = data_or_null<float>(cb[5]);
  const double* h = data_of<double>(cb[6]);
  const Kernels& k = kernels();
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    k.sgd_f32(p + b, g + b, buf ? buf + b : nullptr, e - b, h);
  });
  return cb.Env().Undefined();
}

// adamF32(n, p, pOff, g, gOff, expAvg, expAvgSq, maxExpAvgSq | null, h)
Napi::Value adam_f32(const Napi::CallbackInfo& cb) {
  int64_t n = i64(cb[0]);
  float* p = data_of<float>(cb[1]) + i64(cb[2]);
  const float* g = data_of<float>(cb[3]) + i64(cb[4]);
  float* m = data_of<float>(cb[5]);
  float* v = data_of<float>(cb[6]);
  float* vmax = data_or_null<float>(cb[7]);
  const double* h = data_of<double>(cb[8]);
  const Kernels& k = kernels();
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    k.adam_f32(p + b, g + b, m + b, v + b, vmax ? vmax + b : nullptr, e - b, h);
  });
  return cb.Env().Undefined();
}

// rmspropF32(n, p, pOff, g, gOff, squareAvg, gradAvg | null, buf | null, h)
Napi::Value rmsprop_f32(const Napi::CallbackInfo& cb) {
  int64_t n = i64(cb[0]);
  float* p = data_of<float>(cb[1]) + i64(cb[2]);
  const float* g = data_of<float>(cb[3]) + i64(cb[4]);
  float* sq = data_of<float>(cb[5]);
  float* ga = data_or_null<float>(cb[6]);
  float* buf = data_or_null<float>(cb[7]);
  const double* h = data_of<double>(cb[8]);
  const Kernels& k = kernels();
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    k.rmsprop_f32(p + b, g + b, sq + b, ga ? ga + b : nullptr, buf ? buf + b : nullptr, e - b, h);
  });
  return cb.Env().Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdF32", Napi::Function::New(env, sgd_f32));
  exports.Set("adamF32", Napi::Function::New(env, adam_f32));
  exports.Set("rmspropF32", Napi::Function::New(env, rmsprop_f32));
}

}  // namespace ody
