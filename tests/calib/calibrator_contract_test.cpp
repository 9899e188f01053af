// The calibrator contract: MinMax satisfies check_calibrator; a minimal custom calibrator written
// here plugs into Quantizer and its ranges, not the data's min/max, are the ones used.
#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include <qtz/calib/calibrator.hpp>
#include <qtz/calib/minmax.hpp>
#include <qtz/eigen/quantizer.hpp>

#include "support/elementwise.hpp"

namespace {

/// Reports a fixed range [-lo_mag, hi] for every slot, whatever it observes; records what it was given.
class FixedRange {
 public:
  static constexpr bool mergeable = false;
  FixedRange() = default;
  FixedRange(float lo, float hi) : lo_(lo), hi_(hi) {}

  void observe(const float* x, const qtz::Shape& shape, qtz::Layout layout, const qtz::Granularity& g) {
    slots_ = qtz::element_count(qtz::scale_shape(shape, g));
    last_layout = layout;
    last_granularity = g;
    ++calls;
    for (std::size_t i = 0; i < shape.size(); ++i) (x[i] == x[i] ? finite_ : nonfinite_)++;
  }
  void reset() { slots_ = 0; calls = 0; finite_ = nonfinite_ = 0; }
  std::vector<float> lo() const {
    if (slots_ == 0) throw std::logic_error("FixedRange: nothing observed");
    return std::vector<float>(slots_, lo_);
  }
  std::vector<float> hi() const {
    if (slots_ == 0) throw std::logic_error("FixedRange: nothing observed");
    return std::vector<float>(slots_, hi_);
  }
  std::uint64_t finite_count() const { return finite_; }
  std::uint64_t nonfinite_count() const { return nonfinite_; }

  qtz::Layout last_layout = qtz::Layout::row_major;
  qtz::Granularity last_granularity{};
  int calls = 0;

 private:
  float lo_ = -1.0f, hi_ = 1.0f;
  std::size_t slots_ = 0;
  std::uint64_t finite_ = 0, nonfinite_ = 0;
};

}  // namespace

// Probes with one member missing each (a named namespace: clang warns about unused members of
// internal-linkage classes that only decltype looks at).
namespace contract_probe {

struct NoObserve {
  static constexpr bool mergeable = false;
  void reset() {}
  std::vector<float> lo() const { return {}; }
  std::vector<float> hi() const { return {}; }
  std::uint64_t finite_count() const { return 0; }
  std::uint64_t nonfinite_count() const { return 0; }
};
struct NoMergeableFlag {
  void observe(const float*, const qtz::Shape&, qtz::Layout, const qtz::Granularity&) {}
  void reset() {}
  std::vector<float> lo() const { return {}; }
  std::vector<float> hi() const { return {}; }
  std::uint64_t finite_count() const { return 0; }
  std::uint64_t nonfinite_count() const { return 0; }
};

}  // namespace contract_probe

TEST_CASE("calibrator contract: MinMax and a custom calibrator satisfy it; incomplete ones do not") {
  STATIC_REQUIRE(qtz::check_calibrator<qtz::MinMax>());
  STATIC_REQUIRE(qtz::check_calibrator<FixedRange>());
  STATIC_REQUIRE(qtz::MinMax::mergeable);
  // The traits behind check_calibrator's static_asserts (a failing check_calibrator cannot compile).
  STATIC_REQUIRE_FALSE(qtz::detail::has_observe<contract_probe::NoObserve>::value);
  STATIC_REQUIRE(qtz::detail::has_range<contract_probe::NoObserve>::value);
  STATIC_REQUIRE_FALSE(qtz::detail::has_mergeable_flag<contract_probe::NoMergeableFlag>::value);
  STATIC_REQUIRE(qtz::detail::has_observe<contract_probe::NoMergeableFlag>::value);
}

TEST_CASE("calibrator contract: a custom calibrator plugs into Quantizer and its range is used") {
  // Data in [-0.1, 0.1], calibrator range [-2, 6]: int8 asymmetric S = 8/255, Z = -128 - round(-2/S).
  Eigen::Tensor<float, 2, Eigen::ColMajor> x(3, 4);
  for (Eigen::Index i = 0; i < 3; ++i)
    for (Eigen::Index j = 0; j < 4; ++j) x(i, j) = static_cast<float>(i * 4 + j) * 0.02f - 0.1f;
  qtz::Quantizer<std::int8_t, qtz::Asymmetric, qtz::PerGroup, FixedRange> q{qtz::PerGroup{1, 3}, {},
                                                                            FixedRange(-2.0f, 6.0f)};
  q.observe(x);
  CHECK(q.calibrator().calls == 1);
  CHECK(q.calibrator().last_layout == qtz::Layout::col_major);
  CHECK(q.calibrator().last_granularity.kind == qtz::Granularity::Kind::group);
  CHECK(q.calibrator().last_granularity.block_size == 3);
  CHECK(q.calibrator().finite_count() == 12);

  const qtz::QuantParams p = q.params();
  const auto S = static_cast<float>(8.0 / 255.0);
  CHECK(p.scale_shape == std::vector<std::int64_t>{3, 2});
  CHECK(p.scale == std::vector<float>(6, S));
  CHECK(p.zero_point == std::vector<std::int32_t>(6, -128 + 64));  // -2 / (8/255) = -63.75 -> -64
  CHECK(p.range_min == std::vector<float>(6, -2.0f));
  CHECK(p.range_max == std::vector<float>(6, 6.0f));

  const auto qt = q.quantize(x);
  const std::vector<float> x_mem(x.data(), x.data() + x.size());
  const auto ref = qtz_test::ref_quantize<std::int8_t>(x_mem.data(), {3, 4}, qtz::Layout::col_major, p);
  CHECK(std::vector<std::int8_t>(qt.codes.data(), qt.codes.data() + qt.codes.size()) == ref);
  CHECK(qt.codes(0, 0) == -64 + (-3));  // -0.1 / (8/255) = -3.1875 -> -3

  q.reset();
  CHECK(q.calibrator().calls == 0);
  CHECK_THROWS_AS(q.params(), std::logic_error);
}
