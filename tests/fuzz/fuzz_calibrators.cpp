// Fuzz harness (b): every calibrator on arbitrary batches (docs/robustness.md §4).
//
// The input picks a calibrator (MinMax, MovingAverageMinMax, Percentile, Entropy, Mse), its options,
// a QuantSpec (format, scheme, profile: tensorrt selects TensorRT's histogram), a granularity, a
// shape and layout, and splits the remaining bytes (as floats: NaN, inf, denormals included) into
// batches. Properties:
//   - construction and observe() either succeed or throw std::invalid_argument (bad option or
//     granularity), std::logic_error (e.g. configure after observe) or std::length_error (TensorRT's
//     histogram cap) — never anything else, never a crash;
//   - lo()/hi() either throw std::logic_error (a slot saw no finite value) or give finite values
//     with lo <= hi in every slot;
//   - the range is accepted by qtz's parameter rule, which then yields a valid scale;
//   - mergeable calibrators (not under the tensorrt profile): observing the batches split over two
//     calibrators and merging gives bit-identical lo()/hi() to observing all in one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <qtz/calib/calibrator.hpp>
#include <qtz/calib/entropy.hpp>
#include <qtz/calib/minmax.hpp>
#include <qtz/calib/moving_average.hpp>
#include <qtz/calib/mse.hpp>
#include <qtz/calib/percentile.hpp>
#include <qtz/core/profile.hpp>

#include "fuzz_input.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_calibrators: property violated: %s\n", what);
  std::abort();
}

bool bit_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

struct Batch {
  std::vector<float> x;
  qtz::Shape shape;
};

template <class C>
void exercise(C make(), const qtz::QuantSpec& spec, const std::vector<Batch>& batches, const qtz::Granularity& g,
              qtz::Layout layout, bool check_merge) {
  C all = make();
  if constexpr (qtz::detail::has_configure<C, qtz::QuantSpec>::value) all.configure(spec);
  for (const Batch& b : batches) all.observe(b.x.data(), b.shape, layout, g);
  std::vector<float> lo, hi;
  try {
    lo = all.lo();
    hi = all.hi();
  } catch (const std::logic_error&) {
    return;  // a slot without a finite value: the documented error
  }
  if (lo.size() != hi.size() || lo.empty()) fail("lo/hi sizes");
  for (std::size_t i = 0; i < lo.size(); ++i) {
    if (!(lo[i] - lo[i] == 0.0f) || !(hi[i] - hi[i] == 0.0f)) fail("a non-finite range bound");
    if (!(lo[i] <= hi[i])) fail("lo > hi");
    qtz::QuantSpec qs;  // qtz's own rule accepts every finite range
    qs.format = spec.format;
    qs.scheme = spec.scheme;
    qtz::ChannelParams c{};
    try {
      c = qtz::choose_params(lo[i], hi[i], qs);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      fail("choose_params rejected a calibrated range");
    }
    if (!(c.scale >= 1.17549435e-38f && c.scale <= 3.40282347e+38f)) fail("choose_params gave an invalid scale");
  }
  if constexpr (C::mergeable) {
    if (!check_merge) return;
    C first = make(), second = make();
    if constexpr (qtz::detail::has_configure<C, qtz::QuantSpec>::value) first.configure(spec), second.configure(spec);
    for (std::size_t k = 0; k < batches.size(); ++k)
      (k % 2 == 0 ? first : second).observe(batches[k].x.data(), batches[k].shape, layout, g);
    std::vector<float> mlo, mhi;
    try {
      first.merge(second);
      mlo = first.lo();
      mhi = first.hi();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      fail("merge or the merged range threw");
    }
    if (!bit_equal(mlo, lo) || !bit_equal(mhi, hi)) fail("merge != observing everything in one");
    if (first.finite_count() != all.finite_count() || first.nonfinite_count() != all.nonfinite_count())
      fail("merged counts differ");
  }
}

// Options chosen by the input, held in globals so that make() can be a plain function pointer.
double g_percentile = 99.0;
float g_ema = 0.01f;
std::size_t g_bins = 64, g_start = 8, g_stride = 1, g_trt_max = 4096;

