// qtz::MinMax: per-slot running ranges against a plain loop over logical indices, in both layouts,
// for per tensor / per channel / per group; non-finite handling, signed zeros, errors, merge, batch
// order independence, degenerate streams, bounded memory, reset.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <qtz/calib/minmax.hpp>
#include <qtz/core/profile.hpp>

#include "support/elementwise.hpp"

namespace {

using qtz::Granularity;
using qtz::Layout;
using qtz_test::Index;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr Layout kLayouts[] = {Layout::row_major, Layout::col_major};

struct Expected {
  std::vector<float> lo, hi;
  std::uint64_t finite = 0, nonfinite = 0;
};

/// The plain loop: every logical element goes to its slot; non-finite values are counted only.
Expected plain_ranges(const std::vector<std::vector<float>>& batches_rm, const Index& dims, const Granularity& g) {
  Expected e;
  const std::size_t n = qtz_test::slot_count(dims, g);
  e.lo.assign(n, kInf);
  e.hi.assign(n, -kInf);
  for (const auto& x : batches_rm) {
    qtz_test::for_each_index(dims, [&](const Index& idx, std::size_t lin) {
      const float v = x[lin];
      if (!std::isfinite(v)) {
        ++e.nonfinite;
        return;
      }
      ++e.finite;
      const std::size_t s = qtz_test::param_slot(idx, dims, g);
      e.lo[s] = std::min(e.lo[s], v);
      e.hi[s] = std::max(e.hi[s], v);
    });
  }
  for (auto& v : e.lo) v = v == 0.0f ? 0.0f : v;  // zeros are reported as +0
  for (auto& v : e.hi) v = v == 0.0f ? 0.0f : v;
  return e;
}

std::vector<float> random_batch(std::size_t n, std::mt19937& rng, float spread, bool specials_too = true) {
  std::normal_distribution<float> u(0.5f, spread);
  std::vector<float> x(n);
  for (auto& v : x) v = u(rng);
  if (!specials_too) return x;
  std::uniform_int_distribution<std::size_t> pos(0, n - 1);
  const float specials[] = {kNaN, kInf, -kInf, -0.0f};
  for (float s : specials) x[pos(rng)] = s;
  return x;
}

std::vector<Granularity> granularities(const Index& dims) {
  const int r = static_cast<int>(dims.size());
  std::vector<Granularity> g{Granularity::tensor()};
  for (int a = 0; a < r; ++a) {
    g.push_back(Granularity::channel(a));
    g.push_back(Granularity::channel(a - r));
    for (std::int64_t G : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, dims[static_cast<std::size_t>(a)] + 1})
      g.push_back(Granularity::group(G % 2 ? a : a - r, G));
  }
  return g;
}

qtz::MinMax observe_all(const std::vector<std::vector<float>>& batches_rm, const Index& dims, Layout layout,
                        const Granularity& g) {
  qtz::MinMax m;
  for (const auto& b : batches_rm) {
    const auto x = qtz_test::from_row_major(b, dims, layout);
    m.observe(x.data(), qtz::Shape(dims), layout, g);
  }
  return m;
}

void require_equals(const qtz::MinMax& m, const Expected& e) {
  REQUIRE(m.slots() == e.lo.size());
  REQUIRE(qtz_test::same_bits(m.lo(), e.lo));
  REQUIRE(qtz_test::same_bits(m.hi(), e.hi));
  REQUIRE(m.finite_count() == e.finite);
  REQUIRE(m.nonfinite_count() == e.nonfinite);
}

template <class F>
std::string logic_error_message(F f) {
  try {
    f();
  } catch (const std::logic_error& e) {
    return e.what();
  } catch (...) {
    return "other exception";
  }
  return "no exception";
}

}  // namespace

