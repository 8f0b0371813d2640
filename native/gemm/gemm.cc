// The SGEMM driver (BLIS-style blocking) over the ISA micro-kernel and packers (kernels/gemm.inl).
//
//   for each column block of C (nc columns of B, sized so the packed block stays in L2):
//     for each depth block (kc, sized so an A sliver stays in L1 while B slivers stream past):
//       pack the B block (kc x nc) into slivers                                      [parallel]
//       for each chunk of A slivers (a few MR-row slivers, packed by whoever takes the chunk):
//         run every A sliver of the chunk against every B sliver of the block          [parallel]
//
// Rows of A come in MR-row slivers; a short remainder is merged with the last full sliver and the
// pair split in two near-equal slivers (M = 64 runs as 4 x 12 + 2 x 8, not 5 x 12 + 4), since a
// kernel with few rows is starved of FMAs per loaded B vector. The micro-kernel writes its tile of
// C directly, with masks at the N edge and one address per column half, so a tile may straddle two
// column segments (images of a batch) at its middle. Buffers are thread-local and reused.
#include "gemm/gemm.h"

#include <algorithm>
#include <cstdint>

#include "dispatch.h"
#include "gemm/aligned_buffer.h"
#include "gemm/cache_info.h"
#include "threadpool.h"

namespace ody {
namespace {

constexpr int kMaxTile = 16 * 64;

thread_local AlignedBuffer tl_apack, tl_bpack, tl_aprepacked;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Block sizes for this CPU's caches (bytes of float32 panels):
//   kc: an A sliver (MR x kc) takes about a quarter of L1, leaving room for the streaming B sliver;
//   nc: the packed B block (kc x nc) takes about half of L2;
//   mc: a chunk of packed A slivers, a few of them, so they stay in L2 beside the B block.
struct Blocking {
  int64_t kc, nc, mc;
};

Blocking blocking(int mr, int nr) {
  const CacheSizes& cs = cache_sizes();
  Blocking b;
  b.kc = std::clamp<int64_t>(cs.l1d / 4 / (4 * mr) / 16 * 16, 128, 512);
  b.nc = std::clamp<int64_t>(cs.l2 / 2 / (4 * b.kc) / nr * nr, 4 * int64_t(nr), 8192);
  b.mc = std::max<int64_t>(mr, (cs.l2 / 16 / (4 * b.kc)) / mr * mr);
  return b;
}

// The slivers of A's rows: nfull slivers of MR rows, then up to two tail slivers.
struct RowPlan {
  int mr;
  int64_t nfull;
  int tail1, tail2;  // rows of the tail slivers (0: none)

