// qtz's parameter rule (DESIGN §2, core/profile.hpp choose_params with Compat::qtz) against an
// independent formula written in this file, degenerate and extreme ranges, and every bad argument
// of DESIGN §8 for choose_params, QuantParams::validate / validate_for, params_from_scales and the
// quant::ops buffer functions (exception type AND a message naming the argument and its value).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <qtz/core/params.hpp>
#include <qtz/core/profile.hpp>
#include <qtz/quant/ops.hpp>

#include "support/test_values.hpp"

using Catch::Matchers::Contains;
using qtz::Compat;
using qtz::Format;
using qtz::Granularity;
using qtz::QuantSpec;
using qtz::Scheme;
using qtz_test::kInf;
using qtz_test::kNaN;

namespace {

constexpr Scheme kSchemes[] = {Scheme::symmetric_full, Scheme::symmetric_restricted, Scheme::asymmetric};

QuantSpec spec(int bits, bool is_signed, Scheme s, Compat c = Compat::qtz) {
  QuantSpec q;
  q.format = Format::make(bits, is_signed);
  q.scheme = s;
  q.compat = c;
  return q;
}

struct Expected {
  float scale;
  std::int32_t zero_point;
  float range_min, range_max;
};

/// DESIGN §2 written independently: integer code counts, double arithmetic, one rounding to float,
/// Z from the stored float S with std::nearbyint (half-even in the default rounding mode).
Expected qtz_rule(float lo, float hi, int bits, bool is_signed, Scheme s) {
  const double alpha = lo < 0 ? static_cast<double>(lo) : 0.0;
  const double beta = hi > 0 ? static_cast<double>(hi) : 0.0;
  const double m = -alpha > beta ? -alpha : beta;
  const auto all_codes = static_cast<double>((std::int64_t{1} << bits) - 1);        // 2^b - 1
  const auto half_codes = static_cast<double>((std::int64_t{1} << (bits - 1)) - 1);  // 2^(b-1) - 1
  double width = 0;
  if (s == Scheme::symmetric_full) width = (m + m) / all_codes;
  if (s == Scheme::symmetric_restricted) width = m / half_codes;
  if (s == Scheme::asymmetric) width = (beta - alpha) / all_codes;
  float S = static_cast<float>(width);
  if (S < FLT_MIN) S = 1.0f;  // degenerate (zero width or scale below FLT_MIN)
  const std::int32_t fmin = is_signed ? -(1 << (bits - 1)) : 0;
  const std::int32_t fmax = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  if (s != Scheme::asymmetric) {
    return {S, is_signed ? 0 : (1 << (bits - 1)), static_cast<float>(-m), static_cast<float>(m)};
  }
  double z = static_cast<double>(fmin) - std::nearbyint(alpha / static_cast<double>(S));
  z = std::min(std::max(z, static_cast<double>(fmin)), static_cast<double>(fmax));
  return {S, static_cast<std::int32_t>(z), static_cast<float>(alpha), static_cast<float>(beta)};
}

void check_good_scale(float s) {
  CHECK(std::isfinite(s));
  CHECK(s >= FLT_MIN);
}

}  // namespace

