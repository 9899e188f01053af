// Rounding policies and the scale operation: steps 1 and 4 of the quantize spec
// (docs/quantization.md eqs. (1) and (4)).
//
// Every function here is exact and independent of the dynamic floating-point rounding mode: the
// value is first truncated with a float->int conversion (which C++ defines as truncation), the
// fraction t - trunc(t) is exact for |t| < 2^24, and the decision is taken on that fraction.
// Callers clamp t to the code range first (eq. (3)), so |t| <= 2^17 and no conversion overflows.
#pragma once

#include "qtz/config.hpp"

#include <cstdint>

namespace qtz {

/// How x is divided by the scale S (eq. (1)).
enum class ScaleOp : std::uint8_t {
  divide,      ///< t = x / S (IEEE single division): ONNX QuantizeLinear, the survey. Default.
  reciprocal,  ///< t = x * R with the stored R (normally fl(1/S)): PyTorch/FBGEMM, XNNPACK, TensorRT.
};

/// How a code is turned back into a real value (eq. (6)).
enum class DequantOp : std::uint8_t {
  multiply,            ///< x = float(q - Z) * S. Every profile but tensorrt.
  divide_by_inverse,   ///< x = float(q - Z) / R (TensorRT's fake quantization); R = 0 gives 0.
};

/// Rounding of t to an integer (eq. (4)).
enum class Rounding : std::uint8_t {
  half_even,    ///< ties to even. Default (ONNX, PyTorch, TensorRT, NumPy).
  half_away,    ///< ties away from zero (std::round, TFLite, gemmlowp).
  floor,        ///< toward -inf.
  toward_zero,  ///< truncation.
  stochastic,   ///< floor(t) + (u < frac(t)), u from a counter-based generator (eq. (4e)).
};

namespace detail {
/// t - trunc(t) and trunc(t) for |t| < 2^31; exact (the subtraction of two close floats).
struct TruncSplit {
  std::int32_t i;
  float frac;
};
constexpr TruncSplit trunc_split(float t) noexcept {
  const auto i = static_cast<std::int32_t>(t);  // C++ float->int conversion truncates
  return TruncSplit{i, t - static_cast<float>(i)};
}
}  // namespace detail

/// eq. (4a): round half to even. Precondition: |t| < 2^31 (guaranteed after the clamp of eq. (3)).
constexpr std::int32_t round_half_even(float t) noexcept {
  const detail::TruncSplit s = detail::trunc_split(t);
  if (s.frac > 0.5f || (s.frac == 0.5f && (s.i & 1))) return s.i + 1;
  if (s.frac < -0.5f || (s.frac == -0.5f && (s.i & 1))) return s.i - 1;
  return s.i;
}

/// eq. (4b): round half away from zero.
constexpr std::int32_t round_half_away(float t) noexcept {
  const detail::TruncSplit s = detail::trunc_split(t);
  if (s.frac >= 0.5f) return s.i + 1;
  if (s.frac <= -0.5f) return s.i - 1;
  return s.i;
}

/// eq. (4c): round toward -inf.
constexpr std::int32_t round_floor(float t) noexcept {
  const detail::TruncSplit s = detail::trunc_split(t);
  return s.frac < 0.0f ? s.i - 1 : s.i;
}

/// eq. (4d): round toward zero.
constexpr std::int32_t round_toward_zero(float t) noexcept { return detail::trunc_split(t).i; }

namespace detail {
/// The SplitMix64 output function (Steele, Lea, Flood 2014).
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace detail

/// The counter-based generator of stochastic rounding (eq. (4e)): element `index` of the SplitMix64
/// stream whose state is mix(seed + G), i.e. mix(mix(seed + G) + G * (index + 1)) with
/// G = 0x9E3779B97F4A7C15, top 24 bits. A pure function of (seed, logical row-major element index):
/// the same draw on every ISA, thread count and memory layout.
constexpr std::uint32_t stochastic_draw(std::uint64_t seed, std::uint64_t index) noexcept {
  constexpr std::uint64_t G = 0x9E3779B97F4A7C15ull;
  const std::uint64_t state = detail::splitmix64_mix(seed + G);
  return static_cast<std::uint32_t>(detail::splitmix64_mix(state + G * (index + 1)) >> 40);  // in [0, 2^24)
}

/// eq. (4e): floor(t) + (u < frac(t)) with u = draw / 2^24, decided exactly: with i = trunc(t) and
/// f = t - i (exact, in (-1, 1)), the comparison is draw < f * 2^24 for f >= 0 and
/// draw - 2^24 < f * 2^24 for f < 0 (where floor(t) = i - 1 and frac(t) = 1 + f). Both sides are exact
/// floats (power-of-two scaling; integers below 2^24), so no rounding mode is involved.
constexpr std::int32_t round_stochastic(float t, std::uint64_t seed, std::uint64_t index) noexcept {
  const detail::TruncSplit s = detail::trunc_split(t);
  const auto draw = static_cast<std::int32_t>(stochastic_draw(seed, index));
  const float f24 = s.frac * 16777216.0f;
  if (s.frac >= 0.0f) return s.i + (static_cast<float>(draw) < f24 ? 1 : 0);
  return s.i - 1 + (static_cast<float>(draw - 16777216) < f24 ? 1 : 0);
}

/// eq. (4): dispatch on the policy. `seed`/`index` only matter for Rounding::stochastic.
constexpr std::int32_t round_to_int(float t, Rounding r, std::uint64_t seed = 0,
                                    std::uint64_t index = 0) noexcept {
  switch (r) {
    case Rounding::half_even: return round_half_even(t);
    case Rounding::half_away: return round_half_away(t);
    case Rounding::floor: return round_floor(t);
    case Rounding::toward_zero: return round_toward_zero(t);
    case Rounding::stochastic: return round_stochastic(t, seed, index);
  }
  return round_half_even(t);
}

}  // namespace qtz
