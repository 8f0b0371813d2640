// Channel-vectorised depthwise convolution kernels (the plan and its layout: conv/depthwise_plan.h;
// the driver: conv/depthwise.cc). Each call handles whole channels [c0, c1) of every image, in
// blocks of channels small enough to stay in cache. A vector holds consecutive flat indices
// c * oh*ow + p, so on small planes one vector spans several channels (per-lane weights), and each
// tap is one masked load at a constant shift, the mask saying which lanes' cells exist. The loop
// over images is innermost: a vector's weights and masks are set up once per block of images.

// GCC 12 warns about the undefined first operand inside its own AVX-512 permute intrinsics.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// The vector unit: L lanes. fma_masked(m, a, p, acc) = acc + a * p[lane] on the lanes in m and acc
// elsewhere, never reading p outside m (no fault there, and an Inf in a never meets a padding zero:
// padding contributes nothing, as in the reference).
#if defined(__AVX512F__)
struct DwVec {
  static constexpr int L = 16;
  using V = __m512;
  using M = __mmask16;
  static M mask(uint32_t bits) { return M(bits); }
  static V load(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static V loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void store(M m, float* p, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static void storeu(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V fma_masked(M m, V a, const float* p, V acc) { return _mm512_mask3_fmadd_ps(a, _mm512_maskz_loadu_ps(m, p), acc, m); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  // lane l = sum of the lanes of its aligned segment of seg lanes (seg a power of two <= L)
  static V fold(V a, int seg) {
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int h = seg / 2; h >= 1; h /= 2) a = _mm512_add_ps(a, _mm512_permutexvar_ps(_mm512_xor_si512(iota, _mm512_set1_epi32(h)), a));
    return a;
  }
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V zero() { return _mm512_setzero_ps(); }
  // lane l = p[idx[l]] (idx[l] < L)
  static V permute(const float* p, const int32_t* idx) { return _mm512_permutexvar_ps(_mm512_loadu_si512(idx), _mm512_loadu_ps(p)); }
  // lane l = m ? base[idx[l]] : 0
  static V gather(M m, const float* base, const int32_t* idx) {
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, _mm512_loadu_si512(idx), base, 4);
  }
};
#elif defined(__AVX2__)
struct DwVec {
  static constexpr int L = 8;
  using V = __m256;
  using M = __m256i;
  static M mask(uint32_t bits) {
    const __m256i sel = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(int(bits)), sel), sel);
  }
  static V load(M m, const float* p) { return _mm256_maskload_ps(p, m); }
  static V loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void store(M m, float* p, V v) { _mm256_maskstore_ps(p, m, v); }
  static void storeu(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V fma_masked(M m, V a, const float* p, V acc) {
    return _mm256_fmadd_ps(_mm256_and_ps(a, _mm256_castsi256_ps(m)), _mm256_maskload_ps(p, m), acc);
  }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V fold(V a, int seg) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int h = seg / 2; h >= 1; h /= 2) a = _mm256_add_ps(a, _mm256_permutevar8x32_ps(a, _mm256_xor_si256(iota, _mm256_set1_epi32(h))));
    return a;
  }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V zero() { return _mm256_setzero_ps(); }
  static V permute(const float* p, const int32_t* idx) {
    return _mm256_permutevar8x32_ps(_mm256_loadu_ps(p), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx)));
  }
  static V gather(M m, const float* base, const int32_t* idx) {
    return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), base, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx)), _mm256_castsi256_ps(m), 4);
  }
};
#else
struct DwVec {
  static constexpr int L = 1;
  using V = float;
  using M = bool;
  static M mask(uint32_t bits) { return (bits & 1u) != 0; }
  static V load(M m, const float* p) { return m ? *p : 0.0f; }
  static V loadu(const float* p) { return *p; }
  static void store(M m, float* p, V v) { if (m) *p = v; }
  static void storeu(float* p, V v) { *p = v; }
  static V fma_masked(M m, V a, const float* p, V acc) { return m ? a * *p + acc : acc; }
  static V add(V a, V b) { return a + b; }
  static V fold(V a, int) { return a; }
  static V set1(float v) { return v; }
  static V zero() { return 0.0f; }
  static V permute(const float* p, const int32_t* idx) { return p[idx[0]]; }
  static V gather(M m, const float* base, const int32_t* idx) { return m ? base[idx[0]] : 0.0f; }
};
#endif

static constexpr uint32_t kDwFull = DwVec::L == 32 ? ~0u : (1u << DwVec::L) - 1u;

// Channels per cache block (a whole number of units, about kDwBlockFloats outputs per image).
static constexpr int64_t kDwBlockFloats = 1024;
static inline int64_t dw_block_channels(int64_t ohw) {
  const int64_t unit = dw_unit_channels(ohw, DwVec::L);
  return unit * std::max<int64_t>(1, kDwBlockFloats / (unit * ohw));
}

