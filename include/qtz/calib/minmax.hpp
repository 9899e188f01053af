// MinMax calibrator: the running minimum and maximum of the finite values, per tensor, per channel
// or per group (docs/quantization.md §7). Mergeable and independent of batch order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "qtz/core/shape.hpp"
#include "qtz/dispatch/dispatch.hpp"
#include "qtz/quant/ops.hpp"

namespace qtz {

/// Running min/max of the finite values of every batch, one slot per parameter (per tensor: one;
/// per channel: C; per group: the elements of the scale tensor). NaN and +-inf are skipped and
/// counted. `merge(other)` equals observing both streams in one calibrator.
class MinMax {
 public:
  static constexpr bool mergeable = true;

  MinMax() = default;

  /// Observes one batch of `shape` in `layout`, sliced into slots by `g`. Every batch must give
  /// the same number of slots (a per-tensor calibrator accepts any shape).
  void observe(const float* x, const Shape& shape, Layout layout, const Granularity& g) {
    const std::vector<std::int64_t> sshape = scale_shape(shape, g);
    const std::size_t slots = element_count(sshape);
    if (!lo_.empty() && slots != lo_.size()) {
      throw std::invalid_argument("qtz: MinMax calibrator: this batch has " + std::to_string(slots) +
                                  " parameter slots, earlier batches had " + std::to_string(lo_.size()) +
                                  " (the channel axis or group layout changed)");
    }
    if (lo_.empty()) {
      lo_.assign(slots, std::numeric_limits<float>::infinity());
      hi_.assign(slots, -std::numeric_limits<float>::infinity());
    }
    if (shape.size() == 0) return;
    const CanonicalView v = canonical_view(shape, layout, g);
    // Slot of a memory-order parameter index: per-group scale tensors of column-major data are
    // stored transposed relative to their row-major slot numbering.
    std::vector<std::size_t> slot_of;
    if (g.kind == Granularity::Kind::group && layout == Layout::col_major) {
      std::vector<std::size_t> rm(slots);
      std::iota(rm.begin(), rm.end(), std::size_t{0});
      slot_of = detail::row_major_to_memory_order(rm, sshape, layout);
    }
    Segments f{x, *this, slot_of.empty() ? nullptr : slot_of.data()};
    detail::for_each_segment(v, f);
  }

  /// Forgets everything observed.
  void reset() noexcept {
    lo_.clear();
    hi_.clear();
    finite_ = nonfinite_ = 0;
  }

  /// Adds what `other` observed. Both must have the same number of slots (or one be empty).
  void merge(const MinMax& other) {
    if (other.lo_.empty()) return;
    if (lo_.empty()) {
      *this = other;
      return;
    }
    if (other.lo_.size() != lo_.size()) {
      throw std::invalid_argument("qtz: MinMax::merge: slot counts differ (" + std::to_string(lo_.size()) + " vs " +
                                  std::to_string(other.lo_.size()) + ")");
    }
    for (std::size_t i = 0; i < lo_.size(); ++i) update(i, other.lo_[i], other.hi_[i]);
    finite_ += other.finite_;
    nonfinite_ += other.nonfinite_;
  }

  std::uint64_t finite_count() const noexcept { return finite_; }
  std::uint64_t nonfinite_count() const noexcept { return nonfinite_; }
  std::size_t slots() const noexcept { return lo_.size(); }

  /// The observed range of every slot; throws std::logic_error naming the first slot that saw no
  /// finite value (or when nothing was observed).
  std::vector<float> lo() const { return checked(lo_); }
  std::vector<float> hi() const { return checked(hi_); }

  /// The running min/max of every slot without the check: +inf / -inf for a slot that has seen no
  /// finite value (used by MovingAverageMinMax, which needs each batch's per-slot extrema).
  const std::vector<float>& observed_lo() const noexcept { return lo_; }
  const std::vector<float>& observed_hi() const noexcept { return hi_; }

 private:
  struct Segments {
    const float* x;
    MinMax& self;
    const std::size_t* slot_of;
    std::size_t slot(std::size_t i) const noexcept { return slot_of ? slot_of[i] : i; }
    void uniform(std::size_t off, std::size_t n, std::size_t pi) const noexcept {
      const kernels::MinMaxResult r = kernels::minmax(x + off, n);
      self.update(slot(pi), r.min, r.max);
      self.finite_ += r.finite;
      self.nonfinite_ += r.nonfinite;
    }
    void vector(std::size_t off, std::size_t n, std::size_t pi) const noexcept {
      for (std::size_t k = 0; k < n; ++k) uniform(off + k, 1, pi + k);
    }
  };

  void update(std::size_t i, float lo, float hi) noexcept {
    if (lo < lo_[i]) lo_[i] = lo;
    if (hi > hi_[i]) hi_[i] = hi;
  }
  std::vector<float> checked(const std::vector<float>& v) const {
    if (v.empty()) throw std::logic_error("qtz: MinMax calibrator has observed nothing; call observe() first");
    for (std::size_t i = 0; i < lo_.size(); ++i) {
      if (lo_[i] > hi_[i]) {
        throw std::logic_error("qtz: MinMax calibrator: slot " + std::to_string(i) +
                               " has seen no finite value, so it has no range");
      }
    }
    return v;
  }

  std::vector<float> lo_, hi_;
  std::uint64_t finite_ = 0, nonfinite_ = 0;
};

}  // namespace qtz
