// Copy kernels: the blocked 2-d transpose behind permute().contiguous() (NCHW <-> NHWC and the
// like). dst[r * dst_row + c] = src[r + c * src_col]: the source is contiguous along r, the
// destination along c. Tiles keep both sides' cache lines in use; 4-byte elements go through an
// 8 x 8 register transpose on AVX2 / AVX-512.

template <class T>
static void transpose_tile(const T* src, int64_t src_col, T* dst, int64_t dst_row, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < cols; c++) dst[r * dst_row + c] = src[r + c * src_col];
}

#if defined(__AVX2__)
// 8 x 8 floats (as 32-bit lanes): rows of the source tile become rows of the destination.
static inline void transpose8x8_32(const float* src, int64_t src_col, float* dst, int64_t dst_row) {
  __m256 r0 = _mm256_loadu_ps(src + 0 * src_col), r1 = _mm256_loadu_ps(src + 1 * src_col);
  __m256 r2 = _mm256_loadu_ps(src + 2 * src_col), r3 = _mm256_loadu_ps(src + 3 * src_col);
  __m256 r4 = _mm256_loadu_ps(src + 4 * src_col), r5 = _mm256_loadu_ps(src + 5 * src_col);
  __m256 r6 = _mm256_loadu_ps(src + 6 * src_col), r7 = _mm256_loadu_ps(src + 7 * src_col);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
  _mm256_storeu_ps(dst + 0 * dst_row, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + 1 * dst_row, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * dst_row, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * dst_row, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * dst_row, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * dst_row, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * dst_row, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * dst_row, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// 16 x 16 at a time as four 8 x 8 transposes, so that each 64-byte line of the source and of the
// destination is used whole while it is in L1 (power-of-two strides map all of a tile's lines to
// the same cache set, and a line fetched for half its floats would be evicted before the other
// half is wanted).
static void transpose_tile32(const float* src, int64_t src_col, float* dst, int64_t dst_row, int64_t rows, int64_t cols) {
  int64_t r16 = rows & ~int64_t(15), c16 = cols & ~int64_t(15);
  for (int64_t r = 0; r < r16; r += 16)
    for (int64_t c = 0; c < c16; c += 16) {
      const float* s = src + r + c * src_col;
      float* d = dst + r * dst_row + c;
      transpose8x8_32(s, src_col, d, dst_row);
      transpose8x8_32(s + 8, src_col, d + 8 * dst_row, dst_row);
      transpose8x8_32(s + 8 * src_col, src_col, d + 8, dst_row);
      transpose8x8_32(s + 8 + 8 * src_col, src_col, d + 8 * dst_row + 8, dst_row);
    }
  if (c16 < cols) transpose_tile(src + c16 * src_col, src_col, dst + c16, dst_row, r16, cols - c16);
  if (r16 < rows) transpose_tile(src + r16, src_col, dst + r16 * dst_row, dst_row, rows - r16, cols);
}
#endif

template <class T>
static void transpose_blocked(const T* src, int64_t src_col, T* dst, int64_t dst_row, int64_t rows, int64_t cols) {
  constexpr int64_t B = 64;
  for (int64_t r0 = 0; r0 < rows; r0 += B) {
    int64_t rb = std::min(B, rows - r0);
    for (int64_t c0 = 0; c0 < cols; c0 += B) {
      int64_t cb = std::min(B, cols - c0);
      const T* s = src + r0 + c0 * src_col;
      T* d = dst + r0 * dst_row + c0;
#if defined(__AVX2__)
      if constexpr (sizeof(T) == 4) {
        transpose_tile32(reinterpret_cast<const float*>(s), src_col, reinterpret_cast<float*>(d), dst_row, rb, cb);
        continue;
      }
#endif
      transpose_tile(s, src_col, d, dst_row, rb, cb);
    }
  }
}

static void transpose(int esize, const void* src, int64_t src_col, void* dst, int64_t dst_row, int64_t rows, int64_t cols) {
  switch (esize) {
    case 1: transpose_blocked(static_cast<const uint8_t*>(src), src_col, static_cast<uint8_t*>(dst), dst_row, rows, cols); break;
    case 2: transpose_blocked(static_cast<const uint16_t*>(src), src_col, static_cast<uint16_t*>(dst), dst_row, rows, cols); break;
    case 4: transpose_blocked(static_cast<const uint32_t*>(src), src_col, static_cast<uint32_t*>(dst), dst_row, rows, cols); break;
    case 8: transpose_blocked(static_cast<const uint64_t*>(src), src_col, static_cast<uint64_t*>(dst), dst_row, rows, cols); break;
  }
}

inline void fill_copy(Kernels& k) { k.transpose = transpose; }