// Lane masks of one unit: bits[v * ntaps + t] says which lanes of vector v may read tap t. The
// forward pass (and the weight gradient) read the phase planes of x; the input gradient reads dy.
// lane[v * L + l]: lane l's channel minus the channel of lane 0 (all 0: one channel, single[v]).
// Cached per thread by geometry (everything but batch and channels decides the masks).
struct DwMaskTable {
  bool input_grad = false;
  int64_t key[12] = {};
  int64_t period = 0;  // vectors per unit
  std::vector<uint32_t> bits;
  std::vector<int32_t> lane;
  std::vector<uint8_t> single;
};

static const DwMaskTable& dw_masks(const DwPlan& p, bool input_grad) {
  thread_local DwMaskTable cache[2];
  const ConvGeom& g = p.g;
  const int64_t key[12] = {g.h, g.w, g.r, g.s, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow};
  DwMaskTable& m = cache[input_grad ? 1 : 0];
  if (m.period > 0 && std::equal(key, key + 12, m.key)) return m;
  std::copy(key, key + 12, m.key);
  m.input_grad = input_grad;
  const int64_t ohw = p.ohw, L = DwVec::L;
  m.period = dw_unit_channels(ohw, DwVec::L) * ohw / L;
  m.bits.assign(size_t(m.period * p.ntaps), 0u);
  m.lane.assign(size_t(m.period * L), 0);
  m.single.assign(size_t(m.period), 1);
  for (int64_t v = 0; v < m.period; v++) {
    for (int64_t l = 0; l < L; l++) {
      m.lane[size_t(v * L + l)] = int32_t((v * L + l) / ohw - (v * L) / ohw);
      if (m.lane[size_t(v * L + l)] != 0) m.single[size_t(v)] = 0;
      const int64_t cell = (v * L + l) % ohw, i = cell / g.ow, j = cell - i * g.ow;
      for (int t = 0; t < p.ntaps; t++) {
        const DwTap& tp = p.taps[t];
        int64_t yy, xx, hy, hx;
        if (input_grad) { yy = i - tp.qy; xx = j - tp.qx; hy = g.oh; hx = g.ow; }
        else { yy = i + tp.qy; xx = j + tp.qx; hy = p.rows[tp.phase / g.sw]; hx = p.cols[tp.phase % g.sw]; }
        if (yy >= 0 && yy < hy && xx >= 0 && xx < hx) m.bits[size_t(v * p.ntaps + t)] |= 1u << l;
      }
    }
  }
  return m;
}

// The weights of a block's channels [blk, blk + nc) by tap: row t (a plan tap) holds
// w[blk + c][taps[t].widx] at column c, row ntaps the bias (zeros without one); rows are nc + L
// long, zero past nc, so a vector's lanes past the last channel read zeros.
static const float* dw_weight_rows(const DwPlan& p, const float* w, const float* bias, int64_t blk, int64_t nc, int64_t* ld) {
  thread_local std::vector<float> rows;
  const int64_t T = p.ntaps, stride = nc + DwVec::L;
  rows.assign(size_t((T + 1) * stride), 0.0f);
  for (int64_t t = 0; t < T; t++)
    for (int64_t c = 0; c < nc; c++) rows[size_t(t * stride + c)] = w[(blk + c) * T + p.taps[t].widx];
  if (bias)
    for (int64_t c = 0; c < nc; c++) rows[size_t(T * stride + c)] = bias[blk + c];
  *ld = stride;
  return rows.data();
}

// Vector v's lane values of weight row `row` (channel of lane 0: c, relative to the block).
static inline DwVec::V dw_lanes(const DwMaskTable& mt, int64_t pv, const float* row, int64_t c) {
  return mt.single[size_t(pv)] ? DwVec::set1(row[c]) : DwVec::permute(row + c, mt.lane.data() + pv * DwVec::L);
}

