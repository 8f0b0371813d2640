// The table of instruction-set-specific kernels. Each ISA library (isa/kernels_*.cc) compiles the
// same kernel sources with its own compiler flags and fills one table; dispatch.cc picks the best
// table the CPU supports (or the one set with ODYSSEY_ISA / setIsa, for testing every path).
// Kernels here are inner loops: threading, strides and argument handling live in the callers.
#pragma once
#include <cstdint>

#include "nn_args.h"

namespace ody {

struct ConvGeom;
struct WideForwardArgs;
struct WideWeightArgs;
struct WideScatterArgs;
struct PointwiseWeightArgs;
struct DwPlan;
struct WinoInputArgs;
struct WinoOutputArgs;

// elementwise: a rows x cols block of a binary op; out row r starts at r * out_row (its columns
// are contiguous), a and b step by (a_row, a_col) and (b_row, b_col) elements.
struct BinaryBlock {
  const float* a; int64_t a_row, a_col;
  const float* b; int64_t b_row, b_col;
  int64_t rows, cols, out_row;
};

// casts: element kinds (mirrored by CAST_KIND in src/backend/native-cast.ts)
enum CastKind { kCastF32 = 0, kCastF64 = 1, kCastF16 = 2, kCastBF16 = 3, kCastI32 = 4, kCastU8 = 5, kCastBool = 6, kCastI64 = 7 };

// reductions: the partial result of one row or column. value holds sums (in double), extremes
// and any/all; index the argmax/argmin position (value is then the element there).
struct ReducePartial {
  double value;
  int64_t index;
};

// gemm: where a micro-kernel's block of C goes and how it is updated (see gemm_ukernel).
struct GemmTile {
  float* c0;             // row 0 of the first nr/2 columns ...
  float* c1;             // ... and of the last nr/2 (c0 + nr/2 when contiguous)
  int64_t ldc;           // floats between rows
  int cols;              // valid columns, 1..nr
  float alpha, beta;
  const float* bias;     // per row, or nullptr
  const float* a_next;   // the next A sliver, prefetched while this one runs (or nullptr)
};

struct Kernels {
  const char* isa = "none";
  // Families append their entries below (keep one block per family).

  // elementwise (kernels/elementwise.inl); the bool ones return false for an op code they do not
  // handle (the caller then falls back to TypeScript)
  bool (*unary_f32)(int op, const float* x, float* y, int64_t n, double p1, double p2) = nullptr;
  bool (*unary_f32_u8)(int op, const float* x, uint8_t* y, int64_t n) = nullptr;
  void (*affine_f32)(const float* x, float* y, int64_t n, double p1, double p2) = nullptr;
  bool (*binary_f32)(int op, const BinaryBlock& blk, float* out, double p1) = nullptr;
  bool (*compare_f32_u8)(int op, const BinaryBlock& blk, uint8_t* out) = nullptr;
  void (*where_f32)(const uint8_t* c, int64_t sc, const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) = nullptr;
  void (*addc_f32)(bool mul, float* y, const float* t1, const float* t2, double value, int64_t n) = nullptr;

  // pooling (kernels/pool.inl) over planes [p0, p1)
  void (*maxpool2d_f32)(const Pool2dArgs& g, const float* x, float* y, int32_t* idx, int64_t p0, int64_t p1) = nullptr;
  void (*maxpool2d_bwd_f32)(const Pool2dArgs& g, const float* dy, const int32_t* idx, float* dx, int64_t p0, int64_t p1) = nullptr;
  void (*avgpool2d_f32)(const Pool2dArgs& g, const float* x, float* y, bool include_pad, float divisor, int64_t p0, int64_t p1) = nullptr;
  void (*avgpool2d_bwd_f32)(const Pool2dArgs& g, const float* dy, float* dx, bool include_pad, float divisor, int64_t p0, int64_t p1) = nullptr;
  void (*adaptive_avgpool2d_f32)(int64_t h, int64_t w, int64_t oh, int64_t ow, const float* x, float* y, int64_t p0, int64_t p1) = nullptr;
  void (*adaptive_avgpool2d_bwd_f32)(int64_t h, int64_t w, int64_t oh, int64_t ow, const float* dy, float* dx, int64_t p0, int64_t p1) = nullptr;

