// qtz::Quantizer over Eigen::Tensor of rank 1..5 in both layouts with PerTensor, PerChannel on every
// axis and PerGroup on every axis: calibrated parameters against make_params over per-slot ranges
// computed with a plain loop, codes / dequantize() / fake_quantize() against the element-wise
// reference, RowMajor vs ColMajor equality; construction and params() errors; metric wrappers.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include <qtz/eigen/quantizer.hpp>

#include "support/elementwise.hpp"

namespace {

using qtz::Layout;
using qtz_test::Index;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

/// What one Quantizer run produced, in logical row-major order.
struct Result {
  std::vector<std::int32_t> codes_rm;
  std::vector<float> dequant_rm, fake_rm;
  qtz::QuantParams params;
};

/// Per-slot finite min/max with a plain loop (zeros reported as +0).
void plain_ranges(const std::vector<float>& x_rm, const Index& dims, const qtz::Granularity& g, std::vector<float>& lo,
                  std::vector<float>& hi) {
  const std::size_t n = qtz_test::slot_count(dims, g);
  lo.assign(n, kInf);
  hi.assign(n, -kInf);
  qtz_test::for_each_index(dims, [&](const Index& idx, std::size_t lin) {
    const float v = x_rm[lin];
    if (!std::isfinite(v)) return;
    const std::size_t s = qtz_test::param_slot(idx, dims, g);
    if (v < lo[s]) lo[s] = v;
    if (v > hi[s]) hi[s] = v;
  });
  for (auto& v : lo) v = v == 0.0f ? 0.0f : v;
  for (auto& v : hi) v = v == 0.0f ? 0.0f : v;
}

/// Observes `first` (a finite batch, so that slots of one element have a range) and x (with NaN and
/// inf), then checks params / codes / dequantize / fake_quantize of x against the references.
template <class Fmt, class SchemeTag, class Gran, class T>
Result check_quantizer(const T& first, const std::vector<float>& first_rm, const T& x, const Gran& gran,
                       const std::vector<float>& x_rm, const Index& dims, Layout layout,
                       qtz::QuantizerOptions opt) {
  const qtz::Granularity g = gran.granularity();
  qtz::Quantizer<Fmt, SchemeTag, Gran> q{gran, opt};
  q.observe(first).observe(x);
  const qtz::QuantParams p = q.params();

  std::vector<float> lo, hi, lo2, hi2;
  plain_ranges(first_rm, dims, g, lo, hi);
  plain_ranges(x_rm, dims, g, lo2, hi2);
  for (std::size_t i = 0; i < lo.size(); ++i) {
    if (lo2[i] < lo[i]) lo[i] = lo2[i];
    if (hi2[i] > hi[i]) hi[i] = hi2[i];
  }
  qtz::QuantSpec spec;
  spec.format = qtz::format_traits<Fmt>::format();
  spec.scheme = SchemeTag::value;
  spec.rounding = opt.rounding;
  spec.seed = opt.seed;
  spec.scale_op = opt.scale_op;
  const qtz::QuantParams e = qtz::make_params(lo, hi, spec, g, qtz::Shape(dims));
  REQUIRE(p.scale_shape == e.scale_shape);
  REQUIRE(qtz_test::same_bits(p.range_min, e.range_min));
  REQUIRE(qtz_test::same_bits(p.range_max, e.range_max));
  REQUIRE(qtz_test::same_bits(p.scale, e.scale));
  REQUIRE(qtz_test::same_bits(p.inv_scale, e.inv_scale));
  REQUIRE(p.zero_point == e.zero_point);
  REQUIRE(p.rounding == opt.rounding);
  REQUIRE(p.seed == opt.seed);
  REQUIRE(p.scale_op == e.scale_op);
  REQUIRE(p.dequant_op == e.dequant_op);
  REQUIRE(p.granularity.kind == g.kind);
  REQUIRE(p.granularity.block_size == g.block_size);

  const auto qt = q.quantize(x);
  using Codes = decltype(qt.codes);
  REQUIRE(qt.layout() == layout);
  REQUIRE(static_cast<std::size_t>(Codes::NumDimensions) == dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) REQUIRE(qt.codes.dimension(i) == dims[i]);
  REQUIRE(qtz_test::same_bits(qt.params.scale, e.scale));

  using S = qtz::storage_t<Fmt>;
  const std::vector<float> x_mem = qtz_test::from_row_major(x_rm, dims, layout);
  const std::vector<S> ref = qtz_test::ref_quantize<S>(x_mem.data(), dims, layout, e);
  const std::vector<S> got(qt.codes.data(), qt.codes.data() + qt.codes.size());
  REQUIRE(got == ref);

  const auto d = qt.dequantize();
  REQUIRE(static_cast<int>(decltype(d)::Layout) == qtz::eigen::options_of(layout));
  const std::vector<float> d_got(d.data(), d.data() + d.size());
  REQUIRE(qtz_test::same_bits(d_got, qtz_test::ref_dequantize(ref.data(), dims, layout, e)));

  const auto f = q.fake_quantize(x);
  REQUIRE(static_cast<int>(decltype(f)::Layout) == qtz::eigen::options_of(layout));
  for (std::size_t i = 0; i < dims.size(); ++i) REQUIRE(f.dimension(i) == dims[i]);
  std::vector<float> y_ref;
  std::vector<std::uint8_t> m_ref;
  qtz_test::ref_fake_quantize(x_mem.data(), dims, layout, e, y_ref, m_ref);
  const std::vector<float> f_got(f.data(), f.data() + f.size());
  REQUIRE(qtz_test::same_bits(f_got, y_ref));

  Result r;
  for (S c : qtz_test::to_row_major(got.data(), dims, layout)) r.codes_rm.push_back(c);
  r.dequant_rm = qtz_test::to_row_major(d_got.data(), dims, layout);
  r.fake_rm = qtz_test::to_row_major(f_got.data(), dims, layout);
  r.params = p;
  return r;
}

/// Every granularity: PerTensor, PerChannel on each axis (positive and negative), PerGroup on each
/// axis with G = 1, 2, 3 and D + 1.
template <class Fmt, class SchemeTag, class T>
std::vector<Result> check_all_granularities(const T& first, const std::vector<float>& first_rm, const T& x,
                                            const std::vector<float>& x_rm, const Index& dims, Layout layout,
                                            qtz::QuantizerOptions opt) {
  std::vector<Result> out;
  const int r = static_cast<int>(dims.size());
  out.push_back(check_quantizer<Fmt, SchemeTag>(first, first_rm, x, qtz::PerTensor{}, x_rm, dims, layout, opt));
  for (int a = 0; a < r; ++a) {
    INFO("axis " << a);
    out.push_back(check_quantizer<Fmt, SchemeTag>(first, first_rm, x, qtz::PerChannel{a}, x_rm, dims, layout, opt));
    out.push_back(check_quantizer<Fmt, SchemeTag>(first, first_rm, x, qtz::PerChannel{a - r}, x_rm, dims, layout, opt));
    for (std::int64_t G : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, dims[static_cast<std::size_t>(a)] + 1}) {
      INFO("group size " << G);
      out.push_back(check_quantizer<Fmt, SchemeTag>(first, first_rm, x, qtz::PerGroup{G % 2 ? a : a - r, G}, x_rm, dims, layout, opt));
    }
  }
  return out;
}

