// An independent double-precision oracle of the per-element spec (DESIGN §1), written differently
// from kernels/scalar/quantize.hpp and core/rounding.hpp:
//   step 1 is repeated in float (x / S or x * R: its single rounding IS part of the spec);
//   steps 2-5 (NaN -> 0, clamp, rounding, + Z) run in double with std::floor / std::fmod /
//   std::trunc, never with qtz's rounding functions or float->int truncation tricks.
// Dequantize: (double)(q - Z) * S is exact in double (17-bit integer times 24-bit significand
// fits 53 bits), so rounding it once to float is the correctly rounded float(q - Z) * S.
// For divide_by_inverse, (double)(q - Z) / R rounded to double then to float equals the correctly
// rounded float quotient: double rounding is innocuous for division when 53 >= 2 * 24 + 2
// (Figueroa, "When is double rounding innocuous?", 1995).
#pragma once

#include <cmath>
#include <cstdint>

#include <qtz/core/rounding.hpp>

namespace qtz_test::oracle {

/// SplitMix64 (Steele, Lea, Flood 2014): a stream with state s yields mix(s + gamma * (n + 1)) as its
/// output n. Stochastic rounding (docs/quantization.md eq. (4e)) draws output n of the stream whose
/// state is mix(seed + gamma), keeping the top 24 bits.
inline std::uint64_t splitmix_mix(std::uint64_t z) {
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z;
}
inline std::uint64_t splitmix_output(std::uint64_t state, std::uint64_t n) {
  const std::uint64_t gamma = 0x9E3779B97F4A7C15ull;
  return splitmix_mix(state + gamma * (n + 1));
}
inline std::uint32_t splitmix_top24(std::uint64_t seed, std::uint64_t index) {
  const std::uint64_t seeded_state = splitmix_output(seed, 0);  // mix(seed + gamma)
  return static_cast<std::uint32_t>(splitmix_output(seeded_state, index) >> 40);
}

/// Rounds a finite double to an integer-valued double by the policy (|v| < 2^52).
inline double round_double(double v, qtz::Rounding r, std::uint64_t seed, std::uint64_t index) {
  const double fl = std::floor(v);
  const double frac = v - fl;  // exact, in [0, 1)
  switch (r) {
    case qtz::Rounding::half_even:
      if (frac != 0.5) return frac < 0.5 ? fl : fl + 1.0;
      return std::fmod(fl, 2.0) == 0.0 ? fl : fl + 1.0;  // fmod(-3, 2) == -1: odd
    case qtz::Rounding::half_away: {
      const double a = std::floor(std::fabs(v) + 0.5);  // exact: |v| < 2^52
      return v < 0 ? -a : a;
    }
    case qtz::Rounding::floor: return fl;
    case qtz::Rounding::toward_zero: return std::trunc(v);
    case qtz::Rounding::stochastic: {
      const double u = std::ldexp(static_cast<double>(splitmix_top24(seed, index)), -24);  // [0, 1)
      return u < frac ? fl + 1.0 : fl;
    }
  }
  return fl;
}

/// Step 1 in float, exactly as the spec evaluates it.
inline float step1(float x, float scale, float inv_scale, qtz::ScaleOp op) {
  return op == qtz::ScaleOp::divide ? x / scale : x * inv_scale;
}

/// The code of x under (S, R, Z), saturation range [qmin, qmax] and the policies.
inline std::int32_t quantize(float x, float scale, float inv_scale, std::int32_t zp, std::int32_t qmin,
                             std::int32_t qmax, qtz::ScaleOp op, qtz::Rounding r, std::uint64_t seed = 0,
                             std::uint64_t index = 0) {
  double t = step1(x, scale, inv_scale, op);
  if (std::isnan(t)) return zp;                  // step 2: NaN -> t = 0 -> q = Z
  const double lo = static_cast<double>(qmin) - zp, hi = static_cast<double>(qmax) - zp;
  t = std::fmax(lo, std::fmin(hi, t));           // step 3 (exact in double)
  const double k = round_double(t, r, seed, index);  // step 4
  return static_cast<std::int32_t>(k) + zp;      // step 5
}

/// float(q - Z) * S, or float(q - Z) / R (0 when R = 0).
inline float dequantize(std::int32_t q, float scale, float inv_scale, std::int32_t zp, qtz::DequantOp op) {
  const double v = static_cast<double>(q) - static_cast<double>(zp);
  if (op == qtz::DequantOp::multiply) return static_cast<float>(v * static_cast<double>(scale));
  if (inv_scale == 0.0f) return 0.0f;
  return static_cast<float>(v / static_cast<double>(inv_scale));
}

/// Straight-through mask: 1 when qmin <= round(t) + Z <= qmax BEFORE the clamp; 0 for NaN.
inline std::uint8_t fake_mask(float x, float scale, float inv_scale, std::int32_t zp, std::int32_t qmin,
                              std::int32_t qmax, qtz::ScaleOp op, qtz::Rounding r, std::uint64_t seed = 0,
                              std::uint64_t index = 0) {
  const double t = step1(x, scale, inv_scale, op);
  if (std::isnan(t)) return 0;
  if (std::isinf(t)) return 0;                          // +-inf rounds to +-inf: outside any range
  if (std::fabs(t) >= 4503599627370496.0) return 0;     // |t| >= 2^52: far outside any range
  const double k = round_double(t, r, seed, index) + zp;
  return (k >= qmin && k <= qmax) ? 1 : 0;
}

}  // namespace qtz_test::oracle