TEST_CASE("qtz rule: hand-computed parameters", "[params]") {
  struct Row {
    float lo, hi;
    int bits;
    bool is_signed;
    Scheme scheme;
    float scale;
    std::int32_t z;
  };
  const Row rows[] = {
      // int8 asymmetric [-1, 2]: S = 3/255, Z = -128 - round(-1 / S) = -128 + 85 = -43
      {-1.0f, 2.0f, 8, true, Scheme::asymmetric, static_cast<float>(3.0 / 255.0), -43},
      // uint8 asymmetric [-1, 2]: Z = 0 + 85
      {-1.0f, 2.0f, 8, false, Scheme::asymmetric, static_cast<float>(3.0 / 255.0), 85},
      // int8 symmetric full: m = 2, S = 4/255; restricted: S = 2/127
      {-1.0f, 2.0f, 8, true, Scheme::symmetric_full, static_cast<float>(4.0 / 255.0), 0},
      {-1.0f, 2.0f, 8, true, Scheme::symmetric_restricted, static_cast<float>(2.0 / 127.0), 0},
      // unsigned symmetric: same scales, Z = 2^(b-1)
      {-1.0f, 2.0f, 8, false, Scheme::symmetric_full, static_cast<float>(4.0 / 255.0), 128},
      {-1.0f, 2.0f, 8, false, Scheme::symmetric_restricted, static_cast<float>(2.0 / 127.0), 128},
      {-3.0f, 1.0f, 4, false, Scheme::symmetric_full, 0.4f, 8},        // 2*3/15
      {-3.0f, 1.0f, 4, true, Scheme::symmetric_restricted, 3.0f / 7.0f, 0},
      // widening to contain 0: [1, 2] -> [0, 2], Z = qmin; [-3, -1] -> [-3, 0], Z = qmax
      {1.0f, 2.0f, 8, true, Scheme::asymmetric, static_cast<float>(2.0 / 255.0), -128},
      {-3.0f, -1.0f, 8, true, Scheme::asymmetric, static_cast<float>(3.0 / 255.0), 127},
      {1.0f, 2.0f, 8, false, Scheme::asymmetric, static_cast<float>(2.0 / 255.0), 0},
      {-3.0f, -1.0f, 4, false, Scheme::asymmetric, 0.2f, 15},
      {2.0f, 3.0f, 2, true, Scheme::symmetric_restricted, 3.0f, 0},     // m = 3, 2^(2-1)-1 = 1
      // int2 asymmetric [-1, 2]: S = 1, Z = -2 + 1 = -1
      {-1.0f, 2.0f, 2, true, Scheme::asymmetric, 1.0f, -1},
      // int16 asymmetric [-1, 1]: S = 2/65535, Z = -32768 - round(-32767.5) = -32768 + 32768 = 0 (tie to even)
      {-1.0f, 1.0f, 16, true, Scheme::asymmetric, static_cast<float>(2.0 / 65535.0), 0},
      // uint16 symmetric: Z = 32768
      {-1.0f, 1.0f, 16, false, Scheme::symmetric_full, static_cast<float>(2.0 / 65535.0), 32768},
      // degenerate: zero width -> S = 1, Z as the scheme says
      {0.0f, 0.0f, 8, true, Scheme::asymmetric, 1.0f, -128},
      {0.0f, 0.0f, 8, false, Scheme::asymmetric, 1.0f, 0},
      {0.0f, 0.0f, 8, true, Scheme::symmetric_full, 1.0f, 0},
      {0.0f, 0.0f, 8, false, Scheme::symmetric_restricted, 1.0f, 128},
      {5.0f, 5.0f, 8, true, Scheme::asymmetric, static_cast<float>(5.0 / 255.0), -128},  // widened: not degenerate
      // width whose scale would be below FLT_MIN -> S = 1
      {-FLT_MIN, FLT_MIN, 8, true, Scheme::asymmetric, 1.0f, -128},
      {-FLT_MIN, FLT_MIN, 8, true, Scheme::symmetric_restricted, 1.0f, 0},
      {qtz_test::kDenormMin, qtz_test::kDenormMin, 16, false, Scheme::symmetric_full, 1.0f, 32768},
      {-1e-36f, 1e-36f, 8, true, Scheme::symmetric_full, 1.0f, 0},  // 2e-36/255 = 7.8e-39 < FLT_MIN
      // extremes stay finite
      {-FLT_MAX, FLT_MAX, 8, true, Scheme::asymmetric, static_cast<float>(2.0 * FLT_MAX / 255.0), 0},
      {-FLT_MAX, FLT_MAX, 2, true, Scheme::symmetric_restricted, FLT_MAX, 0},
  };
  for (const Row& r : rows) {
    INFO("[" << r.lo << ", " << r.hi << "] bits " << r.bits << (r.is_signed ? " signed " : " unsigned ")
              << qtz::to_string(r.scheme));
    const qtz::ChannelParams p = qtz::choose_params(r.lo, r.hi, spec(r.bits, r.is_signed, r.scheme));
    CHECK(p.scale == r.scale);
    CHECK(p.zero_point == r.z);
    CHECK(p.inv_scale == 1.0f / r.scale);
  }
}

