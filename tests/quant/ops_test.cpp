// qtz::quantize / dequantize / fake_quantize over raw buffers against the element-wise reference of
// tests/support/elementwise.hpp: ranks 0..5, both layouts, per tensor, per channel on every axis
// (positive and negative), per group on every axis with group sizes 1, 2, 3, a divisor of the axis,
// a non-divisor (partial last block) and one larger than the axis; random per-slot parameters from
// make_params and params_from_scales; int8, uint4, int3, int16, uint16; every rounding mode.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <qtz/core/profile.hpp>
#include <qtz/quant/ops.hpp>

#include "support/elementwise.hpp"

namespace {

using qtz::Granularity;
using qtz::Layout;
using qtz_test::Index;

constexpr Layout kLayouts[] = {Layout::row_major, Layout::col_major};
constexpr qtz::Rounding kRoundings[] = {qtz::Rounding::half_even, qtz::Rounding::half_away, qtz::Rounding::floor,
                                        qtz::Rounding::toward_zero, qtz::Rounding::stochastic};

const char* layout_name(Layout l) { return l == Layout::row_major ? "row_major" : "col_major"; }

std::string gran_name(const Granularity& g) {
  switch (g.kind) {
    case Granularity::Kind::tensor: return "per-tensor";
    case Granularity::Kind::channel: return "per-channel(axis " + std::to_string(g.axis) + ")";
    case Granularity::Kind::group:
      return "per-group(axis " + std::to_string(g.axis) + ", G " + std::to_string(g.block_size) + ")";
  }
  return "?";
}

/// Group sizes for an axis of length D: 1, 2, 3, a divisor, a non-divisor (< D), one above D.
std::vector<std::int64_t> group_sizes(std::int64_t D) {
  std::vector<std::int64_t> g{1, 2, 3, std::max<std::int64_t>(D, 1), D + 2};
  for (std::int64_t k = 2; k < D; ++k)
    if (D % k == 0) { g.push_back(k); break; }
  for (std::int64_t k = 2; k < D; ++k)
    if (D % k != 0) { g.push_back(k); break; }
  std::sort(g.begin(), g.end());
  g.erase(std::unique(g.begin(), g.end()), g.end());
  return g;
}

std::vector<Granularity> granularities(const Index& dims) {
  const int r = static_cast<int>(dims.size());
  std::vector<Granularity> out{Granularity::tensor()};
  for (int a = 0; a < r; ++a) {
    out.push_back(Granularity::channel(a));
    out.push_back(Granularity::channel(a - r));
    bool negative = false;
    for (std::int64_t G : group_sizes(dims[static_cast<std::size_t>(a)])) {
      out.push_back(Granularity::group(negative ? a - r : a, G));  // alternate positive / negative axes
      negative = !negative;
    }
  }
  return out;
}

/// Random data in [-6, 6] with specials: NaN, +-inf, +-0, values that land on ties for S = 1/2^k.
std::vector<float> make_data(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-6.0f, 6.0f);
  std::vector<float> x(n);
  for (auto& v : x) v = u(rng);
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), -0.0f, 0.0f, 0.5f, -1.5f, 2.5f, 1e30f, -1e30f};
  std::uniform_int_distribution<std::size_t> pos(0, n ? n - 1 : 0);
  for (std::size_t k = 0; k < std::min<std::size_t>(n / 4, 10); ++k) x[pos(rng)] = specials[k];
  return x;
}

struct ProfileCase {
  qtz::Compat compat;
  qtz::Scheme scheme;
};
const ProfileCase kProfiles[] = {
    {qtz::Compat::qtz, qtz::Scheme::asymmetric},          {qtz::Compat::qtz, qtz::Scheme::symmetric_full},
    {qtz::Compat::qtz, qtz::Scheme::symmetric_restricted}, {qtz::Compat::pytorch, qtz::Scheme::asymmetric},
    {qtz::Compat::tensorrt, qtz::Scheme::symmetric_full},  {qtz::Compat::onnx, qtz::Scheme::asymmetric},
};

