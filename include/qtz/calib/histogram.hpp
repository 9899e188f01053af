// qtz's calibration histogram (DESIGN §5, docs/quantization.md §7): 64-bit counts of |x| (or of
// x >= 0 and x < 0 separately), B bins of power-of-two width w = 2^e starting at 0.
//
// Why power-of-two widths: the bin of |x| is floor(|x| * 2^-e), an exact operation, and doubling the
// width merges bin pairs exactly: floor(floor(a / w) / 2) = floor(a / 2w). The width is the
// smallest power of two with max|x| < B * w (e >= -127, so that 2^-e is a finite float), and grows
// only by doubling. Hence the final exponent depends only on the largest |x| ever seen and the
// final counts equal the histogram of all the data at that exponent: observing in any order, in any
// split into batches, or merging histograms gives bit-identical counts. Memory is 8·B bytes per side,
// independent of the number and size of the batches.
//
// Exact zeros land in bin 0 whatever the width, so a histogram that has seen only zeros has no
// width yet (has_width() == false) and takes one at the first non-zero value.
//
// Speed (Histogram::Accumulator): large batches are counted into 4 interleaved 32-bit
// sub-histograms (element k into sub-histogram k mod 4), so that consecutive increments of one bin
// do not wait on each other's store, with the bin indices of eq. (22) computed a block at a time in a
// loop the compiler vectorises. The sub-histograms are added into the 64-bit counts before any
// widening and at flush(): integer sums, so the counts are identical to the kernel's.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "qtz/dispatch/dispatch.hpp"
#include "qtz/kernels/scalar/histogram.hpp"

namespace qtz {

namespace detail {
/// The histogram kernels the calibrators call (one switch point): the dispatcher's entry points
/// (qtz/dispatch/dispatch.hpp, active ISA), same signatures and results as kernels::scalar::*.
inline void calib_histogram_abs(const float* x, std::size_t n, float inv_width, std::uint64_t* counts,
                                std::size_t bins) noexcept {
  kernels::histogram_abs(x, n, inv_width, counts, bins);
}
inline void calib_histogram_signed(const float* x, std::size_t n, float inv_width, std::uint64_t* pos,
                                   std::uint64_t* neg, std::size_t bins) noexcept {
  kernels::histogram_signed(x, n, inv_width, pos, neg, bins);
}

/// Eq. (22) for a block, written so that the compiler vectorises it: idx[k] = min(floor(|x| 2^-e),
/// B - 1), plus B for x < 0 when `signed_offset` (-0 counts as >= 0), and `dump` for non-finite x.
/// `last` = B - 1 must be exact in float (B <= 2^24).
inline void bin_indices(const float* x, std::size_t n, float inv_width, float last, std::int32_t signed_offset,
                        std::int32_t dump, std::int32_t* idx) noexcept {
  constexpr float fmax = std::numeric_limits<float>::max();
  for (std::size_t k = 0; k < n; ++k) {
    const float v = x[k];
    const float a = std::fabs(v);
    const float t = a * inv_width;          // exact: inv_width is a power of two
    const float c = t < last ? t : last;    // NaN/inf -> last: the conversion stays in range
    const auto i = static_cast<std::int32_t>(c) + (v < 0.0f ? signed_offset : 0);
    idx[k] = a <= fmax ? i : dump;
  }
}
}  // namespace detail

class Histogram {
 public:
  static constexpr std::size_t default_bins = 2048;
  static constexpr int min_exponent = -127;  ///< 2^-e must be a finite float

  /// `bins` >= 2; `two_sided` keeps x >= 0 (with -0) and x < 0 in separate count arrays.
  explicit Histogram(std::size_t bins = default_bins, bool two_sided = false) : two_sided_(two_sided) {
    if (bins < 2) {
      throw std::invalid_argument("qtz: histogram bins = " + std::to_string(bins) + " is invalid; allowed: >= 2");
    }
    pos_.assign(bins, 0);
    if (two_sided) neg_.assign(bins, 0);
  }

