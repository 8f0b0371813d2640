// Winograd F(2x2, 3x3) tile transforms (layouts: conv/winograd.h; driver: conv/winograd.cc).
// Tiles are taken a run of up to kWinoRun along one tile row at a time, so every step below is a
// loop over the run's tiles that the compiler vectorises for the ISA.
#pragma once

constexpr int64_t kWinoRun = 64;
// GCC turns the short zeroing loops below into memset calls (a call per row of a tiny run:
// several percent of a layer on 4x4 planes); keep them inline.
#if defined(__GNUC__) && !defined(__clang__)
#define ODY_WINO_INLINE_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define ODY_WINO_INLINE_LOOPS
#endif
// Read in place of input rows outside the plane.
alignas(64) static const float kWinoZeros[2 * kWinoRun + 2] = {};

// fn(b, ty, tx0, n, i0) for each run of tiles [t0, t1): image b, tile row ty, tiles tx0 .. tx0 + n
// - 1, the first being tile t0 + i0.
template <class F>
static inline void wino_runs(int64_t th, int64_t tw, int64_t t0, int64_t t1, F&& fn) {
  for (int64_t t = t0; t < t1;) {
    const int64_t row = t / tw, tx = t - row * tw, n = std::min({tw - tx, t1 - t, kWinoRun});
    fn(row / th, row - (row / th) * th, tx, n, t - t0);
    t += n;
  }
}

// V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], written as the GEMM's packed B
// slivers (kGemmNR tiles wide, the channels as depth), so the products need no packing.
ODY_WINO_INLINE_LOOPS static void wino_input(const WinoInputArgs& a, int64_t t0, int64_t t1, float* v) {
  constexpr int64_t NR = kGemmNR;
  const int64_t T = t1 - t0, nsb = (T + NR - 1) / NR, hw = a.h * a.w, xs = nsb * a.c * NR;
  alignas(64) float e[4][2 * kWinoRun + 2];
  wino_runs(a.th, a.tw, t0, t1, [&](int64_t b, int64_t ty, int64_t tx0, int64_t n, int64_t i0) {
    const int64_t cols = 2 * n + 2, x0 = 2 * tx0 - a.pw;
    // Input columns [lo, hi) of the run lie inside the plane.
    const int64_t lo = std::max<int64_t>(0, -x0), hi = std::min<int64_t>(cols, a.w - x0);
    for (int64_t ci = 0; ci < a.c; ci++) {
      const float* plane = a.x + b * a.img_stride + ci * hw;
      // Rows outside the plane read zeros; so do columns outside [lo, hi).
      // (row pointers are offset to the run's first column x0, read only at columns >= lo)
      const float* r[4];
      for (int i = 0; i < 4; i++) {
        const int64_t iy = 2 * ty - a.ph + i;
        r[i] = iy < 0 || iy >= a.h ? kWinoZeros : plane + iy * a.w + x0;
      }
      const int64_t jlo = std::min(lo, cols), jhi = std::max(jlo, hi);
      for (int i = 0; i < 4; i++) {
        for (int64_t j = 0; j < jlo; j++) e[i][j] = 0.0f;
        for (int64_t j = jhi; j < cols; j++) e[i][j] = 0.0f;
      }
      const float* __restrict r0 = r[0];
      const float* __restrict r1 = r[1];
      const float* __restrict r2 = r[2];
      const float* __restrict r3 = r[3];
      for (int64_t j = jlo; j < jhi; j++) {
        const float d0 = r0[j], d1 = r1[j], d2 = r2[j], d3 = r3[j];
        e[0][j] = d0 - d2;
        e[1][j] = d1 + d2;
        e[2][j] = d2 - d1;
        e[3][j] = d1 - d3;
      }
      // Tile i0 + q goes to sliver (i0 + q) / NR, column (i0 + q) % NR.
      for (int64_t q = 0; q < n;) {
        const int64_t tt = i0 + q, sb = tt / NR, j = tt - sb * NR, len = std::min(n - q, NR - j);
        float* d = v + (sb * a.c + ci) * NR + j;
        for (int i = 0; i < 4; i++) {
          const float* __restrict ei = e[i] + 2 * q;
          float* __restrict o0 = d + 4 * i * xs;
          float* __restrict o1 = o0 + xs;
          float* __restrict o2 = o1 + xs;
          float* __restrict o3 = o2 + xs;
          for (int64_t u = 0; u < len; u++) {
            const float c0 = ei[2 * u], c1 = ei[2 * u + 1], c2 = ei[2 * u + 2], c3 = ei[2 * u + 3];
            o0[u] = c0 - c2;
            o1[u] = c1 + c2;
            o2[u] = c2 - c1;
            o3[u] = c1 - c3;
          }
        }
        q += len;
      }
    }
  });
}

