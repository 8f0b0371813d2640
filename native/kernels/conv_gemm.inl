// Convolution packers that feed the GEMM from output-shaped planes (PlaneSource in
// conv/conv_geom.h): every kernel tap is a constant offset into a plane, so each 16 output
// pixels of a tap are one masked vector load, whatever the image width. Runs of slivers are
// packed a channel at a time: the channel's plane is read while it sits in L1, for all slivers.
// AVX-512 only (the sliver width is the AVX-512 micro-kernel's 32); other ISAs use the general
// im2col packer in kernels/conv.inl.
// GCC 12 warns about the undefined first operand inside its own AVX-512 shuffle intrinsics.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#if defined(__AVX512F__)
static void conv_pack_planes(const void* ctx, int64_t j0, int jn, int64_t q0, int64_t qc, int w, float* dst) {
  const PlaneSource& g = *static_cast<const PlaneSource*>(ctx);
  const int nsl = (jn + w - 1) / w, nvec = nsl * (w / 16);
  const int64_t taps = g.taps;
  // Per 16-pixel vector: its offset (image and first pixel) and, per tap, the lanes inside.
  thread_local std::vector<int64_t> base;
  thread_local std::vector<uint16_t> masks;
  base.resize(size_t(nvec));
  masks.resize(size_t(nvec * taps));
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512 inv_ow = _mm512_set1_ps(1.0f / float(g.ow));
  for (int v = 0; v < nvec; v++) {
    const int lanes = std::max(0, std::min(16, jn - 16 * v));
    uint16_t* mv = masks.data() + size_t(v) * taps;
    if (lanes == 0) {
      base[size_t(v)] = 0;
      for (int64_t t = 0; t < taps; t++) mv[t] = 0;
      continue;
    }
    const int64_t j = j0 + 16 * v, b = j / g.ohw, p = j - b * g.ohw;
    base[size_t(v)] = b * g.img_stride + p;
    // Lane pixel -> (oy, ox); float division is exact here (pixels < 2^22, rounded before floor).
    const __m512i pl = _mm512_add_epi32(_mm512_set1_epi32(int(p)), iota);
    const __m512i oy = _mm512_cvttps_epi32(_mm512_mul_ps(_mm512_add_ps(_mm512_cvtepi32_ps(pl), _mm512_set1_ps(0.5f)), inv_ow));
    const __m512i ox = _mm512_sub_epi32(pl, _mm512_mullo_epi32(oy, _mm512_set1_epi32(int(g.ow))));
    const __mmask16 lm = __mmask16((1u << lanes) - 1);
    for (int64_t t = 0; t < taps; t++) {
      const PlaneTap& tp = g.tap[t];
      const __m512i yy = _mm512_add_epi32(oy, _mm512_set1_epi32(tp.qy)), xx = _mm512_add_epi32(ox, _mm512_set1_epi32(tp.qx));
      mv[t] = uint16_t(_mm512_mask_cmplt_epu32_mask(_mm512_mask_cmplt_epu32_mask(lm, yy, _mm512_set1_epi32(tp.rows)), xx,
                                                     _mm512_set1_epi32(tp.cols)));
    }
  }
  int64_t c = q0 / taps, t0 = q0 - c * taps;
  const int64_t c_end = (q0 + qc + taps - 1) / taps;
  for (int64_t q = 0; q < qc; c++) {
    const int64_t t1 = std::min(taps, t0 + (qc - q));
    const float* plane = g.x + c * g.chan_stride;
    for (int s = 0; s < nsl; s++) {
      float* d = dst + int64_t(s) * qc * w + q * w;
      for (int h = 0; h < w / 16; h++) {
        const int v = s * (w / 16) + h;
        const float* src = plane + base[size_t(v)];
        const uint16_t* mv = masks.data() + size_t(v) * taps;
        float* dd = d + 16 * h;
        // The next channel's lines are requested while this one is copied (its first tap would
        // otherwise wait for each line from memory; ~3% of the forward at 64 channels, 32x32).
        if (c + 1 < c_end) {
          _mm_prefetch(reinterpret_cast<const char*>(src + g.chan_stride), _MM_HINT_T0);
          _mm_prefetch(reinterpret_cast<const char*>(src + g.chan_stride + 15), _MM_HINT_T0);
        }
        for (int64_t t = t0; t < t1; t++, dd += w)
          _mm512_store_ps(dd, _mm512_maskz_loadu_ps(__mmask16(mv[t]), src + g.tap[t].off));
      }
    }
    q += t1 - t0;
    t0 = 0;
  }
}
#endif

// dst[j] = src[j * step] for j < n (a row of a phase plane).
static void conv_gather_row(const float* src, int64_t step, float* dst, int64_t n) {
  int64_t j = 0;
#if defined(__AVX512F__)
  if (step == 2) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (; j + 16 <= n; j += 16) {
      // the last pair's odd element may lie past the row: load it masked
      const __m512 lo = _mm512_loadu_ps(src + 2 * j);
      const __m512 hi = _mm512_maskz_loadu_ps(__mmask16(0x7FFF), src + 2 * j + 16);
      _mm512_storeu_ps(dst + j, _mm512_permutex2var_ps(lo, even, hi));
    }
  }
#endif
  for (; j < n; j++) dst[j] = src[j * step];
}

inline void fill_conv_gemm(Kernels& k) {
  k.conv_gather_row = conv_gather_row;
#if defined(__AVX512F__)
  k.conv_pack_planes = conv_pack_planes;
#else
  k.conv_pack_planes = nullptr;
#endif
}

#pragma GCC diagnostic pop
