// Winograd F(2x2, 3x3) convolution for float32 3x3 kernels at stride 1, dilation 1, one group
// (Lavin & Gray 2015, "Fast Algorithms for Convolutional Neural Networks"). Each 2x2 block of
// output pixels comes from a 4x4 input tile (tiles step by 2): with the tile transformed
// (V = B^T d B) and the kernel transformed (U = G g G^T), the 16 elementwise products summed over
// input channels, M[xi] = U[xi] . V[xi] (xi = 0..15, a GEMM K x C x tiles each), give the output
// as Y = A^T M A: 16 multiply-adds per 2x2 outputs instead of 36. The stride-1 input gradient is
// the same convolution over dy with the weights flipped and transposed.
// Driver: conv/winograd.cc; transforms per ISA: kernels/conv_winograd.inl.
#pragma once
#include <cstdint>

namespace ody {

struct ConvGeom;

// Input tiles [t0, t1) of the planes x (tile t = (b * th + ty) * tw + tx reads rows 2 ty - ph ..
// + 3, columns 2 tx - pw .. + 3, zero outside the h x w plane) transformed into packed GEMM B
// slivers of NR = gemm_nr tiles: tile t - t0 = sb * NR + j at v[((xi * nsb + sb) * c + ci) * NR + j],
// nsb = ceil((t1 - t0) / NR). Columns of the last sliver past t1 are left as they were.
struct WinoInputArgs {
  const float* x;
  int64_t img_stride, c, h, w, ph, pw, th, tw;
};

// Products m[(xi * k + ko) * ldm + t - t0] of tiles [t0, t1) transformed back into the oh x ow
// planes of y (image stride img_stride), plus bias[ko] when not null.
struct WinoOutputArgs {
  float* y;
  int64_t img_stride, k, oh, ow, th, tw;
  const float* bias;
  int64_t ldm;
};

// Which convolutions take the Winograd path: "auto" (where it measures faster), "winograd"
// (every convolution it can do, for tests) or "gemm" (never). False for another name.
bool set_winograd_mode(const char* name);

// Forward / stride-1 input gradient through Winograd when the mode and shape allow; false
// otherwise (the caller then runs its GEMM path).
bool winograd_conv_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
bool winograd_conv_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx);

}  // namespace ody
