// Per-core data cache sizes, read once at run time so the GEMM's blocking fits the CPU it runs on:
// Linux sysfs first, then CPUID leaf 4 (Intel) / 0x8000001D (AMD), then common defaults.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace ody {

struct CacheSizes {
  int64_t l1d = 32 << 10;  // bytes
  int64_t l2 = 1 << 20;
};

namespace cache_detail {

inline int64_t parse_size(const char* s) {
  char* end = nullptr;
  const long long v = std::strtoll(s, &end, 10);
  if (v <= 0) return 0;
  if (end && (*end == 'K' || *end == 'k')) return int64_t(v) << 10;
  if (end && (*end == 'M' || *end == 'm')) return int64_t(v) << 20;
  return int64_t(v);
}

inline bool read_line(const char* path, char* buf, size_t n) {
  FILE* f = std::fopen(path, "r");
  if (!f) return false;
  const bool ok = std::fgets(buf, int(n), f) != nullptr;
  std::fclose(f);
  return ok;
}

// sysfs: /sys/devices/system/cpu/cpu0/cache/index<i>/{level,type,size}
inline bool from_sysfs(CacheSizes& c) {
  bool any = false;
  for (int i = 0; i < 8; i++) {
    char path[96], level[16], type[32], size[32];
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
    if (!read_line(path, level, sizeof level)) break;
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
    if (!read_line(path, type, sizeof type)) continue;
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
    if (!read_line(path, size, sizeof size)) continue;
    const int lv = std::atoi(level);
    const int64_t bytes = parse_size(size);
    if (bytes <= 0) continue;
    if (lv == 1 && std::strncmp(type, "Instruction", 11) != 0) { c.l1d = bytes; any = true; }
    if (lv == 2 && std::strncmp(type, "Instruction", 11) != 0) { c.l2 = bytes; any = true; }
  }
  return any;
}

#if defined(__x86_64__) || defined(_M_X64)
// Deterministic cache parameters: leaf 4 on Intel, 0x8000001D on AMD (same register layout).
inline bool from_cpuid(CacheSizes& c) {
  unsigned a, b, cx, d;
  if (!__get_cpuid(0, &a, &b, &cx, &d)) return false;
  const bool amd = b == 0x68747541;  // "Auth"
  const unsigned leaf = amd ? 0x8000001Du : 4u;
  if (amd ? __get_cpuid_max(0x80000000u, nullptr) < leaf : a < leaf) return false;
  bool any = false;
  for (unsigned i = 0; i < 8; i++) {
    __cpuid_count(leaf, i, a, b, cx, d);
    const unsigned type = a & 31, level = (a >> 5) & 7;
    if (type == 0) break;
    if (type == 2) continue;  // instruction cache
    const int64_t bytes = int64_t((b >> 22) + 1) * (((b >> 12) & 1023) + 1) * ((b & 4095) + 1) * (int64_t(cx) + 1);
    if (level == 1) { c.l1d = bytes; any = true; }
    if (level == 2) { c.l2 = bytes; any = true; }
  }
  return any;
}
#endif

}  // namespace cache_detail

inline const CacheSizes& cache_sizes() {
  static const CacheSizes sizes = [] {
    CacheSizes c;
    if (cache_detail::from_sysfs(c)) return c;
#if defined(__x86_64__) || defined(_M_X64)
    cache_detail::from_cpuid(c);
#endif
    return c;
  }();
  return sizes;
}

}  // namespace ody
