// The float32 GEMM driver used by matmul, linear layers and the convolutions:
//   C = alpha * A B + beta * C (+ a bias per row of C), A is m x k, B is k x n.
// Operands are read either from a strided matrix or through a packing callback, so a convolution
// can pack its image straight into the GEMM's panels (implicit im2col) without a column buffer.
// C may be split into column segments (one per image of a batch). With beta = 0, C is never read.
#pragma once
#include <cstdint>

namespace ody {

// Packs one sliver: rows [r0, r0 + rn) (rn <= w) of the operand for k in [k0, k0 + kc) into
// dst[kk * w + rr], writing zeros for rows rn..w-1. "Rows" are the rows of A or the columns of B.
// A packer marked `runs` takes any rn and packs ceil(rn / w) slivers, sliver s at dst + s * kc * w.
using GemmPackFn = void (*)(const void* ctx, int64_t r0, int rn, int64_t k0, int64_t kc, int w, float* dst);

struct GemmOperand {
  // A strided matrix: element (row r, depth p) at p_[r * rs + p * ks] ...
  const float* p = nullptr;
  int64_t rs = 0, ks = 0;
  // ... or, when pack is set, a callback.
  GemmPackFn pack = nullptr;
  const void* ctx = nullptr;
  bool runs = false;
  // Row r of this operand is row first_row + r of the source (for working on a slice).
  int64_t first_row = 0;

  static GemmOperand matrix(const float* p, int64_t rs, int64_t ks) { GemmOperand o; o.p = p; o.rs = rs; o.ks = ks; return o; }
  static GemmOperand packed_by(GemmPackFn fn, const void* ctx, bool runs = false) {
    GemmOperand o;
    o.pack = fn;
    o.ctx = ctx;
    o.runs = runs;
    return o;
  }
};

struct GemmOutput {
  // Element (i, j) lives at c + i * ldc + (j / seg) * seg_stride + j % seg; seg = 0 means one segment.
  float* c = nullptr;
  int64_t ldc = 0;
  int64_t seg = 0, seg_stride = 0;
  // Column j of this output is column first_col + j of the map above (for working on a slice).
  int64_t first_col = 0;
  // Added to every element of row i (nullptr: none).
  const float* row_bias = nullptr;
};

// Threaded on the pool (runs single-threaded when called from inside a parallel region).
void sgemm(int64_t m, int64_t n, int64_t k, float alpha, const GemmOperand& a, const GemmOperand& b, float beta,
           const GemmOutput& c);

// Row-major BLAS-style convenience: C = alpha op(A) op(B) + beta C.
void sgemm_rowmajor(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                    int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace ody
