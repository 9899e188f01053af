// Kernel benchmarks against the memory bound and the peers, all in one process so that ratios are
// stable (performance.md). Names: <op>/<granularity>/<impl>/<elements>; bench/ratios.py turns the
// JSON into the ratio table. Run pinned:
//   taskset -c 1 ./kernels_bench --benchmark_min_time=0.05 --benchmark_format=json > out.json
// References: memcpy of the input bytes, a read-only pass, the Eigen expression a user would write,
// XNNPACK convert and oneDNN reorder when CMake found them (QTZ_BENCH_HAVE_XNNPACK / _ONEDNN).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <qtz/qtz.hpp>

#if defined(QTZ_BENCH_HAVE_XNNPACK)
#include <xnnpack.h>
#endif
#if defined(QTZ_BENCH_HAVE_ONEDNN)
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace {

const std::size_t kSizes[] = {std::size_t{4} << 10, std::size_t{64} << 10, std::size_t{1} << 20, std::size_t{16} << 20,
                              std::size_t{64} << 20};
constexpr float kScale = 0.05f;
constexpr std::int32_t kZp = -3;

struct Buffers {
  std::vector<float> x, xf;
  std::vector<std::int8_t> q;
  explicit Buffers(std::size_t n) : x(n), xf(n), q(n) {
    std::mt19937 g(1);
    std::normal_distribution<float> d(0.0f, 2.0f);
    for (auto& v : x) v = d(g);
    for (std::size_t i = 0; i < n; ++i) q[i] = static_cast<std::int8_t>(static_cast<int>(i * 37u % 256u) - 128);
  }
};

Buffers& buffers(std::size_t n) {  // one set per size, reused (caller-owned outputs, no page faults)
  static std::vector<std::pair<std::size_t, Buffers*>> all;
  for (auto& p : all)
    if (p.first == n) return *p.second;
  all.emplace_back(n, new Buffers(n));
  return *all.back().second;
}

qtz::kernels::KernelConfig config(qtz::ScaleOp op) {
  return qtz::kernels::KernelConfig{-128, 127, op, qtz::DequantOp::multiply, qtz::Rounding::half_even, 0};
}

void set_bytes(benchmark::State& st, std::size_t n, std::size_t bytes_per_element) {
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(n * bytes_per_element));
}

std::uint64_t read_pass(const float* x, std::size_t n) {
  // The read-only probe: XOR of 64-bit words (vectorised by the compiler at the baseline ISA).
  const auto* w = reinterpret_cast<const std::uint64_t*>(x);
  std::uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= n / 2; i += 4) {
    a0 ^= w[i];
    a1 ^= w[i + 1];
    a2 ^= w[i + 2];
    a3 ^= w[i + 3];
  }
  return a0 ^ a1 ^ a2 ^ a3;
}

void reg(const std::string& name, void (*fn)(benchmark::State&, std::size_t), std::size_t n) {
  benchmark::RegisterBenchmark((name + "/" + std::to_string(n)).c_str(), fn, n)->UseRealTime();
}

