// The convolution driver: maps each pass onto the GEMM (native/gemm/gemm.h) or the depthwise driver
// (conv/depthwise.cc).
//
//   forward         y_g[ko, (b,p)] = W_g[ko, (c,kr,ks)] . im2col(x_g)[(c,kr,ks), (b,p)]
//                   B is packed straight from the image; C is y itself, one column segment per image
//                   (1x1 kernels on planes under half a GEMM tile: a plain buffer, then scattered).
//   input grad      stride 1: the same forward, run on dy with the weights flipped and transposed
//                   (padding dil*(R-1) - pad); otherwise W_g^T . dy_g into a column buffer, then col2im.
//   weight grad     dW_g[ko, (kr,ks,c)] = dy_g[ko, (b,p)] . taps(x)[(b,p), (kr,ks,c)], reading the taps
//                   from an NHWC copy of x so that each packed row is a contiguous run of channels (a
//                   pointwise kernel reads x's planes as they are, and with AVX-512 skips the GEMM:
//                   conv/pointwise_weight.h). The batch is the GEMM's depth; threads take image
//                   ranges into private partial sums.
#include "conv/conv.h"

#include <algorithm>
#include <vector>

#include "conv/conv_wide.h"
#include "conv/depthwise.h"
#include "conv/pointwise_weight.h"
#include "conv/winograd.h"
#include "dispatch.h"
#include "gemm/aligned_buffer.h"
#include "gemm/gemm.h"
#include "threadpool.h"

