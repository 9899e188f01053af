// Every SIMD quantize / fake-quantize kernel == the scalar spec (kernels/scalar/quantize.hpp), byte
// for byte (style-anchors.md §4 G1): curated values (ties k+0.5 and integers k in the t = x/S and
// t = x*R senses with their float neighbours, +-0, denormals, +-inf, NaNs, limits), seeded random
// values and bit patterns, every zero point of the 8-bit formats (sampled for 16-bit and in the
// quick tier), scales with inexact inverses, every rounding mode, both scale operations, lengths
// 0..3W+1 at source/destination offsets 0..W-1 (W = 16, the widest ISA), the non-temporal path,
// and the byte after the output. The expected bytes come from the scalar spec, which shares no code
// with the SIMD bodies (dispatch/kernel_body.inl).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/isa_sweep.hpp"

namespace {

using qtz::DequantOp;
using qtz::Isa;
using qtz::Rounding;
using qtz::ScaleOp;
using qtz::kernels::KernelConfig;

constexpr Rounding kRoundings[] = {Rounding::half_even, Rounding::half_away, Rounding::floor, Rounding::toward_zero,
                                   Rounding::stochastic};
constexpr ScaleOp kScaleOps[] = {ScaleOp::divide, ScaleOp::reciprocal};
// 0x1.8p-126: R' = fl(1/S) ~ 2^125 (fast divide still valid); 3e38: R' subnormal -> exact-division path.
const float kScales[] = {0.1f, 1.0f / 3.0f, 3e-5f, 7.0f, 1.0f, 0x1.8p-126f, 3e38f};
constexpr std::size_t kW = 16;
constexpr std::uint8_t kSentinel = 0xA5;

float inverse(float s) { return 1.0f / s; }

const char* rname(Rounding r) {
  switch (r) {
    case Rounding::half_even: return "half_even";
    case Rounding::half_away: return "half_away";
    case Rounding::floor: return "floor";
    case Rounding::toward_zero: return "toward_zero";
    case Rounding::stochastic: return "stochastic";
  }
  return "?";
}

float step(float x, int k) {
  const float dir = k < 0 ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
  for (int i = 0; i < (k < 0 ? -k : k); ++i) x = std::nextafter(x, dir);
  return x;
}

float from_bits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

std::vector<float> specials() {
  const float inf = std::numeric_limits<float>::infinity();
  const float dmin = std::numeric_limits<float>::denorm_min(), fmin = std::numeric_limits<float>::min();
  const float fmax = std::numeric_limits<float>::max();
  return {0.0f,  -0.0f, dmin, -dmin, 1e-40f, -1e-40f, fmin, -fmin, fmax, -fmax, inf, -inf,
          std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
          from_bits(0x7F800001u), from_bits(0xFFC00123u), 1e10f, -1e10f, 65536.5f, -65537.5f, 16777216.0f};
}

/// Ties k + 0.5 and integers k (both as x = t*S and x = t/R), with float neighbours, ascending in k
/// (a ramp: consecutive outputs differ, which exposes a wrong lane order after packing).
void add_ties(std::vector<float>& v, const std::vector<int>& ks, float s, float r) {
  for (int k : ks) {
    for (double base : {double(k), k + 0.5}) {
      const auto a = static_cast<float>(base * double(s));
      const auto b = static_cast<float>(base / double(r));
      for (int d = -2; d <= 2; ++d) {
        v.push_back(step(a, d));
        v.push_back(step(b, d));
      }
    }
  }
}

void add_random(std::vector<float>& v, std::mt19937& g, float s, int tlo, int thi, int count) {
  std::uniform_real_distribution<float> u(static_cast<float>(tlo - 3), static_cast<float>(thi + 3));
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < count; ++i) v.push_back(u(g) * s);
  for (int i = 0; i < count / 8; ++i) v.push_back(from_bits(bits(g)));
}

std::string describe(Isa isa, Rounding r, ScaleOp op, float s, float inv, std::int32_t zp, KernelConfig c) {
  std::ostringstream o;
  o.precision(9);
  o << "isa=" << qtz::name(isa) << " rounding=" << rname(r) << " op=" << (op == ScaleOp::divide ? "divide" : "reciprocal")
    << " S=" << s << " R=" << inv << " Z=" << zp << " qmin=" << c.qmin << " qmax=" << c.qmax;
  return o.str();
}

