// The ISA selection rule (style-anchors.md §4 C3), detection against an independent source
// (__builtin_cpu_supports), name(), and the stability of active_isa(). QTZ_FORCE_ISA is tested
// through select_isa(), the function active_isa() applies to the variable, never by mutating the
// cached choice. Also the parameter screen kernel (kernels::params_screen) on every SIMD ISA.
#include <catch2/catch.hpp>

#include <cfloat>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <qtz/dispatch/dispatch.hpp>

#include "support/isa_sweep.hpp"

using qtz::Isa;

TEST_CASE("name() spells the one vocabulary", "[dispatch]") {
  CHECK(std::string(qtz::name(Isa::scalar)) == "scalar");
  CHECK(std::string(qtz::name(Isa::avx2)) == "avx2");
  CHECK(std::string(qtz::name(Isa::avx512)) == "avx512");
  CHECK(std::string(qtz::name(Isa::neon)) == "neon");
}

TEST_CASE("parse_isa accepts exactly the four names", "[dispatch]") {
  Isa i = Isa::neon;
  CHECK(qtz::parse_isa("avx2", i));
  CHECK(i == Isa::avx2);
  CHECK(qtz::parse_isa("scalar", i));
  CHECK(i == Isa::scalar);
  CHECK(qtz::parse_isa("avx512", i));
  CHECK(i == Isa::avx512);
  CHECK(qtz::parse_isa("neon", i));
  CHECK(i == Isa::neon);
  for (const char* bad : {"AVX2", "avx", "sse2", "", "avx512 ", "avx5120"}) {
    Isa j = Isa::avx2;
    CHECK_FALSE(qtz::parse_isa(bad, j));
    CHECK(j == Isa::avx2);  // untouched
  }
  CHECK_FALSE(qtz::parse_isa(nullptr, i));
}

TEST_CASE("detection agrees with the compiler's independent CPU check", "[dispatch]") {
  const auto expected = qtz_test::expected_simd_isas();
  for (Isa isa : {Isa::avx2, Isa::avx512, Isa::neon}) {
    INFO(qtz::name(isa));
    CHECK(qtz::supported(isa) == (expected.count(isa) == 1));
  }
  CHECK(qtz::supported(Isa::scalar));
  // the best supported ISA: avx512 > avx2 > neon > scalar
  Isa best = Isa::scalar;
  if (expected.count(Isa::neon)) best = Isa::neon;
  if (expected.count(Isa::avx2)) best = Isa::avx2;
  if (expected.count(Isa::avx512)) best = Isa::avx512;
  CHECK(qtz::best_supported_isa() == best);
}

TEST_CASE("select_isa: unset/empty -> best; supported name -> it; unknown/unsupported -> scalar", "[dispatch]") {
  const Isa best = qtz::best_supported_isa();
  CHECK(qtz::select_isa(nullptr) == best);
  CHECK(qtz::select_isa("") == best);
  CHECK(qtz::select_isa("scalar") == Isa::scalar);
  CHECK(qtz::select_isa("bogus") == Isa::scalar);
  CHECK(qtz::select_isa("AVX2") == Isa::scalar);
  for (Isa isa : {Isa::avx2, Isa::avx512, Isa::neon}) {
    INFO(qtz::name(isa));
    CHECK(qtz::select_isa(qtz::name(isa)) == (qtz::supported(isa) ? isa : Isa::scalar));
  }
#if defined(__x86_64__)
  CHECK(qtz::select_isa("neon") == Isa::scalar);  // never supported on x86
#endif
#if defined(__aarch64__)
  CHECK(qtz::select_isa("avx2") == Isa::scalar);
  CHECK(qtz::select_isa("avx512") == Isa::scalar);
#endif
}

TEST_CASE("active_isa follows QTZ_FORCE_ISA as read at startup and never changes", "[dispatch]") {
  const Isa a = qtz::active_isa();
  CHECK(a == qtz::select_isa(std::getenv("QTZ_FORCE_ISA")));
  CHECK(qtz::supported(a));
  CHECK(qtz::active_isa() == a);
}

