// Driver of the direct stride-1 convolution over wide planes (see conv/conv_wide.h): used where one
// side of the layer has at most kWideMaxChannels channels (the GEMM's rows would be that side).
// Pads x (forward, weight gradient) or widens dy (gradients) into thread-local buffers, then runs
// the ISA kernels over images (forward, input gradient) or over tiles of the weight gradient.
#include "conv/conv_wide.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "conv/conv_geom.h"
#include "dispatch.h"
#include "gemm/aligned_buffer.h"
#include "threadpool.h"

namespace ody {
namespace {

// At most this many channels on the GEMM's row side (forward: outputs; input gradient: inputs;
// weight gradient: outputs). Above it the GEMM's 12-row tiles are full and it is the faster path.
constexpr int64_t kWideMaxChannels = 16;

thread_local AlignedBuffer tl_in, tl_dy;
thread_local std::vector<int64_t> tl_off;
thread_local std::vector<int32_t> tl_mask;

inline int64_t round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

// The wide layout of h x w planes padded by (ph, pw) for an r x s kernel (dilation dh, dw) at
// stride 1: row width W, computed pixels len, plane stride ps (every tap's read of every computed
// pixel stays inside its plane), tap offsets.
struct WideLayout {
  int64_t W, H, oh, ow, len, ps;
  std::vector<int64_t>* off;
};

WideLayout layout(int64_t h, int64_t w, int64_t ph, int64_t pw, int64_t r, int64_t s, int64_t dh, int64_t dw) {
  WideLayout l;
  l.W = w + 2 * pw;
  l.H = h + 2 * ph;
  l.oh = l.H - (r - 1) * dh;
  l.ow = l.W - (s - 1) * dw;
  l.len = round_up(l.oh * l.W, kWideAlign);
  const int64_t max_off = (r - 1) * dh * l.W + (s - 1) * dw;
  l.ps = round_up(std::max(l.H * l.W, l.len + max_off), kWideAlign);
  tl_off.resize(size_t(r * s));
  for (int64_t kr = 0; kr < r; kr++)
    for (int64_t ks = 0; ks < s; ks++) tl_off[size_t(kr * s + ks)] = kr * dh * l.W + ks * dw;
  l.off = &tl_off;
  return l;
}

// Planes [p0, p1) of contiguous h x w planes -> padded planes of the layout (zeros around and after).
void pad_range(const float* src, int64_t p0, int64_t p1, int64_t h, int64_t w, int64_t ph, int64_t pw, const WideLayout& l,
               float* dst) {
  for (int64_t p = p0; p < p1; p++) {
    float* d = dst + p * l.ps;
    const float* s = src + p * h * w;
    std::memset(d, 0, sizeof(float) * size_t(ph * l.W));
    for (int64_t i = 0; i < h; i++) {
      float* row = d + (ph + i) * l.W;
      std::memset(row, 0, sizeof(float) * size_t(pw));
      std::memcpy(row + pw, s + i * w, sizeof(float) * size_t(w));
      std::memset(row + pw + w, 0, sizeof(float) * size_t(l.W - pw - w));
    }
    std::memset(d + (ph + h) * l.W, 0, sizeof(float) * size_t(l.ps - (ph + h) * l.W));
  }
}

// dy planes [p0, p1) on the wide rows of the layout: dyw[b][k][oy * W + ox], zero past ow and oh.
void widen_range(const ConvGeom& g, const float* dy, int64_t p0, int64_t p1, const WideLayout& l, float* dyw) {
  const int64_t ohw = g.oh * g.ow;
  for (int64_t p = p0; p < p1; p++) {
    float* d = dyw + p * l.len;
    const float* s = dy + p * ohw;
    for (int64_t oy = 0; oy < g.oh; oy++) {
      std::memcpy(d + oy * l.W, s + oy * g.ow, sizeof(float) * size_t(g.ow));
      std::memset(d + oy * l.W + g.ow, 0, sizeof(float) * size_t(l.W - g.ow));
    }
    std::memset(d + g.oh * l.W, 0, sizeof(float) * size_t(l.len - g.oh * l.W));
  }
}

bool plain_stride1(const ConvGeom& g) {
  return g.groups == 1 && g.sh == 1 && g.sw == 1 && g.r * g.s > 1 && kernels().conv_wide_forward != nullptr;
}

// in: n images of ci planes (h x w) padded by (ph, pw); out: co planes of the layout's oh x ow.
void run_forward(const float* in, int64_t n, int64_t ci, int64_t h, int64_t w, int64_t ph, int64_t pw, const ConvGeom& g,
                 const float* wt, int64_t w_o, int64_t w_i, int64_t co, const float* bias, float* out) {
  const WideLayout l = layout(h, w, ph, pw, g.r, g.s, g.dh, g.dw);
  float* xp = tl_in.get(size_t(n * ci * l.ps));
  WideForwardArgs a;
  a.in = xp;
  a.in_img = ci * l.ps;
  a.in_plane = l.ps;
  a.w = wt;
  a.w_o = w_o;
  a.w_i = w_i;
  a.off = l.off->data();
  a.taps = g.r * g.s;
  a.ci = ci;
  a.co = co;
  a.len = l.len;
  a.wide_w = l.W;
  a.oh = l.oh;
  a.ow = l.ow;
  a.out = out;
  a.out_img = co * l.oh * l.ow;
  a.bias = bias;
  const Kernels& kt = kernels();
  // Each thread pads its own images (one pool job per call: a join costs more than the copy).
  parallel_for(n, 1, [&](int64_t b0, int64_t b1) {
    pad_range(in, b0 * ci, b1 * ci, h, w, ph, pw, l, xp);
    kt.conv_wide_forward(a, b0, b1);
  });
}

}  // namespace

bool wide_conv_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  if (!plain_stride1(g) || g.k > kWideMaxChannels) return false;
  run_forward(x, g.n, g.c, g.h, g.w, g.ph, g.pw, g, w, g.c * g.r * g.s, g.r * g.s, g.k, bias, y);
  return true;
}

