// What the histogram calibrators (Percentile, Entropy, Mse) share: one histogram per slot (per tensor
// or per channel along any axis), the finite min/max of every slot, counts of finite and skipped
// non-finite values, the choice between qtz's histogram and TensorRT's, and the rule that turns a
// threshold T into a range (DESIGN §5, docs/quantization.md §7).
//
// How a calibrator knows the profile: `configure(const QuantSpec&)`, which qtz::Quantizer calls in
// its constructor (standalone users call it themselves; the default is QuantSpec{}: int8,
// asymmetric, the qtz profile). Compat::tensorrt selects TensorRT's histogram; every other profile
// uses qtz's. The profile must be fixed before the first observe(): changing the histogram kind
// afterwards throws std::logic_error. reset() keeps the configuration.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "qtz/calib/histogram.hpp"
#include "qtz/calib/trt_histogram.hpp"
#include "qtz/core/params.hpp"
#include "qtz/core/shape.hpp"
#include "qtz/kernels/scalar/minmax.hpp"
#include "qtz/quant/ops.hpp"

namespace qtz {

/// The range [lo, hi] for a threshold T (DESIGN §5, docs/quantization.md eq. (29)): symmetric schemes give [-T, T] ([0, T] for an
/// unsigned format on non-negative data, as TensorRT's unsigned quantization needs); asymmetric
/// schemes clip the observed range, [max(min x, -T), min(max x, T)] (never lo > hi).
inline std::pair<float, float> range_from_threshold(float T, float min_x, float max_x, const QuantSpec& spec) {
  if (spec.scheme != Scheme::asymmetric) {
    if (!spec.format.is_signed && min_x >= 0.0f) return {0.0f, T};
    return {-T, T};
  }
  float lo = std::max(min_x, -T), hi = std::min(max_x, T);
  if (lo > hi) {  // T below all the (one-sided) data: the range collapses onto T
    if (min_x > 0.0f) lo = hi;
    else hi = lo;
  }
  return {lo, hi};
}

namespace detail {

/// The min/max kernel the histogram calibrators call (one switch point): the dispatcher's entry point
/// (qtz/dispatch/dispatch.hpp, active ISA), same results as kernels::scalar::minmax.
inline kernels::MinMaxResult calib_minmax(const float* x, std::size_t n) noexcept { return kernels::minmax(x, n); }

/// Per-slot histograms with the finite min/max and the value counts of every slot.
class HistogramSlots {
 public:
  HistogramSlots(const char* name, std::size_t bins, bool two_sided) : name_(name), bins_(bins), two_sided_(two_sided) {
    (void)Histogram(bins, two_sided);  // validates bins
  }

  /// Fixes the histogram kind from the profile; throws std::logic_error once data was observed
  /// with the other kind.
  void configure(const QuantSpec& spec) {
    const bool trt = spec.compat == Compat::tensorrt;
    if (trt != trt_ && !min_.empty()) {
      throw std::logic_error(std::string("qtz: ") + name_ +
                             ": the profile (and with it the histogram) cannot change after observe(); call reset() first");
    }
    trt_ = trt;
  }
  bool tensorrt() const noexcept { return trt_; }

  void observe(const float* x, const Shape& shape, Layout layout, const Granularity& g) {
    if (g.kind == Granularity::Kind::group) {
      throw std::invalid_argument(std::string("qtz: ") + name_ +
                                  " calibrates per tensor or per channel; per group is supported by MinMax only");
    }
    const std::size_t slots = element_count(scale_shape(shape, g));
    if (!min_.empty() && slots != min_.size()) {
      throw std::invalid_argument(std::string("qtz: ") + name_ + " calibrator: this batch has " +
                                  std::to_string(slots) + " parameter slots, earlier batches had " +
                                  std::to_string(min_.size()) + " (the channel axis changed)");
    }
    if (min_.empty()) {
      min_.assign(slots, std::numeric_limits<float>::infinity());
      max_.assign(slots, -std::numeric_limits<float>::infinity());
      if (trt_) trt_hist_.assign(slots, TrtHistogram(bins_, std::max(bins_, trt_max_bins_)));
      else hist_.assign(slots, Histogram(bins_, two_sided_));
    }
    if (shape.size() == 0) return;
    const CanonicalView v = canonical_view(shape, layout, g);
    if (!trt_ && v.kind == Granularity::Kind::channel && v.inner == 1) {
      observe_channel_innermost(x, v.outer, v.channels);
      return;
    }
    if (!trt_ || g.kind == Granularity::Kind::tensor) {  // one run per slot and batch (TensorRT), or any runs (qtz)
      Runs f{x, *this};
      detail::for_each_segment(v, f);
      return;
    }
    // TensorRT's histogram is order dependent: one collect() per slot and batch, so gather each slot first.
    std::vector<std::vector<float>> buf(slots);
    Gather f{x, buf};
    detail::for_each_segment(v, f);
    for (std::size_t s = 0; s < slots; ++s) run(buf[s].data(), buf[s].size(), s);
  }