  // normalisation (kernels/norm.inl). Batch norm phases over images [n0, n1) and channels [c0, c1)
  // (per-channel outputs indexed by channel); LRN over image b, columns [i0, i1).
  void (*bn_sums_f32)(const BatchNormArgs& a, int64_t n0, int64_t n1, int64_t c0, int64_t c1, const float* center, double* out) = nullptr;
  void (*bn_grad_sums_f32)(const BatchNormArgs& a, int64_t n0, int64_t n1, int64_t c0, int64_t c1, double* sum_g, double* sum_gx) = nullptr;
  void (*bn_normalize_f32)(const BatchNormArgs& a, int64_t n0, int64_t n1, int64_t c0, int64_t c1, const float* center, const float* scale, const float* shift) = nullptr;
  void (*bn_normalize_grad_f32)(const BatchNormArgs& a, int64_t n0, int64_t n1, int64_t c0, int64_t c1, const float* mean_dy, const float* k, const float* scale) = nullptr;
  void (*lrn_fwd_f32)(const LrnArgs& a, int64_t b, int64_t i0, int64_t i1) = nullptr;
  void (*lrn_bwd_f32)(const LrnArgs& a, int64_t b, int64_t i0, int64_t i1) = nullptr;

  // softmax / log-softmax (kernels/softmax.inl) over [outer, dim, inner]: rows [o0, o1), columns [i0, i1)
  void (*softmax_f32)(const float* x, float* y, int64_t dim, int64_t inner, int64_t o0, int64_t o1, int64_t i0, int64_t i1, bool log) = nullptr;
  void (*softmax_bwd_f32)(const float* y, const float* dy, float* dx, int64_t dim, int64_t inner, int64_t o0, int64_t o1, int64_t i0, int64_t i1, bool log) = nullptr;
  // gemm (kernels/gemm.inl; driver in gemm/gemm.cc): micro-kernel shape, kernels
  int gemm_mr = 0, gemm_nr = 0;
  // rows (1..mr) x t.cols block: C = alpha * A B + beta * C (beta == 0: C not read) + bias[i] (if
  // not null); A packed (a[p * mr + i]), B row p at b + p * ldb (packed: ldb = nr)
  void (*gemm_ukernel)(int rows, int64_t kc, const float* a, const float* b, int64_t ldb, const GemmTile& t) = nullptr;
  // ceil(rn / w) packed slivers: element (i, p) at src[i * rs + p * ks] -> dst[(i / w) * kc * w + p * w + i % w]
  void (*gemm_pack)(const float* src, int64_t rs, int64_t ks, int rn, int64_t kc, int w, float* dst) = nullptr;
  // independent FMA chains for `iters` rounds; returns the flops done (result stored to *sink)
  double (*peak_fma)(int64_t iters, float* sink) = nullptr;

  // conv (kernels/conv.inl; driver in conv/conv.cc). ctx of the packers: conv/conv_geom.h
  void (*conv_pack_im2col)(const void* ctx, int64_t r0, int rn, int64_t k0, int64_t kc, int w, float* dst) = nullptr;
  void (*conv_pack_nhwc_taps)(const void* ctx, int64_t r0, int rn, int64_t k0, int64_t kc, int w, float* dst) = nullptr;
  void (*conv_col2im)(const ConvGeom& g, const float* col, int64_t ldcol, int64_t ci, float* dx_plane) = nullptr;
  // (kernels/conv_gemm.inl) runs of slivers over a PlaneSource; nullptr where the ISA has none
  void (*conv_pack_planes)(const void* ctx, int64_t r0, int rn, int64_t k0, int64_t kc, int w, float* dst) = nullptr;
  // dst[j] = src[j * step] for j < n
  void (*conv_gather_row)(const float* src, int64_t step, float* dst, int64_t n) = nullptr;
  // (kernels/conv_wide.inl; driver conv/conv_wide.cc) direct stride-1 convolution over wide
  // planes: forward over images [b0, b1); a weight-gradient tile of kn <= conv_wide_kb rows from k0
  // by jn <= conv_wide_jb columns from j0
  void (*conv_wide_forward)(const WideForwardArgs& a, int64_t b0, int64_t b1) = nullptr;
  void (*conv_wide_weight)(const WideWeightArgs& a, int64_t k0, int kn, int64_t j0, int jn) = nullptr;
  // input gradient scattered from dy over images [b0, b1)
  void (*conv_wide_scatter)(const WideScatterArgs& a, int64_t b0, int64_t b1) = nullptr;
  int conv_wide_kb = 0, conv_wide_jb = 0;
  // (kernels/conv_pointwise_weight.inl; driver conv/pointwise_weight.cc) a kn <= pw_dw_kb by
  // jn <= pw_dw_jb tile of a pointwise weight gradient, written (accumulate false) or added;
  // nullptr where the ISA has none
  void (*pw_dw_tile)(const PointwiseWeightArgs& a, int kn, int jn, bool accumulate) = nullptr;
  int pw_dw_kb = 0, pw_dw_jb = 0;
  // rows [r0, r0 + rows) of planes of P floats (image stride img), depth (image, pixel) indices
  // [q0, q1), copied into contiguous rows of q1 - q0
  void (*pw_copy_rows)(const float* src, int64_t img, int64_t P, int64_t r0, int64_t rows, int64_t q0, int64_t q1,
                       float* dst) = nullptr;
  // (kernels/conv_winograd.inl; driver conv/winograd.cc) F(2x2, 3x3) transforms of tiles [t0, t1)
  void (*wino_input)(const WinoInputArgs& a, int64_t t0, int64_t t1, float* v) = nullptr;
  void (*wino_output)(const WinoOutputArgs& a, int64_t t0, int64_t t1, const float* m) = nullptr;
  // transformed weights for inputs [i0, i1), as packed GEMM A slivers (see the kernel)
  void (*wino_weights)(const float* w, int64_t co, int64_t ci, bool flip, int64_t i0, int64_t i1, const int64_t* row0,
                       int64_t nsa, int64_t xstride, int mr, float* u) = nullptr;