// A block of flat indices [0, floats), images [0, nb):
//   out[b][q] = bias + sum over taps t of w[t] * src[b][q + off[t]] (masked),
// over the run of plan taps [t0, t0 + nt) (NT > 0: nt == NT, fixed); weights from dw_weight_rows.
// pf (or null): the next call's src, pf_nb images, prefetched one line per image and vector, so a
// pass over planes in memory (not in cache) streams instead of waiting on each first touch.
template <int NT>
static void dw_shift_sum(const DwPlan& p, int nt_rt, const int64_t* off, const DwMaskTable& mt, int t0,
                         const float* wrows, int64_t ldw, bool bias, int64_t floats,
                         const float* src, int64_t src_img, float* out, int64_t out_img, int64_t nb,
                         const float* pf, int64_t pf_nb) {
  using D = DwVec;
  constexpr int L = D::L;
  constexpr int kCap = NT > 0 ? NT : DwPlan::kMaxTaps;
  const int nt = NT > 0 ? NT : nt_rt;
  const int64_t nv = (floats + L - 1) / L;
  for (int64_t v = 0; v < nv; v++) {
    const int64_t q = v * L;
    const uint32_t tail = q + L <= floats ? kDwFull : (1u << (floats - q)) - 1u;
    D::V wv[kCap];
    D::M mk[kCap];
    const int64_t pv = v % mt.period, c = q / p.ohw;
    for (int t = 0; t < nt; t++) wv[t] = dw_lanes(mt, pv, wrows + (t0 + t) * ldw, c);
    const D::V bv = bias ? dw_lanes(mt, pv, wrows + p.ntaps * ldw, c) : D::zero();
    const uint32_t* mrow = mt.bits.data() + pv * p.ntaps + t0;
    for (int t = 0; t < nt; t++) mk[t] = D::mask(mrow[t] & tail);
    const float* s = src + q;
    float* o = out + q;
    const D::M st = D::mask(tail);
    // two images at a time, each summed in two chains (even and odd taps): four independent
    // FMA chains instead of one chain of nt dependent FMAs per image
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2, s += 2 * src_img, o += 2 * out_img) {
      if (b < pf_nb) __builtin_prefetch(pf + b * src_img + q);
      if (b + 1 < pf_nb) __builtin_prefetch(pf + (b + 1) * src_img + q);
      D::V a0 = bv, a1 = D::zero(), c0 = bv, c1 = D::zero();
      const float* s1 = s + src_img;
      for (int t = 0; t + 1 < nt; t += 2) {
        a0 = D::fma_masked(mk[t], wv[t], s + off[t], a0);
        c0 = D::fma_masked(mk[t], wv[t], s1 + off[t], c0);
        a1 = D::fma_masked(mk[t + 1], wv[t + 1], s + off[t + 1], a1);
        c1 = D::fma_masked(mk[t + 1], wv[t + 1], s1 + off[t + 1], c1);
      }
      if (nt & 1) {
        a0 = D::fma_masked(mk[nt - 1], wv[nt - 1], s + off[nt - 1], a0);
        c0 = D::fma_masked(mk[nt - 1], wv[nt - 1], s1 + off[nt - 1], c0);
      }
      if (tail == kDwFull) { D::storeu(o, D::add(a0, a1)); D::storeu(o + out_img, D::add(c0, c1)); }
      else { D::store(st, o, D::add(a0, a1)); D::store(st, o + out_img, D::add(c0, c1)); }
    }
    if (b < nb) {
      for (; b < pf_nb; b++) __builtin_prefetch(pf + b * src_img + q);
      D::V a0 = bv, a1 = D::zero();
      for (int t = 0; t + 1 < nt; t += 2) {
        a0 = D::fma_masked(mk[t], wv[t], s + off[t], a0);
        a1 = D::fma_masked(mk[t + 1], wv[t + 1], s + off[t + 1], a1);
      }
      if (nt & 1) a0 = D::fma_masked(mk[nt - 1], wv[nt - 1], s + off[nt - 1], a0);
      D::store(st, o, D::add(a0, a1));
    }
  }
}

// Weight-gradient partials of a block: lacc[v][t][lane] (+)= sum over images of
// dy[b][q] * src[b][q + off[t]] for the vector at q = v * L (all taps, in plan order).
// pfs, pfd (or null): the next call's src and dy, pf_nb images, prefetched as in dw_shift_sum.
template <int NT>
static void dw_shift_dot(const DwPlan& p, int nt_rt, const int64_t* off, const DwMaskTable& mt, int64_t floats,
                         const float* src, int64_t src_img, const float* dy, int64_t dy_img, int64_t nb, float* lacc, bool first,
                         const float* pfs, const float* pfd, int64_t pf_nb) {
  using D = DwVec;
  constexpr int L = D::L;
  constexpr int kCap = NT > 0 ? NT : DwPlan::kMaxTaps;
  const int nt = NT > 0 ? NT : nt_rt;
  const int64_t nv = (floats + L - 1) / L;
  for (int64_t v = 0; v < nv; v++) {
    const int64_t q = v * L;
    const uint32_t tail = q + L <= floats ? kDwFull : (1u << (floats - q)) - 1u;
    D::V acc[kCap];
    D::M mk[kCap];
    const uint32_t* mrow = mt.bits.data() + (v % mt.period) * p.ntaps;
    for (int t = 0; t < nt; t++) { mk[t] = D::mask(mrow[t] & tail); acc[t] = D::zero(); }
    const D::M st = D::mask(tail);
    const float* s = src + q;
    const float* d = dy + q;
    for (int64_t b = 0; b < nb; b++, s += src_img, d += dy_img) {
      if (b < pf_nb) {
        if (pfs) __builtin_prefetch(pfs + b * src_img + q);
        __builtin_prefetch(pfd + b * dy_img + q);
      }
      const D::V dv = tail == kDwFull ? D::loadu(d) : D::load(st, d);
      for (int t = 0; t < nt; t++) acc[t] = D::fma_masked(mk[t], dv, s + off[t], acc[t]);
    }
    float* la = lacc + v * nt * L;
    for (int t = 0; t < nt; t++) D::storeu(la + t * L, first ? acc[t] : D::add(D::loadu(la + t * L), acc[t]));
  }
}

