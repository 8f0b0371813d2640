// Plain Node-API and a call frame for the hottest bindings (elementwise ops, casts, copies,
// reductions). A small op from TypeScript costs mostly the crossing into C++, and measured on this
// machine the expensive parts are per argument: about 15-30 ns for each typed array's data pointer
// (several times that when its element type is asked for too), a few ns per number, plus
// node-addon-api's wrappers (CallbackInfo allocates past six arguments). So these functions take
// only their data arrays as arguments; every scalar (op code, offsets, sizes, shapes, strides,
// element kinds) travels in the call frame, a Float64Array that TypeScript registers once per
// thread (bindFrame) and refills before each call. Results that are flags go back through the
// frame too. Like napi_util.h these only unpack: TypeScript has validated everything.
#pragma once
#include <node_api.h>

#include <cstdint>

namespace ody {

// The frame registered on this thread (nullptr before bindFrame). Slot 0 is the status a call
// leaves for TypeScript (1 handled, 0 not handled); arguments start at slot 1.
double* call_frame();
constexpr int kFrameStatus = 0;
constexpr int kFrameArgs = 1;
constexpr int kFrameSize = 512;

// bindFrame(frame: Float64Array of kFrameSize): registers the frame for the calling thread.
napi_value bind_frame(napi_env env, napi_callback_info info);

template <size_t N>
struct RawArgs {
  napi_env env;
  napi_value v[N];

  RawArgs(napi_env e, napi_callback_info info) : env(e) {
    size_t argc = N;
    napi_get_cb_info(e, info, &argc, v, nullptr, nullptr);
  }

  // The data pointer of typed array argument i (its element type is known from the frame).
  template <class T>
  T* data(size_t i) const {
    void* d = nullptr;
    napi_get_typedarray_info(env, v[i], nullptr, nullptr, &d, nullptr, nullptr);
    return static_cast<T*>(d);
  }
};

inline void export_raw(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  napi_set_named_property(env, exports, name, fn);
}

// Element kinds of the arrays a call receives, as the frame encodes them (mirrors
// ARRAY_KIND in src/backend/native-elementwise.ts).
enum ArrayKind { kArrF32 = 0, kArrF64 = 1, kArrU16 = 2, kArrI32 = 3, kArrU8 = 4, kArrI64 = 5 };

}  // namespace ody