  std::size_t bins() const noexcept { return pos_.size(); }
  bool two_sided() const noexcept { return two_sided_; }
  bool has_width() const noexcept { return has_width_; }
  /// w = 2^exponent(); meaningful when has_width().
  int exponent() const noexcept { return exp_; }
  double width() const noexcept { return has_width_ ? std::ldexp(1.0, exp_) : 0.0; }
  /// Left edge of bin i (right edge of bin i - 1): i * w, exact; FLT_MAX where that overflows.
  float edge(std::size_t i) const noexcept {
    if (!has_width_) return 0.0f;
    const double e = std::ldexp(static_cast<double>(i), exp_);
    return e > static_cast<double>(std::numeric_limits<float>::max()) ? std::numeric_limits<float>::max()
                                                                      : static_cast<float>(e);
  }
  /// Counts of |x| (one-sided) or of x >= 0 (two-sided).
  const std::vector<std::uint64_t>& positive() const noexcept { return pos_; }
  /// Counts of |x| for x < 0 (two-sided only; empty otherwise).
  const std::vector<std::uint64_t>& negative() const noexcept { return neg_; }
  /// Counts of |x| whatever the sidedness.
  std::vector<std::uint64_t> abs_counts() const {
    std::vector<std::uint64_t> a = pos_;
    for (std::size_t i = 0; i < neg_.size(); ++i) a[i] += neg_[i];
    return a;
  }
  std::uint64_t total() const noexcept {
    std::uint64_t t = 0;
    for (auto c : pos_) t += c;
    for (auto c : neg_) t += c;
    return t;
  }

  /// Adds the finite values of x[0..n); `absmax` is their largest |x| (0 when none; the caller has
  /// it from the min/max pass it also uses to count non-finite values).
  void add(const float* x, std::size_t n, float absmax) {
    if (absmax > 0.0f) grow_to(absmax);
    const float inv = has_width_ ? std::ldexp(1.0f, -exp_) : 1.0f;  // zeros only: any width puts them in bin 0
    if (two_sided_) {
      detail::calib_histogram_signed(x, n, inv, pos_.data(), neg_.data(), pos_.size());
    } else {
      detail::calib_histogram_abs(x, n, inv, pos_.data(), pos_.size());
    }
  }

  /// Adds large amounts of data faster than add() with the same counts (see the header comment):
  /// counts go to 32-bit sub-histograms in `scratch` and reach the histogram at flush(), before any
  /// widening, and at destruction. Use one accumulator per histogram at a time; add() calls of
  /// the histogram itself must not be interleaved with an unflushed accumulator.
  class Accumulator {
   public:
    static constexpr std::size_t ways = 4;
    Accumulator(Histogram& h, std::vector<std::uint32_t>& scratch) : h_(h), sub_(scratch) {
      sides_ = h.two_sided_ ? 2 : 1;
      stride_ = sides_ * h.bins() + 1;  // + 1: the slot of the non-finite values
      fast_ = h.bins() <= (std::size_t{1} << 24);
      if (fast_) sub_.assign(ways * stride_, 0u);
    }
    Accumulator(const Accumulator&) = delete;
    Accumulator& operator=(const Accumulator&) = delete;
    ~Accumulator() { flush(); }

    /// Same contract as Histogram::add.
    void add(const float* x, std::size_t n, float absmax) {
      if (!fast_) {
        h_.add(x, n, absmax);
        return;
      }
      if (absmax > 0.0f && (!h_.has_width_ || exponent_for(absmax, h_.bins()) > h_.exp_)) {
        flush();  // widening merges bin pairs of the complete counts
        h_.grow_to(absmax);
      }
      const float inv = h_.has_width_ ? std::ldexp(1.0f, -h_.exp_) : 1.0f;
      const std::size_t B = h_.bins();
      const auto last = static_cast<float>(B - 1);
      const auto off = static_cast<std::int32_t>(sides_ == 2 ? B : 0);
      const auto dump = static_cast<std::int32_t>(stride_ - 1);
      constexpr std::size_t block = 1024;
      std::int32_t idx[block];
      std::uint32_t* s0 = sub_.data();
      std::uint32_t* s1 = s0 + stride_;
      std::uint32_t* s2 = s1 + stride_;
      std::uint32_t* s3 = s2 + stride_;
      for (std::size_t b = 0; b < n; b += block) {
        const std::size_t m = std::min(block, n - b);
        if (pending_ + m > std::numeric_limits<std::uint32_t>::max()) flush();  // no 32-bit count can overflow
        detail::bin_indices(x + b, m, inv, last, off, dump, idx);
        std::size_t k = 0;
        for (; k + ways <= m; k += ways) {
          ++s0[idx[k]];
          ++s1[idx[k + 1]];
          ++s2[idx[k + 2]];
          ++s3[idx[k + 3]];
        }
        for (; k < m; ++k) ++s0[idx[k]];
        pending_ += m;
      }
    }

