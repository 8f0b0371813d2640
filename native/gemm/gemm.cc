// The SGEMM driver (BLIS-style blocking) over the ISA micro-kernel and packers (kernels/gemm.inl).
//
//   for each column block of C (NC columns of B):
//     for each depth block (kc <= KC):
//       pack the B block (kc x NC) and the A block (MC x kc) into shared, aligned slivers  [parallel]
//       compute the MC x NC block as a grid of tasks; a task owns about MC/tm rows and NB columns,
//       so its B slivers (kc x NB) stay in its core's L2 while one A sliver (kc x MR) sits in L1   [parallel]
//
// Two fork-joins per block keep the threads in step without barriers; the blocks are large enough
// that this costs well under a percent. Buffers are thread-local and reused across calls.
#include "gemm/gemm.h"

#include <algorithm>
#include <cstdint>

#include "dispatch.h"
#include "gemm/aligned_buffer.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int64_t kNC = 768;   // columns of B per packed block: kc x 768 floats (<= 1.2 MB) stay in L2
constexpr int64_t kMC = 3072;  // rows of A per packed block (a multiple of every MR)
constexpr int64_t kNB = 256;   // columns per compute task
constexpr int kMaxTile = 16 * 64;

thread_local AlignedBuffer tl_apack, tl_bpack;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Pointer to C(i, j) and how many columns from j stay contiguous (within j's segment).
inline float* c_at(const GemmOutput& c, int64_t i, int64_t j, int64_t* run) {
  j += c.first_col;
  if (c.seg <= 0) { *run = INT64_MAX; return c.c + i * c.ldc + j; }
  const int64_t s = j / c.seg, off = j - s * c.seg;
  *run = c.seg - off;
  return c.c + i * c.ldc + s * c.seg_stride + off;
}

// Writes rows x cols of a tile held in tmp (row stride nr) into C with the epilogue applied.
void store_tile(const GemmOutput& c, int64_t i0, int rows, int64_t j0, int cols, const float* tmp, int nr, float alpha,
                float beta, const float* bias) {
  for (int i = 0; i < rows; i++) {
    const float* t = tmp + i * nr;
    const float bi = bias ? bias[i] : 0.0f;
    for (int j = 0; j < cols;) {
      int64_t run;
      float* d = c_at(c, i0 + i, j0 + j, &run);
      const int len = int(std::min<int64_t>(cols - j, run));
      if (beta == 0.0f) {
        for (int q = 0; q < len; q++) d[q] = alpha * t[j + q] + bi;
      } else {
        for (int q = 0; q < len; q++) d[q] = alpha * t[j + q] + beta * d[q] + bi;
      }
      j += len;
    }
  }
}

// C = beta * C + bias, for k == 0 or alpha == 0 (A and B are not read).
void scale_output(int64_t m, int64_t n, float beta, const GemmOutput& c) {
  parallel_for(m, std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, n)), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const float bi = c.row_bias ? c.row_bias[i] : 0.0f;
      for (int64_t j = 0; j < n;) {
        int64_t run;
        float* d = c_at(c, i, j, &run);
        const int64_t len = std::min(n - j, run);
        if (beta == 0.0f) {
          for (int64_t q = 0; q < len; q++) d[q] = bi;
        } else {
          for (int64_t q = 0; q < len; q++) d[q] = beta * d[q] + bi;
        }
        j += len;
      }
    }
  });
}

}  // namespace

