// Bindings for float32 GEMM: batched, strided, any transpose (driver in gemm/gemm.cc).
#include <algorithm>

#include "gemm/gemm.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

// gemmF32(transA, transB, a, b, c, meta): meta (Float64Array) = [m, n, k, alpha, beta, aOff, lda,
// bOff, ldb, cOff, ldc, batch, strideA, strideB, strideC].
Napi::Value gemm_f32(const Napi::CallbackInfo& cb) {
  const bool ta = boolean(cb[0]), tb = boolean(cb[1]);
  const float* a = data_of<float>(cb[2]);
  const float* b = data_of<float>(cb[3]);
  float* c = data_of<float>(cb[4]);
  const double* meta = data_of<double>(cb[5]);
  const int64_t m = int64_t(meta[0]), n = int64_t(meta[1]), k = int64_t(meta[2]);
  const float alpha = float(meta[3]), beta = float(meta[4]);
  const int64_t aoff = int64_t(meta[5]), lda = int64_t(meta[6]), boff = int64_t(meta[7]), ldb = int64_t(meta[8]);
  const int64_t coff = int64_t(meta[9]), ldc = int64_t(meta[10]), batch = int64_t(meta[11]);
  const int64_t sa = int64_t(meta[12]), sb = int64_t(meta[13]), sc = int64_t(meta[14]);
  auto one = [&](int64_t t) {
    sgemm_rowmajor(ta, tb, m, n, k, alpha, a + aoff + t * sa, lda, b + boff + t * sb, ldb, beta, c + coff + t * sc, ldc);
  };
  // Many small products: one per thread at a time beats splitting each one.
  const double work = double(m) * double(n) * double(std::max<int64_t>(k, 1));
  if (batch > 1 && work < double(1 << 21)) parallel_tasks(batch, one);
  else for (int64_t t = 0; t < batch; t++) one(t);
  return cb.Env().Undefined();
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemmF32", Napi::Function::New(env, gemm_f32));
}

}  // namespace ody
