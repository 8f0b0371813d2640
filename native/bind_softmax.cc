// Bindings for softmax and log-softmax on float32 data viewed as [outer, dim, inner]: rows (or,
// when inner > 1, row and column blocks) spread over the thread pool.
#include "dispatch.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kGrain = 1 << 14;  // elements per thread below which threads cost more than they save
constexpr int64_t kColumns = 256;    // inner columns per task when inner > 1

template <class F>
void over_rows(int64_t outer, int64_t dim, int64_t inner, F&& fn) {
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, dim)), [&](int64_t o0, int64_t o1) { fn(o0, o1, 0, 1); });
    return;
  }
  const int64_t blocks = (inner + kColumns - 1) / kColumns;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, dim * std::min(inner, kColumns)));
  parallel_for(outer * blocks, grain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t o = t / blocks, i0 = (t % blocks) * kColumns;
      fn(o, o + 1, i0, std::min(inner, i0 + kColumns));
    }
  });
}

// softmaxF32(outer, dim, inner, x, y, log)
Napi::Value softmax_forward(const Napi::CallbackInfo& cb) {
  const int64_t outer = i64(cb[0]), dim = i64(cb[1]), inner = i64(cb[2]);
  const float* x = data_of<float>(cb[3]);
  float* y = data_of<float>(cb[4]);
  const bool log = boolean(cb[5]);
  const Kernels& k = kernels();
  over_rows(outer, dim, inner, [&](int64_t o0, int64_t o1, int64_t i0, int64_t i1) { k.softmax_f32(x, y, dim, inner, o0, o1, i0, i1, log); });
  return cb.Env().Undefined();
}

// softmaxBackwardF32(outer, dim, inner, y, dy, dx, log)
Napi::Value softmax_backward(const Napi::CallbackInfo& cb) {
  const int64_t outer = i64(cb[0]), dim = i64(cb[1]), inner = i64(cb[2]);
  const float* y = data_of<float>(cb[3]);
  const float* dy = data_of<float>(cb[4]);
  float* dx = data_of<float>(cb[5]);
  const bool log = boolean(cb[6]);
  const Kernels& k = kernels();
  over_rows(outer, dim, inner, [&](int64_t o0, int64_t o1, int64_t i0, int64_t i1) { k.softmax_bwd_f32(y, dy, dx, dim, inner, o0, o1, i0, i1, log); });
  return cb.Env().Undefined();
}

}  // namespace

void register_softmax(Napi::Env env, Napi::Object exports) {
  exports.Set("softmaxF32", Napi::Function::New(env, softmax_forward));
  exports.Set("softmaxBackwardF32", Napi::Function::New(env, softmax_backward));
}

}  // namespace ody
