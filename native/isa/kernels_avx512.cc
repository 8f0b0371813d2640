// The kernels compiled for avx512 (flags in binding.gyp).
#define ODY_ISA avx512
#include "isa/kernels_impl.h"

namespace ody {
void fill_kernels_avx512(Kernels& k) {
  k.isa = "avx512";
  avx512::fill_all(k);
}
}  // namespace ody
