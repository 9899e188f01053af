// Mse calibrator (docs/quantization.md eqs. (27), (28)): TensorRT's bin-centre search (pytorch-quantization calib/histogram.py
// `_compute_amax_mse`; DESIGN §5, docs/quantization.md §7).
//
// For every candidate i = start_bin, start_bin + stride, ... < bins, the threshold T = c[i] (the centre
// of bin i); all bin centres are quantized and dequantized with the parameters the active
// profile/scheme/format derives from T's range, and the error is sum_k count_k (fq(c_k) - c_k)^2.
// The first minimum wins; T = c[argmin] (a bin centre).
//   qtz histogram: c_k = (k + 1/2)·w, exact; symmetric schemes use the |x| counts and the range of
//     range_from_threshold(T); asymmetric schemes quantize the centres of both signs (-c_k for the
//     x < 0 counts) with the clipped range [max(min x, -T), min(max x, T)]. Mergeable, order independent.
//   tensorrt profile: TensorRT's histogram and centres fl((e[k] + e[k+1]) / 2), quantized as
//     fake_tensor_quant(c, amax = c[i]) with narrow_range: R = fl(max_bound / amax),
//     q = clamp(round_half_even(fl(c·R)), -max_bound, max_bound), fq = fl(q / R); each term
//     fl(fl(d·d)·count) in float32 as torch evaluates it, summed in double.
// Speed (qtz histogram): each candidate fake-quantizes all centres with the dispatcher's
// fake_quantize_uniform (bit-identical to the scalar spec, SIMD where available), centres sorted by
// decreasing count and the error accumulated block by block; a candidate stops as soon as its
// partial error exceeds the best so far (all terms are >= 0, and only a strictly smaller error can
// win, so the chosen bin is unchanged).
//
// method = pytorch: PyTorch's HistogramObserver search (`_non_linear_param_search`, a port of caffe2
// NormMinimization; reference-semantics.md §2.1; docs/quantization.md eq. (28)) run on qtz's exact
// two-sided histogram laid out as 2B signed bins of width w over [-B·w, B·w) — PyTorch's search on
// qtz's histogram, not bit-exact with HistogramObserver, whose own histogram (histc over [min, max],
// re-binned at every range growth) differs. See pytorch_l2_search below.
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
#include "qtz/core/profile.hpp"
#include "qtz/kernels/scalar/quantize.hpp"