  void reset() noexcept {
    hist_.clear();
    trt_hist_.clear();
    min_.clear();
    max_.clear();
    finite_ = nonfinite_ = 0;
  }

  void merge(const HistogramSlots& o) {
    if (trt_ || o.trt_) {
      throw std::logic_error(std::string("qtz: ") + name_ +
                             "::merge: TensorRT's histogram depends on the batch order and cannot be merged "
                             "(use the qtz profile's histogram)");
    }
    if (o.min_.empty()) return;
    if (min_.empty()) {
      *this = o;
      return;
    }
    if (o.min_.size() != min_.size() || o.bins_ != bins_ || o.two_sided_ != two_sided_) {
      throw std::invalid_argument(std::string("qtz: ") + name_ + "::merge: slot counts or histogram bins differ (" +
                                  std::to_string(min_.size()) + " vs " + std::to_string(o.min_.size()) + " slots)");
    }
    for (std::size_t s = 0; s < min_.size(); ++s) {
      hist_[s].merge(o.hist_[s]);
      min_[s] = std::min(min_[s], o.min_[s]);
      max_[s] = std::max(max_[s], o.max_[s]);
    }
    finite_ += o.finite_;
    nonfinite_ += o.nonfinite_;
  }

  std::size_t slots() const noexcept { return min_.size(); }
  std::uint64_t finite_count() const noexcept { return finite_; }
  std::uint64_t nonfinite_count() const noexcept { return nonfinite_; }
  const Histogram& histogram(std::size_t s) const { return hist_.at(s); }
  const TrtHistogram& trt_histogram(std::size_t s) const { return trt_hist_.at(s); }
  float min(std::size_t s) const noexcept { return min_[s]; }
  float max(std::size_t s) const noexcept { return max_[s]; }
  float absmax(std::size_t s) const noexcept { return std::max(-min_[s], max_[s]); }

  /// Throws std::logic_error when nothing was observed or a slot saw no finite value.
  void require_range() const {
    if (min_.empty()) throw std::logic_error(std::string("qtz: ") + name_ + " calibrator has observed nothing; call observe() first");
    for (std::size_t s = 0; s < min_.size(); ++s) {
      if (min_[s] > max_[s]) {
        throw std::logic_error(std::string("qtz: ") + name_ + " calibrator: slot " + std::to_string(s) +
                               " has seen no finite value, so it has no range");
      }
    }
  }

  std::size_t bins() const noexcept { return bins_; }
  /// Cap on the bins of TensorRT's growing histogram (std::length_error beyond it).
  void set_trt_max_bins(std::size_t max_bins) noexcept { trt_max_bins_ = max_bins; }

