// core/profile.hpp profile_rules: which profile/scheme/format combinations DESIGN §3 defines
// (the rest throw std::invalid_argument), the integer ranges and operations of the defined ones,
// and a few hand-computed parameter values per profile. (Bit-exactness against PyTorch / ONNX
// Runtime / TensorRT vectors is tests/compat's job.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <qtz/core/profile.hpp>
#include <qtz/quant/ops.hpp>

using Catch::Matchers::Contains;
using qtz::Compat;
using qtz::DequantOp;
using qtz::Format;
using qtz::Granularity;
using qtz::QuantSpec;
using qtz::ScaleOp;
using qtz::Scheme;

namespace {
QuantSpec spec(int bits, bool is_signed, Scheme s, Compat c) {
  QuantSpec q;
  q.format = Format::make(bits, is_signed);
  q.scheme = s;
  q.compat = c;
  return q;
}
constexpr Scheme kSchemes[] = {Scheme::symmetric_full, Scheme::symmetric_restricted, Scheme::asymmetric};
constexpr Compat kCompats[] = {Compat::qtz, Compat::onnx, Compat::pytorch, Compat::tensorrt};
constexpr int kBits[] = {2, 3, 4, 5, 6, 7, 8, 16};

/// DESIGN §3 table, written as a predicate.
bool defined(Compat c, int bits, bool sg, Scheme s) {
  const bool sym = s != Scheme::asymmetric, restricted = s == Scheme::symmetric_restricted;
  switch (c) {
    case Compat::qtz: return true;
    case Compat::onnx:
      if (bits != 8 && bits != 16) return false;
      if (sym && sg) return restricted;       // signed symmetric is symmetric-restricted
      if (sym && !sg) return !restricted;     // unsigned symmetric is 'symmetric' with Z = 2^(b-1)
      return true;
    case Compat::pytorch: return !(sym && !sg && restricted);
    case Compat::tensorrt: return sym && !(restricted && !sg);
  }
  return false;
}
}  // namespace

TEST_CASE("undefined profile combinations are rejected with std::invalid_argument, defined ones accepted",
          "[profile][errors]") {
  std::size_t rejected = 0;
  for (Compat c : kCompats) {
    for (int b : kBits) {
      for (bool sg : {true, false}) {
        for (Scheme s : kSchemes) {
          const QuantSpec q = spec(b, sg, s, c);
          INFO(qtz::to_string(c) << " " << q.format.name() << " " << qtz::to_string(s));
          if (defined(c, b, sg, s)) {
            CHECK_NOTHROW(qtz::profile_rules(q));
            CHECK_NOTHROW(qtz::choose_params(0.0f, 2.0f, q));  // (unsigned tensorrt rejects lo < 0)
          } else {
            ++rejected;
            REQUIRE_THROWS_AS(qtz::profile_rules(q), std::invalid_argument);
            REQUIRE_THROWS_WITH(qtz::profile_rules(q), Contains(std::string("profile ") + qtz::to_string(c)) &&
                                                           Contains(qtz::to_string(s)) && Contains(q.format.name()));
            REQUIRE_THROWS_AS(qtz::choose_params(0.0f, 1.0f, q), std::invalid_argument);
            REQUIRE_THROWS_AS(qtz::make_params({0.0f}, {1.0f}, q, Granularity::tensor(), qtz::Shape{2}),
                              std::invalid_argument);
          }
        }
      }
    }
  }
  // onnx 2..7 bits (6 widths x 2 signs x 3 schemes) + onnx int8/int16 symmetric_full (2)
  // + onnx uint8/uint16 symmetric_restricted (2) + pytorch unsigned restricted (8 widths)
  // + tensorrt asymmetric (16 formats) + tensorrt unsigned restricted (8) = 72
  CHECK(rejected == 72);
}

