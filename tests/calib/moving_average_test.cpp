// MovingAverageMinMax and MinMax against PyTorch 1.13's observers (tests/data/calib_pytorch_vectors.txt,
// gen_calib_pytorch.py): running min/max bit-exact in float32, per tensor and per channel, and the
// pytorch profile's parameters from them; plus the contract (c in (0, 1], sequential, counts).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <qtz/calib/minmax.hpp>
#include <qtz/calib/moving_average.hpp>
#include <qtz/core/profile.hpp>

#include "calib/calib_data.hpp"

namespace {
const double kScales[] = {1.0, 1.75, 0.625, 1.25, 0.5};
const qtz::Shape kShape{6, 8, 25};

template <class C>
void feed(C& c, const calib_test::Case& k, const qtz::Granularity& g) {
  for (std::size_t b = 0; b < 5; ++b) {
    const std::vector<float> x = calib_test::batch(k.header[2], std::stoull(k.header[3]), b, kScales[b], kShape.size());
    c.observe(x.data(), kShape, qtz::Layout::row_major, g);
  }
}
std::vector<float> hexes(const std::vector<std::string>& w) {
  std::vector<float> v;
  for (const auto& s : w) v.push_back(calib_test::hexf(s));
  return v;
}
}  // namespace

TEST_CASE("PyTorch observers: running min/max and qparams are reproduced bit for bit") {
  int cases = 0;
  for (const auto& k : calib_test::read_cases("calib_pytorch_vectors.txt")) {
    INFO("case " << k.header[0]);
    const std::string obs = k.header[1];
    const bool per_channel = obs.rfind("perchannel", 0) == 0;
    const qtz::Granularity g = per_channel ? qtz::Granularity::channel(std::stoi(k.header[4])) : qtz::Granularity::tensor();
    std::vector<float> lo, hi;
    if (obs == "minmax" || obs == "perchannel") {
      qtz::MinMax c;
      feed(c, k, g);
      lo = c.lo();
      hi = c.hi();
    } else {
      qtz::MovingAverageMinMax c(std::stof(k.header[5]));
      feed(c, k, g);
      lo = c.lo();
      hi = c.hi();
      CHECK(c.finite_count() == 5 * kShape.size());
    }
    CHECK(lo == hexes(k.get("min")));
    CHECK(hi == hexes(k.get("max")));
    qtz::QuantSpec spec;
    spec.compat = qtz::Compat::pytorch;
    spec.format = per_channel ? qtz::Format{8, true} : qtz::Format{8, false};
    spec.scheme = per_channel ? qtz::Scheme::symmetric_full : qtz::Scheme::asymmetric;
    const std::vector<float> want_s = hexes(k.get("scale"));
    const std::vector<std::string>& want_z = k.get("zp");
    REQUIRE(want_s.size() == lo.size());
    for (std::size_t i = 0; i < lo.size(); ++i) {
      const qtz::ChannelParams p = qtz::choose_params(lo[i], hi[i], spec);
      CHECK(p.scale == want_s[i]);
      CHECK(p.zero_point == std::stoi(want_z[i]));
    }
    ++cases;
  }
  CHECK(cases == 8);
}

TEST_CASE("MovingAverageMinMax: the update is m + c(b - m) with every step rounded to float32") {
  // Values (found by a search in numpy) where one rounding of m + c·d (a fused multiply-add)
  // differs from PyTorch's two: m = 0x1.3a720cp+0, b = 0x1.224a1p+0, c = fl(0.01).
  const float m = 0x1.3a720cp+0f, b = 0x1.224a1p+0f, c = 0.01f;
  const float want = 0x1.3a3434p+0f;  // numpy: float32(m + float32(c * float32(b - m)))
  const double d = static_cast<double>(b) - static_cast<double>(m);  // exact
  qtz::MovingAverageMinMax ma(c);
  const float first[] = {m}, second[] = {b};
  ma.observe(first, qtz::Shape{1}, qtz::Layout::row_major, qtz::Granularity::tensor());
  ma.observe(second, qtz::Shape{1}, qtz::Layout::row_major, qtz::Granularity::tensor());
  CHECK(ma.hi()[0] == want);
  CHECK(ma.lo()[0] == want);
  // the same expression with one rounding (a fused multiply-add) differs here: the test can tell them apart
  CHECK(static_cast<float>(static_cast<double>(m) + static_cast<double>(c) * d) != want);
}