/// Quantizes x with the spec and with `isa`; returns "" or a description of the first difference.
template <class Q>
std::string diff_quantize(Isa isa, const float* x, std::size_t n, float s, float inv, std::int32_t zp,
                          const KernelConfig& c, std::uint64_t base) {
  std::vector<Q> want(n + 1), got(n + 1);
  std::memset(got.data(), kSentinel, (n + 1) * sizeof(Q));
  qtz::kernels::scalar::quantize_uniform(x, want.data(), n, s, inv, zp, c, base);
  qtz::kernels::quantize_uniform(isa, x, got.data(), n, s, inv, zp, c, base);
  for (std::size_t k = 0; k < n; ++k) {
    if (want[k] != got[k]) {
      std::ostringstream o;
      o.precision(9);
      o << "element " << k << " of " << n << ": x=" << x[k] << " want " << int(want[k]) << " got " << int(got[k]);
      return o.str();
    }
  }
  const auto* tail = reinterpret_cast<const std::uint8_t*>(got.data() + n);
  for (std::size_t b = 0; b < sizeof(Q); ++b)
    if (tail[b] != kSentinel) return "the element after the output was written";
  return "";
}

template <class Q>
std::vector<std::int32_t> zero_points(std::mt19937& g) {
  const std::int32_t qmin = std::numeric_limits<Q>::min(), qmax = std::numeric_limits<Q>::max();
  std::vector<std::int32_t> z;
  if (sizeof(Q) == 1 && !qtz_test::quick_tier()) {
    for (std::int32_t v = qmin; v <= qmax; ++v) z.push_back(v);
  } else {
    z = {qmin, qmin + 1, (qmin + qmax) / 2, 0 >= qmin ? 0 : qmin, qmax - 1, qmax};
    std::uniform_int_distribution<std::int32_t> u(qmin, qmax);
    for (int i = 0; i < (qtz_test::quick_tier() ? 2 : 6); ++i) z.push_back(u(g));
  }
  return z;
}

/// Values x for one (format, scale) covering the t range of every zero point of the format.
template <class Q>
std::vector<float> values_for(float s, float inv, std::int32_t tlo, std::int32_t thi, std::mt19937& g) {
  std::vector<int> ks;
  const bool wide = thi - tlo > 600 || qtz_test::quick_tier();
  if (!wide) {
    for (int k = tlo - 3; k <= thi + 3; ++k) ks.push_back(k);
  } else {  // ends, zero, and random interior points
    for (int k = tlo - 3; k <= tlo + 3; ++k) ks.push_back(k);
    for (int k = -3; k <= 3; ++k) ks.push_back(k);
    std::uniform_int_distribution<int> u(tlo, thi);
    for (int i = 0; i < 120; ++i) ks.push_back(u(g));
    for (int k = thi - 3; k <= thi + 3; ++k) ks.push_back(k);
  }
  std::vector<float> v = specials();
  add_ties(v, ks, s, inv);
  add_random(v, g, s, tlo, thi, wide ? 400 : 1000);
  return v;
}

