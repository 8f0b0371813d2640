// Depthwise convolution (groups == input channels) on float32 NCHW tensors: the channel-vectorised
// kernels where their plan applies (conv/depthwise_plan.h), else the general per-plane kernels.
// Called by conv/conv.cc for every depthwise geometry; threaded on the pool.
#pragma once
#include "conv/conv_geom.h"

namespace ody {

bool is_depthwise(const ConvGeom& g);
void depthwise_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
void depthwise_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
// dw overwritten (the bias gradient is the caller's).
void depthwise_backward_weight(const ConvGeom& g, const float* x, const float* dy, float* dw);

}  // namespace ody
