// Mse calibrator: TensorRT's bin-centre search (pytorch-quantization calib/histogram.py
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
// PyTorch's HistogramObserver L2 search is not implemented.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "qtz/calib/histogram_calibrator.hpp"
#include "qtz/core/profile.hpp"
#include "qtz/kernels/scalar/quantize.hpp"

namespace qtz {

struct MseOptions {
  std::size_t bins = 2048;
  std::size_t start_bin = 128;
  std::size_t stride = 1;
  std::size_t trt_max_bins = TrtHistogram::default_max_bins;
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
  std::vector<std::size_t> threshold_bins() const {
    slots_.require_range();
    std::vector<std::size_t> r(slots_.slots());
    for (std::size_t s = 0; s < r.size(); ++s) r[s] = bin(s);
    return r;
  }
  std::vector<float> thresholds() const {
    slots_.require_range();
    std::vector<float> r(slots_.slots());
    for (std::size_t s = 0; s < r.size(); ++s) r[s] = threshold(s, bin(s));
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

  std::size_t bin(std::size_t s) const {
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
    std::size_t best_i = opt_.start_bin;
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t i = opt_.start_bin; i < n; i += opt_.stride) {
      const float T = threshold(s, i);
      const auto lh = range_from_threshold(T, slots_.min(s), slots_.max(s), qs);
      const ChannelParams p = choose_params(lh.first, lh.second, qs);
      double err = 0;
      for (std::size_t k = 0; k < cv.size(); ++k) {
        const std::int32_t q = kernels::scalar::quantize_value(cv[k], p.scale, p.inv_scale, p.zero_point, cfg, 0);
        const float fq = kernels::scalar::dequantize_value(q, p.scale, p.inv_scale, p.zero_point, cfg.dequant_op);
        const double d = static_cast<double>(fq) - static_cast<double>(cv[k]);
        err += d * d * cc[k];
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
      const auto lh = range_from_threshold(threshold(s, bin(s)), slots_.min(s), slots_.max(s), spec_);
      r[s] = low ? lh.first : lh.second;
    }
    return r;
  }

  Options opt_;
  QuantSpec spec_{};
  detail::HistogramSlots slots_;
};

}  // namespace qtz