// Calls fn(std::integral_constant<int, NT>) with NT = nt for the common tap counts, else NT = 0.
template <class F>
static inline void dw_with_taps(int nt, F&& fn) {
  switch (nt) {
    case 1: fn(std::integral_constant<int, 1>{}); break;
    case 2: fn(std::integral_constant<int, 2>{}); break;
    case 3: fn(std::integral_constant<int, 3>{}); break;
    case 4: fn(std::integral_constant<int, 4>{}); break;
    case 6: fn(std::integral_constant<int, 6>{}); break;
    case 9: fn(std::integral_constant<int, 9>{}); break;
    default: fn(std::integral_constant<int, 0>{}); break;
  }
}

// Where staging reads and writes, for blocks of nc channels (cached per thread by geometry and nc):
//   in[ph][k]   offset in the block's input (nc * h*w floats from channel blk) of cell k of phase
//               plane ph (k = c * ohw + i * ow + j), valid where the cell is an image pixel;
//   out[k]      offset in the staged planes (ph * plane + cell) of input pixel k, valid where some
//               tap reads its phase (the input gradient of the other pixels is zero).
// Each staged vector is also described as at most four 16-float windows of its source, one
// masked load each, merged by two two-source permutes and a blend (AVX-512): a stride-2 vector
// draws on two or four windows (one or a few source rows), several times cheaper than a 16-lane
// gather. nwin < 0: the lanes need more windows; gather them.
struct DwPermVec {
  int32_t off[4];       // window starts, relative to the source base
  uint16_t lm[4];       // lanes each window loads (the others are neither read nor faulted on)
  uint16_t blend;       // lanes taken from windows 2 and 3
  uint16_t valid;       // lanes with a source (the others are zero)
  int8_t nwin;
  uint8_t idx[2][16];   // lane l: position in windows (0, 1) or (2, 3), 0..31
};

static void dw_perm_build(const int32_t* src, uint32_t bits, DwPermVec& pv) {
  pv = DwPermVec{};
  pv.valid = uint16_t(bits);
  uint32_t left = bits;
  int nw = 0;
  while (left != 0u) {
    if (nw == 4) { pv.nwin = -1; return; }
    int32_t start = INT32_MAX;
    for (int l = 0; l < 16; l++)
      if (left & (1u << l)) start = std::min(start, src[l]);
    pv.off[nw] = start;
    for (int l = 0; l < 16; l++) {
      if (!(left & (1u << l)) || src[l] - start >= 16) continue;
      const int pos = src[l] - start;
      pv.lm[nw] = uint16_t(pv.lm[nw] | (1u << pos));
      pv.idx[nw / 2][l] = uint8_t((nw % 2) * 16 + pos);
      if (nw >= 2) pv.blend = uint16_t(pv.blend | (1u << l));
      left &= ~(1u << l);
    }
    nw++;
  }
  pv.nwin = int8_t(nw);
}

struct DwStageTable {
  int64_t key[13] = {};
  bool filled = false;
  std::vector<int32_t> in, out;
  std::vector<uint32_t> in_bits, out_bits;  // per vector
  std::vector<DwPermVec> in_perm, out_perm;  // per vector (16-lane vectors only)
};

#if defined(__AVX512F__)
// The staged vector pv over the source at base.
static inline __m512 dw_perm_load(const DwPermVec& pv, const float* base) {
  const __m512 a = _mm512_maskz_loadu_ps(__mmask16(pv.lm[0]), base + pv.off[0]);
  const __m512 b = _mm512_maskz_loadu_ps(__mmask16(pv.lm[1]), base + pv.off[1]);
  __m512 r = _mm512_permutex2var_ps(a, _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pv.idx[0]))), b);
  if (pv.nwin > 2) {
    const __m512 c = _mm512_maskz_loadu_ps(__mmask16(pv.lm[2]), base + pv.off[2]);
    const __m512 d = _mm512_maskz_loadu_ps(__mmask16(pv.lm[3]), base + pv.off[3]);
    const __m512 r2 = _mm512_permutex2var_ps(c, _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pv.idx[1]))), d);
    r = _mm512_mask_blend_ps(__mmask16(pv.blend), r, r2);
  }
  return _mm512_maskz_mov_ps(__mmask16(pv.valid), r);
}
#endif