  RowPlan(int64_t m, int mr_) : mr(mr_), nfull(m / mr_), tail1(0), tail2(0) {
    const int rem = int(m % mr);
    if (rem > 0 && 2 * rem < mr && nfull > 0) {
      nfull--;
      tail1 = (mr + rem + 1) / 2;
      tail2 = mr + rem - tail1;
    } else {
      tail1 = rem;
    }
  }
  int64_t count() const { return nfull + (tail1 > 0) + (tail2 > 0); }
  int64_t row0(int64_t s) const { return s <= nfull ? s * mr : nfull * mr + tail1; }
  int rows(int64_t s) const { return s < nfull ? mr : s == nfull ? tail1 : tail2; }
};

// Packs `rows` rows of the operand from row r0 (depth [pc, pc + kc)) as slivers of w.
void pack_rows(const Kernels& kt, const GemmOperand& op, int64_t r0, int64_t rows, int64_t pc, int64_t kc, int w,
               float* dst) {
  if (op.pack && op.runs) {
    op.pack(op.ctx, op.first_row + r0, int(rows), pc, kc, w, dst);
  } else if (op.pack) {
    for (int64_t s = 0; s * w < rows; s++)
      op.pack(op.ctx, op.first_row + r0 + s * w, int(std::min<int64_t>(w, rows - s * w)), pc, kc, w, dst + s * kc * w);
  } else {
    kt.gemm_pack(op.p + (op.first_row + r0) * op.rs + pc * op.ks, op.rs, op.ks, int(rows), kc, w, dst);
  }
}

// A slivers [s0, s1) of the plan into dst, one after another (kc x MR floats each).
void pack_a(const Kernels& kt, const GemmOperand& a, const RowPlan& rp, int64_t s0, int64_t s1, int64_t pc, int64_t kc,
            float* dst) {
  const int64_t f1 = std::min(s1, rp.nfull);
  if (f1 > s0) pack_rows(kt, a, s0 * rp.mr, (f1 - s0) * rp.mr, pc, kc, rp.mr, dst);
  for (int64_t s = std::max(s0, rp.nfull); s < s1; s++)
    pack_rows(kt, a, rp.row0(s), rp.rows(s), pc, kc, rp.mr, dst + (s - s0) * kc * rp.mr);
}

// Pointer to C(i, j) and how many columns from j stay contiguous (within j's segment).
inline float* c_at(const GemmOutput& c, int64_t i, int64_t j, int64_t* run) {
  j += c.first_col;
  if (c.seg <= 0) { *run = INT64_MAX; return c.c + i * c.ldc + j; }
  const int64_t s = j / c.seg, off = j - s * c.seg;
  *run = c.seg - off;
  return c.c + i * c.ldc + s * c.seg_stride + off;
}

// Points the tile at C(i, j); false when a column half of the tile is not contiguous in C.
inline bool locate(const GemmOutput& c, int64_t i, int64_t j, int cols, int half, GemmTile& t) {
  int64_t run0;
  t.c0 = c_at(c, i, j, &run0);
  if (cols <= half) { t.c1 = t.c0; return run0 >= cols; }
  if (run0 < half) return false;
  if (run0 >= cols) { t.c1 = t.c0 + half; return true; }
  int64_t run1;
  t.c1 = c_at(c, i, j + half, &run1);
  return run1 >= cols - half;
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

// One depth block of the product for A slivers [sa0, sa1) (packed at apack) against B slivers
// [sb0, sb1) of the packed block starting at column jc.
struct BlockArgs {
  const Kernels* kt;
  const RowPlan* rp;
  const GemmOutput* c;
  int64_t n, jc, kc;
  float alpha, beta;
  const float* bias;  // rows of the whole product, or nullptr
};

void compute_block(const BlockArgs& g, int64_t sa0, int64_t sa1, const float* apack, int64_t sb0, int64_t sb1,
                   const float* bpack) {
  const Kernels& kt = *g.kt;
  const int MR = kt.gemm_mr, NR = kt.gemm_nr, half = NR / 2;
  alignas(64) float tmp[kMaxTile];
  GemmTile t;
  t.ldc = g.c->ldc;
  t.alpha = g.alpha;
  t.beta = g.beta;
  for (int64_t sa = sa0; sa < sa1; sa++) {
    const int64_t i = g.rp->row0(sa);
    const int rows = g.rp->rows(sa);
    const float* as = apack + (sa - sa0) * g.kc * MR;
    const float* anext = sa + 1 < sa1 ? as + g.kc * MR : nullptr;
    const float* bias = g.bias ? g.bias + i : nullptr;
    for (int64_t sb = sb0; sb < sb1; sb++) {
      const int64_t j = g.jc + sb * NR;
      const int cols = int(std::min<int64_t>(NR, g.n - j));
      const float* bs = bpack + sb * g.kc * NR;
      t.cols = cols;
      t.a_next = sb + 1 == sb1 ? anext : nullptr;
      if (locate(*g.c, i, j, cols, half, t)) {
        t.ldc = g.c->ldc;
        t.alpha = g.alpha;
        t.beta = g.beta;
        t.bias = bias;
        kt.gemm_ukernel(rows, g.kc, as, bs, NR, t);
      } else {
        GemmTile u = t;
        u.c0 = tmp;
        u.c1 = tmp + half;
        u.ldc = NR;
        u.alpha = 1.0f;
        u.beta = 0.0f;
        u.bias = nullptr;
        kt.gemm_ukernel(rows, g.kc, as, bs, NR, u);
        store_tile(*g.c, i, rows, j, cols, tmp, NR, g.alpha, g.beta, bias);
      }
    }
  }
}

// Equal depth blocks of at most kc: no thin last block.
int64_t depth_block(int64_t k, const Blocking& bl) { return ceil_div(k, ceil_div(k, bl.kc)); }

// All of A packed once, for a product that would otherwise pack it once per column block: depth
// block pb (of kcb) holds the plan's slivers one after another, sliver s at pb * nsa * kcb * MR +
// s * kc * MR.
float* prepack_a(int64_t m, int64_t k, const GemmOperand& a, int threads) {
  const Kernels& kt = kernels();
  const int MR = kt.gemm_mr;
  const int64_t kcb = depth_block(k, blocking(MR, kt.gemm_nr));
  const RowPlan rp(m, MR);
  const int64_t nsa = rp.count(), kblocks = ceil_div(k, kcb);
  float* buf = tl_aprepacked.get(size_t(kblocks * nsa * kcb * MR));
  const int64_t chunk = std::max<int64_t>(1, ceil_div(nsa, 4 * threads));
  const int64_t per_block = ceil_div(nsa, chunk);
  auto task = [&](int64_t t) {
    const int64_t pb = t / per_block, s0 = (t - pb * per_block) * chunk, s1 = std::min(nsa, s0 + chunk);
    const int64_t pc = pb * kcb, kc = std::min(kcb, k - pc);
    pack_a(kt, a, rp, s0, s1, pc, kc, buf + pb * nsa * kcb * MR + s0 * kc * MR);
  };
  if (threads > 1) parallel_tasks(kblocks * per_block, task);
  else for (int64_t t = 0; t < kblocks * per_block; t++) task(t);
  return buf;
}

// The blocked product on `threads` threads sharing each packed B block. With apre (from
// prepack_a), A is not packed again.
void gemm_blocked(int64_t m, int64_t n, int64_t k, float alpha, const GemmOperand& a, const GemmOperand& b, float beta,
                  const GemmOutput& c, int threads, const float* apre) {
  const Kernels& kt = kernels();
  const int MR = kt.gemm_mr, NR = kt.gemm_nr;
  const Blocking bl = blocking(MR, NR);
  const int64_t kcb = depth_block(k, bl);
  const int64_t jblocks = ceil_div(n, bl.nc);
  const int64_t ncb = ceil_div(ceil_div(n, jblocks), NR) * NR;
  const RowPlan rp(m, MR);
  const int64_t nsa = rp.count();
  // A chunks: about mc rows each, and at least a few per thread when threaded.
  int64_t chunk = std::max<int64_t>(1, bl.mc / MR);
  if (threads > 1) chunk = std::min(chunk, std::max<int64_t>(1, ceil_div(nsa, 4 * threads)));
  const int64_t nchunks = ceil_div(nsa, chunk);
  float* bpack = tl_bpack.get(size_t(ncb * kcb));
  auto run_grid = [&](int64_t ntasks, auto&& fn) {
    if (threads == 1) { for (int64_t t = 0; t < ntasks; t++) fn(t); }
    else parallel_tasks(ntasks, fn);
  };

  for (int64_t jc = 0; jc < n; jc += ncb) {
    const int64_t nc = std::min(ncb, n - jc);
    const int64_t nsb = ceil_div(nc, NR);
    for (int64_t pc = 0; pc < k; pc += kcb) {
      const int64_t kc = std::min(kcb, k - pc);
      const bool first = pc == 0;
      // Pack the B block: runs of slivers (a plain-matrix run is packed in one call, reading
      // source rows across the run).
      const int64_t run = threads == 1 ? nsb : std::max<int64_t>(2, ceil_div(nsb, 4 * threads));
      run_grid(ceil_div(nsb, run), [&](int64_t t) {
        const int64_t s0 = t * run, s1 = std::min(nsb, s0 + run);
        pack_rows(kt, b, jc + s0 * NR, std::min(nc - s0 * NR, (s1 - s0) * NR), pc, kc, NR, bpack + s0 * kc * NR);
      });
      const BlockArgs args{&kt, &rp, &c, n, jc, kc, alpha, first ? beta : 1.0f, first ? c.row_bias : nullptr};
      run_grid(nchunks, [&](int64_t t) {
        const int64_t sa0 = t * chunk, sa1 = std::min(nsa, sa0 + chunk);
        const float* apack;
        if (apre) {
          apack = apre + (pc / kcb) * nsa * kcb * MR + sa0 * kc * MR;
        } else {
          float* buf = tl_apack.get(size_t(chunk * kc * MR));
          pack_a(kt, a, rp, sa0, sa1, pc, kc, buf);
          apack = buf;
        }
        compute_block(args, sa0, sa1, apack, 0, nsb, bpack);
      });
    }
  }
}

}  // namespace

void sgemm(int64_t m, int64_t n, int64_t k, float alpha, const GemmOperand& a, const GemmOperand& b, float beta,
           const GemmOutput& c) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) { scale_output(m, n, beta, c); return; }
  const Kernels& kt = kernels();
  const int MR = kt.gemm_mr, NR = kt.gemm_nr;
  // Below about a million flops, waking a second thread costs more than it saves.
  const bool small = double(m) * double(n) * double(k) < double(1 << 19);
  const int threads = (in_parallel_region() || small) ? 1 : num_threads();
  // A reused by several column blocks (or slices) is packed once, if it is not huge.
  const Blocking bl = blocking(MR, NR);
  const bool reuse_a = n > bl.nc && m * k <= (int64_t(4) << 20);
  if (threads > 1) {
    // Wide products (convolutions: N = images x pixels): column slices of at least 1024 taken in
    // turn by the threads, each a whole single-threaded product with its own packing. One join per
    // call instead of two per block, no packed panel shared between cores, and repacking A per
    // slice costs under 1/2048 of the slice's flops per element.
    const int64_t slices = std::min<int64_t>(4 * threads, n / 1024);
    if (slices >= 2 * threads) {
      const float* apre = reuse_a ? prepack_a(m, k, a, threads) : nullptr;
      parallel_tasks(slices, [&](int64_t t) {
        const int64_t j0 = (n * t / slices) / NR * NR, j1 = t + 1 == slices ? n : (n * (t + 1) / slices) / NR * NR;
        GemmOperand bs = b;
        bs.first_row += j0;
        GemmOutput cs = c;
        cs.first_col += j0;
        gemm_blocked(m, j1 - j0, k, alpha, a, bs, beta, cs, 1, apre);
      });
      return;
    }
    // Large products that are not wide: one row slice (of at least 128) per thread, the same way.
    // Each slice repacks all of B, so more slices than threads cost more packing than their
    // balancing saves (2 threads, 512 x 1024 x 4608: 4 slices ~265 GFLOP/s, 2 slices ~330); in
    // exchange for the repacking, no joins inside the product.
    const int64_t row_slices = threads;
    if (m >= 128 * row_slices && double(m) * double(n) * double(k) >= double(1 << 27)) {
      parallel_tasks(row_slices, [&](int64_t t) {
        const int64_t i0 = (m * t / row_slices) / MR * MR, i1 = t + 1 == row_slices ? m : (m * (t + 1) / row_slices) / MR * MR;
        GemmOperand as = a;
        as.first_row += i0;
        GemmOutput cs = c;
        cs.c += i0 * c.ldc;
        if (cs.row_bias) cs.row_bias += i0;
        gemm_blocked(i1 - i0, n, k, alpha, as, b, beta, cs, 1, nullptr);
      });
      return;
    }
  }
  gemm_blocked(m, n, k, alpha, a, b, beta, c, threads, reuse_a ? prepack_a(m, k, a, threads) : nullptr);
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