TEST_CASE("minmax: per tensor / channel / group ranges equal a plain loop in both layouts") {
  std::mt19937 rng(99u);
  for (const Index& dims : std::vector<Index>{{11}, {4, 5}, {3, 4, 5}, {2, 3, 2, 4}, {2, 3, 1, 2, 3}}) {
    const std::size_t n = qtz::Shape(dims).size();
    const std::vector<std::vector<float>> batches{random_batch(n, rng, 2.0f), random_batch(n, rng, 5.0f),
                                                  random_batch(n, rng, 0.1f),
                                                  random_batch(n, rng, 1.0f, false)};  // every slot sees a finite value
    for (const Granularity& g : granularities(dims)) {
      INFO("shape " << qtz::Shape(dims).str() << ", kind " << static_cast<int>(g.kind) << ", axis " << g.axis
                    << ", G " << g.block_size);
      const Expected e = plain_ranges(batches, dims, g);
      for (Layout l : kLayouts) {
        INFO("layout " << (l == Layout::row_major ? "row" : "col"));
        require_equals(observe_all(batches, dims, l, g), e);
      }
    }
  }
}

TEST_CASE("minmax: hand-computed per-group ranges of a column-major tensor") {
  // Shape [2, 5], groups of 2 along axis 1 (scale_shape [2, 3]); logical x[i][j] = 10 i + j.
  const Index dims{2, 5};
  std::vector<float> rm(10);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 5; ++j) rm[static_cast<std::size_t>(5 * i + j)] = static_cast<float>(10 * i + j);
  for (Layout l : kLayouts) {
    const auto m = observe_all({rm}, dims, l, Granularity::group(1, 2));
    CHECK(m.lo() == std::vector<float>{0, 2, 4, 10, 12, 14});
    CHECK(m.hi() == std::vector<float>{1, 3, 4, 11, 13, 14});
  }
  for (Layout l : kLayouts) {
    const auto m = observe_all({rm}, dims, l, Granularity::channel(-1));
    CHECK(m.lo() == std::vector<float>{0, 1, 2, 3, 4});
    CHECK(m.hi() == std::vector<float>{10, 11, 12, 13, 14});
  }
}

TEST_CASE("minmax: NaN and +-inf are skipped and counted; -0 and +0 give +0") {
  qtz::MinMax m;
  const std::vector<float> x{kNaN, -kInf, 2.0f, kInf, -1.0f, kNaN};
  m.observe(x.data(), qtz::Shape{6}, Layout::row_major, Granularity::tensor());
  CHECK(m.lo() == std::vector<float>{-1.0f});
  CHECK(m.hi() == std::vector<float>{2.0f});
  CHECK(m.finite_count() == 2);
  CHECK(m.nonfinite_count() == 4);

  for (const std::vector<float>& zeros : {std::vector<float>{-0.0f, 0.0f}, std::vector<float>{0.0f, -0.0f},
                                          std::vector<float>{-0.0f, -0.0f}}) {
    qtz::MinMax z;
    z.observe(zeros.data(), qtz::Shape{2}, Layout::row_major, Granularity::tensor());
    CHECK_FALSE(std::signbit(z.lo()[0]));
    CHECK_FALSE(std::signbit(z.hi()[0]));
    CHECK(z.lo()[0] == 0.0f);
  }
}

