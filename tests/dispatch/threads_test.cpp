// Optional threading (issue 4 item 3): qtz::set_num_threads(n) splits quantize / dequantize /
// fake_quantize of tensors with >= kParallelMinElements elements across threads; the bytes must be
// identical for every thread count. Compared here: 1 thread vs 2, 3 and 0 (= hardware concurrency)
// for per-tensor, per-channel (axis outermost and innermost), per-group (blocked axis innermost,
// with and without a partial last block) and stochastic rounding (index-dependent), plus the
// scalar spec as an anchor for the 1-thread result of one case.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <qtz/qtz.hpp>

#include "support/isa_sweep.hpp"

namespace {

struct ThreadReset {  // restores the default even when a REQUIRE fails
  ~ThreadReset() { qtz::set_num_threads(1); }
};

std::vector<float> data(std::size_t n) {
  std::vector<float> x(n);
  std::mt19937 g(5);
  std::normal_distribution<float> d(0.0f, 3.0f);
  for (auto& v : x) v = d(g);
  x[n / 3] = std::numeric_limits<float>::quiet_NaN();
  return x;
}

qtz::QuantParams params(const qtz::Shape& shape, qtz::Granularity g, std::size_t count, qtz::Rounding r) {
  qtz::QuantSpec spec;
  spec.scale_op = qtz::ScaleOp::divide;
  spec.rounding = r;
  std::vector<float> sc(count);
  std::vector<std::int32_t> zp(count);
  for (std::size_t i = 0; i < count; ++i) {
    sc[i] = 0.07f * (1.0f + 0.013f * static_cast<float>(i % 23));
    zp[i] = static_cast<std::int32_t>(i % 9) - 4;
  }
  return qtz::params_from_scales(sc, zp, spec, g, shape);
}

}  // namespace

TEST_CASE("set_num_threads: 1 vs N threads give identical bytes", "[threads]") {
  ThreadReset reset;
  CHECK(qtz::num_threads() == 1);  // off by default
  const bool quick = qtz_test::quick_tier();
  const std::int64_t N = 96 * 10926;  // 1048896 >= kParallelMinElements, divisible by 32 and 96
  REQUIRE(static_cast<std::size_t>(N) >= qtz::kParallelMinElements);
  const std::vector<float> x = data(static_cast<std::size_t>(N));
  struct Case {
    const char* name;
    qtz::Shape shape;
    qtz::Granularity g;
    std::size_t count;
    qtz::Rounding r;
  };
  std::vector<Case> cases = {
      {"tensor", qtz::Shape{N}, qtz::Granularity::tensor(), 1, qtz::Rounding::half_even},
      {"channel outermost", qtz::Shape{96, N / 96}, qtz::Granularity::channel(0), 96, qtz::Rounding::half_even},
      {"channel innermost", qtz::Shape{N / 96, 96}, qtz::Granularity::channel(1), 96, qtz::Rounding::half_away},
      {"group 32", qtz::Shape{N}, qtz::Granularity::group(0, 32), static_cast<std::size_t>(N / 32),
       qtz::Rounding::half_even},
      {"group 40, partial last block", qtz::Shape{N / 96, 96}, qtz::Granularity::group(1, 40),
       static_cast<std::size_t>(N / 96 * 3), qtz::Rounding::half_even},
      {"tensor, stochastic", qtz::Shape{N}, qtz::Granularity::tensor(), 1, qtz::Rounding::stochastic},
  };
  if (quick) cases = {cases[1], cases[3]};
  for (const Case& c : cases) {
    INFO(c.name);
    const qtz::QuantParams p = params(c.shape, c.g, c.count, c.r);
    qtz::set_num_threads(1);
    std::vector<std::int8_t> q1(x.size());
    qtz::quantize(x.data(), q1.data(), c.shape, p);
    std::vector<float> d1(x.size()), f1(x.size());
    std::vector<std::uint8_t> m1(x.size());
    qtz::dequantize(q1.data(), d1.data(), c.shape, p);
    qtz::fake_quantize(x.data(), f1.data(), c.shape, p, qtz::Layout::row_major, m1.data());
    if (c.g.kind == qtz::Granularity::Kind::tensor && c.r == qtz::Rounding::half_even) {
      // anchor: the 1-thread result is the scalar spec
      std::vector<std::int8_t> want(x.size());
      const qtz::kernels::KernelConfig kc{p.qmin, p.qmax, p.scale_op, p.dequant_op, p.rounding, p.seed};
      qtz::kernels::scalar::quantize_uniform(x.data(), want.data(), x.size(), p.scale[0], p.inv_scale[0],
                                             p.zero_point[0], kc);
      REQUIRE(std::memcmp(want.data(), q1.data(), x.size()) == 0);
    }
    for (unsigned t : {2u, 3u, 0u}) {
      if (quick && t != 3u) continue;
      qtz::set_num_threads(t);
      INFO("threads=" << t << " (resolved " << qtz::num_threads() << ")");
      std::vector<std::int8_t> qn(x.size(), 0x55);
      qtz::quantize(x.data(), qn.data(), c.shape, p);
      REQUIRE(std::memcmp(q1.data(), qn.data(), x.size()) == 0);
      std::vector<float> dn(x.size(), 9.0f), fn(x.size(), 9.0f);
      std::vector<std::uint8_t> mn(x.size(), 7);
      qtz::dequantize(qn.data(), dn.data(), c.shape, p);
      qtz::fake_quantize(x.data(), fn.data(), c.shape, p, qtz::Layout::row_major, mn.data());
      REQUIRE(std::memcmp(d1.data(), dn.data(), x.size() * sizeof(float)) == 0);
      REQUIRE(std::memcmp(f1.data(), fn.data(), x.size() * sizeof(float)) == 0);
      REQUIRE(std::memcmp(m1.data(), mn.data(), x.size()) == 0);
    }
  }
}

