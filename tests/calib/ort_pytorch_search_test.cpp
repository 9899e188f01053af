// The peer searches offered as options on qtz's histogram, against committed references:
//   Entropy{method = onnxruntime}: ONNX Runtime's get_entropy_threshold, copied line by line into
//     tests/data/gen_calib_onnxruntime.py (numpy, ORT's float32 entropy) -> calib_onnxruntime_vectors.txt;
//   Mse{method = pytorch}: PyTorch's HistogramObserver _non_linear_param_search, re-implemented in
//     numpy in tests/data/gen_calib_pytorch_l2.py -> calib_pytorch_l2_vectors.txt;
// both on the same qtz histogram of the same data (calib_data.hpp). Also: the pruned, SIMD-evaluated
// qtz-profile MSE search chooses the bin of a direct O(bins²) evaluation written here with the scalar spec.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <qtz/qtz.hpp>

#include "calib_data.hpp"

namespace {

constexpr double kScales[3] = {1.0, 1.75, 0.625};
constexpr std::size_t kBatch = 20000;

template <class C>
void observe_all(C& c, const std::string& kind, std::uint64_t seed) {
  for (std::size_t b = 0; b < 3; ++b) {
    const std::vector<float> x = calib_test::batch(kind, seed, b, kScales[b], kBatch);
    c.observe(x.data(), qtz::Shape{static_cast<std::int64_t>(x.size())}, qtz::Layout::row_major,
              qtz::Granularity::tensor());
  }
}

qtz::QuantSpec spec(qtz::Scheme scheme, qtz::Format f = qtz::Format::make(8, true)) {
  qtz::QuantSpec s;
  s.format = f;
  s.scheme = scheme;
  return s;
}

}  // namespace

TEST_CASE("Entropy method = onnxruntime picks ONNX Runtime's window and clipped thresholds") {
  const auto cases = calib_test::read_cases("calib_onnxruntime_vectors.txt");
  REQUIRE(cases.size() == 8);
  for (const auto& c : cases) {
    const std::string kind = c.header[0];
    const auto B = static_cast<std::size_t>(std::stoul(c.header[1]));
    const auto nq = static_cast<std::size_t>(std::stoul(c.header[2]));
    const std::uint64_t seed = std::stoull(c.header[3]);
    const auto& want = c.get("ort_entropy");
    INFO(kind << " B=" << B << " nq=" << nq);
    qtz::EntropyOptions o;
    o.bins = B;
    o.levels = nq;
    o.method = qtz::EntropyMethod::onnxruntime;
    qtz::Entropy asym(o);
    asym.configure(spec(qtz::Scheme::asymmetric));
    observe_all(asym, kind, seed);
    CHECK(asym.threshold_bins()[0] == std::stoul(want[0]));
    const float lo = calib_test::hexf(want[1]), hi = calib_test::hexf(want[2]);
    CHECK(asym.lo()[0] == lo);
    CHECK(asym.hi()[0] == hi);
    qtz::Entropy sym(o);
    sym.configure(spec(qtz::Scheme::symmetric_restricted));
    observe_all(sym, kind, seed);
    CHECK(sym.hi()[0] == std::max(-lo, hi));
    CHECK(sym.lo()[0] == -std::max(-lo, hi));
  }
  qtz::EntropyOptions o;
  o.method = qtz::EntropyMethod::onnxruntime;
  qtz::Entropy e(o);
  qtz::QuantSpec trt = spec(qtz::Scheme::symmetric_restricted);
  trt.compat = qtz::Compat::tensorrt;
  CHECK_THROWS_AS(e.configure(trt), std::invalid_argument);
  CHECK_THROWS_AS(qtz::ort_entropy_threshold_index(nullptr, 64, 128), std::invalid_argument);
}