TEST_CASE("explicit rejected combinations named in the brief", "[profile][errors]") {
  REQUIRE_THROWS_AS(qtz::profile_rules(spec(4, true, Scheme::asymmetric, Compat::onnx)), std::invalid_argument);
  REQUIRE_THROWS_AS(qtz::profile_rules(spec(7, false, Scheme::symmetric_full, Compat::onnx)), std::invalid_argument);
  REQUIRE_THROWS_AS(qtz::profile_rules(spec(8, true, Scheme::symmetric_full, Compat::onnx)), std::invalid_argument);
  REQUIRE_THROWS_AS(qtz::profile_rules(spec(8, false, Scheme::symmetric_restricted, Compat::onnx)),
                    std::invalid_argument);
  REQUIRE_THROWS_AS(qtz::profile_rules(spec(8, false, Scheme::symmetric_restricted, Compat::pytorch)),
                    std::invalid_argument);
  REQUIRE_THROWS_AS(qtz::profile_rules(spec(8, true, Scheme::asymmetric, Compat::tensorrt)), std::invalid_argument);
  REQUIRE_THROWS_AS(qtz::profile_rules(spec(8, false, Scheme::symmetric_restricted, Compat::tensorrt)),
                    std::invalid_argument);
}

TEST_CASE("ranges and operations of the defined profiles", "[profile]") {
  struct Row {
    Compat c;
    int bits;
    bool sg;
    Scheme s;
    std::int32_t pmin, pmax, qmin, qmax, fmin, fmax;
    ScaleOp op;
    DequantOp dop;
  };
  const Row rows[] = {
      {Compat::qtz, 8, true, Scheme::asymmetric, -128, 127, -128, 127, -128, 127, ScaleOp::divide, DequantOp::multiply},
      {Compat::qtz, 8, true, Scheme::symmetric_full, -128, 127, -128, 127, -128, 127, ScaleOp::divide, DequantOp::multiply},
      {Compat::qtz, 8, true, Scheme::symmetric_restricted, -127, 127, -127, 127, -127, 127, ScaleOp::divide, DequantOp::multiply},
      {Compat::qtz, 8, false, Scheme::symmetric_restricted, 1, 255, 1, 255, 1, 255, ScaleOp::divide, DequantOp::multiply},
      {Compat::qtz, 4, true, Scheme::symmetric_restricted, -7, 7, -7, 7, -7, 7, ScaleOp::divide, DequantOp::multiply},
      {Compat::qtz, 16, false, Scheme::asymmetric, 0, 65535, 0, 65535, 0, 65535, ScaleOp::divide, DequantOp::multiply},
      // onnx: parameters on +-127 / +-32767, QuantizeLinear saturates to the full type
      {Compat::onnx, 8, true, Scheme::symmetric_restricted, -127, 127, -128, 127, -128, 127, ScaleOp::divide, DequantOp::multiply},
      {Compat::onnx, 16, true, Scheme::symmetric_restricted, -32767, 32767, -32768, 32767, -32768, 32767, ScaleOp::divide, DequantOp::multiply},
      {Compat::onnx, 8, false, Scheme::symmetric_full, 0, 255, 0, 255, 0, 255, ScaleOp::divide, DequantOp::multiply},
      {Compat::onnx, 8, true, Scheme::asymmetric, -128, 127, -128, 127, -128, 127, ScaleOp::divide, DequantOp::multiply},
      // pytorch: reciprocal; restricted = quant_min -127 everywhere
      {Compat::pytorch, 8, true, Scheme::symmetric_restricted, -127, 127, -127, 127, -127, 127, ScaleOp::reciprocal, DequantOp::multiply},
      {Compat::pytorch, 8, true, Scheme::symmetric_full, -128, 127, -128, 127, -128, 127, ScaleOp::reciprocal, DequantOp::multiply},
      {Compat::pytorch, 4, false, Scheme::asymmetric, 0, 15, 0, 15, 0, 15, ScaleOp::reciprocal, DequantOp::multiply},
      // tensorrt: reciprocal + divide_by_inverse; real quantize narrow, fake-quant [-mb-1, mb]
      {Compat::tensorrt, 8, true, Scheme::symmetric_restricted, -127, 127, -127, 127, -128, 127, ScaleOp::reciprocal, DequantOp::divide_by_inverse},
      {Compat::tensorrt, 8, true, Scheme::symmetric_full, -127, 127, -128, 127, -128, 127, ScaleOp::reciprocal, DequantOp::divide_by_inverse},
      {Compat::tensorrt, 4, true, Scheme::symmetric_restricted, -7, 7, -7, 7, -8, 7, ScaleOp::reciprocal, DequantOp::divide_by_inverse},
      {Compat::tensorrt, 8, false, Scheme::symmetric_full, -255, 255, 0, 255, 0, 255, ScaleOp::reciprocal, DequantOp::divide_by_inverse},
  };
  for (const Row& r : rows) {
    const QuantSpec q = spec(r.bits, r.sg, r.s, r.c);
    INFO(qtz::to_string(r.c) << " " << q.format.name() << " " << qtz::to_string(r.s));
    const qtz::ProfileRules p = qtz::profile_rules(q);
    CHECK(p.param_qmin == r.pmin);
    CHECK(p.param_qmax == r.pmax);
    CHECK(p.qmin == r.qmin);
    CHECK(p.qmax == r.qmax);
    CHECK(p.fake_qmin == r.fmin);
    CHECK(p.fake_qmax == r.fmax);
    CHECK(p.scale_op == r.op);
    CHECK(p.dequant_op == r.dop);
    // the QuantParams built for the profile carry the same rules
    const qtz::QuantParams qp = qtz::make_params({r.sg ? -1.0f : 0.0f}, {2.0f}, q, Granularity::tensor(), qtz::Shape{1});
    CHECK(qp.qmin == r.qmin);
    CHECK(qp.qmax == r.qmax);
    CHECK(qp.fake_qmin == r.fmin);
    CHECK(qp.fake_qmax == r.fmax);
    CHECK(qp.scale_op == r.op);
    CHECK(qp.dequant_op == r.dop);
    CHECK_NOTHROW(qp.validate_for(qtz::Shape{1}));
  }
}

