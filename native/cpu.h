// Run-time CPU feature detection, so one build runs on any x86-64 (and portably elsewhere).
#pragma once

namespace ody {

struct CpuFeatures {
  bool avx2_fma = false;    // AVX2 + FMA + F16C, with OS support for YMM state
  bool avx512 = false;      // AVX-512 F/BW/VL/DQ, with OS support for ZMM state
  bool avx512_bf16 = false; // AVX512-BF16 conversions
};

const CpuFeatures& cpu_features();

}  // namespace ody