/// Parameters from random per-slot ranges through make_params; the profile is picked by `which`
/// among those that define this format and scheme.
qtz::QuantParams params_from_ranges(qtz::Format f, qtz::Rounding rounding, const Granularity& g, const Index& dims,
                                    std::size_t which, std::mt19937& rng) {
  qtz::QuantSpec spec;
  spec.format = f;
  spec.rounding = rounding;
  spec.seed = rng();
  for (std::size_t t = 0;; ++t) {
    const ProfileCase pc = kProfiles[(which + t) % (sizeof kProfiles / sizeof kProfiles[0])];
    spec.compat = pc.compat;
    spec.scheme = pc.scheme;
    try {
      (void)qtz::profile_rules(spec);
      break;
    } catch (const std::invalid_argument&) {
    }
  }
  if (spec.compat == qtz::Compat::qtz && which % 3 == 1) spec.scale_op = qtz::ScaleOp::reciprocal;
  const std::size_t n = qtz_test::slot_count(dims, g);
  std::uniform_real_distribution<float> ulo(-4.0f, 0.5f), uw(0.0f, 5.0f);
  std::vector<float> lo(n), hi(n);
  for (std::size_t i = 0; i < n; ++i) {
    lo[i] = ulo(rng);
    hi[i] = lo[i] + uw(rng);
    if (!f.is_signed && spec.compat == qtz::Compat::tensorrt) {  // TensorRT's unsigned rule needs lo >= 0
      lo[i] = std::max(lo[i], 0.0f);
      hi[i] = std::max(hi[i], lo[i]);
    }
  }
  if (n > 2) lo[1] = hi[1] = 0.0f;  // a degenerate slot (S = 1 or eps)
  return qtz::make_params(lo, hi, spec, g, qtz::Shape(dims));
}

/// Parameters from random scales and zero points through params_from_scales.
qtz::QuantParams params_from_random_scales(qtz::Format f, qtz::Rounding rounding, const Granularity& g,
                                           const Index& dims, std::mt19937& rng) {
  qtz::QuantSpec spec;
  spec.format = f;
  spec.rounding = rounding;
  spec.seed = rng();
  const std::size_t n = qtz_test::slot_count(dims, g);
  std::uniform_real_distribution<float> le(-6.0f, 0.0f);
  std::uniform_int_distribution<std::int32_t> z(f.qmin(), f.qmax());
  std::vector<float> s(n);
  std::vector<std::int32_t> zp(n);
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = std::exp2(le(rng)) * 1.1f;  // inexact inverses
    zp[i] = z(rng);
  }
  return qtz::params_from_scales(s, zp, spec, g, qtz::Shape(dims));
}