TEST_CASE("QuantSpec::scale_op overrides the profile's scale operation", "[profile]") {
  QuantSpec t = spec(8, true, Scheme::symmetric_restricted, Compat::tensorrt);
  t.scale_op = ScaleOp::divide;
  CHECK(qtz::profile_rules(t).scale_op == ScaleOp::divide);
  CHECK(qtz::profile_rules(t).dequant_op == DequantOp::divide_by_inverse);  // only the scale op changes
  QuantSpec q = spec(8, true, Scheme::asymmetric, Compat::qtz);
  q.scale_op = ScaleOp::reciprocal;
  CHECK(qtz::profile_rules(q).scale_op == ScaleOp::reciprocal);
  QuantSpec p = spec(8, true, Scheme::asymmetric, Compat::pytorch);
  p.scale_op = ScaleOp::divide;
  CHECK(qtz::make_params({-1.0f}, {1.0f}, p, Granularity::tensor(), qtz::Shape{1}).scale_op == ScaleOp::divide);
}

TEST_CASE("hand-computed parameters per profile", "[profile]") {
  SECTION("onnx") {
    // int8 restricted [-1, 2]: symmetric -> [-2, 2], S = 4 / 254 = 2/127, Z = round((-127+127)/2) = 0
    const auto r = qtz::choose_params(-1.0f, 2.0f, spec(8, true, Scheme::symmetric_restricted, Compat::onnx));
    CHECK(r.scale == static_cast<float>(4.0 / 254.0));
    CHECK(r.zero_point == 0);
    CHECK(r.range_min == -2.0f);
    CHECK(r.range_max == 2.0f);
    // uint8 symmetric: S = 4/255, Z = round_half_even(127.5) = 128
    const auto u = qtz::choose_params(-1.0f, 2.0f, spec(8, false, Scheme::symmetric_full, Compat::onnx));
    CHECK(u.scale == static_cast<float>(4.0 / 255.0));
    CHECK(u.zero_point == 128);
    // uint8 asymmetric: S = 3/255, Z = round(0 - (-1) / S64) = 85
    const auto a = qtz::choose_params(-1.0f, 2.0f, spec(8, false, Scheme::asymmetric, Compat::onnx));
    CHECK(a.scale == static_cast<float>(3.0 / 255.0));
    CHECK(a.zero_point == 85);
    // int16 restricted [-1, 1]: S = 2 / 65534
    CHECK(qtz::choose_params(-1.0f, 1.0f, spec(16, true, Scheme::symmetric_restricted, Compat::onnx)).scale ==
          static_cast<float>(2.0 / 65534.0));
    // S < FLT_MIN -> S = 1, Z = 0
    const auto d = qtz::choose_params(0.0f, 0.0f, spec(8, false, Scheme::asymmetric, Compat::onnx));
    CHECK(d.scale == 1.0f);
    CHECK(d.zero_point == 0);
    // quantize saturates to the full int8 range although the parameters use +-127
    const qtz::Shape shape{3};
    const auto p = qtz::make_params({-1.0f}, {2.0f}, spec(8, true, Scheme::symmetric_restricted, Compat::onnx),
                                    Granularity::tensor(), shape);
    const std::vector<float> x = {-3.0f, 3.0f, 0.0f};  // t = -190.5, 190.5, 0
    std::vector<std::int8_t> q(3);
    qtz::quantize<std::int8_t>(x, q, shape, p);
    CHECK(q == std::vector<std::int8_t>{-128, 127, 0});
  }
  SECTION("pytorch") {
    // int8 asymmetric [-1, 2]: S = 3f / 255f, Z = -128 - round(-1 / S) = -43
    const auto a = qtz::choose_params(-1.0f, 2.0f, spec(8, true, Scheme::asymmetric, Compat::pytorch));
    CHECK(a.scale == 3.0f / 255.0f);
    CHECK(a.zero_point == -43);
    CHECK(a.inv_scale == 1.0f / (3.0f / 255.0f));
    // symmetric full: S = 2 / ((127 + 128) / 2) = 2 / 127.5; restricted: 2 / 127
    CHECK(qtz::choose_params(-1.0f, 2.0f, spec(8, true, Scheme::symmetric_full, Compat::pytorch)).scale ==
          2.0f / 127.5f);
    CHECK(qtz::choose_params(-1.0f, 2.0f, spec(8, true, Scheme::symmetric_restricted, Compat::pytorch)).scale ==
          2.0f / 127.0f);
    // all-zero range: every scale floored at 2^-23
    const float eps = 1.0f / 8388608.0f;
    const auto z8 = qtz::choose_params(0.0f, 0.0f, spec(8, true, Scheme::asymmetric, Compat::pytorch));
    CHECK(z8.scale == eps);
    CHECK(z8.inv_scale == 8388608.0f);
    CHECK(z8.zero_point == -128);
    CHECK(qtz::choose_params(0.0f, 0.0f, spec(8, false, Scheme::asymmetric, Compat::pytorch)).zero_point == 0);
    const auto zs = qtz::choose_params(0.0f, 0.0f, spec(8, false, Scheme::symmetric_full, Compat::pytorch));
    CHECK(zs.scale == eps);
    CHECK(zs.zero_point == 128);
    // unsigned symmetric of other widths: Z = (qmin + qmax) // 2
    CHECK(qtz::choose_params(-1.0f, 1.0f, spec(4, false, Scheme::symmetric_full, Compat::pytorch)).zero_point == 7);
    CHECK(qtz::choose_params(-1.0f, 1.0f, spec(16, false, Scheme::symmetric_full, Compat::pytorch)).zero_point ==
          32767);
    CHECK(qtz::choose_params(-1e-7f, 1e-7f, spec(8, true, Scheme::symmetric_full, Compat::pytorch)).scale == eps);
    // pytorch quantize uses the reciprocal: S = 0.3f, x = 2.25 -> x * fl(1/S) = 7.5 -> 8 (divide gives 7)
    const auto p = qtz::params_from_scales({0.3f}, {0}, spec(8, true, Scheme::symmetric_full, Compat::pytorch),
                                           Granularity::tensor(), qtz::Shape{1});
    std::vector<float> x = {2.25f};
    std::vector<std::int8_t> q(1);
    qtz::quantize<std::int8_t>(x, q, qtz::Shape{1}, p);
    CHECK(q[0] == 8);
    const auto pq = qtz::params_from_scales({0.3f}, {0}, spec(8, true, Scheme::symmetric_full, Compat::qtz),
                                            Granularity::tensor(), qtz::Shape{1});
    qtz::quantize<std::int8_t>(x, q, qtz::Shape{1}, pq);
    CHECK(q[0] == 7);
  }
  SECTION("tensorrt") {
    // amax = 2: R = 127 / 2 = 63.5, exported S = fl(2 / 127)
    const auto r = qtz::choose_params(-1.0f, 2.0f, spec(8, true, Scheme::symmetric_restricted, Compat::tensorrt));
    CHECK(r.inv_scale == 63.5f);
    CHECK(r.scale == 2.0f / 127.0f);
    CHECK(r.zero_point == 0);
    CHECK(r.range_min == -2.0f);
    CHECK(r.range_max == 2.0f);
    // unsigned: Z = 0, S = amax / 255, range [0, amax]; negative lo rejected
    const auto u = qtz::choose_params(0.0f, 2.0f, spec(8, false, Scheme::symmetric_full, Compat::tensorrt));
    CHECK(u.scale == 2.0f / 255.0f);
    CHECK(u.inv_scale == 127.5f);
    CHECK(u.zero_point == 0);
    CHECK(u.range_min == 0.0f);
    REQUIRE_THROWS_AS(qtz::choose_params(-1.0f, 2.0f, spec(8, false, Scheme::symmetric_full, Compat::tensorrt)),
                      std::domain_error);
    REQUIRE_THROWS_WITH(qtz::choose_params(-1.0f, 2.0f, spec(8, false, Scheme::symmetric_full, Compat::tensorrt)),
                        Contains("lo = -1"));
    // quantize narrow [-127, 127] (restricted) / [-128, 127] (full); fake-quant clamps to [-128, 127]
    const qtz::Shape shape{4};
    const std::vector<float> x = {-3.0f, 3.0f, 1.0f, -1.0f};  // t = -190.5, 190.5, 63.5, -63.5
    std::vector<std::int8_t> q(4);
    const auto pr = qtz::make_params({-2.0f}, {2.0f}, spec(8, true, Scheme::symmetric_restricted, Compat::tensorrt),
                                     Granularity::tensor(), shape);
    qtz::quantize<std::int8_t>(x, q, shape, pr);
    CHECK(q == std::vector<std::int8_t>{-127, 127, 64, -64});
    std::vector<float> y(4);
    qtz::fake_quantize(x, y, shape, pr);
    CHECK(y[0] == -128.0f / 63.5f);  // dequantize divides by R
    CHECK(y[1] == 127.0f / 63.5f);
    CHECK(y[2] == 64.0f / 63.5f);
    const auto pf = qtz::make_params({-2.0f}, {2.0f}, spec(8, true, Scheme::symmetric_full, Compat::tensorrt),
                                     Granularity::tensor(), shape);
    qtz::quantize<std::int8_t>(x, q, shape, pf);
    CHECK(q == std::vector<std::int8_t>{-128, 127, 64, -64});
    std::vector<float> back(4);
    qtz::dequantize<const std::int8_t>(q, back, shape, pf);
    CHECK(back[0] == -128.0f / 63.5f);
  }
  SECTION("tensorrt amax <= 2^-24: R = 0, S = 1, every code 0, dequantize 0") {
    const float tiny = 5.9604644775390625e-08f;  // 2^-24
    for (float amax : {0.0f, 1e-30f, tiny}) {
      INFO("amax " << amax);
      const auto c = qtz::choose_params(-amax, amax, spec(8, true, Scheme::symmetric_restricted, Compat::tensorrt));
      CHECK(c.inv_scale == 0.0f);
      CHECK(c.scale == 1.0f);
      CHECK(c.zero_point == 0);
      const qtz::Shape shape{5};
      const auto p = qtz::make_params({-amax}, {amax}, spec(8, true, Scheme::symmetric_restricted, Compat::tensorrt),
                                      Granularity::tensor(), shape);
      const std::vector<float> x = {1e-3f, -5.0f, 100.0f, 0.0f, -1e-30f};
      std::vector<std::int8_t> q(5, 99);
      qtz::quantize<std::int8_t>(x, q, shape, p);
      CHECK(q == std::vector<std::int8_t>(5, 0));
      std::vector<float> y(5, 7.0f);
      qtz::fake_quantize(x, y, shape, p);
      CHECK(y == std::vector<float>(5, 0.0f));
      const std::vector<std::int8_t> codes = {1, -1, 127, -128, 0};
      qtz::dequantize<const std::int8_t>(codes, y, shape, p);
      CHECK(y == std::vector<float>(5, 0.0f));
    }
    // just above 2^-24: a real multiplier
    const float above = std::nextafter(tiny, 1.0f);
    const auto c = qtz::choose_params(0.0f, above, spec(8, true, Scheme::symmetric_restricted, Compat::tensorrt));
    CHECK(c.inv_scale == 127.0f / above);
    CHECK(c.scale == above / 127.0f);
  }
}

