// Driver of the pointwise weight gradient as dot products (conv/pointwise_weight.h).
//
//   for each block of the depth (images x pixels; about a register tile's share of L1 per dy row),
//     for each group of x rows: copy them (the block's share of L2),
//       for each tile of dy rows: copy them (L1),
//         for each tile of x rows in the group: the kernel.
//
// Threads take ranges of dy-row tiles: every element of dw is summed by one thread in the same
// order whatever the thread count, so the result is bit-identical on any number of threads.
#include "conv/pointwise_weight.h"

#include <algorithm>

#include "conv/conv_geom.h"
#include "dispatch.h"
#include "gemm/aligned_buffer.h"
#include "gemm/cache_info.h"
#include "threadpool.h"

namespace ody {
namespace {

thread_local AlignedBuffer tl_xrows, tl_dyrows;

}  // namespace

bool pointwise_backward_weight(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const Kernels& kt = kernels();
  if (!kt.pw_dw_tile || !kt.pw_copy_rows) return false;
  const int64_t P = g.h * g.w, depth = g.n * P;
  const int64_t cg = g.c / g.groups, kg = g.k / g.groups, KB = kt.pw_dw_kb, JB = kt.pw_dw_jb;
  const CacheSizes& cs = cache_sizes();
  // Depth blocks: KB dy rows of a block fill about half of L1, and the lanes are reduced once per
  // block (about a thousand products per sum). Near-equal blocks, a multiple of 16 but the last.
  const int64_t target = std::max<int64_t>(64, cs.l1d / 2 / (4 * KB));
  const int64_t nblocks = (depth + target - 1) / target;
  const int64_t D = ((depth + nblocks - 1) / nblocks + 15) / 16 * 16;
  // x rows per group: the group's block fills about half of L2.
  const int64_t ktiles = (kg + KB - 1) / KB, jtiles = (cg + JB - 1) / JB;
  const int64_t group_tiles = std::max<int64_t>(1, cs.l2 / 2 / (4 * D * JB));
  const int threads = in_parallel_region() ? 1 : num_threads();
  const int64_t ranges = std::min<int64_t>(ktiles, threads);
  parallel_tasks(g.groups * ranges, [&](int64_t t) {
    const int64_t gi = t / ranges, r = t - gi * ranges;
    const int64_t kt0 = ktiles * r / ranges, kt1 = ktiles * (r + 1) / ranges;
    const float* dyg = dy + gi * kg * P;
    const float* xg = x + gi * cg * P;
    float* dwg = dw + gi * kg * cg;
    const int64_t max_rows = cg * std::min(group_tiles, jtiles) / jtiles + JB;
    float* xrows = tl_xrows.get(size_t(max_rows * D));
    float* dyrows = tl_dyrows.get(size_t(KB * D));
    for (int64_t q0 = 0; q0 < depth; q0 += D) {
      const int64_t q1 = std::min(depth, q0 + D), len = q1 - q0;
      for (int64_t jg = 0; jg < jtiles; jg += group_tiles) {
        const int64_t jg1 = std::min(jtiles, jg + group_tiles);
        // Near-equal tiles (a tile of 64 rows as 4 x 6 + 8 x 5 rather than 10 x 6 + 4).
        const int64_t c0 = cg * jg / jtiles, c1 = cg * jg1 / jtiles;
        kt.pw_copy_rows(xg, g.c * P, P, c0, c1 - c0, q0, q1, xrows);
        for (int64_t ki = kt0; ki < kt1; ki++) {
          const int64_t k0 = kg * ki / ktiles, k1 = kg * (ki + 1) / ktiles;
          kt.pw_copy_rows(dyg, g.k * P, P, k0, k1 - k0, q0, q1, dyrows);
          for (int64_t ji = jg; ji < jg1; ji++) {
            const int64_t j0 = cg * ji / jtiles, j1 = cg * (ji + 1) / jtiles;
            PointwiseWeightArgs a;
            a.dy = dyrows;
            a.x = xrows + (j0 - c0) * len;
            a.len = len;
            a.dw = dwg + k0 * cg + j0;
            a.ldw = cg;
            kt.pw_dw_tile(a, int(k1 - k0), int(j1 - j0), q0 > 0);
          }
        }
      }
    }
  });
  return true;
}

}  // namespace ody
