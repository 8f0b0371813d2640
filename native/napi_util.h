// Helpers for the Node-API bindings. TypeScript validates every argument before calling in, so
// these only unpack; the checks here are cheap guards against a wrong binding, not user errors.
#pragma once
#include <napi.h>

#include <cstdint>

namespace ody {

template <class T>
inline T* data_of(const Napi::Value& v) {
  napi_value val = v;
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value ab;
  size_t off;
  napi_get_typedarray_info(v.Env(), val, &type, &length, &data, &ab, &off);
  return static_cast<T*>(data);
}

template <class T>
inline T* data_or_null(const Napi::Value& v) {
  return v.IsNull() || v.IsUndefined() ? nullptr : data_of<T>(v);
}

inline int64_t i64(const Napi::Value& v) { return int64_t(v.As<Napi::Number>().DoubleValue()); }
inline int32_t i32(const Napi::Value& v) { return v.As<Napi::Number>().Int32Value(); }
inline double f64(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }
inline bool boolean(const Napi::Value& v) { return v.As<Napi::Boolean>().Value(); }

// Each bindings file registers its functions on the exports object.
void register_core(Napi::Env env, Napi::Object exports);
void register_elementwise(Napi::Env env, Napi::Object exports);
void register_pool(Napi::Env env, Napi::Object exports);
void register_norm(Napi::Env env, Napi::Object exports);
void register_softmax(Napi::Env env, Napi::Object exports);
void register_gemm(Napi::Env env, Napi::Object exports);
void register_conv(Napi::Env env, Napi::Object exports);
void register_bench(Napi::Env env, Napi::Object exports);
void register_optim(Napi::Env env, Napi::Object exports);
void register_cast(Napi::Env env, Napi::Object exports);
void register_copy(Napi::Env env, Napi::Object exports);
void register_reduce(Napi::Env env, Napi::Object exports);

}  // namespace ody