void sgemm(int64_t m, int64_t n, int64_t k, float alpha, const GemmOperand& a, const GemmOperand& b, float beta,
           const GemmOutput& c) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) { scale_output(m, n, beta, c); return; }
  const Kernels& kt = kernels();
  const int MR = kt.gemm_mr, NR = kt.gemm_nr;
  const int64_t kblocks = ceil_div(k, kt.gemm_kc);
  const int64_t kcb = ceil_div(k, kblocks);  // equal depth blocks: no thin last block
  const int64_t nc_max = std::min(ceil_div(n, NR) * NR, kNC);
  const int64_t mc_max = std::min(ceil_div(m, MR) * MR, kMC);
  // Below about a million flops, waking a second thread costs more than it saves.
  const bool small = double(m) * double(n) * double(k) < double(1 << 19);
  const int threads = (in_parallel_region() || small) ? 1 : num_threads();
  // Wide products (convolutions: N = images x pixels): column slices of at least 1024 taken in
  // turn by the threads, each a whole single-threaded product with its own packing. One join per
  // call instead of two per block, no packed panel shared between cores, and repacking A per
  // slice costs under 1/2048 of the slice's flops per element.
  if (threads > 1) {
    const int64_t slices = std::min<int64_t>(4 * threads, n / 1024);
    if (slices >= 2 * threads) {
      parallel_tasks(slices, [&](int64_t t) {
        const int64_t j0 = (n * t / slices) / NR * NR, j1 = t + 1 == slices ? n : (n * (t + 1) / slices) / NR * NR;
        GemmOperand bs = b;
        bs.first_row += j0;
        GemmOutput cs = c;
        cs.first_col += j0;
        sgemm(m, j1 - j0, k, alpha, a, bs, beta, cs);
      });
      return;
    }
    // Large products that are not wide: row slices of at least 128 the same way. Each slice
    // repacks B (about 1/256 of its flops per element); in exchange, no joins inside the product.
    const int64_t row_slices = std::min<int64_t>(2 * threads, m / 128);
    if (row_slices >= threads && double(m) * double(n) * double(k) >= double(1 << 27)) {
      parallel_tasks(row_slices, [&](int64_t t) {
        const int64_t i0 = (m * t / row_slices) / MR * MR, i1 = t + 1 == row_slices ? m : (m * (t + 1) / row_slices) / MR * MR;
        GemmOperand as = a;
        as.first_row += i0;
        GemmOutput cs = c;
        cs.c += i0 * c.ldc;
        if (cs.row_bias) cs.row_bias += i0;
        sgemm(i1 - i0, n, k, alpha, as, b, beta, cs);
      });
      return;
    }
  }
  float* apack = tl_apack.get(size_t(mc_max * kcb));
  float* bpack = tl_bpack.get(size_t(nc_max * kcb));
  auto run_grid = [&](int64_t ntasks, auto&& fn) {
    if (threads == 1) { for (int64_t t = 0; t < ntasks; t++) fn(t); }
    else parallel_tasks(ntasks, fn);
  };

  for (int64_t jc = 0; jc < n; jc += kNC) {
    const int64_t nc = std::min(kNC, n - jc);
    const int64_t nslivers_b = ceil_div(nc, NR);
    // Task grid over this column block: NB-column chunks, and row chunks when there are too few.
    const int64_t nb_chunk = std::min(nslivers_b, kNB / NR);
    const int64_t tn = ceil_div(nslivers_b, nb_chunk);
    for (int64_t pc = 0; pc < k; pc += kcb) {
      const int64_t kc = std::min(kcb, k - pc);
      const bool first = pc == 0;
      const float beta_eff = first ? beta : 1.0f;
      const float* bias = first ? c.row_bias : nullptr;
      for (int64_t ic = 0; ic < m; ic += kMC) {
        const int64_t mc = std::min(kMC, m - ic);
        const int64_t nslivers_a = ceil_div(mc, MR);
        // Packing tasks: runs of A slivers, then runs of B slivers (a run of plain-matrix slivers
        // is packed in one call, reading source rows across the run).
        const int64_t npack = nslivers_a + (ic == 0 ? nslivers_b : 0);
        const int64_t pack_chunk = std::max<int64_t>(4, ceil_div(npack, 4 * threads));
        const int64_t tasks_a = ceil_div(nslivers_a, pack_chunk);
        const int64_t tasks_b = ic == 0 ? ceil_div(nslivers_b, pack_chunk) : 0;
        run_grid(tasks_a + tasks_b, [&](int64_t t) {
          const bool is_a = t < tasks_a;
          const GemmOperand& op = is_a ? a : b;
          const int w = is_a ? MR : NR;
          const int64_t s0 = (is_a ? t : t - tasks_a) * pack_chunk;
          const int64_t s1 = std::min(is_a ? nslivers_a : nslivers_b, s0 + pack_chunk);
          const int64_t origin = is_a ? ic : jc, extent = is_a ? m : n;
          float* base = is_a ? apack : bpack;
          const int64_t r0 = origin + s0 * w, rows = std::min(extent - r0, (s1 - s0) * w);
          if (op.pack) {
            for (int64_t s = s0; s < s1; s++) {
              const int64_t rs = origin + s * w;
              op.pack(op.ctx, op.first_row + rs, int(std::min<int64_t>(w, extent - rs)), pc, kc, w, base + s * kc * w);
            }
          } else {
            kt.gemm_pack(op.p + (op.first_row + r0) * op.rs + pc * op.ks, op.rs, op.ks, int(rows), kc, w, base + s0 * kc * w);
          }
        });
        int64_t tm = 1;
        if (threads > 1 && tn < 4 * threads) tm = std::min(nslivers_a, ceil_div(4 * threads, tn));
        const int64_t ma_chunk = ceil_div(nslivers_a, tm);
        tm = ceil_div(nslivers_a, ma_chunk);
        run_grid(tm * tn, [&](int64_t t) {
          const int64_t ti = t / tn, tj = t % tn;
          const int64_t sa0 = ti * ma_chunk, sa1 = std::min(nslivers_a, sa0 + ma_chunk);
          const int64_t sb0 = tj * nb_chunk, sb1 = std::min(nslivers_b, sb0 + nb_chunk);
          alignas(64) float tmp[kMaxTile];
          for (int64_t sa = sa0; sa < sa1; sa++) {
            const int64_t i = ic + sa * MR;
            const int rows = int(std::min<int64_t>(MR, m - i));
            const float* as = apack + sa * kc * MR;
            const float* bi = bias ? bias + i : nullptr;
            for (int64_t sb = sb0; sb < sb1; sb++) {
              const int64_t j = jc + sb * NR;
              const int cols = int(std::min<int64_t>(NR, n - j));
              const float* bs = bpack + sb * kc * NR;
              int64_t run;
              float* dst = c_at(c, i, j, &run);
              if (cols == NR && run >= NR) {
                kt.gemm_ukernel(rows, kc, as, bs, dst, c.ldc, alpha, beta_eff, bi);
              } else {
                kt.gemm_ukernel(rows, kc, as, bs, tmp, NR, 1.0f, 0.0f, nullptr);
                store_tile(c, i, rows, j, cols, tmp, NR, alpha, beta_eff, bi);
              }
            }
          }
        });
      }
    }
  }
}

void sgemm_rowmajor(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                    int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  // op(A)(i, p) and op(B)(p, j), both seen as (row, depth) panels.
  const GemmOperand A = trans_a ? GemmOperand::matrix(a, 1, lda) : GemmOperand::matrix(a, lda, 1);
  const GemmOperand B = trans_b ? GemmOperand::matrix(b, ldb, 1) : GemmOperand::matrix(b, 1, ldb);
  GemmOutput C;
  C.c = c;
  C.ldc = ldc;
  sgemm(m, n, k, alpha, A, B, beta, C);
}

}  // namespace ody