TEST_CASE("parallel_chunks gives every thread at least kParallelMinElementsPerThread elements", "[threads]") {
  ThreadReset reset;
  qtz::set_num_threads(16);
  auto parts = [](std::size_t n, std::size_t grain, std::size_t item_elements) {
    std::atomic<int> count{0};
    qtz::detail::parallel_chunks(n, grain, [&](std::size_t, std::size_t) { ++count; }, item_elements);
    return count.load();
  };
  // 2^20 elements, 2^18 per thread at least: 4 chunks although 16 threads are allowed.
  CHECK(parts(std::size_t{1} << 20, 256, 1) == 4);
  CHECK(parts((std::size_t{1} << 20) - 1, 256, 1) == 1);  // below kParallelMinElements
  CHECK(parts(std::size_t{1} << 22, 256, 1) == 16);
  CHECK(parts(std::size_t{5} << 18, 256, 1) == 5);
  // Items of 1024 elements (rows): 1024 rows = 2^20 elements -> 4 chunks; 1023 rows -> 1.
  CHECK(parts(1024, 1, 1024) == 4);
  CHECK(parts(1023, 1, 1024) == 1);
  // A huge item count does not overflow the element count.
  CHECK(parts(3, 1, SIZE_MAX / 2) == 3);
}

TEST_CASE("parallel_chunks cuts on grain boundaries and covers [0, n) once", "[threads]") {
  ThreadReset reset;
  qtz::set_num_threads(3);
  const std::size_t n = qtz::kParallelMinElements + 5, grain = 96;
  std::vector<unsigned char> seen(n, 0);
  std::vector<std::pair<std::size_t, std::size_t>> chunks(8, {0, 0});
  std::atomic<int> count{0};
  qtz::detail::parallel_chunks(n, grain, [&](std::size_t b, std::size_t e) {
    chunks[static_cast<std::size_t>(count++)] = {b, e};
    for (std::size_t k = b; k < e; ++k) seen[k] += 1;
  });
  CHECK(count == 3);
  for (int k = 0; k < count; ++k) CHECK(chunks[static_cast<std::size_t>(k)].first % grain == 0);
  std::size_t ones = 0;
  for (unsigned char s : seen) ones += s == 1 ? 1 : 0;
  CHECK(ones == n);
  qtz::set_num_threads(1);
  count = 0;
  qtz::detail::parallel_chunks(n, grain, [&](std::size_t, std::size_t) { ++count; });
  CHECK(count == 1);
}
