// The kernels compiled for scalar (flags in binding.gyp).
#define ODY_ISA scalar
#include "isa/kernels_impl.h"

namespace ody {
void fill_kernels_scalar(Kernels& k) {
  k.isa = "scalar";
  scalar::fill_all(k);
}
}  // namespace ody
