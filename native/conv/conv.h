// 2-d convolution on float32 NCHW tensors with KCRS weights (any stride, padding, dilation, groups):
// GEMM-based with implicit im2col for general convolutions, direct kernels for depthwise ones.
// Threaded on the pool. Arguments are trusted (validated in TypeScript).
#pragma once
#include "conv/conv_geom.h"

namespace ody {

// y = conv(x, w) + bias (bias may be null).
void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
// dx = input gradient (overwritten).
void conv2d_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
// dw = weight gradient summed over the batch (overwritten); dbias likewise when not null.
void conv2d_backward_weight(const ConvGeom& g, const float* x, const float* dy, float* dw, float* dbias);

}  // namespace ody