 private:
  // One run of one slot. qtz's histogram reads the data once: chunks of `chunk` elements (they stay
  // in cache) get their min/max (counts, range, |x| max), widen the histogram if needed, and are
  // counted right away; widening merges bin pairs exactly (histogram.hpp), so the counts equal those
  // of a min/max pass over the whole run followed by one histogram pass. TensorRT's histogram needs
  // the run's max before its first count (the first batch fixes the width), so it keeps two passes.
  void run(const float* x, std::size_t n, std::size_t s) {
    if (trt_) {
      const kernels::MinMaxResult r = calib_minmax(x, n);
      if (!account(r, s)) return;
      trt_hist_[s].collect(x, n, std::max(-r.min, r.max), r.finite);
      return;
    }
    Histogram& h = hist_[s];
    if (n < accumulate_min_ * (two_sided_ ? 2 : 1) * bins_) {  // short runs: the sub-histograms would not pay off
      const kernels::MinMaxResult r = calib_minmax(x, n);
      if (account(r, s)) h.add(x, n, std::max(-r.min, r.max));
      return;
    }
    Histogram::Accumulator acc(h, sub_);
    for (std::size_t b = 0; b < n; b += chunk) {
      const std::size_t m = std::min(chunk, n - b);
      const kernels::MinMaxResult r = calib_minmax(x + b, m);
      if (account(r, s)) acc.add(x + b, m, std::max(-r.min, r.max));
    }
  }
  // Adds a min/max result to the slot; false when it holds no finite value.
  bool account(const kernels::MinMaxResult& r, std::size_t s) noexcept {
    finite_ += r.finite;
    nonfinite_ += r.nonfinite;
    if (r.finite == 0) return false;
    if (r.min < min_[s]) min_[s] = r.min;
    if (r.max > max_[s]) max_[s] = r.max;
    return true;
  }

  // Per channel with the channel axis innermost in memory ([rows, C] row-major): transposes blocks
  // of rows into per-channel scratch so that every channel's run is contiguous, then one run per
  // channel and block (qtz's histogram: any split of a slot's data gives the same counts).
  void observe_channel_innermost(const float* x, std::size_t rows, std::size_t C) {
    // as many rows as 1 MiB of scratch holds (256 rows for 1024 channels): longer runs per channel
    // cost less per element
    const std::size_t block = std::min(rows, std::max<std::size_t>(1, (std::size_t{1} << 18) / C));
    const std::size_t ld = block + 16;  // padded row stride: power-of-two strides alias in the cache
    std::vector<float> t(ld * C);
    for (std::size_t r0 = 0; r0 < rows; r0 += block) {
      const std::size_t m = std::min(block, rows - r0);
      for (std::size_t c0 = 0; c0 < C; c0 += 64) {  // 64-channel tiles: the written lines stay in L1
        const std::size_t c1 = std::min(C, c0 + 64);
        for (std::size_t r = 0; r < m; ++r) {
          const float* row = x + (r0 + r) * C;
          for (std::size_t c = c0; c < c1; ++c) t[c * ld + r] = row[c];
        }
      }
      for (std::size_t c = 0; c < C; ++c) run(t.data() + c * ld, m, c);
    }
  }

  static constexpr std::size_t chunk = 16384;           ///< elements per cache-resident chunk (64 KiB)
  static constexpr std::size_t accumulate_min_ = 4;     ///< runs of >= 4·bins per side use the sub-histograms

  struct Runs {
    const float* x;
    HistogramSlots& self;
    void uniform(std::size_t off, std::size_t n, std::size_t pi) const { self.run(x + off, n, pi); }
    void vector(std::size_t off, std::size_t n, std::size_t pi) const {
      for (std::size_t k = 0; k < n; ++k) self.run(x + off + k, 1, pi + k);
    }
  };
  struct Gather {
    const float* x;
    std::vector<std::vector<float>>& buf;
    void uniform(std::size_t off, std::size_t n, std::size_t pi) const {
      buf[pi].insert(buf[pi].end(), x + off, x + off + n);
    }
    void vector(std::size_t off, std::size_t n, std::size_t pi) const {
      for (std::size_t k = 0; k < n; ++k) buf[pi + k].push_back(x[off + k]);
    }
  };

  const char* name_;
  std::size_t bins_;
  bool two_sided_;
  bool trt_ = false;
  std::size_t trt_max_bins_ = TrtHistogram::default_max_bins;
  std::vector<Histogram> hist_;
  std::vector<TrtHistogram> trt_hist_;
  std::vector<float> min_, max_;
  std::uint64_t finite_ = 0, nonfinite_ = 0;
  std::vector<std::uint32_t> sub_;  // the accumulator's sub-histograms (scratch, not state)
};

/// Levels of the KL search: 2^(b-1) for a signed format, 2^b unsigned (pytorch-quantization's
/// 1 << (num_bits - 1 + unsigned)).
inline std::size_t default_levels(const Format& f) noexcept {
  return std::size_t{1} << (f.is_signed ? f.bits - 1 : f.bits);
}

}  // namespace detail
}  // namespace qtz