TEST_CASE("qtz rule: range_min / range_max are [-m, m] (symmetric) or the widened [alpha, beta]",
          "[params]") {
  const auto sym = qtz::choose_params(-1.0f, 2.0f, spec(8, true, Scheme::symmetric_full));
  CHECK(sym.range_min == -2.0f);
  CHECK(sym.range_max == 2.0f);
  const auto symu = qtz::choose_params(-3.0f, 1.0f, spec(8, false, Scheme::symmetric_restricted));
  CHECK(symu.range_min == -3.0f);
  CHECK(symu.range_max == 3.0f);
  const auto asym = qtz::choose_params(-1.0f, 2.0f, spec(8, true, Scheme::asymmetric));
  CHECK(asym.range_min == -1.0f);
  CHECK(asym.range_max == 2.0f);
  const auto widened = qtz::choose_params(1.0f, 2.0f, spec(8, true, Scheme::asymmetric));
  CHECK(widened.range_min == 0.0f);
  CHECK(widened.range_max == 2.0f);
  const auto neg = qtz::choose_params(-3.0f, -1.0f, spec(4, false, Scheme::asymmetric));
  CHECK(neg.range_min == -3.0f);
  CHECK(neg.range_max == 0.0f);
  // make_params carries them into QuantParams
  const qtz::QuantParams p = qtz::make_params({-1.0f, 1.0f}, {2.0f, 5.0f}, spec(8, true, Scheme::asymmetric),
                                              Granularity::channel(0), qtz::Shape{2, 3});
  CHECK(p.range_min == std::vector<float>{-1.0f, 0.0f});
  CHECK(p.range_max == std::vector<float>{2.0f, 5.0f});
  CHECK(p.scale_shape == std::vector<std::int64_t>{2});
  CHECK_NOTHROW(p.validate_for(qtz::Shape{2, 3}));
}

TEST_CASE("qtz rule equals the independent formula over random and extreme ranges; scales always valid",
          "[params]") {
  QTZ_TEST_RNG(rng, 55555);
  std::vector<float> bounds = {0.0f,     -0.0f,  qtz_test::kDenormMin, -qtz_test::kDenormMin, FLT_MIN, -FLT_MIN,
                               FLT_MAX,  -FLT_MAX, 1.0f, -1.0f, 1e-38f, -1e-38f, 1e-30f, 3e38f, -3e38f, 1e-44f};
  std::uniform_int_distribution<std::uint32_t> any_bits;
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::uniform_int_distribution<int> expo(-140, 127);
  while (bounds.size() < 400) {
    const float r = qtz_test::float_of_bits(any_bits(rng));
    if (std::isfinite(r)) bounds.push_back(r);
    bounds.push_back(static_cast<float>(std::ldexp(unit(rng), expo(rng))));
  }
  std::size_t mismatches = 0, checked = 0;
  for (std::size_t i = 0; i + 1 < bounds.size(); i += 1) {
    const float a = bounds[i], b = bounds[(i * 7 + 3) % bounds.size()];
    const float lo = std::min(a, b), hi = std::max(a, b);
    for (int bits : {2, 3, 4, 5, 6, 7, 8, 16}) {
      for (bool sg : {true, false}) {
        for (Scheme s : kSchemes) {
          const qtz::ChannelParams p = qtz::choose_params(lo, hi, spec(bits, sg, s));
          const Expected e = qtz_rule(lo, hi, bits, sg, s);
          ++checked;
          const bool ok = p.scale == e.scale && p.zero_point == e.zero_point && p.inv_scale == 1.0f / e.scale &&
                          p.range_min == e.range_min && p.range_max == e.range_max;
          if (!ok && mismatches++ < 3) {
            INFO("[" << lo << ", " << hi << "] bits " << bits << " signed " << sg << " " << qtz::to_string(s)
                     << ": S " << p.scale << " vs " << e.scale << ", Z " << p.zero_point << " vs " << e.zero_point);
            CHECK(ok);
          }
          if (!(std::isfinite(p.scale) && p.scale >= FLT_MIN && std::isfinite(p.inv_scale) && p.inv_scale > 0)) {
            INFO("[" << lo << ", " << hi << "] gave S = " << p.scale);
            check_good_scale(p.scale);
          }
          const Format f = Format::make(bits, sg);
          if (p.zero_point < f.qmin() || p.zero_point > f.qmax()) CHECK(p.zero_point >= f.qmin());
        }
      }
    }
  }
  INFO(checked << " ranges");
  CHECK(mismatches == 0);
}

