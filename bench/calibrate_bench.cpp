// Calibration benchmarks (performance.md: entropy calibration of 16 Mi elements <= 4x one quantize):
//   calibrate/<calibrator>/qtz/<n>      observe + range of a per-tensor calibrator
//   search/entropy/qtz/2048             the KL search alone on a 2048-bin histogram
//   quantize/tensor/qtz_divide/<n>      one qtz quantize pass (int8, divide), the reference for the ratio
//   read/tensor/sum/<n>                 a read-only pass over the same bytes
//   calibrate/entropy_channel_last/qtz/<n>  per channel, [n/1024, 1024] with the channel axis innermost
//   search/entropy_ort/qtz/2048, search/mse_pytorch/qtz/2048   the ONNX Runtime / PyTorch options
// The ratio the issue asks for: calibrate/entropy/qtz/16777216 / quantize/tensor/qtz_divide/16777216,
// both from one run, e.g. taskset -c 1 calibrate_bench --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true (the quantize pass uses the dispatcher's active ISA).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include <qtz/qtz.hpp>

namespace {
const std::vector<float>& data(std::size_t n) {
  static std::vector<float> x;
  if (x.size() != n) {
    x.resize(n);
    std::mt19937 g(1);
    std::normal_distribution<float> d;
    for (auto& v : x) v = d(g);
  }
  return x;
}
qtz::QuantSpec sym_spec() {
  qtz::QuantSpec s;
  s.scheme = qtz::Scheme::symmetric_restricted;
  return s;
}
template <class C>
void calibrate(benchmark::State& st, C proto) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const std::vector<float>& x = data(n);
  for (auto _ : st) {
    C c = proto;
    c.configure(sym_spec());
    c.observe(x.data(), qtz::Shape{static_cast<std::int64_t>(n)}, qtz::Layout::row_major, qtz::Granularity::tensor());
    benchmark::DoNotOptimize(c.hi());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(n * sizeof(float)));
}
void minmax(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const std::vector<float>& x = data(n);
  for (auto _ : st) {
    qtz::MinMax c;
    c.observe(x.data(), qtz::Shape{static_cast<std::int64_t>(n)}, qtz::Layout::row_major, qtz::Granularity::tensor());
    benchmark::DoNotOptimize(c.hi());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(n * sizeof(float)));
}
void quantize_divide(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const std::vector<float>& x = data(n);
  std::vector<std::int8_t> q(n);
  const qtz::Shape shape{static_cast<std::int64_t>(n)};
  const qtz::QuantParams p = qtz::make_params({-4.0f}, {4.0f}, sym_spec(), qtz::Granularity::tensor(), shape);
  for (auto _ : st) {
    qtz::quantize(x.data(), q.data(), shape, p);
    benchmark::DoNotOptimize(q.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(n * sizeof(float)));
}
void read_sum(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const std::vector<float>& x = data(n);
  for (auto _ : st) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (std::size_t k = 0; k + 4 <= n; k += 4) s0 += x[k], s1 += x[k + 1], s2 += x[k + 2], s3 += x[k + 3];
    benchmark::DoNotOptimize(s0 + s1 + s2 + s3);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(n * sizeof(float)));
}
void entropy_search(benchmark::State& st) {
  qtz::Histogram h;
  const std::vector<float>& x = data(std::size_t{1} << 20);
  h.add(x.data(), x.size(), 6.0f);
  for (auto _ : st) benchmark::DoNotOptimize(qtz::entropy_threshold_bin(h.positive().data(), h.bins(), 128));
}
void mse_search(benchmark::State& st) {
  const std::vector<float>& x = data(std::size_t{1} << 20);
  qtz::Mse m;
  m.configure(sym_spec());
  m.observe(x.data(), qtz::Shape{1 << 20}, qtz::Layout::row_major, qtz::Granularity::tensor());
  for (auto _ : st) benchmark::DoNotOptimize(m.hi());
}
void entropy_channel_last(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const std::vector<float>& x = data(n);
  const qtz::Shape shape{static_cast<std::int64_t>(n / 1024), 1024};
  for (auto _ : st) {
    qtz::Entropy c;
    c.configure(sym_spec());
    c.observe(x.data(), shape, qtz::Layout::row_major, qtz::Granularity::channel(1));
    benchmark::DoNotOptimize(c.finite_count());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(n * sizeof(float)));
}
void entropy_ort_search(benchmark::State& st) {
  const std::vector<float>& x = data(std::size_t{1} << 20);
  qtz::EntropyOptions o;
  o.method = qtz::EntropyMethod::onnxruntime;
  qtz::Entropy e(o);
  e.configure(sym_spec());
  e.observe(x.data(), qtz::Shape{1 << 20}, qtz::Layout::row_major, qtz::Granularity::tensor());
  for (auto _ : st) benchmark::DoNotOptimize(e.hi());
}
void mse_pytorch_search(benchmark::State& st) {
  const std::vector<float>& x = data(std::size_t{1} << 20);
  qtz::MseOptions o;
  o.method = qtz::MseMethod::pytorch;
  qtz::Mse m(o);
  m.configure(sym_spec());
  m.observe(x.data(), qtz::Shape{1 << 20}, qtz::Layout::row_major, qtz::Granularity::tensor());
  for (auto _ : st) benchmark::DoNotOptimize(m.hi());
}
constexpr std::int64_t kN = 16777216;
}  // namespace

BENCHMARK_CAPTURE(calibrate, entropy, qtz::Entropy{})->Name("calibrate/entropy/qtz")->Arg(kN)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(calibrate, percentile, qtz::Percentile{})->Name("calibrate/percentile/qtz")->Arg(kN)->Unit(benchmark::kMillisecond);
BENCHMARK(minmax)->Name("calibrate/minmax/qtz")->Arg(kN)->Unit(benchmark::kMillisecond);
BENCHMARK(quantize_divide)->Name("quantize/tensor/qtz_divide")->Arg(kN)->Unit(benchmark::kMillisecond);
BENCHMARK(read_sum)->Name("read/tensor/sum")->Arg(kN)->Unit(benchmark::kMillisecond);
BENCHMARK(entropy_search)->Name("search/entropy/qtz/2048")->Unit(benchmark::kMillisecond);
BENCHMARK(mse_search)->Name("search/mse/qtz/2048")->Unit(benchmark::kMillisecond);
BENCHMARK(entropy_channel_last)->Name("calibrate/entropy_channel_last/qtz")->Arg(kN)->Unit(benchmark::kMillisecond);
BENCHMARK(entropy_ort_search)->Name("search/entropy_ort/qtz/2048")->Unit(benchmark::kMillisecond);
BENCHMARK(mse_pytorch_search)->Name("search/mse_pytorch/qtz/2048")->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