TEST_CASE("minmax: a slot without finite values, or nothing observed, throws std::logic_error") {
  qtz::MinMax none;
  CHECK_THAT(logic_error_message([&] { (void)none.lo(); }), Catch::Contains("observed nothing"));
  CHECK_THAT(logic_error_message([&] { (void)none.hi(); }), Catch::Contains("observed nothing"));

  // Shape [2, 3] per channel on axis 1: column 1 holds only NaN and inf.
  const std::vector<float> rm{1.0f, kNaN, 3.0f, 4.0f, kInf, 6.0f};
  for (Layout l : kLayouts) {
    const auto m = observe_all({rm}, {2, 3}, l, Granularity::channel(1));
    CHECK_THAT(logic_error_message([&] { (void)m.lo(); }), Catch::Contains("slot 1 "));
    CHECK_THAT(logic_error_message([&] { (void)m.hi(); }), Catch::Contains("slot 1 "));
    // Per group of 2 along axis 0 on [4, 1] ... here: group (axis 0, G = 1) -> slot [0][1] = 1 too.
    const auto g = observe_all({rm}, {2, 3}, l, Granularity::group(0, 1));
    CHECK_THAT(logic_error_message([&] { (void)g.lo(); }), Catch::Contains("slot 1 "));
  }
  // Per group along axis 1 with G = 2 on [2, 4]: slot [1][1] (index 3) is all NaN.
  const std::vector<float> rm24{1, 2, 3, 4, 5, 6, kNaN, -kInf};
  for (Layout l : kLayouts) {
    const auto m = observe_all({rm24}, {2, 4}, l, Granularity::group(1, 2));
    CHECK_THAT(logic_error_message([&] { (void)m.lo(); }), Catch::Contains("slot 3 "));
  }
  // A later batch with a finite value repairs the slot.
  qtz::MinMax m = observe_all({rm}, {2, 3}, Layout::row_major, Granularity::channel(1));
  const std::vector<float> fix{0, -5.0f, 0, 0, -5.0f, 0};
  m.observe(fix.data(), qtz::Shape{2, 3}, Layout::row_major, Granularity::channel(1));
  CHECK(m.lo()[1] == -5.0f);
  CHECK(m.hi()[1] == -5.0f);
}

TEST_CASE("minmax: merge(a, b) equals observing both; any split and order gives the same result") {
  std::mt19937 rng(7u);
  const Index dims{3, 4, 5};
  std::vector<std::vector<float>> batches;
  for (int i = 0; i < 5; ++i) batches.push_back(random_batch(60, rng, 1.0f + static_cast<float>(i)));
  for (const Granularity& g : {Granularity::tensor(), Granularity::channel(1), Granularity::group(2, 2),
                               Granularity::group(0, 2)}) {
    const Expected e = plain_ranges(batches, dims, g);
    for (Layout l : kLayouts) {
      INFO("kind " << static_cast<int>(g.kind) << " layout " << static_cast<int>(l));
      for (std::size_t split = 0; split <= batches.size(); ++split) {
        const std::vector<std::vector<float>> first(batches.begin(), batches.begin() + static_cast<long>(split));
        const std::vector<std::vector<float>> second(batches.begin() + static_cast<long>(split), batches.end());
        qtz::MinMax a = observe_all(first, dims, l, g);
        const qtz::MinMax b = observe_all(second, dims, l, g);
        a.merge(b);
        require_equals(a, e);
        qtz::MinMax b2 = b;  // merge is symmetric
        b2.merge(observe_all(first, dims, l, g));
        require_equals(b2, e);
      }
      std::vector<std::size_t> order{0, 1, 2, 3, 4};
      for (int rep = 0; rep < 6; ++rep) {
        std::shuffle(order.begin(), order.end(), rng);
        std::vector<std::vector<float>> shuffled;
        for (auto i : order) shuffled.push_back(batches[i]);
        require_equals(observe_all(shuffled, dims, l, g), e);
      }
    }
  }
  // Merging calibrators of different slot counts throws.
  qtz::MinMax a = observe_all({batches[0]}, dims, Layout::row_major, Granularity::channel(1));
  const qtz::MinMax b = observe_all({batches[0]}, dims, Layout::row_major, Granularity::channel(2));
  CHECK_THROWS_AS(a.merge(b), std::invalid_argument);
}

