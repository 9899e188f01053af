// The per-element spec (kernels/scalar/quantize.hpp, DESIGN §1): hand-computed points for every
// format, scheme, rounding policy and scale operation, then the independent double-precision oracle
// (support/oracle.hpp) as a second check over curated and seeded random values, tolerance 0.
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <qtz/kernels/scalar/quantize.hpp>

#include "support/oracle.hpp"
#include "support/test_values.hpp"

namespace {

using qtz::DequantOp;
using qtz::Rounding;
using qtz::ScaleOp;
using qtz::kernels::KernelConfig;
using qtz::kernels::scalar::dequantize_value;
using qtz::kernels::scalar::fake_quantize_mask;
using qtz::kernels::scalar::quantize_value;
using qtz_test::kInf;
using qtz_test::kNaN;

/// Every format with its code range written out by hand (DESIGN §7: signed and unsigned 2..8 and 16
/// bits) and the symmetric zero point 0 / 2^(b-1).
struct FormatRow {
  const char* name;
  int bits;
  bool is_signed;
  std::int32_t qmin, qmax, sym_zp;
};
constexpr FormatRow kFormats[] = {
    {"int2", 2, true, -2, 1, 0},           {"int3", 3, true, -4, 3, 0},
    {"int4", 4, true, -8, 7, 0},           {"int5", 5, true, -16, 15, 0},
    {"int6", 6, true, -32, 31, 0},         {"int7", 7, true, -64, 63, 0},
    {"int8", 8, true, -128, 127, 0},       {"int16", 16, true, -32768, 32767, 0},
    {"uint2", 2, false, 0, 3, 2},          {"uint3", 3, false, 0, 7, 4},
    {"uint4", 4, false, 0, 15, 8},         {"uint5", 5, false, 0, 31, 16},
    {"uint6", 6, false, 0, 63, 32},        {"uint7", 7, false, 0, 127, 64},
    {"uint8", 8, false, 0, 255, 128},      {"uint16", 16, false, 0, 65535, 32768},
};

enum class SchemeKind { symmetric_full, symmetric_restricted, asymmetric };
constexpr SchemeKind kSchemes[] = {SchemeKind::symmetric_full, SchemeKind::symmetric_restricted,
                                   SchemeKind::asymmetric};
constexpr Rounding kRoundings[] = {Rounding::half_even, Rounding::half_away, Rounding::floor,
                                   Rounding::toward_zero, Rounding::stochastic};
constexpr ScaleOp kScaleOps[] = {ScaleOp::divide, ScaleOp::reciprocal};

const char* name(SchemeKind s) {
  switch (s) {
    case SchemeKind::symmetric_full: return "symmetric_full";
    case SchemeKind::symmetric_restricted: return "symmetric_restricted";
    case SchemeKind::asymmetric: return "asymmetric";
  }
  return "?";
}
const char* name(Rounding r) {
  switch (r) {
    case Rounding::half_even: return "half_even";
    case Rounding::half_away: return "half_away";
    case Rounding::floor: return "floor";
    case Rounding::toward_zero: return "toward_zero";
    case Rounding::stochastic: return "stochastic";
  }
  return "?";
}

/// Saturation range of a scheme in the qtz profile: restricted drops the most negative code
/// (signed) or code 0 (unsigned), DESIGN §2.
void scheme_range(const FormatRow& f, SchemeKind s, std::int32_t& lo, std::int32_t& hi) {
  lo = f.qmin;
  hi = f.qmax;
  if (s == SchemeKind::symmetric_restricted) lo = f.is_signed ? f.qmin + 1 : 1;
}

/// Zero points to try: the symmetric one, or for asymmetric both ends, one inside and the middle.
std::vector<std::int32_t> zero_points(const FormatRow& f, SchemeKind s) {
  if (s != SchemeKind::asymmetric) return {f.sym_zp};
  return {f.qmin, f.qmin + 1, (f.qmin + f.qmax) / 2, f.qmax - 1, f.qmax};
}

KernelConfig config(std::int32_t qmin, std::int32_t qmax, ScaleOp op, Rounding r, std::uint64_t seed = 0,
                    DequantOp dop = DequantOp::multiply) {
  return KernelConfig{qmin, qmax, op, dop, r, seed};
}

std::int32_t clamp(std::int32_t v, std::int32_t lo, std::int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/// Hand-computed rounding table at t values exactly representable as x = t * S for S = 2^k.
struct TieRow {
  float t;
  std::int32_t even, away, floor, toward_zero;
};
const TieRow kTieTable[] = {
    {-2.5f, -2, -3, -3, -2}, {-1.5f, -2, -2, -2, -1}, {-0.5f, 0, -1, -1, 0},  {0.5f, 0, 1, 0, 0},
    {1.5f, 2, 2, 1, 1},      {2.5f, 2, 3, 2, 2},      {3.5f, 4, 4, 3, 3},     {-3.5f, -4, -4, -4, -3},
    {0.75f, 1, 1, 0, 0},     {-0.25f, 0, 0, -1, 0},   {-0.75f, -1, -1, -1, 0}, {1.0f, 1, 1, 1, 1},
    {-1.0f, -1, -1, -1, -1}, {0.0f, 0, 0, 0, 0},
    // float neighbours of the ties 0.5 and -0.5: 0.5 - 2^-25, 0.5 + 2^-24, ...
    {0.49999997f, 0, 0, 0, 0}, {0.50000006f, 1, 1, 0, 0}, {-0.49999997f, 0, 0, -1, 0},
    {-0.50000006f, -1, -1, -1, 0}, {1.49999988f, 1, 1, 1, 1}, {1.50000012f, 2, 2, 1, 1},
};

std::int32_t expected_rounding(const TieRow& row, Rounding r) {
  switch (r) {
    case Rounding::half_even: return row.even;
    case Rounding::half_away: return row.away;
    case Rounding::floor: return row.floor;
    case Rounding::toward_zero: return row.toward_zero;
    case Rounding::stochastic: break;
  }
  return 0;
}

}  // namespace

TEST_CASE("every format/scheme/rounding/scale op: hand-computed ties, zeros, NaN, inf, saturation",
          "[spec]") {
  // S a power of two: x = t * S is exact, x / S and x * (1/S) both give t exactly, so the table's
  // t is what step 4 sees and the expected code is clamp(round(t) + Z, qmin, qmax) (rounding is
  // monotonic and integer-preserving, so clamping before or after it gives the same code).
  for (const float scale : {0.25f, 1.0f, 1024.0f, std::ldexp(1.0f, -100)}) {
    const float inv = 1.0f / scale;  // exact for powers of two
    for (const FormatRow& f : kFormats) {
      for (SchemeKind s : kSchemes) {
        std::int32_t qmin = 0, qmax = 0;
        scheme_range(f, s, qmin, qmax);
        for (std::int32_t z : zero_points(f, s)) {
          for (Rounding r : kRoundings) {
            for (ScaleOp op : kScaleOps) {
              INFO(f.name << " " << name(s) << " Z=" << z << " " << name(r) << " "
                          << (op == ScaleOp::divide ? "divide" : "reciprocal") << " S=" << scale);
              const KernelConfig c = config(qmin, qmax, op, r, 7);
              auto q = [&](float x) { return quantize_value(x, scale, inv, z, c, 3); };
              // q(0) = q(-0) = q(NaN) = Z, dequantize(Z) = +0.
              CHECK(q(0.0f) == z);
              CHECK(q(-0.0f) == z);
              CHECK(q(kNaN) == z);
              CHECK(q(-kNaN) == z);
              CHECK(qtz_test::bits_of(dequantize_value(z, scale, inv, z, DequantOp::multiply)) == 0u);
              CHECK(qtz_test::bits_of(dequantize_value(z, scale, inv, z, DequantOp::divide_by_inverse)) == 0u);
              // +-inf and +-FLT_MAX saturate to the ends.
              CHECK(q(kInf) == qmax);
              CHECK(q(FLT_MAX) == qmax);
              CHECK(q(-kInf) == qmin);
              CHECK(q(-FLT_MAX) == qmin);
              // Half a step beyond each end: clamped BEFORE rounding, so no mode leaves the range.
              CHECK(q(static_cast<float>(qmax - z + 0.5) * scale) == qmax);
              CHECK(q(static_cast<float>(qmin - z - 0.5) * scale) == qmin);
              CHECK(q(static_cast<float>(qmax - z + 1) * scale) == qmax);
              CHECK(q(static_cast<float>(qmin - z - 1) * scale) == qmin);
              // Ends themselves are reached exactly.
              CHECK(q(static_cast<float>(qmax - z) * scale) == qmax);
              CHECK(q(static_cast<float>(qmin - z) * scale) == qmin);
              for (const TieRow& row : kTieTable) {
                INFO("t = " << row.t);
                const float x = row.t * scale;  // exact
                const std::int32_t got = q(x);
                if (r == Rounding::stochastic) {
                  const auto fl = static_cast<std::int32_t>(std::floor(row.t));
                  const bool ok = got == clamp(fl + z, qmin, qmax) || got == clamp(fl + 1 + z, qmin, qmax);
                  CHECK(ok);
                  if (row.t == std::floor(row.t)) CHECK(got == clamp(fl + z, qmin, qmax));
                } else {
                  CHECK(got == clamp(expected_rounding(row, r) + z, qmin, qmax));
                }
              }
            }
          }
        }
      }
    }
  }
}

TEST_CASE("denormal inputs: tiny positive t rounds to Z, tiny negative t floors to Z - 1", "[spec]") {
  const KernelConfig even = config(-128, 127, ScaleOp::divide, Rounding::half_even);
  const KernelConfig away = config(-128, 127, ScaleOp::divide, Rounding::half_away);
  const KernelConfig flo = config(-128, 127, ScaleOp::divide, Rounding::floor);
  const KernelConfig tz = config(-128, 127, ScaleOp::divide, Rounding::toward_zero);
  for (float x : {qtz_test::kDenormMin, FLT_MIN / 2, FLT_MIN}) {
    CHECK(quantize_value(x, 1.0f, 1.0f, 5, even, 0) == 5);
    CHECK(quantize_value(-x, 1.0f, 1.0f, 5, even, 0) == 5);
    CHECK(quantize_value(-x, 1.0f, 1.0f, 5, away, 0) == 5);
    CHECK(quantize_value(x, 1.0f, 1.0f, 5, flo, 0) == 5);
    CHECK(quantize_value(-x, 1.0f, 1.0f, 5, flo, 0) == 4);  // floor(-tiny) = -1
    CHECK(quantize_value(-x, 1.0f, 1.0f, 5, tz, 0) == 5);
  }
}

TEST_CASE("hand-written spec points", "[spec]") {
  SECTION("int8 asymmetric range [-1, 2]: S = fl(3/255), Z = -43") {
    // S = fl(3/255) = 0.0117647061; Z = -128 - round(-1 / S) = -128 + 85 = -43 (DESIGN §2).
    // 0.5 / S = 42.4999994... which rounds to the float 42.5 (spacing 2^-18 there): a tie.
    const float S = 3.0f / 255.0f;
    const float R = 85.0f;  // fl(1 / S): 1/S = 84.99999915, nearest float is 85
    REQUIRE(1.0f / S == R);
    const std::int32_t Z = -43;
    const auto c = [](Rounding r) { return config(-128, 127, ScaleOp::divide, r); };
    CHECK(quantize_value(0.5f, S, R, Z, c(Rounding::half_even), 0) == -1);   // 42 + (-43)
    CHECK(quantize_value(0.5f, S, R, Z, c(Rounding::half_away), 0) == 0);    // 43 + (-43)
    CHECK(quantize_value(0.5f, S, R, Z, c(Rounding::floor), 0) == -1);
    CHECK(quantize_value(0.5f, S, R, Z, c(Rounding::toward_zero), 0) == -1);
    CHECK(quantize_value(0.0f, S, R, Z, c(Rounding::half_even), 0) == -43);
    CHECK(quantize_value(2.0f, S, R, Z, c(Rounding::half_even), 0) == 127);   // t = 170.0 -> 127
    CHECK(quantize_value(-1.0f, S, R, Z, c(Rounding::half_even), 0) == -128); // t = -85 -> -128
    CHECK(quantize_value(100.0f, S, R, Z, c(Rounding::half_even), 0) == 127);
    CHECK(quantize_value(-100.0f, S, R, Z, c(Rounding::half_even), 0) == -128);
    // reciprocal: 0.5 * 85 = 42.5 exactly, same tie
    CHECK(quantize_value(0.5f, S, R, Z, config(-128, 127, ScaleOp::reciprocal, Rounding::half_even), 0) == -1);
    CHECK(dequantize_value(-43, S, R, Z, DequantOp::multiply) == 0.0f);
    CHECK(dequantize_value(-42, S, R, Z, DequantOp::multiply) == S);
    CHECK(dequantize_value(-44, S, R, Z, DequantOp::multiply) == -S);
  }
  SECTION("divide and reciprocal differ near a tie: S = 0.3f, x = 2.25") {
    // 0.3f = 10066330 * 2^-25 = 0.300000011920929. x / S = 7.49999970198 -> float 7.49999952
    // (spacing 2^-21 = 4.77e-7: 7.5 is 2.98e-7 away, 7.49999952 only 1.79e-7): rounds to 7.
    // R = fl(1 / 0.3f) = 3.33333325386; x * R = 7.49999982119 -> float 7.5 (1.79e-7 away): tie -> 8.
    const float S = 0.3f, R = 1.0f / 0.3f;
    CHECK(R == 3.33333325386047363f);
    CHECK(quantize_value(2.25f, S, R, 0, config(-128, 127, ScaleOp::divide, Rounding::half_even), 0) == 7);
    CHECK(quantize_value(2.25f, S, R, 0, config(-128, 127, ScaleOp::reciprocal, Rounding::half_even), 0) == 8);
    CHECK(quantize_value(-2.25f, S, R, 0, config(-128, 127, ScaleOp::divide, Rounding::half_even), 0) == -7);
    CHECK(quantize_value(-2.25f, S, R, 0, config(-128, 127, ScaleOp::reciprocal, Rounding::half_even), 0) == -8);
    // half_away: 7.49999952 -> 7, 7.5 -> 8
    CHECK(quantize_value(2.25f, S, R, 0, config(-128, 127, ScaleOp::divide, Rounding::half_away), 0) == 7);
    CHECK(quantize_value(2.25f, S, R, 0, config(-128, 127, ScaleOp::reciprocal, Rounding::half_away), 0) == 8);
  }
  SECTION("uint8 symmetric (Z = 128), S = 1/64") {
    const float S = 1.0f / 64, R = 64.0f;
    const KernelConfig c = config(0, 255, ScaleOp::divide, Rounding::half_even);
    CHECK(quantize_value(-2.0f, S, R, 128, c, 0) == 0);          // t = -128
    CHECK(quantize_value(-2.0078125f, S, R, 128, c, 0) == 0);    // t = -128.5, clamped first
    CHECK(quantize_value(1.9921875f, S, R, 128, c, 0) == 255);   // t = 127.5 -> clamp 127 -> 255
    CHECK(quantize_value(1.984375f, S, R, 128, c, 0) == 255);    // t = 127
    CHECK(quantize_value(0.0234375f, S, R, 128, c, 0) == 130);   // t = 1.5 -> 2
    CHECK(quantize_value(-0.0234375f, S, R, 128, c, 0) == 126);  // t = -1.5 -> -2
    CHECK(dequantize_value(0, S, R, 128, DequantOp::multiply) == -2.0f);
    CHECK(dequantize_value(255, S, R, 128, DequantOp::multiply) == 1.984375f);
  }
  SECTION("int4 restricted vs full, S = 0.5") {
    const KernelConfig restricted = config(-7, 7, ScaleOp::divide, Rounding::half_even);
    const KernelConfig full = config(-8, 7, ScaleOp::divide, Rounding::half_even);
    CHECK(quantize_value(3.75f, 0.5f, 2.0f, 0, restricted, 0) == 7);   // t = 7.5
    CHECK(quantize_value(-3.75f, 0.5f, 2.0f, 0, restricted, 0) == -7); // t = -7.5
    CHECK(quantize_value(-3.75f, 0.5f, 2.0f, 0, full, 0) == -8);
    CHECK(quantize_value(-3.25f, 0.5f, 2.0f, 0, full, 0) == -6);       // t = -6.5 -> -6 (even)
    CHECK(quantize_value(-3.25f, 0.5f, 2.0f, 0, config(-8, 7, ScaleOp::divide, Rounding::half_away), 0) == -7);
  }
  SECTION("uint4 asymmetric, Z = 3, S = 0.25") {
    const KernelConfig c = config(0, 15, ScaleOp::divide, Rounding::half_even);
    CHECK(quantize_value(1.0f, 0.25f, 4.0f, 3, c, 0) == 7);      // t = 4
    CHECK(quantize_value(3.125f, 0.25f, 4.0f, 3, c, 0) == 15);   // t = 12.5 -> 12 -> 15
    CHECK(quantize_value(3.2f, 0.25f, 4.0f, 3, c, 0) == 15);     // t = 12.8 -> 13 -> 16 -> saturates
    CHECK(quantize_value(-0.625f, 0.25f, 4.0f, 3, c, 0) == 1);   // t = -2.5 -> -2 -> 1
    CHECK(quantize_value(-0.875f, 0.25f, 4.0f, 3, c, 0) == 0);   // t = -3.5 -> -4 -> clamp to -3 -> 0
  }
  SECTION("int16 and uint16") {
    const float S = 1.0f / 256;
    const KernelConfig c = config(-32768, 32767, ScaleOp::divide, Rounding::half_even);
    CHECK(quantize_value(127.998046875f, S, 256.0f, 0, c, 0) == 32767);    // t = 32767.5
    CHECK(quantize_value(-128.001953125f, S, 256.0f, 0, c, 0) == -32768);  // t = -32768.5
    CHECK(quantize_value(127.994140625f, S, 256.0f, 0, c, 0) == 32766);    // t = 32766.5 -> even
    CHECK(quantize_value(0.005859375f, S, 256.0f, 0, c, 0) == 2);          // t = 1.5
    const KernelConfig u = config(0, 65535, ScaleOp::divide, Rounding::half_even);
    CHECK(quantize_value(32767.5f, 1.0f, 1.0f, 32768, u, 0) == 65535);
    CHECK(quantize_value(-32768.5f, 1.0f, 1.0f, 32768, u, 0) == 0);
    CHECK(quantize_value(2.5f, 1.0f, 1.0f, 32768, u, 0) == 32770);
    CHECK(quantize_value(-2.5f, 1.0f, 1.0f, 32768, u, 0) == 32766);
    CHECK(dequantize_value(65535, 1.0f, 1.0f, 32768, DequantOp::multiply) == 32767.0f);
  }
  SECTION("dequantize: one float multiply, or one float division by R") {
    // 3 * 0.1f = 3 * 13421773 * 2^-27 = 40265319 * 2^-27, rounded to 24 bits: 10066330 * 2^-25,
    // which is the float 0.3f (not 3 * (double)0.1f = 0.30000000447).
    CHECK(dequantize_value(5, 0.1f, 10.0f, 2, DequantOp::multiply) == 0.3f);
    CHECK(dequantize_value(-1, 0.1f, 10.0f, 2, DequantOp::multiply) == -0.3f);
    CHECK(dequantize_value(5, 0.1f, 10.0f, 2, DequantOp::divide_by_inverse) == 0.3f);  // 3 / 10
    CHECK(dequantize_value(-128, 1.0f, 63.5f, 0, DequantOp::divide_by_inverse) == -128.0f / 63.5f);
    CHECK(dequantize_value(100, 1.0f, 0.0f, 0, DequantOp::divide_by_inverse) == 0.0f);  // R = 0 -> 0
  }
}

TEST_CASE("straight-through mask: 1 inside the code range before the clamp, 0 outside and for NaN",
          "[spec]") {
  // int8, S = 1, Z = 0: round(t) in [-128, 127] -> 1.
  const KernelConfig c = config(-128, 127, ScaleOp::divide, Rounding::half_even);
  CHECK(fake_quantize_mask(127.0f, 1.0f, 1.0f, 0, c, 0) == 1);
  CHECK(fake_quantize_mask(127.5f, 1.0f, 1.0f, 0, c, 0) == 0);   // tie -> 128 (even): outside
  CHECK(fake_quantize_mask(126.5f, 1.0f, 1.0f, 0, c, 0) == 1);   // tie -> 126
  CHECK(fake_quantize_mask(127.49f, 1.0f, 1.0f, 0, c, 0) == 1);
  CHECK(fake_quantize_mask(-128.5f, 1.0f, 1.0f, 0, c, 0) == 1);  // tie -> -128 (even)
  CHECK(fake_quantize_mask(-128.51f, 1.0f, 1.0f, 0, c, 0) == 0);
  CHECK(fake_quantize_mask(128.0f, 1.0f, 1.0f, 0, c, 0) == 0);
  CHECK(fake_quantize_mask(kInf, 1.0f, 1.0f, 0, c, 0) == 0);
  CHECK(fake_quantize_mask(-kInf, 1.0f, 1.0f, 0, c, 0) == 0);
  CHECK(fake_quantize_mask(kNaN, 1.0f, 1.0f, 0, c, 0) == 0);
  CHECK(fake_quantize_mask(0.0f, 1.0f, 1.0f, 0, c, 0) == 1);
  const KernelConfig away = config(-128, 127, ScaleOp::divide, Rounding::half_away);
  CHECK(fake_quantize_mask(127.5f, 1.0f, 1.0f, 0, away, 0) == 0);   // -> 128: outside
  CHECK(fake_quantize_mask(-128.5f, 1.0f, 1.0f, 0, away, 0) == 0);  // -> -129
}

namespace {

/// Scales for the oracle sweep: exact powers of two, scales with inexact inverses, extremes.
std::vector<float> sweep_scales() {
  return {1.0f, 0.1f, 0.3f, 3.0f / 255.0f, 7e-3f, 12345.678f, FLT_MIN, 3e30f};
}

/// Counts mismatches between the spec and the oracle and remembers the first few.
struct Mismatches {
  std::size_t count = 0;
  std::ostringstream first;
  void add(const std::string& what) {
    if (count++ < 5) first << what << "\n";
  }
};

}  // namespace

TEST_CASE("oracle: quantize_value equals the double-precision oracle, tolerance 0", "[spec][oracle]") {
  QTZ_TEST_RNG(rng, 20240611);
  const std::vector<float> curated = qtz_test::curated_values(4, 40);
  const std::vector<float> random = qtz_test::random_values(rng, 200, -300.0, 300.0);
  Mismatches bad;
  std::size_t checked = 0;
  for (const float scale : sweep_scales()) {
    const float inv = 1.0f / scale;
    for (const FormatRow& f : kFormats) {
      for (SchemeKind s : kSchemes) {
        std::int32_t qmin = 0, qmax = 0;
        scheme_range(f, s, qmin, qmax);
        std::vector<std::int32_t> zps = zero_points(f, s);
        if (s == SchemeKind::asymmetric) {
          std::uniform_int_distribution<std::int32_t> any_z(f.qmin, f.qmax);
          zps.push_back(any_z(rng));
        }
        for (std::int32_t z : zps) {
          std::vector<float> xs = curated;
          xs.insert(xs.end(), random.begin(), random.end());
          // ties of t over the whole code range (sampled for 16 bits) and just outside it
          const std::int32_t step = f.bits == 16 ? 97 : 1;
          const std::vector<float> ties = qtz_test::ties_in_t(scale, qmin - z - 2, qmax - z + 2, step);
          xs.insert(xs.end(), ties.begin(), ties.end());
          std::uniform_real_distribution<double> in_t(qmin - z - 3.0, qmax - z + 3.0);
          for (int i = 0; i < 100; ++i) xs.push_back(static_cast<float>(in_t(rng) * static_cast<double>(scale)));
          for (Rounding r : kRoundings) {
            for (ScaleOp op : kScaleOps) {
              const std::uint64_t seed = 0x5EEDull + static_cast<std::uint64_t>(z);
              const KernelConfig c = config(qmin, qmax, op, r, seed);
              for (std::size_t i = 0; i < xs.size(); ++i) {
                const std::uint64_t index = i * 2654435761ull;
                const std::int32_t got = quantize_value(xs[i], scale, inv, z, c, index);
                const std::int32_t want =
                    qtz_test::oracle::quantize(xs[i], scale, inv, z, qmin, qmax, op, r, seed, index);
                ++checked;
                if (got != want) {
                  std::ostringstream os;
                  os.precision(9);
                  os << f.name << " " << name(s) << " " << name(r) << " op=" << int(op) << " S=" << scale
                     << " Z=" << z << " x=" << xs[i] << ": spec " << got << ", oracle " << want;
                  bad.add(os.str());
                }
              }
            }
          }
        }
      }
    }
  }
  INFO("checked " << checked << " values; first mismatches:\n" << bad.first.str());
  CHECK(checked > 5000000);
  CHECK(bad.count == 0);
}

TEST_CASE("oracle: dequantize_value equals (double)(q - Z) * S rounded once, and / R", "[spec][oracle]") {
  Mismatches bad;
  std::size_t checked = 0;
  for (const float scale : sweep_scales()) {
    for (const float inv : {1.0f / scale, 63.5f, 0.3f, 0.0f}) {
      for (const FormatRow& f : kFormats) {
        const std::int32_t step = f.bits == 16 ? 37 : 1;
        std::vector<std::int32_t> zps = {f.qmin, f.sym_zp, f.qmax, (f.qmin + f.qmax) / 2 + 1};
        for (std::int32_t z : zps) {
          std::vector<std::int32_t> codes;
          for (std::int32_t q = f.qmin; q <= f.qmax; q += step) codes.push_back(q);
          codes.push_back(f.qmax);
          for (std::int32_t q : codes) {
            for (DequantOp op : {DequantOp::multiply, DequantOp::divide_by_inverse}) {
              const float got = dequantize_value(q, scale, inv, z, op);
              const float want = qtz_test::oracle::dequantize(q, scale, inv, z, op);
              ++checked;
              if (qtz_test::bits_of(got) != qtz_test::bits_of(want)) {
                std::ostringstream os;
                os.precision(9);
                os << f.name << " op=" << int(op) << " S=" << scale << " R=" << inv << " Z=" << z << " q=" << q
                   << ": spec " << got << ", oracle " << want;
                bad.add(os.str());
              }
            }
          }
        }
      }
    }
  }
  INFO("checked " << checked << " codes; first mismatches:\n" << bad.first.str());
  CHECK(bad.count == 0);
}

TEST_CASE("oracle: fake_quantize_mask equals the oracle's pre-clamp range test", "[spec][oracle]") {
  QTZ_TEST_RNG(rng, 77);
  const std::vector<float> curated = qtz_test::curated_values(4, 40);
  const std::vector<float> random = qtz_test::random_values(rng, 300, -200.0, 200.0);
  Mismatches bad;
  for (const float scale : {1.0f, 0.3f, 3.0f / 255.0f, 1e-3f}) {
    const float inv = 1.0f / scale;
    for (const FormatRow& f : kFormats) {
      for (SchemeKind s : kSchemes) {
        std::int32_t qmin = 0, qmax = 0;
        scheme_range(f, s, qmin, qmax);
        for (std::int32_t z : zero_points(f, s)) {
          std::vector<float> xs = curated;
          xs.insert(xs.end(), random.begin(), random.end());
          const std::vector<float> ends_lo = qtz_test::ties_in_t(scale, qmin - z - 3, qmin - z + 2);
          const std::vector<float> ends_hi = qtz_test::ties_in_t(scale, qmax - z - 2, qmax - z + 3);
          xs.insert(xs.end(), ends_lo.begin(), ends_lo.end());
          xs.insert(xs.end(), ends_hi.begin(), ends_hi.end());
          for (Rounding r : kRoundings) {
            for (ScaleOp op : kScaleOps) {
              const KernelConfig c = config(qmin, qmax, op, r, 99);
              for (std::size_t i = 0; i < xs.size(); ++i) {
                const auto got = fake_quantize_mask(xs[i], scale, inv, z, c, i);
                const auto want = qtz_test::oracle::fake_mask(xs[i], scale, inv, z, qmin, qmax, op, r, 99, i);
                if (got != want) {
                  std::ostringstream os;
                  os.precision(9);
                  os << f.name << " " << name(r) << " op=" << int(op) << " S=" << scale << " Z=" << z
                     << " x=" << xs[i] << ": spec " << int(got) << ", oracle " << int(want);
                  bad.add(os.str());
                }
              }
            }
          }
        }
      }
    }
  }
  INFO("first mismatches:\n" << bad.first.str());
  CHECK(bad.count == 0);
}

TEST_CASE("uniform/vector/fake kernels apply the element spec with logical index index_base + k",
          "[spec][oracle]") {
  QTZ_TEST_RNG(rng, 4242);
  const std::vector<float> x = qtz_test::random_values(rng, 257, -3.0, 3.0);
  const std::size_t n = x.size();
  std::vector<float> scale(n), inv(n);
  std::vector<std::int32_t> zp(n);
  std::uniform_real_distribution<float> s_dist(0.005f, 0.05f);
  std::uniform_int_distribution<std::int32_t> z_dist(-20, 20);
  for (std::size_t k = 0; k < n; ++k) {
    scale[k] = s_dist(rng);
    inv[k] = 1.0f / scale[k];
    zp[k] = z_dist(rng);
  }
  const std::uint64_t base = 1000;
  for (Rounding r : kRoundings) {
    for (ScaleOp op : kScaleOps) {
      INFO(name(r) << " op=" << int(op));
      const KernelConfig c = config(-128, 127, op, r, 31337);
      std::vector<std::int8_t> qu(n), qv(n);
      qtz::kernels::scalar::quantize_uniform(x.data(), qu.data(), n, scale[0], inv[0], zp[0], c, base);
      qtz::kernels::scalar::quantize_vector(x.data(), qv.data(), n, scale.data(), inv.data(), zp.data(), c, base);
      std::vector<float> y(n), du(n);
      std::vector<std::uint8_t> mask(n);
      const KernelConfig fc = config(-100, 100, op, r, 31337);
      qtz::kernels::scalar::fake_quantize_vector(x.data(), y.data(), mask.data(), n, scale.data(), inv.data(),
                                                 zp.data(), fc, base);
      qtz::kernels::scalar::dequantize_uniform(qu.data(), du.data(), n, scale[0], inv[0], zp[0],
                                               DequantOp::multiply);
      std::size_t bad = 0;
      for (std::size_t k = 0; k < n; ++k) {
        namespace o = qtz_test::oracle;
        bad += qu[k] != o::quantize(x[k], scale[0], inv[0], zp[0], -128, 127, op, r, 31337, base + k);
        bad += qv[k] != o::quantize(x[k], scale[k], inv[k], zp[k], -128, 127, op, r, 31337, base + k);
        const std::int32_t fq = o::quantize(x[k], scale[k], inv[k], zp[k], -100, 100, op, r, 31337, base + k);
        bad += qtz_test::bits_of(y[k]) !=
               qtz_test::bits_of(o::dequantize(fq, scale[k], inv[k], zp[k], DequantOp::multiply));
        bad += mask[k] != o::fake_mask(x[k], scale[k], inv[k], zp[k], -100, 100, op, r, 31337, base + k);
        bad += qtz_test::bits_of(du[k]) !=
               qtz_test::bits_of(o::dequantize(qu[k], scale[0], inv[0], zp[0], DequantOp::multiply));
      }
      CHECK(bad == 0);
    }
  }
}
