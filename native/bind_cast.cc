// Binding for casts between element kinds (CastKind in dispatch.h), threaded for large arrays.
#include "dispatch.h"
#include "napi_raw.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kGrain = 1 << 16;
const int kKindSize[] = {4, 8, 2, 2, 4, 1, 1, 8};

// castKinds(src, dst); frame [srcKind, srcOff, dstKind, dstOff, n]
napi_value cast_kinds(napi_env env, napi_callback_info info) {
  const double* f = call_frame();
  if (!f) return nullptr;
  RawArgs<2> a(env, info);
  const double* p = f + kFrameArgs;
  const int sk = int(p[0]), dk = int(p[2]);
  const char* src = a.data<char>(0) + int64_t(p[1]) * kKindSize[sk];
  char* dst = a.data<char>(1) + int64_t(p[3]) * kKindSize[dk];
  const int64_t n = int64_t(p[4]);
  const Kernels& k = kernels();
  auto run = [&](int64_t b, int64_t e) { k.cast(sk, dk, src + b * kKindSize[sk], dst + b * kKindSize[dk], e - b); };
  if (n <= kGrain) run(0, n);
  else parallel_for(n, kGrain, run);
  return nullptr;
}

}  // namespace

void register_cast(Napi::Env env, Napi::Object exports) {
  export_raw(env, exports, "castKinds", cast_kinds);
}

}  // namespace ody
