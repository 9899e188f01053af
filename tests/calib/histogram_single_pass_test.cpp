// The single-read histogram path of the histogram calibrators (histogram_calibrator.hpp
// HistogramSlots::run, histogram.hpp Histogram::Accumulator): chunked min/max + widening + counting,
// 32-bit sub-histograms, and the chunk-wise transpose for channel-innermost data must give exactly
// the counts of "all the data at the final width". Reference: a double-precision floor over all of a
// slot's values with the exponent taken from its definition (smallest e with max|x| < B·2^e),
// written here independently of the code under test.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <qtz/qtz.hpp>

namespace {

struct RefHist {
  int e = 0;
  bool has_width = false;
  std::vector<std::uint64_t> pos, neg;
  std::uint64_t finite = 0, nonfinite = 0;
  float min = std::numeric_limits<float>::infinity(), max = -std::numeric_limits<float>::infinity();
};

RefHist reference(const std::vector<float>& x, std::size_t B, bool two_sided) {
  RefHist r;
  r.pos.assign(B, 0);
  if (two_sided) r.neg.assign(B, 0);
  double amax = 0;
  for (float v : x) {
    if (!std::isfinite(v)) {
      ++r.nonfinite;
      continue;
    }
    ++r.finite;
    amax = std::max(amax, std::fabs(static_cast<double>(v)));
    r.min = std::min(r.min, v);
    r.max = std::max(r.max, v);
  }
  if (amax > 0) {
    r.has_width = true;
    r.e = -127;
    while (!(amax < static_cast<double>(B) * std::ldexp(1.0, r.e))) ++r.e;
  }
  const double w = std::ldexp(1.0, r.e);
  for (float v : x) {
    if (!std::isfinite(v)) continue;
    const auto b = static_cast<std::size_t>(std::floor(std::fabs(static_cast<double>(v)) / w));
    const bool neg = two_sided && std::signbit(v) && v != 0.0f;  // -0 counts as >= 0
    (neg ? r.neg : r.pos)[b] += 1;
  }
  return r;
}

void check_equal(const qtz::Histogram& h, const RefHist& r) {
  CHECK(h.has_width() == r.has_width);
  if (r.has_width) CHECK(h.exponent() == r.e);
  CHECK(h.positive() == r.pos);
  CHECK(h.negative() == r.neg);
}

// A batch whose scale grows along it (the histogram widens many times inside one batch), starting
// with a run of zeros (no width yet), with -0, NaN and ±inf sprinkled in.
std::vector<float> growing_batch(std::size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d;
  std::vector<float> x(n);
  for (std::size_t k = 0; k < n; ++k) {
    if (k < 20000) {
      x[k] = k % 3 ? 0.0f : -0.0f;
      continue;
    }
    x[k] = d(g) * std::ldexp(1.0f, static_cast<int>(k / 9000) - 6);
    if (k % 997 == 0) x[k] = std::numeric_limits<float>::quiet_NaN();
    if (k % 1999 == 0) x[k] = (k / 1999) % 2 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
  }
  return x;
}

}  // namespace

TEST_CASE("One read per batch: growth inside a batch gives the counts of all data at the final width") {
  const std::vector<float> x = growing_batch(150000, 3);
  const qtz::Shape shape{static_cast<std::int64_t>(x.size())};
  const RefHist one = reference(x, 2048, false), two = reference(x, 2048, true);
  REQUIRE(one.nonfinite > 0);
  REQUIRE(one.e > -10);  // the width grew well past the first chunks'

  qtz::Entropy ent;  // one-sided |x| histogram
  ent.observe(x.data(), shape, qtz::Layout::row_major, qtz::Granularity::tensor());
  check_equal(ent.histograms().histogram(0), one);
  CHECK(ent.finite_count() == one.finite);
  CHECK(ent.nonfinite_count() == one.nonfinite);
  CHECK(ent.histograms().min(0) == one.min);
  CHECK(ent.histograms().max(0) == one.max);
  // the chosen bin is the search on the reference counts (the search itself is tested elsewhere)
  CHECK(ent.threshold_bins()[0] == qtz::entropy_threshold_bin(one.pos.data(), 2048, 128));

  qtz::Percentile pct;  // two-sided histogram
  pct.observe(x.data(), shape, qtz::Layout::row_major, qtz::Granularity::tensor());
  check_equal(pct.histograms().histogram(0), two);
  CHECK(pct.finite_count() == two.finite);

  // the same data in small batches (the short-run path) and in one batch agree
  qtz::Percentile small;
  for (std::size_t b = 0; b < x.size(); b += 3001) {
    const std::size_t m = std::min<std::size_t>(3001, x.size() - b);
    small.observe(x.data() + b, qtz::Shape{static_cast<std::int64_t>(m)}, qtz::Layout::row_major,
                  qtz::Granularity::tensor());
  }
  CHECK(small.histograms().histogram(0) == pct.histograms().histogram(0));
  CHECK(small.hi() == pct.hi());
  CHECK(small.lo() == pct.lo());
}

