// THE SPEC of the calibration histogram kernels (docs/quantization.md §7, eq. (22)).
//
// Bins have a power-of-two width w = 2^e, so the bin of |x| is floor(|x| * 2^-e), computed exactly
// (a multiplication by a power of two only changes the exponent; underflow only affects values
// that land in bin 0 anyway). Precondition: every finite |x| < bins * w (the calibrator widens
// the histogram before calling); the index is clamped to bins - 1 regardless, so nothing is ever
// written out of bounds. Non-finite values are skipped (the caller counts them with minmax/absmax).
#pragma once

#include "qtz/config.hpp"

#include <cstddef>
#include <cstdint>

namespace qtz::kernels::scalar {

namespace detail {
inline std::size_t bin_of(float a, float inv_width, std::size_t bins) noexcept {
  const float t = a * inv_width;  // exact: inv_width is a power of two
  const std::size_t last = bins - 1;
  if (!(t < static_cast<float>(last))) return last;  // also guards conversion overflow
  return static_cast<std::size_t>(t);               // truncation = floor for t >= 0
}
}  // namespace detail

/// counts[floor(|x| * inv_width)] += 1 for every finite x (bins >= 1).
inline void histogram_abs(const float* x, std::size_t n, float inv_width, std::uint64_t* counts,
                          std::size_t bins) noexcept {
  for (std::size_t k = 0; k < n; ++k) {
    const float v = x[k];
    if (!(v - v == 0.0f)) continue;
    counts[detail::bin_of(v < 0.0f ? -v : v, inv_width, bins)] += 1;
  }
}

/// Signed data as two |x| histograms: x >= 0 (and -0) into pos, x < 0 into neg (bins >= 1).
inline void histogram_signed(const float* x, std::size_t n, float inv_width, std::uint64_t* pos,
                             std::uint64_t* neg, std::size_t bins) noexcept {
  for (std::size_t k = 0; k < n; ++k) {
    const float v = x[k];
    if (!(v - v == 0.0f)) continue;
    if (v < 0.0f) {
      neg[detail::bin_of(-v, inv_width, bins)] += 1;
    } else {
      pos[detail::bin_of(v, inv_width, bins)] += 1;
    }
  }
}

}  // namespace qtz::kernels::scalar