namespace ody {
namespace {

thread_local AlignedBuffer tl_weights, tl_col, tl_nhwc, tl_dw, tl_parts, tl_phases;

// The dy rows of one group as the A operand of the weight gradient: row = output channel,
// depth = (image, pixel). Each image's block is a plain matrix with contiguous depth. A pointwise
// kernel reads x's rows (row = input channel) the same way as its B operand.
struct DyRows {
  const float* dy;  // image 0, first channel of the group
  int64_t img_stride, ohw;
};

void pack_dy_rows(const void* ctx, int64_t r0, int rn, int64_t q0, int64_t qc, int w, float* dst) {
  const DyRows& d = *static_cast<const DyRows*>(ctx);
  const Kernels& kt = kernels();
  for (int64_t q = q0; q < q0 + qc;) {
    const int64_t b = q / d.ohw, p = q - b * d.ohw, len = std::min(q0 + qc - q, d.ohw - p);
    kt.gemm_pack(d.dy + b * d.img_stride + r0 * d.ohw + p, d.ohw, 1, rn, len, w, dst + (q - q0) * w);
    q += len;
  }
}

// A convolution seen by its input planes: h x w planes (channel stride h*w, image stride given),
// an r x s kernel with stride, padding and dilation, producing oh x ow outputs. The forward pass
// reads x this way; the input gradient reads dy.
struct PlaneGeom {
  int64_t h, w, r, s, sh, sw, ph, pw, dh, dw, oh, ow;
};

inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Sets up a PlaneSource over `channels` channels of `images` images at x (image stride img_stride)
// when the packer can use one: stride 1 reads x itself (needs ow == w); larger strides first
// copy the phase planes the taps use into `phases` (about x's size). False: use im2col.
bool plane_source(const PlaneGeom& g, const float* x, int64_t images, int64_t channels, int64_t img_stride,
                  std::vector<PlaneTap>& taps, AlignedBuffer& phases, PlaneSource& out) {
  const Kernels& kt = kernels();
  // The packer finds a pixel's row by a float division, exact below 2^22 pixels per plane.
  if (!kt.conv_pack_planes || kt.gemm_nr != 32 || (g.oh * g.ow) % 16 != 0 || g.oh * g.ow >= (int64_t(1) << 22)) return false;
  const int64_t ntaps = g.r * g.s;
  taps.resize(size_t(ntaps));
  out.ohw = g.oh * g.ow;
  out.ow = g.ow;
  out.taps = ntaps;
  out.tap = taps.data();
  if (g.sh == 1 && g.sw == 1) {
    if (g.ow != g.w) return false;
    for (int64_t kr = 0; kr < g.r; kr++) {
      for (int64_t ks = 0; ks < g.s; ks++) {
        const int64_t vy = kr * g.dh - g.ph, vx = ks * g.dw - g.pw;
        taps[size_t(kr * g.s + ks)] = PlaneTap{vy * g.w + vx, int32_t(vy), int32_t(vx), int32_t(g.h), int32_t(g.w)};
      }
    }
    out.x = x;
    out.chan_stride = g.h * g.w;
    out.img_stride = img_stride;
    return true;
  }
  // Phase (ry, rx) holds x[sh*i + ry][sw*j + rx] for i < hp(ry), j < min(wp(rx), ow), rows ow wide.
  auto hp = [&](int64_t ry) { return g.h > ry ? (g.h - ry + g.sh - 1) / g.sh : 0; };
  auto wp = [&](int64_t rx) { return g.w > rx ? (g.w - rx + g.sw - 1) / g.sw : 0; };
  std::vector<int> slot(size_t(g.sh * g.sw), -1);
  int used = 0;
  int64_t hs = 0;
  for (int64_t kr = 0; kr < g.r; kr++) {
    for (int64_t ks = 0; ks < g.s; ks++) {
      const int64_t vy = kr * g.dh - g.ph, vx = ks * g.dw - g.pw;
      const int64_t qy = floor_div(vy, g.sh), qx = floor_div(vx, g.sw), ry = vy - qy * g.sh, rx = vx - qx * g.sw;
      // An output column ox + qx >= ow must never be needed: ow columns per phase row hold them all.
      if (qx > 0 && wp(rx) > g.ow) return false;
      int& sl = slot[size_t(ry * g.sw + rx)];
      if (sl < 0) sl = used++;
      hs = std::max(hs, hp(ry));
      taps[size_t(kr * g.s + ks)] = PlaneTap{int64_t(sl), int32_t(qy), int32_t(qx), int32_t(hp(ry)), int32_t(std::min(wp(rx), g.ow))};
    }
  }
  const int64_t plane = hs * g.ow, chan = used * plane;
  for (auto& t : taps) t.off = t.off * plane + int64_t(t.qy) * g.ow + t.qx;
  float* ph = phases.get(size_t(std::max<int64_t>(1, images * channels * chan)));
  parallel_for(images * channels, 4, [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; pl++) {
      const int64_t b = pl / channels, c = pl - b * channels;
      const float* src = x + b * img_stride + c * g.h * g.w;
      for (int64_t ry = 0; ry < g.sh; ry++) {
        for (int64_t rx = 0; rx < g.sw; rx++) {
          const int sl = slot[size_t(ry * g.sw + rx)];
          if (sl < 0) continue;
          float* d = ph + pl * chan + sl * plane;
          const int64_t rows = hp(ry), cols = std::min(wp(rx), g.ow);
          for (int64_t i = 0; i < rows; i++) kt.conv_gather_row(src + (i * g.sh + ry) * g.w + rx, g.sw, d + i * g.ow, cols);
        }
      }
    }
  });
  out.x = ph;
  out.chan_stride = chan;
  out.img_stride = channels * chan;
  return true;
}

thread_local std::vector<PlaneTap> tl_taps;
thread_local AlignedBuffer tl_narrow;

// Output planes of a size that is not a multiple of 16 make most of the GEMM's tiles straddle
// images, and such tiles go through the driver's scalar store (a division per run, at every depth
// block): MobileNet's and VGG-16's 2x2 planes spent a fifth of their forward there. Those products
// write a plain rows x (n * plane) buffer instead, returned here, and scatter_rows puts it into
// the images (a pass over the output).
float* narrow_output(const ConvGeom& g, int64_t rows, int64_t plane) {
  if (g.n < 2 || plane % 16 == 0) return nullptr;
  return tl_narrow.get(size_t(rows * g.n * plane));
}

// buf[r][(b, p)] -> out[b * img_stride + r * plane + p] for rows [0, rows).
void scatter_rows(const float* buf, int64_t rows, int64_t n, int64_t plane, float* out, int64_t img_stride) {
  parallel_for(n, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, rows * plane)), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++)
      for (int64_t r = 0; r < rows; r++)
        for (int64_t p = 0; p < plane; p++) out[b * img_stride + r * plane + p] = buf[(r * n + b) * plane + p];
  });
}

}  // namespace

