// Properties of qtz's histogram and of the histogram calibrators (DESIGN §5): exact counts against a
// double-precision floor reference, merge(a, b) == observe(a ∪ b), any split and order gives the same
// result, bounded memory over many batches, NaN/±inf skipped and counted, degenerate streams, the
// O(L) KL search against a direct O(i) implementation of the published algorithm, per-channel along
// any axis equal to per-tensor on each slice, the Quantizer plug-in and quantize_dynamic.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include <qtz/qtz.hpp>

namespace {

std::vector<float> gaussian(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> x(n);
  for (auto& v : x) v = d(g);
  return x;
}
template <class C>
void observe(C& c, const std::vector<float>& x) {
  c.observe(x.data(), qtz::Shape{static_cast<std::int64_t>(x.size())}, qtz::Layout::row_major, qtz::Granularity::tensor());
}

// The published KL search (pytorch-quantization _compute_amax_entropy), written directly: O(i) per candidate.
std::size_t direct_kl(std::vector<double> h, std::size_t L, std::size_t start) {
  h[0] = h[1];
  std::vector<double> D;
  for (std::size_t i = start; i <= h.size(); ++i) {
    std::vector<double> P(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(i)), Q(i, 0.0);
    double tail = 0;
    for (std::size_t j = i; j < h.size(); ++j) tail += h[j];
    std::vector<double> tot(L, 0.0), cnt(L, 0.0);
    for (std::size_t j = 0; j < i; ++j) {
      const std::size_t l = j * L / i;
      if (h[j] > 0) tot[l] += h[j], cnt[l] += 1;
    }
    for (std::size_t j = 0; j < i; ++j)
      if (h[j] > 0) Q[j] = tot[j * L / i] / cnt[j * L / i];
    P[i - 1] += tail;
    double sp = 0, sq = 0, d = 0;
    for (std::size_t j = 0; j < i; ++j) sp += P[j], sq += Q[j];
    for (std::size_t j = 0; j < i; ++j) {
      if (P[j] == 0) continue;
      d += Q[j] == 0 ? std::numeric_limits<double>::infinity() : (P[j] / sp) * std::log((P[j] / sp) / (Q[j] / sq));
    }
    D.push_back(d);
  }
  std::size_t best = 0;
  for (std::size_t k = 0; k < D.size(); ++k)
    if (D[k] <= D[best]) best = k;  // ties to the largest i
  return best + start;
}

}  // namespace

TEST_CASE("Histogram: bins are floor(|x| / 2^e) with e the smallest exponent giving max|x| < B 2^e") {
  qtz::Histogram h(16);
  const float x[] = {0.0f, -0.0f, 1.0f, -2.5f, 15.9f, 3.0f, std::numeric_limits<float>::quiet_NaN()};
  h.add(x, 7, 15.9f);
  CHECK(h.exponent() == 0);  // 15.9 < 16·1, not < 16·0.5
  std::vector<std::uint64_t> want(16, 0);
  want[0] = 2, want[1] = 1, want[2] = 1, want[15] = 1, want[3] = 1;
  CHECK(h.positive() == want);
  const float big[] = {16.0f};  // needs 16 < 16·2^e: e = 1; pairs merge
  h.add(big, 1, 16.0f);
  CHECK(h.exponent() == 1);
  std::vector<std::uint64_t> want2(16, 0);
  want2[0] = 3, want2[1] = 2, want2[7] = 1, want2[8] = 1;
  CHECK(h.positive() == want2);
  CHECK(h.total() == 7);
  CHECK(qtz::Histogram::exponent_for(1.0f, 2048) == -10);  // 1 < 2048·2^-11 = 1 fails; 1 < 2048·2^-10 holds
  CHECK_THROWS_AS(qtz::Histogram(1), std::invalid_argument);
}

TEST_CASE("Histogram: counts equal a double-precision reference after any growth; merge == one pass; order free") {
  std::vector<float> all;
  std::vector<std::vector<float>> parts;
  for (unsigned s = 0; s < 6; ++s) {
    parts.push_back(gaussian(3000, s, std::ldexp(1.0f, static_cast<int>(s) - 2)));
    all.insert(all.end(), parts.back().begin(), parts.back().end());
  }
  float amax = 0;
  for (float v : all) amax = std::max(amax, std::fabs(v));
  qtz::Histogram one(2048, true);
  one.add(all.data(), all.size(), amax);
  // reference: e from the definition, bins by floor in double
  int e = -127;
  while (!(static_cast<double>(amax) < 2048.0 * std::ldexp(1.0, e))) ++e;
  std::vector<std::uint64_t> pos(2048, 0), neg(2048, 0);
  for (float v : all) {
    const auto b = static_cast<std::size_t>(std::floor(std::fabs(static_cast<double>(v)) / std::ldexp(1.0, e)));
    (v < 0 ? neg : pos)[b] += 1;
  }
  CHECK(one.exponent() == e);
  CHECK(one.positive() == pos);
  CHECK(one.negative() == neg);

  qtz::Histogram seq(2048, true), rev(2048, true), a(2048, true), b(2048, true);
  for (std::size_t k = 0; k < parts.size(); ++k) {
    auto add = [](qtz::Histogram& h, const std::vector<float>& p) {
      float m = 0;
      for (float v : p) m = std::max(m, std::fabs(v));
      h.add(p.data(), p.size(), m);
    };
    add(seq, parts[k]);
    add(rev, parts[parts.size() - 1 - k]);
    add(k % 2 ? a : b, parts[k]);
  }
  CHECK(seq == one);
  CHECK(rev == one);
  a.merge(b);
  CHECK(a == one);
}

