// The instruction sets qtz has kernels for, and which of them this build compiled in
// (style-anchors.md §4 C5). One vocabulary: scalar, avx2, avx512, neon — folder, namespace, enum,
// QTZ_FORCE_ISA value, benchmark label and test tag.
#pragma once

#include "qtz/config.hpp"

#include <cstdint>

// Compile-time switches (define before including qtz): QTZ_SCALAR_ONLY removes every SIMD path;
// QTZ_DISABLE_AVX512 / QTZ_DISABLE_AVX2 remove one x86 path (AVX-512 needs nothing from AVX2).
// x86 kernels need GCC/Clang target attributes and x86-64 (32-bit x86 is scalar-only, rule E6).
#if !defined(QTZ_SCALAR_ONLY) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if !defined(QTZ_DISABLE_AVX2)
#define QTZ_HAVE_AVX2 1
#endif
#if !defined(QTZ_DISABLE_AVX512)
#define QTZ_HAVE_AVX512 1
#endif
#endif
// NEON is baseline on AArch64: no attribute, no runtime check.
#if !defined(QTZ_SCALAR_ONLY) && !defined(QTZ_DISABLE_NEON) && defined(__aarch64__) && \
    (defined(__GNUC__) || defined(__clang__))
#define QTZ_HAVE_NEON 1
#endif

// Per-function target attributes (rule B2). `fma` is left out on purpose (rule E7).
#if defined(__GNUC__) || defined(__clang__)
#define QTZ_TARGET_AVX2 __attribute__((target("avx2")))
#define QTZ_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#else
#define QTZ_TARGET_AVX2
#define QTZ_TARGET_AVX512
#endif

namespace qtz {

/// An instruction set with its own kernels. Order = preference on x86 (higher is better).
enum class Isa : std::uint8_t { scalar, avx2, avx512, neon };

/// "scalar", "avx2", "avx512", "neon".
constexpr const char* name(Isa isa) noexcept {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
    case Isa::neon: return "neon";
  }
  return "unknown";
}

/// Whether this build contains kernels for `isa` (the CPU may still lack it: see supported()).
constexpr bool compiled_in(Isa isa) noexcept {
  switch (isa) {
    case Isa::scalar: return true;
#if defined(QTZ_HAVE_AVX2)
    case Isa::avx2: return true;
#endif
#if defined(QTZ_HAVE_AVX512)
    case Isa::avx512: return true;
#endif
#if defined(QTZ_HAVE_NEON)
    case Isa::neon: return true;
#endif
    default: return false;
  }
}

/// Every ISA, in enum order (for tests and benchmarks that loop over them).
inline constexpr Isa all_isas[] = {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon};

}  // namespace qtz
