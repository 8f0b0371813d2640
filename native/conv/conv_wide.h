// Direct stride-1 convolution over "wide" planes, for layers with few channels on one side (LeNet:
// 1 -> 6 and 6 -> 16), where the GEMM's 12-row micro-kernel runs half empty and its packers copy
// one float per tap. Every input plane is copied with its zero padding (row width W = w + 2 pw)
// and a zero tail, so that output pixel (oy, ox), taken at wide index p = oy * W + ox, reads kernel
// tap (kr, ks) at p + kr * dh * W + ks * dw: a constant offset per tap. Vectors of pixels then
// run along p; columns ox >= ow of the wide rows are computed and thrown away (forward), masked
// out (weight gradient) or zero in dy (input gradient, scattered back through the same offsets).
// Driver: conv/conv_wide.cc; kernels: kernels/conv_wide.inl.
#pragma once
#include <cstdint>

namespace ody {

// Wide planes are a multiple of this many floats (every ISA's vector width divides it).
constexpr int64_t kWideAlign = 16;

// out[b][o][oy][ox] = bias[o] + sum_{i, t} w[o * w_o + i * w_i + t] * in[b][i][p + off[t]], p = oy * wide_w + ox.
struct WideForwardArgs {
  const float* in;           // padded planes: image b, channel i at in + b * in_img + i * in_plane
  int64_t in_img, in_plane;
  const float* w;
  int64_t w_o, w_i;
  const int64_t* off;        // per tap
  int64_t taps, ci, co;      // taps, input and output channels
  int64_t len;               // wide pixels computed per plane, a multiple of kWideAlign (>= oh * wide_w)
  int64_t wide_w, oh, ow;
  float* out;                // NCHW, [oh][ow] planes: out + b * out_img + o * oh * ow
  int64_t out_img;
  const float* bias;         // per output channel, or nullptr
};

// dw[k][j] = sum_b sum_{p < len, mask[p]} dy[b][k][p] * x[b][c][p + off[t]], j = c * taps + t.
struct WideWeightArgs {
  const float* x;            // padded planes as above
  int64_t x_img, x_plane;
  const float* dy;           // wide planes: image b, channel k at dy + b * dy_img + k * len
  int64_t dy_img;
  const int32_t* mask;       // len entries: -1 where p is an output pixel (oy < oh, ox < ow), else 0
  const int64_t* off;
  int64_t taps, n, len;
  float* dw;                 // dw[k * ldw + j]
  int64_t ldw;
};

// Input gradient as the forward's transpose: for every forward output pixel p (wide dy, zero past
// ow) and tap t, acc[b][c][p + off[t]] += sum_k w[(k * ci + c) * taps + t] * dy[b][k][p], where acc
// holds padded dx planes (plane stride acc_plane, width wide_w); the interior (rows ph.., columns
// pw..) is then copied to dx. Reads no padding: only the pixels of dy, unlike the flipped forward.
struct WideScatterArgs {
  const float* dy;           // wide planes: image b, channel k at dy + b * dy_img + k * len
  int64_t dy_img, len;
  const float* w;            // KCRS
  const int64_t* off;
  int64_t taps, ci, co;      // taps, dx channels, dy channels
  float* acc;                // scratch: image b, channel c at acc + (b * ci + c) * acc_plane
  int64_t acc_plane;
  int64_t wide_w, h, w_in, ph, pw;
  float* dx;                 // NCHW, h x w_in planes
};

}  // namespace ody

namespace ody {

struct ConvGeom;

// The driver's entry points: false (nothing done) where the wide path does not apply; the callers
// (conv/conv.cc) then take the GEMM path.
bool wide_conv_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
bool wide_conv_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx);
bool wide_conv_backward_weight(const ConvGeom& g, const float* x, const float* dy, float* dw);

}  // namespace ody
