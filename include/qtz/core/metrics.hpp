// Error metrics between a reference x and its reconstruction y (docs/quantization.md §8).
//
// Sums run in double in index order, so results do not depend on the ISA. Pairs whose reference
// value is not finite are skipped (quantization maps NaN to Z and saturates +-inf, so their error
// is not meaningful); metrics of zero remaining pairs are NaN.
#pragma once

#include "qtz/config.hpp"

#include <cmath>
#include <cstddef>
#include <limits>

namespace qtz {

namespace detail {
struct ErrorSums {
  double signal = 0, noise = 0, dot = 0, yy = 0, max_abs = 0;
  std::size_t n = 0;
};
inline ErrorSums error_sums(const float* x, const float* y, std::size_t n) noexcept {
  ErrorSums s;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = x[i], b = y[i];
    if (!std::isfinite(a)) continue;
    const double d = b - a;
    s.signal += a * a;
    s.noise += d * d;
    s.dot += a * b;
    s.yy += b * b;
    s.max_abs = std::fabs(d) > s.max_abs || std::isnan(d) ? std::fabs(d) : s.max_abs;
    ++s.n;
  }
  return s;
}
}  // namespace detail

/// Mean squared error, eq. (18): sum (y - x)^2 / n.
inline double mse(const float* x, const float* y, std::size_t n) noexcept {
  const auto s = detail::error_sums(x, y, n);
  return s.n ? s.noise / static_cast<double>(s.n) : std::numeric_limits<double>::quiet_NaN();
}

/// Signal-to-quantization-noise ratio in dB, eq. (19): 10 log10(sum x^2 / sum (y - x)^2);
/// +inf for an exact reconstruction.
inline double sqnr_db(const float* x, const float* y, std::size_t n) noexcept {
  const auto s = detail::error_sums(x, y, n);
  if (!s.n) return std::numeric_limits<double>::quiet_NaN();
  if (s.noise == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(s.signal / s.noise);
}

/// Largest |y - x|, eq. (20).
inline double max_abs_error(const float* x, const float* y, std::size_t n) noexcept {
  const auto s = detail::error_sums(x, y, n);
  return s.n ? s.max_abs : std::numeric_limits<double>::quiet_NaN();
}

/// Cosine similarity, eq. (21): x.y / (|x| |y|); 1 when both are all zero, 0 when only one is.
inline double cosine(const float* x, const float* y, std::size_t n) noexcept {
  const auto s = detail::error_sums(x, y, n);
  if (!s.n) return std::numeric_limits<double>::quiet_NaN();
  if (s.signal == 0 && s.yy == 0) return 1.0;
  if (s.signal == 0 || s.yy == 0) return 0.0;
  return s.dot / (std::sqrt(s.signal) * std::sqrt(s.yy));
}

}  // namespace qtz
