// The plan of a channel-vectorised depthwise convolution (groups == channels, one output channel
// per input channel), shared by the driver (conv/depthwise.cc) and the per-ISA kernels
// (kernels/depthwise.inl).
//
// The input is seen as sh x sw "phase planes" per channel: phase (ay, ax) holds the pixels
// x[sh*i + ay][sw*j + ax], laid on the output grid (oh x ow, cell (i, j)). Tap (kr, ks) of output
// (oy, ox) then reads phase (ay, ax) at cell (oy + qy, ox + qx) for constants qy, qx, so with the
// channel planes of an image laid end to end every tap is one constant shift of the flat index
// c * oh*ow + oy * ow + ox, valid where the shifted cell lies inside that channel's phase plane.
// A vector of consecutive flat indices may span several channels (small planes), so the kernels
// work on whole images' channel ranges at once, with per-lane weights and validity masks.
// The input gradient is the same shifted sum read from dy, one output per phase plane.
#pragma once
#include <cstdint>

#include "conv/conv_geom.h"

namespace ody {

struct DwTap {
  int32_t widx;    // kr * s + ks: the tap's weight within a channel's r x s kernel
  int32_t phase;   // ay * sw + ax
  int32_t qy, qx;  // shift on the grid
};

struct DwPlan {
  static constexpr int kMaxTaps = 64;
  static constexpr int kMaxStride = 4;
  ConvGeom g;
  int64_t ohw;
  int ntaps;     // g.r * g.s
  int nphases;   // g.sh * g.sw
  bool direct;   // stride 1 and the output grid is the image: x (and dx) are the phase plane itself
  int32_t rows[kMaxStride], cols[kMaxStride];  // image rows of phase row ay, columns of phase column ax
  bool used[kMaxStride * kMaxStride];          // some tap reads this phase
  DwTap taps[kMaxTaps];                        // ordered by phase
};

// Channels per "unit" for vectors of `lanes` floats: the fewest whole channels whose flat length
// unit * ohw is a multiple of the vector width, so every unit starts on a vector boundary and sees
// the same lane masks (the driver splits channels between threads in whole units).
inline int64_t dw_unit_channels(int64_t ohw, int lanes) {
  int64_t g = 1;
  while (g < lanes && ohw % (2 * g) == 0) g *= 2;
  return lanes / g;
}

// Fills *p and returns true when the channel-vectorised kernels handle g: depthwise with
// multiplier 1, stride at most kMaxStride, at most kMaxTaps taps, and every phase row and column
// a tap reads fits on the output grid (true for "same" padding at any stride, e.g. 3x3 pad 1).
inline bool dw_make_plan(const ConvGeom& g, DwPlan* p) {
  if (g.groups != g.c || g.k != g.c || g.c < 1 || g.n < 1) return false;
  if (g.sh < 1 || g.sw < 1 || g.sh > DwPlan::kMaxStride || g.sw > DwPlan::kMaxStride) return false;
  if (g.r * g.s < 1 || g.r * g.s > DwPlan::kMaxTaps || g.oh < 1 || g.ow < 1) return false;
  p->g = g;
  p->ohw = g.oh * g.ow;
  p->ntaps = int(g.r * g.s);
  p->nphases = int(g.sh * g.sw);
  p->direct = g.sh == 1 && g.sw == 1 && g.h == g.oh && g.w == g.ow;
  for (int64_t a = 0; a < g.sh; a++) p->rows[a] = int32_t(a < g.h ? (g.h - a + g.sh - 1) / g.sh : 0);
  for (int64_t a = 0; a < g.sw; a++) p->cols[a] = int32_t(a < g.w ? (g.w - a + g.sw - 1) / g.sw : 0);
  for (int i = 0; i < p->nphases; i++) p->used[i] = false;
  // floor division: offset e = sh * q + a with 0 <= a < sh
  auto split = [](int64_t e, int64_t s, int32_t* q, int32_t* a) {
    int64_t qq = e >= 0 ? e / s : -((-e + s - 1) / s);
    *q = int32_t(qq);
    *a = int32_t(e - qq * s);
  };
  int n = 0;
  for (int64_t kr = 0; kr < g.r; kr++) {
    for (int64_t ks = 0; ks < g.s; ks++) {
      int32_t qy, ay, qx, ax;
      split(kr * g.dh - g.ph, g.sh, &qy, &ay);
      split(ks * g.dw - g.pw, g.sw, &qx, &ax);
      if (p->rows[ay] > g.oh || p->cols[ax] > g.ow) return false;
      p->taps[n++] = DwTap{int32_t(kr * g.s + ks), int32_t(ay * g.sw + ax), qy, qx};
      p->used[ay * g.sw + ax] = true;
    }
  }
  // stable order by phase, so each phase's taps are one run
  for (int i = 1; i < n; i++) {
    DwTap t = p->taps[i];
    int j = i;
    for (; j > 0 && p->taps[j - 1].phase > t.phase; j--) p->taps[j] = p->taps[j - 1];
    p->taps[j] = t;
  }
  return true;
}

}  // namespace ody