  // depthwise conv (kernels/depthwise*.inl; driver in conv/depthwise.cc). General kernels over
  // output planes [p0, p1) (forward), input planes (input gradient) or output channels (weight
  // gradient); channel-vectorised ones (plan: conv/depthwise_plan.h) over channels [c0, c1), which
  // start on a multiple of the unit of dwc_lanes lanes (see the driver)
  void (*dw_forward)(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y, int64_t p0, int64_t p1) = nullptr;
  void (*dw_backward_input)(const ConvGeom& g, const float* dy, const float* w, float* dx, int64_t p0, int64_t p1) = nullptr;
  void (*dw_backward_weight)(const ConvGeom& g, const float* x, const float* dy, float* dw, int64_t k0, int64_t k1) = nullptr;
  int dwc_lanes = 0;
  void (*dwc_forward)(const DwPlan& p, const float* x, const float* w, const float* bias, float* y, int64_t c0, int64_t c1) = nullptr;
  void (*dwc_backward_input)(const DwPlan& p, const float* dy, const float* w, float* dx, int64_t c0, int64_t c1) = nullptr;
  void (*dwc_backward_weight)(const DwPlan& p, const float* x, const float* dy, float* dw, int64_t c0, int64_t c1) = nullptr;

  // optimizers (kernels/optim.inl): fused in-place updates over n contiguous elements; h holds the
  // coefficients as laid out by src/backend/native-optim.ts; absent state pointers are nullptr
  void (*sgd_f32)(float* p, const float* g, float* buf, int64_t n, const double* h) = nullptr;
  void (*adam_f32)(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, const double* h) = nullptr;
  void (*rmsprop_f32)(float* p, const float* g, float* sq, float* ga, float* buf, int64_t n, const double* h) = nullptr;

  // casts (kernels/cast.inl): n elements from src to dst, kinds are CastKind
  void (*cast)(int src_kind, int dst_kind, const void* src, void* dst, int64_t n) = nullptr;

  // copies (kernels/copy.inl): dst[r * dst_row + c] = src[r + c * src_col] for r < rows, c < cols
  void (*transpose)(int elem_size, const void* src, int64_t src_col, void* dst, int64_t dst_row, int64_t rows, int64_t cols) = nullptr;

  // reductions (kernels/reduce.inl), op codes of ReduceOp in src/backend/ops.ts. A row: the
  // partial result of x[0..n). Columns: x[r * stride + c] for r < red, c < cols into cols partials.
  void (*reduce_row_f32)(int op, const float* x, int64_t n, ReducePartial* out) = nullptr;
  void (*reduce_cols_f32)(int op, const float* x, int64_t red, int64_t stride, int64_t cols, ReducePartial* out) = nullptr;
};

// The selected table.
const Kernels& kernels();
// Select by name: "avx512", "avx2", "scalar" or "auto". Returns false if the CPU cannot run it.
bool select_isa(const char* name);
const char* selected_isa();

// Filled by each ISA library.
void fill_kernels_scalar(Kernels& k);
#ifdef ODY_X86
void fill_kernels_avx2(Kernels& k);
void fill_kernels_avx512(Kernels& k);
#endif

}  // namespace ody