/// Runs quantize / dequantize / fake_quantize (with and without mask) in both layouts on the
/// logical row-major data x_rm and compares byte for byte with the element-wise reference; the
/// two layouts must give the same logical codes.
template <class Q>
void check_all_ops(const std::vector<float>& x_rm, const Index& dims, const qtz::QuantParams& p) {
  const qtz::Shape shape(dims);
  std::vector<std::vector<Q>> logical_codes;
  for (Layout layout : kLayouts) {
    INFO("layout " << layout_name(layout));
    const std::vector<float> x = qtz_test::from_row_major(x_rm, dims, layout);
    std::vector<Q> q(x.size());
    qtz::quantize(qtz::Span<const float>(x.data(), x.size()), qtz::Span<Q>(q), shape, p, layout);
    const std::vector<Q> q_ref = qtz_test::ref_quantize<Q>(x.data(), dims, layout, p);
    REQUIRE(q == q_ref);
    logical_codes.push_back(qtz_test::to_row_major(q.data(), dims, layout));

    std::vector<float> d(x.size());
    qtz::dequantize(qtz::Span<const Q>(q.data(), q.size()), qtz::Span<float>(d), shape, p, layout);
    REQUIRE(qtz_test::same_bits(d, qtz_test::ref_dequantize(q.data(), dims, layout, p)));

    std::vector<float> y_ref;
    std::vector<std::uint8_t> m_ref;
    qtz_test::ref_fake_quantize(x.data(), dims, layout, p, y_ref, m_ref);
    std::vector<float> y(x.size(), -7.0f), y2(x.size(), -7.0f);
    std::vector<std::uint8_t> m(x.size(), 9);
    qtz::fake_quantize(qtz::Span<const float>(x.data(), x.size()), qtz::Span<float>(y), shape, p, layout);
    REQUIRE(qtz_test::same_bits(y, y_ref));
    qtz::fake_quantize(qtz::Span<const float>(x.data(), x.size()), qtz::Span<float>(y2), shape, p, layout,
                       qtz::Span<std::uint8_t>(m));
    REQUIRE(qtz_test::same_bits(y2, y_ref));
    REQUIRE(m == m_ref);
  }
  // The contract: codes depend on the logical data only, never on the layout (stochastic included).
  REQUIRE(logical_codes[0] == logical_codes[1]);
}

template <class Q>
void sweep_format(qtz::Format f, const Index& dims, std::mt19937& rng) {
  const std::vector<float> x = make_data(qtz::Shape(dims).size(), rng);
  std::size_t which = 0;
  for (const Granularity& g : granularities(dims)) {
    for (qtz::Rounding rounding : kRoundings) {
      INFO("shape " << qtz::Shape(dims).str() << ", " << gran_name(g) << ", format " << f.name() << ", rounding "
                    << static_cast<int>(rounding));
      {
        const qtz::QuantParams p = params_from_ranges(f, rounding, g, dims, which++, rng);
        INFO("make_params, compat " << qtz::to_string(p.compat) << ", scheme " << qtz::to_string(p.scheme));
        check_all_ops<Q>(x, dims, p);
      }
      {
        INFO("params_from_scales");
        check_all_ops<Q>(x, dims, params_from_random_scales(f, rounding, g, dims, rng));
      }
    }
  }
}

const std::vector<Index> kShapes = {
    {13}, {5, 6}, {3, 4, 5}, {3, 4, 2, 5}, {2, 3, 4, 3, 5},
};

template <class F>
std::string thrown_message(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return std::string("invalid_argument: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  return "no exception";
}

}  // namespace

TEST_CASE("ops: every granularity and axis in both layouts equals the element-wise loop (8 and 16 bits)") {
  std::mt19937 rng(20240611u);
  for (const Index& dims : kShapes) {
    sweep_format<std::int8_t>(qtz::Format::make(8, true), dims, rng);
    sweep_format<std::uint16_t>(qtz::Format::make(16, false), dims, rng);
  }
}

TEST_CASE("ops: every granularity and axis in both layouts equals the element-wise loop (sub-byte, int16)") {
  std::mt19937 rng(77u);
  for (const Index& dims : kShapes) {
    sweep_format<std::uint8_t>(qtz::Format::make(4, false), dims, rng);
    sweep_format<std::int8_t>(qtz::Format::make(3, true), dims, rng);
    sweep_format<std::int16_t>(qtz::Format::make(16, true), dims, rng);
  }
}

TEST_CASE("ops: random shapes of rank 1..5 with dimensions of 1") {
  std::mt19937 rng(5u);
  std::uniform_int_distribution<std::int64_t> dim(1, 4);
  for (int rank = 1; rank <= 5; ++rank) {
    for (int rep = 0; rep < 2; ++rep) {
      Index dims(static_cast<std::size_t>(rank));
      for (auto& d : dims) d = dim(rng);
      dims[static_cast<std::size_t>(rep % rank)] = 1;  // a unit axis
      sweep_format<std::int8_t>(qtz::Format::make(8, true), dims, rng);
    }
  }
}