TEST_CASE("explicit-ISA entry points with an ISA the CPU lacks run the scalar spec", "[dispatch]") {
  const qtz::kernels::KernelConfig c{-128, 127, qtz::ScaleOp::divide, qtz::DequantOp::multiply,
                                     qtz::Rounding::half_even, 0};
  float x[40];
  for (int i = 0; i < 40; ++i) x[i] = static_cast<float>(i) * 0.25f - 5.0f;
  for (Isa isa : qtz::all_isas) {
    std::int8_t q[40];
    qtz::kernels::quantize_uniform(isa, x, q, 40, 0.5f, 2.0f, 1, c);
    // x / 0.5 = i/2 - 10, exact; odd i are ties k + 0.5 and go to the even neighbour; + Z = 1
    for (int i = 0; i < 40; ++i) {
      const int t2 = i - 20;               // 2 * (x / S)
      const int fl = (t2 - (t2 & 1)) / 2;  // floor(t2 / 2) (t2 & 1 is the parity, also for negatives)
      const int r = (t2 & 1) == 0 ? fl : (fl % 2 == 0 ? fl : fl + 1);
      INFO(qtz::name(isa) << " i=" << i);
      CHECK(q[i] == r + 1);
    }
  }
}

TEST_CASE("params_screen: every SIMD ISA gives the scalar screen's answer for one bad value anywhere",
          "[dispatch][params]") {
  // Expected answers are independent of the kernels: a parameter is good iff S is a positive normal
  // finite float, R is finite and >= r_min, Z in [qmin, qmax] (QuantParams::validate's rule).
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const float dmin = std::numeric_limits<float>::denorm_min();
  const std::int32_t qmin = -8, qmax = 7;
  struct Bad {
    float s, r;
    std::int32_t z;
    bool good_r0, good_rd;  // good with r_min = 0 / r_min = denorm_min
  };
  const Bad cases[] = {
      {nan, 1.0f, 0, false, false},        {inf, 1.0f, 0, false, false},       {-inf, 1.0f, 0, false, false},
      {0.0f, 1.0f, 0, false, false},       {-0.0f, 1.0f, 0, false, false},     {FLT_MIN / 2, 1.0f, 0, false, false},
      {-1.0f, 1.0f, 0, false, false},      {FLT_MAX, 1.0f, 0, true, true},     {FLT_MIN, 1.0f, 0, true, true},
      {1.0f, nan, 0, false, false},        {1.0f, inf, 0, false, false},       {1.0f, 0.0f, 0, true, false},
      {1.0f, dmin, 0, true, true},         {1.0f, -dmin, 0, false, false},     {1.0f, FLT_MAX, 0, true, true},
      {1.0f, 1.0f, qmin - 1, false, false}, {1.0f, 1.0f, qmax + 1, false, false}, {1.0f, 1.0f, qmin, true, true},
      {1.0f, 1.0f, qmax, true, true},      {1.0f, 1.0f, INT32_MIN, false, false}, {1.0f, 1.0f, INT32_MAX, false, false},
  };
  qtz_test::for_each_simd_isa([&](Isa isa) {
    // lengths around the vector widths 4 (NEON), 8 (AVX2) and 16 (AVX-512), up to 3W + 1
    const std::size_t lengths[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49};
    for (std::size_t n : lengths) {
      std::vector<float> S(n, 0.5f), R(n, 2.0f);
      std::vector<std::int32_t> Z(n, 3);
      for (float r_min : {0.0f, dmin}) {
        INFO(qtz::name(isa) << " n=" << n << " r_min=" << r_min);
        CHECK(qtz::kernels::params_screen(isa, S.data(), R.data(), Z.data(), n, r_min, qmin, qmax));
      }
      for (std::size_t pos = 0; pos < n; ++pos) {
        for (const Bad& b : cases) {
          S[pos] = b.s;
          R[pos] = b.r;
          Z[pos] = b.z;
          for (float r_min : {0.0f, dmin}) {
            const bool want = r_min == 0.0f ? b.good_r0 : b.good_rd;
            INFO(qtz::name(isa) << " n=" << n << " pos=" << pos << " s=" << b.s << " r=" << b.r << " z=" << b.z
                                << " r_min=" << r_min);
            CHECK(qtz::kernels::scalar::params_screen(S.data(), R.data(), Z.data(), n, r_min, qmin, qmax) == want);
            CHECK(qtz::kernels::params_screen(isa, S.data(), R.data(), Z.data(), n, r_min, qmin, qmax) == want);
          }
          S[pos] = 0.5f;
          R[pos] = 2.0f;
          Z[pos] = 3;
        }
      }
    }
  });
}
