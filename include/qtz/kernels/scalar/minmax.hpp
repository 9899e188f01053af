// THE SPEC of the NaN-aware reductions used by calibration (docs/quantization.md §4).
//
// Non-finite values (NaN, +-inf) are skipped and counted. -0 and +0 compare equal; a zero result is
// returned as +0 so that the outcome does not depend on the order in which zeros are met.
#pragma once

#include "qtz/config.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>

namespace qtz::kernels {

/// Result of a min/max pass. With finite == 0, min = +inf and max = -inf.
struct MinMaxResult {
  float min;
  float max;
  std::uint64_t finite;
  std::uint64_t nonfinite;
};

}  // namespace qtz::kernels

namespace qtz::kernels::scalar {

/// Minimum and maximum of the finite elements of x[0..n).
inline MinMaxResult minmax(const float* x, std::size_t n) noexcept {
  const float inf = std::numeric_limits<float>::infinity();
  float lo = inf, hi = -inf;
  std::uint64_t finite = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const float v = x[k];
    if (!(v - v == 0.0f)) continue;  // NaN or +-inf: v - v is NaN
    ++finite;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  if (lo == 0.0f) lo = 0.0f;  // canonical +0
  if (hi == 0.0f) hi = 0.0f;
  return MinMaxResult{lo, hi, finite, static_cast<std::uint64_t>(n) - finite};
}

/// Largest |x| over the finite elements of x[0..n) (0 when there is none), and their count.
struct AbsMaxResult {
  float absmax;
  std::uint64_t finite;
};
inline AbsMaxResult absmax(const float* x, std::size_t n) noexcept {
  float m = 0.0f;
  std::uint64_t finite = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const float v = x[k];
    if (!(v - v == 0.0f)) continue;
    ++finite;
    const float a = v < 0.0f ? -v : v;
    m = a > m ? a : m;
  }
  return AbsMaxResult{m, finite};
}

}  // namespace qtz::kernels::scalar