namespace qtz {

/// PyTorch's L2 search (HistogramObserver._non_linear_param_search) on a histogram of `bins` bins of
/// width `bin_width`, the first bin's left edge being the origin of the result:
///   alpha = 0, beta = 1, [s, e] = [0, bins - 1], norm_min = inf; while alpha < beta:
///     l = the first bin from s (l < e) with cumsum[l] >= (alpha + 1e-5)·total,
///     r = the last bin from e down (r > s) with cumsum[r] <= (beta - 1e-5)·total;
///     move the side that drops more bins (the start if l - s > e - r, else the end) and its bound by 1e-5;
///     unchanged [s, e]: next step; else norm = L2 error of [s, e]; stop at the first norm > norm_min.
/// L2 error of [s, e] (`_compute_quantization_error`): dst_nbins destination bins of width
/// dw = w·(e - s + 1)/dst_nbins; each source bin k spreads its count uniformly (density c_k / w) over
/// [b, b + w), b = (k - s)·w, and a value's error is its distance to its (clamped) destination bin's
/// centre: norm = sum_k density·(integral of x² over the pieces) with (end³ - begin³)/3 per piece.
/// Returns {s, e}: the range is [origin + s·w, origin + (e + 1)·w]. Computed in double.
inline std::pair<std::size_t, std::size_t> pytorch_l2_search(const std::uint64_t* hist, std::size_t bins,
                                                             double bin_width, std::size_t dst_nbins) {
  if (bins < 1 || dst_nbins < 1 || !(bin_width > 0)) {
    throw std::invalid_argument("qtz: PyTorch L2 search: bins = " + std::to_string(bins) + ", dst_nbins = " +
                                std::to_string(dst_nbins) + " are invalid; allowed: >= 1, with a positive bin width");
  }
  std::vector<double> csum(bins);
  double total = 0;
  for (std::size_t k = 0; k < bins; ++k) csum[k] = total += static_cast<double>(hist[k]);
  const double bw = bin_width, D = static_cast<double>(dst_nbins);
  auto get_norm = [](double b, double e, double density) { return density * ((e * e * e - b * b * b) / 3); };
  auto error = [&](std::size_t s, std::size_t e) {
    const double dw = bw * static_cast<double>(e - s + 1) / D;
    if (dw == 0.0) return 0.0;
    double norm = 0;
    for (std::size_t k = 0; k < bins; ++k) {
      if (hist[k] == 0) continue;  // density 0: every term is 0
      const double b = (static_cast<double>(k) - static_cast<double>(s)) * bw, en = b + bw;
      const double db = std::min(std::max(std::floor(b / dw), 0.0), D - 1);
      const double de = std::min(std::max(std::floor(en / dw), 0.0), D - 1);
      const double density = static_cast<double>(hist[k]) / bw;
      double n = get_norm(b - (db + 0.5) * dw, dw / 2, density);
      n += (de - db - 1) * get_norm(-dw / 2, dw / 2, density);
      n += get_norm(-dw / 2, en - (de * dw + dw / 2), density);
      norm += n;
    }
    return norm;
  };
  const double step = 1e-5;
  double alpha = 0.0, beta = 1.0, norm_min = std::numeric_limits<double>::infinity();
  std::size_t s = 0, e = bins - 1;
  while (alpha < beta) {
    const double next_alpha = alpha + step, next_beta = beta - step;
    std::size_t l = s, r = e;
    while (l < e && csum[l] < next_alpha * total) ++l;
    while (r > s && csum[r] > next_beta * total) --r;
    std::size_t ns = s, ne = e;
    if (l - s > e - r) {
      ns = l;
      alpha = next_alpha;
    } else {
      ne = r;
      beta = next_beta;
    }
    if (ns == s && ne == e) continue;
    const double norm = error(ns, ne);
    if (norm > norm_min) break;
    norm_min = norm;
    s = ns;
    e = ne;
  }
  return {s, e};
}

/// Which search Mse runs.
enum class MseMethod : std::uint8_t {
  tensorrt,  ///< TensorRT's bin-centre search (DESIGN §5), qtz or tensorrt histogram
  pytorch,   ///< PyTorch's HistogramObserver L2 search on qtz's histogram (qtz histogram only)
};

struct MseOptions {
  std::size_t bins = 2048;
  std::size_t start_bin = 128;
  std::size_t stride = 1;
  std::size_t trt_max_bins = TrtHistogram::default_max_bins;
  MseMethod method = MseMethod::tensorrt;
  /// pytorch: destination bins of the L2 error model; 0 means 2^bits of the format (PyTorch's
  /// 2 ** iinfo(dtype).bits = 256 for 8-bit formats, whatever the quant range).
  std::size_t dst_nbins = 0;
};

class Mse {
 public:
  static constexpr bool mergeable = true;
  using Options = MseOptions;

  explicit Mse(Options o = {}) : opt_(o), slots_("Mse", o.bins, true) {
    if (o.start_bin >= o.bins || o.stride < 1) {
      throw std::invalid_argument("qtz: Mse: start_bin = " + std::to_string(o.start_bin) + ", stride = " +
                                  std::to_string(o.stride) + " with bins = " + std::to_string(o.bins) +
                                  " are invalid; allowed: start_bin < bins, stride >= 1");
    }
    slots_.set_trt_max_bins(o.trt_max_bins);
  }

  void configure(const QuantSpec& spec) {
    if (opt_.method == MseMethod::pytorch && spec.compat == Compat::tensorrt) {
      throw std::invalid_argument(
          "qtz: Mse: method = pytorch runs on qtz's histogram; the tensorrt profile's histogram is for "
          "method = tensorrt only");
    }
    (void)profile_rules(spec);  // rejects combinations the profile does not define
    slots_.configure(spec);
    spec_ = spec;
  }
  const QuantSpec& spec() const noexcept { return spec_; }

  void observe(const float* x, const Shape& shape, Layout layout, const Granularity& g) {
    slots_.observe(x, shape, layout, g);
  }
  void reset() noexcept { slots_.reset(); }
  void merge(const Mse& o) { slots_.merge(o.slots_); }

  std::uint64_t finite_count() const noexcept { return slots_.finite_count(); }
  std::uint64_t nonfinite_count() const noexcept { return slots_.nonfinite_count(); }
  std::size_t slots() const noexcept { return slots_.slots(); }
  const detail::HistogramSlots& histograms() const noexcept { return slots_; }