TEST_CASE("choose_params rejects a NaN or infinite bound and lo > hi with std::domain_error naming lo and hi",
          "[params][errors]") {
  for (Compat c : {Compat::qtz, Compat::onnx, Compat::pytorch, Compat::tensorrt}) {
    const QuantSpec s = spec(8, true, Scheme::symmetric_restricted, c);
    INFO(qtz::to_string(c));
    REQUIRE_THROWS_AS(qtz::choose_params(kNaN, 1.0f, s), std::domain_error);
    REQUIRE_THROWS_WITH(qtz::choose_params(kNaN, 1.0f, s), Contains("lo = nan") && Contains("hi = 1"));
    REQUIRE_THROWS_WITH(qtz::choose_params(-1.0f, kNaN, s), Contains("lo = -1") && Contains("hi = nan"));
    REQUIRE_THROWS_WITH(qtz::choose_params(-kInf, 1.0f, s), Contains("lo = -inf") && Contains("hi = 1"));
    REQUIRE_THROWS_WITH(qtz::choose_params(0.0f, kInf, s), Contains("lo = 0") && Contains("hi = inf"));
    REQUIRE_THROWS_AS(qtz::choose_params(2.0f, 1.0f, s), std::domain_error);
    REQUIRE_THROWS_WITH(qtz::choose_params(2.0f, 1.0f, s), Contains("lo = 2") && Contains("hi = 1"));
    REQUIRE_THROWS_WITH(qtz::choose_params(0.5f, -0.25f, s), Contains("lo = 0.5") && Contains("hi = -0.25"));
  }
  // make_params propagates them and checks the number of ranges
  const QuantSpec s = spec(8, true, Scheme::asymmetric);
  REQUIRE_THROWS_AS(qtz::make_params({0.0f}, {kNaN}, s, Granularity::tensor(), qtz::Shape{4}), std::domain_error);
  REQUIRE_THROWS_AS(qtz::make_params({0.0f, 0.0f}, {1.0f, 1.0f}, s, Granularity::tensor(), qtz::Shape{4}),
                    std::invalid_argument);
  REQUIRE_THROWS_WITH(qtz::make_params({0.0f, 0.0f}, {1.0f, 1.0f}, s, Granularity::tensor(), qtz::Shape{4}),
                      Contains("2 ranges") && Contains("needs 1"));
  REQUIRE_THROWS_WITH(qtz::make_params({0.0f}, {1.0f}, s, Granularity::channel(2), qtz::Shape{4, 4}),
                      Contains("axis = 2"));
}

namespace {
/// A valid per-tensor int8 asymmetric QuantParams built by hand.
qtz::QuantParams valid_params() {
  qtz::QuantParams p;
  p.format = Format::make(8, true);
  p.scheme = Scheme::asymmetric;
  p.qmin = p.fake_qmin = -128;
  p.qmax = p.fake_qmax = 127;
  p.scale = {0.5f};
  p.inv_scale = {2.0f};
  p.zero_point = {3};
  return p;
}
}  // namespace

