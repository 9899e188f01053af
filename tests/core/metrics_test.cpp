// core/metrics.hpp: mse, sqnr_db, max_abs_error, cosine on hand-computed small arrays and the
// documented special cases (exact reconstruction -> +inf dB, non-finite references skipped,
// nothing left -> NaN).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include <qtz/core/metrics.hpp>

namespace {
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();
struct Metrics {
  double mse, sqnr, max_abs, cosine;
};
Metrics all(const std::vector<float>& x, const std::vector<float>& y) {
  REQUIRE(x.size() == y.size());
  return {qtz::mse(x.data(), y.data(), x.size()), qtz::sqnr_db(x.data(), y.data(), x.size()),
          qtz::max_abs_error(x.data(), y.data(), x.size()), qtz::cosine(x.data(), y.data(), x.size())};
}
}  // namespace

TEST_CASE("metrics on hand-computed arrays", "[metrics]") {
  SECTION("x = [1, 2, 3, 4], y = [1, 2, 3, 5]") {
    // noise = 1, signal = 30, x.y = 34, |y|^2 = 39
    const Metrics m = all({1, 2, 3, 4}, {1, 2, 3, 5});
    CHECK(m.mse == 0.25);
    CHECK(m.sqnr == Approx(14.771212547196624).epsilon(1e-14));  // 10 log10(30)
    CHECK(m.max_abs == 1.0);
    CHECK(m.cosine == Approx(34.0 / std::sqrt(1170.0)).epsilon(1e-14));
  }
  SECTION("x = [0.5, -1.5, 2], y = [0.25, -1, 2.5]") {
    // d = [-0.25, 0.5, 0.5]: noise = 0.0625 + 0.25 + 0.25 = 0.5625; signal = 0.25 + 2.25 + 4 = 6.5
    // x.y = 0.125 + 1.5 + 5 = 6.625; |y|^2 = 0.0625 + 1 + 6.25 = 7.3125
    const Metrics m = all({0.5f, -1.5f, 2.0f}, {0.25f, -1.0f, 2.5f});
    CHECK(m.mse == 0.1875);
    CHECK(m.sqnr == Approx(10.0 * std::log10(6.5 / 0.5625)).epsilon(1e-14));
    CHECK(m.max_abs == 0.5);
    CHECK(m.cosine == Approx(6.625 / std::sqrt(6.5 * 7.3125)).epsilon(1e-14));
  }
  SECTION("sums run in double: float rounding of the squares does not leak in") {
    // x = 1 + 2^-12, y = 1: d^2 = 2^-24 exactly in double
    const float x = 1.0f + 1.0f / 4096.0f;
    CHECK(qtz::mse(&x, std::vector<float>{1.0f}.data(), 1) == std::ldexp(1.0, -24));
  }
  SECTION("opposite vectors: cosine -1; signal 10x the noise: 10 dB") {
    CHECK(all({1, -2, 2}, {-1, 2, -2}).cosine == Approx(-1.0).epsilon(1e-15));
    // x = [10], y = [10 - sqrt(10)]? use x = [3, 1], y = [2, 1]: noise 1, signal 10 -> 10 dB
    CHECK(all({3, 1}, {2, 1}).sqnr == Approx(10.0).epsilon(1e-14));
  }
}

TEST_CASE("metrics: special cases", "[metrics]") {
  SECTION("exact reconstruction: mse 0, +inf dB, max error 0, cosine 1") {
    const Metrics m = all({1, -2, 0.5f}, {1, -2, 0.5f});
    CHECK(m.mse == 0.0);
    CHECK(std::isinf(m.sqnr));
    CHECK(m.sqnr > 0);
    CHECK(m.max_abs == 0.0);
    CHECK(m.cosine == 1.0);
  }
  SECTION("non-finite reference values are skipped") {
    // only the pairs (1, 1) and (2, 3) count: mse = 1/2, signal 5, noise 1
    const Metrics m = all({1, kNaN, kInf, -kInf, 2}, {1, 100, 100, 100, 3});
    CHECK(m.mse == 0.5);
    CHECK(m.sqnr == Approx(10.0 * std::log10(5.0)).epsilon(1e-14));
    CHECK(m.max_abs == 1.0);
    CHECK(m.cosine == Approx(7.0 / std::sqrt(5.0 * 10.0)).epsilon(1e-14));
  }
  SECTION("empty input or no finite reference: every metric is NaN") {
    const Metrics e = all({}, {});
    CHECK(std::isnan(e.mse));
    CHECK(std::isnan(e.sqnr));
    CHECK(std::isnan(e.max_abs));
    CHECK(std::isnan(e.cosine));
    const Metrics nf = all({kNaN, kInf}, {1, 2});
    CHECK(std::isnan(nf.mse));
    CHECK(std::isnan(nf.sqnr));
    CHECK(std::isnan(nf.max_abs));
    CHECK(std::isnan(nf.cosine));
  }
  SECTION("all-zero vectors: cosine 1 when both are zero, 0 when only one is") {
    CHECK(all({0, 0}, {0, 0}).cosine == 1.0);
    CHECK(all({0, 0}, {1, 0}).cosine == 0.0);
    CHECK(all({1, 0}, {0, 0}).cosine == 0.0);
    CHECK(all({0, 0}, {0, 0}).sqnr > 0);  // exact: +inf
    CHECK(std::isinf(all({0, 0}, {1, 0}).sqnr));  // zero signal, some noise: -inf dB
    CHECK(all({0, 0}, {1, 0}).sqnr < 0);
  }
  SECTION("a NaN reconstruction of a finite reference makes the error NaN, not 0") {
    const Metrics m = all({1, 2, 3}, {1, kNaN, 3});
    CHECK(std::isnan(m.mse));
    CHECK(std::isnan(m.max_abs));
  }
}