template <class Q>
void sweep_zero_points_and_scales(Isa isa) {
  std::mt19937 g(1234);
  const std::int32_t qmin = std::numeric_limits<Q>::min(), qmax = std::numeric_limits<Q>::max();
  const std::vector<std::int32_t> zps = zero_points<Q>(g);
  std::size_t checked = 0;
  constexpr std::size_t kNumScales = sizeof(kScales) / sizeof(kScales[0]);
  for (std::size_t zi = 0; zi < zps.size(); ++zi) {
    const std::int32_t zp = zps[zi];
    for (std::size_t si = 0; si < kNumScales; ++si) {
      // every scale for the range ends and every 16th zero point; two rotating scales otherwise
      const bool all = zi % 16 == 0 || zi + 1 == zps.size() || sizeof(Q) == 2;
      if (!all && si != zi % kNumScales && si != (zi + 3) % kNumScales) continue;
      const float s = kScales[si], inv = inverse(s);
      const std::vector<float> x = values_for<Q>(s, inv, qmin - zp, qmax - zp, g);
      for (ScaleOp op : kScaleOps) {
        for (Rounding r : kRoundings) {
          const KernelConfig c{qmin, qmax, op, DequantOp::multiply, r, 99};
          // divide must not read the stored R: pass a wrong one
          const float stored = op == ScaleOp::divide ? inv * 1.01f : inv;
          const std::string d = diff_quantize<Q>(isa, x.data(), x.size(), s, stored, zp, c, 7);
          INFO(describe(isa, r, op, s, stored, zp, c));
          INFO(d);
          REQUIRE(d.empty());
          ++checked;
        }
      }
    }
  }
  CHECK(checked >= zps.size() * 20);
}

template <class Q>
void sweep_lengths_and_offsets(Isa isa) {
  std::mt19937 g(77);
  const std::int32_t qmin = std::numeric_limits<Q>::min(), qmax = std::numeric_limits<Q>::max();
  const float s = 0.1f, inv = inverse(s);
  std::vector<float> src = values_for<Q>(s, inv, qmin, qmax, g);
  src.resize(4 * kW);
  std::vector<Q> want(4 * kW + kW), got(4 * kW + kW);
  const std::int32_t zp = sizeof(Q) == 1 ? qmin + 3 : 0;
  for (ScaleOp op : kScaleOps) {
    for (Rounding r : kRoundings) {
      const KernelConfig c{qmin, qmax, op, DequantOp::multiply, r, 5};
      for (std::size_t n = 0; n <= 3 * kW + 1; ++n) {
        for (std::size_t off = 0; off < kW; ++off) {
          const std::size_t doff = (off * 7) % kW;  // destination misaligned independently
          std::memset(got.data(), kSentinel, got.size() * sizeof(Q));
          std::memset(want.data(), kSentinel, want.size() * sizeof(Q));
          qtz::kernels::scalar::quantize_uniform(src.data() + off, want.data() + doff, n, s, inv, zp, c, off);
          qtz::kernels::quantize_uniform(isa, src.data() + off, got.data() + doff, n, s, inv, zp, c, off);
          const bool same = std::memcmp(want.data(), got.data(), want.size() * sizeof(Q)) == 0;
          if (!same) {
            INFO(describe(isa, r, op, s, inv, zp, c) << " n=" << n << " src offset=" << off << " dst offset=" << doff);
            REQUIRE(same);  // covers the bytes before and after the output too (sentinels)
          }
        }
      }
    }
  }
}

template <class Q>
void sweep_vector(Isa isa) {
  std::mt19937 g(555);
  const std::int32_t qmin = std::numeric_limits<Q>::min(), qmax = std::numeric_limits<Q>::max();
  const std::size_t n = qtz_test::quick_tier() ? 700 : 4099;
  std::vector<float> s(n), inv(n), x(n);
  std::vector<std::int32_t> zp(n);
  std::uniform_int_distribution<std::int32_t> uz(qmin, qmax);
  std::uniform_int_distribution<int> pick(0, 3), d(-2, 2), half(0, 1);
  const float scales[] = {0.1f, 1.0f / 3.0f, 3e-5f, 7.0f};
  const std::vector<float> sp = specials();
  for (std::size_t k = 0; k < n; ++k) {
    s[k] = scales[pick(g)];
    inv[k] = inverse(s[k]);
    zp[k] = uz(g);
    std::uniform_int_distribution<int> ut(qmin - zp[k] - 2, qmax - zp[k] + 2);
    const double t = ut(g) + 0.5 * half(g);
    x[k] = k % 17 == 0 ? sp[k / 17 % sp.size()] : step(static_cast<float>(t * (half(g) ? s[k] : 1.0 / inv[k])), d(g));
  }
  for (ScaleOp op : kScaleOps) {
    for (Rounding r : kRoundings) {
      const KernelConfig c{qmin, qmax, op, DequantOp::multiply, r, 3};
      for (std::size_t off : {std::size_t{0}, std::size_t{5}}) {
        const std::size_t m = n - off;
        std::vector<Q> want(m + 1, Q(0x5A)), got(m + 1, Q(0x5A));
        qtz::kernels::scalar::quantize_vector(x.data() + off, want.data(), m, s.data() + off, inv.data() + off,
                                              zp.data() + off, c, 11);
        qtz::kernels::quantize_vector(isa, x.data() + off, got.data(), m, s.data() + off, inv.data() + off,
                                      zp.data() + off, c, 11);
        INFO(describe(isa, r, op, 0, 0, 0, c) << " per-element parameters, offset " << off);
        REQUIRE(std::memcmp(want.data(), got.data(), (m + 1) * sizeof(Q)) == 0);
      }
    }
  }
}