TEST_CASE("Entropy: the O(L) search chooses the same bin as the direct published algorithm") {
  std::mt19937 g(7);
  for (int t = 0; t < 40; ++t) {
    const std::size_t bins = 160 + static_cast<std::size_t>(g() % 100), L = t % 2 ? 8 : 16;
    std::vector<std::uint64_t> c(bins);
    std::geometric_distribution<int> geo(0.02 + 0.01 * (t % 5));
    for (auto& v : c) v = static_cast<std::uint64_t>(g() % 4 == 0 ? 0 : geo(g));
    for (std::size_t k = 0; k < bins; k += 17) c[k] = 0;  // empty bins inside the range
    std::vector<double> h(c.begin(), c.end());
    INFO("trial " << t);
    CHECK(qtz::entropy_threshold_bin(c.data(), bins, L, 128, 1) == direct_kl(h, L, 128));
  }
  const std::uint64_t c[4] = {1, 1, 1, 1};
  CHECK_THROWS_AS(qtz::entropy_threshold_bin(c, 4, 8, 5, 1), std::invalid_argument);
}

TEST_CASE("Histogram calibrators: merge == observe(all), batch order free, bounded memory") {
  std::vector<std::vector<float>> parts;
  for (unsigned s = 0; s < 5; ++s) parts.push_back(gaussian(4000, 10 + s, 0.5f + static_cast<float>(s)));
  auto check = [&](auto proto) {
    using C = decltype(proto);
    qtz::QuantSpec spec;
    spec.scheme = qtz::Scheme::symmetric_restricted;
    C all = proto, rev = proto, a = proto, b = proto;
    for (auto* c : {&all, &rev, &a, &b}) c->configure(spec);
    for (std::size_t k = 0; k < parts.size(); ++k) {
      observe(all, parts[k]);
      observe(rev, parts[parts.size() - 1 - k]);
      observe(k % 2 ? a : b, parts[k]);
    }
    a.merge(b);
    CHECK(a.hi() == all.hi());
    CHECK(rev.hi() == all.hi());
    CHECK(a.lo() == all.lo());
    CHECK(a.finite_count() == 20000);
    // many more batches: the histogram keeps its size
    for (int k = 0; k < 300; ++k) observe(all, parts[static_cast<std::size_t>(k) % parts.size()]);
    CHECK(all.histograms().histogram(0).bins() == 2048);
    CHECK(all.histograms().histogram(0).positive().capacity() == 2048);
  };
  check(qtz::Entropy{});
  check(qtz::Percentile{99.9});
  check(qtz::Mse{});
}

TEST_CASE("Histogram calibrators: NaN and ±inf skipped and counted; no finite value is an error") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  qtz::Entropy e;
  CHECK_THROWS_AS(e.hi(), std::logic_error);
  const std::vector<float> bad = {nan, inf, -inf};
  observe(e, bad);
  CHECK(e.nonfinite_count() == 3);
  CHECK(e.finite_count() == 0);
  CHECK_THROWS_AS(e.hi(), std::logic_error);
  std::vector<float> x = gaussian(5000, 3);
  x[10] = nan, x[20] = inf;
  observe(e, x);
  CHECK(e.nonfinite_count() == 5);
  CHECK(e.finite_count() == 4998);
  CHECK(std::isfinite(e.hi()[0]));
  CHECK_THROWS_AS(qtz::Percentile(0.0), std::invalid_argument);
  CHECK_THROWS_AS(qtz::Percentile(100.5), std::invalid_argument);
  CHECK_THROWS_AS(qtz::Percentile(nan), std::invalid_argument);
  CHECK_NOTHROW(qtz::Percentile(100.0));
}

