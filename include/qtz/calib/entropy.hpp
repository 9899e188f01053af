// Entropy calibrator (docs/quantization.md eqs. (25), (26)): TensorRT's KL-divergence threshold search (pytorch-quantization
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

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
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

/// ONNX Runtime's KL search (calibrate.py HistogramCalibrater.get_entropy_threshold, MXNet lineage;
/// reference-semantics.md §2.3; docs/quantization.md eq. (26)) on a signed histogram hist[0..n) whose
/// bin n/2 starts at 0. For i = nq/2, ..., n/2 (nq = num_quantized_bins, z = n/2):
///   window hist[z-i : e), e = min(z+i+1, n) (2i+1 bins: one more right of zero than left);
///   P = the window with the counts left of it added to P[0] and right of it to P[-1];
///   m = len/nq; level g sums the window's (not P's) bins [g·m, (g+1)·m), the last level also the
///   remainder; Q[j] = int64(level total / number of non-zero P bins in the level) on every bin of
///   a level with non-zero P bins (truncated, as ORT's int64 array does), 0 on the remainder bins;
///   P and Q smoothed: zeros -> eps = 1e-4, eps·(zeros / non-zeros) taken from every non-zero;
///   D(i) = KL(P/sum P || Q/sum Q), +inf when P or Q is all zeros.
/// Returns the first i of minimal D (numpy argmin). The window is bins [z-i, e): the range is
/// (edge[z-i], edge[e]), then clipped to the data's [min, max] by the caller. Computed in double;
/// ORT evaluates the KL sum in float32 (its own `entropy`), so candidates whose D agree to float32
/// precision may be ordered differently (none in the committed reference cases). O(n) per candidate.
inline std::size_t ort_entropy_threshold_index(const std::uint64_t* hist, std::size_t n, std::size_t nq) {
  if (n < 2 || nq < 2 || nq > n) {
    throw std::invalid_argument("qtz: ONNX Runtime entropy search: bins = " + std::to_string(n) +
                                ", num_quantized_bins = " + std::to_string(nq) +
                                " are invalid; allowed: bins >= 2, 2 <= num_quantized_bins <= bins");
  }
  const std::size_t z = n / 2, h = nq / 2;
  constexpr double eps = 0.0001;
  std::vector<double> pre(n + 1, 0.0);  // prefix sums of the counts (exact below 2^53)
  for (std::size_t j = 0; j < n; ++j) pre[j + 1] = pre[j] + static_cast<double>(hist[j]);
  std::vector<double> P, Q;
  std::vector<unsigned char> nz;
  const double inf = std::numeric_limits<double>::infinity();
  double best = inf;
  std::size_t best_i = h;
  bool first = true;
  // smooths v in place (ORT smooth_distribution); false when v is all zeros
  auto smooth = [&](std::vector<double>& v) {
    std::size_t zeros = 0;
    for (double x : v) zeros += x == 0.0 ? 1 : 0;
    const std::size_t nonzeros = v.size() - zeros;
    if (nonzeros == 0) return false;
    const double eps1 = eps * static_cast<double>(zeros) / static_cast<double>(nonzeros);
    for (double& x : v) x = x == 0.0 ? eps : x - eps1;
    return true;
  };
  for (std::size_t i = h; i <= z; ++i) {
    const std::size_t s = z - i, e = std::min(z + i + 1, n), len = e - s;
    P.assign(hist + s, hist + e);
    P.front() += pre[s];
    P.back() += pre[n] - pre[e];
    nz.assign(len, 0);
    for (std::size_t j = 0; j < len; ++j) nz[j] = P[j] != 0.0 ? 1 : 0;
    const std::size_t m = len / nq;
    Q.assign(len, 0.0);
    for (std::size_t g = 0; g < nq; ++g) {
      const std::size_t a = g * m, b = a + m;
      double total = pre[s + b] - pre[s + a];
      if (g + 1 == nq) total += pre[e] - pre[s + nq * m];
      std::size_t norm = 0;
      for (std::size_t j = a; j < b; ++j) norm += nz[j];
      if (norm == 0) continue;
      const double q = std::trunc(total / static_cast<double>(norm));
      for (std::size_t j = a; j < b; ++j) Q[j] = q;
    }
    double d = inf;
    if (smooth(P) && smooth(Q)) {
      double sp = 0, sq = 0;
      for (std::size_t j = 0; j < len; ++j) sp += P[j], sq += Q[j];
      d = 0;
      for (std::size_t j = 0; j < len; ++j) {
        const double p = P[j] / sp, q = Q[j] / sq;
        d += p * std::log(p / q);
      }
    }
    if (first || d < best) {
      best = d;
      best_i = i;
      first = false;
    }
  }
  return best_i;
}