TEST_CASE("ops: rank-0 tensor (one element) per tensor") {
  std::mt19937 rng(3u);
  const Index dims{};
  for (qtz::Rounding r : kRoundings) {
    for (float v : {1.26f, -3.5f, 0.0f, std::numeric_limits<float>::quiet_NaN()}) {
      check_all_ops<std::int8_t>({v}, dims, params_from_random_scales(qtz::Format::make(8, true), r,
                                                                      Granularity::tensor(), dims, rng));
    }
  }
}

TEST_CASE("ops: hand-computed per-channel and per-group codes in both layouts") {
  // Shape [2, 3], logical row-major x = [[1, 2, 3], [-1, -2, -3]].
  const Index dims{2, 3};
  const std::vector<float> x_rm{1.0f, 2.0f, 3.0f, -1.0f, -2.0f, -3.0f};
  qtz::QuantSpec spec;  // int8, half_even, divide
  SECTION("per channel on axis 1: S = {1, 0.5, 0.25}, Z = {0, 1, -1}") {
    const auto p = qtz::params_from_scales({1.0f, 0.5f, 0.25f}, {0, 1, -1}, spec, Granularity::channel(1),
                                           qtz::Shape(dims));
    const std::vector<std::int8_t> expect_rm{1, 5, 11, -1, -3, -13};
    for (Layout l : kLayouts) {
      const auto x = qtz_test::from_row_major(x_rm, dims, l);
      std::vector<std::int8_t> q(6);
      qtz::quantize(x.data(), q.data(), qtz::Shape(dims), p, l);
      CHECK(qtz_test::to_row_major(q.data(), dims, l) == expect_rm);
    }
  }
  SECTION("per group on axis 1 with G = 2 (partial last block): S = {{1, 0.5}, {0.25, 2}}") {
    const auto p = qtz::params_from_scales({1.0f, 0.5f, 0.25f, 2.0f}, {0, 0, 0, 0}, spec, Granularity::group(1, 2),
                                           qtz::Shape(dims));
    const std::vector<std::int8_t> expect_rm{1, 2, 6, -4, -8, -2};  // -3/2 = -1.5 -> -2 (half even)
    for (Layout l : kLayouts) {
      const auto x = qtz_test::from_row_major(x_rm, dims, l);
      std::vector<std::int8_t> q(6);
      qtz::quantize(x.data(), q.data(), qtz::Shape(dims), p, l);
      CHECK(qtz_test::to_row_major(q.data(), dims, l) == expect_rm);
    }
  }
  SECTION("per group on axis 0 with G = 1: scale_shape [2, 3], one scale per element here") {
    const auto p = qtz::params_from_scales({0.5f, 0.5f, 0.5f, 2.0f, 2.0f, 2.0f}, {3, 3, 3, -3, -3, -3}, spec,
                                           Granularity::group(0, 1), qtz::Shape(dims));
    // row 0: x / 0.5 + 3 = 5, 7, 9; row 1: x / 2 - 3 = -3.5 -> -4 + ... = round(-0.5) - 3 = -3, -4, round(-1.5) - 3 = -5
    const std::vector<std::int8_t> expect_rm{5, 7, 9, -3, -4, -5};
    for (Layout l : kLayouts) {
      const auto x = qtz_test::from_row_major(x_rm, dims, l);
      std::vector<std::int8_t> q(6);
      qtz::quantize(x.data(), q.data(), qtz::Shape(dims), p, l);
      CHECK(qtz_test::to_row_major(q.data(), dims, l) == expect_rm);
    }
  }
}

