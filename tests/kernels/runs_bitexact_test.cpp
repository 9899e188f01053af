// kernels::quantize_runs (per channel with the axis outermost / innermost, per group with the
// blocked axis innermost, in one call) on every SIMD ISA == the scalar spec, byte for byte. The
// expected bytes are scalar::quantize_value per element with the parameter index computed here as
// (phase + k / run) % period, independently of the kernel and of kernels::quantize_runs_reference.
// Covered: the fast 8-bit paths (run % W == 0 broadcast, run == 1 tables) and their fallbacks
// (zero point outside [qmin, qmax], R' = fl(1/S) not normal, NaN / overflow blocks, ties of
// x/S and x*R, risky divide blocks), every rounding, both scale operations, narrow ranges, int16
// codes, periods above the table limit, phases, lengths around the 4W block, and the byte after
// the output.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "support/isa_sweep.hpp"

namespace {

using qtz::DequantOp;
using qtz::Isa;
using qtz::Rounding;
using qtz::ScaleOp;
using qtz::kernels::KernelConfig;

constexpr std::uint8_t kSentinel = 0xC3;

struct Params {
  std::vector<float> s, r;
  std::vector<std::int32_t> z;
};

/// `count` parameters: inexact-inverse scales, sometimes a scale whose fl(1/S) is subnormal, zero
/// points inside [qmin, qmax] and (when `outside`) occasionally outside it.
Params make_params(std::mt19937& g, std::size_t count, std::int32_t qmin, std::int32_t qmax, bool odd_scales,
                   bool outside) {
  const float scales[] = {0.1f, 1.0f / 3.0f, 3e-5f, 7.0f, 0.0473f};
  Params p;
  std::uniform_int_distribution<int> pick(0, 4), z(qmin, qmax), coin(0, 29);
  for (std::size_t k = 0; k < count; ++k) {
    float s = scales[pick(g)];
    if (odd_scales && coin(g) == 0) s = k % 2 ? 3e38f : 0x1.8p-126f;
    p.s.push_back(s);
    p.r.push_back(1.0f / s);
    std::int32_t zp = z(g);
    if (outside && coin(g) == 1) zp = qmax + 3;
    p.z.push_back(zp);
  }
  return p;
}

/// Values for element k: ties (j + 0.5) * S and j * S of its own parameter with float neighbours,
/// random values in and around the range, and a sprinkling of specials.
std::vector<float> make_values(std::mt19937& g, std::size_t n, std::size_t run, std::size_t period, std::size_t phase,
                               const Params& p, std::int32_t qmin, std::int32_t qmax) {
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(), 1e10f, -1e10f,
                            std::numeric_limits<float>::denorm_min(), 3e9f};
  std::uniform_int_distribution<int> kind(0, 40), d(-1, 1);
  std::vector<float> x(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t pi = (phase + k / run) % period;
    std::uniform_int_distribution<int> t(qmin - p.z[pi] - 3, qmax - p.z[pi] + 3);
    const int c = kind(g);
    if (c == 0) {
      x[k] = specials[k % (sizeof(specials) / sizeof(specials[0]))];
    } else {
      const double tv = t(g) + (c % 2 ? 0.5 : 0.0);
      float v = static_cast<float>(tv * (c % 3 ? double(p.s[pi]) : 1.0 / double(p.r[pi])));
      const int step = d(g);
      if (step != 0) v = std::nextafter(v, step > 0 ? inf : -inf);
      x[k] = v;
    }
  }
  return x;
}