TEST_CASE("QuantParams::validate: each bad field gives its exception and names field and value",
          "[params][errors]") {
  CHECK_NOTHROW(valid_params().validate());
  SECTION("scale 0, negative, NaN, inf, denormal") {
    struct Bad {
      float v;
      const char* text;
    };
    for (const Bad& b : {Bad{0.0f, "scale[0] = 0 "}, Bad{-0.0f, "scale[0] = -0 "}, Bad{-1.0f, "scale[0] = -1 "},
                         Bad{kNaN, "scale[0] = nan"}, Bad{kInf, "scale[0] = inf"}, Bad{-kInf, "scale[0] = -inf"},
                         Bad{FLT_MIN / 2, "scale[0] = 5.87747175e-39"}, Bad{qtz_test::kDenormMin, "scale[0] = 1.40129846e-45"}}) {
      INFO(b.text);
      qtz::QuantParams p = valid_params();
      p.scale = {b.v};
      REQUIRE_THROWS_AS(p.validate(), std::domain_error);
      REQUIRE_THROWS_WITH(p.validate(), Contains(b.text) && Contains("allowed"));
    }
    qtz::QuantParams p = valid_params();
    p.scale = {FLT_MIN};  // the smallest normal float is valid
    CHECK_NOTHROW(p.validate());
  }
  SECTION("inv_scale 0 (outside tensorrt), negative, NaN, inf") {
    for (float r : {0.0f, -2.0f, kNaN, kInf}) {
      qtz::QuantParams p = valid_params();
      p.inv_scale = {r};
      REQUIRE_THROWS_AS(p.validate(), std::domain_error);
      REQUIRE_THROWS_WITH(p.validate(), Contains("inv_scale[0] = "));
    }
    qtz::QuantParams p = valid_params();
    p.inv_scale = {0.0f};
    p.compat = Compat::tensorrt;
    CHECK_NOTHROW(p.validate());  // TensorRT's degenerate multiplier
  }
  SECTION("zero point outside the code range") {
    qtz::QuantParams p = valid_params();
    p.zero_point = {128};
    REQUIRE_THROWS_AS(p.validate(), std::invalid_argument);
    REQUIRE_THROWS_WITH(p.validate(), Contains("zero_point[0] = 128") && Contains("[-128, 127]"));
    p.zero_point = {-129};
    REQUIRE_THROWS_WITH(p.validate(), Contains("zero_point[0] = -129"));
    qtz::QuantParams u = valid_params();
    u.format = Format::make(4, false);
    u.qmin = u.fake_qmin = 0;
    u.qmax = u.fake_qmax = 15;
    u.zero_point = {16};
    REQUIRE_THROWS_WITH(u.validate(), Contains("zero_point[0] = 16") && Contains("uint4"));
    u.zero_point = {-1};
    REQUIRE_THROWS_WITH(u.validate(), Contains("zero_point[0] = -1"));
  }
  SECTION("the index of the bad entry is named") {
    qtz::QuantParams p = valid_params();
    p.granularity = Granularity::channel(0);
    p.scale_shape = {3};
    p.scale = {1.0f, 1.0f, -3.0f};
    p.inv_scale = {1.0f, 1.0f, 1.0f};
    p.zero_point = {0, 0, 0};
    REQUIRE_THROWS_WITH(p.validate(), Contains("scale[2] = -3"));
    p.scale = {1.0f, 1.0f, 1.0f};
    p.zero_point = {0, 500, 0};
    REQUIRE_THROWS_WITH(p.validate(), Contains("zero_point[1] = 500"));
  }
  SECTION("count mismatch") {
    qtz::QuantParams p = valid_params();
    p.scale = {0.5f, 0.5f};
    REQUIRE_THROWS_AS(p.validate(), std::invalid_argument);
    REQUIRE_THROWS_WITH(p.validate(), Contains("count mismatch") && Contains("scale has 2") && Contains("needs 1"));
    p = valid_params();
    p.zero_point = {};
    REQUIRE_THROWS_WITH(p.validate(), Contains("zero_point 0"));
    p = valid_params();
    p.range_min = {0.0f, 1.0f};
    p.range_max = {1.0f, 2.0f};
    REQUIRE_THROWS_AS(p.validate(), std::invalid_argument);
    REQUIRE_THROWS_WITH(p.validate(), Contains("range_min"));
    p = valid_params();
    p.scale_shape = {1};  // per tensor needs []
    REQUIRE_THROWS_WITH(p.validate(), Contains("scale_shape"));
  }
  SECTION("qmin / qmax and the fake-quantize range invalid") {
    qtz::QuantParams p = valid_params();
    p.qmin = -129;
    REQUIRE_THROWS_AS(p.validate(), std::invalid_argument);
    REQUIRE_THROWS_WITH(p.validate(), Contains("[qmin, qmax] = [-129, 127]") && Contains("int8"));
    p = valid_params();
    p.qmax = 128;
    REQUIRE_THROWS_WITH(p.validate(), Contains("[qmin, qmax] = [-128, 128]"));
    p = valid_params();
    p.qmin = 5;
    p.qmax = 5;
    REQUIRE_THROWS_WITH(p.validate(), Contains("[qmin, qmax] = [5, 5]"));
    p = valid_params();
    p.fake_qmin = 10;
    p.fake_qmax = -10;
    REQUIRE_THROWS_WITH(p.validate(), Contains("[fake_qmin, fake_qmax] = [10, -10]"));
  }
  SECTION("format that does not exist") {
    qtz::QuantParams p = valid_params();
    p.format = Format{9, true};
    REQUIRE_THROWS_WITH(p.validate(), Contains("bits = 9"));
  }
  SECTION("group size 0") {
    qtz::QuantParams p = valid_params();
    p.granularity.kind = Granularity::Kind::group;
    p.granularity.block_size = 0;
    p.scale_shape = {1};
    REQUIRE_THROWS_WITH(p.validate(), Contains("block_size) = 0"));
  }
  SECTION("per-tensor parameters with a scale_shape") {
    qtz::QuantParams p = valid_params();
    p.scale_shape = {1};
    REQUIRE_THROWS_WITH(p.validate(), Contains("scale_shape has rank 1") && Contains("allowed: [] (rank 0)"));
  }
  SECTION("range_min/range_max of the wrong size") {
    qtz::QuantParams p = valid_params();
    p.range_min = {0.0f, 1.0f};
    p.range_max = {};
    REQUIRE_THROWS_WITH(p.validate(), Contains("range_min/range_max have 2/0 entries; allowed: 0 or 1 each"));
  }
}

