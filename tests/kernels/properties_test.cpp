// Properties of the element spec (STYLE.md "Properties"), per rounding mode with exact tolerances:
// monotonicity, the round-trip error bound inside the representable range, idempotence of
// fake-quantize for the nearest modes, and dequantize-then-quantize returning every code.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <qtz/kernels/scalar/quantize.hpp>

#include "support/test_values.hpp"

namespace {

using qtz::DequantOp;
using qtz::Rounding;
using qtz::ScaleOp;
using qtz::kernels::KernelConfig;
using qtz::kernels::scalar::dequantize_value;
using qtz::kernels::scalar::quantize_value;

struct Fmt {
  const char* name;
  std::int32_t qmin, qmax;
  bool sixteen;
};
// Code ranges written out by hand (int2..int8, uint2..uint8, int16, uint16).
const Fmt kFormats[] = {
    {"int2", -2, 1, false},     {"int3", -4, 3, false},      {"int4", -8, 7, false},
    {"int5", -16, 15, false},   {"int6", -32, 31, false},    {"int7", -64, 63, false},
    {"int8", -128, 127, false}, {"int16", -32768, 32767, true}, {"uint2", 0, 3, false},
    {"uint3", 0, 7, false},     {"uint4", 0, 15, false},     {"uint5", 0, 31, false},
    {"uint6", 0, 63, false},    {"uint7", 0, 127, false},    {"uint8", 0, 255, false},
    {"uint16", 0, 65535, true},
};
constexpr ScaleOp kOps[] = {ScaleOp::divide, ScaleOp::reciprocal};
constexpr Rounding kDeterministic[] = {Rounding::half_even, Rounding::half_away, Rounding::floor,
                                       Rounding::toward_zero};
// Scales: exact, with inexact inverses, tiny (normal) and huge.
const float kScales[] = {1.0f, 0.1f, 0.3f, 3.0f / 255.0f, 1.0f / 3.0f, 7.3e-4f, 2.5e-30f, 4e25f};

std::vector<std::int32_t> sample_zero_points(const Fmt& f) {
  return {f.qmin, f.qmax, (f.qmin + f.qmax) / 2, f.qmin + (f.qmax - f.qmin) / 7};
}

bool nearest(Rounding r) { return r == Rounding::half_even || r == Rounding::half_away; }

KernelConfig cfg(const Fmt& f, ScaleOp op, Rounding r) {
  return KernelConfig{f.qmin, f.qmax, op, DequantOp::multiply, r, 17};
}

}  // namespace

TEST_CASE("quantize is monotonic in x for the deterministic modes", "[properties]") {
  QTZ_TEST_RNG(rng, 31415);
  std::vector<float> base = qtz_test::curated_values(3, 20);
  base.erase(std::remove_if(base.begin(), base.end(), [](float v) { return std::isnan(v); }), base.end());
  std::size_t violations = 0, pairs = 0;
  for (const float s : kScales) {
    const float inv = 1.0f / s;
    for (const Fmt& f : kFormats) {
      std::vector<float> xs = base;
      const std::vector<float> ties = qtz_test::ties_in_t(s, f.qmin - 2, f.qmax + 2, f.sixteen ? 101 : 1);
      xs.insert(xs.end(), ties.begin(), ties.end());
      const std::vector<float> rnd = qtz_test::random_values(rng, 200, -300.0 * s, 300.0 * s);
      for (float v : rnd)
        if (!std::isnan(v)) xs.push_back(v);
      std::sort(xs.begin(), xs.end());
      for (const std::int32_t z : sample_zero_points(f)) {
        for (const ScaleOp op : kOps) {
          for (const Rounding r : kDeterministic) {
            const KernelConfig c = cfg(f, op, r);
            std::int32_t prev = quantize_value(xs[0], s, inv, z, c, 0);
            for (std::size_t i = 1; i < xs.size(); ++i) {
              const std::int32_t q = quantize_value(xs[i], s, inv, z, c, 0);
              ++pairs;
              if (q < prev) ++violations;
              prev = q;
            }
          }
        }
      }
    }
  }
  INFO(pairs << " ordered pairs");
  CHECK(violations == 0);
}