TEST_CASE("Histogram calibrators: all-zero and constant streams give valid parameters") {
  for (float c : {0.0f, 3.0f, -2.0f}) {
    const std::vector<float> x(1000, c);
    auto run = [&](auto calib) {
      qtz::Quantizer<std::int8_t, qtz::SymmetricRestricted, qtz::PerTensor, decltype(calib)> q;
      Eigen::Tensor<float, 1, Eigen::RowMajor> t(static_cast<Eigen::Index>(x.size()));
      std::copy(x.begin(), x.end(), t.data());
      q.observe(t);
      const qtz::QuantParams p = q.params();
      CHECK(std::isfinite(p.scale[0]));
      CHECK(p.scale[0] > 0.0f);
      if (c == 0.0f) CHECK(p.range_max[0] == 0.0f);      // documented: range [0, 0], degenerate scale
      else CHECK(p.range_max[0] >= std::fabs(c) * 0.99f);  // the constant is (nearly) representable
    };
    INFO("constant " << c);
    run(qtz::Entropy{});
    run(qtz::Percentile{});
    run(qtz::Mse{});
    run(qtz::MovingAverageMinMax{});
  }
}

TEST_CASE("Per channel along any axis equals per tensor on each slice; column-major too") {
  const qtz::Shape shape{3, 4, 50};
  const std::vector<float> x = gaussian(shape.size(), 21);
  for (int axis : {0, 1, -1}) {
    const int a = axis < 0 ? axis + 3 : axis;
    for (qtz::Layout layout : {qtz::Layout::row_major, qtz::Layout::col_major}) {
      qtz::Entropy pc;
      pc.observe(x.data(), shape, layout, qtz::Granularity::channel(axis));
      const std::vector<std::size_t> bins = pc.threshold_bins();
      const std::vector<float> pc_hi = pc.hi();  // once: every call searches all slots
      REQUIRE(bins.size() == static_cast<std::size_t>(shape[a]));
      for (std::int64_t c = 0; c < shape[a]; ++c) {
        std::vector<float> slice;
        for (std::int64_t i = 0; i < 3; ++i)
          for (std::int64_t j = 0; j < 4; ++j)
            for (std::int64_t k = 0; k < 50; ++k) {
              const std::int64_t idx[3] = {i, j, k};
              if (idx[a] != c) continue;
              const auto off = layout == qtz::Layout::row_major ? (i * 4 + j) * 50 + k : (k * 4 + j) * 3 + i;
              slice.push_back(x[static_cast<std::size_t>(off)]);
            }
        qtz::Entropy pt;
        observe(pt, slice);
        CHECK(pt.threshold_bins()[0] == bins[static_cast<std::size_t>(c)]);
        CHECK(pt.hi()[0] == pc_hi[static_cast<std::size_t>(c)]);
      }
    }
  }
  qtz::Entropy g;
  CHECK_THROWS_AS(g.observe(x.data(), shape, qtz::Layout::row_major, qtz::Granularity::group(2, 10)),
                  std::invalid_argument);
}

TEST_CASE("Percentile: asymmetric cuts (100 - p)/2 from each tail, within one bin of the exact range") {
  std::vector<float> x = gaussian(20000, 5);
  for (auto& v : x) v = v + 1.0f;  // skewed around 1
  qtz::Percentile p(99.0);
  observe(p, x);  // default spec: asymmetric
  const auto exact = qtz::percentile_range_exact(x.data(), x.size(), 99.0);
  const double w = p.histograms().histogram(0).width();
  CHECK(p.lo()[0] <= exact.first);
  CHECK(exact.first - p.lo()[0] <= w);
  CHECK(p.hi()[0] >= exact.second);
  CHECK(p.hi()[0] - exact.second <= w);
  // the exact range by hand: sort, the r-th smallest and the r-th largest, r = ceil(99.5 % of N)
  std::vector<float> s = x;
  std::sort(s.begin(), s.end());
  CHECK(exact.second == s[19900 - 1]);
  CHECK(exact.first == s[20000 - 19900]);
}

TEST_CASE("Quantizer plug-in: configure passes the profile; quantize_dynamic calibrates on x") {
  Eigen::Tensor<float, 2, Eigen::RowMajor> t(64, 32);
  const std::vector<float> x = gaussian(64 * 32, 9);
  std::copy(x.begin(), x.end(), t.data());
  qtz::Quantizer<std::int8_t, qtz::SymmetricRestricted, qtz::PerChannel, qtz::Entropy, qtz::compat::TensorRT> q{
      qtz::PerChannel{0}};
  q.observe(t);
  CHECK(q.calibrator().histograms().tensorrt());
  CHECK(q.params().count() == 64);
  qtz::Quantizer<std::uint8_t, qtz::Asymmetric, qtz::PerTensor, qtz::Mse> m;
  CHECK_FALSE(m.calibrator().histograms().tensorrt());
  CHECK(m.calibrator().spec().format == qtz::Format{8, false});

  const auto dyn = qtz::quantize_dynamic<std::uint8_t>(t);
  float lo = x[0], hi = x[0];
  for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(dyn.params.range_min[0] == lo);
  CHECK(dyn.params.range_max[0] == hi);
  const Eigen::Tensor<float, 2, Eigen::RowMajor> back = dyn.dequantize();
  CHECK(qtz::eigen::max_abs_error(t, back) <= dyn.params.scale[0] * 0.5f + 1e-6f);
}