TEST_CASE("QuantParams::validate_for: scale_shape must match the tensor", "[params][errors]") {
  const QuantSpec s = spec(8, true, Scheme::asymmetric);
  const qtz::QuantParams p =
      qtz::make_params({-1.0f, -1.0f, -1.0f}, {1.0f, 2.0f, 3.0f}, s, Granularity::channel(0), qtz::Shape{3, 4});
  CHECK_NOTHROW(p.validate_for(qtz::Shape{3, 4}));
  CHECK_NOTHROW(p.validate_for(qtz::Shape{3, 7}));  // only the channel axis matters
  REQUIRE_THROWS_AS(p.validate_for(qtz::Shape{4, 4}), std::invalid_argument);
  REQUIRE_THROWS_WITH(p.validate_for(qtz::Shape{4, 4}),
                      Contains("scale_shape [3]") && Contains("[4, 4]") && Contains("expected scale_shape [4]"));
  CHECK_NOTHROW(p.validate_for(qtz::Shape{3}));  // rank 1 with 3 channels on axis 0
  REQUIRE_THROWS_WITH(p.validate_for(qtz::Shape{5}), Contains("expected scale_shape [5]"));
  REQUIRE_THROWS_WITH(p.validate_for(qtz::Shape{}), Contains("axis = 0"));
  const qtz::QuantParams g = qtz::make_params(std::vector<float>(6, -1.0f), std::vector<float>(6, 1.0f), s,
                                              Granularity::group(1, 4), qtz::Shape{2, 10});
  CHECK(g.scale_shape == std::vector<std::int64_t>{2, 3});  // ceil(10 / 4) = 3
  CHECK_NOTHROW(g.validate_for(qtz::Shape{2, 9}));          // ceil(9 / 4) = 3 too
  REQUIRE_THROWS_WITH(g.validate_for(qtz::Shape{2, 13}), Contains("expected scale_shape [2, 4]"));
}

