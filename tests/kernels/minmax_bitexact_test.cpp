// Every SIMD calibration kernel == the scalar spec (kernels/scalar/minmax.hpp, histogram.hpp):
// min/max (value bits, finite and non-finite counts), abs-max, histogram_abs, histogram_signed
// (every count), over NaN/inf at every lane position, -0/+0 mixes, denormals, empty and short inputs,
// lengths 0..3W+1 at offsets 0..W-1, and seeded random data. Hand-computed anchors check that the
// comparison is not between two equally wrong results.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "support/isa_sweep.hpp"

namespace {

using qtz::Isa;
constexpr std::size_t kW = 16;
const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

std::uint32_t bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

void require_same_minmax(Isa isa, const float* x, std::size_t n) {
  const auto w = qtz::kernels::scalar::minmax(x, n);
  const auto g = qtz::kernels::minmax(isa, x, n);
  INFO("isa=" << qtz::name(isa) << " n=" << n << " want [" << w.min << ", " << w.max << "] finite " << w.finite
              << " got [" << g.min << ", " << g.max << "] finite " << g.finite);
  REQUIRE(bits(w.min) == bits(g.min));
  REQUIRE(bits(w.max) == bits(g.max));
  REQUIRE(w.finite == g.finite);
  REQUIRE(w.nonfinite == g.nonfinite);
  const auto wa = qtz::kernels::scalar::absmax(x, n);
  const auto ga = qtz::kernels::absmax(isa, x, n);
  REQUIRE(bits(wa.absmax) == bits(ga.absmax));
  REQUIRE(wa.finite == ga.finite);
}

void require_same_histograms(Isa isa, const float* x, std::size_t n, float inv_width, std::size_t bins) {
  std::vector<std::uint64_t> wa(bins + 1, 3), ga(bins + 1, 3), wp(bins + 1, 5), gp(bins + 1, 5), wn(bins + 1, 7),
      gn(bins + 1, 7);
  qtz::kernels::scalar::histogram_abs(x, n, inv_width, wa.data(), bins);
  qtz::kernels::histogram_abs(isa, x, n, inv_width, ga.data(), bins);
  qtz::kernels::scalar::histogram_signed(x, n, inv_width, wp.data(), wn.data(), bins);
  qtz::kernels::histogram_signed(isa, x, n, inv_width, gp.data(), gn.data(), bins);
  INFO("isa=" << qtz::name(isa) << " n=" << n << " bins=" << bins << " inv_width=" << inv_width);
  REQUIRE(wa == ga);  // includes the element after the last bin (untouched)
  REQUIRE(wp == gp);
  REQUIRE(wn == gn);
}

std::vector<float> mixed(std::mt19937& g, std::size_t n) {
  const float specials[] = {0.0f, -0.0f, kInf, -kInf, kNaN, -kNaN, std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::max(), 1e30f, -3.5f, 2047.9f, 4096.0f};
  std::uniform_real_distribution<float> u(-100.0f, 100.0f);
  std::uniform_int_distribution<int> pick(0, 9);
  std::vector<float> v(n);
  for (auto& e : v) {
    const int p = pick(g);
    e = p < 3 ? specials[std::uniform_int_distribution<std::size_t>(0, sizeof(specials) / 4 - 1)(g)] : u(g);
  }
  return v;
}

}  // namespace

TEST_CASE("minmax/absmax: hand-computed anchors hold on every ISA", "[bitexact][minmax]") {
  std::vector<float> x(40, 1.0f);
  x[3] = -2.5f;
  x[17] = kNaN;
  x[20] = 7.25f;
  x[33] = -kInf;
  x[39] = -0.0f;
  qtz_test::for_each_simd_isa([&](Isa isa) {
    const auto r = qtz::kernels::minmax(isa, x.data(), x.size());
    CHECK(r.min == -2.5f);
    CHECK(r.max == 7.25f);
    CHECK(r.finite == 38u);
    CHECK(r.nonfinite == 2u);
    CHECK(qtz::kernels::absmax(isa, x.data(), x.size()).absmax == 7.25f);
    std::vector<float> z(37, -0.0f);
    z[36] = 0.0f;
    const auto rz = qtz::kernels::minmax(isa, z.data(), z.size());
    CHECK(bits(rz.min) == 0u);  // canonical +0
    CHECK(bits(rz.max) == 0u);
    std::vector<float> nf(35, kNaN);
    const auto rn = qtz::kernels::minmax(isa, nf.data(), nf.size());
    CHECK(rn.min == kInf);
    CHECK(rn.max == -kInf);
    CHECK(rn.finite == 0u);
    // histogram: |x| in bins of width 2 (inv_width 0.5), 4 bins: 35 ones and -0 -> bin 0; 2.5 -> bin 1;
    // 7.25 -> bin 3; NaN and -inf skipped
    std::vector<std::uint64_t> h(4, 0);
    qtz::kernels::histogram_abs(isa, x.data(), x.size(), 0.5f, h.data(), 4);
    CHECK(h == std::vector<std::uint64_t>{36, 1, 0, 1});
  });
}