static const DwStageTable& dw_stage_table(const DwPlan& p, int64_t nc, int64_t plane) {
  thread_local DwStageTable cache[2];
  thread_local int next = 0;
  const ConvGeom& g = p.g;
  const int64_t key[13] = {g.h, g.w, g.r, g.s, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, nc};
  for (DwStageTable& t : cache)
    if (t.filled && std::equal(key, key + 13, t.key)) return t;
  DwStageTable& t = cache[next];
  next = (next + 1) % 2;
  std::copy(key, key + 13, t.key);
  t.filled = true;
  const int64_t L = DwVec::L, hw = g.h * g.w, xf = nc * hw, xv = (xf + L - 1) / L;
  t.in.assign(size_t(p.nphases * plane), 0);
  t.in_bits.assign(size_t(p.nphases * plane / L), 0u);
  for (int ph = 0; ph < p.nphases; ph++) {
    if (!p.used[ph]) continue;
    const int64_t a = ph / g.sw, e = ph % g.sw;
    for (int64_t k = 0; k < nc * p.ohw; k++) {
      const int64_t c = k / p.ohw, cell = k - c * p.ohw, i = cell / g.ow, j = cell - i * g.ow;
      if (i >= p.rows[a] || j >= p.cols[e]) continue;
      t.in[size_t(ph * plane + k)] = int32_t(c * hw + (i * g.sh + a) * g.w + j * g.sw + e);
      t.in_bits[size_t((ph * plane + k) / L)] |= 1u << ((ph * plane + k) % L);
    }
  }
  t.out.assign(size_t(xv * L), 0);
  t.out_bits.assign(size_t(xv), 0u);
  for (int64_t k = 0; k < xf; k++) {
    const int64_t c = k / hw, pix = k - c * hw, iy = pix / g.w, ix = pix - iy * g.w;
    const int64_t ph = (iy % g.sh) * g.sw + ix % g.sw;
    if (!p.used[ph]) continue;
    t.out[size_t(k)] = int32_t(ph * plane + c * p.ohw + (iy / g.sh) * g.ow + ix / g.sw);
    t.out_bits[size_t(k / L)] |= 1u << (k % L);
  }
  if (L == 16) {
    t.in_perm.resize(t.in_bits.size());
    for (size_t u = 0; u < t.in_bits.size(); u++) dw_perm_build(t.in.data() + u * 16, t.in_bits[u], t.in_perm[u]);
    t.out_perm.resize(t.out_bits.size());
    for (size_t u = 0; u < t.out_bits.size(); u++) dw_perm_build(t.out.data() + u * 16, t.out_bits[u], t.out_perm[u]);
  }
  return t;
}

// Vector u of a staging table: windows and permutes where they do, else a gather.
static inline DwVec::V dw_stage_vec(const std::vector<DwPermVec>& perm, const std::vector<int32_t>& idx,
                                    const std::vector<uint32_t>& bits, int64_t u, const float* base) {
#if defined(__AVX512F__)
  const DwPermVec& pv = perm[size_t(u)];
  if (pv.nwin >= 0) return dw_perm_load(pv, base);
#else
  (void)perm;
#endif
  return DwVec::gather(DwVec::mask(bits[size_t(u)]), base, idx.data() + u * DwVec::L);
}

// Phase planes of channels [blk, blk + nc) of images [b0, b0 + nb) of x into st: image b,
// phase ph at st + (b * nphases + ph) * plane, channel c at + c * ohw, cell (i, j) at + i * ow + j.
// Cells that are not image pixels are zero (no valid lane reads them). Phases innermost, so x is
// read in order, while the next image's channels (after the last one: next, or null) are
// prefetched: without it the first touch of each line of x stalls (2x slower on 32x32 planes).
static void dw_stage_phases(const DwPlan& p, const float* x, int64_t b0, int64_t nb, int64_t blk, int64_t nc, float* st, int64_t plane,
                            const float* next) {
  const DwStageTable& t = dw_stage_table(p, nc, plane);
  const int64_t hw = p.g.h * p.g.w, L = DwVec::L, nu = plane / L;
  int used = 0;
  for (int ph = 0; ph < p.nphases; ph++) used += p.used[ph] ? 1 : 0;
  const int64_t lines = (nc * hw * int64_t(sizeof(float)) + 63) / 64, per = (lines + nu * used - 1) / (nu * used);
  for (int64_t b = 0; b < nb; b++) {
    const float* xb = x + ((b0 + b) * p.g.c + blk) * hw;
    const char* pf = reinterpret_cast<const char*>(b + 1 < nb ? xb + p.g.c * hw : next);
    const char* pf_end = pf ? pf + lines * 64 : nullptr;
    for (int64_t u = 0; u < nu; u++) {
      for (int ph = 0; ph < p.nphases; ph++) {
        if (!p.used[ph]) continue;
        for (int64_t i = 0; i < per && pf < pf_end; i++, pf += 64) __builtin_prefetch(pf);
        DwVec::storeu(st + (b * p.nphases + ph) * plane + u * L, dw_stage_vec(t.in_perm, t.in, t.in_bits, ph * plane / L + u, xb));
      }
    }
  }
}

