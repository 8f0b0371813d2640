// Winograd F(2x2, 3x3) tile transforms (layouts: conv/winograd.h; driver: conv/winograd.cc).
// Tiles are taken a run of up to kWinoRun along one tile row at a time, so every step below is a
// loop over the run's tiles that the compiler vectorises for the ISA.
#pragma once

constexpr int64_t kWinoRun = 64;

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

// V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
static void wino_input(const WinoInputArgs& a, int64_t t0, int64_t t1, float* v) {
  const int64_t T = t1 - t0, hw = a.h * a.w, cs = a.c * T;
  alignas(64) float rows[4][2 * kWinoRun + 2], e[4][2 * kWinoRun + 2];
  wino_runs(a.th, a.tw, t0, t1, [&](int64_t b, int64_t ty, int64_t tx0, int64_t n, int64_t i0) {
    const int64_t cols = 2 * n + 2, x0 = 2 * tx0 - a.pw;
    // Input columns [lo, hi) of the run lie inside the plane.
    const int64_t lo = std::max<int64_t>(0, -x0), hi = std::min<int64_t>(cols, a.w - x0);
    for (int64_t ci = 0; ci < a.c; ci++) {
      const float* plane = a.x + b * a.img_stride + ci * hw;
      for (int i = 0; i < 4; i++) {
        const int64_t iy = 2 * ty - a.ph + i;
        float* r = rows[i];
        if (iy < 0 || iy >= a.h || hi <= lo) {
          std::fill(r, r + cols, 0.0f);
          continue;
        }
        std::fill(r, r + lo, 0.0f);
        std::copy(plane + iy * a.w + x0 + lo, plane + iy * a.w + x0 + hi, r + lo);
        std::fill(r + hi, r + cols, 0.0f);
      }
      for (int64_t j = 0; j < cols; j++) {
        const float d0 = rows[0][j], d1 = rows[1][j], d2 = rows[2][j], d3 = rows[3][j];
        e[0][j] = d0 - d2;
        e[1][j] = d1 + d2;
        e[2][j] = d2 - d1;
        e[3][j] = d1 - d3;
      }
      float* out = v + ci * T + i0;
      for (int i = 0; i < 4; i++) {
        const float* ei = e[i];
        float* o0 = out + (4 * i) * cs;
        float* o1 = o0 + cs;
        float* o2 = o1 + cs;
        float* o3 = o2 + cs;
        for (int64_t q = 0; q < n; q++) {
          const float c0 = ei[2 * q], c1 = ei[2 * q + 1], c2 = ei[2 * q + 2], c3 = ei[2 * q + 3];
          o0[q] = c0 - c2;
          o1[q] = c1 + c2;
          o2[q] = c2 - c1;
          o3[q] = c1 - c3;
        }
      }
    }
  });
}

// Y = A^T M A, A^T = [1 1 1 0; 0 1 -1 -1].
static void wino_output(const WinoOutputArgs& a, int64_t t0, int64_t t1, const float* m) {
  const int64_t T = t1 - t0, ohw = a.oh * a.ow, ks = a.k * T;
  alignas(64) float s[2][4][kWinoRun], yv[2][2 * kWinoRun];
  wino_runs(a.th, a.tw, t0, t1, [&](int64_t b, int64_t ty, int64_t tx0, int64_t n, int64_t i0) {
    const int64_t oy = 2 * ty, ox = 2 * tx0, cols = std::min(2 * n, a.ow - ox), nrows = std::min<int64_t>(2, a.oh - oy);
    for (int64_t ko = 0; ko < a.k; ko++) {
      const float* mk = m + ko * T + i0;
      // Rows of A^T M for each column jj of the tile.
      for (int jj = 0; jj < 4; jj++) {
        const float* m0 = mk + jj * ks;
        const float* m1 = m0 + 4 * ks;
        const float* m2 = m1 + 4 * ks;
        const float* m3 = m2 + 4 * ks;
        for (int64_t q = 0; q < n; q++) {
          s[0][jj][q] = m0[q] + m1[q] + m2[q];
          s[1][jj][q] = m1[q] - m2[q] - m3[q];
        }
      }
      const float bi = a.bias ? a.bias[ko] : 0.0f;
      for (int i = 0; i < 2; i++) {
        for (int64_t q = 0; q < n; q++) {
          yv[i][2 * q] = s[i][0][q] + s[i][1][q] + s[i][2][q] + bi;
          yv[i][2 * q + 1] = s[i][1][q] - s[i][2][q] - s[i][3][q] + bi;
        }
      }
      float* dst = a.y + b * a.img_stride + ko * ohw + oy * a.ow + ox;
      for (int64_t i = 0; i < nrows; i++) std::copy(yv[i], yv[i] + cols, dst + i * a.ow);
    }
  });
}

inline void fill_conv_winograd(Kernels& k) {
  k.wino_input = wino_input;
  k.wino_output = wino_output;
}