qtz::MinMax make_minmax() { return qtz::MinMax(); }
qtz::MovingAverageMinMax make_ema() { return qtz::MovingAverageMinMax(g_ema); }
qtz::Percentile make_percentile() {
  qtz::PercentileOptions o;
  o.percentile = g_percentile;
  o.bins = g_bins;
  o.trt_max_bins = g_trt_max;
  return qtz::Percentile(o);
}
qtz::Entropy make_entropy() {
  qtz::EntropyOptions o;
  o.bins = g_bins;
  o.start_bin = g_start;
  o.stride = g_stride;
  o.trt_max_bins = g_trt_max;
  return qtz::Entropy(o);
}
qtz::Mse make_mse() {
  qtz::MseOptions o;
  o.bins = g_bins;
  o.start_bin = g_start;
  o.stride = g_stride;
  o.trt_max_bins = g_trt_max;
  return qtz::Mse(o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  qtz_fuzz::Input in(data, size);
  const int which = in.range(0, 4);
  qtz::QuantSpec spec;
  static const int bits_of[] = {2, 4, 7, 8, 16};
  spec.format = qtz::Format{bits_of[in.range(0, 4)], in.flag()};
  spec.scheme = static_cast<qtz::Scheme>(in.range(0, 2));
  spec.compat = static_cast<qtz::Compat>(in.range(0, 3));
  const bool raw_percentile = in.flag();
  g_percentile = raw_percentile ? static_cast<double>(in.f32()) : 50.0 + in.range(0, 250) / 5.0;
  g_ema = in.flag() ? in.f32() : static_cast<float>(in.range(1, 100)) / 100.0f;
  g_bins = static_cast<std::size_t>(in.range(0, 200));  // small: the KL / MSE searches are quadratic-ish
  g_start = static_cast<std::size_t>(in.range(0, 200));
  g_stride = static_cast<std::size_t>(in.range(0, 4));
  g_trt_max = static_cast<std::size_t>(in.range(0, 255)) * 16;
  const int kind = in.range(0, 2);
  const int axis = in.range(-3, 2);
  const std::int64_t block = in.range(0, 5);
  const qtz::Layout layout = in.flag() ? qtz::Layout::col_major : qtz::Layout::row_major;
  const int nbatches = in.range(1, 4);
  std::vector<std::int64_t> dims;  // the same rank and channel count for every batch, outer dims vary
  const int rank = in.range(1, 3);
  for (int i = 0; i < rank; ++i) dims.push_back(in.range(0, 6));
  std::vector<float> pool = in.rest_as_floats();

  std::vector<Batch> batches;
  std::size_t used = 0;
  for (int b = 0; b < nbatches; ++b) {
    std::vector<std::int64_t> d = dims;
    Batch batch{{}, qtz::Shape(d)};
    if (kind == 0) {  // per tensor: a flat batch of whatever is left, split evenly
      const std::size_t len = (pool.size() - used) / static_cast<std::size_t>(nbatches - b);
      batch.shape = qtz::Shape{static_cast<std::int64_t>(len)};
    }
    const std::size_t n = batch.shape.size();
    if (used + n > pool.size()) break;
    batch.x.assign(pool.begin() + static_cast<std::ptrdiff_t>(used), pool.begin() + static_cast<std::ptrdiff_t>(used + n));
    used += n;
    batches.push_back(std::move(batch));
  }
  qtz::Granularity g;
  try {
    if (kind == 1) g = qtz::Granularity::channel(axis);
    if (kind == 2) g = qtz::Granularity::group(axis, block);
    const bool merge = spec.compat != qtz::Compat::tensorrt;
    switch (which) {
      case 0: exercise<qtz::MinMax>(make_minmax, spec, batches, g, layout, true); break;
      case 1: exercise<qtz::MovingAverageMinMax>(make_ema, spec, batches, g, layout, false); break;
      case 2: exercise<qtz::Percentile>(make_percentile, spec, batches, g, layout, merge); break;
      case 3: exercise<qtz::Entropy>(make_entropy, spec, batches, g, layout, merge); break;
      default: exercise<qtz::Mse>(make_mse, spec, batches, g, layout, merge); break;
    }
  } catch (const std::logic_error&) {  // std::invalid_argument, std::length_error and std::logic_error itself
  }
  return 0;
}