template <int R, int Options>
Eigen::Tensor<float, R, Options> make_tensor(const Index& dims, const std::vector<float>& x_rm) {
  Eigen::array<Eigen::Index, R> d;
  for (int i = 0; i < R; ++i) d[static_cast<std::size_t>(i)] = static_cast<Eigen::Index>(dims[static_cast<std::size_t>(i)]);
  Eigen::Tensor<float, R, Options> t(d);
  qtz_test::for_each_index(dims, [&](const Index& idx, std::size_t lin) {
    Eigen::array<Eigen::Index, R> a;
    for (int i = 0; i < R; ++i) a[static_cast<std::size_t>(i)] = static_cast<Eigen::Index>(idx[static_cast<std::size_t>(i)]);
    t(a) = x_rm[lin];  // Eigen's own indexing: independent of the reference's offsets
  });
  return t;
}

std::vector<float> sample_data(std::size_t n, std::mt19937& rng, bool specials = true) {
  std::normal_distribution<float> u(0.3f, 2.0f);
  std::vector<float> x(n);
  for (auto& v : x) v = u(rng);
  if (specials && n > 4) {
    x[n / 2] = kNaN;
    x[n / 3] = -kInf;
    x[1] = -0.0f;
  }
  return x;
}

void require_same(const std::vector<Result>& a, const std::vector<Result>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("granularity #" << i);
    REQUIRE(a[i].codes_rm == b[i].codes_rm);
    REQUIRE(qtz_test::same_bits(a[i].dequant_rm, b[i].dequant_rm));
    REQUIRE(qtz_test::same_bits(a[i].fake_rm, b[i].fake_rm));
    REQUIRE(qtz_test::same_bits(a[i].params.scale, b[i].params.scale));
    REQUIRE(qtz_test::same_bits(a[i].params.inv_scale, b[i].params.inv_scale));
    REQUIRE(a[i].params.zero_point == b[i].params.zero_point);
    REQUIRE(a[i].params.scale_shape == b[i].params.scale_shape);
  }
}

