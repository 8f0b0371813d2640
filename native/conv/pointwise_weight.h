// Weight gradient of a pointwise (1x1, stride 1, unpadded) convolution as dot products:
// dW[k][c] = sum over images b and pixels p of dy[b][k][p] * x[b][c][p]. Both operands are
// contiguous along the sum (a plane), so a register tile of (k, c) pairs accumulates 16-pixel
// vectors straight from the planes and reduces its lanes once per block of images: no transposing
// GEMM pack of either operand (for MobileNet's early layers, with few channels and many pixels,
// those packs cost about as much as the product).
// Driver: conv/pointwise_weight.cc; kernel: kernels/conv_pointwise_weight.inl (AVX-512 only).
#pragma once
#include <cstdint>

namespace ody {

struct ConvGeom;

// One tile: dw[k * ldw + j] = (or +=) sum over p < len of dy[k * len + p] * x[j * len + p].
// The driver first copies both operands' rows for a block of images into such contiguous rows: in
// place, a block's planes lie an image apart (a power of two of bytes for MobileNet's layers), so
// they all fall into the same few cache sets and evict each other.
struct PointwiseWeightArgs {
  const float* dy;
  const float* x;
  int64_t len;
  float* dw;
  int64_t ldw;
};

// dw for a pointwise g (groups allowed); false (nothing written) where the ISA has no kernel.
bool pointwise_backward_weight(const ConvGeom& g, const float* x, const float* dy, float* dw);

}  // namespace ody
