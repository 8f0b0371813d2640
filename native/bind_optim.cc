// Bindings for the fused optimizer updates (kernels/optim.inl): large parameters are cut into
// fixed chunks that the threads take in turn, so a thread the OS runs late leaves its share to the
// others instead of holding up the step. Every element's update is independent, so the split does
// not change any result.
#include "dispatch.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

// Elements per chunk (128 KiB of each array); a parameter of one chunk runs on the calling thread.
constexpr int64_t kChunk = 1 << 15;

template <class F>
void for_chunks(int64_t n, F&& fn) {
  int64_t chunks = (n + kChunk - 1) / kChunk;
  if (chunks <= 1) {
    if (n > 0) fn(int64_t(0), n);
    return;
  }
  parallel_tasks(chunks, [&](int64_t c) { fn(c * kChunk, std::min(n, (c + 1) * kChunk)); });
}

// sgdF32(n, p, pOff, g, gOff, buf | null, h)
Napi::Value sgd_f32(const Napi::CallbackInfo& cb) {
  int64_t n = i64(cb[0]);
  float* p = data_of<float>(cb[1]) + i64(cb[2]);
  const float* g = data_of<float>(cb[3]) + i64(cb[4]);
  float* buf = data_or_null<float>(cb[5]);
  const double* h = data_of<double>(cb[6]);
  const Kernels& k = kernels();
  for_chunks(n, [&](int64_t b, int64_t e) {
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
  for_chunks(n, [&](int64_t b, int64_t e) {
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
  for_chunks(n, [&](int64_t b, int64_t e) {
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
