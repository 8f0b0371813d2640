// General depthwise kernels (groups == channels, any multiplier, stride, padding and dilation):
// one output plane / input plane / weight channel per work item, so threads never write the same
// memory. The driver (conv/depthwise.cc) uses them where the channel-vectorised kernels
// (kernels/depthwise.inl) do not apply. Shares conv_valid_range with kernels/conv.inl.
//
// A plane is staged as sh x sw "phase planes" of its zero-padded image: phase (py, px) holds padded
// rows py, py + sh, ... and columns px, px + sw, ..., each row Wq wide. Output pixel i = oy * Wq + ox
// (on a grid Wq wide; columns ox >= ow are scratch) then reads tap (kr, ks) at index i + offset in
// one phase plane, so every tap is one contiguous, vectorisable pass over the whole plane, for any
// stride and dilation and however small the image.
struct DwLayout {
  int64_t hq, wq, plane;  // phase plane rows, row width, floats per phase plane
  int64_t outs;           // oh * wq
};

static DwLayout dw_layout(const ConvGeom& g) {
  const int64_t ry = (g.r - 1) * g.dh / g.sh, rx = (g.s - 1) * g.dw / g.sw;
  DwLayout l;
  l.wq = g.ow + rx;
  l.hq = g.oh + ry + 1;  // one spare row: scratch columns of the last row read past its end
  l.plane = l.hq * l.wq;
  l.outs = g.oh * l.wq;
  return l;
}

// Where tap (kr, ks) starts: phase plane index and offset within it.
static inline int64_t dw_tap_base(const ConvGeom& g, const DwLayout& l, int64_t kr, int64_t ks) {
  const int64_t a = kr * g.dh, b = ks * g.dw;
  return ((a % g.sh) * g.sw + b % g.sw) * l.plane + (a / g.sh) * l.wq + b / g.sw;
}

// Stages plane xp (h x w) into phase planes (sh * sw * l.plane floats).
static void dw_stage(const ConvGeom& g, const DwLayout& l, const float* xp, float* ph) {
  for (int64_t py = 0; py < g.sh; py++) {
    for (int64_t px = 0; px < g.sw; px++) {
      float* dst = ph + (py * g.sw + px) * l.plane;
      int lo, hi;  // columns q whose input column q * sw + px - pw lies in the image
      conv_valid_range(px - g.pw, g.sw, g.w, int(l.wq), &lo, &hi);
      for (int64_t r = 0; r < l.hq; r++) {
        const int64_t iy = r * g.sh + py - g.ph;
        float* __restrict d = dst + r * l.wq;
        if (iy < 0 || iy >= g.h) { for (int64_t q = 0; q < l.wq; q++) d[q] = 0.0f; continue; }
        const float* __restrict src = xp + iy * g.w + px - g.pw;
        for (int q = 0; q < lo; q++) d[q] = 0.0f;
        if (g.sw == 1) { for (int q = lo; q < hi; q++) d[q] = src[q]; }
        else { for (int q = lo; q < hi; q++) d[q] = src[q * g.sw]; }
        for (int64_t q = hi; q < l.wq; q++) d[q] = 0.0f;
      }
    }
  }
}

// Output planes [p0, p1) of y (plane = b * k + ko).
static void dw_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y, int64_t p0, int64_t p1) {
  const int64_t mult = g.k / g.c, hw = g.h * g.w, ohw = g.oh * g.ow;
  const DwLayout l = dw_layout(g);
  thread_local std::vector<float> stage, acc;
  stage.resize(size_t(g.sh * g.sw * l.plane));
  acc.resize(size_t(l.outs));
  int64_t staged = -1;
  for (int64_t pl = p0; pl < p1; pl++) {
    const int64_t b = pl / g.k, ko = pl - b * g.k, ci = ko / mult;
    if (b * g.c + ci != staged) { dw_stage(g, l, x + (b * g.c + ci) * hw, stage.data()); staged = b * g.c + ci; }
    float* __restrict a = acc.data();
    const float b0 = bias ? bias[ko] : 0.0f;
    for (int64_t i = 0; i < l.outs; i++) a[i] = b0;
    for (int64_t kr = 0; kr < g.r; kr++) {
      for (int64_t ks = 0; ks < g.s; ks++) {
        const float wv = w[(ko * g.r + kr) * g.s + ks];
        const float* __restrict src = stage.data() + dw_tap_base(g, l, kr, ks);
        for (int64_t i = 0; i < l.outs; i++) a[i] += wv * src[i];
      }
    }
    float* yp = y + pl * ohw;
    for (int64_t oy = 0; oy < g.oh; oy++)
      for (int64_t ox = 0; ox < g.ow; ox++) yp[oy * g.ow + ox] = a[oy * l.wq + ox];
  }
}

// dy plane (oh x ow) spread onto the Wq-wide output grid, scratch columns zero.
static void dw_stage_dy(const ConvGeom& g, const DwLayout& l, const float* dyp, float* d) {
  for (int64_t oy = 0; oy < g.oh; oy++) {
    for (int64_t ox = 0; ox < g.ow; ox++) d[oy * l.wq + ox] = dyp[oy * g.ow + ox];
    for (int64_t ox = g.ow; ox < l.wq; ox++) d[oy * l.wq + ox] = 0.0f;
  }
}