template <class Q>
void check_case(Isa isa, std::mt19937& g, std::size_t n, std::size_t run, std::size_t period, std::size_t phase,
                std::int32_t qmin, std::int32_t qmax, bool outside) {
  const Params p = make_params(g, period, qmin, qmax, true, outside);
  const std::vector<float> x = make_values(g, n, run, period, phase, p, qmin, qmax);
  for (ScaleOp op : {ScaleOp::divide, ScaleOp::reciprocal}) {
    for (Rounding rm : {Rounding::half_even, Rounding::half_away, Rounding::floor, Rounding::toward_zero,
                        Rounding::stochastic}) {
      const KernelConfig c{qmin, qmax, op, DequantOp::multiply, rm, 17};
      std::vector<Q> want(n + 1), got(n + 1);
      std::memset(got.data(), kSentinel, (n + 1) * sizeof(Q));
      std::memset(want.data(), kSentinel, (n + 1) * sizeof(Q));
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t pi = (phase + k / run) % period;
        want[k] = static_cast<Q>(qtz::kernels::scalar::quantize_value(x[k], p.s[pi], p.r[pi], p.z[pi], c, 100 + k));
      }
      qtz::kernels::quantize_runs(isa, x.data(), got.data(), n, run, p.s.data(), p.r.data(), p.z.data(), period, phase,
                                  c, 100);
      std::size_t first = n + 1;
      for (std::size_t k = 0; k <= n && first > n; ++k)
        if (std::memcmp(&want[k], &got[k], sizeof(Q)) != 0) first = k;
      INFO("isa=" << qtz::name(isa) << " Q bytes=" << sizeof(Q) << " n=" << n << " run=" << run << " period=" << period
                  << " phase=" << phase << " qmin=" << qmin << " qmax=" << qmax << " op="
                  << (op == ScaleOp::divide ? "divide" : "reciprocal") << " rounding=" << int(rm));
      if (first <= n) {
        const std::size_t pi = (phase + first / run) % period;
        INFO("first difference at element " << first << (first == n ? " (the element after the output)" : "")
                                            << " x=" << (first < n ? x[first] : 0.0f) << " S=" << p.s[pi]
                                            << " Z=" << p.z[pi] << " want " << int(want[first]) << " got "
                                            << int(got[first]));
        REQUIRE(first > n);
      }
    }
  }
}

struct Shape {
  std::size_t n, run, period, phase;
};

template <class Q>
void sweep(Isa isa, std::int32_t qmin, std::int32_t qmax) {
  std::mt19937 g(2024 + static_cast<unsigned>(qmin * 7 + qmax));
  const bool quick = qtz_test::quick_tier();
  // run % 16 == 0 (broadcast path on every ISA), run == 1 (tables; period > 1024 -> rows),
  // other runs (per-run fallback), tails around the 4W = 64 block; runs of W and 2W (the window
  // source, body::ShortRunSrc) with periods below, near and above W.
  std::vector<Shape> shapes = {{0, 16, 3, 0},     {63, 16, 3, 1},    {64, 16, 1, 0},   {200, 32, 5, 4},
                               {1000, 32, 40, 0}, {777, 64, 7, 6},   {1300, 128, 3, 2}, {640, 16, 1000, 999},
                               {333, 1, 64, 0},   {1000, 1, 7, 3},   {257, 1, 1, 0},    {1200, 1, 1100, 1050},
                               {500, 5, 9, 2},    {400, 48, 4, 1},   {130, 8, 3, 0},
                               // short runs (W or 2W): parameter windows that wrap inside and between windows
                               {3000, 8, 50, 49}, {4100, 16, 17, 16}, {2600, 32, 21, 20}, {2100, 16, 2, 1}};
  if (quick) shapes = {{200, 32, 5, 4}, {777, 64, 7, 6}, {333, 1, 64, 0}, {300, 1, 7, 3}, {300, 5, 9, 2}, {63, 16, 3, 1}};
  for (const Shape& s : shapes) {
    check_case<Q>(isa, g, s.n, s.run, s.period, s.phase, qmin, qmax, false);
    if (!quick) check_case<Q>(isa, g, s.n, s.run, s.period, s.phase, qmin, qmax, true);
  }
}

}  // namespace

TEST_CASE("quantize_runs: every SIMD ISA equals the scalar spec per element", "[bitexact][quantize]") {
  qtz_test::for_each_simd_isa([](Isa isa) {
    sweep<std::int8_t>(isa, -128, 127);
    sweep<std::uint8_t>(isa, 0, 255);
    sweep<std::int8_t>(isa, -8, 7);    // int4 in int8 storage: the 8-bit clamp does the work
    sweep<std::uint8_t>(isa, 1, 254);
    sweep<std::int16_t>(isa, -32768, 32767);
  });
}