template <int R, class Fmt, class SchemeTag>
void check_rank(const Index& dims, qtz::QuantizerOptions opt, std::mt19937& rng) {
  INFO("rank " << R << " shape " << qtz::Shape(dims).str());
  const std::vector<float> f_rm = sample_data(qtz::Shape(dims).size(), rng, false);
  const std::vector<float> x_rm = sample_data(qtz::Shape(dims).size(), rng);
  const auto row = make_tensor<R, Eigen::RowMajor>(dims, x_rm), row_first = make_tensor<R, Eigen::RowMajor>(dims, f_rm);
  const auto col = make_tensor<R, Eigen::ColMajor>(dims, x_rm), col_first = make_tensor<R, Eigen::ColMajor>(dims, f_rm);
  std::vector<Result> a, b;
  {
    INFO("RowMajor");
    a = check_all_granularities<Fmt, SchemeTag>(row_first, f_rm, row, x_rm, dims, Layout::row_major, opt);
  }
  {
    INFO("ColMajor");
    b = check_all_granularities<Fmt, SchemeTag>(col_first, f_rm, col, x_rm, dims, Layout::col_major, opt);
  }
  require_same(a, b);  // the same logical data gives the same logical codes and parameters
}

template <class Fmt, class SchemeTag>
void check_ranks(qtz::QuantizerOptions opt, std::uint32_t seed) {
  std::mt19937 rng(seed);
  check_rank<1, Fmt, SchemeTag>({9}, opt, rng);
  check_rank<2, Fmt, SchemeTag>({4, 5}, opt, rng);
  check_rank<3, Fmt, SchemeTag>({3, 4, 5}, opt, rng);
  check_rank<4, Fmt, SchemeTag>({2, 3, 4, 5}, opt, rng);
  check_rank<5, Fmt, SchemeTag>({2, 3, 2, 4, 3}, opt, rng);
}

}  // namespace

TEST_CASE("quantizer: Eigen::Tensor rank 1..5, both layouts, every granularity, int8 asymmetric") {
  check_ranks<std::int8_t, qtz::Asymmetric>({}, 1u);
}

TEST_CASE("quantizer: uint4 symmetric with stochastic rounding gives layout-independent codes") {
  qtz::QuantizerOptions opt;
  opt.rounding = qtz::Rounding::stochastic;
  opt.seed = 0xC0FFEEu;
  check_ranks<qtz::UInt<4>, qtz::SymmetricFull>(opt, 2u);
}

TEST_CASE("quantizer: int16 symmetric-restricted, round half away, reciprocal scale op") {
  qtz::QuantizerOptions opt;
  opt.rounding = qtz::Rounding::half_away;
  opt.scale_op = qtz::ScaleOp::reciprocal;
  check_ranks<std::int16_t, qtz::SymmetricRestricted>(opt, 3u);
}

TEST_CASE("quantizer: hand-computed per-channel int8 symmetric-restricted weights") {
  // W = [[1, -2], [0.5, 0.25]] per row: S0 = 2/127, S1 = 0.5/127.
  Eigen::Tensor<float, 2, Eigen::ColMajor> w(2, 2);
  w.setValues({{1.0f, -2.0f}, {0.5f, 0.25f}});
  qtz::Quantizer<std::int8_t, qtz::SymmetricRestricted, qtz::PerChannel> q{qtz::PerChannel{0}};
  q.observe(w);
  const auto p = q.params();
  CHECK(p.scale == std::vector<float>{static_cast<float>(2.0 / 127.0), static_cast<float>(0.5 / 127.0)});
  CHECK(p.zero_point == std::vector<std::int32_t>{0, 0});
  const auto qt = q.quantize(w);
  CHECK(qt.codes(0, 0) == 64);   // 1 / (2/127) = 63.5 -> 64 (half even)
  CHECK(qt.codes(0, 1) == -127);
  CHECK(qt.codes(1, 0) == 127);
  CHECK(qt.codes(1, 1) == 64);   // 0.25 / (0.5/127) = 63.5 -> 64
}

