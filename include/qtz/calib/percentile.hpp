// Percentile calibrator (DESIGN §5, docs/quantization.md §7 eq. (24)) and the exact one-shot order statistic.
//
// Streaming estimate from qtz's two-sided histogram (x >= 0 and x < 0 counted separately, so
// both the |x| histogram and the signed order are exact at bin resolution). With N finite values
// and r = ceil(p·N/100) (evaluated in double, at least 1):
//   symmetric schemes: T = the upper edge of the |x| bin where the cumulative count first reaches r,
//                      clipped to max|x|; range [-T, T] ([0, T] unsigned on non-negative data);
//   asymmetric schemes: cut (100 - p)/2 percent from each tail of the signed data: hi = the upper
//                      edge of the signed bin holding the r'-th smallest value, lo = the lower edge
//                      of the bin holding the r'-th largest, r' = ceil(((100 + p)/2)·N/100), clipped
//                      to [min x, max x].
// Error bound: the true order statistic (smallest v with F(v) >= p/100, resp. its mirror for lo)
// lies in the same bin, so the estimate is never inside the range it should cover and is at most
// one bin width (2^exponent) beyond it.
// The tensorrt profile reproduces pytorch-quantization's `_compute_amax_percentile` on TensorRT's
// histogram instead: cdf = cumsum(hist / total) in float64, T = edges[searchsorted(cdf, p/100)],
// the LEFT edge of that bin (TensorRT under-estimates by up to one bin).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "qtz/calib/histogram_calibrator.hpp"
#include "qtz/core/params.hpp"

namespace qtz {

namespace detail {
inline void check_percentile(double p) {
  if (!(p > 0.0 && p <= 100.0)) {
    throw std::invalid_argument("qtz: percentile = " + detail::value_str(p) + " is invalid; allowed: (0, 100]");
  }
}
/// r = ceil(p·n/100) clamped to [1, n], the product and quotient rounded to double as numpy's
/// `ceil(p * n / 100)` does (so p = 99.9, n = 60000 gives 59940, not the 59941 of the binary p's excess).
inline std::uint64_t percentile_rank(double p, std::uint64_t n) {
  const double pn = p * static_cast<double>(n);  // a separate statement: no fused multiply-divide exists
  const double r = std::ceil(pn / 100.0);
  if (r < 1.0) return 1;
  if (r > static_cast<double>(n)) return n;
  return static_cast<std::uint64_t>(r);
}
}  // namespace detail

/// The exact order statistic of the finite values of x[0..n) (|x| when `absolute`): the smallest v
/// with F(v) >= p/100, i.e. the r-th smallest value, r = ceil(p·N/100). One-shot, O(n) memory.
/// Throws std::invalid_argument for p outside (0, 100] and std::domain_error without a finite value.
inline float percentile_exact(const float* x, std::size_t n, double p, bool absolute = false) {
  detail::check_percentile(p);
  std::vector<float> v;
  v.reserve(n);
  for (std::size_t k = 0; k < n; ++k)
    if (x[k] - x[k] == 0.0f) v.push_back(absolute ? std::fabs(x[k]) : x[k]);
  if (v.empty()) throw std::domain_error("qtz: percentile_exact: the data has no finite value");
  const std::uint64_t r = detail::percentile_rank(p, v.size());
  auto it = v.begin() + static_cast<std::ptrdiff_t>(r - 1);
  std::nth_element(v.begin(), it, v.end());
  return *it == 0.0f ? 0.0f : *it;
}

/// The exact two-tailed range: (100 - p)/2 percent cut from each tail of the signed finite data:
/// hi = the r-th smallest, lo = the r-th largest, r = ceil(((100 + p)/2)·N/100).
inline std::pair<float, float> percentile_range_exact(const float* x, std::size_t n, double p) {
  detail::check_percentile(p);
  const double q = (100.0 + p) / 2.0;
  std::vector<float> neg;
  neg.reserve(n);
  for (std::size_t k = 0; k < n; ++k)
    if (x[k] - x[k] == 0.0f) neg.push_back(-x[k]);
  if (neg.empty()) throw std::domain_error("qtz: percentile_range_exact: the data has no finite value");
  const float hi = percentile_exact(x, n, q);
  const float lo = -percentile_exact(neg.data(), neg.size(), q);
  return {lo == 0.0f ? 0.0f : lo, hi};
}

struct PercentileOptions {
  double percentile = 99.99;  ///< p in (0, 100] (pytorch-quantization's default)
  std::size_t bins = 2048;
  std::size_t trt_max_bins = TrtHistogram::default_max_bins;
};

/// Streaming percentile calibrator (see the header comment).
class Percentile {
 public:
  static constexpr bool mergeable = true;
  using Options = PercentileOptions;

  explicit Percentile(double p = 99.99) : Percentile(Options{p}) {}
  explicit Percentile(Options o) : opt_(o), slots_("Percentile", o.bins, true) {
    detail::check_percentile(o.percentile);
    slots_.set_trt_max_bins(o.trt_max_bins);
  }

  void configure(const QuantSpec& spec) {
    slots_.configure(spec);
    spec_ = spec;
  }
  const QuantSpec& spec() const noexcept { return spec_; }
  double percentile() const noexcept { return opt_.percentile; }

