// qtz::eigen::view and the Quantizer on every Eigen container: Tensor rank 1..5 in both layouts,
// TensorMap (also of const float), Matrix / Array in both storage orders, Map, and strided Map /
// Block / expressions (which the adaptor copies). Codes and parameters against the element-wise
// reference and a plain per-slot min/max loop.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <qtz/eigen/quantizer.hpp>

#include "support/elementwise.hpp"

namespace {

using qtz::Layout;
using qtz_test::Index;

constexpr float kInf = std::numeric_limits<float>::infinity();

/// Logical row-major values of a dense Eigen object through its own (i, j) accessor.
template <class D>
std::vector<float> logical_values(const Eigen::DenseBase<D>& m) {
  std::vector<float> v;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) v.push_back(m(i, j));
  return v;
}

/// view(x) must give dims, layout and, read through the reference's offsets, the logical values.
template <class T>
qtz::eigen::FloatView check_view(const T& x, const Index& dims, Layout layout, const std::vector<float>& logical) {
  const qtz::eigen::FloatView v = qtz::eigen::view(x);
  REQUIRE(v.shape == qtz::Shape(dims));
  REQUIRE(v.layout == layout);
  REQUIRE(qtz_test::to_row_major(v.data, dims, layout) == logical);
  return v;
}

/// Quantizer<int8, asymmetric, Gran> on x: params from a plain per-slot loop, codes from the reference.
template <class Gran, class T>
void check_quantizer(const T& x, const Gran& gran, const Index& dims, Layout layout, const std::vector<float>& x_rm) {
  const qtz::Granularity g = gran.granularity();
  qtz::Quantizer<std::int8_t, qtz::Asymmetric, Gran> q{gran};
  q.observe(x);
  const std::size_t n = qtz_test::slot_count(dims, g);
  std::vector<float> lo(n, kInf), hi(n, -kInf);
  qtz_test::for_each_index(dims, [&](const Index& idx, std::size_t lin) {
    const std::size_t s = qtz_test::param_slot(idx, dims, g);
    lo[s] = std::min(lo[s], x_rm[lin]);
    hi[s] = std::max(hi[s], x_rm[lin]);
  });
  const qtz::QuantParams e = qtz::make_params(lo, hi, qtz::QuantSpec{}, g, qtz::Shape(dims));
  const qtz::QuantParams p = q.params();
  REQUIRE(qtz_test::same_bits(p.scale, e.scale));
  REQUIRE(p.zero_point == e.zero_point);
  const auto qt = q.quantize(x);
  REQUIRE(qt.layout() == layout);
  REQUIRE(qt.shape() == qtz::Shape(dims));
  const std::vector<float> x_mem = qtz_test::from_row_major(x_rm, dims, layout);
  const auto ref = qtz_test::ref_quantize<std::int8_t>(x_mem.data(), dims, layout, e);
  REQUIRE(std::vector<std::int8_t>(qt.codes.data(), qt.codes.data() + qt.codes.size()) == ref);
  const auto f = q.fake_quantize(x);
  std::vector<float> y_ref;
  std::vector<std::uint8_t> m_ref;
  qtz_test::ref_fake_quantize(x_mem.data(), dims, layout, e, y_ref, m_ref);
  REQUIRE(qtz_test::same_bits(std::vector<float>(f.data(), f.data() + f.size()), y_ref));
}

/// Every granularity on a rank-2 object of shape [R, C].
template <class T>
void check_dense_quantizers(const T& x, Layout layout) {
  const Index dims{static_cast<std::int64_t>(x.rows()), static_cast<std::int64_t>(x.cols())};
  const std::vector<float> x_rm = logical_values(x);
  check_quantizer(x, qtz::PerTensor{}, dims, layout, x_rm);
  for (int a : {0, 1, -1, -2}) {
    INFO("axis " << a);
    check_quantizer(x, qtz::PerChannel{a}, dims, layout, x_rm);
    for (std::int64_t G : {1, 2, 3, 7}) check_quantizer(x, qtz::PerGroup{a, G}, dims, layout, x_rm);
  }
}

