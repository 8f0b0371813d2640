// The depthwise driver: splits channels (vectorised kernels) or planes (general kernels) over the
// thread pool. Vectorised kernels get channel ranges that start on a multiple of the unit
// (dw_unit_channels), so each range starts on a vector boundary and no vector is shared by two threads.
#include "conv/depthwise.h"

#include <algorithm>
#include <vector>

#include "conv/depthwise_plan.h"
#include "dispatch.h"
#include "threadpool.h"

namespace ody {
namespace {

// fn(c0, c1) over channel ranges, with at least ~64 K multiply-adds per thread.
template <class F>
void over_channels(const DwPlan& p, F&& fn) {
  const int64_t unit = dw_unit_channels(p.ohw, kernels().dwc_lanes), units = (p.g.c + unit - 1) / unit;
  const int64_t per_unit = std::max<int64_t>(1, p.g.n * unit * p.ohw * p.ntaps);
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 16) / per_unit);
  parallel_for(units, grain, [&](int64_t u0, int64_t u1) { fn(u0 * unit, std::min(u1 * unit, p.g.c)); });
}

}  // namespace

bool is_depthwise(const ConvGeom& g) { return g.groups > 1 && g.groups == g.c; }

void depthwise_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  const Kernels& kt = kernels();
  DwPlan p;
  if (dw_make_plan(g, &p)) {
    over_channels(p, [&](int64_t c0, int64_t c1) { kt.dwc_forward(p, x, w, bias, y, c0, c1); });
    return;
  }
  parallel_for(g.n * g.k, 1, [&](int64_t p0, int64_t p1) { kt.dw_forward(g, x, w, bias, y, p0, p1); });
}

void depthwise_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const Kernels& kt = kernels();
  DwPlan p;
  if (dw_make_plan(g, &p) && p.direct) {
    // Stride 1 on the image's own grid: the input gradient is the forward pass over dy with each
    // channel's kernel flipped (padding dil*(R-1) - pad), which the forward kernel runs about
    // 1.2-1.7x faster than the input-gradient kernel on MobileNet's 16x16 and 32x32 planes
    // (same instructions; the taps' loads then run behind the stores instead of ahead of them).
    ConvGeom f = g;
    f.h = g.oh; f.w = g.ow; f.oh = g.h; f.ow = g.w;
    f.ph = g.dh * (g.r - 1) - g.ph;
    f.pw = g.dw * (g.s - 1) - g.pw;
    DwPlan pf;
    if (dw_make_plan(f, &pf) && pf.direct) {
      thread_local std::vector<float> flipped;
      const int64_t taps = g.r * g.s;
      flipped.resize(size_t(g.c * taps));
      for (int64_t c = 0; c < g.c; c++)
        for (int64_t t = 0; t < taps; t++) flipped[size_t(c * taps + t)] = w[c * taps + taps - 1 - t];
      const float* wf = flipped.data();
      over_channels(pf, [&](int64_t c0, int64_t c1) { kt.dwc_forward(pf, dy, wf, nullptr, dx, c0, c1); });
      return;
    }
  }
  if (dw_make_plan(g, &p)) {
    over_channels(p, [&](int64_t c0, int64_t c1) { kt.dwc_backward_input(p, dy, w, dx, c0, c1); });
    return;
  }
  parallel_for(g.n * g.c, 1, [&](int64_t p0, int64_t p1) { kt.dw_backward_input(g, dy, w, dx, p0, p1); });
}

void depthwise_backward_weight(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const Kernels& kt = kernels();
  DwPlan p;
  if (dw_make_plan(g, &p)) {
    over_channels(p, [&](int64_t c0, int64_t c1) { kt.dwc_backward_weight(p, x, dy, dw, c0, c1); });
    return;
  }
  parallel_for(g.k, 1, [&](int64_t k0, int64_t k1) { kt.dw_backward_weight(g, x, dy, dw, k0, k1); });
}

}  // namespace ody