    /// Adds the sub-histograms into the histogram's counts and clears them.
    void flush() noexcept {
      if (!fast_ || pending_ == 0) return;
      const std::size_t B = h_.bins();
      for (std::size_t w = 0; w < ways; ++w) {
        std::uint32_t* s = sub_.data() + w * stride_;
        for (std::size_t i = 0; i < B; ++i) h_.pos_[i] += s[i];
        if (sides_ == 2)
          for (std::size_t i = 0; i < B; ++i) h_.neg_[i] += s[B + i];
        std::fill(s, s + stride_, 0u);
      }
      pending_ = 0;
    }

   private:
    Histogram& h_;
    std::vector<std::uint32_t>& sub_;
    std::size_t sides_ = 1, stride_ = 0;
    std::uint64_t pending_ = 0;
    bool fast_ = true;
  };

  /// Adds another histogram's counts (same bins and sidedness); the finer one is coarsened first.
  void merge(const Histogram& o) {
    if (o.bins() != bins() || o.two_sided_ != two_sided_) {
      throw std::invalid_argument("qtz: Histogram::merge: bin counts or sidedness differ (" + std::to_string(bins()) +
                                  " vs " + std::to_string(o.bins()) + ")");
    }
    Histogram other = o;
    if (other.has_width_ && (!has_width_ || other.exp_ > exp_)) set_exponent(other.exp_);
    if (has_width_ && other.has_width_ && other.exp_ < exp_) other.set_exponent(exp_);
    for (std::size_t i = 0; i < pos_.size(); ++i) pos_[i] += other.pos_[i];
    for (std::size_t i = 0; i < neg_.size(); ++i) neg_[i] += other.neg_[i];
  }

  void reset() noexcept {
    std::fill(pos_.begin(), pos_.end(), std::uint64_t{0});
    std::fill(neg_.begin(), neg_.end(), std::uint64_t{0});
    has_width_ = false;
    exp_ = 0;
  }

  /// The smallest e >= min_exponent with a < bins * 2^e (a > 0, finite).
  static int exponent_for(float a, std::size_t bins) noexcept {
    int k = 0;
    (void)std::frexp(static_cast<double>(a) / static_cast<double>(bins), &k);  // a/B ~ m·2^k, m in [0.5, 1)
    // B·2^e is exact in double: correct a rounded a/B for bin counts that are not powers of two.
    const auto fits = [&](int e) { return static_cast<double>(a) < std::ldexp(static_cast<double>(bins), e); };
    while (k - 1 >= min_exponent && fits(k - 1)) --k;
    while (!fits(k)) ++k;
    return std::max(k, min_exponent);
  }

  friend bool operator==(const Histogram& a, const Histogram& b) noexcept {
    return a.two_sided_ == b.two_sided_ && a.has_width_ == b.has_width_ && (!a.has_width_ || a.exp_ == b.exp_) &&
           a.pos_ == b.pos_ && a.neg_ == b.neg_;
  }

 private:
  void grow_to(float absmax) {
    const int e = exponent_for(absmax, bins());
    if (!has_width_ || e > exp_) set_exponent(e);
  }
  // Width 2^e with e >= the current exponent: halves the resolution (e - exp_) times by summing pairs.
  void set_exponent(int e) {
    if (has_width_) {
      for (; exp_ < e; ++exp_) {
        halve(pos_);
        halve(neg_);
      }
    }
    exp_ = e;
    has_width_ = true;
  }
  static void halve(std::vector<std::uint64_t>& c) {
    const std::size_t n = c.size();
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t a = 2 * i, b = 2 * i + 1;
      c[i] = (a < n ? c[a] : 0) + (b < n ? c[b] : 0);
    }
  }

  std::vector<std::uint64_t> pos_, neg_;
  bool two_sided_ = false;
  bool has_width_ = false;
  int exp_ = 0;
};

}  // namespace qtz