// Y = A^T M A, A^T = [1 1 1 0; 0 1 -1 -1]. The sums run over up to kWinoChunk consecutive tiles
// of the block at a time, whatever images and rows they belong to (small planes have runs of one
// or two tiles: VGG-16's and ResNet-18's 4x4 planes spent a fifth of their time here when the
// sums went run by run); the stores then follow the runs.
constexpr int64_t kWinoChunk = 256;
static void wino_output(const WinoOutputArgs& a, int64_t t0, int64_t t1, const float* m) {
  const int64_t T = a.ldm, ohw = a.oh * a.ow, ks = a.k * T;
  alignas(64) float s[2][4][kWinoChunk], yv[4][kWinoChunk];
  for (int64_t c0 = t0; c0 < t1; c0 += kWinoChunk) {
    const int64_t cn = std::min(kWinoChunk, t1 - c0);
    for (int64_t ko = 0; ko < a.k; ko++) {
      const float* mk = m + ko * T + (c0 - t0);
      // Rows of A^T M for each column jj of the tile.
      for (int jj = 0; jj < 4; jj++) {
        const float* __restrict m0 = mk + jj * ks;
        const float* __restrict m1 = m0 + 4 * ks;
        const float* __restrict m2 = m1 + 4 * ks;
        const float* __restrict m3 = m2 + 4 * ks;
        for (int64_t q = 0; q < cn; q++) {
          s[0][jj][q] = m0[q] + m1[q] + m2[q];
          s[1][jj][q] = m1[q] - m2[q] - m3[q];
        }
      }
      const float bi = a.bias ? a.bias[ko] : 0.0f;
      for (int i = 0; i < 2; i++) {
        for (int64_t q = 0; q < cn; q++) {
          yv[2 * i][q] = s[i][0][q] + s[i][1][q] + s[i][2][q] + bi;
          yv[2 * i + 1][q] = s[i][1][q] - s[i][2][q] - s[i][3][q] + bi;
        }
      }
      wino_runs(a.th, a.tw, c0, c0 + cn, [&](int64_t b, int64_t ty, int64_t tx0, int64_t n, int64_t i0) {
        const int64_t oy = 2 * ty, ox = 2 * tx0, cols = std::min(2 * n, a.ow - ox), nrows = std::min<int64_t>(2, a.oh - oy);
        float* dst = a.y + b * a.img_stride + ko * ohw + oy * a.ow + ox;
        // Tiles [0, full) have both output columns inside the plane; an odd width leaves one more
        // with only its first.
        const int64_t full = cols / 2;
        for (int64_t i = 0; i < nrows; i++) {
          const float* __restrict ye = yv[2 * i] + i0;
          const float* __restrict yo = yv[2 * i + 1] + i0;
          float* __restrict d = dst + i * a.ow;
          for (int64_t q = 0; q < full; q++) {
            d[2 * q] = ye[q];
            d[2 * q + 1] = yo[q];
          }
          if (cols & 1) d[cols - 1] = ye[full];
        }
      });
    }
  }
}

// The transformed weights (G g G^T)[xi] for inputs i in [i0, i1), G = [1 0 0; .5 .5 .5;
// .5 -.5 .5; 0 0 1], g = w[o][i] (forward) or w[i][o] rotated by 180 degrees (`flip`, the input
// gradient), as the GEMM's packed A slivers: output channels [row0[s], row0[s + 1]) form sliver s,
// stored at u[xi * xstride + (s * ci + i) * mr + o - row0[s]].
template <bool flip>
static void wino_weights_t(const float* w, int64_t co, int64_t ci, int64_t i0, int64_t i1, const int64_t* row0, int64_t nsa,
                           int64_t xstride, int mr, float* u) {
  alignas(64) float g[9][16], t[4][3][16];
  // Sweeps w in memory order: sliver by sliver (its rows' runs over i) for the forward weights,
  // input by input (a contiguous row of w) for the flipped ones; across the other, a 9 KB stride
  // left the loads waiting on memory.
  auto one = [&](int64_t s, int64_t i) __attribute__((always_inline)) {
    const int64_t ob = row0[s], on = row0[s + 1] - ob;
    {
      for (int64_t q = 0; q < on; q++) {
        const float* src = flip ? w + (i * co + ob + q) * 9 : w + ((ob + q) * ci + i) * 9;
#pragma GCC unroll 9
        for (int tap = 0; tap < 9; tap++) g[tap][q] = src[flip ? 8 - tap : tap];
      }
      for (int c = 0; c < 3; c++) {
        for (int64_t q = 0; q < on; q++) {
          const float g0 = g[c][q], g1 = g[3 + c][q], g2 = g[6 + c][q];
          t[0][c][q] = g0;
          t[1][c][q] = 0.5f * (g0 + g1 + g2);
          t[2][c][q] = 0.5f * (g0 - g1 + g2);
          t[3][c][q] = g2;
        }
      }
      float* d = u + (s * ci + i) * mr;
      for (int r = 0; r < 4; r++) {
        float* __restrict d0 = d + 4 * r * xstride;
        float* __restrict d1 = d0 + xstride;
        float* __restrict d2 = d1 + xstride;
        float* __restrict d3 = d2 + xstride;
        for (int64_t q = 0; q < on; q++) {
          const float a0 = t[r][0][q], a1 = t[r][1][q], a2 = t[r][2][q];
          d0[q] = a0;
          d1[q] = 0.5f * (a0 + a1 + a2);
          d2[q] = 0.5f * (a0 - a1 + a2);
          d3[q] = a2;
        }
      }
    }
  };
  if (flip) {
    for (int64_t i = i0; i < i1; i++)
      for (int64_t s = 0; s < nsa; s++) one(s, i);
  } else {
    for (int64_t s = 0; s < nsa; s++)
      for (int64_t i = i0; i < i1; i++) one(s, i);
  }
}

static void wino_weights(const float* w, int64_t co, int64_t ci, bool flip, int64_t i0, int64_t i1, const int64_t* row0,
                         int64_t nsa, int64_t xstride, int mr, float* u) {
  if (flip) wino_weights_t<true>(w, co, ci, i0, i1, row0, nsa, xstride, mr, u);
  else wino_weights_t<false>(w, co, ci, i0, i1, row0, nsa, xstride, mr, u);
}

inline void fill_conv_winograd(Kernels& k) {
  k.wino_input = wino_input;
  k.wino_output = wino_output;
  k.wino_weights = wino_weights;
}