TEST_CASE("params_from_scales: R = fl(1/S), validated; bad scales rejected naming them", "[params][errors]") {
  const QuantSpec s = spec(8, true, Scheme::asymmetric);
  const qtz::QuantParams p = qtz::params_from_scales({0.1f, 0.3f}, {0, -5}, s, Granularity::channel(-1), qtz::Shape{4, 2});
  CHECK(p.inv_scale == std::vector<float>{1.0f / 0.1f, 1.0f / 0.3f});
  CHECK(p.granularity.axis == 1);  // normalised
  CHECK(p.scale_shape == std::vector<std::int64_t>{2});
  for (float bad : {0.0f, -0.5f, kNaN, kInf, FLT_MIN / 4}) {
    INFO("scale " << bad);
    REQUIRE_THROWS_AS(qtz::params_from_scales({0.5f, bad}, {0, 0}, s, Granularity::channel(1), qtz::Shape{4, 2}),
                      std::domain_error);
    REQUIRE_THROWS_WITH(qtz::params_from_scales({0.5f, bad}, {0, 0}, s, Granularity::channel(1), qtz::Shape{4, 2}),
                        Contains("scale[1] = "));
  }
  REQUIRE_THROWS_WITH(qtz::params_from_scales({0.5f}, {0, 0}, s, Granularity::channel(1), qtz::Shape{4, 2}),
                      Contains("count mismatch"));
  REQUIRE_THROWS_WITH(qtz::params_from_scales({0.5f, 0.5f}, {0, 200}, s, Granularity::channel(1), qtz::Shape{4, 2}),
                      Contains("zero_point[1] = 200"));
  REQUIRE_THROWS_WITH(qtz::params_from_scales({0.5f}, {0}, s, Granularity::channel(5), qtz::Shape{4, 2}),
                      Contains("axis = 5"));
  // tensorrt without a multiplier: dequantize multiplies by S
  const qtz::QuantParams t =
      qtz::params_from_scales({0.5f}, {0}, spec(8, true, Scheme::symmetric_full, Compat::tensorrt),
                              Granularity::tensor(), qtz::Shape{3});
  CHECK(t.dequant_op == qtz::DequantOp::multiply);
}

TEST_CASE("quant ops: wrong buffer sizes and storage that cannot hold the format are rejected",
          "[params][errors]") {
  const qtz::Shape shape{2, 3};
  const qtz::QuantParams p = qtz::params_from_scales({0.5f}, {0}, spec(8, true, Scheme::asymmetric),
                                                     Granularity::tensor(), shape);
  std::vector<float> x(6, 1.0f), y(6), short_x(5, 1.0f);
  std::vector<std::int8_t> q(6), short_q(7);
  std::vector<std::uint8_t> uq(6), mask(6), short_mask(4);
  REQUIRE_THROWS_AS(qtz::quantize<std::int8_t>(short_x, q, shape, p), std::invalid_argument);
  REQUIRE_THROWS_WITH(qtz::quantize<std::int8_t>(short_x, q, shape, p),
                      Contains("input has 5 elements") && Contains("[2, 3]") && Contains("needs 6"));
  REQUIRE_THROWS_WITH(qtz::quantize<std::int8_t>(x, short_q, shape, p), Contains("output has 7 elements"));
  REQUIRE_THROWS_WITH(qtz::dequantize<const std::int8_t>(short_q, y, shape, p), Contains("input has 7 elements"));
  REQUIRE_THROWS_WITH(qtz::dequantize<const std::int8_t>(q, short_x, shape, p), Contains("output has 5 elements"));
  REQUIRE_THROWS_WITH(qtz::fake_quantize(short_x, y, shape, p), Contains("input has 5 elements"));
  REQUIRE_THROWS_WITH(qtz::fake_quantize(x, short_x, shape, p), Contains("output has 5 elements"));
  REQUIRE_THROWS_WITH(qtz::fake_quantize(x, y, shape, p, qtz::Layout::row_major, short_mask),
                      Contains("mask has 4 elements"));
  CHECK_NOTHROW(qtz::fake_quantize(x, y, shape, p, qtz::Layout::row_major, mask));
  // storage: int8 format into uint8 codes, and back
  REQUIRE_THROWS_AS(qtz::quantize<std::uint8_t>(x, uq, shape, p), std::invalid_argument);
  REQUIRE_THROWS_WITH(qtz::quantize<std::uint8_t>(x, uq, shape, p), Contains("unsigned") && Contains("int8"));
  REQUIRE_THROWS_WITH(qtz::dequantize<const std::uint8_t>(uq, y, shape, p), Contains("int8"));
  const qtz::QuantParams p16 = qtz::params_from_scales({0.5f}, {0}, spec(16, true, Scheme::asymmetric),
                                                       Granularity::tensor(), shape);
  REQUIRE_THROWS_WITH(qtz::quantize<std::int8_t>(x, q, shape, p16), Contains("8-bit") && Contains("int16"));
  std::vector<std::int16_t> q16(6);
  CHECK_NOTHROW(qtz::quantize<std::int16_t>(x, q16, shape, p));  // int8 codes in int16 storage
  CHECK(q16[0] == 2);
  // parameters that do not fit the shape
  REQUIRE_THROWS_WITH(qtz::quantize<std::int8_t>(x, q, qtz::Shape{6}, qtz::params_from_scales(
                                                                       {0.5f, 0.5f}, {0, 0}, spec(8, true, Scheme::asymmetric),
                                                                       Granularity::channel(1), qtz::Shape{3, 2})),
                      Contains("axis = 1"));
  CHECK_NOTHROW(qtz::quantize<std::int8_t>(x, q, qtz::Shape{3, 2}, qtz::params_from_scales(
                                                                 {0.5f, 0.5f, 0.5f}, {0, 0, 0}, spec(8, true, Scheme::asymmetric),
                                                                 Granularity::channel(0), qtz::Shape{3, 1})));
  REQUIRE_THROWS_WITH(qtz::quantize<std::int8_t>(x, q, qtz::Shape{2, 3}, qtz::params_from_scales(
                                                                       {0.5f, 0.5f, 0.5f}, {0, 0, 0}, spec(8, true, Scheme::asymmetric),
                                                                       Granularity::channel(0), qtz::Shape{3, 1})),
                      Contains("scale_shape [3]") && Contains("expected scale_shape [2]"));
  // invalid parameters are caught before any work
  qtz::QuantParams broken = p;
  broken.scale = {-1.0f};
  REQUIRE_THROWS_AS(qtz::quantize<std::int8_t>(x, q, shape, broken), std::domain_error);
  REQUIRE_THROWS_AS(qtz::dequantize<const std::int8_t>(q, y, shape, broken), std::domain_error);
  REQUIRE_THROWS_AS(qtz::fake_quantize(x, y, shape, broken), std::domain_error);
}

