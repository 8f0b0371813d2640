// Winograd F(2x2, 3x3) driver (see conv/winograd.h). Per call the weights are transformed once
// (16 x K x C). The tiles are then cut into blocks, one task each on the pool: a block's input
// tiles are transformed (16 x C x tiles), the 16 products run as single-threaded GEMMs on the
// existing driver (gemm/gemm.h), and the results are transformed back into y. A block is sized so
// its transformed tiles and products (16 x (C + K) x tiles floats) stay in the outer caches
// instead of materialising the whole layer.
#include "conv/winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "conv/conv_geom.h"
#include "dispatch.h"
#include "gemm/aligned_buffer.h"
#include "gemm/gemm.h"
#include "threadpool.h"

namespace ody {
namespace {

enum class Mode { kAuto, kAlways, kNever };

// Initially from ODYSSEY_CONV_ALGO (auto | winograd | gemm), to benchmark either path.
Mode initial_mode() {
  const char* e = std::getenv("ODYSSEY_CONV_ALGO");
  if (e && std::strcmp(e, "winograd") == 0) return Mode::kAlways;
  if (e && std::strcmp(e, "gemm") == 0) return Mode::kNever;
  return Mode::kAuto;
}
// Atomic: JavaScript worker threads may call the addon concurrently.
std::atomic<Mode> g_mode{initial_mode()};

thread_local AlignedBuffer tl_ap, tl_v, tl_m;

// One convolution as Winograd sees it: ci input planes of h x w (padding ph, pw) to co output
// planes of oh x ow; w the weights, KCRS ([co][ci][3][3]) or, with flip, [ci][co][3][3] rotated.
struct WinoProblem {
  const float* in;
  int64_t in_img, n, ci, h, w, ph, pw;
  float* out;
  int64_t out_img, co, oh, ow;
  const float* bias;
  const float* wt;
  bool flip;
};

// Whether Winograd beats the GEMM path on this shape (auto mode). Measured on Zen 4 against the
// implicit-im2col GEMM (bench conv, batch 64): with few channels the 16 products are too thin to
// pay for the transforms (and the wide direct kernels take 16 or fewer); with few tiles the
// per-call weight transform (16 x co x ci) is not repaid (VGG-16's 512 -> 512 on 2x2 planes,
// 64 tiles: 0.9x); small odd planes waste much of their 2x2 output tiles.
bool worth_it(int64_t n, int64_t ci, int64_t co, int64_t oh, int64_t ow) {
  const int64_t th = (oh + 1) / 2, tw = (ow + 1) / 2;
  if (ci < 32 || co < 32 || n * th * tw < 128) return false;
  // Output pixels computed (4 per tile) over those needed: at most 1.5.
  return 4 * th * tw * 2 <= 3 * oh * ow;
}

// A's rows (output channels) in micro-kernel slivers of mr rows; a short remainder is merged with
// the last full sliver and the pair split in two (64 rows as 4 x 12 + 2 x 8, not 5 x 12 + 4), as
// the GEMM driver does: a sliver of few rows is starved of FMAs per loaded B vector.
struct Slivers {
  std::vector<int64_t> row0;  // count + 1 entries
  explicit Slivers(int64_t m, int mr) {
    int64_t nfull = m / mr;
    const int64_t rem = m % mr;
    for (int64_t s = 0; s < nfull - (rem > 0 && 2 * rem < mr && nfull > 0); s++) row0.push_back(s * mr);
    const int64_t start = row0.empty() ? 0 : row0.back() + mr, left = m - start;
    if (left > mr) {
      row0.push_back(start);
      row0.push_back(start + (left + 1) / 2);
    } else if (left > 0) {
      row0.push_back(start);
    }
    row0.push_back(m);
  }
  int64_t count() const { return int64_t(row0.size()) - 1; }
};

// Depth (input channels) per block of the products: an A sliver of mr x kc stays in L1 while the
// B slivers stream past (the GEMM driver's kc, about a quarter of L1).
constexpr int64_t kDepthBlock = 192;

void run(const WinoProblem& p) {
  const Kernels& kt = kernels();
  const int MR = kt.gemm_mr, NR = kt.gemm_nr;
  const int64_t th = (p.oh + 1) / 2, tw = (p.ow + 1) / 2, tiles = p.n * th * tw;
  const int threads = in_parallel_region() ? 1 : num_threads();
  // A's slivers, transformed and packed once per call: ap[xi][sliver][i][MR].
  const Slivers sl(p.co, MR);
  const int64_t nsa = sl.count(), xstride = nsa * p.ci * MR;
  float* ap = tl_ap.get(size_t(16 * xstride));
  parallel_for(p.ci, 8, [&](int64_t i0, int64_t i1) { kt.wino_weights(p.wt, p.co, p.ci, p.flip, i0, i1, sl.row0.data(), nsa, xstride, MR, ap); });
  // Tiles per block: the block's transformed tiles and products in about 4 MB, a whole number of
  // B slivers, and at least two blocks per thread when there are several threads.
  int64_t tb = std::clamp<int64_t>((int64_t(1) << 20) / (16 * (p.ci + p.co)) / NR * NR, NR, 64 * NR);
  if (threads > 1) tb = std::min(tb, std::max<int64_t>(NR, ((tiles + 2 * threads - 1) / (2 * threads) + NR - 1) / NR * NR));
  const int64_t blocks = (tiles + tb - 1) / tb;
  const int64_t nk = (p.ci + kDepthBlock - 1) / kDepthBlock;
  const WinoInputArgs ia{p.in, p.in_img, p.ci, p.h, p.w, p.ph, p.pw, th, tw};
  parallel_tasks(blocks, [&](int64_t blk) {
    const int64_t t0 = blk * tb, t1 = std::min(tiles, t0 + tb), T = t1 - t0, nsb = (T + NR - 1) / NR, tp = nsb * NR;
    float* v = tl_v.get(size_t(16 * p.ci * tp));
    float* m = tl_m.get(size_t(16 * p.co * tp));
    // The last sliver's columns past the block are zero (read by the micro-kernel, never stored).
    if (T < tp)
      for (int64_t q = 0; q < 16 * p.ci; q++) std::fill_n(v + ((q / p.ci * nsb + nsb - 1) * p.ci + q % p.ci) * NR + (T - (nsb - 1) * NR), tp - T, 0.0f);
    kt.wino_input(ia, t0, t1, v);
    GemmTile t;
    t.ldc = tp;
    t.cols = NR;
    t.alpha = 1.0f;
    t.bias = nullptr;
    t.a_next = nullptr;
    for (int64_t xi = 0; xi < 16; xi++) {
      for (int64_t kb = 0; kb < nk; kb++) {
        const int64_t k0 = p.ci * kb / nk, kc = p.ci * (kb + 1) / nk - k0;
        t.beta = kb == 0 ? 0.0f : 1.0f;
        for (int64_t s = 0; s < nsa; s++) {
          const int64_t r0 = sl.row0[size_t(s)];
          const float* as = ap + ((xi * nsa + s) * p.ci + k0) * MR;
          for (int64_t sb = 0; sb < nsb; sb++) {
            t.c0 = m + (xi * p.co + r0) * tp + sb * NR;
            t.c1 = t.c0 + NR / 2;
            kt.gemm_ukernel(int(sl.row0[size_t(s + 1)] - r0), kc, as, v + ((xi * nsb + sb) * p.ci + k0) * NR, NR, t);
          }
        }
      }
    }
    const WinoOutputArgs oa{p.out, p.out_img, p.co, p.oh, p.ow, th, tw, p.bias, tp};
    kt.wino_output(oa, t0, t1, m);
  });
}

bool applies(const ConvGeom& g) {
  return g_mode != Mode::kNever && g.r == 3 && g.s == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 &&
         g.groups == 1 && g.oh > 0 && g.ow > 0 && kernels().wino_input != nullptr;
}

}  // namespace

bool set_winograd_mode(const char* name) {
  if (std::strcmp(name, "auto") == 0) g_mode = Mode::kAuto;
  else if (std::strcmp(name, "winograd") == 0) g_mode = Mode::kAlways;
  else if (std::strcmp(name, "gemm") == 0) g_mode = Mode::kNever;
  else return false;
  return true;
}

bool winograd_conv_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  if (!applies(g) || (g_mode == Mode::kAuto && !worth_it(g.n, g.c, g.k, g.oh, g.ow))) return false;
  run(WinoProblem{x, g.c * g.h * g.w, g.n, g.c, g.h, g.w, g.ph, g.pw, y, g.k * g.oh * g.ow, g.k, g.oh, g.ow, bias, w, false});
  return true;
}

bool winograd_conv_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  // dx = dy (oh x ow, padding 2 - ph) correlated with the flipped, transposed kernels.
  if (!applies(g) || (g_mode == Mode::kAuto && !worth_it(g.n, g.k, g.c, g.h, g.w))) return false;
  run(WinoProblem{dy, g.k * g.oh * g.ow, g.n, g.k, g.oh, g.ow, 2 - g.ph, 2 - g.pw, dx, g.c * g.h * g.w, g.c, g.h, g.w, nullptr, w, true});
  return true;
}

}  // namespace ody
