// TensorRT's calibration histogram (the `tensorrt` profile; DESIGN §5, reference-semantics.md §2.4):
// NVIDIA pytorch-quantization's HistogramCalibrator.collect, torch path (torch_hist=True, the default),
// reproduced in float32 as Debian's PyTorch 1.13 CPU build (AVX2 kernels) evaluates it:
//
//   first batch:  x_max = max|x|; hist = histc(|x|, num_bins, 0, x_max); edges = linspace(0, x_max, num_bins + 1)
//   later batch:  if x_max > edges[-1]: width = edges[1] - edges[0]; num_bins = ceil(x_max / width);
//                                       edges = arange(0, x_max + width, width)
//                 hist = histc(|x|, num_bins, 0, edges[-1]); hist[:old] += old
//   histc bin:    pos = int(fl(fl(a / right) * num_bins)), right = linspace(0, edges[-1], num_bins + 1)[-1],
//                 a > right dropped, pos == num_bins -> num_bins - 1
//
// The bin width is fixed by the first batch and bins are appended as the range grows, so the result
// depends on the batch order and the memory on max / first max: growth past `max_bins` throws
// std::length_error (default 2^20 bins = 8 MiB). Each observe() of a slot is one collect() call.
// Edges reproduce torch's linspace/arange element by element (vector lanes of 8 floats, base of a
// lane group computed with one fused multiply-add, as the AVX2 build contracts it), so thresholds
// are the exact float edges torch returns for arrays up to 32768 edges (beyond that torch splits
// the fill across threads and its own result depends on the thread count).
//
// Deviations, all for inputs where pytorch-quantization fails: non-finite values are skipped and
// counted (torch.histc raises); batches whose finite values are all zero before any non-zero value
// are held as zeros in bin 0 until a non-zero maximum fixes the width (pytorch-quantization would
// record a zero width and fail at the next growth).
#pragma once

