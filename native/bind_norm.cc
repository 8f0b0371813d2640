// Bindings for batch norm and local response norm on float32 data viewed as [n, c, hw]: batch
// norm spreads channels over the thread pool, LRN spreads images and column blocks.
#include <algorithm>
#include <cmath>
#include <vector>

#include "dispatch.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per thread below which threads cost more than they save
// Planes at least this large are normalised channel by channel (a channel stays in cache between
// the passes); smaller ones by ranges of images, reading memory in order.
constexpr int64_t kChannelWisePlane = 256;

// Runs the per-channel phases of one batch norm call, either way. sums(n0, n1, c0, c1, out...)
// adds per-channel sums into arrays indexed by channel.
class BatchNormRunner {
 public:
  explicit BatchNormRunner(const BatchNormArgs& a) : a_(a), by_channel_(a.hw >= kChannelWisePlane || a.n == 1) {}

  bool by_channel() const { return by_channel_; }

  // out[c] = sum over all images, for channels [c0, c1) (by channel) or all (by images).
  template <class F>
  void sums(int64_t c0, int64_t c1, int outputs, double* out, F&& f) {
    if (by_channel_) {
      for (int o = 0; o < outputs; o++) std::fill(out + o * a_.c + c0, out + o * a_.c + c1, 0.0);
      f(int64_t(0), a_.n, c0, c1, out);
      return;
    }
    // One partial array per task, added in task order.
    const int64_t tasks = std::min<int64_t>(a_.n, std::max<int64_t>(1, (a_.n * a_.c * a_.hw) / kGrain));
    const int64_t parts = std::min<int64_t>(tasks, num_threads());
    std::vector<double> partial(size_t(parts * outputs * a_.c), 0.0);
    parallel_tasks(parts, [&](int64_t t) { f(a_.n * t / parts, a_.n * (t + 1) / parts, int64_t(0), a_.c, partial.data() + t * outputs * a_.c); });
    std::fill(out, out + outputs * a_.c, 0.0);
    for (int64_t t = 0; t < parts; t++)
      for (int64_t i = 0; i < outputs * a_.c; i++) out[i] += partial[size_t(t * outputs * a_.c + i)];
  }

  // f(n0, n1, c0, c1) over the channels given (by channel) or every image, threaded (by images).
  template <class F>
  void apply(int64_t c0, int64_t c1, F&& f) {
    if (by_channel_) { f(int64_t(0), a_.n, c0, c1); return; }
    parallel_for(a_.n, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, a_.c * a_.hw)), [&](int64_t n0, int64_t n1) { f(n0, n1, int64_t(0), a_.c); });
  }

  // fn(c0, c1): each channel on its own, channels in parallel (by channel), or once over all
  // channels (by images, where the phases thread over images themselves).
  template <class F>
  void run(F&& fn) {
    if (!by_channel_) { fn(int64_t(0), a_.c); return; }
    parallel_for(a_.c, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, a_.n * a_.hw)), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; c++) fn(c, c + 1);
    });
  }

 private:
  const BatchNormArgs& a_;
  bool by_channel_;
};