// The inverse for the input gradient: phase planes in st back into the image layout of dx
// (images [b0, b0 + nb), channels [blk, blk + nc)); pixels of phases no tap reads are zero.
static void dw_unstage_phases(const DwPlan& p, const float* st, int64_t plane, float* dx, int64_t b0, int64_t nb, int64_t blk, int64_t nc) {
  const DwStageTable& t = dw_stage_table(p, nc, plane);
  const int64_t hw = p.g.h * p.g.w, L = DwVec::L, xf = nc * hw;
  for (int64_t b = 0; b < nb; b++) {
    float* d = dx + ((b0 + b) * p.g.c + blk) * hw;
    const float* sb = st + b * p.nphases * plane;
    int64_t u = 0;
    for (; (u + 1) * L <= xf; u++) DwVec::storeu(d + u * L, dw_stage_vec(t.out_perm, t.out, t.out_bits, u, sb));
    if (u * L < xf) DwVec::store(DwVec::mask((1u << (xf - u * L)) - 1u), d + u * L, dw_stage_vec(t.out_perm, t.out, t.out_bits, u, sb));
  }
}

// Images per call of the shift kernels on unstaged planes; floats per staged phase plane of a
// block (a whole number of vectors), and images per staged group (about 64 KB of stage: the input
// gradient, which writes the stage and reads it back, ran 1.2-1.5x faster than with 256 KB).
static constexpr int64_t kDwDirectImages = 8;
// Images per call on small unstaged planes (below kDwPrefetchPlane outputs): a vector's weights
// and masks are set up once for more images (the group still depends only on the geometry).
static constexpr int64_t kDwDirectImagesSmall = 32;
static inline int64_t dw_plane_floats(int64_t floats) { return (floats + 15) / 16 * 16; }
static inline int64_t dw_stage_images(const DwPlan& p, int64_t plane) {
  return std::max<int64_t>(1, std::min<int64_t>(p.g.n, (int64_t(16) << 10) / (p.nphases * plane)));
}

// Planes of at least this many outputs prefetch the next group of images in the shift kernels
// (smaller ones: the prefetches cost about what they save).
static constexpr int64_t kDwPrefetchPlane = 64;

// For prefetching: what a loop over blocks of channels [blk, blk + cblk) (up to c1) and, within
// each, groups of `group` images reads after the group at b0: images [b0 + group, ...) of this
// block, else image 0 of the next block (null after the last); *nb: images of that group. img:
// floats per image of the tensor read, chan: floats per channel.
static inline const float* dw_next_group(const float* base, int64_t img, int64_t chan, int64_t n, int64_t b0, int64_t group,
                                         int64_t blk, int64_t cblk, int64_t c1, int64_t* nb) {
  if (b0 + group < n) { *nb = std::min(group, n - b0 - group); return base + (b0 + group) * img + blk * chan; }
  if (blk + cblk < c1) { *nb = std::min(group, n); return base + (blk + cblk) * chan; }
  *nb = 0;
  return nullptr;
}

// y channels [c0, c1) of every image.
static void dwc_forward(const DwPlan& p, const float* x, const float* w, const float* bias, float* y, int64_t c0, int64_t c1) {
  const ConvGeom& g = p.g;
  const DwMaskTable& mt = dw_masks(p, false);
  const int64_t cblk = dw_block_channels(p.ohw), hw = g.h * g.w;
  thread_local std::vector<float> stage;
  int64_t off[DwPlan::kMaxTaps];
  for (int64_t blk = c0; blk < c1; blk += cblk) {
    const int64_t nc = std::min(cblk, c1 - blk), floats = nc * p.ohw;
    float* yb = y + blk * p.ohw;
    int64_t ldw;
    const float* wr = dw_weight_rows(p, w, bias, blk, nc, &ldw);
    if (p.direct) {
      const int64_t di = p.ohw < kDwPrefetchPlane ? kDwDirectImagesSmall : kDwDirectImages;
      for (int t = 0; t < p.ntaps; t++) off[t] = p.taps[t].qy * g.ow + p.taps[t].qx;
      for (int64_t b0 = 0; b0 < g.n; b0 += di) {
        int64_t pf_nb;
        const float* pf = dw_next_group(x, g.c * hw, hw, g.n, b0, di, blk, cblk, c1, &pf_nb);
        if (p.ohw < kDwPrefetchPlane) pf_nb = 0;
        dw_with_taps(p.ntaps, [&](auto k) {
          dw_shift_sum<decltype(k)::value>(p, p.ntaps, off, mt, 0, wr, ldw, bias != nullptr, floats, x + (b0 * g.c + blk) * hw, g.c * hw,
                                           yb + b0 * g.c * p.ohw, g.c * p.ohw, std::min(di, g.n - b0), pf, pf_nb);
        });
      }
      continue;
    }
    const int64_t plane = dw_plane_floats(floats), group = dw_stage_images(p, plane);
    stage.resize(size_t(group * p.nphases * plane));
    for (int t = 0; t < p.ntaps; t++) off[t] = p.taps[t].phase * plane + p.taps[t].qy * g.ow + p.taps[t].qx;
    for (int64_t b0 = 0; b0 < g.n; b0 += group) {
      const int64_t nb = std::min(group, g.n - b0);
      int64_t pf_nb;
      dw_stage_phases(p, x, b0, nb, blk, nc, stage.data(), plane, dw_next_group(x, g.c * hw, hw, g.n, b0, group, blk, cblk, c1, &pf_nb));
      dw_with_taps(p.ntaps, [&](auto k) {
        dw_shift_sum<decltype(k)::value>(p, p.ntaps, off, mt, 0, wr, ldw, bias != nullptr, floats, stage.data(), p.nphases * plane,
                                         yb + b0 * g.c * p.ohw, g.c * p.ohw, nb, nullptr, 0);
      });
    }
  }
}

