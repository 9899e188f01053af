// The ISA selection rule (style-anchors.md §4 C3), detection against an independent source
// (__builtin_cpu_supports), name(), and the stability of active_isa(). QTZ_FORCE_ISA is tested
// through select_isa(), the function active_isa() applies to the variable, never by mutating the
// cached choice.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <string>

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
