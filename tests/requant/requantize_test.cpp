// qtz/requant/requantize.hpp: gemmlowp's fixed-point primitives at their rounding boundaries, TFLite's
// QuantizeMultiplier, per-channel requantization with saturation, and bias quantization. Expected
// values are worked out by hand in the comments, or computed with exact 128-bit / int64 formulas
// written differently from the code under test; when Debian's libgemmlowp-dev is installed the
// primitives are also compared with gemmlowp's own fixedpoint.h.
#include <catch2/catch.hpp>

#include <qtz/requant/requantize.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#if __has_include(<gemmlowp/fixedpoint/fixedpoint.h>)
#define QTZ_TEST_HAVE_GEMMLOWP 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <gemmlowp/fixedpoint/fixedpoint.h>
#pragma GCC diagnostic pop
#endif

namespace {

constexpr std::int32_t i32min = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t i32max = std::numeric_limits<std::int32_t>::max();

__extension__ typedef __int128 i128;

/// floor(n / 2^k) for any sign, on exact 128-bit integers.
i128 floor_pow2(i128 n, int k) {
  const i128 d = static_cast<i128>(1) << k;
  i128 q = n / d;                      // truncates toward zero
  if (n % d != 0 && n < 0) q -= 1;     // ... so step down for negative non-multiples
  return q;
}

/// Reference SRDHM: round(2ab / 2^32) with ties toward +inf = floor((2ab + 2^31) / 2^32), saturated.
std::int32_t ref_srdhm(std::int32_t a, std::int32_t b) {
  const i128 v = floor_pow2(2 * static_cast<i128>(a) * b + (static_cast<i128>(1) << 31), 32);
  return v > i32max ? i32max : static_cast<std::int32_t>(v);
}

/// Reference RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from zero.
std::int32_t ref_rdbpot(std::int32_t x, int e) {
  if (e == 0) return x;
  const std::int64_t ax = x < 0 ? -static_cast<std::int64_t>(x) : x;
  const std::int64_t r = (ax + (std::int64_t{1} << (e - 1))) >> e;
  return static_cast<std::int32_t>(x < 0 ? -r : r);
}

}  // namespace

TEST_CASE("saturating_rounding_doubling_high_mul at its rounding boundaries") {
  using qtz::saturating_rounding_doubling_high_mul;
  // 2ab / 2^32 = ab / 2^31.
  CHECK(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30) == (1 << 29));      // 2^60 / 2^31
  CHECK(saturating_rounding_doubling_high_mul(1 << 15, 1 << 15) == 1);              // 2^30 / 2^31 = 0.5 -> 1
  CHECK(saturating_rounding_doubling_high_mul(1 << 15, (1 << 15) - 1) == 0);        // just below 0.5 -> 0
  CHECK(saturating_rounding_doubling_high_mul(-(1 << 15), 1 << 15) == 0);           // -0.5 -> 0 (ties up)
  CHECK(saturating_rounding_doubling_high_mul(-(1 << 15), (1 << 15) + 1) == -1);    // just below -0.5 -> -1
  CHECK(saturating_rounding_doubling_high_mul(3 << 14, 1 << 16) == 2);              // 1.5 -> 2
  CHECK(saturating_rounding_doubling_high_mul(-(3 << 14), 1 << 16) == -1);          // -1.5 -> -1
  CHECK(saturating_rounding_doubling_high_mul(i32min, i32min) == i32max);           // the one overflow
  CHECK(saturating_rounding_doubling_high_mul(i32min, i32max) == -i32max);          // -2^31 (2^31-1) / 2^31
  CHECK(saturating_rounding_doubling_high_mul(i32max, i32max) == i32max - 1);       // (2^31-1)^2 / 2^31
  CHECK(saturating_rounding_doubling_high_mul(0, i32min) == 0);
  // Random pairs against the exact 128-bit formula.
  std::mt19937 rng(5);
  for (int k = 0; k < 20000; ++k) {
    const auto a = static_cast<std::int32_t>(rng()), b = static_cast<std::int32_t>(rng());
    REQUIRE(saturating_rounding_doubling_high_mul(a, b) == ref_srdhm(a, b));
  }
}

