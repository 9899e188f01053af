// Entropy calibrator: TensorRT's KL-divergence threshold search (pytorch-quantization
// calib/histogram.py `_compute_amax_entropy`; DESIGN §5, docs/quantization.md §7) over the |x|
// histogram of every slot. Mergeable and batch-order independent with qtz's histogram; with the
// tensorrt profile it runs on TensorRT's own histogram and chooses TensorRT's bin.
//
// The search, for h = the |x| counts with h[0] := h[1] (the spike of exact zeros suppressed), N = sum h:
//   for i = start_bin, start_bin + stride, ... <= bins:
//     P = h[0:i] with the tail sum(h[i:]) added to P[i-1];
//     bin j < i belongs to level floor(j·L / i) (pytorch-quantization's np.digitize on
//     linspace(0, i, L + 1), whose points l·i/L are exact because L is a power of two);
//     Q spreads each level's total of h[0:i] uniformly over the level's non-empty bins, 0 elsewhere;
//     D(i) = KL(P/N || Q/sum Q)
//   T = edge[i] (the right edge of bin i - 1) for the minimal D, ties to the largest i.
// Computed in O(L) per candidate instead of O(i): with prefix sums S (counts), Z (non-empty bins)
// and H (h log h),
//   D(i) = (H[i-1] + P[i-1] log P[i-1] - sum_l T_l log(T_l / n_l) - tail · log q_{i-1}) / N + log(S[i] / N),
// T_l, n_l the total and the number of non-empty bins of level l, q_{i-1} the Q value of bin i - 1.
// D(i) = +inf when the tail falls into an empty last bin (Q = 0 where P > 0, as scipy gives) and is
// undefined when sum Q = 0 (scipy gives NaN): the qtz profile skips those candidates; the tensorrt
// profile reproduces numpy's argmin over the reversed list, which returns the last NaN candidate.
// Values of D within 1e-12 (relative) of the minimum count as ties, so that rounding differences
// between this summation order and scipy's cannot move a tie.
//
// Degenerate data: a slot whose finite values are all zero gives T = 0 (range [0, 0]: the parameter
// rule then uses its degenerate scale, never 0 or NaN).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "qtz/calib/histogram_calibrator.hpp"

namespace qtz {

/// The KL search on a |x| histogram: returns the chosen i (T = edge[i]). `tensorrt_nan` selects
/// numpy's NaN semantics (see the header comment). Throws std::invalid_argument for bad options.
inline std::size_t entropy_threshold_bin(const std::uint64_t* counts, std::size_t bins, std::size_t levels,
                                         std::size_t start_bin = 128, std::size_t stride = 1,
                                         bool tensorrt_nan = false) {
  if (bins < 2 || levels < 1 || stride < 1 || start_bin < 1 || start_bin > bins) {
    throw std::invalid_argument("qtz: entropy search: bins = " + std::to_string(bins) + ", levels = " +
                                std::to_string(levels) + ", start_bin = " + std::to_string(start_bin) +
                                ", stride = " + std::to_string(stride) +
                                " are invalid; allowed: bins >= 2, levels >= 1, 1 <= start_bin <= bins, stride >= 1");
  }
  std::vector<double> S(bins + 1, 0.0), H(bins + 1, 0.0);
  std::vector<std::size_t> Z(bins + 1, 0);
  auto h = [&](std::size_t j) { return static_cast<double>(j == 0 ? counts[1] : counts[j]); };
  for (std::size_t j = 0; j < bins; ++j) {
    const double v = h(j);
    S[j + 1] = S[j] + v;
    H[j + 1] = H[j] + (v > 0 ? v * std::log(v) : 0.0);
    Z[j + 1] = Z[j] + (v > 0 ? 1 : 0);
  }
  const double N = S[bins];
  if (!(N > 0)) return bins;
  const double logN = std::log(N);
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const std::size_t L = levels;
  std::vector<double> D;
  std::vector<std::size_t> arg;
  for (std::size_t i = start_bin; i <= bins; i += stride) {
    arg.push_back(i);
    const double SQ = S[i], tail = N - S[i];
    if (!(SQ > 0)) {
      D.push_back(nan);
      continue;
    }
    const std::size_t last = i - 1;
    const double hl = h(last), Pl = hl + tail;
    if (tail > 0 && hl == 0) {
      D.push_back(inf);
      continue;
    }
    double B = 0;
    for (std::size_t l = 0; l < L; ++l) {
      const std::size_t a = (l * i + L - 1) / L, b = ((l + 1) * i + L - 1) / L;  // ceil(l·i/L), ceil((l+1)·i/L)
      if (a >= b) continue;
      const std::size_t nz = Z[b] - Z[a];
      if (nz == 0) continue;
      const double T = S[b] - S[a];
      B += T * std::log(T / static_cast<double>(nz));
    }
    if (tail > 0) {
      const std::size_t l = last * L / i;
      const std::size_t a = (l * i + L - 1) / L, b = ((l + 1) * i + L - 1) / L;
      B += tail * std::log((S[b] - S[a]) / static_cast<double>(Z[b] - Z[a]));
    }
    const double A = H[last] + (Pl > 0 ? Pl * std::log(Pl) : 0.0);
    D.push_back((A - B) / N + std::log(SQ) - logN);
  }
  if (tensorrt_nan) {
    for (std::size_t k = D.size(); k-- > 0;)
      if (std::isnan(D[k])) return arg[k];
  }
  double best = inf;
  for (double d : D)
    if (d < best) best = d;  // NaN never compares less
  if (best == inf) {         // every candidate infinite (or undefined): numpy's reversed argmin takes the last
    for (std::size_t k = D.size(); k-- > 0;)
      if (!std::isnan(D[k])) return arg[k];
    return bins;
  }
  const double tol = 1e-12 * std::max(1.0, std::fabs(best));
  for (std::size_t k = D.size(); k-- > 0;)
    if (D[k] <= best + tol) return arg[k];
  return bins;
}

/// Which KL search Entropy runs.
enum class EntropyMethod : std::uint8_t {
  tensorrt,  ///< pytorch-quantization / TensorRT (the only one implemented)
};

struct EntropyOptions {
  std::size_t bins = 2048;     ///< qtz histogram bins; TensorRT's first-batch bins under the tensorrt profile
  std::size_t start_bin = 128;
  std::size_t stride = 1;
  std::size_t levels = 0;  ///< 0: 2^(b-1) for signed formats, 2^b for unsigned (from configure())
  EntropyMethod method = EntropyMethod::tensorrt;
  std::size_t trt_max_bins = TrtHistogram::default_max_bins;  ///< cap of TensorRT's growing histogram
};

/// KL-divergence calibrator (see the header comment).
class Entropy {
 public:
  static constexpr bool mergeable = true;
  using Options = EntropyOptions;

