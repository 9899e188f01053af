// The test tier: QTZ_TEST_TIER=quick makes the long sweeps sample instead of enumerating. The asan
// test preset sets it (CMakePresets.json): the x86 kernels are swept whole by the release and
// fpcontract stages, and the sanitizer stage looks for memory and UB errors. The aarch64 stage
// under qemu runs the whole sweeps (the only place the NEON kernels run).
#pragma once

#include <cstdlib>
#include <cstring>

namespace qtz_test {

/// True under QTZ_TEST_TIER=quick (the asan preset): the sweeps sample instead of enumerating.
inline bool quick_tier() {
  const char* t = std::getenv("QTZ_TEST_TIER");
  return t != nullptr && std::strcmp(t, "quick") == 0;
}

}  // namespace qtz_test