TEST_CASE("round-trip error inside the representable range", "[properties]") {
  // Error budget, with u = 2^-24 the unit roundoff of float and x inside [(qmin-Z)S, (qmax-Z)S]:
  //   step 1: divide gives t = (x/S)(1+d1), |d1| <= u; reciprocal gives t = x R (1+d2) with
  //           R = (1/S)(1+d3), so |t - x/S| <= (2u + u^2)|x/S| <= 2^-22 |t| (with room to spare).
  //   step 4: |k - t| <= 1/2 for the nearest modes, < 1 for floor / toward zero / stochastic
  //           (the clamp to [qmin-Z, qmax-Z] only moves t toward x/S or by at most the step-1 error).
  //   dequantize: fl(k S) = k S (1+d4), |d4| <= u, |k| <= |t| + 1.
  // So |dq - x| <= S (1/2 + 2^-22|t| + 2^-24 (|t| + 1)) for nearest modes and < S(1 + same) for
  // the others; we allow slack = S * 2^-22 * (2|t| + 1), which covers both step-1 and dequantize
  // terms. All quantities are evaluated in double from the float values (exact differences).
  QTZ_TEST_RNG(rng, 2024);
  std::size_t worst_reported = 0, checked = 0;
  for (const float s : kScales) {
    const float inv = 1.0f / s;
    for (const Fmt& f : kFormats) {
      for (const std::int32_t z : sample_zero_points(f)) {
        const double lo = static_cast<double>(f.qmin - z) * s, hi = static_cast<double>(f.qmax - z) * s;
        std::uniform_real_distribution<double> in_range(lo, hi);
        std::vector<float> xs = qtz_test::ties_in_t(s, f.qmin - z, f.qmax - z - 1, f.sixteen ? 89 : 1);
        for (int i = 0; i < 300; ++i) xs.push_back(static_cast<float>(in_range(rng)));
        xs.push_back(0.0f);
        xs.push_back(-0.0f);
        for (const ScaleOp op : kOps) {
          for (const Rounding r : {Rounding::half_even, Rounding::half_away, Rounding::floor,
                                   Rounding::toward_zero, Rounding::stochastic}) {
            const KernelConfig c = cfg(f, op, r);
            for (std::size_t i = 0; i < xs.size(); ++i) {
              const float x = xs[i];
              if (!(x >= lo && x <= hi)) continue;  // neighbours may step just outside
              const std::int32_t q = quantize_value(x, s, inv, z, c, i);
              const float dq = dequantize_value(q, s, inv, z, DequantOp::multiply);
              const double err = std::fabs(static_cast<double>(dq) - static_cast<double>(x));
              const double t = static_cast<double>(x) / static_cast<double>(s);
              const double slack = static_cast<double>(s) * std::ldexp(2.0 * std::fabs(t) + 1.0, -22);
              const bool ok = nearest(r) ? err <= 0.5 * s + slack : err < static_cast<double>(s) + slack;
              ++checked;
              if (!ok && worst_reported++ < 3) {
                INFO(f.name << " Z=" << z << " S=" << s << " x=" << x << " q=" << q << " err/S=" << err / s);
                CHECK(ok);
              }
            }
          }
        }
      }
    }
  }
  INFO(checked << " values");
  CHECK(checked > 100000);
  CHECK(worst_reported == 0);
}

TEST_CASE("the nearest-mode error bound is tight: floor modes really exceed S/2", "[properties]") {
  // Guards the test above against a too-generous tolerance: x = 0.9 S must give error 0.9 S with
  // floor and 0.1 S with half_even.
  const Fmt& f = kFormats[6];  // int8
  const float s = 0.25f, x = 0.9f * 0.25f;
  const auto q_floor = quantize_value(x, s, 4.0f, 0, cfg(f, ScaleOp::divide, Rounding::floor), 0);
  const auto q_even = quantize_value(x, s, 4.0f, 0, cfg(f, ScaleOp::divide, Rounding::half_even), 0);
  CHECK(q_floor == 0);
  CHECK(q_even == 1);
}

