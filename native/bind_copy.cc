// Bindings for strided copies and fills of any element size (1, 2, 4 or 8 bytes).
#include <algorithm>
#include <cstring>

#include "dispatch.h"
#include "napi_raw.h"
#include "napi_util.h"
#include "strided.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kGrainBytes = 1 << 18;

template <class T>
void strided_row(const T* s, int64_t ss, T* d, int64_t ds, int64_t n) {
  if (ss == 1 && ds == 1) {
    for (int64_t i = 0; i < n; i++) d[i] = s[i];
  } else if (ss == 0 && ds == 1) {  // a broadcast source (expand().contiguous())
    std::fill(d, d + n, s[0]);
  } else {
    for (int64_t i = 0; i < n; i++) d[i * ds] = s[i * ss];
  }
}

// A block of rows along the innermost dimension with arbitrary strides.
void strided_rows(int es, const char* s, int64_t s_row, int64_t s_col, char* d, int64_t d_row, int64_t d_col, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    const char* sr = s + r * s_row * es;
    char* dr = d + r * d_row * es;
    if (s_col == 1 && d_col == 1 && cols * es >= 64) { std::memcpy(dr, sr, size_t(cols * es)); continue; }
    switch (es) {
      case 1: strided_row(reinterpret_cast<const uint8_t*>(sr), s_col, reinterpret_cast<uint8_t*>(dr), d_col, cols); break;
      case 2: strided_row(reinterpret_cast<const uint16_t*>(sr), s_col, reinterpret_cast<uint16_t*>(dr), d_col, cols); break;
      case 4: strided_row(reinterpret_cast<const uint32_t*>(sr), s_col, reinterpret_cast<uint32_t*>(dr), d_col, cols); break;
      default: strided_row(reinterpret_cast<const uint64_t*>(sr), s_col, reinterpret_cast<uint64_t*>(dr), d_col, cols); break;
    }
  }
}

// Moves dimension i to position `to` (shifting the ones between).
void move_dim(Strided<2>& s, int i, int to) {
  while (i < to) {
    std::swap(s.shape[i], s.shape[i + 1]);
    for (int k = 0; k < 2; k++) std::swap(s.st[k][i], s.st[k][i + 1]);
    i++;
  }
  while (i > to) {
    std::swap(s.shape[i], s.shape[i - 1]);
    for (int k = 0; k < 2; k++) std::swap(s.st[k][i], s.st[k][i - 1]);
    i--;
  }
}

// copyStrided(src, dst); frame [elemSize, ndim, shape..., srcOff, srcStrides..., dstOff, dstStrides...].
// Contiguous rows go through memcpy; when the source is contiguous along one dimension and the
// destination along another, the pair becomes a blocked 2-d transpose; anything else walks
// element by element along the innermost dimension.
napi_value copy_strided(napi_env env, napi_callback_info info) {
  const double* f = call_frame();
  if (!f) return nullptr;
  RawArgs<2> a(env, info);
  const char* src = a.data<char>(0);
  char* dst = a.data<char>(1);
  const int es = int(f[kFrameArgs]);
  Strided<2> s;
  s.read(f + kFrameArgs + 1, 0);
  if (s.numel() == 0) return nullptr;
  s.simplify();
  int si = -1, di = -1;  // the innermost dimension where the source / destination has stride 1
  for (int d = 0; d < s.nd; d++) {
    if (s.st[0][d] == 1) si = d;
    if (s.st[1][d] == 1) di = d;
  }
  const int64_t grain = std::max<int64_t>(1, kGrainBytes / es);
  if (si >= 0 && di >= 0 && si != di && s.nd >= 2) {
    move_dim(s, di, s.nd - 1);
    for (int d = 0; d < s.nd; d++) if (s.st[0][d] == 1) si = d;
    move_dim(s, si, s.nd - 2);
    const Kernels& k = kernels();
    const int64_t src_col = s.st[0][s.nd - 1], dst_row = s.st[1][s.nd - 2];
    s.run(grain, [&](const int64_t* o, int64_t rows, int64_t cols) {
      k.transpose(es, src + o[0] * es, src_col, dst + o[1] * es, dst_row, rows, cols);
    });
    return nullptr;
  }
  if (di >= 0 && di != s.nd - 1) move_dim(s, di, s.nd - 1);
  s.run(grain, [&](const int64_t* o, int64_t rows, int64_t cols) {
    strided_rows(es, src + o[0] * es, s.row_stride(0), s.col_stride(0), dst + o[1] * es, s.row_stride(1), s.col_stride(1), rows, cols);
  });
  return nullptr;
}

template <class T>
void fill_as(void* p, int64_t n, double v) {
  T* d = static_cast<T*>(p);
  const T x = static_cast<T>(v);
  auto run = [&](int64_t b, int64_t e) { std::fill(d + b, d + e, x); };
  if (n * int64_t(sizeof(T)) <= kGrainBytes) run(0, n);
  else parallel_for(n, kGrainBytes / int64_t(sizeof(T)), run);
}

// fill(dst); frame [kind (ArrayKind), dstOff, n, value]: value is already the element's value
// (TypeScript converts it the way a typed array store would), so the cast here is exact.
napi_value fill(napi_env env, napi_callback_info info) {
  double* f = call_frame();
  if (!f) return nullptr;
  RawArgs<1> a(env, info);
  const double* p = f + kFrameArgs;
  char* base = a.data<char>(0);
  const int64_t off = int64_t(p[1]), n = int64_t(p[2]);
  const double v = p[3];
  f[kFrameStatus] = 1;
  switch (int(p[0])) {
    case kArrF32: fill_as<float>(base + off * 4, n, v); break;
    case kArrF64: fill_as<double>(base + off * 8, n, v); break;
    case kArrI32: fill_as<int32_t>(base + off * 4, n, v); break;
    case kArrU16: fill_as<uint16_t>(base + off * 2, n, v); break;
    case kArrU8: fill_as<uint8_t>(base + off, n, v); break;
    default: f[kFrameStatus] = 0; break;
  }
  return nullptr;
}

}  // namespace

void register_copy(Napi::Env env, Napi::Object exports) {
  export_raw(env, exports, "copyStrided", copy_strided);
  export_raw(env, exports, "fill", fill);
}

}  // namespace ody