TEST_CASE("ONNX Runtime search on hand-made histograms") {
  // 4 signed bins (zero bin z = 2), nq = 2: candidates i = 1 (window bins 1..3) and i = 2 (bins 0..3).
  // h = {1, 0, 8, 8}. i = 1: P = {0 + 1, 8, 8}, m = 1, levels {0}, {8 + remainder 8}: Q = {0, 16, 0},
  //   smoothed {1e-4, 16 - 2e-4, 1e-4}: P[2] = 8/17 against Q[2] ~ 6e-6 gives D ~ 5.3.
  // i = 2: P = {1, 0, 8, 8}, m = 2, levels {1, 0} (1 non-zero) and {8, 8} (2): Q = {1, 1, 8, 8};
  //   D ~ log(18/17) ~ 0.057. So i = 2.
  const std::uint64_t h[4] = {1, 0, 8, 8};
  CHECK(qtz::ort_entropy_threshold_index(h, 4, 2) == 2);
  // all zeros: every candidate's P is all zeros (D = inf): numpy's argmin keeps the first, i = nq/2
  const std::uint64_t z[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  CHECK(qtz::ort_entropy_threshold_index(z, 8, 4) == 2);
}

TEST_CASE("Mse method = pytorch runs PyTorch's L2 search on qtz's histogram") {
  const auto cases = calib_test::read_cases("calib_pytorch_l2_vectors.txt");
  REQUIRE(cases.size() == 7);
  for (const auto& c : cases) {
    const std::string kind = c.header[0];
    const auto B = static_cast<std::size_t>(std::stoul(c.header[1]));
    const auto dst = static_cast<std::size_t>(std::stoul(c.header[2]));
    const std::uint64_t seed = std::stoull(c.header[3]);
    const auto& want = c.get("l2");
    INFO(kind << " B=" << B << " dst=" << dst);
    qtz::MseOptions o;
    o.bins = B;
    o.start_bin = 1;
    o.dst_nbins = dst == 256 ? 0 : dst;  // 0: 2^bits = 256 for int8
    o.method = qtz::MseMethod::pytorch;
    qtz::Mse asym(o);
    asym.configure(spec(qtz::Scheme::asymmetric));
    observe_all(asym, kind, seed);
    CHECK(asym.threshold_bins()[0] == std::stoul(want[1]));
    const float lo = calib_test::hexf(want[2]), hi = calib_test::hexf(want[3]);
    CHECK(asym.lo()[0] == lo);
    CHECK(asym.hi()[0] == hi);
    qtz::Mse sym(o);
    sym.configure(spec(qtz::Scheme::symmetric_restricted));
    observe_all(sym, kind, seed);
    CHECK(sym.hi()[0] == std::max(-lo, hi));
  }
  qtz::MseOptions o;
  o.method = qtz::MseMethod::pytorch;
  qtz::Mse m(o);
  qtz::QuantSpec trt = spec(qtz::Scheme::symmetric_restricted);
  trt.compat = qtz::Compat::tensorrt;
  CHECK_THROWS_AS(m.configure(trt), std::invalid_argument);
}

TEST_CASE("qtz-profile MSE search: pruned evaluation chooses the bin of the direct O(bins^2) search") {
  for (const char* kind : {"gauss", "relu", "student", "outliers"}) {
    for (qtz::Scheme scheme : {qtz::Scheme::symmetric_restricted, qtz::Scheme::asymmetric}) {
      for (qtz::Format f : {qtz::Format::make(8, true), qtz::Format::make(4, false)}) {
        INFO(kind << " scheme " << static_cast<int>(scheme) << " bits " << f.bits);
        qtz::MseOptions o;
        o.bins = 512;
        o.start_bin = 16;
        qtz::Mse m(o);
        const qtz::QuantSpec sp = spec(scheme, f);
        m.configure(sp);
        observe_all(m, kind, 777);
        // direct: every candidate, every non-empty signed (asymmetric) or |x| (symmetric) bin centre in
        // bin order, the scalar spec's quantize/dequantize, error in double; first minimum
        const qtz::Histogram& h = m.histograms().histogram(0);
        const float mn = m.histograms().min(0), mx = m.histograms().max(0);
        const auto rules = qtz::profile_rules(sp);
        const qtz::kernels::KernelConfig cfg{rules.qmin, rules.qmax, rules.scale_op, rules.dequant_op, sp.rounding, 0};
        std::size_t best_i = 0;
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t i = o.start_bin; i < o.bins; ++i) {
          const auto T = static_cast<float>(std::ldexp(static_cast<double>(i) + 0.5, h.exponent()));
          const auto lh = qtz::range_from_threshold(T, mn, mx, sp);
          const qtz::ChannelParams p = qtz::choose_params(lh.first, lh.second, sp);
          double err = 0;
          for (std::size_t k = 0; k < o.bins; ++k) {
            const auto c = static_cast<float>(std::ldexp(static_cast<double>(k) + 0.5, h.exponent()));
            for (int side = 0; side < 2; ++side) {
              const std::uint64_t n = scheme == qtz::Scheme::asymmetric
                                          ? (side ? h.negative()[k] : h.positive()[k])
                                          : (side ? 0 : h.positive()[k] + h.negative()[k]);
              if (!n) continue;
              const float v = side ? -c : c;
              const float fq = qtz::kernels::scalar::dequantize_value(
                  qtz::kernels::scalar::quantize_value(v, p.scale, p.inv_scale, p.zero_point, cfg, 0), p.scale,
                  p.inv_scale, p.zero_point, cfg.dequant_op);
              const double d = static_cast<double>(fq) - static_cast<double>(v);
              err += static_cast<double>(n) * d * d;
            }
          }
          if (err < best) best = err, best_i = i;
        }
        CHECK(m.threshold_bins()[0] == best_i);
      }
    }
  }
}
