// Plain data shared by the convolution driver (conv/conv.cc) and its per-ISA kernels
// (kernels/conv.inl): the geometry of a 2-d convolution and the packing contexts that let the
// GEMM read an image as if it were an im2col matrix.
#pragma once
#include <cstdint>

namespace ody {

// NCHW input x[n][c][h][w], KCRS weight w[k][c/groups][r][s], output y[n][k][oh][ow].
struct ConvGeom {
  int64_t n, c, h, w, k, r, s, sh, sw, ph, pw, dh, dw, groups, oh, ow;
};

// The im2col view of one group of NCHW images as a GEMM operand: operand row j = b * oh*ow + p
// (an output pixel of image b), depth index q = (c * r + kr) * s + ks (a channel and kernel tap).
// Element = x[b][c][oy * sh - ph + kr * dh][ox * sw - pw + ks * dw], zero outside the image.
// Padding may be negative (the input-gradient pass runs as a convolution with cropped padding).
struct Im2colSource {
  const float* x;      // image 0, first channel of the group
  int64_t img_stride;  // floats between images
  int64_t h, w, r, s, sh, sw, ph, pw, dh, dw, oh, ow;
};

// The im2col view again, when every kernel tap reads one plane of output shape (oh x ow, row
// width ow) at a constant offset: the image itself for stride 1 with ow == w, or the s x s phase
// planes of a strided image (phase (ry, rx) holds x[s*i + ry][s*j + rx]). Operand row j = b * oh*ow
// + p as above, depth q = c * taps + t. Element = plane(b, c)[tap[t].off + p] where output pixel
// (oy, ox) of p has 0 <= oy + qy < rows and 0 <= ox + qx < cols, zero elsewhere.
struct PlaneTap {
  int64_t off;              // from the channel's first plane
  int32_t qy, qx, rows, cols;
};
struct PlaneSource {
  const float* x;           // image 0, channel 0
  int64_t img_stride, chan_stride;
  int64_t ohw, ow;
  int64_t taps;
  const PlaneTap* tap;
};

// The weight-gradient B operand over an NHWC copy of the input: operand row j = (kr * s + ks) * cg
// + c (a kernel tap and channel), depth index q = b * oh*ow + p (an output pixel).
// Element = xhwc[b][oy * sh - ph + kr * dh][ox * sw - pw + ks * dw][c0 + c], zero outside.
struct NhwcTapSource {
  const float* xhwc;  // NHWC input, offset to the group's first channel
  int64_t channels;   // channels per pixel in xhwc (all groups)
  int64_t cg;         // channels of this group
  int64_t h, w, r, s, sh, sw, ph, pw, dh, dw, oh, ow;
};

}  // namespace ody