// batchNormForwardF32(meta = [n, c, hw, training, momentum, eps, relu], x, weight?, bias?, runningMean?,
// runningVar?, y, saveMean, saveInvstd, reluAffine? (Float64Array [2c]: the float scale and shift of
// y = (x - saveMean) * scale + shift, for the backward's ReLU mask)
Napi::Value batch_norm_forward(const Napi::CallbackInfo& cb) {
  const double* m = data_of<double>(cb[0]);
  BatchNormArgs a{};
  a.n = int64_t(m[0]); a.c = int64_t(m[1]); a.hw = int64_t(m[2]);
  a.training = m[3] != 0.0; a.momentum = m[4]; a.eps = m[5]; a.relu = m[6] != 0.0;
  a.x = data_of<float>(cb[1]);
  a.weight = data_or_null<float>(cb[2]);
  a.bias = data_or_null<float>(cb[3]);
  a.running_mean = data_or_null<float>(cb[4]);
  a.running_var = data_or_null<float>(cb[5]);
  a.y = data_of<float>(cb[6]);
  a.save_mean = data_of<float>(cb[7]);
  a.save_invstd = data_of<float>(cb[8]);
  double* affine = data_or_null<double>(cb[9]);
  const Kernels& k = kernels();
  const int64_t count = a.n * a.hw;
  if (a.training && count == 0) {  // as PyTorch: nothing to normalise, running statistics untouched
    std::fill(a.save_mean, a.save_mean + a.c, 0.0f);
    std::fill(a.save_invstd, a.save_invstd + a.c, 0.0f);
    if (affine) std::fill(affine, affine + 2 * a.c, 0.0);
    return cb.Env().Undefined();
  }
  // Per channel: the mean rounded to float (the centre), scale and shift of y = (x - centre) * scale + shift.
  std::vector<float> centre(size_t(a.c)), scale(size_t(a.c)), shift(size_t(a.c));
  std::vector<double> sums(size_t(a.c)), mean(size_t(a.c));
  BatchNormRunner run(a);
  run.run([&](int64_t c0, int64_t c1) {
    if (a.training) {
      run.sums(c0, c1, 1, sums.data(), [&](int64_t n0, int64_t n1, int64_t d0, int64_t d1, double* out) { k.bn_sums_f32(a, n0, n1, d0, d1, nullptr, out); });
      for (int64_t c = c0; c < c1; c++) { mean[size_t(c)] = sums[size_t(c)] / double(count); centre[size_t(c)] = float(mean[size_t(c)]); }
      // Second pass around the float centre: x - centre is exact for x near it, and
      // sum (x - centre)^2 = sum (x - mean)^2 + count * (mean - centre)^2 corrects for its rounding.
      run.sums(c0, c1, 1, sums.data(), [&](int64_t n0, int64_t n1, int64_t d0, int64_t d1, double* out) { k.bn_sums_f32(a, n0, n1, d0, d1, centre.data(), out); });
      for (int64_t c = c0; c < c1; c++) {
        const size_t i = size_t(c);
        const double dm = mean[i] - double(centre[i]);
        const double var = std::max(0.0, sums[i] / double(count) - dm * dm);
        const double invstd = 1.0 / std::sqrt(var + a.eps);
        if (a.running_mean) a.running_mean[c] = float((1.0 - a.momentum) * double(a.running_mean[c]) + a.momentum * mean[i]);
        if (a.running_var) a.running_var[c] = float((1.0 - a.momentum) * double(a.running_var[c]) + a.momentum * var * double(count) / double(count - 1));
        a.save_mean[c] = centre[i];
        a.save_invstd[c] = float(invstd);
        const double sc = (a.weight ? double(a.weight[c]) : 1.0) * invstd;
        scale[i] = float(sc);
        shift[i] = float((a.bias ? double(a.bias[c]) : 0.0) - dm * sc);
      }
    } else {
      for (int64_t c = c0; c < c1; c++) {
        const size_t i = size_t(c);
        centre[i] = a.running_mean ? a.running_mean[c] : 0.0f;
        const double invstd = 1.0 / std::sqrt((a.running_var ? double(a.running_var[c]) : 1.0) + a.eps);
        a.save_mean[c] = centre[i];
        a.save_invstd[c] = float(invstd);
        scale[i] = float((a.weight ? double(a.weight[c]) : 1.0) * invstd);
        shift[i] = a.bias ? a.bias[c] : 0.0f;
      }
    }
    if (affine) {
      std::copy(scale.begin() + c0, scale.begin() + c1, affine + c0);
      std::copy(shift.begin() + c0, shift.begin() + c1, affine + a.c + c0);
    }
    run.apply(c0, c1, [&](int64_t n0, int64_t n1, int64_t d0, int64_t d1) { k.bn_normalize_f32(a, n0, n1, d0, d1, centre.data(), scale.data(), shift.data()); });
  });
  return cb.Env().Undefined();
}

// batchNormBackwardF32(meta = [n, c, hw, training], x, dy, weight?, saveMean, saveInvstd, dx?, dweight?, dbias?,
// reluAffine? (Float64Array [2c] the fused ReLU's forward wrote: dy counts where that forward's y > 0))
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
  const double* affine = data_or_null<double>(cb[9]);
  std::vector<float> relu_affine(affine ? size_t(2 * a.c) : 0);  // the forward's float factors, exactly
  for (size_t i = 0; i < relu_affine.size(); i++) relu_affine[i] = float(affine[i]);
  a.relu_affine = affine ? relu_affine.data() : nullptr;
  const Kernels& k = kernels();
  const int64_t count = a.n * a.hw;
  std::vector<double> sums(size_t(2 * a.c));  // sum of dy, then sum of dy * (x - mean)
  std::vector<float> mean_dy(size_t(a.c)), kk(size_t(a.c)), scale(size_t(a.c));
  BatchNormRunner run(a);
  run.run([&](int64_t c0, int64_t c1) {
    run.sums(c0, c1, 2, sums.data(), [&](int64_t n0, int64_t n1, int64_t d0, int64_t d1, double* out) { k.bn_grad_sums_f32(a, n0, n1, d0, d1, out, out + a.c); });
    for (int64_t c = c0; c < c1; c++) {
      const size_t i = size_t(c);
      const double sg = sums[i], sgx = sums[size_t(a.c) + i], invstd = double(a.save_invstd[c]);
      if (a.dbias) a.dbias[c] = float(sg);
      if (a.dweight) a.dweight[c] = count == 0 ? 0.0f : float(sgx * invstd);
      // dx = (dy - mean(dy) - (x - mean) * k) * scale with k = mean(dy * (x - mean)) * invstd^2
      scale[i] = float((a.weight ? double(a.weight[c]) : 1.0) * invstd);
      mean_dy[i] = count == 0 ? 0.0f : float(sg / double(count));
      kk[i] = count == 0 ? 0.0f : float(sgx / double(count) * invstd * invstd);
    }
    if (!a.dx) return;
    const float* kp = a.training ? kk.data() : nullptr;
    run.apply(c0, c1, [&](int64_t n0, int64_t n1, int64_t d0, int64_t d1) { k.bn_normalize_grad_f32(a, n0, n1, d0, d1, mean_dy.data(), kp, scale.data()); });
  });
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
