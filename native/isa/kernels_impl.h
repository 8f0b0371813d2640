// Included once per instruction set by isa/kernels_<isa>.cc, with ODY_ISA set to the namespace
// name and the compiler flags of that ISA. Kernel sources (*.inl) are plain C++ that the compiler
// vectorises for the ISA, plus intrinsics guarded by __AVX512F__ / __AVX2__ where it matters.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "conv/conv_geom.h"
#include "conv/conv_wide.h"
#include "conv/depthwise_plan.h"
#include "conv/pointwise_weight.h"
#include "conv/winograd.h"
#include "cpu.h"
#include "dispatch.h"

namespace ody {
namespace ODY_ISA {

// Kernel families (each file defines fill_<family>(Kernels&)).
#include "kernels/elementwise.inl"
#include "kernels/cast.inl"
#include "kernels/copy.inl"
#include "kernels/reduce.inl"
#include "kernels/pool.inl"
#include "kernels/norm.inl"
#include "kernels/softmax.inl"
#include "kernels/gemm.inl"
#include "kernels/conv.inl"
#include "kernels/depthwise_general.inl"
#include "kernels/depthwise.inl"
#include "kernels/conv_gemm.inl"
#include "kernels/conv_wide.inl"
#include "kernels/conv_winograd.inl"
#include "kernels/conv_pointwise_weight.inl"
#include "kernels/optim.inl"

inline void fill_all(Kernels& k) {
  fill_elementwise(k);
  fill_pool(k);
  fill_norm(k);
  fill_softmax(k);
  fill_gemm(k);
  fill_conv(k);
  fill_depthwise(k);
  fill_conv_gemm(k);
  fill_conv_wide(k);
  fill_conv_winograd(k);
  fill_conv_pointwise_weight(k);
  fill_optim(k);
  fill_cast(k);
  fill_copy(k);
  fill_reduce(k);
}

}  // namespace ODY_ISA
}  // namespace ody
