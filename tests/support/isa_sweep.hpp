// Runs a test body once for every SIMD ISA this build compiled in and this CPU supports, records
// which ones ran, and fails the test when an ISA the CPU has did not run (style-anchors.md §4 G5).
// The CPU's features are read here independently of qtz's own CPUID code (__builtin_cpu_supports
// on x86, the architecture on AArch64), so a detection bug that silently disables a path fails.
#pragma once

#include <catch2/catch.hpp>

#include <set>
#include <string>

#include <qtz/dispatch/dispatch.hpp>

#include "support/tier.hpp"

namespace qtz_test {

/// The SIMD ISAs that must run on this machine with this build.
inline std::set<qtz::Isa> expected_simd_isas() {
  std::set<qtz::Isa> e;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (qtz::compiled_in(qtz::Isa::avx2) && __builtin_cpu_supports("avx2")) e.insert(qtz::Isa::avx2);
  if (qtz::compiled_in(qtz::Isa::avx512) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    e.insert(qtz::Isa::avx512);
#endif
#if defined(__aarch64__)
  if (qtz::compiled_in(qtz::Isa::neon)) e.insert(qtz::Isa::neon);
#endif
  return e;
}

inline std::string isa_list(const std::set<qtz::Isa>& s) {
  std::string r;
  for (qtz::Isa i : s) r += std::string(r.empty() ? "" : ",") + qtz::name(i);
  return r.empty() ? "(none)" : r;
}

/// Calls body(isa) for every supported SIMD ISA (scalar is the reference, not swept), then requires
/// that the set that ran equals expected_simd_isas().
template <class Body>
void for_each_simd_isa(Body&& body) {
  std::set<qtz::Isa> ran;
  for (qtz::Isa isa : qtz::all_isas) {
    if (isa == qtz::Isa::scalar || !qtz::supported(isa)) continue;
    body(isa);
    ran.insert(isa);
  }
  const std::set<qtz::Isa> expected = expected_simd_isas();
  INFO("SIMD ISAs swept: " << isa_list(ran) << "; expected on this CPU/build: " << isa_list(expected));
  REQUIRE(ran == expected);
}

}  // namespace qtz_test