TEST_CASE("every profile: no 0, negative, denormal, NaN or inf scale over random and extreme ranges",
          "[profile]") {
  const std::vector<float> ends = {0.0f, 1e-45f, 1e-40f, FLT_MIN, 1e-30f, 5.9604644775390625e-08f, 1e-7f, 1.0f,
                                   3.0f, 1e10f, 1e30f, 1.7e38f, FLT_MAX};
  std::size_t checked = 0;
  for (Compat c : kCompats) {
    for (int b : kBits) {
      for (bool sg : {true, false}) {
        for (Scheme s : kSchemes) {
          if (!defined(c, b, sg, s)) continue;
          for (float lo_mag : ends) {
            for (float hi : ends) {
              const float lo = (c == Compat::tensorrt && !sg) ? 0.0f : -lo_mag;
              const QuantSpec q = spec(b, sg, s, c);
              INFO(qtz::to_string(c) << " " << q.format.name() << " " << qtz::to_string(s) << " [" << lo << ", "
                                     << hi << "]");
              qtz::ChannelParams p{};
              try {
                p = qtz::choose_params(lo, hi, q);
              } catch (const std::domain_error& e) {
                // only the float32-arithmetic profiles may overflow (hi - lo > FLT_MAX), and say so
                CHECK((c == Compat::onnx || c == Compat::pytorch));
                // the float32 width: 2 max(|lo|, hi) for onnx symmetric, hi - lo otherwise
                const double m = std::max(-static_cast<double>(lo), static_cast<double>(hi));
                const double width = (c == Compat::onnx && s != Scheme::asymmetric)
                                         ? 2.0 * m
                                         : static_cast<double>(hi) - static_cast<double>(lo);
                CHECK(width > static_cast<double>(FLT_MAX));
                CHECK_THAT(e.what(), Contains("lo = ") && Contains("hi = "));
                continue;
              }
              ++checked;
              const bool ok = std::isfinite(p.scale) && p.scale >= FLT_MIN && std::isfinite(p.inv_scale) &&
                              (p.inv_scale > 0.0f || (c == Compat::tensorrt && p.inv_scale == 0.0f));
              if (!ok) CHECK(p.scale >= FLT_MIN);
              const Format f = q.format;
              const bool z_ok = p.zero_point >= f.qmin() && p.zero_point <= f.qmax();
              if (!z_ok) CHECK(p.zero_point >= f.qmin());
              if (!ok || !z_ok) CHECK(ok);
            }
          }
        }
      }
    }
  }
  CHECK(checked > 1000);
}
