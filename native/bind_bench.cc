// Bindings for benchmarking: this machine's peak float32 FMA throughput, measured with the
// selected ISA's widest FMA on every thread of the pool at once. Each thread's rate is its flops
// over its own CPU time, so other processes sharing the cores do not lower the figure.
#include <time.h>

#include <chrono>

#include "dispatch.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// peakFma(iters) -> { flops, seconds, rate }: every pool thread runs `iters` rounds of FMA chains;
// seconds is wall time, rate the sum over threads of flops / thread CPU seconds.
Napi::Value peak_fma(const Napi::CallbackInfo& cb) {
  const int64_t iters = i64(cb[0]);
  const Kernels& k = kernels();
  const int threads = num_threads();
  float sinks[256] = {};
  double flops[256] = {}, cpu[256] = {};
  const auto t0 = std::chrono::steady_clock::now();
  parallel_tasks(threads, [&](int64_t t) {
    const double c0 = thread_cpu_seconds();
    flops[t] = k.peak_fma(iters, &sinks[t]);
    cpu[t] = thread_cpu_seconds() - c0;
  });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0, rate = 0;
  for (int t = 0; t < threads; t++) {
    total += flops[t];
    if (cpu[t] > 0) rate += flops[t] / cpu[t];
  }
  Napi::Object o = Napi::Object::New(cb.Env());
  o.Set("flops", total);
  o.Set("seconds", secs);
  o.Set("rate", rate + (sinks[0] == 12345.0f ? 1e-9 : 0.0));
  return o;
}

}  // namespace

void register_bench(Napi::Env env, Napi::Object exports) {
  exports.Set("peakFma", Napi::Function::New(env, peak_fma));
}

}  // namespace ody