void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  const Kernels& kt = kernels();
  const int64_t ohw = g.oh * g.ow;
  if (is_depthwise(g)) {
    depthwise_forward(g, x, w, bias, y);
    return;
  }
  if (wide_conv_forward(g, x, w, bias, y)) return;
  if (winograd_conv_forward(g, x, w, bias, y)) return;
  const int64_t cg = g.c / g.groups, kg = g.k / g.groups, crs = cg * g.r * g.s;
  const PlaneGeom pg{g.h, g.w, g.r, g.s, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow};
  PlaneSource planes;
  const bool use_planes = plane_source(pg, x, g.n, g.c, g.c * g.h * g.w, tl_taps, tl_phases, planes);
  for (int64_t gi = 0; gi < g.groups; gi++) {
    const Im2colSource src{x + gi * cg * g.h * g.w, g.c * g.h * g.w, g.h, g.w, g.r, g.s,
                           g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow};
    PlaneSource ps = planes;
    ps.x += gi * cg * ps.chan_stride;
    const GemmOperand b = use_planes ? GemmOperand::packed_by(kt.conv_pack_planes, &ps, true)
                                     : GemmOperand::packed_by(kt.conv_pack_im2col, &src);
    float* narrow = narrow_output(g, kg, ohw);
    GemmOutput out;
    out.c = narrow ? narrow : y + gi * kg * ohw;
    out.ldc = narrow ? g.n * ohw : ohw;
    out.seg = narrow ? 0 : ohw;
    out.seg_stride = narrow ? 0 : g.k * ohw;
    out.row_bias = bias ? bias + gi * kg : nullptr;
    sgemm(kg, g.n * ohw, crs, 1.0f, GemmOperand::matrix(w + gi * kg * crs, crs, 1), b, 0.0f, out);
    if (narrow) scatter_rows(narrow, kg, g.n, ohw, y + gi * kg * ohw, g.k * ohw);
  }
}