template <int R, int Options>
void check_tensor_rank(const Index& dims) {
  INFO("rank " << R << (Options == Eigen::RowMajor ? " RowMajor" : " ColMajor"));
  const Layout layout = Options == Eigen::RowMajor ? Layout::row_major : Layout::col_major;
  Eigen::array<Eigen::Index, R> d;
  for (int i = 0; i < R; ++i) d[static_cast<std::size_t>(i)] = static_cast<Eigen::Index>(dims[static_cast<std::size_t>(i)]);
  Eigen::Tensor<float, R, Options> t(d);
  std::vector<float> logical;
  qtz_test::for_each_index(dims, [&](const Index& idx, std::size_t lin) {
    Eigen::array<Eigen::Index, R> a;
    for (int i = 0; i < R; ++i) a[static_cast<std::size_t>(i)] = static_cast<Eigen::Index>(idx[static_cast<std::size_t>(i)]);
    const float v = std::sin(static_cast<float>(lin) * 0.7f) * 3.0f + 0.2f;
    t(a) = v;
    logical.push_back(v);
  });
  const auto v = check_view(t, dims, layout, logical);
  CHECK(v.data == t.data());  // no copy
  CHECK(v.owned.empty());

  Eigen::TensorMap<Eigen::Tensor<float, R, Options>> map(t.data(), d);
  CHECK(check_view(map, dims, layout, logical).data == t.data());
  Eigen::TensorMap<const Eigen::Tensor<float, R, Options>> cmap(t.data(), d);
  CHECK(check_view(cmap, dims, layout, logical).data == t.data());

  for (int a = 0; a < R; ++a) {
    INFO("axis " << a);
    check_quantizer(t, qtz::PerChannel{a}, dims, layout, logical);
    check_quantizer(map, qtz::PerGroup{a, 2}, dims, layout, logical);
    check_quantizer(cmap, qtz::PerGroup{a - R, 3}, dims, layout, logical);
  }
  check_quantizer(cmap, qtz::PerTensor{}, dims, layout, logical);
}

}  // namespace

TEST_CASE("adapt: Eigen::Tensor / TensorMap / const TensorMap of rank 1..5 in both layouts") {
  check_tensor_rank<1, Eigen::RowMajor>({7});
  check_tensor_rank<1, Eigen::ColMajor>({7});
  check_tensor_rank<2, Eigen::RowMajor>({3, 5});
  check_tensor_rank<2, Eigen::ColMajor>({3, 5});
  check_tensor_rank<3, Eigen::RowMajor>({2, 3, 4});
  check_tensor_rank<3, Eigen::ColMajor>({2, 3, 4});
  check_tensor_rank<4, Eigen::RowMajor>({2, 3, 2, 5});
  check_tensor_rank<4, Eigen::ColMajor>({2, 3, 2, 5});
  check_tensor_rank<5, Eigen::RowMajor>({2, 1, 3, 2, 4});
  check_tensor_rank<5, Eigen::ColMajor>({2, 1, 3, 2, 4});
}

TEST_CASE("adapt: Matrix and Array in both storage orders, viewed without a copy") {
  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using ColMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  using RowArr = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  ColMat c(4, 6);
  for (Eigen::Index i = 0; i < 4; ++i)
    for (Eigen::Index j = 0; j < 6; ++j) c(i, j) = static_cast<float>(i * 6 + j) * 0.37f - 3.0f;
  const RowMat r = c;
  const Eigen::ArrayXXf ca = c.array();
  const RowArr ra = r.array();
  const Eigen::Matrix<float, 4, 6, Eigen::RowMajor> fixed = r;  // fixed size
  const std::vector<float> logical = logical_values(c);
  CHECK(check_view(c, {4, 6}, Layout::col_major, logical).data == c.data());
  CHECK(check_view(r, {4, 6}, Layout::row_major, logical).data == r.data());
  CHECK(check_view(ca, {4, 6}, Layout::col_major, logical).data == ca.data());
  CHECK(check_view(ra, {4, 6}, Layout::row_major, logical).data == ra.data());
  CHECK(check_view(fixed, {4, 6}, Layout::row_major, logical).data == fixed.data());
  check_dense_quantizers(c, Layout::col_major);
  check_dense_quantizers(r, Layout::row_major);
  check_dense_quantizers(ca, Layout::col_major);
  check_dense_quantizers(ra, Layout::row_major);
  check_dense_quantizers(fixed, Layout::row_major);
  // A column vector is [n, 1].
  const Eigen::VectorXf vec = c.col(2);
  check_view(vec, {4, 1}, Layout::col_major, logical_values(vec));
}

