// Strided iteration for the bindings: a shape with per-operand offsets and strides (in elements),
// read from the `meta` Float64Array the TypeScript side fills: [ndim, shape..., then for each
// operand: offset, strides...]. Dimensions are simplified first (size-1 dimensions dropped,
// neighbours merged where every operand steps through them as one), so contiguous and broadcast
// cases reach the kernels as one long row or a few 2-d blocks.
#pragma once
#include <cstdint>

#include "threadpool.h"

namespace ody {

constexpr int kMaxDims = 64;

template <int NOPS>
struct Strided {
  int nd = 0;
  int64_t shape[kMaxDims];
  int64_t off[NOPS];
  int64_t st[NOPS][kMaxDims];

  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < nd; d++) n *= shape[d];
    return n;
  }

  // Operand `first_input` onwards come from meta; operands before it are contiguous outputs
  // (offset 0, row-major strides over the shape).
  void read(const double* meta, int first_input) {
    nd = int(meta[0]);
    for (int d = 0; d < nd; d++) shape[d] = int64_t(meta[1 + d]);
    for (int k = 0; k < first_input; k++) {
      off[k] = 0;
      int64_t s = 1;
      for (int d = nd - 1; d >= 0; d--) { st[k][d] = s; s *= shape[d]; }
    }
    const double* p = meta + 1 + nd;
    for (int k = first_input; k < NOPS; k++) {
      off[k] = int64_t(p[0]);
      for (int d = 0; d < nd; d++) st[k][d] = int64_t(p[1 + d]);
      p += 1 + nd;
    }
  }

  // Drops size-1 dimensions and merges d into d + 1 where st[k][d] == st[k][d + 1] * shape[d + 1]
  // for every operand. Call only when numel() > 0.
  void simplify() {
    int m = 0;
    for (int d = 0; d < nd; d++) {
      if (shape[d] == 1) continue;
      shape[m] = shape[d];
      for (int k = 0; k < NOPS; k++) st[k][m] = st[k][d];
      m++;
    }
    nd = m;
    if (nd <= 1) return;
    int w = nd - 1;  // merge from the innermost dimension outwards
    for (int d = nd - 2; d >= 0; d--) {
      bool ok = true;
      for (int k = 0; k < NOPS; k++) ok = ok && st[k][d] == st[k][w] * shape[w];
      if (ok) {
        shape[w] *= shape[d];
      } else {
        w--;
        shape[w] = shape[d];
        for (int k = 0; k < NOPS; k++) st[k][w] = st[k][d];
      }
    }
    int shift = w;
    nd -= shift;
    for (int d = 0; d < nd; d++) {
      shape[d] = shape[d + shift];
      for (int k = 0; k < NOPS; k++) st[k][d] = st[k][d + shift];
    }
  }

  // After simplify(): the last two dimensions are a block of rows x cols (rows = 1 when nd <= 1);
  // the dimensions before them are "outer". A flat row index runs over outer x rows.
  int64_t cols() const { return nd >= 1 ? shape[nd - 1] : 1; }
  int64_t rows() const { return nd >= 2 ? shape[nd - 2] : 1; }
  int64_t flat_rows() const { return nd >= 2 ? numel() / cols() : 1; }
  int64_t col_stride(int k) const { return nd >= 1 ? st[k][nd - 1] : 0; }
  int64_t row_stride(int k) const { return nd >= 2 ? st[k][nd - 2] : 0; }

  // Element offsets of operand k at the start of flat row fr.
  void row_offsets(int64_t fr, int64_t* offs) const {
    int64_t rem = fr;
    for (int k = 0; k < NOPS; k++) offs[k] = off[k];
    for (int d = nd - 2; d >= 0 && rem > 0; d--) {
      int64_t i = rem % shape[d];
      rem /= shape[d];
      for (int k = 0; k < NOPS; k++) offs[k] += i * st[k][d];
    }
  }

  // fn(offs, nrows, ncols) over flat rows [r0, r1) and columns [c0, c1), in runs of rows that
  // share their outer index (so each run is one 2-d block).
  template <class F>
  void for_blocks(int64_t r0, int64_t r1, int64_t c0, int64_t c1, F&& fn) const {
    const int64_t nr = rows();
    int64_t offs[NOPS];
    for (int64_t fr = r0; fr < r1;) {
      int64_t in_block = fr % nr;
      int64_t take = std::min(nr - in_block, r1 - fr);
      row_offsets(fr, offs);
      for (int k = 0; k < NOPS; k++) offs[k] += c0 * col_stride(k);
      fn(offs, take, c1 - c0);
      fr += take;
    }
  }

  // Runs the whole iteration space in blocks, on the thread pool when it has more than `grain`
  // elements: split over flat rows when there are enough of them, else over columns.
  template <class F>
  void run(int64_t grain, F&& fn) const {
    const int64_t fr = flat_rows(), nc = cols();
    const int64_t total = fr * nc;
    if (total <= grain || num_threads() == 1) { for_blocks(0, fr, 0, nc, fn); return; }
    if (fr >= 2 * num_threads() || nc < grain) {
      int64_t grain_rows = std::max<int64_t>(1, grain / std::max<int64_t>(1, nc));
      parallel_for(fr, grain_rows, [&](int64_t a, int64_t b) { for_blocks(a, b, 0, nc, fn); });
    } else {
      parallel_for(nc, grain, [&](int64_t a, int64_t b) { for_blocks(0, fr, a, b, fn); });
    }
  }
};

}  // namespace ody
