// Bindings for batch norm and local response norm on float32 data viewed as [n, c, hw]: batch
// norm spreads channels over the thread pool, LRN spreads images and column blocks.
#include "dispatch.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per thread below which threads cost more than they save

// batchNormForwardF32(meta = [n, c, hw, training, momentum, eps], x, weight?, bias?, runningMean?,
// runningVar?, y, saveMean, saveInvstd)
Napi::Value batch_norm_forward(const Napi::CallbackInfo& cb) {
  const double* m = data_of<double>(cb[0]);
  BatchNormArgs a{};
  a.n = int64_t(m[0]); a.c = int64_t(m[1]); a.hw = int64_t(m[2]);
  a.training = m[3] != 0.0; a.momentum = m[4]; a.eps = m[5];
  a.x = data_of<float>(cb[1]);
  a.weight = data_or_null<float>(cb[2]);
  a.bias = data_or_null<float>(cb[3]);
  a.running_mean = data_or_null<float>(cb[4]);
  a.running_var = data_or_null<float>(cb[5]);
  a.y = data_of<float>(cb[6]);
  a.save_mean = data_of<float>(cb[7]);
  a.save_invstd = data_of<float>(cb[8]);
  const Kernels& k = kernels();
  parallel_for(a.c, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, a.n * a.hw)),
               [&](int64_t c0, int64_t c1) { k.batchnorm_fwd_f32(a, c0, c1); });
  return cb.Env().Undefined();
}

// batchNormBackwardF32(meta = [n, c, hw, training], x, dy, weight?, saveMean, saveInvstd, dx?, dweight?, dbias?)
Napi::Value batch_norm_backward(const Napi::CallbackInfo& cb) {
  const double* m = data_of<double>(cb[0]);
  BatchNormArgs a{};
  a.n = int64_t(m[0]); a.c = int64_t(m[1]); a.hw = int64_t(m[2]);
  a.training = m[3] != 0.0;
  a.x = data_of<float>(cb[1]);
  a.dy = data_of<float>(cb[2]);
  a.weight = data_or_null<float>(cb[3]);
  a.save_mean = data_of<float>(cb[4]);
  a.save_invstd = data_of<float>(cb[5]);
  a.dx = data_or_null<float>(cb[6]);
  a.dweight = data_or_null<float>(cb[7]);
  a.dbias = data_or_null<float>(cb[8]);
  const Kernels& k = kernels();
  parallel_for(a.c, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, a.n * a.hw)),
               [&](int64_t c0, int64_t c1) { k.batchnorm_bwd_f32(a, c0, c1); });
  return cb.Env().Undefined();
}

LrnArgs lrn_args(const Napi::Value& meta) {
  const double* m = data_of<double>(meta);
  LrnArgs a{};
  a.n = int64_t(m[0]); a.c = int64_t(m[1]); a.hw = int64_t(m[2]); a.size = int64_t(m[3]);
  a.alpha = float(m[4]); a.beta = float(m[5]); a.k = float(m[6]);
  return a;
}

// Tasks of (image, column range): whole images when there are enough of them, else column blocks.
template <class F>
void over_images(const LrnArgs& a, F&& fn) {
  const int64_t want = 4 * int64_t(num_threads());
  int64_t pieces = a.n >= want ? 1 : (want + a.n - 1) / std::max<int64_t>(1, a.n);
  pieces = std::max<int64_t>(1, std::min(pieces, a.hw / 64));
  const int64_t per_piece = (a.hw + pieces - 1) / pieces;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, a.c * per_piece));
  parallel_for(a.n * pieces, grain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t b = t / pieces, i0 = (t % pieces) * per_piece, i1 = std::min(a.hw, i0 + per_piece);
      if (i0 < i1) fn(b, i0, i1);
    }
  });
}

// lrnForwardF32(meta = [n, c, hw, size, alpha, beta, k], x, y, scale)
Napi::Value lrn_forward(const Napi::CallbackInfo& cb) {
  LrnArgs a = lrn_args(cb[0]);
  a.x = data_of<float>(cb[1]);
  a.y = data_of<float>(cb[2]);
  a.scale = data_of<float>(cb[3]);
  const Kernels& k = kernels();
  over_images(a, [&](int64_t b, int64_t i0, int64_t i1) { k.lrn_fwd_f32(a, b, i0, i1); });
  return cb.Env().Undefined();
}

// lrnBackwardF32(meta, x, y, scale, dy, dx)
Napi::Value lrn_backward(const Napi::CallbackInfo& cb) {
  LrnArgs a = lrn_args(cb[0]);
  a.x = data_of<float>(cb[1]);
  a.y = data_of<float>(cb[2]);
  a.scale = data_of<float>(cb[3]);
  a.dy = data_of<float>(cb[4]);
  a.dx = data_of<float>(cb[5]);
  const Kernels& k = kernels();
  over_images(a, [&](int64_t b, int64_t i0, int64_t i1) { k.lrn_bwd_f32(a, b, i0, i1); });
  return cb.Env().Undefined();
}

}  // namespace

void register_norm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormForwardF32", Napi::Function::New(env, batch_norm_forward));
  exports.Set("batchNormBackwardF32", Napi::Function::New(env, batch_norm_backward));
  exports.Set("lrnForwardF32", Napi::Function::New(env, lrn_forward));
  exports.Set("lrnBackwardF32", Napi::Function::New(env, lrn_backward));
}

}  // namespace ody