// Input-gradient planes [p0, p1) of dx (plane = b * c + ci), overwritten: every tap adds its
// weight times dy into the phase planes, which are then read back into the image layout.
static void dw_backward_input(const ConvGeom& g, const float* dy, const float* w, float* dx, int64_t p0, int64_t p1) {
  const int64_t mult = g.k / g.c, hw = g.h * g.w, ohw = g.oh * g.ow;
  const DwLayout l = dw_layout(g);
  thread_local std::vector<float> grad, dys;
  grad.resize(size_t(g.sh * g.sw * l.plane));
  dys.resize(size_t(l.outs));
  for (int64_t pl = p0; pl < p1; pl++) {
    const int64_t b = pl / g.c, ci = pl - b * g.c;
    float* __restrict gp = grad.data();
    for (size_t i = 0; i < grad.size(); i++) gp[i] = 0.0f;
    for (int64_t m = 0; m < mult; m++) {
      const int64_t ko = ci * mult + m;
      dw_stage_dy(g, l, dy + (b * g.k + ko) * ohw, dys.data());
      const float* __restrict d = dys.data();
      for (int64_t kr = 0; kr < g.r; kr++) {
        for (int64_t ks = 0; ks < g.s; ks++) {
          const float wv = w[(ko * g.r + kr) * g.s + ks];
          float* __restrict dst = gp + dw_tap_base(g, l, kr, ks);
          for (int64_t i = 0; i < l.outs; i++) dst[i] += wv * d[i];
        }
      }
    }
    // Every image pixel is padded position (iy + ph, ix + pw): phase ((iy + ph) % sh, (ix + pw) % sw).
    // Pixels beyond the staged planes receive no tap; zero them first.
    float* dxp = dx + pl * hw;
    for (int64_t i = 0; i < hw; i++) dxp[i] = 0.0f;
    for (int64_t py = 0; py < g.sh; py++) {
      for (int64_t px = 0; px < g.sw; px++) {
        const float* src = gp + (py * g.sw + px) * l.plane;
        int lo, hi;
        conv_valid_range(px - g.pw, g.sw, g.w, int(l.wq), &lo, &hi);
        for (int64_t r = 0; r < l.hq; r++) {
          const int64_t iy = r * g.sh + py - g.ph;
          if (iy < 0 || iy >= g.h) continue;
          float* __restrict d = dxp + iy * g.w + px - g.pw;
          const float* __restrict sr = src + r * l.wq;
          if (g.sw == 1) { for (int q = lo; q < hi; q++) d[q] = sr[q]; }
          else { for (int q = lo; q < hi; q++) d[q * g.sw] = sr[q]; }
        }
      }
    }
  }
}

// sum of a[i] * b[i * sb] for i < n, in 16 independent lanes so the compiler can vectorise it.
static inline float conv_dot(const float* a, const float* b, int64_t sb, int64_t n) {
  float lanes[16] = {};
  int64_t i = 0;
  if (sb == 1) {
    for (; i + 16 <= n; i += 16)
      for (int l = 0; l < 16; l++) lanes[l] += a[i + l] * b[i + l];
  }
  float s = 0.0f;
  for (; i < n; i++) s += a[i] * b[i * sb];
  for (int l = 0; l < 16; l++) s += lanes[l];
  return s;
}

// Weight gradients of output channels [k0, k1) (overwritten), summed over the whole batch: each
// tap is a dot product of the staged dy plane with the tap's view of the staged input.
static void dw_backward_weight(const ConvGeom& g, const float* x, const float* dy, float* dw, int64_t k0, int64_t k1) {
  const int64_t mult = g.k / g.c, hw = g.h * g.w, ohw = g.oh * g.ow, taps = g.r * g.s;
  const DwLayout l = dw_layout(g);
  thread_local std::vector<float> stage, dys;
  thread_local std::vector<double> sums;
  stage.resize(size_t(g.sh * g.sw * l.plane));
  dys.resize(size_t(l.outs));
  sums.resize(size_t(taps));
  for (int64_t ko = k0; ko < k1; ko++) {
    const int64_t ci = ko / mult;
    for (int64_t t = 0; t < taps; t++) sums[size_t(t)] = 0.0;
    for (int64_t b = 0; b < g.n; b++) {
      dw_stage(g, l, x + (b * g.c + ci) * hw, stage.data());
      dw_stage_dy(g, l, dy + (b * g.k + ko) * ohw, dys.data());
      for (int64_t kr = 0; kr < g.r; kr++)
        for (int64_t ks = 0; ks < g.s; ks++)
          sums[size_t(kr * g.s + ks)] += conv_dot(dys.data(), stage.data() + dw_tap_base(g, l, kr, ks), 1, l.outs);
    }
    for (int64_t t = 0; t < taps; t++) dw[ko * taps + t] = float(sums[size_t(t)]);
  }
}