  /// The chosen centre index per slot (0 for a slot that saw only zeros).
  /// pytorch: the chosen end bin e of the signed histogram (bin B holds [0, w)).
  std::vector<std::size_t> threshold_bins() const {
    slots_.require_range();
    std::vector<std::size_t> r(slots_.slots());
    for (std::size_t s = 0; s < r.size(); ++s) r[s] = bin(s);
    return r;
  }
  std::vector<float> thresholds() const {
    slots_.require_range();
    std::vector<float> r(slots_.slots());
    for (std::size_t s = 0; s < r.size(); ++s) {
      if (opt_.method == MseMethod::pytorch) {
        const auto lh = l2_range(s);
        r[s] = std::max(-lh.first, lh.second);
      } else {
        r[s] = threshold(s, bin(s));
      }
    }
    return r;
  }
  std::vector<float> lo() const { return range(true); }
  std::vector<float> hi() const { return range(false); }

 private:
  float threshold(std::size_t s, std::size_t i) const {
    if (slots_.tensorrt()) {
      const TrtHistogram& t = slots_.trt_histogram(s);
      return t.started() ? t.centre(i) : 0.0f;
    }
    const Histogram& h = slots_.histogram(s);
    return h.has_width() ? static_cast<float>(std::ldexp(static_cast<double>(i) + 0.5, h.exponent())) : 0.0f;
  }

  // PyTorch's search on the signed bins neg[B-1], ..., neg[0], pos[0], ..., pos[B-1] (origin -B·w).
  std::pair<std::size_t, std::size_t> l2_bins(std::size_t s) const {
    const Histogram& h = slots_.histogram(s);
    const std::size_t B = h.bins();
    std::vector<std::uint64_t> sh(2 * B);
    for (std::size_t j = 0; j < B; ++j) {
      sh[j] = h.negative()[B - 1 - j];
      sh[B + j] = h.positive()[j];
    }
    const std::size_t dst = opt_.dst_nbins ? opt_.dst_nbins : (std::size_t{1} << spec_.format.bits);
    return pytorch_l2_search(sh.data(), 2 * B, h.width(), dst);
  }
  // [-B·w + s·w, -B·w + (e + 1)·w], clipped to the data's [min, max] (the histogram's outer edges lie
  // beyond the data, PyTorch's lie on it).
  std::pair<float, float> l2_range(std::size_t s) const {
    const Histogram& h = slots_.histogram(s);
    const float mn = slots_.min(s), mx = slots_.max(s);
    if (!h.has_width()) return {mn, mx};
    const auto se = l2_bins(s);
    const double B = static_cast<double>(h.bins());
    const auto lo = static_cast<float>((static_cast<double>(se.first) - B) * h.width());  // exact: small integer · 2^e
    const auto hi = static_cast<float>((static_cast<double>(se.second) + 1 - B) * h.width());
    return {std::max(lo, mn) + 0.0f, std::min(hi, mx) + 0.0f};
  }

  std::size_t bin(std::size_t s) const {
    if (opt_.method == MseMethod::pytorch) return slots_.histogram(s).has_width() ? l2_bins(s).second : 0;
    return slots_.tensorrt() ? trt_bin(slots_.trt_histogram(s)) : qtz_bin(s);
  }

  std::size_t trt_bin(const TrtHistogram& t) const {
    if (!t.started()) return 0;
    const std::size_t n = t.bins();
    const std::vector<std::uint64_t>& c = t.counts();
    std::vector<std::size_t> nz;
    std::vector<float> centre(n);
    for (std::size_t k = 0; k < n; ++k) {
      centre[k] = t.centre(k);
      if (c[k]) nz.push_back(k);
    }
    const auto mb = static_cast<float>(spec_.format.qmax());
    auto f32 = [](double v) { return static_cast<float>(v); };  // one float32 operation, never contracted
    std::size_t best_i = opt_.start_bin;
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t i = opt_.start_bin; i < n; i += opt_.stride) {
      const float amax = centre[i];
      const float R = f32(static_cast<double>(mb) / static_cast<double>(amax));
      const bool zero = amax <= 5.9604644775390625e-08f;  // amax <= 2^-24: every code 0
      double err = 0;
      for (std::size_t k : nz) {
        float fq = 0.0f;
        if (!zero) {
          const float t_ = f32(static_cast<double>(centre[k]) * static_cast<double>(R));
          float q = static_cast<float>(detail::round_half_even_double(static_cast<double>(t_)));
          q = q > mb ? mb : (q < -mb ? -mb : q);
          fq = f32(static_cast<double>(q) / static_cast<double>(R));
        }
        const float d = f32(static_cast<double>(fq) - static_cast<double>(centre[k]));
        const float d2 = f32(static_cast<double>(d) * static_cast<double>(d));
        err += static_cast<double>(f32(static_cast<double>(d2) * static_cast<double>(c[k])));
      }
      if (err < best) {
        best = err;
        best_i = i;
      }
    }
    return best_i;
  }