TEST_CASE("quantizer: quantize(x, out) reuses out's codes and gives quantize(x)'s bytes") {
  // The hand-computed weights above, then a second observed batch of another shape.
  Eigen::Tensor<float, 2, Eigen::ColMajor> w(2, 2);
  w.setValues({{1.0f, -2.0f}, {0.5f, 0.25f}});
  qtz::Quantizer<std::int8_t, qtz::SymmetricRestricted, qtz::PerChannel> q{qtz::PerChannel{0}};
  q.observe(w);
  qtz::QTensor<std::int8_t, 2, Eigen::ColMajor> out;  // empty: allocated by the first call
  q.quantize(w, out);
  REQUIRE(out.codes.dimension(0) == 2);
  REQUIRE(out.codes.dimension(1) == 2);
  CHECK(out.codes(0, 0) == 64);
  CHECK(out.codes(0, 1) == -127);
  CHECK(out.codes(1, 0) == 127);
  CHECK(out.codes(1, 1) == 64);
  CHECK(out.params.scale == q.params().scale);
  const std::int8_t* storage = out.codes.data();
  out.codes.setConstant(0);
  q.quantize(w, out);  // same shape: same storage, same codes
  CHECK(out.codes.data() == storage);
  CHECK(out.codes(0, 0) == 64);
  CHECK(out.codes(1, 1) == 64);
  // Another shape: the codes are reallocated, the parameters follow the new observation.
  Eigen::Tensor<float, 2, Eigen::ColMajor> v(2, 3);
  v.setValues({{1.0f, 2.0f, -4.0f}, {0.5f, 0.25f, 0.125f}});
  q.reset();
  q.observe(v);
  q.quantize(v, out);
  REQUIRE(out.codes.dimension(1) == 3);
  const auto fresh = q.quantize(v);
  for (Eigen::Index i = 0; i < 2; ++i)
    for (Eigen::Index j = 0; j < 3; ++j) CHECK(out.codes(i, j) == fresh.codes(i, j));
  CHECK(out.params.scale == fresh.params.scale);
  CHECK(out.codes(0, 2) == -127);  // -4 / (4/127)
  CHECK(out.codes(1, 0) == 127);   // 0.5 / (0.5/127)
}

TEST_CASE("qtz::quantize(x, params, out): fixed parameters into a reused QTensor") {
  Eigen::Tensor<float, 2, Eigen::RowMajor> w(2, 2);
  w.setValues({{1.0f, -2.0f}, {0.5f, 0.25f}});
  qtz::Quantizer<std::int8_t, qtz::SymmetricRestricted, qtz::PerChannel> q{qtz::PerChannel{0}};
  q.observe(w);
  const qtz::QuantParams p = q.params();
  qtz::QTensor<std::int8_t, 2, Eigen::RowMajor> out;
  qtz::quantize(w, p, out);
  const auto ref = q.quantize(w);
  for (Eigen::Index i = 0; i < 2; ++i)
    for (Eigen::Index j = 0; j < 2; ++j) CHECK(out.codes(i, j) == ref.codes(i, j));
  CHECK(out.codes(0, 0) == 64);
  CHECK(out.params.scale == p.scale);
  const std::int8_t* storage = out.codes.data();
  Eigen::Tensor<float, 2, Eigen::RowMajor> w2 = w * 0.5f;
  qtz::quantize(w2, p, out);  // same shape: same storage
  CHECK(out.codes.data() == storage);
  CHECK(out.codes(0, 0) == 32);   // 0.5 / (2/127) = 31.75
  CHECK(out.codes(0, 1) == -64);  // -1 / (2/127) = -63.5 -> -64 (half even)
  // A format the QTensor does not hold, and parameters for another shape: out is left unchanged.
  qtz::QTensor<std::uint8_t, 2, Eigen::RowMajor> u8;
  CHECK_THROWS_AS(qtz::quantize(w, p, u8), std::invalid_argument);
  Eigen::Tensor<float, 2, Eigen::RowMajor> wide(3, 2);
  wide.setZero();
  CHECK_THROWS_AS(qtz::quantize(wide, p, out), std::invalid_argument);
  CHECK(out.codes.dimension(0) == 2);
  CHECK(out.codes(0, 0) == 32);
}

