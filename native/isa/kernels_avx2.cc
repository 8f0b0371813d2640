// The kernels compiled for avx2 (flags in binding.gyp).
#define ODY_ISA avx2
#include "isa/kernels_impl.h"

namespace ody {
void fill_kernels_avx2(Kernels& k) {
  k.isa = "avx2";
  avx2::fill_all(k);
}
}  // namespace ody