TEST_CASE("rounding_divide_by_pot: ties away from zero, every exponent 0..31") {
  using qtz::rounding_divide_by_pot;
  CHECK(rounding_divide_by_pot(3, 1) == 2);     // 1.5 -> 2
  CHECK(rounding_divide_by_pot(-3, 1) == -2);   // -1.5 -> -2
  CHECK(rounding_divide_by_pot(5, 2) == 1);     // 1.25 -> 1
  CHECK(rounding_divide_by_pot(6, 2) == 2);     // 1.5 -> 2
  CHECK(rounding_divide_by_pot(-6, 2) == -2);   // -1.5 -> -2
  CHECK(rounding_divide_by_pot(-5, 2) == -1);   // -1.25 -> -1
  CHECK(rounding_divide_by_pot(-7, 2) == -2);   // -1.75 -> -2
  CHECK(rounding_divide_by_pot(7, 0) == 7);
  CHECK(rounding_divide_by_pot(i32max, 31) == 1);    // 0.99999... -> 1
  CHECK(rounding_divide_by_pot(i32min, 31) == -1);   // exactly -1
  CHECK(rounding_divide_by_pot(1 << 30, 31) == 1);   // 0.5 -> 1
  CHECK(rounding_divide_by_pot(-(1 << 30), 31) == -1);  // -0.5 -> -1
  CHECK(rounding_divide_by_pot((1 << 30) - 1, 31) == 0);
  std::mt19937 rng(9);
  for (int e = 0; e <= 31; ++e) {
    INFO("exponent " << e);
    for (std::int32_t x : {0, 1, -1, i32max, i32min, i32min + 1}) CHECK(rounding_divide_by_pot(x, e) == ref_rdbpot(x, e));
    if (e > 0) {  // exact ties k·2^e ± 2^(e-1) and their neighbours
      for (std::int64_t k : {0, 1, 2, 3, -1, -2, -3}) {
        for (std::int64_t d : {-1, 0, 1}) {
          const std::int64_t x = k * (std::int64_t{1} << e) + (std::int64_t{1} << (e - 1)) + d;
          if (x < i32min || x > i32max) continue;
          CHECK(rounding_divide_by_pot(static_cast<std::int32_t>(x), e) == ref_rdbpot(static_cast<std::int32_t>(x), e));
          CHECK(rounding_divide_by_pot(static_cast<std::int32_t>(-x), e) == ref_rdbpot(static_cast<std::int32_t>(-x), e));
        }
      }
    }
    for (int k = 0; k < 500; ++k) {
      const auto x = static_cast<std::int32_t>(rng());
      REQUIRE(rounding_divide_by_pot(x, e) == ref_rdbpot(x, e));
    }
  }
}