TEST_CASE("Histogram::Accumulator: any add sizes, growth between adds, equal to the reference") {
  for (bool two_sided : {false, true}) {
    for (std::size_t B : {std::size_t{2}, std::size_t{100}, std::size_t{2048}}) {
      const std::vector<float> x = growing_batch(60000, 7);
      qtz::Histogram h(B, two_sided);
      {
        std::vector<std::uint32_t> scratch;
        qtz::Histogram::Accumulator acc(h, scratch);
        const std::size_t sizes[] = {1, 3, 1000, 5000, 17, 20000};
        std::size_t b = 0;
        for (std::size_t k = 0; b < x.size(); ++k) {
          const std::size_t m = std::min(sizes[k % 6], x.size() - b);
          float a = 0;
          for (std::size_t j = b; j < b + m; ++j)
            if (std::isfinite(x[j])) a = std::max(a, std::fabs(x[j]));
          acc.add(x.data() + b, m, a);
          b += m;
        }
      }  // destruction flushes
      check_equal(h, reference(x, B, two_sided));
    }
  }
}

TEST_CASE("Per channel with the channel axis innermost (chunk-wise transpose) equals each channel's reference") {
  struct Case {
    qtz::Shape shape;
    int axis;
    qtz::Layout layout;
  };
  const Case cases[] = {
      {qtz::Shape{3000, 7}, 1, qtz::Layout::row_major},   // [rows, C]
      {qtz::Shape{40, 3000}, -1, qtz::Layout::row_major},  // many channels, few rows
      {qtz::Shape{20000, 1}, 1, qtz::Layout::row_major},   // one channel
      {qtz::Shape{9, 5, 600}, 0, qtz::Layout::col_major},  // axis 0 innermost in column-major memory
      {qtz::Shape{4, 20000}, 0, qtz::Layout::row_major},   // long runs: the sub-histogram path per channel
  };
  for (const Case& c : cases) {
    const auto n = static_cast<std::size_t>(c.shape.size());
    std::vector<float> x = growing_batch(n + 20000, 11);
    x.erase(x.begin(), x.begin() + 20000);  // no zero prefix here
    x[5] = std::numeric_limits<float>::quiet_NaN();
    qtz::Percentile pct;
    pct.observe(x.data(), c.shape, c.layout, qtz::Granularity::channel(c.axis));
    const int rank = static_cast<int>(c.shape.rank());
    const int a = c.axis < 0 ? c.axis + rank : c.axis;
    const auto C = static_cast<std::size_t>(c.shape[a]);
    REQUIRE(pct.slots() == C);
    // the channel of memory offset k: row-major strides or column-major strides of the logical shape
    std::vector<std::vector<float>> per(C);
    for (std::size_t k = 0; k < n; ++k) {
      std::size_t rem = k, ch = 0;
      if (c.layout == qtz::Layout::row_major) {
        for (int d = rank - 1; d >= 0; --d) {
          const auto ext = static_cast<std::size_t>(c.shape[d]);
          if (d == a) ch = rem % ext;
          rem /= ext;
        }
      } else {
        for (int d = 0; d < rank; ++d) {
          const auto ext = static_cast<std::size_t>(c.shape[d]);
          if (d == a) ch = rem % ext;
          rem /= ext;
        }
      }
      per[ch].push_back(x[k]);
    }
    std::uint64_t nonfinite = 0;
    for (std::size_t ch = 0; ch < C; ++ch) {
      const RefHist r = reference(per[ch], 2048, true);
      check_equal(pct.histograms().histogram(ch), r);
      CHECK(pct.histograms().min(ch) == r.min);
      CHECK(pct.histograms().max(ch) == r.max);
      nonfinite += r.nonfinite;
    }
    CHECK(pct.nonfinite_count() == nonfinite);
    CHECK(pct.finite_count() + nonfinite == n);
  }
}