TEST_CASE("quantize_runs: the scalar reference walks runs as documented", "[quantize]") {
  // Hand-computed: run 2, period 3, phase 1 over 7 elements -> parameters 1 1 2 2 0 0 1.
  const float x[7] = {10, 10, 10, 10, 10, 10, 10};
  const float s[3] = {1.0f, 2.0f, 5.0f}, r[3] = {1.0f, 0.5f, 0.2f};
  const std::int32_t z[3] = {0, 1, 2};
  const KernelConfig c{-128, 127, ScaleOp::divide, DequantOp::multiply, Rounding::half_even, 0};
  std::int8_t q[7] = {};
  qtz::kernels::quantize_runs_reference(x, q, 7, 2, s, r, z, 3, 1, c);
  const std::int8_t want[7] = {6, 6, 4, 4, 10, 10, 6};  // 10/2+1, 10/5+2, 10/1+0
  for (int k = 0; k < 7; ++k) CHECK(int(q[k]) == int(want[k]));
  std::int8_t q2[7] = {};
  qtz::kernels::quantize_runs(Isa::scalar, x, q2, 7, 2, s, r, z, 3, 1, c);
  CHECK(std::memcmp(q, q2, 7) == 0);
}

TEST_CASE("quantize_runs: the non-temporal path (large n, aligned and misaligned destinations)",
          "[bitexact][quantize]") {
#if defined(__aarch64__)
  if (qtz_test::quick_tier()) return;  // NEON has no non-temporal store; qemu time only
#endif
  const std::size_t n = (std::size_t{1} << 22) + 77;  // above kNonTemporalMinElements
  std::mt19937 g(4);
  std::uniform_real_distribution<float> u(-9.0f, 9.0f);
  std::vector<float> x(n);
  for (auto& v : x) v = u(g);
  x[777] = std::numeric_limits<float>::quiet_NaN();
  x[n / 2] = 1e12f;
  const Params p = make_params(g, 300, -128, 127, false, false);
  struct Case {
    std::size_t run, period, phase, dst_off;
  };
  // 64-byte aligned start (at least one byte into the buffer) + dst_off: head of 48 (multiple of W: streamed), 3 (broadcast walk
  // falls back to plain stores), run 1 with any head (tables: streamed).
  const Case cases[] = {{32, 300, 7, 16}, {32, 300, 0, 3}, {128, 5, 2, 0}, {1, 64, 5, 5}, {1, 300, 299, 16}};
  for (ScaleOp op : {ScaleOp::divide, ScaleOp::reciprocal}) {
    const KernelConfig c{-128, 127, op, DequantOp::multiply, Rounding::half_even, 0};
    for (const Case& cs : cases) {
      std::vector<std::int8_t> want(n + 128, 0x11), got(n + 128, 0x11);
      auto* w = reinterpret_cast<std::int8_t*>((reinterpret_cast<std::uintptr_t>(want.data()) + 64) / 64 * 64) + cs.dst_off;
      auto* gt = reinterpret_cast<std::int8_t*>((reinterpret_cast<std::uintptr_t>(got.data()) + 64) / 64 * 64) + cs.dst_off;
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t pi = (cs.phase + k / cs.run) % cs.period;
        w[k] = static_cast<std::int8_t>(qtz::kernels::scalar::quantize_value(x[k], p.s[pi], p.r[pi], p.z[pi], c, k));
      }
      qtz_test::for_each_simd_isa([&](Isa isa) {
        std::memset(got.data(), 0x11, got.size());
        qtz::kernels::quantize_runs(isa, x.data(), gt, n, cs.run, p.s.data(), p.r.data(), p.z.data(), cs.period,
                                    cs.phase, c, 0);
        INFO("isa=" << qtz::name(isa) << " run=" << cs.run << " period=" << cs.period << " dst offset=" << cs.dst_off
                    << " op=" << (op == ScaleOp::divide ? "divide" : "reciprocal"));
        REQUIRE(std::memcmp(w, gt, n) == 0);
        REQUIRE(gt[n] == 0x11);  // the byte after the output
        REQUIRE(gt[-1] == 0x11);
      });
    }
  }
}