// ---------- quantize per tensor ----------
void q_memcpy(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  for (auto _ : st) {
    std::memcpy(b.xf.data(), b.x.data(), n * sizeof(float));
    benchmark::ClobberMemory();
  }
  set_bytes(st, n, 8);
}
void q_read(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  for (auto _ : st) benchmark::DoNotOptimize(read_pass(b.x.data(), n));
  set_bytes(st, n, 4);
}
template <qtz::ScaleOp Op, int IsaIndex>
void q_qtz(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  qtz::Isa isa = qtz::active_isa();
  if constexpr (IsaIndex >= 0) isa = static_cast<qtz::Isa>(IsaIndex);
  if (!qtz::supported(isa)) {
    st.SkipWithError("ISA not supported");
    return;
  }
  const auto c = config(Op);
  for (auto _ : st) {
    qtz::kernels::quantize_uniform(isa, b.x.data(), b.q.data(), n, kScale, 1.0f / kScale, kZp, c);
    benchmark::ClobberMemory();
  }
  set_bytes(st, n, 5);
}
void q_eigen(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  const auto idx = static_cast<Eigen::Index>(n);
  Eigen::Map<const Eigen::ArrayXf> x(b.x.data(), idx);
  Eigen::Map<Eigen::Array<std::int8_t, Eigen::Dynamic, 1>> q(b.q.data(), idx);
  const float inv = 1.0f / kScale;
  for (auto _ : st) {
    q = ((x * inv).rint() + float(kZp)).max(-128.0f).min(127.0f).cast<std::int8_t>();
    benchmark::ClobberMemory();
  }
  set_bytes(st, n, 5);
}
#if defined(QTZ_BENCH_HAVE_XNNPACK)
void q_xnnpack(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  xnn_initialize(nullptr);
  xnn_operator_t op = nullptr;
  if (xnn_create_convert_nc_f32_qs8(n, n, n, kScale, static_cast<std::int8_t>(kZp), -128, 127, 0, &op) !=
          xnn_status_success ||
      xnn_setup_convert_nc_f32_qs8(op, 1, b.x.data(), b.q.data(), nullptr) != xnn_status_success) {
    st.SkipWithError("xnnpack setup failed");
    return;
  }
  for (auto _ : st) {
    xnn_run_operator(op, nullptr);
    benchmark::ClobberMemory();
  }
  xnn_delete_operator(op);
  set_bytes(st, n, 5);
}
void dq_xnnpack(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  xnn_initialize(nullptr);
  xnn_operator_t op = nullptr;
  if (xnn_create_convert_nc_qs8_f32(n, n, n, kScale, static_cast<std::int8_t>(kZp), 0, &op) != xnn_status_success ||
      xnn_setup_convert_nc_qs8_f32(op, 1, b.q.data(), b.xf.data(), nullptr) != xnn_status_success) {
    st.SkipWithError("xnnpack setup failed");
    return;
  }
  for (auto _ : st) {
    xnn_run_operator(op, nullptr);
    benchmark::ClobberMemory();
  }
  xnn_delete_operator(op);
  set_bytes(st, n, 5);
}
#endif
#if defined(QTZ_BENCH_HAVE_ONEDNN)
void q_onednn(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  const dnnl::memory::dims dims{static_cast<dnnl::memory::dim>(n)};
  dnnl::memory::desc src_md(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
  dnnl::memory::desc dst_md(dims, dnnl::memory::data_type::s8, dnnl::memory::format_tag::a);
  dnnl::memory src(src_md, eng, b.x.data()), dst(dst_md, eng, b.q.data());
  dnnl::primitive_attr attr;
  attr.set_output_scales(0, {1.0f / kScale});
  dnnl::reorder r(dnnl::reorder::primitive_desc(eng, src_md, eng, dst_md, attr));
  for (auto _ : st) {
    r.execute(s, src, dst);
    s.wait();
  }
  set_bytes(st, n, 5);
}
// oneDNN's reorder with one output scale per row of [64, N/64] (mask 1: dimension 0), the
// reference of quantize/channel_outer.
void q_onednn_channel(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  const dnnl::memory::dims dims{64, static_cast<dnnl::memory::dim>(n / 64)};
  dnnl::memory::desc src_md(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
  dnnl::memory::desc dst_md(dims, dnnl::memory::data_type::s8, dnnl::memory::format_tag::ab);
  dnnl::memory src(src_md, eng, b.x.data()), dst(dst_md, eng, b.q.data());
  std::vector<float> scales(64);
  for (std::size_t i = 0; i < 64; ++i) scales[i] = 1.0f / (kScale * (1.0f + 0.01f * static_cast<float>(i % 17)));
  dnnl::primitive_attr attr;
  attr.set_output_scales(1, scales);
  dnnl::reorder r(dnnl::reorder::primitive_desc(eng, src_md, eng, dst_md, attr));
  for (auto _ : st) {
    r.execute(s, src, dst);
    s.wait();
  }
  set_bytes(st, n, 5);
}
#endif

// ---------- quantize per channel / per group (through quant/ops.hpp) ----------
template <int Kind>  // 0: channel axis outermost (64 channels), 1: innermost (64), 2: group 32, 3: group 128
void q_granular(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  const auto N = static_cast<std::int64_t>(n);
  qtz::QuantSpec spec;
  spec.scale_op = qtz::ScaleOp::divide;
  qtz::Shape shape;
  qtz::Granularity g;
  std::size_t count = 0;
  if (Kind == 0) { shape = qtz::Shape{64, N / 64}; g = qtz::Granularity::channel(0); count = 64; }
  if (Kind == 1) { shape = qtz::Shape{N / 64, 64}; g = qtz::Granularity::channel(1); count = 64; }
  if (Kind == 2) { shape = qtz::Shape{N}; g = qtz::Granularity::group(0, 32); count = n / 32; }
  if (Kind == 3) { shape = qtz::Shape{N}; g = qtz::Granularity::group(0, 128); count = n / 128; }
  std::vector<float> sc(count);
  std::vector<std::int32_t> zp(count);
  for (std::size_t i = 0; i < count; ++i) {
    sc[i] = kScale * (1.0f + 0.01f * static_cast<float>(i % 17));
    zp[i] = static_cast<std::int32_t>(i % 7) - 3;
  }
  const qtz::QuantParams p = qtz::params_from_scales(sc, zp, spec, g, shape);
  for (auto _ : st) {
    qtz::quantize(b.x.data(), b.q.data(), shape, p);
    benchmark::ClobberMemory();
  }
  set_bytes(st, n, 5);
}

// ---------- the public Eigen API (qtz::Quantizer calibrated once on the data, divide) ----------
// Mode 0 qtz_eigen_fixed: qtz::quantize(x, params, out) with the parameters taken once and a reused
// QTensor; 1 qtz_eigen_api: Quantizer::quantize(x, out), parameters made per call; 2
// qtz_eigen_api_alloc: Quantizer::quantize(x), a new QTensor per call. Compare with tensor:qtz_divide.
template <int Mode>
void q_eigen_api(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  Eigen::TensorMap<Eigen::Tensor<float, 1, Eigen::RowMajor>> x(b.x.data(), static_cast<Eigen::Index>(n));
  qtz::QuantizerOptions o;
  o.scale_op = qtz::ScaleOp::divide;
  qtz::Quantizer<std::int8_t, qtz::Asymmetric, qtz::PerTensor> qz(qtz::PerTensor{}, o);
  qz.observe(x);
  const qtz::QuantParams p = qz.params();
  qtz::QTensor<std::int8_t, 1, Eigen::RowMajor> out = qz.quantize(x);
  for (auto _ : st) {
    if constexpr (Mode == 0) {
      qtz::quantize(x, p, out);
      benchmark::DoNotOptimize(out.codes.data());
    } else if constexpr (Mode == 1) {
      qz.quantize(x, out);
      benchmark::DoNotOptimize(out.codes.data());
    } else {
      auto fresh = qz.quantize(x);
      benchmark::DoNotOptimize(fresh.codes.data());
    }
    benchmark::ClobberMemory();
  }
  set_bytes(st, n, 5);
}

// ---------- threads: the public per-tensor qtz::quantize with qtz::set_num_threads(T) ----------
// Registered from 1 Mi elements up (qtz::kParallelMinElements); compare qtz_api_t<T> with qtz_api_t1
// of the same size. Not pinned: the threads need more than one core.
template <unsigned Threads>
void q_api_threads(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  qtz::QuantSpec spec;
  spec.scale_op = qtz::ScaleOp::divide;
  const qtz::Shape shape{static_cast<std::int64_t>(n)};
  const qtz::QuantParams p = qtz::params_from_scales({kScale}, {kZp}, spec, qtz::Granularity::tensor(), shape);
  qtz::set_num_threads(Threads);
  for (auto _ : st) {
    qtz::quantize(b.x.data(), b.q.data(), shape, p);
    benchmark::ClobberMemory();
  }
  qtz::set_num_threads(1);
  set_bytes(st, n, 5);
}

// ---------- dequantize ----------
void dq_memcpy(benchmark::State& st, std::size_t n) {  // memcpy of the input bytes (N)
  Buffers& b = buffers(n);
  for (auto _ : st) {
    std::memcpy(reinterpret_cast<std::int8_t*>(b.xf.data()), b.q.data(), n);
    benchmark::ClobberMemory();
  }
  set_bytes(st, n, 2);
}
void dq_qtz(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  for (auto _ : st) {
    qtz::kernels::dequantize_uniform(b.q.data(), b.xf.data(), n, kScale, 1.0f / kScale, kZp, qtz::DequantOp::multiply);
    benchmark::ClobberMemory();
  }
  set_bytes(st, n, 5);
}
void dq_eigen(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  const auto idx = static_cast<Eigen::Index>(n);
  Eigen::Map<const Eigen::Array<std::int8_t, Eigen::Dynamic, 1>> q(b.q.data(), idx);
  Eigen::Map<Eigen::ArrayXf> x(b.xf.data(), idx);
  for (auto _ : st) {
    x = (q.cast<float>() - float(kZp)) * kScale;
    benchmark::ClobberMemory();
  }
  set_bytes(st, n, 5);
}

// ---------- min/max ----------
void mm_qtz(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  for (auto _ : st) benchmark::DoNotOptimize(qtz::kernels::minmax(b.x.data(), n));
  set_bytes(st, n, 4);
}
void am_qtz(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  for (auto _ : st) benchmark::DoNotOptimize(qtz::kernels::absmax(b.x.data(), n));
  set_bytes(st, n, 4);
}
void mm_eigen(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  Eigen::Map<const Eigen::ArrayXf> x(b.x.data(), static_cast<Eigen::Index>(n));
  for (auto _ : st) {
    benchmark::DoNotOptimize(x.minCoeff());
    benchmark::DoNotOptimize(x.maxCoeff());
  }
  set_bytes(st, n, 4);
}
void hist_qtz(benchmark::State& st, std::size_t n) {
  Buffers& b = buffers(n);
  std::vector<std::uint64_t> h(2048);
  for (auto _ : st) {
    qtz::kernels::histogram_abs(b.x.data(), n, 0x1p7f, h.data(), h.size());
    benchmark::ClobberMemory();
  }
  set_bytes(st, n, 4);
}

}  // namespace

int main(int argc, char** argv) {
  using qtz::ScaleOp;
  for (std::size_t n : kSizes) {
    reg("quantize/tensor/memcpy", q_memcpy, n);
    reg("quantize/tensor/read", q_read, n);
    reg("quantize/tensor/qtz_reciprocal", q_qtz<ScaleOp::reciprocal, -1>, n);
    reg("quantize/tensor/qtz_divide", q_qtz<ScaleOp::divide, -1>, n);
    reg("quantize/tensor/qtz_reciprocal_avx2", q_qtz<ScaleOp::reciprocal, int(qtz::Isa::avx2)>, n);
    reg("quantize/tensor/qtz_divide_avx2", q_qtz<ScaleOp::divide, int(qtz::Isa::avx2)>, n);
    reg("quantize/tensor/eigen", q_eigen, n);
#if defined(QTZ_BENCH_HAVE_XNNPACK)
    reg("quantize/tensor/xnnpack", q_xnnpack, n);
#endif
#if defined(QTZ_BENCH_HAVE_ONEDNN)
    reg("quantize/tensor/onednn", q_onednn, n);
#endif
    reg("quantize/tensor/qtz_eigen_fixed", q_eigen_api<0>, n);
    reg("quantize/tensor/qtz_eigen_api", q_eigen_api<1>, n);
    reg("quantize/tensor/qtz_eigen_api_alloc", q_eigen_api<2>, n);
    reg("quantize/channel_outer/qtz_divide", q_granular<0>, n);
#if defined(QTZ_BENCH_HAVE_ONEDNN)
    reg("quantize/channel_outer/onednn", q_onednn_channel, n);
#endif
    reg("quantize/channel_inner/qtz_divide", q_granular<1>, n);
    reg("quantize/group32/qtz_divide", q_granular<2>, n);
    reg("quantize/group128/qtz_divide", q_granular<3>, n);
    if (n >= qtz::kParallelMinElements) {
      reg("quantize/threads/qtz_api_t1", q_api_threads<1>, n);
      reg("quantize/threads/qtz_api_t2", q_api_threads<2>, n);
      reg("quantize/threads/qtz_api_t4", q_api_threads<4>, n);
      reg("quantize/threads/qtz_api_t8", q_api_threads<8>, n);
      reg("quantize/threads/qtz_api_t16", q_api_threads<16>, n);
    }
    reg("dequantize/tensor/memcpy", dq_memcpy, n);
    reg("dequantize/tensor/qtz", dq_qtz, n);
    reg("dequantize/tensor/eigen", dq_eigen, n);
#if defined(QTZ_BENCH_HAVE_XNNPACK)
    reg("dequantize/tensor/xnnpack", dq_xnnpack, n);
#endif
    reg("minmax/tensor/read", q_read, n);
    reg("minmax/tensor/qtz", mm_qtz, n);
    reg("minmax/tensor/eigen", mm_eigen, n);
    reg("absmax/tensor/qtz", am_qtz, n);
    reg("histogram/tensor/qtz", hist_qtz, n);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("qtz_active_isa", qtz::name(qtz::active_isa()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