/// Which KL search Entropy runs.
enum class EntropyMethod : std::uint8_t {
  tensorrt,     ///< pytorch-quantization / TensorRT (|x| histogram; DESIGN §5)
  onnxruntime,  ///< ONNX Runtime's get_entropy_threshold on qtz's signed histogram (asymmetric thresholds)
};

struct EntropyOptions {
  std::size_t bins = 2048;     ///< qtz histogram bins; TensorRT's first-batch bins under the tensorrt profile
  std::size_t start_bin = 128;
  std::size_t stride = 1;
  /// tensorrt: 0 means 2^(b-1) for signed formats, 2^b unsigned (from configure()).
  /// onnxruntime: num_quantized_bins; 0 means ORT's default 128.
  std::size_t levels = 0;
  /// onnxruntime: the search runs on qtz's two-sided histogram (2·bins signed bins, zero at bin
  /// `bins`); start_bin and stride do not apply; the tensorrt profile is rejected by configure().
  EntropyMethod method = EntropyMethod::tensorrt;
  std::size_t trt_max_bins = TrtHistogram::default_max_bins;  ///< cap of TensorRT's growing histogram
};

/// KL-divergence calibrator (see the header comment).
class Entropy {
 public:
  static constexpr bool mergeable = true;
  using Options = EntropyOptions;

  explicit Entropy(Options o = {}) : opt_(o), slots_("Entropy", o.bins, o.method == EntropyMethod::onnxruntime) {
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
    if (opt_.method == EntropyMethod::onnxruntime && spec.compat == Compat::tensorrt) {
      throw std::invalid_argument(
          "qtz: Entropy: method = onnxruntime runs on qtz's histogram; the tensorrt profile's histogram is for "
          "method = tensorrt only");
    }
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
  /// onnxruntime: the chosen window half-width i (window [-i·w, (i+1)·w) before clipping).
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
      if (opt_.method == EntropyMethod::onnxruntime) {
        const auto lh = ort_window(s);
        r[s] = std::max(-lh.first, lh.second);
        continue;
      }
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
    if (opt_.method == EntropyMethod::onnxruntime) {
      const Histogram& h = slots_.histogram(s);
      if (!h.has_width()) return 0;
      const std::size_t B = h.bins();
      std::vector<std::uint64_t> sh(2 * B);  // signed bins: neg[B-1], ..., neg[0], pos[0], ..., pos[B-1]
      for (std::size_t j = 0; j < B; ++j) {
        sh[j] = h.negative()[B - 1 - j];
        sh[B + j] = h.positive()[j];
      }
      return ort_entropy_threshold_index(sh.data(), 2 * B, opt_.levels ? opt_.levels : 128);
    }
    if (slots_.tensorrt()) {
      const TrtHistogram& t = slots_.trt_histogram(s);
      if (!t.started()) return 0;
      return entropy_threshold_bin(t.counts().data(), t.bins(), levels(), opt_.start_bin, opt_.stride, true);
    }
    const Histogram& h = slots_.histogram(s);
    if (!h.has_width()) return 0;
    return entropy_threshold_bin(h.positive().data(), h.bins(), levels(), opt_.start_bin, opt_.stride, false);
  }
  // ONNX Runtime's range: the window (edge[z - i], edge[min(z + i + 1, n)]) = (-i·w, min(i + 1, B)·w),
  // clipped to the data's [min, max].
  std::pair<float, float> ort_window(std::size_t s) const {
    const Histogram& h = slots_.histogram(s);
    const float mn = slots_.min(s), mx = slots_.max(s);
    if (!h.has_width()) return {mn, mx};  // zeros only
    const std::size_t i = bin(s);
    const float lo = -h.edge(i), hi = h.edge(std::min(i + 1, h.bins()));
    return {std::max(lo, mn) + 0.0f, std::min(hi, mx) + 0.0f};
  }
  std::vector<float> range(bool low) const {
    if (opt_.method == EntropyMethod::onnxruntime) {
      slots_.require_range();
      std::vector<float> r(slots_.slots());
      for (std::size_t s = 0; s < r.size(); ++s) {
        auto lh = ort_window(s);
        if (spec_.scheme != Scheme::asymmetric) lh = range_from_threshold(std::max(-lh.first, lh.second), lh.first, lh.second, spec_);
        r[s] = low ? lh.first : lh.second;
      }
      return r;
    }
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