  explicit Entropy(Options o = {}) : opt_(o), slots_("Entropy", o.bins, false) {
    if (o.start_bin < 1 || o.start_bin > o.bins || o.stride < 1) {
      throw std::invalid_argument("qtz: Entropy: start_bin = " + std::to_string(o.start_bin) + ", stride = " +
                                  std::to_string(o.stride) + " with bins = " + std::to_string(o.bins) +
                                  " are invalid; allowed: 1 <= start_bin <= bins, stride >= 1");
    }
    slots_.set_trt_max_bins(o.trt_max_bins);
  }

  /// Format (levels), scheme (how T becomes a range) and profile (which histogram); see
  /// histogram_calibrator.hpp.
  void configure(const QuantSpec& spec) {
    slots_.configure(spec);
    spec_ = spec;
  }
  const QuantSpec& spec() const noexcept { return spec_; }
  const Options& options() const noexcept { return opt_; }

  void observe(const float* x, const Shape& shape, Layout layout, const Granularity& g) {
    slots_.observe(x, shape, layout, g);
  }
  void reset() noexcept { slots_.reset(); }
  void merge(const Entropy& o) { slots_.merge(o.slots_); }

  std::uint64_t finite_count() const noexcept { return slots_.finite_count(); }
  std::uint64_t nonfinite_count() const noexcept { return slots_.nonfinite_count(); }
  std::size_t slots() const noexcept { return slots_.slots(); }
  const detail::HistogramSlots& histograms() const noexcept { return slots_; }

  /// The chosen bin i of every slot (T = edge[i]); 0 for a slot that saw only zeros.
  std::vector<std::size_t> threshold_bins() const {
    slots_.require_range();
    std::vector<std::size_t> r(slots_.slots());
    for (std::size_t s = 0; s < r.size(); ++s) r[s] = bin(s);
    return r;
  }
  /// The threshold T of every slot.
  std::vector<float> thresholds() const {
    slots_.require_range();
    std::vector<float> r(slots_.slots());
    for (std::size_t s = 0; s < r.size(); ++s) {
      const std::size_t i = bin(s);
      r[s] = i == 0 ? 0.0f : (slots_.tensorrt() ? slots_.trt_histogram(s).edge(i) : slots_.histogram(s).edge(i));
    }
    return r;
  }
  std::vector<float> lo() const { return range(true); }
  std::vector<float> hi() const { return range(false); }

 private:
  std::size_t levels() const noexcept { return opt_.levels ? opt_.levels : detail::default_levels(spec_.format); }
  std::size_t bin(std::size_t s) const {
    if (slots_.tensorrt()) {
      const TrtHistogram& t = slots_.trt_histogram(s);
      if (!t.started()) return 0;
      return entropy_threshold_bin(t.counts().data(), t.bins(), levels(), opt_.start_bin, opt_.stride, true);
    }
    const Histogram& h = slots_.histogram(s);
    if (!h.has_width()) return 0;
    return entropy_threshold_bin(h.positive().data(), h.bins(), levels(), opt_.start_bin, opt_.stride, false);
  }
  std::vector<float> range(bool low) const {
    const std::vector<float> T = thresholds();
    std::vector<float> r(T.size());
    for (std::size_t s = 0; s < T.size(); ++s) {
      const auto lh = range_from_threshold(T[s], slots_.min(s), slots_.max(s), spec_);
      r[s] = low ? lh.first : lh.second;
    }
    return r;
  }

  Options opt_;
  QuantSpec spec_{};
  detail::HistogramSlots slots_;
};

}  // namespace qtz
