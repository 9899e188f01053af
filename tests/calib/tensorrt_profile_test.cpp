// The histogram calibrators against tests/data/calib_tensorrt_vectors.txt (gen_calib_tensorrt.py:
// pytorch-quantization's published code run with torch 1.13): TensorRT's histogram counts exactly,
// the same threshold bin for entropy, MSE and percentile, the max calibrator's amax; and qtz's
// histogram counts, its entropy bin (the published search run on qtz's counts) and the exact order
// statistic.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <qtz/calib/entropy.hpp>
#include <qtz/calib/minmax.hpp>
#include <qtz/calib/mse.hpp>
#include <qtz/calib/percentile.hpp>
#include <qtz/core/profile.hpp>

#include "calib/calib_data.hpp"

namespace {

const double kScales[] = {1.0, 1.75, 0.625};
constexpr std::size_t kBatch = 20000;

struct Run {
  std::string kind;
  int bits;
  bool is_unsigned;
  std::uint64_t seed;
  std::vector<std::vector<float>> batches;
};

Run load(const calib_test::Case& c) {
  Run r{c.header[1], std::stoi(c.header[2]), c.header[3] == "1", std::stoull(c.header[4]), {}};
  for (std::size_t b = 0; b < 3; ++b) r.batches.push_back(calib_test::batch(r.kind, r.seed, b, kScales[b], kBatch));
  return r;
}

qtz::QuantSpec trt_spec(const Run& r) {
  qtz::QuantSpec s;
  s.format = qtz::Format::make(r.bits, !r.is_unsigned);
  s.scheme = r.is_unsigned ? qtz::Scheme::symmetric_full : qtz::Scheme::symmetric_restricted;
  s.compat = qtz::Compat::tensorrt;
  return s;
}

template <class C>
C calibrate(const Run& r, qtz::QuantSpec spec, C c = C{}) {
  c.configure(spec);
  for (const auto& b : r.batches) {
    c.observe(b.data(), qtz::Shape{static_cast<std::int64_t>(b.size())}, qtz::Layout::row_major,
              qtz::Granularity::tensor());
  }
  return c;
}

}  // namespace

TEST_CASE("TensorRT histogram: counts, bin count and last edge equal pytorch-quantization's") {
  for (const auto& c : calib_test::read_cases("calib_tensorrt_vectors.txt")) {
    const Run r = load(c);
    INFO("case " << c.header[0]);
    const qtz::Entropy e = calibrate<qtz::Entropy>(r, trt_spec(r));
    const qtz::TrtHistogram& h = e.histograms().trt_histogram(0);
    const std::size_t nb = std::stoul(c.get("trt_bins")[0]);
    REQUIRE(h.bins() == nb);
    CHECK(nb > 2048);  // every case grows the histogram
    CHECK(h.edge(nb) == calib_test::hexf(c.get("trt_bins")[1]));
    const std::vector<std::uint64_t> want = calib_test::dense_counts(c.get("trt_counts"), nb);
    std::vector<std::uint64_t> got(h.counts().begin(), h.counts().begin() + static_cast<std::ptrdiff_t>(nb));
    CHECK(got == want);
    CHECK(h.dropped() == 0);
  }
}

TEST_CASE("tensorrt profile: entropy, MSE, percentile and max choose TensorRT's bin and amax") {
  for (const auto& c : calib_test::read_cases("calib_tensorrt_vectors.txt")) {
    const Run r = load(c);
    INFO("case " << c.header[0]);
    const qtz::QuantSpec spec = trt_spec(r);

    const qtz::Entropy e = calibrate<qtz::Entropy>(r, spec);
    CHECK(e.threshold_bins()[0] == std::stoul(c.get("trt_entropy")[0]));
    CHECK(e.thresholds()[0] == calib_test::hexf(c.get("trt_entropy")[1]));
    CHECK(e.hi()[0] == calib_test::hexf(c.get("trt_entropy")[1]));

    const qtz::Mse m = calibrate<qtz::Mse>(r, spec);
    CHECK(m.threshold_bins()[0] == std::stoul(c.get("trt_mse")[0]));
    CHECK(m.thresholds()[0] == calib_test::hexf(c.get("trt_mse")[1]));

    auto range = c.lines.equal_range("trt_pct");
    int seen = 0;
    for (auto it = range.first; it != range.second; ++it, ++seen) {
      const double p = std::stod(it->second[0]);
      const qtz::Percentile pc = calibrate<qtz::Percentile>(r, spec, qtz::Percentile(p));
      CHECK(pc.threshold_bins()[0] == std::stoul(it->second[1]));
      CHECK(pc.thresholds()[0] == calib_test::hexf(it->second[2]));
    }
    CHECK(seen == 2);

    // MaxCalibrator: MinMax under the tensorrt profile gives amax = max |x| (the exported range).
    qtz::MinMax mm;
    for (const auto& b : r.batches)
      mm.observe(b.data(), qtz::Shape{static_cast<std::int64_t>(b.size())}, qtz::Layout::row_major,
                 qtz::Granularity::tensor());
    const qtz::ChannelParams cp = qtz::choose_params(mm.lo()[0], mm.hi()[0], spec);
    CHECK(cp.range_max == calib_test::hexf(c.get("trt_max")[0]));
  }
}

TEST_CASE("qtz histogram: counts and exponent equal numpy's floor(|x| 2^-e); entropy bin equals the published search") {
  for (const auto& c : calib_test::read_cases("calib_tensorrt_vectors.txt")) {
    const Run r = load(c);
    INFO("case " << c.header[0]);
    qtz::QuantSpec spec = trt_spec(r);
    spec.compat = qtz::Compat::qtz;
    const qtz::Entropy e = calibrate<qtz::Entropy>(r, spec);
    const qtz::Histogram& h = e.histograms().histogram(0);
    CHECK(h.exponent() == std::stoi(c.get("qtz_exp")[0]));
    CHECK(h.positive() == calib_test::dense_counts(c.get("qtz_counts"), 2048));
    CHECK(e.threshold_bins()[0] == std::stoul(c.get("qtz_entropy")[0]));

    // Exact order statistic of |x| over all batches, and the streaming estimate within one bin above it.
    std::vector<float> all;
    for (const auto& b : r.batches) all.insert(all.end(), b.begin(), b.end());
    auto range = c.lines.equal_range("exact_pct");
    for (auto it = range.first; it != range.second; ++it) {
      const double p = std::stod(it->second[0]);
      const float want = calib_test::hexf(it->second[1]);
      CHECK(qtz::percentile_exact(all.data(), all.size(), p, true) == want);
      const qtz::Percentile pc = calibrate<qtz::Percentile>(r, spec, qtz::Percentile(p));
      const float T = pc.thresholds()[0];
      CHECK(T >= want);
      CHECK(static_cast<double>(T) - static_cast<double>(want) <= h.width());
    }
  }
}