TEST_CASE("ops: stochastic rounding gives the same logical codes in both layouts and is not half-even") {
  const Index dims{3, 4, 5};
  std::vector<float> x_rm(60);
  for (std::size_t i = 0; i < x_rm.size(); ++i) x_rm[i] = 0.25f + static_cast<float>(i % 7);  // frac 0.25
  qtz::QuantSpec spec;
  spec.rounding = qtz::Rounding::stochastic;
  spec.seed = 12345;
  for (const Granularity& g : {Granularity::tensor(), Granularity::channel(1), Granularity::group(2, 2)}) {
    INFO(gran_name(g));
    const std::size_t n = qtz_test::slot_count(dims, g);
    const auto p = qtz::params_from_scales(std::vector<float>(n, 1.0f), std::vector<std::int32_t>(n, 0), spec, g,
                                           qtz::Shape(dims));
    std::vector<std::vector<std::int8_t>> codes;
    for (Layout l : kLayouts) {
      const auto x = qtz_test::from_row_major(x_rm, dims, l);
      std::vector<std::int8_t> q(60);
      qtz::quantize(x.data(), q.data(), qtz::Shape(dims), p, l);
      codes.push_back(qtz_test::to_row_major(q.data(), dims, l));
    }
    CHECK(codes[0] == codes[1]);
    std::size_t rounded_up = 0;
    for (std::size_t i = 0; i < 60; ++i) {
      const auto fl = static_cast<int>(std::floor(x_rm[i]));
      REQUIRE((codes[0][i] == fl || codes[0][i] == fl + 1));
      rounded_up += codes[0][i] == fl + 1 ? 1 : 0;
    }
    CHECK(rounded_up > 0);   // frac 0.25: about 15 of 60 round up
    CHECK(rounded_up < 40);
  }
}

TEST_CASE("ops: empty tensors (a zero dimension) are no-ops") {
  qtz::QuantSpec spec;
  for (const Index& dims : std::vector<Index>{{0}, {3, 0, 4}, {2, 3, 0}, {0, 5}}) {
    const qtz::Shape shape(dims);
    for (const Granularity& g : granularities(dims)) {
      INFO(shape.str() << " " << gran_name(g));
      const std::size_t n = qtz_test::slot_count(dims, g);
      const auto p = qtz::params_from_scales(std::vector<float>(n, 0.5f), std::vector<std::int32_t>(n, 0), spec, g,
                                             shape);
      for (Layout l : kLayouts) {
        std::vector<float> x, y;
        std::vector<std::int8_t> q;
        std::vector<std::uint8_t> m;
        CHECK_NOTHROW(qtz::quantize(qtz::Span<const float>(x.data(), 0), qtz::Span<std::int8_t>(q), shape, p, l));
        CHECK_NOTHROW(qtz::dequantize(qtz::Span<const std::int8_t>(q.data(), 0), qtz::Span<float>(y), shape, p, l));
        CHECK_NOTHROW(qtz::fake_quantize(qtz::Span<const float>(x.data(), 0), qtz::Span<float>(y), shape, p, l,
                                         qtz::Span<std::uint8_t>(m)));
      }
    }
  }
}

