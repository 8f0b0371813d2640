// Argument blocks of the pooling and normalisation kernels (kernels/pool.inl, norm.inl). The
// bindings fill one per call; the kernels then work on a range of planes, channels or columns.
#pragma once
#include <cstdint>

namespace ody {

// A 2-d pooling window over contiguous NCHW planes (see Pool2dGeometry in src/backend/backend.ts).
struct Pool2dArgs {
  int64_t planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};

// Batch norm over x viewed as [n, c, hw]. Pointers that the call does not use are null.
struct BatchNormArgs {
  int64_t n, c, hw;
  const float* x;
  const float* dy;
  const float* weight;
  const float* bias;
  float* running_mean;
  float* running_var;
  bool training;
  double momentum, eps;
  float* y;
  float* save_mean;
  float* save_invstd;
  float* dx;
  float* dweight;
  float* dbias;
  // Batch norm followed by ReLU in one pass: the forward writes relu(y); the backward with
  // relu_affine ([2c]: the scale and shift of that forward's y = (x - save_mean) * scale + shift)
  // recomputes y from x and takes dy only where it is > 0, as ReLU's backward would have (with the
  // forward's float arithmetic, so the mask is the forward's exactly).
  bool relu;
  const float* relu_affine;
};

// LocalResponseNorm across the channels of x viewed as [n, c, hw].
struct LrnArgs {
  int64_t n, c, hw, size;
  float alpha, beta, k;
  const float* x;
  float* y;      // written by the forward pass, read by the backward pass
  float* scale;  // k + alpha/size * window sum of x^2, likewise
  const float* dy;
  float* dx;
};

}  // namespace ody
