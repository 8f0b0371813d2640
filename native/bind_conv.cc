// Bindings for float32 conv2d (driver in conv/conv.cc).
#include "conv/conv.h"
#include "conv/winograd.h"
#include "napi_util.h"

namespace ody {
namespace {

// meta (Float64Array) = [n, c, h, w, k, r, s, strideH, strideW, padH, padW, dilationH, dilationW, groups, oh, ow]
ConvGeom geom_of(const Napi::Value& v) {
  const double* m = data_of<double>(v);
  return ConvGeom{int64_t(m[0]), int64_t(m[1]), int64_t(m[2]), int64_t(m[3]), int64_t(m[4]), int64_t(m[5]),
                  int64_t(m[6]), int64_t(m[7]), int64_t(m[8]), int64_t(m[9]), int64_t(m[10]), int64_t(m[11]),
                  int64_t(m[12]), int64_t(m[13]), int64_t(m[14]), int64_t(m[15])};
}

// conv2dForwardF32(x, w, bias | null, y, meta)
Napi::Value forward(const Napi::CallbackInfo& cb) {
  conv2d_forward(geom_of(cb[4]), data_of<float>(cb[0]), data_of<float>(cb[1]), data_or_null<float>(cb[2]), data_of<float>(cb[3]));
  return cb.Env().Undefined();
}

// conv2dBackwardInputF32(dy, w, dx, meta)
Napi::Value backward_input(const Napi::CallbackInfo& cb) {
  conv2d_backward_input(geom_of(cb[3]), data_of<float>(cb[0]), data_of<float>(cb[1]), data_of<float>(cb[2]));
  return cb.Env().Undefined();
}

// conv2dBackwardWeightF32(x, dy, dw, dbias | null, meta)
Napi::Value backward_weight(const Napi::CallbackInfo& cb) {
  conv2d_backward_weight(geom_of(cb[4]), data_of<float>(cb[0]), data_of<float>(cb[1]), data_of<float>(cb[2]), data_or_null<float>(cb[3]));
  return cb.Env().Undefined();
}

// setConvAlgo('auto' | 'winograd' | 'gemm'): which path 3x3 stride-1 convolutions take (for tests)
Napi::Value set_conv_algo(const Napi::CallbackInfo& cb) {
  return Napi::Boolean::New(cb.Env(), set_winograd_mode(cb[0].As<Napi::String>().Utf8Value().c_str()));
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2dForwardF32", Napi::Function::New(env, forward));
  exports.Set("conv2dBackwardInputF32", Napi::Function::New(env, backward_input));
  exports.Set("conv2dBackwardWeightF32", Napi::Function::New(env, backward_weight));
  exports.Set("setConvAlgo", Napi::Function::New(env, set_conv_algo));
}

}  // namespace ody