TEST_CASE("MovingAverageMinMax: a step whose difference overflows float stays finite (eq. (23a))") {
  // m = -3e38f, b = 3e38f: fl(b - m) = +inf, so PyTorch's running value becomes +inf. qtz evaluates
  // the step in double: exact rational arithmetic (Python fractions) gives
  //   -a + fl(0.01)·(2a) = -2.940000006728905e38 with a = fl(3e38) = 3.0000000054977558e38,
  // which rounds to the float -2.93999997e38 = -0x1.ba5caep+127.
  const float a = 3e38f;
  qtz::MovingAverageMinMax ma;  // c = fl(0.01)
  const float first[] = {-a}, second[] = {a};
  ma.observe(first, qtz::Shape{1}, qtz::Layout::row_major, qtz::Granularity::tensor());
  ma.observe(second, qtz::Shape{1}, qtz::Layout::row_major, qtz::Granularity::tensor());
  CHECK(ma.hi()[0] == -2.93999997e38f);
  CHECK(ma.lo()[0] == -2.93999997e38f);
  CHECK(std::isfinite(ma.hi()[0]));
}

TEST_CASE("MovingAverageMinMax: first batch sets m, empty and non-finite batches leave it, per-slot first batch") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  qtz::MovingAverageMinMax ma(0.5f);
  CHECK_THROWS_AS(ma.lo(), std::logic_error);
  const float b1[] = {nan, 2.0f, inf, -1.0f};  // 2 channels (axis 1 of [2, 2]): ch0 {nan, inf}, ch1 {2, -1}
  ma.observe(b1, qtz::Shape{2, 2}, qtz::Layout::row_major, qtz::Granularity::channel(1));
  CHECK(ma.finite_count() == 2);
  CHECK(ma.nonfinite_count() == 2);
  CHECK_THROWS_AS(ma.lo(), std::logic_error);  // channel 0 has no finite value yet
  const float b2[] = {4.0f, 0.0f, 8.0f, 1.0f};  // ch0 {4, 8} (its first batch), ch1 {0, 1}
  ma.observe(b2, qtz::Shape{2, 2}, qtz::Layout::row_major, qtz::Granularity::channel(1));
  CHECK(ma.lo() == std::vector<float>{4.0f, -0.5f});  // ch1: -1 + 0.5 (0 - -1)
  CHECK(ma.hi() == std::vector<float>{8.0f, 1.5f});   // ch1: 2 + 0.5 (1 - 2)
  ma.observe(b2, qtz::Shape{0, 2}, qtz::Layout::row_major, qtz::Granularity::channel(1));  // empty: ignored
  CHECK(ma.hi() == std::vector<float>{8.0f, 1.5f});
  CHECK_THROWS_AS(ma.observe(b2, qtz::Shape{4}, qtz::Layout::row_major, qtz::Granularity::tensor()),
                  std::invalid_argument);
  ma.reset();
  CHECK(ma.slots() == 0);
  CHECK_THROWS_AS(ma.hi(), std::logic_error);
}

TEST_CASE("MovingAverageMinMax: constant outside (0, 1] is rejected; not mergeable") {
  CHECK_THROWS_AS(qtz::MovingAverageMinMax(0.0f), std::invalid_argument);
  CHECK_THROWS_AS(qtz::MovingAverageMinMax(1.5f), std::invalid_argument);
  CHECK_THROWS_AS(qtz::MovingAverageMinMax(-0.01f), std::invalid_argument);
  CHECK_THROWS_AS(qtz::MovingAverageMinMax(std::numeric_limits<float>::quiet_NaN()), std::invalid_argument);
  CHECK_NOTHROW(qtz::MovingAverageMinMax(1.0f));
  STATIC_REQUIRE_FALSE(qtz::MovingAverageMinMax::mergeable);
  CHECK(qtz::MovingAverageMinMax().averaging_constant() == 0.01f);
}
