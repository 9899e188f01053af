// MovingAverageMinMax: PyTorch's MovingAverageMinMaxObserver / MovingAveragePerChannelMinMaxObserver
// rule (reference-semantics.md §2.1; DESIGN §5, docs/quantization.md §7 eq. (23)), per tensor, per channel
// (any axis) or per group.
//
// Per slot: the first batch in which the slot has a finite value sets m = (batch min, batch max);
// afterwards m <- m + c·(m_b - m) for min and max, each operation rounded to float32 exactly as
// PyTorch's three tensor operations (sub, mul by fl(c), add) are. Sequential by definition: the
// result depends on the batch order and there is no merge (it does not compile).
//
// FMA contraction: `m + c*(b - m)` is the pattern compilers fuse (GCC contracts across statements
// under -ffp-contract=fast, the GNU default), which would round once instead of twice. The product
// is stored to a volatile float, so it is rounded and reloaded before the addition on every
// compiler and flag set. (Evaluating each step in double and converting is NOT enough: GCC narrows
// (float)((double)a * (double)b) back to a float multiply and then contracts it; checked with
// g++ 12 and clang++ 14 at -O2 -march=x86-64-v3 -ffp-contract=fast.)
//
// Deviations from PyTorch, for non-finite input and overflow only: NaN/±inf are skipped and counted
// (PyTorch's running values become NaN/inf); a batch in which a slot has no finite value leaves that
// slot unchanged; an empty batch is ignored (as PyTorch does); where b − m overflows float (values
// of opposite sign beyond ±FLT_MAX/2) the step is evaluated in double, so the range stays finite
// where PyTorch's becomes ±inf (eq. (23a)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "qtz/calib/minmax.hpp"

namespace qtz {

namespace detail {
template <class>
inline constexpr bool always_false_v = false;

/// fl(m + fl(c · fl(b - m))), every step a float32 operation, immune to contraction: the product
/// passes through a volatile, which no compiler may fuse with the following addition.
/// Where b − m overflows float (|b − m| > FLT_MAX, so PyTorch's running value becomes ±inf), the step
/// is evaluated in double instead: m + c·(b − m) lies between m and b, so it is finite (eq. (23a)).
inline float ema_step(float m, float b, float c) noexcept {
  const float d = b - m;
  if (!(d - d == 0.0f)) {  // m and b are finite, so d is ±inf: evaluate in double
    const double dd = static_cast<double>(b) - static_cast<double>(m);
    volatile double pd = static_cast<double>(c) * dd;
    return static_cast<float>(static_cast<double>(m) + pd);
  }
  volatile float p = c * d;
  return m + p;
}
}  // namespace detail

class MovingAverageMinMax {
 public:
  static constexpr bool mergeable = false;

  /// c in (0, 1]; PyTorch's default averaging_constant 0.01 (as a float32).
  explicit MovingAverageMinMax(float averaging_constant = 0.01f) : c_(averaging_constant) {
    if (!(averaging_constant > 0.0f && averaging_constant <= 1.0f)) {
      throw std::invalid_argument("qtz: MovingAverageMinMax averaging_constant = " + detail::float_str(averaging_constant) +
                                  " is invalid; allowed: (0, 1]");
    }
  }
  float averaging_constant() const noexcept { return c_; }

  void observe(const float* x, const Shape& shape, Layout layout, const Granularity& g) {
    MinMax batch;
    batch.observe(x, shape, layout, g);
    const std::vector<float>& blo = batch.observed_lo();
    const std::vector<float>& bhi = batch.observed_hi();
    if (!lo_.empty() && blo.size() != lo_.size()) {
      throw std::invalid_argument("qtz: MovingAverageMinMax calibrator: this batch has " + std::to_string(blo.size()) +
                                  " parameter slots, earlier batches had " + std::to_string(lo_.size()) +
                                  " (the channel axis or group layout changed)");
    }
    if (lo_.empty()) {
      lo_.assign(blo.size(), 0.0f);
      hi_.assign(blo.size(), 0.0f);
      seen_.assign(blo.size(), 0);
    }
    finite_ += batch.finite_count();
    nonfinite_ += batch.nonfinite_count();
    for (std::size_t i = 0; i < blo.size(); ++i) {
      if (!(blo[i] <= bhi[i])) continue;  // no finite value of this slot in the batch
      if (!seen_[i]) {
        lo_[i] = blo[i];
        hi_[i] = bhi[i];
        seen_[i] = 1;
      } else {
        lo_[i] = detail::ema_step(lo_[i], blo[i], c_);
        hi_[i] = detail::ema_step(hi_[i], bhi[i], c_);
      }
    }
  }

  void reset() noexcept {
    lo_.clear();
    hi_.clear();
    seen_.clear();
    finite_ = nonfinite_ = 0;
  }

  /// Does not compile: the moving average depends on the batch order.
  template <class Other>
  void merge(const Other&) {
    static_assert(detail::always_false_v<Other>,
                  "qtz::MovingAverageMinMax cannot merge: the moving average is sequential (it depends on the "
                  "order of the batches); use qtz::MinMax or a histogram calibrator to merge calibrations");
  }

  std::uint64_t finite_count() const noexcept { return finite_; }
  std::uint64_t nonfinite_count() const noexcept { return nonfinite_; }
  std::size_t slots() const noexcept { return lo_.size(); }

  std::vector<float> lo() const { return checked(lo_); }
  std::vector<float> hi() const { return checked(hi_); }

 private:
  std::vector<float> checked(const std::vector<float>& v) const {
    if (v.empty()) throw std::logic_error("qtz: MovingAverageMinMax calibrator has observed nothing; call observe() first");
    for (std::size_t i = 0; i < seen_.size(); ++i) {
      if (!seen_[i]) {
        throw std::logic_error("qtz: MovingAverageMinMax calibrator: slot " + std::to_string(i) +
                               " has seen no finite value, so it has no range");
      }
    }
    return v;
  }

  float c_;
  std::vector<float> lo_, hi_;
  std::vector<std::uint8_t> seen_;
  std::uint64_t finite_ = 0, nonfinite_ = 0;
};

}  // namespace qtz