TEST_CASE("minmax/absmax: NaN and inf at every lane position, zeros, lengths and offsets", "[bitexact][minmax]") {
  qtz_test::for_each_simd_isa([](Isa isa) {
    std::mt19937 g(21);
    const std::vector<float> pool = mixed(g, 8 * kW);
    for (std::size_t n = 0; n <= 3 * kW + 1; ++n)
      for (std::size_t off = 0; off < kW; ++off) require_same_minmax(isa, pool.data() + off, n);
    for (std::size_t pos = 0; pos < 3 * kW; ++pos) {
      for (float special : {kNaN, kInf, -kInf, -0.0f, 0.0f}) {
        std::vector<float> v(3 * kW, 0.5f);
        v[pos] = special;
        require_same_minmax(isa, v.data(), v.size());
        std::vector<float> zeros(3 * kW, pos % 2 ? -0.0f : 0.0f);
        zeros[pos] = special;
        require_same_minmax(isa, zeros.data(), zeros.size());
      }
    }
    for (int rep = 0; rep < (qtz_test::quick_tier() ? 3 : 20); ++rep) {
      const std::vector<float> big = mixed(g, 10007);
      require_same_minmax(isa, big.data() + rep % 7, big.size() - 7);
    }
  });
}

TEST_CASE("histograms: every count equals the scalar spec", "[bitexact][histogram]") {
  qtz_test::for_each_simd_isa([](Isa isa) {
    std::mt19937 g(8);
    const std::vector<float> pool = mixed(g, 8 * kW);
    for (std::size_t n = 0; n <= 3 * kW + 1; ++n)
      for (std::size_t off = 0; off < kW; ++off) require_same_histograms(isa, pool.data() + off, n, 0.25f, 7);
    for (std::size_t bins : {std::size_t{1}, std::size_t{7}, std::size_t{2048}}) {
      for (float inv_width : {1.0f, 0x1p-6f, 0x1p4f, 0x1p-140f}) {
        const std::vector<float> big = mixed(g, qtz_test::quick_tier() ? 3001 : 20011);
        require_same_histograms(isa, big.data() + 1, big.size() - 1, inv_width, bins);
      }
    }
  });
}

TEST_CASE("minmax/absmax: screened all-finite chunks, one non-finite value per chunk position", "[bitexact][minmax]") {
  // The SIMD kernels take plain min/max over chunks of 8192 elements and redo a chunk with the
  // counting kernel when it holds a NaN or an infinity: finite data across several chunks, a single
  // non-finite value in the first, a middle and the last chunk and in the scalar tail, and zero
  // mixes whose extremes are -0/+0.
  qtz_test::for_each_simd_isa([](Isa isa) {
    std::mt19937 g(99);
    std::uniform_real_distribution<float> u(-50.0f, 50.0f);
    const std::size_t n = qtz_test::quick_tier() ? 8192 * 2 + 77 : 8192 * 3 + 77;
    std::vector<float> v(n);
    for (auto& e : v) e = u(g);
    v[n / 2] = 1e30f;  // the largest value sits in a middle chunk
    v[5] = -2e30f;
    require_same_minmax(isa, v.data(), n);
    require_same_minmax(isa, v.data() + 3, n - 3);
    for (std::size_t pos : {std::size_t{0}, std::size_t{8191}, std::size_t{8192}, n - 70, n - 1}) {
      for (float special : {kNaN, kInf, -kInf}) {
        std::vector<float> w = v;
        w[pos] = special;
        require_same_minmax(isa, w.data(), n);
      }
    }
    std::vector<float> z(200, -0.0f);
    for (std::size_t k = 0; k < z.size(); k += 3) z[k] = 0.0f;
    require_same_minmax(isa, z.data(), z.size());
    z[150] = -1.0f;
    require_same_minmax(isa, z.data(), z.size());
    const auto r = qtz::kernels::minmax(isa, v.data(), n);  // anchors independent of the spec
    CHECK(r.min == -2e30f);
    CHECK(r.max == 1e30f);
    CHECK(r.finite == n);
  });
}
