// A grow-only, 64-byte aligned float buffer. Hot paths keep one per thread (thread_local) and reuse
// it across calls, so packing panels and column buffers cost no allocation after warm-up.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace ody {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(p_); }

  // At least n floats; the contents are unspecified after growing.
  float* get(size_t n) {
    if (n > cap_) {
      std::free(p_);
      size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      p_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!p_) { cap_ = 0; throw std::bad_alloc(); }
      cap_ = n;
    }
    return p_;
  }

 private:
  float* p_ = nullptr;
  size_t cap_ = 0;
};

}  // namespace ody