#include "qtz/core/params.hpp"

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace qtz {

class TrtHistogram {
 public:
  static constexpr std::size_t default_bins = 2048;
  static constexpr std::size_t default_max_bins = std::size_t{1} << 20;

  explicit TrtHistogram(std::size_t num_bins = default_bins, std::size_t max_bins = default_max_bins)
      : first_bins_(num_bins), max_bins_(max_bins) {
    if (num_bins < 2 || max_bins < num_bins) {
      throw std::invalid_argument("qtz: TensorRT histogram num_bins = " + std::to_string(num_bins) +
                                  ", max_bins = " + std::to_string(max_bins) +
                                  " is invalid; allowed: 2 <= num_bins <= max_bins");
    }
  }

  /// One collect() call over x[0..n): only the finite values are used; `absmax` is their max |x| and
  /// `finite` their number (the caller has both from its min/max pass).
  void collect(const float* x, std::size_t n, float absmax, std::uint64_t finite) {
    if (finite == 0) return;
    float hist_max = 0.0f;  // histc's `max` argument
    if (!started_) {
      if (!(absmax > 0.0f)) {
        pending_zeros_ += finite;
        return;
      }
      started_ = true;
      nb_ = first_bins_;
      linspace_edges_ = true;
      edges_n_ = first_bins_ + 1;
      edges_end_ = absmax;
      width_ = absmax / static_cast<float>(first_bins_);  // edges[1] - edges[0] of the linspace
      counts_.assign(nb_, 0);
      counts_[0] += pending_zeros_;
      pending_zeros_ = 0;
      hist_max = absmax;
    } else {
      if (absmax > edge(edges_n_ - 1)) grow(absmax);
      hist_max = edge(edges_n_ - 1);
    }
    const float right = linspace_at(nb_, hist_max, nb_ + 1);
    const auto fnb = static_cast<float>(nb_);
    for (std::size_t k = 0; k < n; ++k) {
      const float v = x[k];
      if (!(v - v == 0.0f)) continue;
      const float a = v < 0.0f ? -v : v;
      if (a > right) {
        ++dropped_;
        continue;
      }
      const float t = round_f(static_cast<double>(round_f(static_cast<double>(a) / static_cast<double>(right))) *
                              static_cast<double>(fnb));
      auto pos = static_cast<std::size_t>(t);
      if (pos >= nb_) pos = nb_ - 1;
      ++counts_[pos];
    }
  }

  bool empty() const noexcept { return !started_ && pending_zeros_ == 0; }
  /// True once a non-zero value fixed the width.
  bool started() const noexcept { return started_; }
  std::size_t bins() const noexcept { return started_ ? nb_ : 0; }
  /// Counts (num_bins entries, possibly more when torch's bin count shrank by rounding).
  const std::vector<std::uint64_t>& counts() const noexcept { return counts_; }
  std::uint64_t pending_zeros() const noexcept { return pending_zeros_; }
  /// Values above the last edge that torch.histc drops (rare; edges[-1] can fall below x_max).
  std::uint64_t dropped() const noexcept { return dropped_; }
  float width() const noexcept { return width_; }
  /// calib_bin_edges[i], bit-exact with torch's linspace / arange (see the header comment).
  float edge(std::size_t i) const noexcept {
    if (!started_) return 0.0f;
    return linspace_edges_ ? linspace_at(i, edges_end_, edges_n_) : arange_at(i, width_, edges_n_);
  }
  /// (edges[i] + edges[i + 1]) / 2 in float32 (pytorch-quantization's MSE centres). Where the float
  /// sum overflows (edges beyond FLT_MAX / 2, where torch gives inf), the exact midpoint, rounded once.
  float centre(std::size_t i) const noexcept {
    const double a = static_cast<double>(edge(i)), b = static_cast<double>(edge(i + 1));
    const float sum = round_f(a + b);
    return sum <= FLT_MAX ? round_f(static_cast<double>(sum) / 2.0) : round_f((a + b) / 2.0);
  }

  void reset() noexcept {
    counts_.clear();
    started_ = false;
    pending_zeros_ = dropped_ = 0;
    nb_ = edges_n_ = 0;
    width_ = edges_end_ = 0.0f;
  }

  // torch.linspace(0, end, steps)[idx], float32, AVX2 build: lane groups of 8 within blocks of 16.
  static float linspace_at(std::size_t idx, float end, std::size_t steps) noexcept {
    const float step = round_f(static_cast<double>(end) / static_cast<double>(steps - 1));
    const std::size_t vec_end = steps / 16 * 16, half = steps / 2;
    auto base_at = [&](std::size_t i) {
      return i < half ? round_f(static_cast<double>(step) * static_cast<double>(i))  // fma(step, i, 0)
                      : std::fma(-step, static_cast<float>(steps - i - 1), end);
    };
    if (idx < vec_end) {
      const std::size_t ib = idx - idx % 8;
      volatile float lane = static_cast<float>(idx - ib) * step;  // volatile: torch rounds the product, no FMA
      return base_at(ib) + lane;
    }
    return base_at(idx);
  }
  // torch.arange(0, end, w)[idx] with `size` elements: the step in double, lanes in double rounded to float.
  static float arange_at(std::size_t idx, float w, std::size_t size) noexcept {
    const auto wd = static_cast<double>(w);
    const std::size_t vec_end = size / 16 * 16;
    if (idx < vec_end) {
      const std::size_t ib = idx - idx % 8;
      const float base = static_cast<float>(wd * static_cast<double>(ib));
      return static_cast<float>(static_cast<double>(base) + static_cast<double>(idx - ib) * wd);
    }
    return static_cast<float>(wd * static_cast<double>(idx));
  }

 private:
  // A float32 operation evaluated exactly in double, then rounded once: the result of the
  // corresponding float operation (double has more than 2·24 + 2 bits), and immune to FMA
  // contraction because every intermediate is rounded to float.
  static float round_f(double v) noexcept { return static_cast<float>(v); }

  void grow(float absmax) {
    const float q = round_f(static_cast<double>(absmax) / static_cast<double>(width_));
    const double nbd = std::ceil(static_cast<double>(q));
    if (nbd > static_cast<double>(max_bins_)) {
      throw std::length_error("qtz: TensorRT histogram: a value of " + detail::float_str(absmax) + " needs " +
                              detail::float_str(static_cast<float>(nbd)) + " bins of width " + detail::float_str(width_) +
                              "; the cap is max_bins = " + std::to_string(max_bins_) +
                              " (TensorRT's histogram grows with max / first max; use the qtz profile's histogram)");
    }
    const float end = round_f(static_cast<double>(absmax) + static_cast<double>(width_));
    if (!(end <= FLT_MAX)) {  // torch.arange(0, inf, width) raises in pytorch-quantization
      throw std::length_error("qtz: TensorRT histogram: a value of " + detail::float_str(absmax) +
                              " puts the histogram's end (value + bin width " + detail::float_str(width_) +
                              ") beyond the float range; use the qtz profile's histogram");
    }
    nb_ = static_cast<std::size_t>(nbd);
    edges_n_ = static_cast<std::size_t>(std::ceil(static_cast<double>(end) / static_cast<double>(width_)));
    linspace_edges_ = false;
    if (counts_.size() < nb_) counts_.resize(nb_, 0);
  }

  std::size_t first_bins_, max_bins_;
  std::vector<std::uint64_t> counts_;
  bool started_ = false;
  bool linspace_edges_ = true;
  std::size_t nb_ = 0, edges_n_ = 0;
  float width_ = 0.0f, edges_end_ = 0.0f;
  std::uint64_t pending_zeros_ = 0, dropped_ = 0;
};

}  // namespace qtz