void conv2d_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const Kernels& kt = kernels();
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  if (is_depthwise(g)) {
    depthwise_backward_input(g, dy, w, dx);
    return;
  }
  if (wide_conv_backward_input(g, dy, w, dx)) return;
  if (winograd_conv_backward_input(g, dy, w, dx)) return;
  const int64_t cg = g.c / g.groups, kg = g.k / g.groups, taps = g.r * g.s, crs = cg * taps;
  if (g.sh == 1 && g.sw == 1) {
    // wf[gi][ci][(ko, R-1-kr, S-1-ks)] = w[gi*kg + ko][ci][kr][ks]. A 1x1 kernel has nothing to
    // flip: the GEMM reads W_g^T in place (the element-wise transpose of a large 1x1 weight missed
    // the cache on every store, several percent of a MobileNet step).
    const bool one_tap = taps == 1;
    float* wf = one_tap ? nullptr : tl_weights.get(size_t(g.groups * cg * kg * taps));
    if (!one_tap) {
      // In 16 x 16 blocks of (ko, ci): a row-by-row copy wrote every element to another cache line
      // (VGG-16's 512 x 512 x 9 weights: ~5% of the input gradient).
      for (int64_t gi = 0; gi < g.groups; gi++)
        for (int64_t k0 = 0; k0 < kg; k0 += 16)
          for (int64_t c0 = 0; c0 < cg; c0 += 16)
            for (int64_t ci = c0; ci < std::min(cg, c0 + 16); ci++)
              for (int64_t ko = k0; ko < std::min(kg, k0 + 16); ko++) {
                const float* src = w + ((gi * kg + ko) * cg + ci) * taps;
                float* dst = wf + ((gi * cg + ci) * kg + ko) * taps + taps - 1;
                for (int64_t t = 0; t < taps; t++) dst[-t] = src[t];
              }
    }
    const PlaneGeom pg{g.oh, g.ow, g.r, g.s, 1, 1, g.dh * (g.r - 1) - g.ph, g.dw * (g.s - 1) - g.pw, g.dh, g.dw, g.h, g.w};
    PlaneSource planes;
    const bool use_planes = plane_source(pg, dy, g.n, g.k, g.k * ohw, tl_taps, tl_phases, planes);
    for (int64_t gi = 0; gi < g.groups; gi++) {
      const Im2colSource src{dy + gi * kg * ohw, g.k * ohw, g.oh, g.ow, g.r, g.s, 1, 1,
                             g.dh * (g.r - 1) - g.ph, g.dw * (g.s - 1) - g.pw, g.dh, g.dw, g.h, g.w};
      PlaneSource ps = planes;
      ps.x += gi * kg * ps.chan_stride;
      const GemmOperand b = use_planes ? GemmOperand::packed_by(kt.conv_pack_planes, &ps, true)
                                       : GemmOperand::packed_by(kt.conv_pack_im2col, &src);
      float* narrow = narrow_output(g, cg, hw);
      GemmOutput out;
      out.c = narrow ? narrow : dx + gi * cg * hw;
      out.ldc = narrow ? g.n * hw : hw;
      out.seg = narrow ? 0 : hw;
      out.seg_stride = narrow ? 0 : g.c * hw;
      const GemmOperand a = one_tap ? GemmOperand::matrix(w + gi * kg * cg, 1, cg)
                                    : GemmOperand::matrix(wf + gi * cg * kg * taps, kg * taps, 1);
      sgemm(cg, g.n * hw, kg * taps, 1.0f, a, b, 0.0f, out);
      if (narrow) scatter_rows(narrow, cg, g.n, hw, dx + gi * cg * hw, g.c * hw);
    }
    return;
  }
  // Strided: a column buffer for a few images at a time, then col2im. About 2 MB, so col2im reads
  // it from the caches (16 MB buffers left dx of the ResNet-18 stride-2 layers ~15% slower).
  // With several threads each chunk of images is one task (its own single-threaded GEMM into its
  // thread's buffer, then its col2im): the small per-chunk GEMMs, threaded inside, joined twice
  // per depth block and left the second core mostly waiting.
  const int threads = in_parallel_region() ? 1 : num_threads();
  const int64_t per_image = std::max<int64_t>(1, crs * ohw);
  int64_t nb = std::max<int64_t>(1, std::min<int64_t>(g.n, (int64_t(1) << 19) / per_image));
  if (threads > 1) nb = std::min<int64_t>(nb, std::max<int64_t>(1, g.n / (2 * threads)));
  const int64_t chunks = (g.n + nb - 1) / nb;
  parallel_tasks(chunks, [&](int64_t ch) {
    const int64_t b0 = ch * nb, nbb = std::min(nb, g.n - b0);
    float* col = tl_col.get(size_t(per_image * nb));
    // dy of the chunk as the B operand: rows = pixels of the chunk's images, depth = channels. The
    // plane packer reads 16 pixels per vector (the im2col packer, one masked copy per output row,
    // cost as much as the product for the 1x1 projections).
    const PlaneGeom pg{g.oh, g.ow, 1, 1, 1, 1, 0, 0, 1, 1, g.oh, g.ow};
    const float* dyc = dy + b0 * g.k * ohw;
    PlaneSource planes;
    const bool use_planes = plane_source(pg, dyc, nbb, g.k, g.k * ohw, tl_taps, tl_phases, planes);
    for (int64_t gi = 0; gi < g.groups; gi++) {
      const Im2colSource src{dyc + gi * kg * ohw, g.k * ohw, g.oh, g.ow, 1, 1, 1, 1, 0, 0, 1, 1, g.oh, g.ow};
      PlaneSource ps = planes;
      ps.x += gi * kg * ps.chan_stride;
      const GemmOperand b = use_planes ? GemmOperand::packed_by(kt.conv_pack_planes, &ps, true)
                                       : GemmOperand::packed_by(kt.conv_pack_im2col, &src);
      GemmOutput out;
      out.c = col;
      out.ldc = nbb * ohw;
      sgemm(crs, nbb * ohw, kg, 1.0f, GemmOperand::matrix(w + gi * kg * crs, 1, crs), b, 0.0f, out);
      parallel_for(nbb * cg, 1, [&](int64_t p0, int64_t p1) {
        for (int64_t pl = p0; pl < p1; pl++) {
          const int64_t bb = pl / cg, ci = pl - bb * cg;
          kt.conv_col2im(g, col + bb * ohw, nbb * ohw, ci, dx + ((b0 + bb) * g.c + gi * cg + ci) * hw);
        }
      });
    }
  });
}

