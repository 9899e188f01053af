// What the running CPU (and OS) can execute: CPUID + XGETBV on x86-64, baseline NEON on AArch64
// (style-anchors.md §4 C1). Detected once per program (function-local static, thread-safe).
#pragma once

#include "qtz/dispatch/isa.hpp"

#include <cstdint>

#if defined(QTZ_HAVE_AVX2) || defined(QTZ_HAVE_AVX512)
#include <cpuid.h>
#endif

namespace qtz {

/// Raw x86 feature bits that matter to qtz (all false elsewhere).
struct CpuFeatures {
  bool avx2 = false;    ///< CPUID AVX + AVX2 and the OS saves YMM state (XCR0 bits 1, 2)
  bool avx512 = false;  ///< AVX-512 F+BW+VL+DQ and the OS saves opmask/ZMM state (XCR0 bits 5, 6, 7)
};

namespace detail {

#if defined(QTZ_HAVE_AVX2) || defined(QTZ_HAVE_AVX512)
inline std::uint64_t read_xcr0() noexcept {
  std::uint32_t eax = 0, edx = 0;
  // xgetbv is an OSXSAVE instruction; inline asm keeps it free of target attributes.
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

inline CpuFeatures detect_cpu_features() noexcept {
  CpuFeatures f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1u, avx = (c >> 28) & 1u;
  if (!osxsave || !avx) return f;
  const std::uint64_t xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6u) == 0x6u;     // SSE + AVX state
  const bool zmm_state = (xcr0 & 0xE6u) == 0xE6u;   // + opmask, ZMM_Hi256, Hi16_ZMM
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = (b >> 5) & 1u;
  const bool f512 = (b >> 16) & 1u, dq = (b >> 17) & 1u, bw = (b >> 30) & 1u, vl = (b >> 31) & 1u;
  f.avx2 = ymm_state && avx2;
  f.avx512 = ymm_state && zmm_state && f512 && dq && bw && vl;
  return f;
}
#else
inline CpuFeatures detect_cpu_features() noexcept { return CpuFeatures{}; }
#endif

}  // namespace detail

/// The features of this CPU, detected on first use and cached program-wide.
inline const CpuFeatures& cpu_features() noexcept {
  static const CpuFeatures f = detail::detect_cpu_features();
  return f;
}

/// True when `isa` is compiled in and this CPU/OS can run it.
inline bool supported(Isa isa) noexcept {
  if (!compiled_in(isa)) return false;
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return cpu_features().avx2;
    case Isa::avx512: return cpu_features().avx512;
    case Isa::neon: return true;  // baseline on AArch64 (compiled_in is false elsewhere)
  }
  return false;
}

/// The best compiled-in ISA this CPU supports.
inline Isa best_supported_isa() noexcept {
  if (supported(Isa::avx512)) return Isa::avx512;
  if (supported(Isa::avx2)) return Isa::avx2;
  if (supported(Isa::neon)) return Isa::neon;
  return Isa::scalar;
}

}  // namespace qtz
