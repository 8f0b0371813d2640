// The addon's entry point: registers every family of bindings.
#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "napi_util.h"

namespace ody {

// Training allocates and frees the same large activation buffers every step. By default glibc
// serves each one with a fresh mmap and returns it on free, so every step pays page faults on
// tens of megabytes. Keeping large blocks in the heap (up to glibc's 32 MB cap) and not trimming
// it lets freed buffers be reused. ODYSSEY_MALLOC_TUNING=0 leaves malloc alone.
static void tune_malloc() {
#if defined(__GLIBC__)
  const char* env = std::getenv("ODYSSEY_MALLOC_TUNING");
  if (env && std::strcmp(env, "0") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
#endif
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  tune_malloc();
  register_core(env, exports);
  register_elementwise(env, exports);
  register_pool(env, exports);
  register_norm(env, exports);
  register_softmax(env, exports);
  register_gemm(env, exports);
  register_conv(env, exports);
  register_bench(env, exports);
  register_optim(env, exports);
  register_cast(env, exports);
  register_copy(env, exports);
  register_reduce(env, exports);
  return exports;
}

}  // namespace ody

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ody::init(env, exports); }

NODE_API_MODULE(odyssey, InitAddon)
