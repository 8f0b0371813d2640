// Plain Node-API for the hottest bindings (elementwise ops, casts, copies, reductions). A small op
// from TypeScript is dominated by call overhead, and node-addon-api's CallbackInfo allocates
// when a function takes more than six arguments and wraps every value; reading the arguments
// straight into a stack array saves that. Like napi_util.h these only unpack: TypeScript has
// validated everything.
#pragma once
#include <node_api.h>

#include <cstdint>

namespace ody {

template <size_t N>
struct RawArgs {
  napi_env env;
  napi_value v[N];

  RawArgs(napi_env e, napi_callback_info info) : env(e) {
    size_t argc = N;
    napi_get_cb_info(e, info, &argc, v, nullptr, nullptr);
  }

  template <class T>
  T* data(size_t i) const {
    void* d = nullptr;
    napi_get_typedarray_info(env, v[i], nullptr, nullptr, &d, nullptr, nullptr);
    return static_cast<T*>(d);
  }

  // The data pointer and element type of a typed array.
  void* data_type(size_t i, napi_typedarray_type* type) const {
    void* d = nullptr;
    napi_get_typedarray_info(env, v[i], type, nullptr, &d, nullptr, nullptr);
    return d;
  }

  double f64(size_t i) const {
    double d = 0;
    napi_get_value_double(env, v[i], &d);
    return d;
  }
  int64_t i64(size_t i) const { return int64_t(f64(i)); }
  int32_t i32(size_t i) const {
    int32_t x = 0;
    napi_get_value_int32(env, v[i], &x);
    return x;
  }

  napi_value boolean(bool b) const {
    napi_value r;
    napi_get_boolean(env, b, &r);
    return r;
  }
  napi_value undefined() const {
    napi_value r;
    napi_get_undefined(env, &r);
    return r;
  }
};

inline void export_raw(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  napi_set_named_property(env, exports, name, fn);
}

}  // namespace ody
