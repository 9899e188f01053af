// The test tier: QTZ_TEST_TIER=quick (the sanitizer and qemu CI stages, CMakePresets.json) makes the
// long sweeps sample instead of enumerating; the optimised x86 stages run them whole.
#pragma once

#include <cstdlib>
#include <cstring>

namespace qtz_test {

/// True under QTZ_TEST_TIER=quick (sanitizers, qemu): the sweeps sample instead of enumerating.
inline bool quick_tier() {
  const char* t = std::getenv("QTZ_TEST_TIER");
  return t != nullptr && std::strcmp(t, "quick") == 0;
}

}  // namespace qtz_test
