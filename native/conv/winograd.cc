// Winograd F(2x2, 3x3) driver (see conv/winograd.h). Per call the weights are transformed once
// (16 x K x C). The tiles are then cut into blocks, one task each on the pool: a block's input
// tiles are transformed (16 x C x tiles), the 16 products run as single-threaded GEMMs on the
// existing driver (gemm/gemm.h), and the results are transformed back into y. A block is sized so
// its transformed tiles and products (16 x (C + K) x tiles floats) stay in the outer caches
// instead of materialising the whole layer.
#include "conv/winograd.h"

#include <algorithm>
#include <cstring>

#include "conv/conv_geom.h"
#include "dispatch.h"
#include "gemm/aligned_buffer.h"
#include "gemm/gemm.h"
#include "threadpool.h"

namespace ody {
namespace {

enum class Mode { kAuto, kAlways, kNever };
Mode g_mode = Mode::kAuto;

thread_local AlignedBuffer tl_u, tl_v, tl_m;

// One convolution as Winograd sees it: ci input planes of h x w (padding ph, pw) to co output
// planes of oh x ow; u holds the transformed weights [xi][co][ci].
struct WinoProblem {
  const float* in;
  int64_t in_img, n, ci, h, w, ph, pw;
  float* out;
  int64_t out_img, co, oh, ow;
  const float* bias;
  const float* u;
};

// Whether Winograd beats the GEMM path on this shape (auto mode). Measured on Zen 4 against the
// implicit-im2col GEMM (bench conv): few channels leave the 16 GEMMs too thin to pay for the
// transforms, and small odd planes waste much of their 2x2 output tiles.
bool worth_it(int64_t ci, int64_t co, int64_t oh, int64_t ow) {
  const int64_t th = (oh + 1) / 2, tw = (ow + 1) / 2;
  if (ci < 32 || co < 32) return false;
  // Output pixels computed (4 per tile) over those needed: at most 1.5.
  return 4 * th * tw * 2 <= 3 * oh * ow;
}

void run(const WinoProblem& p) {
  const Kernels& kt = kernels();
  const int64_t th = (p.oh + 1) / 2, tw = (p.ow + 1) / 2, tiles = p.n * th * tw;
  const int threads = in_parallel_region() ? 1 : num_threads();
  // Tiles per block: the block's transformed tiles and products in about 4 MB, at least one GEMM
  // column block wide, and at least two blocks per thread when there are several threads.
  int64_t tb = std::clamp<int64_t>((int64_t(1) << 20) / (16 * (p.ci + p.co)) / 32 * 32, 32, 2048);
  if (threads > 1) tb = std::min(tb, std::max<int64_t>(32, (tiles + 2 * threads - 1) / (2 * threads) + 31) / 32 * 32);
  const int64_t blocks = (tiles + tb - 1) / tb;
  const WinoInputArgs ia{p.in, p.in_img, p.ci, p.h, p.w, p.ph, p.pw, th, tw};
  const WinoOutputArgs oa{p.out, p.out_img, p.co, p.oh, p.ow, th, tw, p.bias};
  parallel_tasks(blocks, [&](int64_t blk) {
    const int64_t t0 = blk * tb, t1 = std::min(tiles, t0 + tb), T = t1 - t0;
    float* v = tl_v.get(size_t(16 * p.ci * T));
    float* m = tl_m.get(size_t(16 * p.co * T));
    kt.wino_input(ia, t0, t1, v);
    for (int xi = 0; xi < 16; xi++) {
      GemmOutput out;
      out.c = m + xi * p.co * T;
      out.ldc = T;
      sgemm(p.co, T, p.ci, 1.0f, GemmOperand::matrix(p.u + xi * p.co * p.ci, p.ci, 1),
            GemmOperand::matrix(v + xi * p.ci * T, 1, T), 0.0f, out);
    }
    kt.wino_output(oa, t0, t1, m);
  });
}

// u[xi][o][i] = (G g G^T)[xi] for the 3x3 kernel g of output o, input i; G = [1 0 0; .5 .5 .5;
// .5 -.5 .5; 0 0 1]. `flip`: the input-gradient form, g = w[i][o] rotated by 180 degrees.
void transform_weights(const float* w, int64_t co, int64_t ci, bool flip, float* u) {
  parallel_for(co, 8, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
      for (int64_t i = 0; i < ci; i++) {
        float g[3][3];
        const float* src = flip ? w + (i * co + o) * 9 : w + (o * ci + i) * 9;
        for (int r = 0; r < 3; r++)
          for (int s = 0; s < 3; s++) g[r][s] = flip ? src[(2 - r) * 3 + 2 - s] : src[r * 3 + s];
        float t[4][3];
        for (int s = 0; s < 3; s++) {
          t[0][s] = g[0][s];
          t[1][s] = 0.5f * (g[0][s] + g[1][s] + g[2][s]);
          t[2][s] = 0.5f * (g[0][s] - g[1][s] + g[2][s]);
          t[3][s] = g[2][s];
        }
        for (int r = 0; r < 4; r++) {
          const float q[4] = {t[r][0], 0.5f * (t[r][0] + t[r][1] + t[r][2]), 0.5f * (t[r][0] - t[r][1] + t[r][2]), t[r][2]};
          for (int s = 0; s < 4; s++) u[((r * 4 + s) * co + o) * ci + i] = q[s];
        }
      }
    }
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
  if (!applies(g) || (g_mode == Mode::kAuto && !worth_it(g.c, g.k, g.oh, g.ow))) return false;
  float* u = tl_u.get(size_t(16 * g.k * g.c));
  transform_weights(w, g.k, g.c, false, u);
  run(WinoProblem{x, g.c * g.h * g.w, g.n, g.c, g.h, g.w, g.ph, g.pw, y, g.k * g.oh * g.ow, g.k, g.oh, g.ow, bias, u});
  return true;
}

bool winograd_conv_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  // dx = dy (oh x ow, padding 2 - ph) correlated with the flipped, transposed kernels.
  if (!applies(g) || (g_mode == Mode::kAuto && !worth_it(g.k, g.c, g.h, g.w))) return false;
  float* u = tl_u.get(size_t(16 * g.k * g.c));
  transform_weights(w, g.c, g.k, true, u);
  run(WinoProblem{dy, g.k * g.oh * g.ow, g.n, g.k, g.oh, g.ow, 2 - g.ph, 2 - g.pw, dx, g.c * g.h * g.w, g.c, g.h, g.w, nullptr, u});
  return true;
}

}  // namespace ody