TEST_CASE("adapt: Map, strided Map, Block and expressions (copied) in both storage orders") {
  std::vector<float> buf(60);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = std::cos(static_cast<float>(i)) * 4.0f;
  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  // Contiguous maps: no copy.
  Eigen::Map<Eigen::MatrixXf> cm(buf.data(), 5, 6);
  Eigen::Map<const RowMat> rm(buf.data(), 5, 6);
  CHECK(check_view(cm, {5, 6}, Layout::col_major, logical_values(cm)).data == buf.data());
  CHECK(check_view(rm, {5, 6}, Layout::row_major, logical_values(rm)).data == buf.data());
  check_dense_quantizers(cm, Layout::col_major);
  check_dense_quantizers(rm, Layout::row_major);

  // Strided maps: copied, logical values preserved.
  Eigen::Map<Eigen::MatrixXf, 0, Eigen::OuterStride<>> outer(buf.data(), 4, 5, Eigen::OuterStride<>(7));
  Eigen::Map<RowMat, 0, Eigen::Stride<Eigen::Dynamic, 2>> inner(buf.data(), 3, 4, Eigen::Stride<Eigen::Dynamic, 2>(9, 2));
  const auto vo = check_view(outer, {4, 5}, Layout::col_major, logical_values(outer));
  CHECK(vo.owned.size() == 20);
  CHECK(vo.data != buf.data());
  const auto vi = check_view(inner, {3, 4}, Layout::row_major, logical_values(inner));
  CHECK(vi.owned.size() == 12);
  check_dense_quantizers(outer, Layout::col_major);
  check_dense_quantizers(inner, Layout::row_major);

  // Blocks and expressions.
  const Eigen::MatrixXf m = cm;
  const RowMat r = m;
  const auto block = m.block(1, 2, 3, 4);
  const auto rblock = r.block(1, 1, 4, 3);
  check_view(block, {3, 4}, Layout::col_major, logical_values(block));
  check_view(rblock, {4, 3}, Layout::row_major, logical_values(rblock));
  check_dense_quantizers(block, Layout::col_major);
  check_dense_quantizers(rblock, Layout::row_major);
  const Eigen::MatrixXf twice = m * 2.0f;
  check_view(m * 2.0f, {5, 6}, Layout::col_major, logical_values(twice));
  check_dense_quantizers(m * 2.0f, Layout::col_major);
  check_dense_quantizers(m.array() + 1.0f, Layout::col_major);
  // A transposed column-major matrix is a row-major view of the same data.
  const Eigen::MatrixXf mt = m.transpose();
  const auto vt = check_view(m.transpose(), {6, 5}, Layout::row_major, logical_values(mt));
  CHECK(vt.data != nullptr);
  check_dense_quantizers(m.transpose(), Layout::row_major);
}

TEST_CASE("adapt: the same logical matrix in both storage orders gives the same codes and params") {
  Eigen::MatrixXf c(5, 7);
  for (Eigen::Index i = 0; i < 5; ++i)
    for (Eigen::Index j = 0; j < 7; ++j) c(i, j) = std::sin(static_cast<float>(i * 7 + j)) * 2.0f;
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> r = c;
  qtz::Quantizer<qtz::Int<4>, qtz::SymmetricFull, qtz::PerGroup> qc{qtz::PerGroup{1, 3}}, qr{qtz::PerGroup{1, 3}};
  qc.observe(c);
  qr.observe(r);
  CHECK(qc.params().scale == qr.params().scale);
  const auto a = qc.quantize(c);
  const auto b = qr.quantize(r);
  for (Eigen::Index i = 0; i < 5; ++i)
    for (Eigen::Index j = 0; j < 7; ++j) REQUIRE(a.codes(i, j) == b.codes(i, j));
}