// dx channels [c0, c1) of every image (overwritten).
static void dwc_backward_input(const DwPlan& p, const float* dy, const float* w, float* dx, int64_t c0, int64_t c1) {
  const ConvGeom& g = p.g;
  const DwMaskTable& mt = dw_masks(p, true);
  const int64_t cblk = dw_block_channels(p.ohw), hw = g.h * g.w;
  thread_local std::vector<float> stage;
  int64_t off[DwPlan::kMaxTaps];
  for (int t = 0; t < p.ntaps; t++) off[t] = -(p.taps[t].qy * g.ow + p.taps[t].qx);
  for (int64_t blk = c0; blk < c1; blk += cblk) {
    const int64_t nc = std::min(cblk, c1 - blk), floats = nc * p.ohw;
    const float* dyb = dy + blk * p.ohw;
    int64_t ldw;
    const float* wr = dw_weight_rows(p, w, nullptr, blk, nc, &ldw);
    if (p.direct) {
      const int64_t di = p.ohw < kDwPrefetchPlane ? kDwDirectImagesSmall : kDwDirectImages;
      for (int64_t b0 = 0; b0 < g.n; b0 += di) {
        int64_t pf_nb;
        const float* pf = dw_next_group(dy, g.c * p.ohw, p.ohw, g.n, b0, di, blk, cblk, c1, &pf_nb);
        if (p.ohw < kDwPrefetchPlane) pf_nb = 0;
        dw_with_taps(p.ntaps, [&](auto k) {
          dw_shift_sum<decltype(k)::value>(p, p.ntaps, off, mt, 0, wr, ldw, false, floats, dyb + b0 * g.c * p.ohw, g.c * p.ohw,
                                           dx + (b0 * g.c + blk) * hw, g.c * hw, std::min(di, g.n - b0), pf, pf_nb);
        });
      }
      continue;
    }
    const int64_t plane = dw_plane_floats(floats), group = dw_stage_images(p, plane);
    stage.resize(size_t(group * p.nphases * plane));
    for (int64_t b0 = 0; b0 < g.n; b0 += group) {
      const int64_t nb = std::min(group, g.n - b0);
      int64_t pf_nb;
      const float* pf = dw_next_group(dy, g.c * p.ohw, p.ohw, g.n, b0, group, blk, cblk, c1, &pf_nb);
      if (p.ohw < kDwPrefetchPlane) pf_nb = 0;
      for (int t0 = 0; t0 < p.ntaps;) {  // one run of taps per phase
        int t1 = t0;
        while (t1 < p.ntaps && p.taps[t1].phase == p.taps[t0].phase) t1++;
        const int64_t ph = p.taps[t0].phase;
        dw_with_taps(t1 - t0, [&](auto k) {  // the first run prefetches the next group's dy
          dw_shift_sum<decltype(k)::value>(p, t1 - t0, off + t0, mt, t0, wr, ldw, false, floats, dyb + b0 * g.c * p.ohw, g.c * p.ohw,
                                           stage.data() + ph * plane, p.nphases * plane, nb, t0 == 0 ? pf : nullptr, t0 == 0 ? pf_nb : 0);
        });
        t0 = t1;
      }
      dw_unstage_phases(p, stage.data(), plane, dx, b0, nb, blk, nc);
    }
  }
}