TEST_CASE("quantizer: a combination the profile does not define throws at construction") {
  using qtz::Quantizer;
  using qtz::MinMax;
  using qtz::PerTensor;
  CHECK_THROWS_AS((Quantizer<qtz::Int<4>, qtz::Asymmetric, PerTensor, MinMax, qtz::compat::Onnx>{}),
                  std::invalid_argument);
  CHECK_THROWS_AS((Quantizer<std::int8_t, qtz::SymmetricFull, PerTensor, MinMax, qtz::compat::Onnx>{}),
                  std::invalid_argument);
  CHECK_THROWS_AS((Quantizer<std::uint8_t, qtz::SymmetricRestricted, PerTensor, MinMax, qtz::compat::Onnx>{}),
                  std::invalid_argument);
  CHECK_THROWS_AS((Quantizer<std::int8_t, qtz::Asymmetric, PerTensor, MinMax, qtz::compat::TensorRT>{}),
                  std::invalid_argument);
  CHECK_THROWS_AS((Quantizer<std::uint8_t, qtz::SymmetricRestricted, PerTensor, MinMax, qtz::compat::PyTorch>{}),
                  std::invalid_argument);
  CHECK_THROWS_AS((Quantizer<std::int8_t, qtz::Asymmetric, qtz::PerGroup>{qtz::PerGroup{0, 0}}), std::invalid_argument);
  // Defined combinations construct.
  CHECK_NOTHROW((Quantizer<std::int8_t, qtz::SymmetricRestricted, PerTensor, MinMax, qtz::compat::Onnx>{}));
  CHECK_NOTHROW((Quantizer<std::uint8_t, qtz::Asymmetric, PerTensor, MinMax, qtz::compat::Onnx>{}));
  CHECK_NOTHROW((Quantizer<std::int16_t, qtz::SymmetricFull, PerTensor, MinMax, qtz::compat::TensorRT>{}));
}

TEST_CASE("quantizer: params() before observe() and after reset() throws std::logic_error") {
  qtz::Quantizer<std::int8_t> q;
  CHECK_THROWS_AS(q.params(), std::logic_error);
  CHECK_THROWS_AS(q.params(qtz::Shape{3}), std::logic_error);
  Eigen::Tensor<float, 1> t(3);
  t.setValues({1.0f, 2.0f, 3.0f});
  CHECK_THROWS_AS(q.quantize(t), std::logic_error);
  q.observe(t);
  CHECK_NOTHROW(q.params());
  q.reset();
  CHECK_THROWS_AS(q.params(), std::logic_error);
  // A channel that saw only NaN: logic_error too.
  qtz::Quantizer<std::int8_t, qtz::Asymmetric, qtz::PerChannel> c{qtz::PerChannel{0}};
  t.setValues({1.0f, kNaN, 3.0f});
  c.observe(t);
  CHECK_THROWS_AS(c.params(), std::logic_error);
}

TEST_CASE("quantizer: eigen metric wrappers agree with the raw metrics and hand values") {
  Eigen::Tensor<float, 2, Eigen::RowMajor> x(2, 2), y(2, 2);
  x.setValues({{1.0f, 2.0f}, {3.0f, 4.0f}});
  y.setValues({{1.0f, 2.0f}, {3.0f, 6.0f}});
  CHECK(qtz::eigen::mse(x, y) == 1.0);  // (6 - 4)^2 / 4
  CHECK(qtz::eigen::max_abs_error(x, y) == 2.0);
  CHECK(qtz::eigen::sqnr_db(x, y) == Approx(10.0 * std::log10(30.0 / 4.0)).epsilon(1e-12));
  CHECK(qtz::eigen::cosine(x, y) == Approx(38.0 / std::sqrt(30.0 * 50.0)).epsilon(1e-12));

  std::mt19937 rng(11u);
  const std::vector<float> a_rm = sample_data(60, rng), b_rm = sample_data(60, rng);
  const auto a = make_tensor<3, Eigen::ColMajor>({3, 4, 5}, a_rm);
  const auto b = make_tensor<3, Eigen::ColMajor>({3, 4, 5}, b_rm);
  const auto n = static_cast<std::size_t>(a.size());
  CHECK(qtz::eigen::mse(a, b) == qtz::mse(a.data(), b.data(), n));
  CHECK(qtz::eigen::sqnr_db(a, b) == qtz::sqnr_db(a.data(), b.data(), n));
  CHECK(qtz::eigen::max_abs_error(a, b) == qtz::max_abs_error(a.data(), b.data(), n));
  CHECK(qtz::eigen::cosine(a, b) == qtz::cosine(a.data(), b.data(), n));
  // Dense objects too, and a layout mismatch is rejected.
  Eigen::MatrixXf m = Eigen::MatrixXf::Random(3, 4), m2 = m;
  m2(1, 2) += 0.5f;
  CHECK(qtz::eigen::max_abs_error(m, m2) == Approx(0.5).margin(1e-6));
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> r = m;
  CHECK_THROWS_AS(qtz::eigen::mse(m, r), std::invalid_argument);
}