TEST_CASE("ops: size mismatches throw std::invalid_argument naming input, output or mask") {
  const qtz::Shape shape{2, 3};
  qtz::QuantSpec spec;
  const auto p = qtz::params_from_scales({1.0f, 1.0f, 1.0f}, {0, 0, 0}, spec, Granularity::channel(1), shape);
  std::vector<float> x5(5), x6(6), x7(7), y6(6), y5(5);
  std::vector<std::int8_t> q6(6), q7(7), q5(5);
  std::vector<std::uint8_t> m5(5), m6(6);
  using qtz::Span;
  CHECK_THAT(thrown_message([&] { qtz::quantize(Span<const float>(x5.data(), 5), Span<std::int8_t>(q6), shape, p); }),
             Catch::StartsWith("invalid_argument") && Catch::Contains("input") && Catch::Contains("[2, 3]"));
  CHECK_THAT(thrown_message([&] { qtz::quantize(Span<const float>(x6.data(), 6), Span<std::int8_t>(q7), shape, p); }),
             Catch::StartsWith("invalid_argument") && Catch::Contains("output"));
  CHECK_THAT(thrown_message([&] { qtz::dequantize(Span<const std::int8_t>(q5.data(), 5), Span<float>(y6), shape, p); }),
             Catch::StartsWith("invalid_argument") && Catch::Contains("input"));
  CHECK_THAT(thrown_message([&] { qtz::dequantize(Span<const std::int8_t>(q6.data(), 6), Span<float>(y5), shape, p); }),
             Catch::StartsWith("invalid_argument") && Catch::Contains("output"));
  CHECK_THAT(thrown_message([&] { qtz::fake_quantize(Span<const float>(x7.data(), 7), Span<float>(y6), shape, p); }),
             Catch::StartsWith("invalid_argument") && Catch::Contains("input"));
  CHECK_THAT(thrown_message([&] { qtz::fake_quantize(Span<const float>(x6.data(), 6), Span<float>(y5), shape, p); }),
             Catch::StartsWith("invalid_argument") && Catch::Contains("output"));
  CHECK_THAT(thrown_message([&] {
               qtz::fake_quantize(Span<const float>(x6.data(), 6), Span<float>(y6), shape, p, Layout::row_major,
                                  Span<std::uint8_t>(m5));
             }),
             Catch::StartsWith("invalid_argument") && Catch::Contains("mask"));
  // Correct sizes pass.
  CHECK(thrown_message([&] {
          qtz::fake_quantize(Span<const float>(x6.data(), 6), Span<float>(y6), shape, p, Layout::col_major,
                             Span<std::uint8_t>(m6));
        }) == "no exception");
}

TEST_CASE("ops: parameters whose scale_shape does not fit the tensor throw") {
  qtz::QuantSpec spec;
  const qtz::Shape s23{2, 3}, s24{2, 4}, s32{3, 2}, s49{4, 9}, s48{4, 8};
  const auto per_channel = qtz::params_from_scales({1.0f, 1.0f, 1.0f}, {0, 0, 0}, spec, Granularity::channel(1), s23);
  const auto per_group = qtz::params_from_scales(std::vector<float>(8, 1.0f), std::vector<std::int32_t>(8, 0), spec,
                                                 Granularity::group(1, 4), s48);  // scale_shape [4, 2]
  std::vector<float> x(36), y(36);
  std::vector<std::int8_t> q(36);
  auto quant = [&](const qtz::Shape& s, const qtz::QuantParams& p) {
    return thrown_message([&] { qtz::quantize(x.data(), q.data(), s, p); });
  };
  auto fake = [&](const qtz::Shape& s, const qtz::QuantParams& p) {
    return thrown_message([&] { qtz::fake_quantize(x.data(), y.data(), s, p, Layout::col_major); });
  };
  auto deq = [&](const qtz::Shape& s, const qtz::QuantParams& p) {
    return thrown_message([&] { qtz::dequantize(q.data(), y.data(), s, p); });
  };
  CHECK_THAT(quant(s24, per_channel), Catch::StartsWith("invalid_argument") && Catch::Contains("scale_shape"));
  CHECK_THAT(fake(s32, per_channel), Catch::StartsWith("invalid_argument") && Catch::Contains("scale_shape"));
  CHECK_THAT(deq(s24, per_channel), Catch::StartsWith("invalid_argument") && Catch::Contains("scale_shape"));
  CHECK_THAT(quant(s49, per_group), Catch::StartsWith("invalid_argument") && Catch::Contains("scale_shape"));
  CHECK(quant(s48, per_group) == "no exception");
  // A count mismatch inside the parameters themselves.
  auto broken = per_channel;
  broken.zero_point.pop_back();
  CHECK_THAT(quant(s23, broken), Catch::StartsWith("invalid_argument") && Catch::Contains("zero_point"));
}