// dw channels [c0, c1) (overwritten), summed over every image.
static void dwc_backward_weight(const DwPlan& p, const float* x, const float* dy, float* dw, int64_t c0, int64_t c1) {
  const ConvGeom& g = p.g;
  const DwMaskTable& mt = dw_masks(p, false);
  const int64_t cblk = dw_block_channels(p.ohw), hw = g.h * g.w, L = DwVec::L, T = p.ntaps;
  thread_local std::vector<float> stage, lacc;
  thread_local std::vector<double> sums;
  int64_t off[DwPlan::kMaxTaps];
  for (int64_t blk = c0; blk < c1; blk += cblk) {
    const int64_t nc = std::min(cblk, c1 - blk), floats = nc * p.ohw, nv = (floats + L - 1) / L;
    lacc.resize(size_t(nv * T * L));
    const float* dyb = dy + blk * p.ohw;
    if (p.direct) {
      const int64_t di = p.ohw < kDwPrefetchPlane ? kDwDirectImagesSmall : kDwDirectImages;
      for (int t = 0; t < T; t++) off[t] = p.taps[t].qy * g.ow + p.taps[t].qx;
      for (int64_t b0 = 0; b0 < g.n; b0 += di) {
        int64_t pf_nb;
        const float* pfs = dw_next_group(x, g.c * hw, hw, g.n, b0, di, blk, cblk, c1, &pf_nb);
        const float* pfd = dw_next_group(dy, g.c * p.ohw, p.ohw, g.n, b0, di, blk, cblk, c1, &pf_nb);
        if (p.ohw < kDwPrefetchPlane) pf_nb = 0;
        dw_with_taps(p.ntaps, [&](auto k) {
          dw_shift_dot<decltype(k)::value>(p, p.ntaps, off, mt, floats, x + (b0 * g.c + blk) * hw, g.c * hw, dyb + b0 * g.c * p.ohw, g.c * p.ohw,
                                           std::min(di, g.n - b0), lacc.data(), b0 == 0, pfs, pfd, pf_nb);
        });
      }
    } else {
      const int64_t plane = dw_plane_floats(floats), group = dw_stage_images(p, plane);
      stage.resize(size_t(group * p.nphases * plane));
      for (int t = 0; t < T; t++) off[t] = p.taps[t].phase * plane + p.taps[t].qy * g.ow + p.taps[t].qx;
      for (int64_t b0 = 0; b0 < g.n; b0 += group) {
        const int64_t nb = std::min(group, g.n - b0);
        int64_t pf_nb;
        dw_stage_phases(p, x, b0, nb, blk, nc, stage.data(), plane, dw_next_group(x, g.c * hw, hw, g.n, b0, group, blk, cblk, c1, &pf_nb));
        const float* pfd = dw_next_group(dy, g.c * p.ohw, p.ohw, g.n, b0, group, blk, cblk, c1, &pf_nb);
        if (p.ohw < kDwPrefetchPlane) pf_nb = 0;
        dw_with_taps(p.ntaps, [&](auto k) {
          dw_shift_dot<decltype(k)::value>(p, p.ntaps, off, mt, floats, stage.data(), p.nphases * plane, dyb + b0 * g.c * p.ohw, g.c * p.ohw,
                                           nb, lacc.data(), b0 == 0, nullptr, pfd, pf_nb);
        });
      }
    }
    // lanes to channels: flat index blk * ohw + v * L + l belongs to channel blk + (v * L + l) / ohw
    sums.assign(size_t(nc * T), 0.0);
    const int64_t seg = p.ohw % L == 0 ? L : (L % p.ohw == 0 ? p.ohw : 0);
    if (seg > 0) {
      // every vector is whole segments of seg lanes, one channel each: fold each segment onto its
      // first lane in registers (log2(seg) permutes and adds, no per-lane division), then add
      // the segment sums in double (the lanes of a segment are the same in every block and thread)
      for (int64_t v = 0; v < nv; v++) {
        const int64_t cv = v * L / p.ohw;
        for (int64_t t = 0; t < T; t++) {
          float row[L];
          DwVec::storeu(row, DwVec::fold(DwVec::loadu(lacc.data() + (v * T + t) * L), int(seg)));
          for (int64_t s0 = 0; s0 < L && v * L + s0 < floats; s0 += seg) sums[size_t((cv + s0 / seg) * T + p.taps[t].widx)] += row[s0];
        }
      }
    } else {
      for (int64_t v = 0; v < nv; v++) {
        for (int64_t l = 0; l < L && v * L + l < floats; l++) {
          const int64_t c = (v * L + l) / p.ohw;
          for (int64_t t = 0; t < T; t++) sums[size_t(c * T + p.taps[t].widx)] += lacc[size_t((v * T + t) * L + l)];
        }
      }
    }
    for (int64_t i = 0; i < nc * T; i++) dw[blk * T + i] = float(sums[size_t(i)]);
  }
}

inline void fill_depthwise(Kernels& k) {
  k.dwc_lanes = DwVec::L;
  k.dwc_forward = dwc_forward;
  k.dwc_backward_input = dwc_backward_input;
  k.dwc_backward_weight = dwc_backward_weight;
  k.dw_forward = dw_forward;
  k.dw_backward_input = dw_backward_input;
  k.dw_backward_weight = dw_backward_weight;
}

#pragma GCC diagnostic pop
