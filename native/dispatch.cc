#include "dispatch.h"

#include <cstdlib>
#include <cstring>

#include "cpu.h"

namespace ody {
namespace {

Kernels g_scalar, g_avx2, g_avx512;
const Kernels* g_selected = nullptr;

void init_tables() {
  static bool done = false;
  if (done) return;
  done = true;
  fill_kernels_scalar(g_scalar);
#ifdef ODY_X86
  fill_kernels_avx2(g_avx2);
  fill_kernels_avx512(g_avx512);
#endif
}

const Kernels* best() {
#ifdef ODY_X86
  const CpuFeatures& f = cpu_features();
  if (f.avx512) return &g_avx512;
  if (f.avx2_fma) return &g_avx2;
#endif
  return &g_scalar;
}

}  // namespace

bool select_isa(const char* name) {
  init_tables();
  if (!name || !*name || std::strcmp(name, "auto") == 0) { g_selected = best(); return true; }
  if (std::strcmp(name, "scalar") == 0) { g_selected = &g_scalar; return true; }
#ifdef ODY_X86
  const CpuFeatures& f = cpu_features();
  if (std::strcmp(name, "avx2") == 0 && f.avx2_fma) { g_selected = &g_avx2; return true; }
  if (std::strcmp(name, "avx512") == 0 && f.avx512) { g_selected = &g_avx512; return true; }
#endif
  return false;
}

const Kernels& kernels() {
  if (!g_selected) {
    const char* env = std::getenv("ODYSSEY_ISA");
    if (!select_isa(env)) select_isa("auto");
  }
  return *g_selected;
}

const char* selected_isa() { return kernels().isa; }

}  // namespace ody
