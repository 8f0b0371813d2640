// Bindings for benchmarking: this machine's peak float32 FMA throughput, measured with the
// selected ISA's widest FMA on every thread of the pool at once.
#include <chrono>

#include "dispatch.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

// peakFma(iters) -> { flops, seconds }: every pool thread runs `iters` rounds of FMA chains.
Napi::Value peak_fma(const Napi::CallbackInfo& cb) {
  const int64_t iters = i64(cb[0]);
  const Kernels& k = kernels();
  const int threads = num_threads();
  float sinks[256] = {};
  double flops[256] = {};
  const auto t0 = std::chrono::steady_clock::now();
  parallel_tasks(threads, [&](int64_t t) { flops[t] = k.peak_fma(iters, &sinks[t]); });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0;
  for (int t = 0; t < threads; t++) total += flops[t] + (sinks[t] == 12345.0f ? 1 : 0);
  Napi::Object o = Napi::Object::New(cb.Env());
  o.Set("flops", total);
  o.Set("seconds", secs);
  return o;
}

}  // namespace

void register_bench(Napi::Env env, Napi::Object exports) {
  exports.Set("peakFma", Napi::Function::New(env, peak_fma));
}

}  // namespace ody