  std::size_t qtz_bin(std::size_t s) const {
    const Histogram& h = slots_.histogram(s);
    if (!h.has_width()) return 0;
    const bool asym = spec_.scheme == Scheme::asymmetric;
    const std::size_t n = h.bins();
    const std::vector<std::uint64_t> abs = h.abs_counts();
    // (centre, count) pairs of the non-empty bins, signed for asymmetric schemes
    std::vector<float> cv;
    std::vector<double> cc;
    for (std::size_t k = 0; k < n; ++k) {
      const auto c = static_cast<float>(std::ldexp(static_cast<double>(k) + 0.5, h.exponent()));
      if (asym) {
        if (h.positive()[k]) cv.push_back(c), cc.push_back(static_cast<double>(h.positive()[k]));
        if (h.negative()[k]) cv.push_back(-c), cc.push_back(static_cast<double>(h.negative()[k]));
      } else if (abs[k]) {
        cv.push_back(c);
        cc.push_back(static_cast<double>(abs[k]));
      }
    }
    QuantSpec qs = spec_;
    if (qs.rounding == Rounding::stochastic) qs.rounding = Rounding::half_even;
    const ProfileRules rules = profile_rules(qs);
    const kernels::KernelConfig cfg{rules.qmin, rules.qmax, rules.scale_op, rules.dequant_op, qs.rounding, 0};
    // centres by decreasing count (ties by position: a fixed order), so that partial sums grow fast
    std::vector<std::size_t> order(cv.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cc[a] > cc[b]; });
    std::vector<float> c(cv.size()), fq(cv.size());
    std::vector<double> w(cv.size());
    for (std::size_t k = 0; k < order.size(); ++k) c[k] = cv[order[k]], w[k] = cc[order[k]];
    constexpr std::size_t block = 256;
    std::size_t best_i = opt_.start_bin;
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t i = opt_.start_bin; i < n; i += opt_.stride) {
      const float T = threshold(s, i);
      const auto lh = range_from_threshold(T, slots_.min(s), slots_.max(s), qs);
      const ChannelParams p = choose_params(lh.first, lh.second, qs);
      double err = 0;
      for (std::size_t b = 0; b < c.size() && !(err > best); b += block) {  // err > best: cannot win
        const std::size_t m = std::min(block, c.size() - b);
        kernels::fake_quantize_uniform(c.data() + b, fq.data() + b, nullptr, m, p.scale, p.inv_scale, p.zero_point,
                                       cfg, 0);
        for (std::size_t k = b; k < b + m; ++k) {
          const double d = static_cast<double>(fq[k]) - static_cast<double>(c[k]);
          err += d * d * w[k];
        }
      }
      if (err < best) {
        best = err;
        best_i = i;
      }
    }
    return best_i;
  }

  std::vector<float> range(bool low) const {
    slots_.require_range();
    std::vector<float> r(slots_.slots());
    for (std::size_t s = 0; s < r.size(); ++s) {
      std::pair<float, float> lh;
      if (opt_.method == MseMethod::pytorch) {
        lh = l2_range(s);
        if (spec_.scheme != Scheme::asymmetric) lh = range_from_threshold(std::max(-lh.first, lh.second), lh.first, lh.second, spec_);
      } else {
        lh = range_from_threshold(threshold(s, bin(s)), slots_.min(s), slots_.max(s), spec_);
      }
      r[s] = low ? lh.first : lh.second;
    }
    return r;
  }

  Options opt_;
  QuantSpec spec_{};
  detail::HistogramSlots slots_;
};

}  // namespace qtz
