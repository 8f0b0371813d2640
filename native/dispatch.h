// The table of instruction-set-specific kernels. Each ISA library (isa/kernels_*.cc) compiles the
// same kernel sources with its own compiler flags and fills one table; dispatch.cc picks the best
// table the CPU supports (or the one set with ODYSSEY_ISA / setIsa, for testing every path).
// Kernels here are inner loops: threading, strides and argument handling live in the callers.
#pragma once
#include <cstdint>

namespace ody {

struct Kernels {
  const char* isa = "none";
  // Families append their entries below (keep one block per family).

  // elementwise (kernels/elementwise.inl); return false for an op code they do not handle
  bool (*unary_f32)(int op, const float* x, float* y, int64_t n, float p1, float p2) = nullptr;
  bool (*binary_f32)(int op, const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n, float p1) = nullptr;
};

// The selected table.
const Kernels& kernels();
// Select by name: "avx512", "avx2", "scalar" or "auto". Returns false if the CPU cannot run it.
bool select_isa(const char* name);
const char* selected_isa();

// Filled by each ISA library.
void fill_kernels_scalar(Kernels& k);
#ifdef ODY_X86
void fill_kernels_avx2(Kernels& k);
void fill_kernels_avx512(Kernels& k);
#endif

}  // namespace ody
