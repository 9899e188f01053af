// Integer-only requantization (gemmlowp / TFLite; Jacob et al. 2018, "Quantization and Training of
// Neural Networks for Efficient Integer-Arithmetic-Only Inference", §2.2).
//
// A layer y = W x + b with x ≈ S_in (q_x − Z_in), W ≈ S_w q_w (Z_w = 0) and y ≈ S_out (q_y − Z_out)
// gives q_y = Z_out + M · acc with the int32 accumulator acc = Σ q_w (q_x − Z_in) + q_b and the real
// multiplier M = S_in·S_w / S_out. M is stored as a 32-bit fixed-point multiplier m ∈ [2^30, 2^31)
// (a Q0.31 number in [0.5, 1)) and a power-of-two exponent e, M ≈ m·2^(e−31), exactly as TFLite's
// QuantizeMultiplier does (frexp, then round half away from zero of q·2^31). Applying it is
// gemmlowp's SaturatingRoundingDoublingHighMul followed by RoundingDivideByPOT (ties away from zero),
// both from fixedpoint.h, reproduced bit for bit in plain int64 arithmetic independent of the ISA.
// The bias is quantized to int32 at scale S_in·S_w (Z = 0), so it adds straight into acc.
#pragma once

#include "qtz/core/params.hpp"  // detail::value_str

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace qtz {

/// M ≈ multiplier · 2^(shift − 31): multiplier in [2^30, 2^31) (or 0 for M = 0); shift > 0 is a left
/// shift of the accumulator before the high multiply, shift ≤ 0 a rounding right shift after it
/// (TFLite's convention).
struct FixedPointMultiplier {
  std::int32_t multiplier = 0;
  int shift = 0;
  constexpr int left_shift() const noexcept { return shift > 0 ? shift : 0; }
  constexpr int right_shift() const noexcept { return shift > 0 ? 0 : -shift; }
};

/// gemmlowp SaturatingRoundingDoublingHighMul: 2·a·b / 2^32 rounded to nearest (the nudge 2^30 or
/// 1 − 2^30 before the truncating division by 2^31 makes ties go toward +inf: 1.5 → 2, −1.5 → −1);
/// the single overflow case a = b = INT32_MIN saturates to INT32_MAX.
constexpr std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) noexcept {
  const bool overflow = a == b && a == std::numeric_limits<std::int32_t>::min();
  const std::int64_t ab = static_cast<std::int64_t>(a) * static_cast<std::int64_t>(b);
  const std::int64_t nudge = ab >= 0 ? (std::int64_t{1} << 30) : (1 - (std::int64_t{1} << 30));
  // C++ integer division truncates toward zero, as gemmlowp's does.
  const auto high = static_cast<std::int32_t>((ab + nudge) / (std::int64_t{1} << 31));
  return overflow ? std::numeric_limits<std::int32_t>::max() : high;
}

/// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero, for
/// exponent in [0, 31] (the caller guarantees it; values outside are clamped to that range).
constexpr std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) noexcept {
  if (exponent <= 0) return x;
  if (exponent > 31) exponent = 31;
  const auto mask = static_cast<std::int32_t>((std::int64_t{1} << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  // x >> exponent is an arithmetic shift in gemmlowp; written as floor division so that it is
  // defined for negative x before C++20.
  const auto shifted = static_cast<std::int32_t>(x >= 0 ? (x >> exponent) : ~(~x >> exponent));
  return shifted + (remainder > threshold ? 1 : 0);
}

/// TFLite QuantizeMultiplier: M = q · 2^e with q ∈ [0.5, 1) (frexp), m = round_half_away(q · 2^31),
/// m = 2^31 renormalised to 2^30 with e + 1; M below 2^-32 (e < −31) becomes 0. Throws
/// std::invalid_argument for a negative, NaN or infinite M, or M ≥ 2^31 (a left shift above 31).
inline FixedPointMultiplier quantize_multiplier(double real_multiplier) {
  if (!(real_multiplier >= 0.0) || !std::isfinite(real_multiplier)) {
    throw std::invalid_argument("qtz: requantization multiplier = " + detail::value_str(real_multiplier) +
                                " is invalid; allowed: a finite value >= 0 (S_in * S_w / S_out)");
  }
  FixedPointMultiplier r;
  if (real_multiplier == 0.0) return r;
  int e = 0;
  const double q = std::frexp(real_multiplier, &e);  // exact: q in [0.5, 1)
  auto m = static_cast<std::int64_t>(std::round(q * 2147483648.0));  // q·2^31 exact; std::round = half away
  if (m == (std::int64_t{1} << 31)) {
    m /= 2;
    ++e;
  }
  if (e < -31) return FixedPointMultiplier{};  // below the smallest right shift: multiplies to 0
  if (e > 31) {
    throw std::invalid_argument("qtz: requantization multiplier = " + detail::value_str(real_multiplier) +
                                " is too large; allowed: < 2^31");
  }
  r.multiplier = static_cast<std::int32_t>(m);
  r.shift = e;
  return r;
}

/// M = S_in·S_w / S_out evaluated in double, then quantize_multiplier. Every scale must be finite
/// and > 0 (std::invalid_argument otherwise).
inline FixedPointMultiplier multiplier_from_scales(float s_in, float s_w, float s_out) {
  const auto bad = [](float s) { return !(s > 0.0f) || !std::isfinite(s); };
  if (bad(s_in) || bad(s_w) || bad(s_out)) {
    throw std::invalid_argument("qtz: requantization scales S_in = " + detail::value_str(s_in) + ", S_w = " +
                                detail::value_str(s_w) + ", S_out = " + detail::value_str(s_out) +
                                " are invalid; allowed: finite and > 0");
  }
  return quantize_multiplier(static_cast<double>(s_in) * static_cast<double>(s_w) / static_cast<double>(s_out));
}

/// TFLite MultiplyByQuantizedMultiplier: RoundingDivideByPOT(SRDHM(x · 2^left, m), right). The
/// left shift saturates to the int32 range (TFLite leaves that overflow undefined).
constexpr std::int32_t multiply_by_quantized_multiplier(std::int32_t x, FixedPointMultiplier m) noexcept {
  std::int64_t shifted = static_cast<std::int64_t>(x) * (std::int64_t{1} << m.left_shift());
  if (shifted > std::numeric_limits<std::int32_t>::max()) shifted = std::numeric_limits<std::int32_t>::max();
  if (shifted < std::numeric_limits<std::int32_t>::min()) shifted = std::numeric_limits<std::int32_t>::min();
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(static_cast<std::int32_t>(shifted), m.multiplier),
                                m.right_shift());
}

/// One output code: clamp(Z_out + M·acc, qmin, qmax) (the clamp also fuses a ReLU when qmin = Z_out).
constexpr std::int32_t requantize_value(std::int32_t acc, FixedPointMultiplier m, std::int32_t out_zero_point,
                                        std::int32_t qmin, std::int32_t qmax) noexcept {
  const std::int64_t v = static_cast<std::int64_t>(multiply_by_quantized_multiplier(acc, m)) + out_zero_point;
  return static_cast<std::int32_t>(v < qmin ? qmin : (v > qmax ? qmax : v));
}

/// Requantizes a [rows, channels] row-major block of int32 accumulators to int8 or uint8 codes,
/// with one multiplier per channel (per-channel weights) — pass `channels` = 1 and one multiplier
/// for per-tensor. Codes are clamped to [qmin, qmax], which must lie in T's range.
template <class T>
void requantize(const std::int32_t* acc, T* out, std::size_t rows, std::size_t channels,
                const FixedPointMultiplier* multipliers, std::int32_t out_zero_point, std::int32_t qmin, std::int32_t qmax) {
  static_assert(std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::uint8_t>,
                "qtz::requantize: output codes must be int8_t or uint8_t");
  constexpr std::int32_t tmin = std::numeric_limits<T>::min(), tmax = std::numeric_limits<T>::max();
  if (qmin < tmin || qmax > tmax || qmin > qmax) {
    throw std::invalid_argument("qtz: requantize clamp [" + std::to_string(qmin) + ", " + std::to_string(qmax) +
                                "] is invalid; allowed: a non-empty sub-range of [" + std::to_string(tmin) + ", " +
                                std::to_string(tmax) + "]");
  }
  if (out_zero_point < tmin || out_zero_point > tmax) {
    throw std::invalid_argument("qtz: requantize output zero point = " + std::to_string(out_zero_point) +
                                " is outside [" + std::to_string(tmin) + ", " + std::to_string(tmax) + "]");
  }
  for (std::size_t c = 0; c < channels; ++c) {
    if (multipliers[c].multiplier < 0 || multipliers[c].shift > 31 || multipliers[c].shift < -31) {
      throw std::invalid_argument("qtz: requantize multiplier[" + std::to_string(c) + "] = (" +
                                  std::to_string(multipliers[c].multiplier) + ", shift " +
                                  std::to_string(multipliers[c].shift) +
                                  ") is invalid; allowed: multiplier >= 0, shift in [-31, 31]");
    }
  }
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < channels; ++c)
      out[r * channels + c] =
          static_cast<T>(requantize_value(acc[r * channels + c], multipliers[c], out_zero_point, qmin, qmax));
}

/// Quantizes a bias to int32 at scale S_in·S_w[c] with zero point 0: round half to even of
/// b / (S_in·S_w), the product and quotient in double, saturated to the int32 range.
/// `weight_scales` has `count` entries (per channel) or 1 (per tensor, `per_channel` = false).
inline void quantize_bias(const float* bias, std::int32_t* out, std::size_t count, float input_scale,
                          const float* weight_scales, bool per_channel) {
  for (std::size_t c = 0; c < count; ++c) {
    const float sw = weight_scales[per_channel ? c : 0];
    if (!(input_scale > 0.0f) || !std::isfinite(input_scale) || !(sw > 0.0f) || !std::isfinite(sw)) {
      throw std::invalid_argument("qtz: bias scale S_in * S_w[" + std::to_string(c) + "] = " +
                                  detail::value_str(input_scale) + " * " + detail::value_str(sw) +
                                  " is invalid; allowed: finite, positive scales");
    }
    if (!std::isfinite(bias[c])) {
      throw std::domain_error("qtz: bias[" + std::to_string(c) + "] = " + detail::value_str(bias[c]) +
                              " is not finite");
    }
    const double t = static_cast<double>(bias[c]) / (static_cast<double>(input_scale) * static_cast<double>(sw));
    if (t >= 2147483647.0) {
      out[c] = std::numeric_limits<std::int32_t>::max();
    } else if (t <= -2147483648.0) {
      out[c] = std::numeric_limits<std::int32_t>::min();
    } else {
      const double f = std::floor(t), d = t - f;  // exact for |t| < 2^31
      double r = f;
      if (d > 0.5 || (d == 0.5 && std::fmod(f, 2.0) != 0.0)) r = f + 1.0;
      out[c] = static_cast<std::int32_t>(r);
    }
  }
}

}  // namespace qtz
