// Binding for casts between element kinds (CastKind in dispatch.h), threaded for large arrays.
#include "dispatch.h"
#include "napi_raw.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kGrain = 1 << 16;
const int kKindSize[] = {4, 8, 2, 2, 4, 1, 1, 8};

// castKinds(srcKind, src, srcOff, dstKind, dst, dstOff, n)
napi_value cast_kinds(napi_env env, napi_callback_info info) {
  RawArgs<7> a(env, info);
  const int sk = a.i32(0), dk = a.i32(3);
  const char* src = a.data<char>(1) + a.i64(2) * kKindSize[sk];
  char* dst = a.data<char>(4) + a.i64(5) * kKindSize[dk];
  const int64_t n = a.i64(6);
  const Kernels& k = kernels();
  auto run = [&](int64_t b, int64_t e) { k.cast(sk, dk, src + b * kKindSize[sk], dst + b * kKindSize[dk], e - b); };
  if (n <= kGrain) run(0, n);
  else parallel_for(n, kGrain, run);
  return a.undefined();
}

}  // namespace

void register_cast(Napi::Env env, Napi::Object exports) {
  export_raw(env, exports, "castKinds", cast_kinds);
}

}  // namespace ody