/// Fake-quantize (y and the straight-through mask) against the spec.
void sweep_fake(Isa isa, bool vector_params) {
  std::mt19937 g(31);
  const bool quick = qtz_test::quick_tier();  // a sample that still reaches every code path
  const std::size_t n = quick ? 700 : 3000;
  struct Range { std::int32_t qmin, qmax; };
  const Range ranges[] = {{-128, 127}, {0, 255}, {-127, 127}, {-32768, 32767}, {-8, 7}};
  const float scales[] = {0.1f, 1.0f / 3.0f, 7.0f, 3e38f};
  for (std::size_t ri = 0; ri < 5; ++ri) {
    const Range rg = ranges[ri];
    if (quick && ri != 0 && ri != 4) continue;
    for (std::size_t si = 0; si < 4; ++si) {
      const float s0 = scales[si];
      if (quick && si != 1 && si != 3) continue;
      std::vector<float> s(n, s0), inv(n, inverse(s0)), x;
      std::uniform_int_distribution<std::int32_t> uz(rg.qmin, rg.qmax);
      std::vector<std::int32_t> zp(n, uz(g));
      if (vector_params) {
        for (std::size_t k = 0; k < n; ++k) {
          s[k] = scales[k % 3];
          inv[k] = k % 97 == 5 ? 0.0f : inverse(s[k]);  // R = 0: divide_by_inverse gives 0
          zp[k] = uz(g);
        }
      }
      std::vector<int> ks;
      for (int k = rg.qmin - zp[0] - 3; k <= rg.qmax - zp[0] + 3; k += (rg.qmax - rg.qmin > 1000 ? 97 : 1)) ks.push_back(k);
      x = specials();
      add_ties(x, ks, s0, inverse(s0));
      add_random(x, g, s0, rg.qmin - zp[0], rg.qmax - zp[0], 500);
      x.resize(n, 0.25f);
      for (ScaleOp op : kScaleOps) {
        for (DequantOp dop : {DequantOp::multiply, DequantOp::divide_by_inverse}) {
          for (Rounding r : kRoundings) {
            const KernelConfig c{rg.qmin, rg.qmax, op, dop, r, 8};
            for (bool with_mask : {true, false}) {
              const std::size_t off = 3, m = n - off;
              std::vector<float> yw(m + 1, 42.0f), yg(m + 1, 42.0f);
              std::vector<std::uint8_t> mw(m + 1, kSentinel), mg(m + 1, kSentinel);
              if (vector_params) {
                qtz::kernels::scalar::fake_quantize_vector(x.data() + off, yw.data(), with_mask ? mw.data() : nullptr, m,
                                                           s.data() + off, inv.data() + off, zp.data() + off, c, 1);
                qtz::kernels::fake_quantize_vector(isa, x.data() + off, yg.data(), with_mask ? mg.data() : nullptr, m,
                                                   s.data() + off, inv.data() + off, zp.data() + off, c, 1);
              } else {
                qtz::kernels::scalar::fake_quantize_uniform(x.data() + off, yw.data(), with_mask ? mw.data() : nullptr, m,
                                                            s0, inverse(s0), zp[0], c, 1);
                qtz::kernels::fake_quantize_uniform(isa, x.data() + off, yg.data(), with_mask ? mg.data() : nullptr, m,
                                                    s0, inverse(s0), zp[0], c, 1);
              }
              INFO(describe(isa, r, op, s0, inverse(s0), zp[0], c)
                   << (dop == DequantOp::multiply ? " dequant=multiply" : " dequant=divide_by_inverse")
                   << (vector_params ? " per-element" : " uniform") << " mask=" << with_mask);
              REQUIRE(std::memcmp(yw.data(), yg.data(), (m + 1) * sizeof(float)) == 0);
              REQUIRE(std::memcmp(mw.data(), mg.data(), m + 1) == 0);
            }
          }
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("quantize_uniform: every SIMD ISA equals the scalar spec over zero points, scales, modes",
          "[bitexact][quantize]") {
  qtz_test::for_each_simd_isa([](Isa isa) {
    sweep_zero_points_and_scales<std::int8_t>(isa);
    sweep_zero_points_and_scales<std::uint8_t>(isa);
    sweep_zero_points_and_scales<std::int16_t>(isa);
    sweep_zero_points_and_scales<std::uint16_t>(isa);
  });
}

TEST_CASE("quantize_uniform: lengths 0..3W+1 at every offset, nothing written outside the output",
          "[bitexact][quantize]") {
  qtz_test::for_each_simd_isa([](Isa isa) {
    sweep_lengths_and_offsets<std::int8_t>(isa);
    sweep_lengths_and_offsets<std::uint8_t>(isa);
    sweep_lengths_and_offsets<std::int16_t>(isa);
    sweep_lengths_and_offsets<std::uint16_t>(isa);
  });
}

TEST_CASE("quantize_vector: per-element parameters equal the scalar spec", "[bitexact][quantize]") {
  qtz_test::for_each_simd_isa([](Isa isa) {
    sweep_vector<std::int8_t>(isa);
    sweep_vector<std::uint8_t>(isa);
    sweep_vector<std::int16_t>(isa);
    sweep_vector<std::uint16_t>(isa);
  });
}

TEST_CASE("fake_quantize: values and straight-through mask equal the scalar spec", "[bitexact][fake_quantize]") {
  qtz_test::for_each_simd_isa([](Isa isa) {
    sweep_fake(isa, false);
    sweep_fake(isa, true);
  });
}

TEST_CASE("quantize_uniform: the non-temporal path (large n, misaligned destination) equals the spec",
          "[bitexact][quantize]") {
#if defined(__aarch64__)
  // NEON has no non-temporal store (ops::streamf is a plain store): in the quick tier the
  // 4 Mi-element case only costs time.
  if (qtz_test::quick_tier()) return;
#endif
  const std::size_t n = (std::size_t{1} << 22) + 77;  // above kNonTemporalMinElements
  std::vector<float> x(n);
  std::mt19937 g(9);
  std::uniform_real_distribution<float> u(-30.0f, 30.0f);
  for (auto& v : x) v = u(g);
  x[12345] = std::numeric_limits<float>::quiet_NaN();
  qtz_test::for_each_simd_isa([&](Isa isa) {
    const KernelConfig c{-128, 127, ScaleOp::divide, DequantOp::multiply, Rounding::half_even, 0};
    std::vector<std::int8_t> want(n + 8, 0x11), got(n + 8, 0x11);
    qtz::kernels::scalar::quantize_uniform(x.data(), want.data() + 3, n, 0.1f, 10.0f, -5, c);
    qtz::kernels::quantize_uniform(isa, x.data(), got.data() + 3, n, 0.1f, 10.0f, -5, c);
    INFO("isa=" << qtz::name(isa));
    REQUIRE(std::memcmp(want.data(), got.data(), n + 8) == 0);
    std::vector<float> dw(n + 5, 1.5f), dg(n + 5, 1.5f);
    qtz::kernels::scalar::dequantize_uniform(want.data() + 3, dw.data() + 1, n, 0.1f, 10.0f, -5, DequantOp::multiply);
    qtz::kernels::dequantize_uniform(isa, want.data() + 3, dg.data() + 1, n, 0.1f, 10.0f, -5, DequantOp::multiply);
    REQUIRE(std::memcmp(dw.data(), dg.data(), (n + 5) * sizeof(float)) == 0);
  });
}