TEST_CASE("minmax: constant and all-zero streams give valid parameters") {
  const Granularity g = Granularity::channel(0);
  for (float c : {0.0f, -0.0f, 3.0f, -2.5f, 1e-37f}) {
    INFO("constant " << c);
    const std::vector<float> x(6, c);
    qtz::MinMax m;
    for (int i = 0; i < 3; ++i) m.observe(x.data(), qtz::Shape{2, 3}, Layout::col_major, g);
    CHECK(m.lo() == std::vector<float>{c, c});
    CHECK(m.hi() == std::vector<float>{c, c});
    for (qtz::Scheme s : {qtz::Scheme::asymmetric, qtz::Scheme::symmetric_full, qtz::Scheme::symmetric_restricted}) {
      qtz::QuantSpec spec;
      spec.scheme = s;
      const auto p = qtz::make_params(m.lo(), m.hi(), spec, g, qtz::Shape{2, 3});
      CHECK_NOTHROW(p.validate());
      for (float S : p.scale) {
        CHECK(std::isfinite(S));
        CHECK(S > 0.0f);
      }
      if (c == 0.0f || c == 1e-37f) CHECK(p.scale == std::vector<float>{1.0f, 1.0f});  // eq. (10): S below FLT_MIN
    }
  }
  // Constant 3 asymmetric int8 (qtz rule): range [0, 3], S = fl(3 / 255), Z = -128.
  qtz::MinMax m;
  const std::vector<float> x(4, 3.0f);
  m.observe(x.data(), qtz::Shape{4}, Layout::row_major, Granularity::tensor());
  const auto p = qtz::make_params(m.lo(), m.hi(), qtz::QuantSpec{}, Granularity::tensor(), qtz::Shape{4});
  CHECK(p.scale[0] == static_cast<float>(3.0 / 255.0));
  CHECK(p.zero_point[0] == -128);
}

TEST_CASE("minmax: a changed slot count between batches throws; per tensor accepts any shape") {
  std::vector<float> x(24, 1.0f);
  qtz::MinMax m;
  m.observe(x.data(), qtz::Shape{4, 6}, Layout::row_major, Granularity::channel(1));
  CHECK_THROWS_AS(m.observe(x.data(), qtz::Shape{6, 4}, Layout::row_major, Granularity::channel(1)),
                  std::invalid_argument);
  CHECK_NOTHROW(m.observe(x.data(), qtz::Shape{2, 6}, Layout::row_major, Granularity::channel(1)));  // same C
  qtz::MinMax grp;
  grp.observe(x.data(), qtz::Shape{4, 6}, Layout::col_major, Granularity::group(1, 3));  // [4, 2]
  CHECK_THROWS_AS(grp.observe(x.data(), qtz::Shape{4, 6}, Layout::col_major, Granularity::group(1, 2)),
                  std::invalid_argument);  // [4, 3]
  qtz::MinMax t;
  t.observe(x.data(), qtz::Shape{24}, Layout::row_major, Granularity::tensor());
  CHECK_NOTHROW(t.observe(x.data(), qtz::Shape{2, 3, 4}, Layout::col_major, Granularity::tensor()));
  CHECK_NOTHROW(t.observe(x.data(), qtz::Shape{5}, Layout::row_major, Granularity::tensor()));
  CHECK(t.finite_count() == 24 + 24 + 5);
}

TEST_CASE("minmax: 10,000 batches keep the state at one range per slot; reset forgets everything") {
  qtz::MinMax m;
  std::vector<float> x(12);
  for (int b = 0; b < 10000; ++b) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((b * 3 + static_cast<int>(i)) % 1001) - 500.0f;  // every residue per i
    m.observe(x.data(), qtz::Shape{3, 4}, Layout::col_major, Granularity::group(1, 3));  // scale_shape [3, 2]
    REQUIRE(m.slots() == 6);
  }
  CHECK(m.finite_count() == 120000);
  CHECK(m.nonfinite_count() == 0);
  CHECK(m.lo() == std::vector<float>(6, -500.0f));
  CHECK(m.hi() == std::vector<float>(6, 500.0f));

  m.reset();
  CHECK(m.slots() == 0);
  CHECK(m.finite_count() == 0);
  CHECK(m.nonfinite_count() == 0);
  CHECK_THROWS_AS(m.lo(), std::logic_error);
  // After reset another slot count is accepted.
  m.observe(x.data(), qtz::Shape{3, 4}, Layout::row_major, Granularity::channel(0));
  CHECK(m.slots() == 3);
}