TEST_CASE("quantize_multiplier: TFLite's frexp split, renormalisation and the small-M cut-off") {
  using qtz::quantize_multiplier;
  const auto m = [](double v) { return quantize_multiplier(v); };
  CHECK(m(0.5).multiplier == (1 << 30));
  CHECK(m(0.5).shift == 0);
  CHECK(m(0.75).multiplier == 1610612736);  // 0.75·2^31
  CHECK(m(0.75).shift == 0);
  CHECK(m(1.0).multiplier == (1 << 30));    // 0.5·2^1
  CHECK(m(1.0).shift == 1);
  CHECK(m(0.1).multiplier == 1717986918);   // 0.8·2^31 = 1717986918.4 -> 1717986918; 0.1 = 0.8·2^-3
  CHECK(m(0.1).shift == -3);
  CHECK(m(std::ldexp(1.0, -31)).multiplier == (1 << 30));
  CHECK(m(std::ldexp(1.0, -31)).shift == -30);
  CHECK(m(std::ldexp(1.0, -32)).shift == -31);
  CHECK(m(std::ldexp(1.0, -33)).multiplier == 0);  // below 2^-32: TFLite returns (0, 0)
  CHECK(m(std::ldexp(1.0, -33)).shift == 0);
  CHECK(m(0.0).multiplier == 0);
  // q·2^31 = 2^31 - 0.5 rounds (half away) to 2^31, renormalised to (2^30, shift + 1).
  const double just_below_one = (2147483648.0 - 0.5) / 2147483648.0;
  CHECK(m(just_below_one).multiplier == (1 << 30));
  CHECK(m(just_below_one).shift == 1);
  // q·2^31 = 2^30 + 0.5 (an exact tie) rounds away from zero to 2^30 + 1.
  CHECK(m((1073741824.0 + 0.5) / 2147483648.0).multiplier == (1 << 30) + 1);
  CHECK(m(std::ldexp(1.0, 30)).shift == 31);
  // Rejected: negative, NaN, infinite, and >= 2^31.
  CHECK_THROWS_AS(m(-0.25), std::invalid_argument);
  CHECK_THROWS_AS(m(-1e-300), std::invalid_argument);
  CHECK_THROWS_AS(m(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(m(HUGE_VAL), std::invalid_argument);
  CHECK_THROWS_AS(m(std::ldexp(1.0, 31)), std::invalid_argument);
  CHECK_THROWS_AS(qtz::multiplier_from_scales(0.5f, -0.25f, 1.0f), std::invalid_argument);
  CHECK_THROWS_AS(qtz::multiplier_from_scales(0.5f, 0.25f, 0.0f), std::invalid_argument);
  // M = 0.5 · 0.25 / 0.5 = 0.25 = 0.5·2^-1.
  CHECK(qtz::multiplier_from_scales(0.5f, 0.25f, 0.5f).multiplier == (1 << 30));
  CHECK(qtz::multiplier_from_scales(0.5f, 0.25f, 0.5f).shift == -1);
}

TEST_CASE("multiply_by_quantized_multiplier with right shifts 0..31 and left shifts") {
  // m = 2^30 (0.5), shift -s: SRDHM gives round_half_up(x / 2), then a round-half-away shift by s.
  for (int s = 0; s <= 31; ++s) {
    const qtz::FixedPointMultiplier fm{1 << 30, -s};
    for (std::int32_t x : {0, 1, -1, 2, -2, 3, -3, 1000001, -1000001, i32max, i32min}) {
      const std::int32_t half = static_cast<std::int32_t>(floor_pow2(static_cast<i128>(x) + 1, 1));  // floor((x+1)/2)
      CHECK(qtz::multiply_by_quantized_multiplier(x, fm) == ref_rdbpot(half, s));
    }
  }
  // Hand cases: x = 100, M = 0.75 (m = 0.75·2^31, shift 0): 75.  x = 101: 75.75 -> 76.
  const qtz::FixedPointMultiplier three_quarters{1610612736, 0};
  CHECK(qtz::multiply_by_quantized_multiplier(100, three_quarters) == 75);
  CHECK(qtz::multiply_by_quantized_multiplier(101, three_quarters) == 76);
  CHECK(qtz::multiply_by_quantized_multiplier(-101, three_quarters) == -76);
  // M = 0.375 = 0.75·2^-1: x = 4 -> 1.5 -> 2 (RDBPOT ties away), x = -4 -> -1.5 -> -2.
  const qtz::FixedPointMultiplier m0375{1610612736, -1};
  CHECK(qtz::multiply_by_quantized_multiplier(4, m0375) == 2);
  CHECK(qtz::multiply_by_quantized_multiplier(-4, m0375) == -2);
  // Left shift: M = 3 = 0.75·2^2: 7 -> 21; a huge accumulator saturates instead of overflowing.
  const qtz::FixedPointMultiplier three{1610612736, 2};
  CHECK(qtz::multiply_by_quantized_multiplier(7, three) == 21);
  CHECK(qtz::multiply_by_quantized_multiplier(-7, three) == -21);
  // 2^30 · 4 saturates to 2^31 - 1; (2^31 - 1) · 0.75 = 1610612735.25 -> 1610612735.
  CHECK(qtz::multiply_by_quantized_multiplier(1 << 30, three) == 1610612735);
}

TEST_CASE("requantize: per-channel multipliers, zero point, saturation and a fused ReLU") {
  // Two rows, three channels. M = [0.5, 0.25, 0.75]; Z_out = 3.
  const std::vector<qtz::FixedPointMultiplier> m = {qtz::quantize_multiplier(0.5), qtz::quantize_multiplier(0.25),
                                                    qtz::quantize_multiplier(0.75)};
  const std::int32_t acc[] = {10, 10, 10,          // 5+3=8, 2.5->3 (+3 = 6), 7.5->8 (+3 = 11)
                              1000, -1000, -7};    // 500+3 -> 127, -250+3 = -247 -> -128, -5.25 -> -5, +3 = -2
  std::int8_t out[6];
  qtz::requantize(acc, out, 2, 3, m.data(), 3, -128, 127);
  CHECK(std::vector<int>(out, out + 6) == std::vector<int>{8, 6, 11, 127, -128, -2});
  // Fused ReLU: clamp to [Z_out, 127].
  qtz::requantize(acc, out, 2, 3, m.data(), 3, 3, 127);
  CHECK(std::vector<int>(out, out + 6) == std::vector<int>{8, 6, 11, 127, 3, 3});
  // uint8 output, Z_out = 128: 5+128, 3+128 (2.5 -> 3), 8+128, 500+128 -> 255, -250+128 -> 0, -5+128.
  std::uint8_t u[6];
  qtz::requantize(acc, u, 2, 3, m.data(), 128, 0, 255);
  CHECK(std::vector<int>(u, u + 6) == std::vector<int>{133, 131, 136, 255, 0, 123});
  // Per tensor: one channel, one multiplier.
  const std::int32_t acc1[] = {-3, -1, 1, 3};
  std::int8_t o1[4];
  const qtz::FixedPointMultiplier half = qtz::quantize_multiplier(0.5);
  qtz::requantize(acc1, o1, 4, 1, &half, 0, -128, 127);
  CHECK(std::vector<int>(o1, o1 + 4) == std::vector<int>{-1, 0, 1, 2});  // SRDHM ties up: -1.5 -> -1, -0.5 -> 0, 0.5 -> 1, 1.5 -> 2
  // Invalid arguments.
  CHECK_THROWS_AS(qtz::requantize(acc1, o1, 4, 1, &half, 0, -129, 127), std::invalid_argument);
  CHECK_THROWS_AS(qtz::requantize(acc1, o1, 4, 1, &half, 200, -128, 127), std::invalid_argument);
  const qtz::FixedPointMultiplier negative{-5, 0};
  CHECK_THROWS_AS(qtz::requantize(acc1, o1, 4, 1, &negative, 0, -128, 127), std::invalid_argument);
}

TEST_CASE("quantize_bias: int32 at S_in * S_w, round half to even, saturated") {
  const float sw[] = {0.25f, 0.5f};
  const float bias[] = {1.0f, -0.3125f, 0.4375f, 0.625f};
  std::int32_t out[4];
  // Per tensor, S_in = 0.5, S_w = 0.25: scale 0.125. 1 -> 8; -0.3125 -> -2.5 -> -2; 0.4375 -> 3.5 -> 4; 0.625 -> 5.
  qtz::quantize_bias(bias, out, 4, 0.5f, sw, false);
  CHECK(std::vector<int>(out, out + 4) == std::vector<int>{8, -2, 4, 5});
  // Per channel: scales 0.125 and 0.25: 1 -> 8; -0.3125 / 0.25 = -1.25 -> -1.
  qtz::quantize_bias(bias, out, 2, 0.5f, sw, true);
  CHECK(out[0] == 8);
  CHECK(out[1] == -1);
  const float big[] = {1e30f, -1e30f};
  qtz::quantize_bias(big, out, 2, 1.0f, sw, false);
  CHECK(out[0] == i32max);
  CHECK(out[1] == i32min);
  const float nan_bias[] = {std::nanf("")};
  CHECK_THROWS_AS(qtz::quantize_bias(nan_bias, out, 1, 1.0f, sw, false), std::domain_error);
  const float zero_scale[] = {0.0f};
  CHECK_THROWS_AS(qtz::quantize_bias(bias, out, 1, 1.0f, zero_scale, false), std::invalid_argument);
}

TEST_CASE("an integer-only layer matches the real-valued computation to within one code") {
  // y = W x with int8 weights (S_w per channel) and uint8-style input codes (S_in, Z_in):
  // the requantized code is within 1 of round(Z_out + S_in S_w acc / S_out) computed in double.
  std::mt19937 rng(3);
  const float s_in = 0.0371f, s_out = 0.1123f;
  const float s_w[] = {0.0042f, 0.0113f, 0.00071f};
  for (int trial = 0; trial < 200; ++trial) {
    std::int32_t acc[3];
    for (int c = 0; c < 3; ++c) acc[c] = static_cast<std::int32_t>(rng() % 200001) - 100000;
    qtz::FixedPointMultiplier m[3];
    for (int c = 0; c < 3; ++c) m[c] = qtz::multiplier_from_scales(s_in, s_w[c], s_out);
    std::int8_t out[3];
    qtz::requantize(acc, out, 1, 3, m, -5, -128, 127);
    for (int c = 0; c < 3; ++c) {
      double real = -5.0 + static_cast<double>(s_in) * s_w[c] / s_out * acc[c];
      real = std::min(127.0, std::max(-128.0, std::round(real)));
      CHECK(std::fabs(out[c] - real) <= 1.0);
    }
  }
}

#ifdef QTZ_TEST_HAVE_GEMMLOWP
TEST_CASE("bit-exact with gemmlowp's fixedpoint.h (Debian libgemmlowp-dev)") {
  std::mt19937 rng(11);
  const std::int32_t special[] = {0, 1, -1, i32max, i32min, 1 << 30, -(1 << 30), (1 << 15), -(1 << 15), 3 << 14};
  for (std::int32_t a : special)
    for (std::int32_t b : special)
      REQUIRE(qtz::saturating_rounding_doubling_high_mul(a, b) == gemmlowp::SaturatingRoundingDoublingHighMul(a, b));
  for (int k = 0; k < 20000; ++k) {
    const auto a = static_cast<std::int32_t>(rng()), b = static_cast<std::int32_t>(rng());
    REQUIRE(qtz::saturating_rounding_doubling_high_mul(a, b) == gemmlowp::SaturatingRoundingDoublingHighMul(a, b));
  }
  for (int e = 0; e <= 31; ++e) {
    for (std::int32_t x : special) REQUIRE(qtz::rounding_divide_by_pot(x, e) == gemmlowp::RoundingDivideByPOT(x, e));
    for (int k = 0; k < 2000; ++k) {
      const auto x = static_cast<std::int32_t>(rng());
      REQUIRE(qtz::rounding_divide_by_pot(x, e) == gemmlowp::RoundingDivideByPOT(x, e));
    }
  }
}
#endif
