// The addon's entry point: registers every family of bindings.
#include "napi_util.h"

namespace ody {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  register_core(env, exports);
  register_elementwise(env, exports);
  return exports;
}

}  // namespace ody

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ody::init(env, exports); }

NODE_API_MODULE(odyssey, InitAddon)