  void observe(const float* x, const Shape& shape, Layout layout, const Granularity& g) {
    slots_.observe(x, shape, layout, g);
  }
  void reset() noexcept { slots_.reset(); }
  void merge(const Percentile& o) { slots_.merge(o.slots_); }

  std::uint64_t finite_count() const noexcept { return slots_.finite_count(); }
  std::uint64_t nonfinite_count() const noexcept { return slots_.nonfinite_count(); }
  std::size_t slots() const noexcept { return slots_.slots(); }
  const detail::HistogramSlots& histograms() const noexcept { return slots_; }

  /// The |x| bin index where the CDF first reaches p, per slot (tensorrt: searchsorted's index).
  std::vector<std::size_t> threshold_bins() const {
    slots_.require_range();
    std::vector<std::size_t> r(slots_.slots());
    for (std::size_t s = 0; s < r.size(); ++s) r[s] = abs_bin(s);
    return r;
  }
  /// Symmetric threshold T per slot (qtz: upper edge clipped to max|x|; tensorrt: left edge).
  std::vector<float> thresholds() const {
    slots_.require_range();
    std::vector<float> r(slots_.slots());
    for (std::size_t s = 0; s < r.size(); ++s) r[s] = threshold(s);
    return r;
  }
  std::vector<float> lo() const { return range(true); }
  std::vector<float> hi() const { return range(false); }

 private:
  std::size_t abs_bin(std::size_t s) const {
    if (slots_.tensorrt()) {
      const TrtHistogram& t = slots_.trt_histogram(s);
      if (!t.started()) return 0;
      // pytorch-quantization: cdf = np.cumsum(calib_hist / total); idx = np.searchsorted(cdf, p / 100)
      const std::vector<std::uint64_t>& c = t.counts();
      double total = 0;
      for (std::size_t k = 0; k < t.bins(); ++k) total += static_cast<double>(c[k]);
      const double target = opt_.percentile / 100.0;
      double cdf = 0;
      for (std::size_t k = 0; k < t.bins(); ++k) {
        cdf += static_cast<double>(c[k]) / total;
        if (cdf >= target) return k;
      }
      return t.bins();
    }
    const Histogram& h = slots_.histogram(s);
    const std::vector<std::uint64_t> a = h.abs_counts();
    std::uint64_t n = 0;
    for (auto v : a) n += v;
    const std::uint64_t r = detail::percentile_rank(opt_.percentile, n);
    std::uint64_t cum = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
      cum += a[k];
      if (cum >= r) return k;
    }
    return a.size() - 1;
  }
  float threshold(std::size_t s) const {
    const std::size_t k = abs_bin(s);
    if (slots_.tensorrt()) return slots_.trt_histogram(s).edge(k);
    const Histogram& h = slots_.histogram(s);
    if (!h.has_width()) return 0.0f;
    return std::min(h.edge(k + 1), slots_.absmax(s));
  }
  // Asymmetric: the signed bins in increasing order are neg[B-1], ..., neg[0], pos[0], ..., pos[B-1].
  std::pair<float, float> signed_range(std::size_t s) const {
    const Histogram& h = slots_.histogram(s);
    const float mn = slots_.min(s), mx = slots_.max(s);
    if (!h.has_width()) return {mn, mx};  // zeros only
    const std::vector<std::uint64_t>& pos = h.positive();
    const std::vector<std::uint64_t>& neg = h.negative();
    const std::size_t B = h.bins();
    const std::uint64_t n = h.total();
    const std::uint64_t r = detail::percentile_rank((100.0 + opt_.percentile) / 2.0, n);
    float hi = mx, lo = mn;
    std::uint64_t cum = 0;
    bool found = false;
    for (std::size_t k = B; k-- > 0 && !found;) {  // from the most negative value up
      cum += neg[k];
      if (cum >= r) hi = -h.edge(k), found = true;
    }
    for (std::size_t k = 0; k < B && !found; ++k) {
      cum += pos[k];
      if (cum >= r) hi = h.edge(k + 1), found = true;
    }
    cum = 0;
    found = false;
    for (std::size_t k = B; k-- > 0 && !found;) {  // from the most positive value down
      cum += pos[k];
      if (cum >= r) lo = h.edge(k), found = true;
    }
    for (std::size_t k = 0; k < B && !found; ++k) {
      cum += neg[k];
      if (cum >= r) lo = -h.edge(k + 1), found = true;
    }
    hi = std::min(hi + 0.0f, mx);
    lo = std::max(lo + 0.0f, mn);
    return {lo, hi};
  }
  std::vector<float> range(bool low) const {
    slots_.require_range();
    std::vector<float> r(slots_.slots());
    for (std::size_t s = 0; s < r.size(); ++s) {
      std::pair<float, float> lh;
      if (spec_.scheme == Scheme::asymmetric && !slots_.tensorrt()) lh = signed_range(s);
      else lh = range_from_threshold(threshold(s), slots_.min(s), slots_.max(s), spec_);
      r[s] = low ? lh.first : lh.second;
    }
    return r;
  }

  Options opt_;
  QuantSpec spec_{};
  detail::HistogramSlots slots_;
};

}  // namespace qtz