TEST_CASE("fake-quantize is idempotent for the nearest modes", "[properties]") {
  // y = fl(k S) = k S (1+d); y / S = k (1 + d)(1 + d') is within |k| 2^-22.9 of k, far less than 1/2
  // for |k| <= 2^16, so quantizing y gives k again and fake(fake(x)) == fake(x) bit for bit.
  QTZ_TEST_RNG(rng, 8080);
  std::size_t bad = 0, checked = 0;
  for (const float s : kScales) {
    const float inv = 1.0f / s;
    for (const Fmt& f : kFormats) {
      std::vector<float> xs = qtz_test::random_values(rng, 200, (f.qmin - 5.0) * s, (f.qmax + 5.0) * s);
      const std::vector<float> ties = qtz_test::ties_in_t(s, f.qmin - 1, f.qmax + 1, f.sixteen ? 131 : 1);
      xs.insert(xs.end(), ties.begin(), ties.end());
      for (const std::int32_t z : sample_zero_points(f)) {
        for (const ScaleOp op : kOps) {
          for (const Rounding r : {Rounding::half_even, Rounding::half_away}) {
            const KernelConfig c = cfg(f, op, r);
            auto fake = [&](float v) {
              return dequantize_value(quantize_value(v, s, inv, z, c, 0), s, inv, z, DequantOp::multiply);
            };
            for (const float x : xs) {
              const float y = fake(x);
              ++checked;
              if (qtz_test::bits_of(fake(y)) != qtz_test::bits_of(y)) ++bad;
            }
          }
        }
      }
    }
  }
  INFO(checked << " values");
  CHECK(bad == 0);
}

TEST_CASE("dequantize then quantize returns every code (every Z up to 8 bits, sampled for 16)",
          "[properties]") {
  // Same argument as idempotence: the dequantized code k S is within |k| 2^-22 S of an exact
  // multiple, so the nearest modes give k back. Floor/toward zero may not (k S (1 - d) floors to
  // k - 1), which is why they are excluded.
  QTZ_TEST_RNG(rng, 6502);
  std::size_t bad = 0, checked = 0;
  for (const float s : {1.0f, 0.1f, 3.0f / 255.0f, 1.0f / 3.0f, 2.5e-30f, 4e25f}) {
    const float inv = 1.0f / s;
    for (const Fmt& f : kFormats) {
      std::vector<std::int32_t> zs, codes;
      if (f.sixteen) {
        zs = {f.qmin, f.qmin + 1, (f.qmin + f.qmax) / 2, f.qmax - 1, f.qmax};
        std::uniform_int_distribution<std::int32_t> any(f.qmin, f.qmax);
        for (int i = 0; i < 3; ++i) zs.push_back(any(rng));
        for (std::int32_t q = f.qmin; q <= f.qmax; q += 3) codes.push_back(q);
        codes.push_back(f.qmax);
      } else {
        for (std::int32_t z = f.qmin; z <= f.qmax; ++z) zs.push_back(z);
        for (std::int32_t q = f.qmin; q <= f.qmax; ++q) codes.push_back(q);
      }
      for (const std::int32_t z : zs) {
        for (const ScaleOp op : kOps) {
          for (const Rounding r : {Rounding::half_even, Rounding::half_away}) {
            const KernelConfig c = cfg(f, op, r);
            for (const std::int32_t q : codes) {
              ++checked;
              if (quantize_value(dequantize_value(q, s, inv, z, DequantOp::multiply), s, inv, z, c, 0) != q) ++bad;
            }
          }
        }
      }
    }
  }
  INFO(checked << " codes");
  CHECK(checked > 1000000);
  CHECK(bad == 0);
}