bool wide_conv_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  if (!plain_stride1(g) || g.c > kWideMaxChannels) return false;
  const WideLayout l = layout(g.h, g.w, g.ph, g.pw, g.r, g.s, g.dh, g.dw);
  WideScatterArgs a;
  float* dyw = tl_dy.get(size_t(g.n * g.k * l.len));
  a.dy = dyw;
  a.dy_img = g.k * l.len;
  a.len = l.len;
  a.w = w;
  a.off = l.off->data();
  a.taps = g.r * g.s;
  a.ci = g.c;
  a.co = g.k;
  a.acc = tl_in.get(size_t(g.n * g.c * l.ps));
  a.acc_plane = l.ps;
  a.wide_w = l.W;
  a.h = g.h;
  a.w_in = g.w;
  a.ph = g.ph;
  a.pw = g.pw;
  a.dx = dx;
  const Kernels& kt = kernels();
  parallel_for(g.n, 1, [&](int64_t b0, int64_t b1) {
    widen_range(g, dy, b0 * g.k, b1 * g.k, l, dyw);
    kt.conv_wide_scatter(a, b0, b1);
  });
  return true;
}

bool wide_conv_backward_weight(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  if (!plain_stride1(g) || g.k > kWideMaxChannels) return false;
  const Kernels& kt = kernels();
  const WideLayout l = layout(g.h, g.w, g.ph, g.pw, g.r, g.s, g.dh, g.dw);
  float* xp = tl_in.get(size_t(g.n * g.c * l.ps));
  float* dyw = tl_dy.get(size_t(g.n * g.k * l.len));
  parallel_for(g.n, 1, [&](int64_t b0, int64_t b1) {
    pad_range(x, b0 * g.c, b1 * g.c, g.h, g.w, g.ph, g.pw, l, xp);
    widen_range(g, dy, b0 * g.k, b1 * g.k, l, dyw);
  });
  tl_mask.resize(size_t(l.len));
  for (int64_t p = 0; p < l.len; p++) tl_mask[size_t(p)] = p / l.W < g.oh && p % l.W < g.ow ? -1 : 0;
  WideWeightArgs a;
  a.x = xp;
  a.x_img = g.c * l.ps;
  a.x_plane = l.ps;
  a.dy = dyw;
  a.dy_img = g.k * l.len;
  a.mask = tl_mask.data();
  a.off = l.off->data();
  a.taps = g.r * g.s;
  a.n = g.n;
  a.len = l.len;
  a.dw = dw;
  a.ldw = g.c * a.taps;
  const int64_t KB = kt.conv_wide_kb, JB = kt.conv_wide_jb, cols = a.ldw;
  // Tiles of near-equal sizes (25 columns as 5 x 5, not 4 x 6 + 1).
  const int64_t kb = (g.k + KB - 1) / KB, jb = (cols + JB - 1) / JB;
  parallel_tasks(kb * jb, [&](int64_t t) {
    const int64_t ki = t / jb, ji = t % jb;
    const int64_t k0 = g.k * ki / kb, k1 = g.k * (ki + 1) / kb, j0 = cols * ji / jb, j1 = cols * (ji + 1) / jb;
    kt.conv_wide_weight(a, k0, int(k1 - k0), j0, int(j1 - j0));
  });
  return true;
}

}  // namespace ody