void conv2d_backward_weight(const ConvGeom& g, const float* x, const float* dy, float* dw, float* dbias) {
  const Kernels& kt = kernels();
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  if (dbias) {
    parallel_for(g.k, 1, [&](int64_t k0, int64_t k1) {
      for (int64_t ko = k0; ko < k1; ko++) {
        double acc = 0.0;
        for (int64_t b = 0; b < g.n; b++) {
          const float* p = dy + (b * g.k + ko) * ohw;
          float lanes[16] = {};
          int64_t i = 0;
          for (; i + 16 <= ohw; i += 16)
            for (int l = 0; l < 16; l++) lanes[l] += p[i + l];
          float s = 0.0f;
          for (; i < ohw; i++) s += p[i];
          for (int l = 0; l < 16; l++) s += lanes[l];
          acc += s;
        }
        dbias[ko] = float(acc);
      }
    });
  }
  if (is_depthwise(g)) {
    depthwise_backward_weight(g, x, dy, dw);
    return;
  }
  if (wide_conv_backward_weight(g, x, dy, dw)) return;
  const int64_t cg = g.c / g.groups, kg = g.k / g.groups, taps = g.r * g.s, crs = cg * taps;
  // A 1x1 kernel at stride 1 without padding reads x's planes as they are: x's rows are packed
  // exactly like dy's (row = channel, depth = (image, pixel)), so the NHWC copy (a whole pass over
  // x, about a quarter of a MobileNet pointwise weight gradient) is skipped.
  const bool pointwise = taps == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && ohw == hw;
  if (pointwise && pointwise_backward_weight(g, x, dy, dw)) return;
  // NHWC copy of x: each (image, row) is a c x w block transposed by the GEMM packer. A strided 1x1
  // kernel reads only the pixels (oy * sh - ph, ox * sw - pw): the copy holds just those (zero where
  // they fall outside), an oh x ow image the GEMM then reads as a 1x1, stride-1, unpadded
  // convolution (the full copy of a ResNet projection's input cost more than its product).
  const bool subsample = g.r == 1 && g.s == 1 && (g.sh > 1 || g.sw > 1);
  const int64_t xh = subsample ? g.oh : g.h, xw = subsample ? g.ow : g.w, xhw = xh * xw;
  float* xhwc = nullptr;
  if (subsample) {
    xhwc = tl_nhwc.get(size_t(std::max<int64_t>(1, g.n * xhw * g.c)));
    // Output columns [lo, hi) read inside the image.
    const int64_t lo = std::min(g.ow, (g.pw + g.sw - 1) / g.sw);
    const int64_t hi = std::max(lo, std::min(g.ow, (g.w - 1 + g.pw) / g.sw + 1));
    parallel_for(g.n * g.oh, 8, [&](int64_t r0, int64_t r1) {
      // A used input row is transposed whole (16 channels per block of loads, so many of its cache
      // misses are in flight at once), then its used pixels are copied out.
      thread_local std::vector<float> row;
      row.resize(size_t(g.w * g.c));
      for (int64_t r = r0; r < r1; r++) {
        const int64_t b = r / g.oh, oy = r - b * g.oh, iy = oy * g.sh - g.ph;
        float* dst = xhwc + r * g.ow * g.c;
        if (iy < 0 || iy >= g.h) {
          std::fill(dst, dst + g.ow * g.c, 0.0f);
          continue;
        }
        kt.gemm_pack(x + b * g.c * hw + iy * g.w, hw, 1, int(g.c), g.w, int(g.c), row.data());
        std::fill(dst, dst + lo * g.c, 0.0f);
        for (int64_t ox = lo; ox < hi; ox++) std::copy_n(row.data() + (ox * g.sw - g.pw) * g.c, g.c, dst + ox * g.c);
        std::fill(dst + hi * g.c, dst + g.ow * g.c, 0.0f);
      }
    });
  } else if (!pointwise) {
    xhwc = tl_nhwc.get(size_t(std::max<int64_t>(1, g.n * hw * g.c)));
    parallel_for(g.n * g.h, 8, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        const int64_t b = r / g.h, yy = r - b * g.h;
        kt.gemm_pack(x + b * g.c * hw + yy * g.w, hw, 1, int(g.c), g.w, int(g.c), xhwc + r * g.w * g.c);
      }
    });
  }
  float* dwt = tl_dw.get(size_t(std::max<int64_t>(1, kg * crs)));
  // With several threads the batch is cut into a few image ranges, each summed by one thread into
  // its own partial gradient (a whole single-threaded GEMM), and the partials are added at the end:
  // one join instead of two per depth block, and no two threads ever write the same memory.
  const int threads = in_parallel_region() ? 1 : num_threads();
  const int64_t parts = threads > 1 ? std::min<int64_t>(g.n, 2 * threads) : 1;
  float* partial = parts > 1 ? tl_parts.get(size_t(parts * kg * crs)) : nullptr;
  for (int64_t gi = 0; gi < g.groups; gi++) {
    auto image_range = [&](int64_t b0, int64_t b1, float* out_c) {
      const DyRows rows{dy + b0 * g.k * ohw + gi * kg * ohw, g.k * ohw, ohw};
      const DyRows x_rows{x + b0 * g.c * hw + gi * cg * hw, g.c * hw, hw};
      const NhwcTapSource taps_src = pointwise
          ? NhwcTapSource{nullptr, g.c, cg, g.h, g.w, g.r, g.s, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow}
          : subsample
          ? NhwcTapSource{xhwc + b0 * xhw * g.c + gi * cg, g.c, cg, xh, xw, 1, 1, 1, 1, 0, 0, 1, 1, g.oh, g.ow}
          : NhwcTapSource{xhwc + b0 * xhw * g.c + gi * cg, g.c, cg, g.h, g.w, g.r, g.s,
                          g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow};
      GemmOutput out;
      out.c = out_c;
      out.ldc = crs;
      sgemm(kg, crs, (b1 - b0) * ohw, 1.0f, GemmOperand::packed_by(pack_dy_rows, &rows),
            pointwise ? GemmOperand::packed_by(pack_dy_rows, &x_rows) : GemmOperand::packed_by(kt.conv_pack_nhwc_taps, &taps_src),
            0.0f, out);
    };
    if (parts > 1) {
      parallel_tasks(parts, [&](int64_t t) { image_range(g.n * t / parts, g.n * (t + 1) / parts, partial + t * kg * crs); });
      parallel_for(kg * crs, 4096, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; i++) {
          float s = 0.0f;
          for (int64_t t = 0; t < parts; t++) s += partial[t * kg * crs + i];
          dwt[i] = s;
        }
      });
    } else {
      image_range(0, g.n, dwt);
    }
    // dwt[ko][(t, ci)] -> dw[gi*kg + ko][ci][t]
    // (a taps x cg transpose per row, done by the GEMM packer's vector transpose)
    parallel_for(kg, 16, [&](int64_t k0, int64_t k1) {
      for (int64_t ko = k0; ko < k1; ko++)
        kt.gemm_pack(dwt + ko * crs, cg, 1, int(taps), cg, int(taps), dw + (gi * kg + ko) * crs);
    });
  }
}

}  // namespace ody
