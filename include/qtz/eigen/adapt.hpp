// Eigen adaptors: any Eigen::Tensor / TensorMap (both layouts, rank 0..8) or dense
// Matrix / Array / Map / expression of floats seen as (pointer, Shape, Layout). The only folder of
// qtz that includes Eigen.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <type_traits>
#include <unsupported/Eigen/CXX11/Tensor>
#include <vector>

#include "qtz/core/shape.hpp"

namespace qtz::eigen {

/// Layout of an Eigen storage-order option.
constexpr Layout layout_of(int options) noexcept {
  return (options & Eigen::RowMajor) ? Layout::row_major : Layout::col_major;
}
/// Eigen storage-order option of a layout.
constexpr int options_of(Layout l) noexcept { return l == Layout::row_major ? Eigen::RowMajor : Eigen::ColMajor; }

/// A read-only float view of an Eigen object; owns a contiguous copy when the object is an
/// expression or a strided map.
struct FloatView {
  const float* data = nullptr;
  Shape shape;
  Layout layout = Layout::row_major;
  std::vector<float> owned;
};

namespace detail {
template <class T, class = void>
struct is_tensor : std::false_type {};
template <class T>
struct is_tensor<T, std::enable_if_t<std::is_base_of_v<Eigen::TensorBase<T, Eigen::ReadOnlyAccessors>, T>>>
    : std::true_type {};
template <class T>
constexpr bool is_dense_v = std::is_base_of_v<Eigen::DenseBase<T>, T>;
}  // namespace detail

/// Is T an Eigen type qtz accepts (float Tensor, TensorMap or dense object)?
template <class T>
constexpr bool is_supported_v = (detail::is_tensor<T>::value || detail::is_dense_v<T>)&&std::is_same_v<
    std::remove_const_t<typename Eigen::internal::traits<T>::Scalar>, float>;

/// Views x as (pointer, shape, layout).
template <class T>
FloatView view(const T& x) {
  static_assert(detail::is_tensor<T>::value || detail::is_dense_v<T>,
                "qtz: expected an Eigen::Tensor, Eigen::TensorMap, Matrix, Array or Map");
  static_assert(std::is_same_v<std::remove_const_t<typename Eigen::internal::traits<T>::Scalar>, float>,
                "qtz: the tensor must hold float (float32) values");
  FloatView v;
  if constexpr (detail::is_tensor<T>::value) {
    using Traits = Eigen::internal::traits<T>;
    constexpr int rank = Traits::NumDimensions;
    constexpr int layout = Traits::Layout;
    static_assert(rank <= Shape::max_rank, "qtz: tensors of rank above 8 are not supported");
    const auto& d = x.dimensions();
    std::int64_t dims[rank > 0 ? rank : 1] = {};
    for (std::size_t i = 0; i < std::size_t{rank}; ++i) dims[i] = static_cast<std::int64_t>(d[i]);
    v.shape = Shape(dims, dims + rank);
    v.layout = layout_of(layout == Eigen::RowMajor ? Eigen::RowMajor : Eigen::ColMajor);
    v.data = x.data();
  } else {
    v.shape = Shape{static_cast<std::int64_t>(x.rows()), static_cast<std::int64_t>(x.cols())};
    v.layout = T::IsRowMajor ? Layout::row_major : Layout::col_major;
    constexpr bool direct = (Eigen::internal::traits<T>::Flags & Eigen::DirectAccessBit) != 0;
    bool contiguous = false;
    if constexpr (direct) {
      contiguous = x.size() == 0 || (x.innerStride() == 1 && (x.outerSize() <= 1 || x.outerStride() == x.innerSize()));
      if (contiguous) v.data = x.data();
    }
    if (!contiguous) {  // an expression or a strided view: evaluate once into our own buffer
      v.owned.resize(static_cast<std::size_t>(x.size()));
      using Plain = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, T::IsRowMajor ? Eigen::RowMajor : Eigen::ColMajor>;
      Eigen::Map<Plain>(v.owned.data(), x.rows(), x.cols()) = x.matrix();
      v.data = v.owned.data();
    }
  }
  return v;
}

/// Tensor rank and storage option an Eigen input maps onto (dense objects are rank 2).
template <class T, class = void>
struct tensor_kind;
template <class T>
struct tensor_kind<T, std::enable_if_t<detail::is_tensor<T>::value>> {
  static constexpr int rank = Eigen::internal::traits<T>::NumDimensions;
  static constexpr int options = Eigen::internal::traits<T>::Layout == Eigen::RowMajor ? Eigen::RowMajor : Eigen::ColMajor;
};
template <class T>
struct tensor_kind<T, std::enable_if_t<detail::is_dense_v<T>>> {
  static constexpr int rank = 2;
  static constexpr int options = T::IsRowMajor ? Eigen::RowMajor : Eigen::ColMajor;
};

/// An Eigen::Tensor of the given shape (its dimensions in logical order).
template <class Scalar, int Rank, int Options>
Eigen::Tensor<Scalar, Rank, Options> make_tensor(const Shape& s) {
  Eigen::array<Eigen::Index, Rank> dims;
  for (int i = 0; i < Rank; ++i) dims[static_cast<std::size_t>(i)] = static_cast<Eigen::Index>(s[i]);
  return Eigen::Tensor<Scalar, Rank, Options>(dims);
}

}  // namespace qtz::eigen