TEST_CASE("empty tensors with given parameters are valid no-ops", "[params]") {
  const QuantSpec s = spec(8, true, Scheme::asymmetric);
  for (const qtz::Shape& shape : {qtz::Shape{0}, qtz::Shape{2, 0}, qtz::Shape{0, 3, 4}}) {
    INFO(shape.str());
    const qtz::QuantParams p = qtz::params_from_scales({0.5f}, {1}, s, Granularity::tensor(), shape);
    std::vector<float> x, y;
    std::vector<std::int8_t> q;
    CHECK_NOTHROW(qtz::quantize<std::int8_t>(x, q, shape, p));
    CHECK_NOTHROW(qtz::dequantize<const std::int8_t>(q, y, shape, p));
    CHECK_NOTHROW(qtz::fake_quantize(x, y, shape, p));
    CHECK_NOTHROW(qtz::quantize(static_cast<const float*>(nullptr), static_cast<std::int8_t*>(nullptr), shape, p));
  }
  // per channel along an empty axis: zero parameters
  const qtz::QuantParams pc = qtz::params_from_scales({}, {}, s, Granularity::channel(0), qtz::Shape{0, 3});
  std::vector<float> x;
  std::vector<std::int8_t> q;
  CHECK_NOTHROW(qtz::quantize<std::int8_t>(x, q, qtz::Shape{0, 3}, pc));
  // per channel along a non-empty axis of an empty tensor: the scales still have to match
  const qtz::QuantParams pc1 = qtz::params_from_scales({1.0f, 2.0f, 3.0f}, {0, 0, 0}, s, Granularity::channel(1),
                                                       qtz::Shape{0, 3});
  CHECK_NOTHROW(qtz::quantize<std::int8_t>(x, q, qtz::Shape{0, 3}, pc1));
  CHECK_THROWS_AS(qtz::quantize<std::int8_t>(x, q, qtz::Shape{0, 4}, pc1), std::invalid_argument);
}
