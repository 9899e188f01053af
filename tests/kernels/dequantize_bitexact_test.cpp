// Every SIMD dequantize kernel == the scalar spec (kernels/scalar/quantize.hpp, eq. (6)) byte for
// byte: every code of the 8-bit formats (and all 65536 of the 16-bit ones) at every zero point of
// the 8-bit formats (sampled for 16-bit), several scales, both dequantize operations (R = 0 included),
// per-tensor and per-element parameters, lengths 0..3W+1 at offsets 0..W-1, sentinels after the output.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "support/isa_sweep.hpp"

namespace {

using qtz::DequantOp;
using qtz::Isa;
constexpr std::size_t kW = 16;
const float kScales[] = {0.1f, 1.0f / 3.0f, 3e-5f, 7.0f, 3e38f};

template <class Q>
std::vector<Q> all_codes() {
  std::vector<Q> v;
  for (std::int32_t c = std::numeric_limits<Q>::min(); c <= std::numeric_limits<Q>::max(); ++c)
    v.push_back(static_cast<Q>(c));
  return v;
}

template <class Q>
void sweep_uniform(Isa isa) {
  std::mt19937 g(4);
  const std::vector<Q> codes = all_codes<Q>();
  std::vector<std::int32_t> zps;
  const std::int32_t qmin = std::numeric_limits<Q>::min(), qmax = std::numeric_limits<Q>::max();
  if (sizeof(Q) == 1 && !qtz_test::quick_tier()) {
    for (std::int32_t z = qmin; z <= qmax; ++z) zps.push_back(z);
  } else {
    std::uniform_int_distribution<std::int32_t> u(qmin, qmax);
    zps = {qmin, qmax, (qmin + qmax) / 2, u(g), u(g)};
  }
  for (std::int32_t zp : zps) {
    for (float s : kScales) {
      for (DequantOp op : {DequantOp::multiply, DequantOp::divide_by_inverse}) {
        for (float r : {1.0f / s, 0.0f}) {
          if (op == DequantOp::multiply && r == 0.0f) continue;
          const std::size_t n = codes.size() - 1, off = 1;  // misaligned source
          std::vector<float> want(n + 1, 9.0f), got(n + 1, 9.0f);
          qtz::kernels::scalar::dequantize_uniform(codes.data() + off, want.data(), n, s, r, zp, op);
          qtz::kernels::dequantize_uniform(isa, codes.data() + off, got.data(), n, s, r, zp, op);
          INFO("isa=" << qtz::name(isa) << " Z=" << zp << " S=" << s << " R=" << r
                      << (op == DequantOp::multiply ? " multiply" : " divide_by_inverse"));
          REQUIRE(std::memcmp(want.data(), got.data(), (n + 1) * sizeof(float)) == 0);
        }
      }
    }
  }
}

template <class Q>
void sweep_lengths(Isa isa) {
  const std::vector<Q> codes = all_codes<Q>();
  std::vector<float> want(4 * kW + kW), got(4 * kW + kW);
  std::vector<float> s(4 * kW), r(4 * kW);
  std::vector<std::int32_t> z(4 * kW);
  for (std::size_t k = 0; k < s.size(); ++k) {
    s[k] = kScales[k % 4];
    r[k] = k % 5 == 0 ? 0.0f : 1.0f / s[k];
    z[k] = static_cast<std::int32_t>(codes[(k * 37) % codes.size()]);
  }
  for (DequantOp op : {DequantOp::multiply, DequantOp::divide_by_inverse}) {
    for (bool vec : {false, true}) {
      for (std::size_t n = 0; n <= 3 * kW + 1; ++n) {
        for (std::size_t off = 0; off < kW; ++off) {
          const std::size_t doff = (off * 5) % kW;
          std::fill(want.begin(), want.end(), -7.0f);
          std::fill(got.begin(), got.end(), -7.0f);
          const Q* q = codes.data() + off * 13;
          if (vec) {
            qtz::kernels::scalar::dequantize_vector(q, want.data() + doff, n, s.data() + off, r.data() + off,
                                                    z.data() + off, op);
            qtz::kernels::dequantize_vector(isa, q, got.data() + doff, n, s.data() + off, r.data() + off,
                                            z.data() + off, op);
          } else {
            qtz::kernels::scalar::dequantize_uniform(q, want.data() + doff, n, 0.1f, 10.0f, z[off], op);
            qtz::kernels::dequantize_uniform(isa, q, got.data() + doff, n, 0.1f, 10.0f, z[off], op);
          }
          const bool same = std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0;
          if (!same) {
            INFO("isa=" << qtz::name(isa) << " n=" << n << " offset=" << off << " dst offset=" << doff
                        << (vec ? " per-element" : " uniform"));
            REQUIRE(same);
          }
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("dequantize_uniform: every code, zero point and scale equals the scalar spec", "[bitexact][dequantize]") {
  qtz_test::for_each_simd_isa([](Isa isa) {
    sweep_uniform<std::int8_t>(isa);
    sweep_uniform<std::uint8_t>(isa);
    sweep_uniform<std::int16_t>(isa);
    sweep_uniform<std::uint16_t>(isa);
  });
}

TEST_CASE("dequantize: lengths 0..3W+1 at every offset, per tensor and per element", "[bitexact][dequantize]") {
  qtz_test::for_each_simd_isa([](Isa isa) {
    sweep_lengths<std::int8_t>(isa);
    sweep_lengths<std::uint8_t>(isa);
    sweep_lengths<std::int16_t>(isa);
    sweep_lengths<std::uint16_t>(isa);
  });
}
